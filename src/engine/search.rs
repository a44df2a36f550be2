//! The engine: a question in, ranked passages and a confidence judgement out.
//!
//! User text never reaches tantivy's query parser: it is analysed with the
//! index's own analyser and the query is built term by term, so no input
//! ("(", `"unclosed`, `AND OR NOT`, `title:x`, emoji, 10 KB of text) can be a
//! syntax error. A misspelled word is first put right as a word, one edit
//! away, so the encoders read it as meant too ([`crate::engine::typo::respell`]);
//! a term the corpus still never uses is corrected to the nearest indexed term
//! when one is a single edit away (two for long words), so typos still find
//! their passage ([`crate::engine::typo`]).

use std::path::{Path, PathBuf};

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::config::{MAX_QUESTION_CHARS, Paths};
use crate::engine::analysis::{self, Token};
use crate::engine::answer_span;
use crate::engine::asked::{Asked, Evidence};
use crate::engine::confidence::{self, Confidence, TermWeight};
use crate::engine::index::schema::Fields;
use crate::engine::index::{self, IndexFolder, Manifest};
use crate::engine::intent;
use crate::engine::lacks;
use crate::engine::recall::Recall;
use crate::engine::rerank;
use crate::engine::semantic::{self, PassageVectors};
use crate::engine::subject;
use crate::engine::summary;
use crate::engine::tuning::Tuning;
use crate::engine::typo::{Vocabulary, respell};
use crate::error::{Error, Result};

/// Added to the score of a passage that names the author asked about, so it
/// leads whatever else the question's words or meaning match (the fused
/// score is at most about 5).
const AUTHOR_BONUS: f32 = 10.0;

/// At most this many word matches are read for one question, however far
/// "More" pages: about 60 pages of 3, far more than anyone reads.
const MAX_CANDIDATES: usize = 200;

/// At most this many distinct terms of a question are searched.
const MAX_TERMS: usize = 48;

/// A byline's score is scaled by this for any question but "who wrote it?".
const BYLINE_FACTOR: f32 = 0.5;

/// What an author's name searched for "the author" or "he" in a question
/// stands for (`TermWeight::corrected_from`); `:why` shows it.
const MENTIONED_AUTHOR: &str = "the author";

/// A passage with this share of the vote of the question's nearest known
/// phrasings is a candidate, however far they are ([`crate::engine::asked`]).
const SHARE_CANDIDATE: f32 = 0.2;

/// The shortest part a compound word is split into ([`Engine::compound_parts`]).
const MIN_PART: usize = 4;

/// One ranked passage.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub text: String,
    pub score: f32,
    pub source: String,
    pub title: String,
    pub heading: Option<String>,
    pub paragraph: u32,
    /// Byte ranges in `text` of the words that matched the question.
    pub highlights: Vec<(usize, usize)>,
    /// Cosine between the question's and the passage's sentence embeddings,
    /// when the semantic stage ran.
    pub similarity: Option<f32>,
    /// The cosine of the passage's sentence closest in meaning to the
    /// question, when the semantic stage ran.
    pub sentence_similarity: Option<f32>,
    /// The score by words alone (BM25 and proximity), before meaning.
    pub words: f32,
    /// The share of the question's weight whose terms this passage contains
    /// (see [`crate::engine::confidence`]).
    pub coverage: f32,
    /// Byte range in `text` of the sentence that best answers the question.
    pub answer_sentence: Option<(usize, usize)>,
    /// The known phrasing (a question people asked before, from a
    /// `*.questions.jsonl` file) that counted for this passage, if one did:
    /// `asked`'s question when its evidence is above nothing.
    pub asked_before: Option<String>,
    /// The known phrasing closest to the question among those pointing at this
    /// passage, when one is close ([`crate::engine::asked`]): "close to a
    /// question people asked before".
    pub asked: Option<Evidence>,
    start: u64,
    end: u64,
    address: DocAddress,
    vectors: Option<PassageVectors>,
}

impl Hit {
    /// A sentence or passage quoted as it is, not found by a search (a summary's
    /// line): no matched words, no meaning scores. `at` places it in its document
    /// (its sentence number), so two lines never count as one window.
    pub fn quoted(text: &str, doc: &DocSummary, paragraph: u32, at: u64, score: f32) -> Hit {
        Hit {
            text: text.to_owned(),
            score,
            source: doc.source.clone(),
            title: doc.title.clone(),
            heading: None,
            paragraph,
            highlights: Vec::new(),
            similarity: None,
            sentence_similarity: None,
            words: 0.0,
            coverage: 0.0,
            answer_sentence: None,
            asked_before: None,
            asked: None,
            start: at,
            end: at + 1,
            address: DocAddress::new(u32::MAX, u32::try_from(at).unwrap_or(u32::MAX)),
            vectors: None,
        }
    }

    /// The whole passage's embedding, when the semantic stage ran for it.
    pub fn passage_vector(&self) -> Option<&[f32]> {
        self.vectors.as_ref().map(|v| v.passage.as_slice())
    }

    /// Whether `other` is this passage again: the same text (a copy in another
    /// file) or an overlapping window of the same paragraph.
    pub fn repeats(&self, other: &Hit) -> bool {
        overlaps(self, other) || self.text == other.text
    }
}

/// [`test_hit`] with a passage vector.
#[cfg(test)]
pub fn test_hit_with_vector(text: &str, paragraph: u32, score: f32, passage: Vec<f32>) -> Hit {
    Hit {
        vectors: Some(PassageVectors {
            passage,
            sentences: Vec::new(),
        }),
        ..test_hit(text, paragraph, score, Some(0.6))
    }
}

/// An answer built by hand (the question "q"), for tests of what is done with answers.
#[cfg(test)]
pub fn test_answer(confident: bool, passages: Vec<Hit>) -> Answer {
    Answer {
        confident,
        passages,
        ..Answer::empty("q")
    }
}

