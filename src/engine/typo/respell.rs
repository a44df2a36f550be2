//! Misspelled words put right as words, before the question is read: "who
//! handels negotiaton with custmers" becomes "who handles negotiation with
//! customers".
//!
//! [`super::Vocabulary::correct`] corrects a question's *stem* to the nearest
//! indexed stem. That misses a typo the stemmer cuts differently: "negotiaton"
//! keeps its tail, while the text's "negotiation" is indexed as "negoti", four
//! edits away. And the encoders never saw the correction: they compared
//! "negotiaton" and "custmers" by meaning, which puts the question nowhere
//! near its passage (cosine 0.03 against 0.57 spelled right).
//!
//! So a word whose stem the documents lack, and that is no English word
//! (not in the encoder's vocabulary: "line", "beat" or "tire" are left alone,
//! however near "life", "best" or "time" are), is tried one edit at a time
//! (a letter dropped, added, changed, or two swapped; the first letter kept, as
//! typos rarely hit it): a variant the documents use as a word, as written,
//! or an English word whose stem they use, is the word meant, the one whose
//! stem is most frequent winning. (Not any variant whose stem they use: "goud"
//! is one edit from "goed", which is no word but stems to "go".) The respelled question is what
//! the search, the rules and both encoders read; the answer still quotes the
//! question as asked, and `:why` shows each word as typed beside the stem
//! searched. A slip that keeps the stem ("marketting" is `market`, as
//! "marketing" is) finds its passages already, but is put right the same
//! way, to a word the documents use as written, for the encoders' sake.
//! Chat shorthand the documents do not use ("mktg", "u", "n") is
//! written out the same way ([`SHORTHAND`]).

use tantivy::tokenizer::TextAnalyzer;

use crate::engine::analysis;

/// Words shorter than this are left as typed: too many short words are one
/// edit from another ("les", "hoo").
const MIN_LETTERS: usize = 4;

/// Words longer than this are left to the stem correction: no English word
/// is, and a pasted hash or URL would cost many variants for nothing.
const MAX_LETTERS: usize = 24;

/// At most this many words of one question are tried, so a question of
/// gibberish costs a bounded amount (each word up to about 1,300 variants).
const MAX_TRIED: usize = 8;

/// Chat shorthand, written out when the documents do not use it as a word
/// ("are sales and mktg on bad terms?").
const SHORTHAND: &[(&str, &str)] = &[
    ("mktg", "marketing"),
    ("mgmt", "management"),
    ("biz", "business"),
    ("dept", "department"),
    ("depts", "departments"),
    ("govt", "government"),
    ("info", "information"),
    ("diff", "difference"),
    ("u", "you"),
    ("ur", "your"),
    ("r", "are"),
    ("n", "and"),
    ("bc", "because"),
    ("cuz", "because"),
    ("coz", "because"),
    ("pls", "please"),
    ("plz", "please"),
    ("thx", "thanks"),
    ("abt", "about"),
];

/// One word put right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// As typed (lower case).
    pub typed: String,
    /// The word meant, spelled as it is typed (lower case).
    pub meant: String,
}

/// A question with its misspelled words put right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Respelled {
    pub text: String,
    pub fixes: Vec<Fix>,
    /// The stems of the English words the documents lack, as they are: a
    /// real word is no typo, so the stem correction leaves them too ("thing"
    /// is not "think").
    pub words_not_typos: Vec<String>,
}

impl Respelled {
    /// The stems searched in place of the ones typed, as (searched, typed),
    /// for `:why` ("negoti" for "negotiaton"): a slip that kept its stem
    /// changes none.
    pub fn changed_stems(&self, analyzer: &mut TextAnalyzer) -> Vec<(String, String)> {
        self.fixes
            .iter()
            .filter_map(|fix| {
                let meant = analysis::terms(analyzer, &fix.meant).into_iter().next()?;
                let typed = analysis::terms(analyzer, &fix.typed).into_iter().next()?;
                (meant != typed).then_some((meant, typed))
            })
            .collect()
    }
}

