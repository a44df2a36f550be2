//! Questions people asked before: the known phrasings of an index (issue #22),
//! compared with each new question by meaning.
//!
//! Questions are compared by the paraphrase encoder
//! ([`crate::engine::semantic::paraphrase`], all-mpnet-base-v2), trained
//! largely on pairs of questions that mean the same, so a question close to a
//! known phrasing is strong evidence for the passage that phrasing points at. The evidence a passage gets
//! ([`Evidence::strength`]) rises with its closest phrasing's similarity above
//! a floor ([`Tuning::asked_floor`](crate::engine::tuning::Tuning::asked_floor))
//! and a little with every further phrasing that is close too; it
//! ranks the passage higher and is a signal of the calibrated confidence
//! ([`crate::engine::confidence::Signals::asked`]). Nothing here can make an
//! answer confident by itself: the calibrated model weighs it with the rest.

use std::collections::HashMap;
use std::path::Path;

use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use crate::engine::index::phrasings::Stored;
use crate::engine::index::schema::Fields;
use crate::engine::semantic::cosine;
use crate::engine::semantic::paraphrase::DIM;
use crate::error::{Error, Result};

/// Each further close phrasing of a passage adds this to its evidence, up
/// to [`MAX_FURTHER`] of them.
const FURTHER: f32 = 0.1;
const MAX_FURTHER: usize = 4;

/// Close phrasings counted by [`Evidence::close_share`]: more than this say
/// no more.
const CLOSE_COUNTED: usize = 6;

/// How many of the nearest known phrasings vote for their passages.
const NEIGHBOURS: usize = 16;

/// A phrasing less similar than this (cosine) to a question has no vote: a
/// question about bread or the weather is under 0.25 from every question on
/// the article, and one far phrasing must not win a vote of none.
const VOTE_FROM: f32 = 0.3;

/// How fast a neighbour's vote falls with its distance behind the nearest one
/// (a softmax over cosines): 0.05 behind counts e⁻¹ as much.
const VOTE_TEMPERATURE: f32 = 0.05;

/// What the known phrasings say of one passage for one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The closest phrasing's question, and its similarity (cosine).
    pub question: String,
    pub similarity: f32,
    /// How many of the passage's phrasings are above the floor.
    pub close: usize,
    /// The floor it was judged from.
    pub floor: f32,
    /// Its share of the vote of the question's nearest phrasings (0..1; a
    /// phrasing pointing at several passages votes for each).
    pub share: f32,
}

impl Evidence {
    /// How many of the passage's phrasings are close (above the floor), up to
    /// [`CLOSE_COUNTED`], as a share of that: a question near six ways people
    /// asked for one passage is rarely one the documents do not answer (in
    /// the cross-validation folds of QUALITY.md, session 11, no off-topic
    /// question came near more than five).
    pub fn close_share(&self) -> f32 {
        self.close.min(CLOSE_COUNTED) as f32 / CLOSE_COUNTED as f32
    }

    /// 0 at the floor, 1 for the same question; each further close phrasing
    /// adds [`FURTHER`].
    pub fn strength(&self) -> f32 {
        let nearest = ((self.similarity - self.floor) / (1.0 - self.floor)).clamp(0.0, 1.0);
        let further = self.close.saturating_sub(1).min(MAX_FURTHER) as f32;
        if nearest > 0.0 {
            nearest + FURTHER * further
        } else {
            0.0
        }
    }
}

/// The known phrasings of one index generation, resolved to its passages.
#[derive(Debug, Default)]
pub struct Asked {
    questions: Vec<String>,
    /// `DIM` floats per phrasing.
    vectors: Vec<f32>,
    /// The passages each phrasing points at.
    targets: Vec<Vec<DocAddress>>,
}

impl Asked {
    /// Reads the phrasings stored in the generation `dir` and finds their
    /// passages in `searcher`'s index.
    pub fn read(dir: &Path, searcher: &Searcher, fields: &Fields) -> Result<Asked> {
        let stored = Stored::read(dir).map_err(|e| Error::IndexUnusable {
            path: dir.into(),
            reason: format!("its phrasings cannot be read ({e})"),
        })?;
        let mut addresses: HashMap<(u32, u64), DocAddress> = HashMap::new();
        for (number, source) in stored.sources.iter().enumerate() {
            let number = u32::try_from(number).unwrap_or(u32::MAX);
            let query = TermQuery::new(
                Term::from_field_text(fields.source, source),
                IndexRecordOption::Basic,
            );
            for address in searcher.search(&query, &DocSetCollector)? {
                let doc: TantivyDocument = searcher.doc(address)?;
                if let Some(ordinal) = doc.get_first(fields.ordinal).and_then(|v| v.as_u64()) {
                    addresses.insert((number, ordinal), address);
                }
            }
        }
        let mut asked = Asked::default();
        for (p, vector) in stored.phrasings.into_iter().zip(stored.vectors) {
            let targets: Vec<DocAddress> = p
                .targets
                .iter()
                .filter_map(|t| addresses.get(&(t.source, t.ordinal)).copied())
                .collect();
            if !targets.is_empty() && vector.len() == DIM {
                asked.push(p.q, &vector, targets);
            }
        }
        Ok(asked)
    }