/// A hit built by hand, for tests of what is done with answers.
#[cfg(test)]
pub fn test_hit(text: &str, paragraph: u32, score: f32, similarity: Option<f32>) -> Hit {
    Hit {
        text: text.to_owned(),
        score,
        source: "corpus/article.md".to_owned(),
        title: "The Article".to_owned(),
        heading: None,
        paragraph,
        highlights: Vec::new(),
        similarity,
        sentence_similarity: similarity,
        words: score,
        coverage: 0.5,
        answer_sentence: None,
        asked_before: None,
        asked: None,
        start: u64::from(paragraph) * 1000,
        end: u64::from(paragraph) * 1000 + text.len() as u64,
        address: DocAddress::new(0, paragraph),
        vectors: None,
    }
}

/// The engine's answer to one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub question: String,
    /// Whether the passages answer the question (see [`crate::engine::confidence`]).
    pub confident: bool,
    /// Best first; starts after the `skip` passages asked to be skipped.
    pub passages: Vec<Hit>,
    pub confidence: Confidence,
    /// The question's terms, their weights and whether the best passage has them.
    pub terms: Vec<TermWeight>,
    /// Whether the question was cut to [`MAX_QUESTION_CHARS`].
    pub truncated: bool,
    /// How many passages (after `skip`) would follow these ones.
    pub more: bool,
    /// For a question about who wrote a document: that document's author,
    /// from its metadata (front matter, `<meta name=author>` or byline).
    pub author: Option<String>,
    /// For a question asking a document's title: that title.
    pub titled: Option<String>,
    /// For a question about a whole document ("What is it about?"): that document's
    /// title; the passages are its summary ([`crate::engine::summary`]).
    pub summarized: Option<String>,
}

impl Answer {
    /// An answer with nothing in it: not confident, no passages.
    pub fn empty(question: &str) -> Answer {
        Answer {
            question: question.to_owned(),
            confident: false,
            passages: Vec::new(),
            confidence: Confidence::NONE,
            terms: Vec::new(),
            truncated: false,
            more: false,
            author: None,
            titled: None,
            summarized: None,
        }
    }

    /// The known phrasing that counted for this answer: its best passage's
    /// closest one, when the answer is confident and that phrasing is close
    /// enough to be evidence (the wall's "asked before", the report's count).
    pub fn asked_before(&self) -> Option<&Evidence> {
        self.passages
            .first()
            .and_then(|h| h.asked.as_ref())
            .filter(|e| self.confident && e.strength() > 0.0)
    }
}

/// A summary of what the index holds, for `/about` and the CLI.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSummary {
    pub documents: Vec<DocSummary>,
    pub passages: usize,
    pub built_at: String,
    pub version: String,
    /// Known phrasings to offer as example questions (up to three, each about
    /// another passage; none without phrasing files).
    pub examples: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DocSummary {
    pub title: String,
    pub source: String,
    pub author: Option<String>,
    pub passages: usize,
    /// Its argument in its own sentences, in document order.
    pub summary: Vec<summary::Line>,
}

/// A searchable index. Cheap to share (`Arc<Engine>`); every method blocks.
pub struct Engine {
    reader: IndexReader,
    fields: Fields,
    analyzer: TextAnalyzer,
    vocabulary: Vocabulary,
    /// The documents' words as written, for putting misspellings right:
    /// read from the index the first time a question needs them, not at
    /// every start.
    words: once_cell::sync::OnceCell<Vocabulary>,
    manifest: Manifest,
    summary: IndexSummary,
    location: PathBuf,
    /// Recall by meaning, at any size (issue #15).
    dense: Recall<DocAddress>,
    /// Questions people asked before, from the corpus's phrasing files (issue #22).
    asked: Asked,
    /// The ranking knobs this engine was opened with.
    tuning: Tuning,
}

/// The engine's words, for putting misspellings right: its stems, its words
/// as written, and the encoder's dictionary of English words.
impl respell::Lexicon for Engine {
    fn stem(&self, stem: &str) -> Option<u64> {
        self.vocabulary.df(stem)
    }

    fn word(&self, word: &str) -> Option<u64> {
        self.words
            .get_or_init(|| {
                Vocabulary::read(&self.reader.searcher(), self.fields.words).unwrap_or_else(|e| {
                    // Misspellings are then left to the stem correction.
                    tracing::warn!("the index's words as written cannot be read: {e}");
                    Vocabulary::default()
                })
            })
            .df(word)
    }

    fn is_english(&self, word: &str) -> bool {
        semantic::is_dictionary_word(word)
    }
}

impl Engine {
    /// Opens the live index in `index_dir` (read-only), to rank with `tuning`.
    pub fn open(index_dir: &Path, tuning: Tuning) -> Result<Engine> {
        let opened = IndexFolder::new(index_dir).open(&tuning)?;
        Engine::from_index(opened, tuning)
    }

    /// Opens the index, first (re)building it when it is missing, stale,
    /// incompatible or cannot be read; `notify` receives one line saying why
    /// it builds. The index folder decides ([`IndexFolder::open_or_build`]);
    /// a previous index answers when a rebuild fails.
    pub fn open_or_build_with(
        paths: &Paths,
        tuning: Tuning,
        notify: &dyn Fn(&str),
    ) -> Result<Engine> {
        let build =
            |mode| index::update(&paths.corpus, &paths.index, &tuning, mode, &|_| {}).map(|_| ());
        IndexFolder::new(&paths.index).open_or_build(
            &paths.corpus,
            &tuning,
            notify,
            &build,
            |opened| Engine::from_index(opened, tuning),
        )
    }

    /// [`Engine::open_or_build_with`], reporting through the log.
    pub fn open_or_build(paths: &Paths, tuning: Tuning) -> Result<Engine> {
        Engine::open_or_build_with(paths, tuning, &|line| tracing::info!("{line}"))
    }

