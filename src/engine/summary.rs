//! A document's argument in its own sentences: an extractive summary, chosen when the
//! index is built and kept in the manifest, for "What is the article about?",
//! "Summarise it", "What is the conclusion?".
//!
//! Three kinds of sentence carry an argument: the **opening** claim (the first
//! sentence of the body), the **conclusion** (the body's last paragraph, its sentence
//! closest to the whole), and the sentences most **central** by meaning (closest to
//! the mean of every body sentence's embedding; by shared words when the index has no
//! embeddings). The byline and the author's bio are not the body: a paragraph with
//! a sentence that names the author, or reads "By …", is left out whole ("He is an
//! adjunct instructor at UVM", after the sentence naming him, is bio too).
//!
//! Nothing is generated: every line is a sentence of the document, quoted, so an
//! answer made of them ([`crate::engine::digest`]) is cited like any other.

use serde::{Deserialize, Serialize};

use crate::engine::corpus::chunk::Passage;
use crate::engine::corpus::sentence;
use crate::engine::semantic::{PassageVectors, cosine};

/// Bumped when the choice of sentences changes: summaries are kept in the
/// manifest, so an index whose summaries were chosen otherwise is rebuilt
/// ([`crate::engine::index::manifest::settings`]). 2: a bio paragraph is left
/// out whole. 3: a sentence leaning on the one before it is not quoted alone.
pub const VERSION: u32 = 3;

/// At most this many central sentences are kept beside the opening and conclusion.
pub const CENTRAL: usize = 3;

/// Sentences considered for centrality in one document: enough for a long report;
/// past it, a book's later sentences only count as its conclusion.
const MAX_SENTENCES: usize = 3_000;

/// Shorter sentences ("Oh wait.") carry no argument.
const MIN_WORDS: usize = 5;

/// Longer ones would not fit an answer's passage limit once quoted.
const MAX_CHARS: usize = 600;

/// A byline ("By Jane Doe, staff writer") is at most this many words.
const BYLINE_WORDS: usize = 8;

/// Why a sentence is in the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Opening,
    Central,
    Conclusion,
}

/// One sentence of a document's summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// 1-based paragraph number, as in answers.
    pub paragraph: u32,
    pub text: String,
    pub role: Role,
    /// Its place among the document's sentences (document order).
    pub order: u32,
    /// Rank by centrality, 0 the most central (opening and conclusion included).
    pub rank: u32,
}

/// One body sentence met while the document's passages were written.
struct Sentence {
    paragraph: u32,
    text: String,
    vector: Option<Vec<f32>>,
    /// It follows another sentence of its paragraph and opens with a word standing
    /// for something said there ("They …").
    leans: bool,
}

/// Collects a document's sentences as its passages are indexed, then picks the summary.
pub struct Summarizer {
    author: Option<String>,
    sentences: Vec<Sentence>,
    /// The last paragraph's sentences are kept even past [`MAX_SENTENCES`].
    tail: Vec<Sentence>,
    /// The paragraph last found to be byline or bio: none of its sentences is body.
    bio: Option<u32>,
}

impl Summarizer {
    pub fn new(author: Option<&str>) -> Summarizer {
        Summarizer {
            author: author
                .map(str::to_lowercase)
                .filter(|a| !a.trim().is_empty()),
            sentences: Vec::new(),
            tail: Vec::new(),
            bio: None,
        }
    }

    /// Adds one passage (in document order) and its stored vectors, when it has them.
    /// Overlapping windows of one paragraph repeat sentences; each is kept once.
    pub fn add(&mut self, passage: &Passage, vectors: Option<&PassageVectors>) {
        let ranges = sentence::sentences(&passage.text);
        let single = ranges.len() == 1;
        for (i, range) in ranges.into_iter().enumerate() {
            let text = passage.text[range].trim();
            if self.is_bio(text) {
                // The sentences of this paragraph already kept are bio too.
                self.bio = Some(passage.paragraph);
                self.sentences.retain(|s| s.paragraph != passage.paragraph);
                self.tail.retain(|s| s.paragraph != passage.paragraph);
                continue;
            }
            if self.bio == Some(passage.paragraph) || !is_body(text) {
                continue;
            }
            let seen = |s: &Sentence| s.paragraph == passage.paragraph && s.text == text;
            if self.sentences.iter().rev().take(16).any(seen) || self.tail.iter().any(seen) {
                continue;
            }
            let vector = vectors.and_then(|v| {
                if single {
                    Some(v.passage.clone())
                } else {
                    v.sentences.get(i).cloned()
                }
            });
            let follows = i > 0 || passage.in_paragraph.start > 0;
            let s = Sentence {
                paragraph: passage.paragraph,
                text: text.to_owned(),
                vector,
                leans: follows && leans_back(text),
            };
            if self.sentences.len() < MAX_SENTENCES {
                self.sentences.push(s);
            } else {
                if self.tail.last().is_some_and(|t| t.paragraph != s.paragraph) {
                    self.tail.clear();
                }
                self.tail.push(s);
            }
        }
    }