/// What respelling looks words up in.
pub trait Lexicon {
    /// An indexed stem's document frequency, `None` when no passage has it.
    fn stem(&self, stem: &str) -> Option<u64>;
    /// A word's, as written (lower case).
    fn word(&self, word: &str) -> Option<u64>;
    /// Whether a word (lower case) is an English word at all.
    fn is_english(&self, word: &str) -> bool;
}

/// `question` with each word the documents lack (by stem) and that is no
/// English word replaced by its nearest variant they use as a word.
pub fn respell(question: &str, analyzer: &mut TextAnalyzer, lexicon: &impl Lexicon) -> Respelled {
    let mut text = String::with_capacity(question.len());
    let mut fixes = Vec::new();
    let mut words_not_typos = Vec::new();
    let mut tried = 0;
    let mut rest = question;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphabetic()) {
        text.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(tail.len());
        let word = &tail[..end];
        rest = &tail[end..];
        // A word joined to others by an apostrophe or a hyphen ("company's",
        // "one-to-one"), to digits ("b2b") or to letters outside ASCII
        // ("Müllerstraße") is left as typed.
        let joined = |c: Option<char>| {
            c.is_some_and(|c| c == '\'' || c == '’' || c == '-' || c.is_alphanumeric())
        };
        let (before, after) = (text.chars().last(), rest.chars().next());
        let lonely = !joined(before) && !joined(after);
        let lower = word.to_ascii_lowercase();
        // Shorthand is typed in lower case, and not as an abbreviation's
        // letters ("the U.S. market", "R&D").
        let dotted = |c: Option<char>| c.is_some_and(|c| matches!(c, '.' | '&' | '/'));
        let shorthand = SHORTHAND
            .iter()
            .find(|(short, _)| *short == word)
            .filter(|_| {
                lonely && !dotted(before) && !dotted(after) && lexicon.word(&lower).is_none()
            });
        let fix = match stem_of(word, analyzer) {
            _ if shorthand.is_some() => shorthand.map(|(_, long)| (*long).to_owned()),
            None => None,
            Some(stem) if lexicon.stem(&stem).unwrap_or(0) == 0 => {
                if lexicon.is_english(&lower) {
                    words_not_typos.push(stem);
                    None
                } else if lonely && tried < MAX_TRIED {
                    tried += 1;
                    nearest(&lower, analyzer, lexicon)
                } else {
                    None
                }
            }
            // "marketting" finds the passages (its stem is "market"), but the
            // encoders would read it as typed.
            Some(stem)
                if lonely
                    && tried < MAX_TRIED
                    && !lexicon.is_english(&lower)
                    && lexicon.word(&lower).is_none() =>
            {
                tried += 1;
                same_stem(&lower, &stem, analyzer, lexicon)
            }
            Some(_) => None,
        };
        match fix {
            Some(meant) => {
                text.push_str(&matching_case(word, &meant));
                fixes.push(Fix {
                    typed: lower,
                    meant,
                });
            }
            None => text.push_str(word),
        }
    }
    text.push_str(rest);
    Respelled {
        text,
        fixes,
        words_not_typos,
    }
}

/// The stem of `word` when it is one to try: long enough and not a stop word.
fn stem_of(word: &str, analyzer: &mut TextAnalyzer) -> Option<String> {
    if !(MIN_LETTERS..=MAX_LETTERS).contains(&word.len()) {
        return None;
    }
    let [stem] = <[String; 1]>::try_from(analysis::terms(analyzer, word)).ok()?;
    Some(stem)
}