    fn from_index(opened: index::Opened, tuning: Tuning) -> Result<Engine> {
        let index::Opened {
            index,
            fields,
            manifest,
            location,
        } = opened;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let vocabulary = Vocabulary::read(&reader.searcher(), fields.text)?;
        let dense = Recall::read(&reader.searcher(), &fields, &tuning)?;
        let asked = if tuning.semantic_enabled() {
            Asked::read(&location, &reader.searcher(), &fields)?
        } else {
            Asked::default()
        };
        let summary = IndexSummary {
            documents: manifest
                .documents
                .iter()
                .map(|d| DocSummary {
                    title: d.title.clone(),
                    source: d.source.clone(),
                    author: d.author.clone(),
                    passages: d.passages,
                    summary: d.summary.clone(),
                })
                .collect(),
            passages: manifest.passages,
            built_at: manifest.built_at.clone(),
            version: manifest.program_version.clone(),
            examples: asked.examples(3),
        };
        Ok(Engine {
            reader,
            fields,
            analyzer: analysis::analyzer(),
            vocabulary,
            words: once_cell::sync::OnceCell::new(),
            manifest,
            summary,
            location,
            dense,
            asked,
            tuning,
        })
    }

    /// How many known phrasings this index answers with (from the corpus's
    /// `*.questions.jsonl` files; see [`crate::engine::phrasings`]).
    pub fn phrasings(&self) -> usize {
        self.asked.len()
    }

    /// The ranking knobs this engine was opened with (a rebuild keeps them).
    pub fn tuning(&self) -> &Tuning {
        &self.tuning
    }