    /// A sentence of the byline or the bio: it names the author, or it is a
    /// short line reading "By …" ("By contrast, marketing …" is body).
    fn is_bio(&self, text: &str) -> bool {
        let lower = text.to_lowercase();
        let byline = lower.starts_with("by ") && text.split_whitespace().count() <= BYLINE_WORDS;
        byline
            || self
                .author
                .as_ref()
                .is_some_and(|a| lower.contains(a.as_str()))
    }

    /// The summary, in document order.
    pub fn finish(mut self) -> Vec<Line> {
        if !self.tail.is_empty() {
            // A document longer than MAX_SENTENCES: its conclusion is its last paragraph.
            let last = self.sentences.len().saturating_sub(1);
            self.sentences.truncate(last);
            self.sentences.append(&mut self.tail);
        }
        let sentences = self.sentences;
        if sentences.is_empty() {
            return Vec::new();
        }
        let centrality = centrality(&sentences);
        let mut by_rank: Vec<usize> = (0..sentences.len()).collect();
        by_rank.sort_by(|&a, &b| centrality[b].total_cmp(&centrality[a]).then(a.cmp(&b)));
        let rank_of = |i: usize| by_rank.iter().position(|&j| j == i).unwrap_or(usize::MAX);

        // A sentence that leans on the one before it ("They can be left alone for a
        // day", after "Cats are independent animals.") says nothing quoted alone.
        let alone = |i: usize| !sentences[i].leans;
        let opening = (0..sentences.len()).find(|&i| alone(i)).unwrap_or(0);
        let last_paragraph = sentences[sentences.len() - 1].paragraph;
        // The conclusion: the last paragraph's sentence closest to the whole.
        let in_last = |i: &usize| sentences[*i].paragraph == last_paragraph;
        let conclusion = (0..sentences.len())
            .filter(in_last)
            .filter(|&i| alone(i))
            .min_by_key(|&i| rank_of(i))
            .or_else(|| {
                (0..sentences.len())
                    .filter(in_last)
                    .min_by_key(|&i| rank_of(i))
            })
            .unwrap_or(sentences.len() - 1);
        let mut picked: Vec<(usize, Role)> = vec![(opening, Role::Opening)];
        if conclusion != opening {
            picked.push((conclusion, Role::Conclusion));
        }
        for &i in by_rank
            .iter()
            .filter(|&&i| i != opening && i != conclusion && alone(i))
            .take(CENTRAL)
        {
            picked.push((i, Role::Central));
        }
        picked.sort_by_key(|(i, _)| *i);
        picked
            .into_iter()
            .map(|(i, role)| Line {
                paragraph: sentences[i].paragraph,
                text: sentences[i].text.clone(),
                role,
                order: u32::try_from(i).unwrap_or(u32::MAX),
                rank: u32::try_from(rank_of(i)).unwrap_or(u32::MAX),
            })
            .collect()
    }
}

/// Words that open a sentence leaning on the one before it.
const LEANING: &[&str] = &[
    "they", "it", "this", "these", "those", "that", "he", "she", "such", "its", "their", "his",
    "her", "them", "both", "also",
];

/// Whether `text` opens with a word that stands for something said before it.
fn leans_back(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .is_some_and(|w| LEANING.contains(&w.to_lowercase().as_str()))
}

/// A sentence of a quotable length.
fn is_body(text: &str) -> bool {
    let words = text.split_whitespace().count();
    words >= MIN_WORDS && text.len() <= MAX_CHARS
}

/// Each sentence's closeness to the whole: cosine to the mean embedding when every
/// sentence has one, else the share of its words that the document uses most.
fn centrality(sentences: &[Sentence]) -> Vec<f32> {
    let vectors: Option<Vec<&Vec<f32>>> = sentences.iter().map(|s| s.vector.as_ref()).collect();
    match vectors {
        Some(vectors) if !vectors.is_empty() => {
            let dim = vectors[0].len();
            let mut mean = vec![0f32; dim];
            for v in &vectors {
                for (m, x) in mean.iter_mut().zip(v.iter()) {
                    *m += x;
                }
            }
            let norm = mean.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
            mean.iter_mut().for_each(|m| *m /= norm);
            vectors.iter().map(|v| cosine(v, &mean)).collect()
        }
        _ => by_words(sentences),
    }
}