/// The variant of `word` one edit away that the documents use as written
/// with the same `stem`, the most frequent first: the spelling meant.
fn same_stem(
    word: &str,
    stem: &str,
    analyzer: &mut TextAnalyzer,
    lexicon: &impl Lexicon,
) -> Option<String> {
    let mut best: Option<(u64, String)> = None;
    for variant in variants(word) {
        let Some(n) = lexicon.word(&variant).filter(|&n| n > 0) else {
            continue;
        };
        if analysis::terms(analyzer, &variant) != [stem] {
            continue;
        }
        if best
            .as_ref()
            .is_none_or(|(bn, bv)| (n, std::cmp::Reverse(&variant)) > (*bn, std::cmp::Reverse(bv)))
        {
            best = Some((n, variant));
        }
    }
    best.map(|(_, v)| v)
}

/// The variant of `word` one edit away that is a word of the documents as
/// written, or an English word whose stem they use ("custmers" is
/// "customers" in a text that only says "customer"); the one whose stem
/// the documents use most wins, then one they use as written, then the first
/// in alphabetical order.
fn nearest(word: &str, analyzer: &mut TextAnalyzer, lexicon: &impl Lexicon) -> Option<String> {
    let mut best: Option<(u64, bool, String)> = None;
    for variant in variants(word) {
        let written = lexicon.word(&variant).is_some_and(|n| n > 0);
        if !written && !lexicon.is_english(&variant) {
            continue;
        }
        let Ok([stem]) = <[String; 1]>::try_from(analysis::terms(analyzer, &variant)) else {
            continue;
        };
        let Some(n) = lexicon.stem(&stem).filter(|&n| n > 0) else {
            continue;
        };
        let better = best.as_ref().is_none_or(|(bn, bw, bv)| {
            (n, written, std::cmp::Reverse(&variant)) > (*bn, *bw, std::cmp::Reverse(bv))
        });
        if better {
            best = Some((n, written, variant));
        }
    }
    best.map(|(_, _, v)| v)
}

/// Every word one edit from `word` (lower-case ASCII) that keeps its first
/// letter: a letter dropped, added, changed, or two neighbours swapped.
fn variants(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    let mut out = Vec::with_capacity(54 * n);
    let make = |v: &[char]| v.iter().collect::<String>();
    for i in 1..n {
        let mut v = chars.clone();
        v.remove(i);
        out.push(make(&v));
        if i + 1 < n {
            let mut v = chars.clone();
            v.swap(i, i + 1);
            out.push(make(&v));
        }
        for c in 'a'..='z' {
            if c != chars[i] {
                let mut v = chars.clone();
                v[i] = c;
                out.push(make(&v));
            }
        }
    }
    for i in 1..=n {
        for c in 'a'..='z' {
            let mut v = chars.clone();
            v.insert(i, c);
            out.push(make(&v));
        }
    }
    out
}