    pub fn summary(&self) -> &IndexSummary {
        &self.summary
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The best passages for `question`, skipping the first `skip` (for
    /// "more"), at most `top` of them. Never fails on user text; errors are
    /// index I/O failures only.
    pub fn search(&self, question: &str, skip: usize, top: usize) -> Result<Answer> {
        let (typed, truncated) = clean_question(question);
        let mut analyzer = self.analyzer.clone();
        // Misspelled words put right as words: the search, the rules and the
        // encoders read the question as meant.
        let respelled = respell::respell(&typed, &mut analyzer, self);
        let respelled_stems = respelled.changed_stems(&mut analyzer);
        let cleaned = respelled.text;
        let searcher = self.reader.searcher();
        let num_docs = searcher.num_docs().max(1);
        let mut words = analysis::terms(&mut analyzer, &cleaned);
        let mut author_terms = Vec::new();
        let mut author_doc = None;
        let mut title_doc = None;
        // "Who wrote this?", and "tell me about the author": the byline and
        // the bio answer both.
        let asks_for_author =
            intent::asks_for_author(&cleaned) || intent::asks_about_author(&cleaned);
        if intent::asks_for_title(&cleaned) && !asks_for_author {
            // Only a question about the document itself: "What was the title
            // of Luther's book?" asks about something the text names.
            let rest: Vec<String> = words
                .iter()
                .filter(|w| !intent::is_title_stem(w))
                .cloned()
                .collect();
            title_doc = self
                .named_document(&mut analyzer, &rest)
                .filter(|doc| names_only(&mut analyzer, doc, &rest));
            if title_doc.is_some() {
                words = rest;
            }
        }
        if title_doc.is_none() && asks_for_author {
            words.retain(|w| !intent::is_author_stem(w));
            author_doc = self.author_target(&mut analyzer, &words);
            let names: Vec<&String> = match author_doc {
                Some(doc) => doc.author.iter().collect(),
                None => self
                    .summary
                    .documents
                    .iter()
                    .filter_map(|d| d.author.as_ref())
                    .collect(),
            };
            for author in names {
                author_terms.extend(analysis::terms(&mut analyzer, author));
            }
        }
        // "Is he a full-time professor?", "the writer's background": the
        // author's name finds the passages about them (a byline, a bio),
        // which share no other word with such a question. It is searched as
        // lightly as a framing word and weighs nothing in the confidence, so
        // it brings those passages in without outweighing the question's own
        // words ("What does the author tell his students?").
        let mut mention_terms = Vec::new();
        if author_doc.is_none()
            && title_doc.is_none()
            && intent::mentions_author(&cleaned)
            && let Some(name) = self
                .author_target(&mut analyzer, &words)
                .and_then(|doc| doc.author.as_ref())
        {
            mention_terms = analysis::terms(&mut analyzer, name);
        }
        let mut terms = Vec::new();
        for word in words.into_iter().take(MAX_TERMS) {
            let correctable = !respelled.words_not_typos.contains(&word);
            let mut t = self.weigh(&searcher, word, num_docs, correctable)?;
            if let Some((_, typed)) = respelled_stems.iter().find(|(meant, _)| *meant == t.term) {
                t.corrected_from = Some(typed.clone());
            }
            let parts = if t.passages == 0 && t.corrected_from.is_none() {
                self.compound_parts(&searcher, &t.term)?
            } else {
                None
            };
            match parts {
                Some(parts) => {
                    for part in parts {
                        if !terms.iter().any(|u: &TermWeight| u.term == part) {
                            let mut p = self.weigh(&searcher, part, num_docs, true)?;
                            p.corrected_from = Some(t.term.clone());
                            terms.push(p);
                        }
                    }
                }
                None => terms.push(t),
            }
        }
        for word in author_terms {
            if !terms.iter().any(|t| t.term == word) {
                let mut t = self.weigh(&searcher, word, num_docs, true)?;
                t.corrected_from = Some("author".into());
                terms.push(t);
            }
        }
        for word in mention_terms {
            if !terms.iter().any(|t| t.term == word) {
                let mut t = self.weigh(&searcher, word, num_docs, true)?;
                t.corrected_from = Some(MENTIONED_AUTHOR.into());
                t.weight = 0.0;
                terms.push(t);
            }
        }
        let mut answer = Answer {
            terms,
            truncated,
            ..Answer::empty(question)
        };
        let searchable: Vec<&TermWeight> = answer.terms.iter().filter(|t| t.passages > 0).collect();
        if searchable.is_empty() && self.dense.is_empty() {
            return Ok(answer);
        }
        let found = if searchable.is_empty() {
            Vec::new()
        } else {
            let query = self.query(&searchable);
            // "More" asks for later pages; past MAX_CANDIDATES there are none,
            // so a press costs no more than the last real page did.
            let limit = skip
                .saturating_add(top)
                .saturating_mul(2)
                .saturating_add(8)
                .clamp(self.tuning.candidates, MAX_CANDIDATES);
            searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?
        };
        // Each candidate is analysed once; its tokens serve the rerank, the
        // confidence judgement and the highlights.
        let mut candidates = Vec::with_capacity(found.len());
        for (score, address) in found {
            candidates.push(self.candidate(
                &searcher,
                &mut analyzer,
                &answer.terms,
                score,
                address,
            )?);
        }
        let decided_by_words = self.tuning.semantic_enabled()
            && self.words_decide(
                &mut analyzer,
                &cleaned,
                &mut answer.terms,
                num_docs,
                &candidates,
            );
        let meaning = if self.tuning.semantic_enabled()
            && !decided_by_words
            && !(candidates.is_empty() && self.dense.is_empty())
        {
            Some(semantic::encoder()?.question(&cleaned)?)
        } else {
            None
        };
        if let Some(q) = &meaning {
            // Passages close in meaning join the word matches, so a
            // paraphrase that shares no word with its answer can still reach
            // it. When no word matches at all, only passages close enough to
            // be a confident answer are candidates; when none is that close,
            // the plausible ones still come back, shown as "probably not an
            // answer": a question the words miss entirely ("Does a salesperson
            // meet clients individually?", 0.41) may find its passage there,
            // while one about something else (bread, the weather: under 0.25)
            // still shows nothing.
            let nearest = self.dense.nearest(q, self.tuning.dense_recall);
            let floor = if !candidates.is_empty() {
                f32::MIN
            } else if nearest
                .iter()
                .any(|(similarity, _)| *similarity >= confidence::SIMILARITY_THRESHOLD)
            {
                confidence::SIMILARITY_THRESHOLD
            } else {
                self.tuning.recall_floor
            };
            // The passages of known phrasings close to the question join too:
            // people asked this before, in these words or others. Questions
            // are compared by the paraphrase encoder, loaded only for an
            // index that has phrasings.
            let evidence = if self.asked.is_empty() {
                std::collections::HashMap::new()
            } else {
                let asked = semantic::paraphrase::paraphraser()?.question(&cleaned)?;
                self.asked.close(&asked, self.tuning.asked_floor)
            };
            let known = evidence
                .iter()
                .filter(|(_, e)| e.strength() > 0.0 || e.share >= SHARE_CANDIDATE)
                .filter(|(_, e)| e.similarity >= self.tuning.recall_floor)
                .map(|(address, _)| (f32::MAX, *address));
            let mut known: Vec<(f32, DocAddress)> = known.collect();
            known.sort_by_key(|(_, a)| (a.segment_ord, a.doc_id));
            for (similarity, address) in nearest.into_iter().chain(known) {
                if similarity >= floor && !candidates.iter().any(|(h, _)| h.address == address) {
                    candidates.push(self.candidate(
                        &searcher,
                        &mut analyzer,
                        &answer.terms,
                        0.0,
                        address,
                    )?);
                }
            }
            add_meaning(&self.tuning, q, &mut candidates);
            add_asked(&self.tuning, &evidence, &mut candidates);
        }
        // Where a sibling's passage was dropped for a question about the subject
        // (`by_subject`), and the subject's terms: a neighbour that says it of the
        // subject answers by contrast.
        let mut contrast: Option<(String, u32, Vec<String>)> = None;
        if author_doc.is_none() && title_doc.is_none() {
            if let Some(asked) = subject::of_question(&cleaned) {
                let terms = analysis::terms(&mut analyzer, asked.phrase());
                contrast = by_subject(&mut candidates, &asked, &terms)
                    .map(|(source, paragraph)| (source, paragraph, terms));
            }
            // Not when the question speaks of the author or of writing at all
            // ("Is this written by Candido?", "hoo is the autor?" once corrected).
            let authorship = answer.terms.iter().any(|t| {
                intent::is_author_stem(&t.term)
                    || t.corrected_from.as_deref() == Some(MENTIONED_AUTHOR)
            });
            if !asks_for_author && !authorship && !intent::speaks_of_writing(&cleaned) {
                self.demote_bylines(&mut candidates);
            }
        }
        if let Some(doc) = author_doc {
            // "Who wrote the pricing guide?": only that document's passages
            // answer it, the one naming its author first.
            candidates.retain(|(h, _)| h.source == doc.source);
            let names: Vec<&str> = answer
                .terms
                .iter()
                .filter(|t| t.corrected_from.as_deref() == Some("author"))
                .map(|t| t.term.as_str())
                .collect();
            for (hit, tokens) in candidates.iter_mut() {
                // A passage naming the author (the byline, a bio) comes first.
                if tokens.iter().any(|t| names.contains(&t.term.as_str())) {
                    hit.score += AUTHOR_BONUS;
                }
            }
            if candidates.is_empty() {
                candidates = self.opening_passages(&searcher, &mut analyzer, &answer.terms, doc)?;
            }
        }
        if let Some(doc) = title_doc {
            // "What is the article called?": the document's opening passages.
            candidates = self.opening_passages(&searcher, &mut analyzer, &answer.terms, doc)?;
        }
        if candidates.is_empty() {
            return Ok(answer);
        }
        let mut hits = ranked(candidates);
        if title_doc.is_some() {
            hits.sort_by_key(|(h, _)| h.paragraph);
        }
        if let Some((best, tokens)) = hits.first() {
            mark_matched(&mut analyzer, &mut answer.terms, best, tokens);
        }
        let scores: Vec<f32> = hits.iter().map(|(h, _)| h.score).collect();
        let signals = signals(&hits, &scores, &answer.terms);
        answer.confidence = Confidence {
            decided_by_words,
            ..confidence::judge(&answer.terms, num_docs, &scores, signals.as_ref())
        };
        if let (Some((source, paragraph, terms)), Some((best, tokens))) = (&contrast, hits.first())
            && best.source == *source
            && best.paragraph.abs_diff(*paragraph) == 1
            && subject::owns(&subject::of_sentences(&best.text, tokens), terms)
        {
            answer.confidence.by_contrast = true;
            answer.confidence.confident = true;
        }
        if let Some((best, _)) = hits.first()
            && let Some(lack) = lacks::of(
                &cleaned,
                &best.text,
                &confidence::unknown_terms(&answer.terms),
                &mut analyzer,
            )
        {
            // An operator who paired nearly the same question with this
            // passage knows better than the rule.
            if best
                .asked
                .as_ref()
                .is_some_and(|e| lacks::vouched(&lack, e))
            {
                answer.confidence.vouched_against = Some(lack);
            } else {
                answer.confidence.confident = false;
                answer.confidence.lacks = Some(lack);
            }
        }
        if let Some(author) = author_doc.and_then(|d| d.author.clone()) {
            // The document's own metadata answers an authorship question.
            answer.confidence.confident = true;
            answer.author = Some(author);
        }
        if let Some(doc) = title_doc {
            // So does a question about its title.
            answer.confidence.confident = true;
            answer.titled = Some(doc.title.clone());
        }
        answer.confident = answer.confidence.confident;
        answer.more = hits.len() > skip.saturating_add(top);
        let wanted: Vec<&str> = answer.terms.iter().map(|t| t.term.as_str()).collect();
        answer.passages = hits
            .into_iter()
            .skip(skip)
            .take(top)
            .enumerate()
            .map(|(i, (hit, tokens))| Hit {
                answer_sentence: answer_span::locate(
                    &hit.text,
                    &tokens,
                    &answer.terms,
                    meaning.as_deref(),
                    hit.vectors.as_ref(),
                ),
                // The best two keep their passage vector: whether they say the same
                // thing decides a "Did you mean … or …?" (`ambiguity`). The rest,
                // and every sentence vector, stay out of the answers chats remember.
                vectors: hit
                    .vectors
                    .as_ref()
                    .filter(|_| i < 2)
                    .map(|v| PassageVectors {
                        passage: v.passage.clone(),
                        sentences: Vec::new(),
                    }),
                highlights: tokens
                    .iter()
                    .filter(|t| wanted.contains(&t.term.as_str()))
                    .map(|t| (t.start, t.end))
                    .collect(),
                ..hit
            })
            .collect();
        Ok(answer)
    }

    /// A byline ("By Joe Candido") says only who wrote a document: it answers "Who
    /// wrote it?" (which has its own rule) and no other question, however well the
    /// name matches ("What does Joe Candido do?" is answered by the bio).
    fn demote_bylines(&self, candidates: &mut [(Hit, Vec<Token>)]) {
        let authors: Vec<String> = self
            .summary
            .documents
            .iter()
            .filter_map(|d| d.author.as_ref())
            .map(|a| a.to_lowercase())
            .collect();
        if authors.is_empty() {
            return;
        }
        for (hit, _) in candidates.iter_mut() {
            let lower = hit.text.to_lowercase();
            let rest = authors
                .iter()
                .fold(lower, |text, author| text.replace(author.as_str(), " "));
            let words = rest
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty() && *w != "by" && *w != "written")
                .count();
            if words == 0 && rest.len() < hit.text.len() {
                hit.score *= BYLINE_FACTOR;
            }
        }
    }

    /// The document an authorship question is about: the one
    /// [`Engine::named_document`] finds, when it names an author. `None`
    /// leaves the question to the authors' names of every document.
    fn author_target(&self, analyzer: &mut TextAnalyzer, words: &[String]) -> Option<&DocSummary> {
        self.named_document(analyzer, words)
            .filter(|doc| doc.author.is_some())
    }

    /// The document a question about one names: the only document, or the
    /// one whose title or file name shares the most of the question's words
    /// ("Who wrote the *pricing guide*?"); `None` when no one document does.
    fn named_document(&self, analyzer: &mut TextAnalyzer, words: &[String]) -> Option<&DocSummary> {
        let docs = &self.summary.documents;
        if let [only] = docs.as_slice() {
            return Some(only);
        }
        let topical: Vec<&String> = words.iter().filter(|w| !confidence::is_frame(w)).collect();
        let mut scored: Vec<(usize, &DocSummary)> = docs
            .iter()
            .map(|d| {
                let names = document_names(analyzer, d);
                (topical.iter().filter(|w| names.contains(w)).count(), d)
            })
            .collect();
        scored.sort_by_key(|s| std::cmp::Reverse(s.0));
        match scored.as_slice() {
            [(best, doc), rest @ ..] if *best > 0 && rest.first().is_none_or(|r| r.0 < *best) => {
                Some(*doc)
            }
            _ => None,
        }
    }

    /// The first three passages of `doc`, as candidates.
    fn opening_passages(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        terms: &[TermWeight],
        doc: &DocSummary,
    ) -> Result<Vec<(Hit, Vec<Token>)>> {
        let mut out = Vec::new();
        for address in self.passages_of(searcher, &doc.source, 3)? {
            out.push(self.candidate(searcher, analyzer, terms, 0.0, address)?);
        }
        Ok(out)
    }

    /// The first `n` passages of the document at `source`.
    fn passages_of(&self, searcher: &Searcher, source: &str, n: usize) -> Result<Vec<DocAddress>> {
        let query = TermQuery::new(
            Term::from_field_text(self.fields.source, source),
            IndexRecordOption::Basic,
        );
        let mut found: Vec<(u64, DocAddress)> = Vec::new();
        for (_, address) in
            searcher.search(&query, &TopDocs::with_limit(10_000).order_by_score())?
        {
            let doc: TantivyDocument = searcher.doc(address)?;
            let ordinal = doc
                .get_first(self.fields.ordinal)
                .and_then(|v| v.as_u64())
                .unwrap_or(u64::MAX);
            found.push((ordinal, address));
        }
        found.sort_by_key(|(o, _)| *o);
        Ok(found.into_iter().take(n).map(|(_, a)| a).collect())
    }

    /// `question` with its misspelled words put right, as the search reads
    /// it ([`respell`]); for benches.
    pub fn respelled(&self, question: &str) -> String {
        respell::respell(question, &mut self.analyzer.clone(), self).text
    }

    /// The indexed term typo correction would put for `word`, were the index
    /// to lack it (questions correct only words it lacks); for benches.
    pub fn correction(&self, word: &str) -> Option<String> {
        self.vocabulary.correct(word).map(|(term, _)| term)
    }

    /// The weight of one question term, correcting it when the corpus lacks
    /// it: to its base form, or (when `correctable`, not an English word) to
    /// the nearest indexed term.
    fn weigh(
        &self,
        searcher: &Searcher,
        word: String,
        num_docs: u64,
        correctable: bool,
    ) -> Result<TermWeight> {
        let df = searcher.doc_freq(&Term::from_field_text(self.fields.text, &word))?;
        let fix = if df == 0 && !confidence::is_frame(&word) {
            self.base_form(searcher, &word)?.or_else(|| {
                correctable
                    .then(|| self.vocabulary.correct(&word))
                    .flatten()
            })
        } else {
            None
        };
        let (term, corrected_from, df) = match fix {
            Some((fixed, fixed_df)) => (fixed, Some(word), fixed_df),
            None => (word, None, df),
        };
        Ok(TermWeight {
            weight: confidence::weight(&term, df, num_docs),
            term,
            corrected_from,
            passages: df,
            matched: false,
        })
    }

    /// The indexed stem of `stem`'s base form, when the stemmer cuts a word
    /// and its inflections differently: "experienced" stems to "experienc"
    /// but "experience" to "experi", so the question's word would miss the
    /// text's. Stemming the stem with its dropped "e" restored finds it.
    fn base_form(&self, searcher: &Searcher, stem: &str) -> Result<Option<(String, u64)>> {
        let mut analyzer = self.analyzer.clone();
        let restored = format!("{stem}e");
        for base in analysis::terms(&mut analyzer, &restored) {
            if base == stem {
                continue;
            }
            let df = searcher.doc_freq(&Term::from_field_text(self.fields.text, &base))?;
            if df > 0 {
                return Ok(Some((base, df)));
            }
        }
        Ok(None)
    }

    /// The two indexed terms a compound the documents lack is made of:
    /// "salesperson" is "sales" and "person", "teamwork" "team" and "work".
    /// Each part has at least [`MIN_PART`] letters, so short words are not
    /// split into fragments; of several splits, the most even one is kept.
    fn compound_parts(&self, searcher: &Searcher, stem: &str) -> Result<Option<[String; 2]>> {
        if !stem.bytes().all(|b| b.is_ascii_lowercase()) || stem.len() < 2 * MIN_PART {
            return Ok(None);
        }
        let mut analyzer = self.analyzer.clone();
        let mut best: Option<(usize, [String; 2])> = None;
        for cut in MIN_PART..=stem.len() - MIN_PART {
            // Both halves are ASCII (checked above), so every cut is a char boundary.
            let (left, right) = stem.split_at(cut);
            let mut parts = Vec::with_capacity(2);
            for half in [left, right] {
                let analysed = analysis::terms(&mut analyzer, half);
                let [term] = analysed.as_slice() else { break };
                let df = searcher.doc_freq(&Term::from_field_text(self.fields.text, term))?;
                if df == 0 || confidence::is_frame(term) {
                    break;
                }
                parts.push(term.clone());
            }
            let evenness = left.len().min(right.len());
            if let Ok(pair) = <[String; 2]>::try_from(parts)
                && best.as_ref().is_none_or(|(e, _)| evenness > *e)
            {
                best = Some((evenness, pair));
            }
        }
        Ok(best.map(|(_, pair)| pair))
    }

    fn query(&self, terms: &[&TermWeight]) -> BooleanQuery {
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in terms {
            let scale = if confidence::is_frame(&t.term)
                || t.corrected_from.as_deref() == Some(MENTIONED_AUTHOR)
            {
                confidence::FRAME_FACTOR
            } else {
                1.0
            };
            for (field, boost) in [
                (f.text, 1.0),
                (f.context, self.tuning.context),
                (f.heading, self.tuning.heading),
                (f.title, self.tuning.title),
            ] {
                let q = TermQuery::new(
                    Term::from_field_text(field, &t.term),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(q), boost * scale)),
                ));
            }
        }
        BooleanQuery::new(clauses)
    }

    /// A passage read and analysed, its word score raised by the proximity
    /// of the question's terms in it.
    fn candidate(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        terms: &[TermWeight],
        score: f32,
        address: DocAddress,
    ) -> Result<(Hit, Vec<Token>)> {
        let hit = self.hit(searcher, score, address)?;
        let tokens = analysis::tokens(analyzer, &hit.text);
        let bonus = rerank::proximity(&tokens, terms, self.tuning.half_distance);
        let score = hit.score + self.tuning.proximity * bonus;
        let mut marked = terms.to_vec();
        mark_matched(analyzer, &mut marked, &hit, &tokens);
        let coverage = confidence::coverage(&marked);
        Ok((
            Hit {
                score,
                words: score,
                coverage,
                ..hit
            },
            tokens,
        ))
    }

    /// Whether the words alone settle the answer, so the question need not
    /// be encoded (3–10 ms, most of a first ask): the best word match
    /// is a confident answer by words that lacks nothing the question plainly
    /// asks for ([`lacks`]), and the runner-up scores less than
    /// [`Tuning::decisive`](crate::engine::tuning::Tuning::decisive) of it. Measured
    /// in QUALITY.md (step 18): the meaning stage rarely overturns such a
    /// lead.
    fn words_decide(
        &self,
        analyzer: &mut TextAnalyzer,
        question: &str,
        terms: &mut [TermWeight],
        num_docs: u64,
        candidates: &[(Hit, Vec<Token>)],
    ) -> bool {
        if self.tuning.decisive <= 0.0 {
            return false;
        }
        // A word the documents never use, or one corrected to a near word
        // ("thank" to "think"), may be what the question is about: only
        // meaning can tell, so such a question is always compared.
        if terms
            .iter()
            .any(|t| t.passages == 0 || t.corrected_from.as_deref().is_some_and(|w| w != "author"))
        {
            return false;
        }
        let mut order: Vec<&(Hit, Vec<Token>)> = candidates.iter().collect();
        order.sort_by(|a, b| b.0.score.total_cmp(&a.0.score));
        let Some(&(best, tokens)) = order.first() else {
            return false;
        };
        let runner_up = order
            .iter()
            .skip(1)
            // A copy of the best passage (the same text in another file) is
            // no alternative: meaning cannot tell the two apart either.
            .find(|(h, _)| !h.repeats(best))
            .map_or(0.0, |(h, _)| h.score);
        if best.score <= 0.0 || runner_up >= self.tuning.decisive * best.score {
            return false;
        }
        mark_matched(analyzer, terms, best, tokens);
        // A passage lacking what the question asks for ("How much does it
        // cost?" of a passage with no price) settles nothing: meaning may find
        // one that holds it, and known phrasings may vouch for this one.
        confidence::judge(terms, num_docs, &[best.score, runner_up], None).confident
            && lacks::of(
                question,
                &best.text,
                &confidence::unknown_terms(terms),
                analyzer,
            )
            .is_none()
    }

    fn hit(&self, searcher: &Searcher, score: f32, address: DocAddress) -> Result<Hit> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let f = &self.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let num = |field| doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0);
        Ok(Hit {
            text: text(f.text).ok_or_else(|| Error::IndexUnusable {
                path: self.location.clone(),
                reason: "a passage has no stored text".into(),
            })?,
            score,
            source: text(f.source).unwrap_or_default(),
            title: text(f.title).unwrap_or_default(),
            heading: text(f.heading),
            paragraph: u32::try_from(num(f.paragraph)).unwrap_or(u32::MAX),
            highlights: Vec::new(),
            similarity: None,
            sentence_similarity: None,
            words: score,
            coverage: 0.0,
            answer_sentence: None,
            asked_before: None,
            asked: None,
            start: num(f.start),
            end: num(f.end),
            address,
            vectors: doc
                .get_first(f.embedding)
                .and_then(|v| v.as_bytes())
                .and_then(PassageVectors::from_bytes),
        })
    }
}