    /// Adds a phrasing (a unit vector of `DIM` floats) pointing at `targets`.
    pub fn push(&mut self, question: String, vector: &[f32], targets: Vec<DocAddress>) {
        self.questions.push(question);
        self.vectors.extend_from_slice(vector);
        self.targets.push(targets);
    }

    pub fn len(&self) -> usize {
        self.questions.len()
    }

    /// Up to `n` known phrasings to offer as example questions, in file
    /// order: each a whole question ("…?") of 12 to 80 characters, and each
    /// about another passage.
    pub fn examples(&self, n: usize) -> Vec<String> {
        let mut seen: Vec<DocAddress> = Vec::new();
        let mut out = Vec::new();
        for (question, targets) in self.questions.iter().zip(&self.targets) {
            let q = question.trim();
            if out.len() >= n
                || !q.ends_with('?')
                || !(12..=80).contains(&q.chars().count())
                || targets.iter().any(|t| seen.contains(t))
            {
                continue;
            }
            seen.extend(targets);
            out.push(q.to_string());
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.questions.is_empty()
    }

    /// The evidence for each passage that has a phrasing above `floor` (a
    /// cosine) for `question` (a unit vector).
    pub fn close(&self, question: &[f32], floor: f32) -> HashMap<DocAddress, Evidence> {
        let mut out: HashMap<DocAddress, Evidence> = HashMap::new();
        if question.len() != DIM {
            return out;
        }
        let mut nearest: Vec<(f32, usize)> = self
            .vectors
            .chunks_exact(DIM)
            .map(|v| cosine(question, v))
            .enumerate()
            .map(|(i, c)| (c, i))
            .collect();
        nearest.retain(|(c, _)| *c >= VOTE_FROM);
        nearest.sort_by(|a, b| b.0.total_cmp(&a.0));
        nearest.truncate(NEIGHBOURS);
        let Some(&(top, _)) = nearest.first() else {
            return out;
        };
        // Each neighbour votes for its passages, the closer the more.
        let votes: Vec<f32> = nearest
            .iter()
            .map(|(c, _)| ((c - top) / VOTE_TEMPERATURE).exp())
            .collect();
        let total: f32 = votes.iter().sum();
        for (&(similarity, i), vote) in nearest.iter().zip(votes) {
            for address in &self.targets[i] {
                let e = out.entry(*address).or_insert_with(|| Evidence {
                    question: self.questions[i].clone(),
                    similarity,
                    close: 0,
                    floor,
                    share: 0.0,
                });
                e.share += vote / total;
                if similarity >= floor {
                    e.close += 1;
                }
                if similarity > e.similarity {
                    e.similarity = similarity;
                    e.question.clone_from(&self.questions[i]);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOOR: f32 = 0.55;

    fn unit(i: usize, j: usize, mix: f32) -> Vec<f32> {
        let mut v = vec![0.0; DIM];
        v[i] = (1.0 - mix * mix).sqrt();
        v[j] = mix;
        v
    }

    #[test]
    fn examples_are_whole_questions_each_about_another_passage() {
        let (a, b) = (DocAddress::new(0, 1), DocAddress::new(0, 2));
        let mut asked = Asked::default();
        let v = unit(0, 1, 0.0);
        asked.push("Why do people hate machines?".into(), &v, vec![a]);
        asked.push("Why don't people like robots?".into(), &v, vec![a]);
        asked.push("no question mark here".into(), &v, vec![b]);
        asked.push("Why?".into(), &v, vec![b]);
        asked.push("Is negotiation part of sales?".into(), &v, vec![b]);
        assert_eq!(
            asked.examples(3),
            [
                "Why do people hate machines?",
                "Is negotiation part of sales?"
            ]
        );
        assert_eq!(asked.examples(1), ["Why do people hate machines?"]);
    }

    #[test]
    fn close_phrasings_give_their_passage_evidence_and_several_count_more() {
        let (a, b) = (DocAddress::new(0, 1), DocAddress::new(0, 2));
        let mut asked = Asked::default();
        asked.push("one".into(), &unit(0, 1, 0.2), vec![a]);
        asked.push("two".into(), &unit(0, 1, 0.4), vec![a]);
        asked.push("far".into(), &unit(5, 6, 0.0), vec![b]);
        let close = asked.close(&unit(0, 1, 0.3), FLOOR);
        assert!(!close.contains_key(&b), "the far phrasing says nothing");
        let e = &close[&a];
        assert!(e.share > 0.99);
        assert_eq!(e.close, 2);
        let alone = Evidence {
            close: 1,
            ..e.clone()
        };
        assert!(e.strength() > alone.strength() && alone.strength() > 0.0);
        let below = Evidence {
            similarity: FLOOR - 0.01,
            close: 5,
            question: "q".into(),
            floor: FLOOR,
            share: 1.0,
        };
        assert_eq!(below.strength(), 0.0);
        assert!(
            asked.close(&[1.0, 0.0], FLOOR).is_empty(),
            "not a question vector"
        );
    }
}
