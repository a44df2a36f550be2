//! Typo correction: a question word the corpus never uses is replaced by the
//! nearest indexed term when one is a single edit away (two for long words),
//! so typos still find their passage.
//!
//! The distance is strsim's (unrestricted) Damerau–Levenshtein, as it always
//! was. What changed is how few terms reach it: terms are kept in buckets by
//! first letter and length, so only terms of a possible length are looked at,
//! and each carries a 64-bit mask of the letters it holds, so that a term
//! missing more of the word's letters than the edits allowed is passed over
//! with one AND and a popcount; one that passes is then held to the bag
//! distance (how many characters of each class the two differ by), and only
//! what passes both reaches the distance (RELIABILITY.md has the cost at 1k,
//! 10k and 100k passages).

pub mod respell;

use std::collections::HashMap;

use tantivy::Searcher;
use tantivy::schema::Field;

use crate::error::Result;

/// The indexed terms of the passage text with their document frequencies,
/// bucketed by first letter and length in characters.
#[derive(Debug, Default)]
pub struct Vocabulary {
    buckets: HashMap<(char, usize), Bucket>,
}

/// Terms of one first letter and one length, each with its letter mask, in
/// alphabetical order.
#[derive(Debug, Default)]
struct Bucket {
    masks: Vec<u64>,
    terms: Vec<(String, u64)>,
}

/// Which of 64 classes of characters `word` holds (a character's class is
/// its code point modulo 64: the 26 lower-case ASCII letters each have their
/// own).
fn letters(word: &str) -> u64 {
    word.chars().fold(0, |mask, c| mask | 1 << (c as u32 % 64))
}

/// A lower bound on the Damerau–Levenshtein distance between two words of
/// these masks: each class one word holds and the other lacks needs an edit
/// of its own (a deletion, insertion or substitution of a character of that
/// class; a transposition changes no class).
fn distance_at_least(a: u64, b: u64) -> u32 {
    (a & !b).count_ones().max((b & !a).count_ones())
}

/// How many characters of each class `word` holds (saturating at 255).
fn counts(word: &str) -> [u8; 64] {
    let mut counts = [0u8; 64];
    for c in word.chars() {
        let class = &mut counts[c as usize % 64];
        *class = class.saturating_add(1);
    }
    counts
}

/// A tighter lower bound than [`distance_at_least`], for the terms that pass
/// it: the bag distance over classes. The characters one word has more of
/// in a class each need an edit, and so do those it has fewer of; one
/// substitution can settle one of each.
fn bag_distance_at_least(word: &[u8; 64], term: &str) -> u32 {
    let mut diff = [0i16; 64];
    for (d, &n) in diff.iter_mut().zip(word) {
        *d = i16::from(n);
    }
    for c in term.chars() {
        diff[c as usize % 64] -= 1;
    }
    let (mut more, mut fewer) = (0u32, 0u32);
    for d in diff {
        if d > 0 {
            more += d.unsigned_abs() as u32;
        } else {
            fewer += d.unsigned_abs() as u32;
        }
    }
    more.max(fewer)
}