/// The analysed terms of `doc`'s title and file name ("pricing-guide.md":
/// price, guid), by which a question can name it.
fn document_names(analyzer: &mut TextAnalyzer, doc: &DocSummary) -> Vec<String> {
    let stem = Path::new(&doc.source)
        .file_stem()
        .map(|s| s.to_string_lossy().replace(['-', '_'], " "))
        .unwrap_or_default();
    let mut names = analysis::terms(analyzer, &doc.title);
    names.extend(analysis::terms(analyzer, &stem));
    names
}

/// Whether every topical word of `words` (after the title words were taken
/// out) is a word for a text ("article", "piece") or a word of `doc`'s title or
/// file name: "What's the title of the pricing guide?" names the document,
/// "What was the title of Luther's book?" something inside it.
fn names_only(analyzer: &mut TextAnalyzer, doc: &DocSummary, words: &[String]) -> bool {
    let names = document_names(analyzer, doc);
    words
        .iter()
        .all(|w| confidence::is_frame(w) || intent::is_text_stem(w) || names.contains(w))
}

/// The semantic stage: each candidate's score becomes
///
/// ```text
/// lexical × words / best words + semantic × cos(passage)
///     + sentence × cos(best sentence) + coverage × word coverage
/// ```
///
/// The word score is scaled to the best one's, so every part is on a 0..1
/// scale and the weights say how much each counts. Words count a quarter of
/// what meaning does: people ask in their own words, and a passage that
/// repeats the question's common words is not the one that answers it
/// (QUALITY.md, step 19, measured on the article sets and SQuAD). Unless the
/// question is asked in the documents' words (a candidate covers
/// `worded_from` of it): then the words agree with a passage and count
/// `lexical_worded` (step 22).
fn add_meaning(tuning: &Tuning, question: &[f32], candidates: &mut [(Hit, Vec<Token>)]) {
    let best = candidates
        .iter()
        .map(|(h, _)| h.words)
        .fold(0.0f32, f32::max);
    let worded = candidates
        .iter()
        .any(|(h, _)| h.coverage >= tuning.worded_from);
    let lexical = if worded {
        tuning.lexical_worded
    } else {
        tuning.lexical
    };
    for (hit, _) in candidates.iter_mut() {
        let words = if best > 0.0 { hit.words / best } else { 0.0 };
        let (cosine, sentence) = match &hit.vectors {
            Some(v) => (
                semantic::cosine(question, &v.passage),
                v.best_sentence(question),
            ),
            None => (0.0, 0.0),
        };
        if hit.vectors.is_some() {
            hit.similarity = Some(cosine);
            hit.sentence_similarity = Some(sentence);
        }
        hit.score = lexical * words
            + tuning.semantic * cosine
            + tuning.sentence * sentence
            + tuning.coverage * hit.coverage;
    }
}