/// Centrality by shared words: the mean document frequency (in sentences) of a
/// sentence's longer words.
fn by_words(sentences: &[Sentence]) -> Vec<f32> {
    use std::collections::HashMap;
    let words = |text: &str| -> Vec<String> {
        let mut w: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() > 3)
            .map(str::to_lowercase)
            .collect();
        w.sort();
        w.dedup();
        w
    };
    let mut df: HashMap<String, f32> = HashMap::new();
    let per: Vec<Vec<String>> = sentences.iter().map(|s| words(&s.text)).collect();
    for w in per.iter().flatten() {
        *df.entry(w.clone()).or_default() += 1.0;
    }
    per.iter()
        .map(|ws| {
            if ws.is_empty() {
                0.0
            } else {
                ws.iter()
                    .map(|w| df.get(w).copied().unwrap_or(0.0))
                    .sum::<f32>()
                    / ws.len() as f32
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passage(paragraph: u32, text: &str) -> Passage {
        Passage {
            doc: 0,
            ordinal: paragraph as usize,
            source: "corpus/a.md".into(),
            title: "A".into(),
            heading: None,
            paragraph,
            text: text.into(),
            context: text.into(),
            in_paragraph: 0..text.len(),
            span: 0..text.len(),
        }
    }

    #[test]
    fn a_sentence_leaning_on_the_one_before_it_is_not_quoted_alone() {
        let mut s = Summarizer::new(None);
        s.add(
            &passage(
                1,
                "Cats rule. They can be left alone in cities for a day or two.",
            ),
            None,
        );
        s.add(
            &passage(
                2,
                "Cats are independent animals in cities. They can be left alone in cities for a day.",
            ),
            None,
        );
        s.add(
            &passage(3, "Dogs need daily walks in cities and company all day."),
            None,
        );
        let lines = s.finish();
        assert!(
            lines.iter().all(|l| !l.text.starts_with("They")),
            "{lines:?}"
        );
        assert!(leans_back("It is said that …"));
        assert!(!leans_back("Itemised costs add up."));
        assert!(!leans_back("Cats are independent."));
    }

    #[test]
    fn the_opening_the_conclusion_and_central_sentences_in_document_order_without_byline_or_bio() {
        let mut s = Summarizer::new(Some("Joe Candido"));
        s.add(&passage(1, "By Joe Candido"), None);
        s.add(
            &passage(
                2,
                "Sales and marketing are similar functions yet also very different. Oh wait.",
            ),
            None,
        );
        s.add(
            &passage(
                3,
                "Marketing reaches many people with brochures and websites at once.",
            ),
            None,
        );
        s.add(
            &passage(
                4,
                "Sales and marketing share the same goal and the same customers.",
            ),
            None,
        );
        s.add(
            &passage(
                5,
                "Sales and marketing must work together in order to succeed.",
            ),
            None,
        );
        s.add(
            &passage(
                6,
                "Joe Candido has more than 28 years of experience in sales. He is an adjunct \
                 instructor at UVM and teaches a seminar on leadership.",
            ),
            None,
        );
        let lines = s.finish();
        let roles: Vec<(u32, Role)> = lines.iter().map(|l| (l.paragraph, l.role)).collect();
        assert_eq!(
            roles,
            vec![
                (2, Role::Opening),
                (3, Role::Central),
                (4, Role::Central),
                (5, Role::Conclusion)
            ]
        );
        assert!(
            lines
                .iter()
                .all(|l| !l.text.contains("Candido") && !l.text.contains("UVM")),
            "{lines:?}"
        );
        assert!(lines.windows(2).all(|w| w[0].order < w[1].order));
    }

    #[test]
    fn central_by_meaning_picks_the_sentence_closest_to_the_mean() {
        let unit = |v: [f32; 2]| {
            let n = (v[0] * v[0] + v[1] * v[1]).sqrt();
            PassageVectors {
                passage: vec![v[0] / n, v[1] / n],
                sentences: Vec::new(),
            }
        };
        let mut s = Summarizer::new(None);
        let texts = [
            "The first sentence opens the argument here.",
            "An aside about something else entirely today.",
            "The middle sentence states the point of it all.",
            "Another aside about the weather and the sea.",
            "The last sentence closes the argument here.",
        ];
        let vectors = [[1.0, 0.2], [0.0, 1.0], [1.0, 0.3], [1.0, -1.0], [1.0, 0.1]];
        for (i, (t, v)) in texts.iter().zip(vectors).enumerate() {
            s.add(&passage(i as u32 + 1, t), Some(&unit(v)));
        }
        let lines = s.finish();
        let mut central: Vec<&Line> = lines.iter().filter(|l| l.role == Role::Central).collect();
        assert_eq!(central.len(), CENTRAL);
        central.sort_by_key(|l| l.rank);
        assert_eq!(central[0].paragraph, 3, "{lines:?}");
        assert_eq!(central[CENTRAL - 1].paragraph, 2, "{lines:?}");
    }

    #[test]
    fn a_document_without_body_sentences_has_no_summary() {
        let mut s = Summarizer::new(None);
        s.add(&passage(1, "Short."), None);
        assert!(s.finish().is_empty());
    }
}