/// `meant` in the case `typed` was written in: "Custmers" becomes "Customers".
fn matching_case(typed: &str, meant: &str) -> String {
    if typed.chars().all(|c| c.is_ascii_uppercase()) && typed.len() > 1 {
        meant.to_ascii_uppercase()
    } else if typed.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
        let mut out = meant.to_owned();
        out[..1].make_ascii_uppercase();
        out
    } else {
        meant.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::analysis::analyzer;

    /// The words of a text about negotiating with customers, as written.
    const WORDS: &[(&str, u64)] = &[
        ("negotiation", 2),
        ("customer", 5),
        ("handles", 1),
        ("succeed", 1),
        ("collaborate", 1),
        ("such", 3),
        ("sales", 9),
        ("go", 1),
        ("info", 1),
        ("marketing", 4),
    ];

    /// Those words, and a few English words the text does not use.
    struct Text {
        looked_up: std::cell::Cell<usize>,
    }

    impl Lexicon for Text {
        fn stem(&self, stem: &str) -> Option<u64> {
            let mut a = analyzer();
            WORDS
                .iter()
                .find(|(w, _)| analysis::terms(&mut a, w) == [stem])
                .map(|(_, n)| *n)
        }
        fn word(&self, word: &str) -> Option<u64> {
            self.looked_up.set(self.looked_up.get() + 1);
            WORDS.iter().find(|(w, _)| *w == word).map(|(_, n)| *n)
        }
        fn is_english(&self, word: &str) -> bool {
            ["line", "thing", "good", "customers", "handles"].contains(&word)
        }
    }

    fn text() -> Text {
        Text {
            looked_up: std::cell::Cell::new(0),
        }
    }

    fn respelled(q: &str) -> Respelled {
        respell(q, &mut analyzer(), &text())
    }

    #[test]
    fn misspelled_words_are_put_right_as_words() {
        let r = respelled("Who handels negotiaton with custmers?");
        assert_eq!(r.text, "Who handles negotiation with customers?");
        let typed: Vec<&str> = r.fixes.iter().map(|f| f.typed.as_str()).collect();
        assert_eq!(typed, ["handels", "negotiaton", "custmers"]);
        // "suceed" is one edit from "succeed", whose stem is known; the stem
        // correction alone would have made it "such".
        let r = respelled("do they have to colaborate to suceed");
        assert_eq!(r.text, "do they have to collaborate to succeed");
        // A slip that keeps the stem ("marketting" is `market`) is put right
        // for the encoders' sake.
        let r = respelled("Is marketting fun");
        assert_eq!(r.text, "Is marketing fun");
        assert!(r.changed_stems(&mut analyzer()).is_empty());
        let r = respelled("negotiaton");
        assert_eq!(
            r.changed_stems(&mut analyzer()),
            [("negoti".to_owned(), "negotiaton".to_owned())]
        );
    }

    #[test]
    fn known_short_joined_and_far_words_and_non_words_are_left_as_typed() {
        for q in [
            "Sales and customers",
            "les hoo",
            "my company's negotiaton-style",
            "b2b custmers2",
            "What is account-based marketing?",
            "a survey of bread",
            // "goed" stems to "go", a stem of the text, but is no word of it.
            "a goud question",
        ] {
            let r = respelled(q);
            assert_eq!(r.text, q);
            assert!(r.fixes.is_empty(), "{q}: {:?}", r.fixes);
        }
        assert_eq!(respelled("CUSTMERS Custmers").text, "CUSTOMERS Customers");
    }

    #[test]
    fn chat_shorthand_is_written_out() {
        let r = respelled("are sales n mktg on bad terms, r u sure?");
        assert_eq!(
            r.text,
            "are sales and marketing on bad terms, are you sure?"
        );
        // Not inside a word, nor as an abbreviation's letters, nor when the
        // text uses it as a word.
        assert_eq!(respelled("mktg-speak").text, "mktg-speak");
        for q in [
            "the U.S. market",
            "R&D and n/a",
            "U and R",
            "Müllerstraße custmers",
        ] {
            assert_eq!(respelled(q).text, q.replace("custmers", "customers"), "{q}");
        }
        assert_eq!(respelled("more info").text, "more info");
    }

    #[test]
    fn english_words_are_no_typos() {
        // "line" is one edit from "lime", and "thing" from "think": an
        // English word the text lacks is kept, and its stem reported so that
        // the stem correction keeps it too.
        let r = respelled("the final line, a good thing");
        assert_eq!(r.text, "the final line, a good thing");
        assert_eq!(r.words_not_typos, ["line", "good", "thing"]);
    }

    #[test]
    fn a_question_of_gibberish_tries_only_a_few_words() {
        let gibberish = "qwertzuiop ".repeat(1_000);
        let lexicon = text();
        let r = respell(&gibberish, &mut analyzer(), &lexicon);
        assert_eq!(r.text, gibberish);
        let per_word = variants("qwertzuiop").len();
        assert_eq!(lexicon.looked_up.get(), MAX_TRIED * per_word);
        assert!(variants("custmers").contains(&"customers".to_owned()));
        assert!(!variants("custmers").iter().any(|v| !v.starts_with('c')));
    }
}