/// Known phrasings close to the question raise their passages by
/// [`Tuning::asked`] times their evidence ([`Evidence::strength`]), and the
/// passages remember them for the confidence and `:why`.
fn add_asked(
    tuning: &Tuning,
    evidence: &std::collections::HashMap<DocAddress, Evidence>,
    candidates: &mut [(Hit, Vec<Token>)],
) {
    for (hit, _) in candidates.iter_mut() {
        if let Some(e) = evidence.get(&hit.address) {
            hit.score += tuning.asked * e.strength() + tuning.asked_share * e.share;
            hit.asked = Some(e.clone());
            hit.asked_before = Some(e.question.clone()).filter(|_| e.strength() > 0.0);
        }
    }
}

/// What the calibrated confidence model reads of the ranked passages, when
/// the best one was compared by meaning.
fn signals(
    hits: &[(Hit, Vec<Token>)],
    scores: &[f32],
    terms: &[TermWeight],
) -> Option<confidence::Signals> {
    let (best, _) = hits.first()?;
    let similarity = best.similarity?;
    let sentence = best.sentence_similarity.unwrap_or(similarity);
    let others = || hits.iter().skip(1).map(|(h, _)| h);
    let best_other = |f: fn(&Hit) -> Option<f32>| others().filter_map(f).fold(0.0f32, f32::max);
    let best_words = hits.iter().map(|(h, _)| h.words).fold(0.0f32, f32::max);
    let strength = |h: &Hit| h.asked.as_ref().map_or(0.0, Evidence::strength);
    let asked = strength(best);
    let asked_share = best.asked.as_ref().map_or(0.0, |e| e.share);
    let asked_close = best.asked.as_ref().map_or(0.0, Evidence::close_share);
    // A passage with no runner-up leads by all of its score.
    let margin = match scores {
        [first, rest @ ..] if *first > 0.0 => {
            (first - rest.first().copied().unwrap_or(0.0)) / first
        }
        _ => 0.0,
    };
    Some(confidence::Signals {
        coverage: best.coverage,
        similarity,
        sentence,
        margin,
        similarity_gap: similarity - best_other(|h| h.similarity),
        sentence_gap: sentence - best_other(|h| h.sentence_similarity),
        unknown: confidence::unknown_share(terms),
        words: if best_words > 0.0 {
            best.words / best_words
        } else {
            0.0
        },
        asked,
        asked_share,
        asked_close,
    })
}