impl Vocabulary {
    /// The terms of `field` in every segment of `searcher`, with their
    /// document frequencies summed over segments.
    pub fn read(searcher: &Searcher, field: Field) -> Result<Vocabulary> {
        let mut counts: HashMap<String, u64> = HashMap::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(field)?;
            let mut stream = inverted
                .terms()
                .stream()
                .map_err(tantivy::TantivyError::from)?;
            while stream.advance() {
                if let Ok(term) = std::str::from_utf8(stream.key()) {
                    *counts.entry(term.to_string()).or_default() +=
                        u64::from(stream.value().doc_freq);
                }
            }
        }
        Ok(Vocabulary::of(counts))
    }

    /// The vocabulary of these terms and document frequencies.
    fn of(terms: impl IntoIterator<Item = (String, u64)>) -> Vocabulary {
        let mut buckets: HashMap<(char, usize), Bucket> = HashMap::new();
        for (term, df) in terms {
            if let Some(c) = term.chars().next() {
                let bucket = buckets.entry((c, term.chars().count())).or_default();
                bucket.masks.push(letters(&term));
                bucket.terms.push((term, df));
            }
        }
        for bucket in buckets.values_mut() {
            let mut order: Vec<usize> = (0..bucket.terms.len()).collect();
            order.sort_by(|&a, &b| bucket.terms[a].0.cmp(&bucket.terms[b].0));
            bucket.masks = order.iter().map(|&i| bucket.masks[i]).collect();
            bucket.terms = order.iter().map(|&i| bucket.terms[i].clone()).collect();
        }
        Vocabulary { buckets }
    }

    /// The document frequency of an indexed term, `None` when no passage has it.
    pub fn df(&self, term: &str) -> Option<u64> {
        let first = term.chars().next()?;
        let bucket = self.buckets.get(&(first, term.chars().count()))?;
        let i = bucket
            .terms
            .binary_search_by(|(t, _)| t.as_str().cmp(term))
            .ok()?;
        Some(bucket.terms[i].1)
    }

    /// The nearest indexed term to an unknown one, and its document
    /// frequency: same first letter (typos rarely hit it), one edit for words
    /// up to 8 letters, two beyond; ties go to the more frequent term, then
    /// to the first in alphabetical order.
    pub fn correct(&self, term: &str) -> Option<(String, u64)> {
        let len = term.chars().count();
        if len < 4 || term.chars().any(|c| c.is_numeric()) {
            return None;
        }
        let max = if len <= 8 { 1 } else { 2 };
        let first = term.chars().next()?;
        let mask = letters(term);
        let word = counts(term);
        let mut best: Option<(usize, &str, u64)> = None;
        for n in len - max..=len + max {
            let Some(bucket) = self.buckets.get(&(first, n)) else {
                continue;
            };
            for (i, &m) in bucket.masks.iter().enumerate() {
                if distance_at_least(mask, m) > max as u32 {
                    continue;
                }
                let (t, df) = &bucket.terms[i];
                if bag_distance_at_least(&word, t) > max as u32 {
                    continue;
                }
                let d = strsim::damerau_levenshtein(term, t);
                if d > max {
                    continue;
                }
                let better = best.is_none_or(|(bd, bt, bdf)| {
                    (d, std::cmp::Reverse(*df), t.as_str()) < (bd, std::cmp::Reverse(bdf), bt)
                });
                if better {
                    best = Some((d, t, *df));
                }
            }
        }
        best.map(|(_, t, df)| (t.to_string(), df))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The correction before buckets and masks: every term of the first
    /// letter through strsim (ties then went to whichever came first).
    fn oracle(terms: &[(String, u64)], term: &str) -> Option<(String, u64)> {
        let len = term.chars().count();
        if len < 4 || term.chars().any(|c| c.is_numeric()) {
            return None;
        }
        let max = if len <= 8 { 1 } else { 2 };
        let first = term.chars().next()?;
        terms
            .iter()
            .filter(|(t, _)| t.starts_with(first))
            .filter(|(t, _)| t.chars().count().abs_diff(len) <= max)
            .map(|(t, df)| (strsim::damerau_levenshtein(term, t), t, *df))
            .filter(|&(d, _, _)| d <= max)
            .min_by(|a, b| a.0.cmp(&b.0).then(b.2.cmp(&a.2)).then(a.1.cmp(b.1)))
            .map(|(_, t, df)| (t.clone(), df))
    }

    fn vocabulary(terms: &[(String, u64)]) -> Vocabulary {
        Vocabulary::of(terms.iter().cloned())
    }

    #[test]
    fn corrects_one_edit_in_short_words_and_two_in_long_ones() {
        let terms: Vec<(String, u64)> = [
            ("negotiation", 3),
            ("marketing", 9),
            ("market", 4),
            ("sales", 7),
            ("salts", 7),
            ("salad", 1),
        ]
        .iter()
        .map(|(t, d)| (t.to_string(), *d))
        .collect();
        let v = vocabulary(&terms);
        assert_eq!(v.correct("negotation"), Some(("negotiation".into(), 3)));
        assert_eq!(v.correct("negotaiton"), Some(("negotiation".into(), 3)));
        assert_eq!(v.correct("markting"), Some(("marketing".into(), 9)));
        // A tie on distance and frequency goes to the first alphabetically.
        assert_eq!(v.correct("salus"), Some(("sales".into(), 7)));
        assert_eq!(v.correct("sal"), None);
        assert_eq!(v.correct("sales2"), None);
        assert_eq!(v.correct("xales"), None);
        // A transposition with a letter between: two edits for Damerau–Levenshtein.
        assert_eq!(v.correct("nboegtiation"), oracle(&terms, "nboegtiation"));
        // Every term is found by its exact spelling, whatever its bucket's order.
        for (term, df) in &terms {
            assert_eq!(v.df(term), Some(*df), "{term}");
        }
        assert_eq!(v.df("salt"), None);
        assert_eq!(v.df(""), None);
    }

    /// Buckets and masks only skip work: on random words and their random
    /// edits (transpositions, letters from outside ASCII) every correction is
    /// the oracle's.
    #[test]
    fn corrects_exactly_as_comparing_with_every_term_did() {
        use std::hash::{DefaultHasher, Hash, Hasher};
        // Pseudo-random and the same at every run: `DefaultHasher::new` has fixed keys.
        let mut n = 0u64;
        let mut next = move || {
            n += 1;
            let mut h = DefaultHasher::new();
            n.hash(&mut h);
            h.finish()
        };
        let alphabet: Vec<char> = "abcdeéiklmnorstuü".chars().collect();
        let mut terms: Vec<(String, u64)> = Vec::new();
        for _ in 0..3000 {
            let len = 3 + (next() % 10) as usize;
            let word: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            if !terms.iter().any(|(t, _)| *t == word) {
                terms.push((word, 1 + next() % 4));
            }
        }
        let v = vocabulary(&terms);
        let mut corrected = 0;
        for i in 0..3000 {
            let mut word: Vec<char> = terms[i % terms.len()].0.chars().collect();
            for _ in 0..(1 + next() % 3) {
                let at = (next() % word.len() as u64) as usize;
                match next() % 4 {
                    0 if at + 1 < word.len() => word.swap(at, at + 1),
                    1 if word.len() > 1 => {
                        word.remove(at);
                    }
                    2 => word.insert(at, alphabet[(next() % alphabet.len() as u64) as usize]),
                    _ => word[at] = alphabet[(next() % alphabet.len() as u64) as usize],
                }
            }
            let word: String = word.into_iter().collect();
            let got = v.correct(&word);
            assert_eq!(got, oracle(&terms, &word), "{word}");
            corrected += usize::from(got.is_some());
        }
        assert!(corrected > 500, "{corrected}");
    }
}