/// A question that names its subject ([`subject`]): "What is X?" prefers passages
/// where X is a sentence's own subject; "Is X …?" drops passages that never name X
/// and say their thing of a sibling of X ("marketing", where "sales and marketing"
/// share a subject elsewhere), and prefers X's own sentences a little.
fn by_subject(
    candidates: &mut Vec<(Hit, Vec<Token>)>,
    asked: &subject::Asked,
    terms: &[String],
) -> Option<(String, u32)> {
    if terms.is_empty() {
        return None;
    }
    let subjects: Vec<Vec<subject::Subject>> = candidates
        .iter()
        .map(|(h, tokens)| subject::of_sentences(&h.text, tokens))
        .collect();
    let bonus = match asked {
        subject::Asked::Definition(_) => subject::DEFINITION_BONUS,
        subject::Asked::About(_) => subject::DEFINITION_BONUS / 2.0,
    };
    for ((hit, _), s) in candidates.iter_mut().zip(&subjects) {
        if subject::owns(s, terms) {
            hit.score += bonus;
        }
    }
    if !matches!(asked, subject::Asked::About(_)) {
        return None;
    }
    let siblings = subject::siblings(subjects.iter().flatten(), terms);
    if siblings.is_empty() {
        return None;
    }
    let keep: Vec<bool> = subjects
        .iter()
        .zip(candidates.iter())
        .map(|(s, (_, tokens))| !subject::about_a_sibling(s, tokens, terms, &siblings))
        .collect();
    // The best passage dropped: where the contrast would be.
    let dropped = candidates
        .iter()
        .zip(&keep)
        .filter(|(_, k)| !**k)
        .max_by(|a, b| a.0.0.score.total_cmp(&b.0.0.score))
        .map(|((h, _), _)| (h.source.clone(), h.paragraph));
    let mut keep = keep.into_iter();
    candidates.retain(|_| keep.next().unwrap_or(true));
    dropped
}

/// Best first, without passages that overlap a better one (windows of the
/// same paragraph).
fn ranked(mut candidates: Vec<(Hit, Vec<Token>)>) -> Vec<(Hit, Vec<Token>)> {
    candidates.sort_by(|a, b| b.0.score.total_cmp(&a.0.score));
    let mut hits: Vec<(Hit, Vec<Token>)> = Vec::with_capacity(candidates.len());
    for (hit, tokens) in candidates {
        if !hits.iter().any(|(h, _)| overlaps(h, &hit)) {
            hits.push((hit, tokens));
        }
    }
    hits
}

/// Whether two passages share text of the same paragraph.
fn overlaps(a: &Hit, b: &Hit) -> bool {
    a.source == b.source && a.paragraph == b.paragraph && a.start < b.end && b.start < a.end
}

/// Marks the terms the passage (its text or its heading) contains.
fn mark_matched(
    analyzer: &mut TextAnalyzer,
    terms: &mut [TermWeight],
    best: &Hit,
    tokens: &[Token],
) {
    let heading = best
        .heading
        .as_deref()
        .map(|h| analysis::terms(analyzer, h))
        .unwrap_or_default();
    for t in terms {
        t.matched = tokens.iter().any(|tok| tok.term == t.term) || heading.contains(&t.term);
    }
}

/// Drops control characters and cuts the question to [`MAX_QUESTION_CHARS`].
fn clean_question(question: &str) -> (String, bool) {
    let truncated = question.chars().count() > MAX_QUESTION_CHARS;
    let cleaned = question
        .chars()
        .take(MAX_QUESTION_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    (cleaned, truncated)
}
