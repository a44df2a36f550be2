//! The learned phrasings file, `<corpus>/learned.questions.jsonl`: accepting a
//! suggestion ([`crate::store::Suggestion`]) appends one line
//! `{"q": …, "answer": …}` to it, so the pair is versioned with the corpus and
//! survives a full rebuild; the engine reads every `*.questions.jsonl` as known
//! phrasings, and a running bot's live reload picks the change up. Shared by the
//! operators' ✅ in Telegram and `passagebot learn accept`.
//!
//! **The phrase.** `answer` is a phrase quoted from the passage, not its paragraph
//! number, so the pair survives edits elsewhere in the document. It is the first of
//! the passage's answering sentence, its first [`LEAD_WORDS`] words, its first
//! [`LONG_LEAD_WORDS`] words, or the whole passage that occurs exactly once in the
//! corpus's paragraphs (case and spacing ignored). When none is unique in the
//! corpus, the first unique in its own document is taken with `source`.
//!
//! **Crash safety.** The whole line (with a newline in front when the file does not
//! end in one) is written with one `write` call on a file opened for appending, then
//! synced: a crash leaves the line whole or absent, never half a line that would
//! swallow the next. A line already there (same question, same phrase) is not
//! written twice.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::corpus::{self, BlockKind};
use crate::store::{Store, StoreError, SuggestedPassage, Suggestion, SuggestionStatus, now};

/// The file accepted suggestions go to, in the corpus folder.
pub const FILE_NAME: &str = crate::engine::phrasings::LEARNED_FILE;
/// Words of a passage's beginning tried as its phrase (after its answering sentence).
pub const LEAD_WORDS: usize = 12;
/// A longer beginning, when the first words occur elsewhere too.
pub const LONG_LEAD_WORDS: usize = 24;

/// Why a suggestion could not be accepted or rejected; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    #[error(
        "there is no suggestion #{0}; `passagebot learn list` (or /suggestions) shows the pending ones"
    )]
    Unknown(i64),
    #[error("suggestion #{id} was already {state}; nothing changed")]
    Decided { id: i64, state: &'static str },
    #[error(
        "the passage of suggestion #{id} ({document}, paragraph {paragraph}) is no longer in the corpus folder {} (was the document edited or removed?); reject it, and ask again to suggest it anew",
        corpus.display()
    )]
    Gone {
        id: i64,
        document: String,
        paragraph: u32,
        corpus: PathBuf,
    },
    #[error("cannot read the corpus folder to choose the phrase: {0}")]
    Corpus(#[source] crate::Error),
    #[error(
        "cannot write {}: {source}; check that this user can write the corpus folder and that the disk has room (the suggestion stays pending)",
        path.display()
    )]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One line of a phrasing file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phrasing {
    pub q: String,
    pub answer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// An accepted suggestion: the line and where it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub phrasing: Phrasing,
    pub file: PathBuf,
    /// The same line was in the file already (written once only).
    pub already: bool,
}

/// The paragraphs of a corpus, per document: (source as the index names it,
/// paragraph texts lower-cased with spacing collapsed).
pub struct Paragraphs(Vec<(String, Vec<String>)>);

impl Paragraphs {
    /// Reads the corpus folder's documents as the index does.
    pub fn load(corpus: &Path) -> Result<Paragraphs, LearnError> {
        let report = corpus::load_corpus(corpus).map_err(LearnError::Corpus)?;
        Ok(Paragraphs::of(report.documents.iter().map(|d| {
            let texts = d
                .blocks
                .iter()
                .filter(|b| b.kind == BlockKind::Paragraph)
                .map(|b| b.text.as_str());
            (d.source.as_str(), texts)
        })))
    }

    /// Paragraphs given as (source, texts).
    pub fn of<'a, T: IntoIterator<Item = &'a str>>(
        docs: impl IntoIterator<Item = (&'a str, T)>,
    ) -> Paragraphs {
        Paragraphs(
            docs.into_iter()
                .map(|(source, texts)| (source.to_owned(), texts.into_iter().map(fold).collect()))
                .collect(),
        )
    }

    /// How often `phrase` occurs in the corpus, and in the document `source`.
    fn count(&self, phrase: &str, source: &str) -> (usize, usize) {
        let phrase = fold(phrase);
        let mut all = 0;
        let mut own = 0;
        for (doc, paragraphs) in &self.0 {
            let n: usize = paragraphs.iter().map(|p| p.matches(&phrase).count()).sum();
            all += n;
            if doc == source {
                own += n;
            }
        }
        (all, own)
    }
}

/// Lower case, spacing collapsed: how phrases are compared.
fn fold(text: &str) -> String {
    corpus::normalise_space(&text.to_lowercase())
}

/// The first `n` words of `text`, as they are written there.
fn lead(text: &str, n: usize) -> &str {
    let mut words = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if in_word {
                words += 1;
                if words == n {
                    return &text[..i];
                }
            }
            in_word = false;
        } else {
            in_word = true;
        }
    }
    text
}

/// The line for `question` answered by `passage` (see the module's rule), or
/// `None` when the passage is no longer in the corpus.
pub fn phrasing(
    question: &str,
    passage: &SuggestedPassage,
    corpus: &Paragraphs,
    corpus_dir: &Path,
) -> Option<Phrasing> {
    let text = passage.text.trim();
    let mut candidates: Vec<&str> = Vec::new();
    if let Some(s) = passage.sentence.as_deref().map(str::trim)
        && s.split_whitespace().count() >= 3
    {
        candidates.push(s);
    }
    candidates.extend([lead(text, LEAD_WORDS), lead(text, LONG_LEAD_WORDS), text]);
    candidates.dedup();
    let counts: Vec<(&str, (usize, usize))> = candidates
        .into_iter()
        .map(|c| (c, corpus.count(c, &passage.source)))
        .collect();
    let (answer, source) = match counts.iter().find(|(_, (all, _))| *all == 1) {
        Some((c, _)) => (*c, None),
        None => {
            let (c, _) = counts.iter().find(|(_, (_, own))| *own >= 1)?;
            (*c, Some(inside(&passage.source, corpus_dir)))
        }
    };
    Some(Phrasing {
        q: corpus::normalise_space(question),
        answer: corpus::normalise_space(answer),
        source,
    })
}

/// A passage's source as a path inside the corpus folder: the index names files
/// by the folder's own name first ("corpus/guide.md"), a phrasing file by their
/// path inside it ("guide.md").
fn inside(source: &str, corpus_dir: &Path) -> String {
    let name = corpus_dir
        .file_name()
        .map(|n| format!("{}/", n.to_string_lossy()));
    match name.as_deref().and_then(|n| source.strip_prefix(n)) {
        Some(rest) => rest.to_owned(),
        None => source.to_owned(),
    }
}

/// Appends `phrasing` to the learned file of `corpus_dir` (made when missing), unless
/// the same line is there; returns the file and whether it was there already.
pub fn append(corpus_dir: &Path, phrasing: &Phrasing) -> Result<(PathBuf, bool), LearnError> {
    let path = corpus_dir.join(FILE_NAME);
    let failed = |source| LearnError::Write {
        path: path.clone(),
        source,
    };
    let existing = match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(failed(e)),
    };
    let bytes = existing.as_deref().unwrap_or_default();
    let there = String::from_utf8_lossy(bytes).lines().any(|line| {
        serde_json::from_str::<Phrasing>(line)
            .is_ok_and(|p| p.q == phrasing.q && p.answer == phrasing.answer)
    });
    if there {
        return Ok((path, true));
    }
    let mut line = String::new();
    if bytes.last().is_some_and(|b| *b != b'\n') {
        line.push('\n'); // a hand edit left no newline: never join two lines
    }
    // Serialising plain strings cannot fail.
    line.push_str(&serde_json::to_string(phrasing).unwrap_or_default());
    line.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .map_err(failed)?;
    let written = file.write(line.as_bytes()).map_err(failed)?;
    if written != line.len() {
        return Err(failed(std::io::Error::new(
            std::io::ErrorKind::WriteZero,
            format!(
                "only {written} of {} bytes were written (is the disk full?); remove the incomplete last line",
                line.len()
            ),
        )));
    }
    file.sync_all().map_err(failed)?;
    if existing.is_none() {
        // A new file's name is only durable once its folder is synced.
        if let Ok(dir) = std::fs::File::open(corpus_dir) {
            let _ = dir.sync_all();
        }
    }
    Ok((path, false))
}

/// The pending suggestion `id`, or why it cannot be decided.
fn pending(store: &Store, id: i64) -> Result<Suggestion, LearnError> {
    let s = store.suggestion(id)?.ok_or(LearnError::Unknown(id))?;
    match s.status {
        SuggestionStatus::Pending => Ok(s),
        SuggestionStatus::Accepted => Err(LearnError::Decided {
            id,
            state: "accepted",
        }),
        SuggestionStatus::Rejected => Err(LearnError::Decided {
            id,
            state: "rejected",
        }),
    }
}

/// Accepts suggestion `id`: its line goes to the learned file of `corpus_dir`.
/// Claimed in the store first (so two operators accept it once), put back to
/// pending when the line cannot be written.
pub fn accept(store: &Store, corpus_dir: &Path, id: i64) -> Result<Accepted, LearnError> {
    let s = pending(store, id)?;
    let paragraphs = Paragraphs::load(corpus_dir)?;
    let phrasing = phrasing(&s.question, &s.passage, &paragraphs, corpus_dir).ok_or_else(|| {
        LearnError::Gone {
            id,
            document: s.passage.source.clone(),
            paragraph: s.passage.paragraph,
            corpus: corpus_dir.to_owned(),
        }
    })?;
    if !store.decide_suggestion(id, true, now())? {
        return Err(pending(store, id).err().unwrap_or(LearnError::Unknown(id)));
    }
    match append(corpus_dir, &phrasing) {
        Ok((file, already)) => Ok(Accepted {
            phrasing,
            file,
            already,
        }),
        Err(err) => {
            store.undo_acceptance(id)?;
            Err(err)
        }
    }
}

/// Rejects suggestion `id`: it is kept, so the same pair is not suggested again.
pub fn reject(store: &Store, id: i64) -> Result<Suggestion, LearnError> {
    let s = pending(store, id)?;
    if !store.decide_suggestion(id, false, now())? {
        return Err(pending(store, id).err().unwrap_or(LearnError::Unknown(id)));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passage(text: &str, sentence: Option<&str>) -> SuggestedPassage {
        SuggestedPassage {
            source: "corpus/a.md".into(),
            paragraph: 2,
            text: text.into(),
            sentence: sentence.map(str::to_owned),
        }
    }

    const A: &str = "Sales is about people. Marketing is data-driven, and it measures everything it does with care.";
    const B: &str = "Sales is about people. Nobody else in the company does problem solving for customers quite like sales does every day.";

    fn corpus() -> Paragraphs {
        Paragraphs::of([
            ("corpus/a.md", vec!["Intro.", A, B]),
            (
                "corpus/b.md",
                vec!["Marketing is data-driven, and it measures everything it does with care."],
            ),
        ])
    }

    #[test]
    fn the_answering_sentence_is_the_phrase_when_it_occurs_once() {
        let p = passage(
            B,
            Some("Nobody else in the company does problem solving for customers"),
        );
        let line =
            phrasing("Who solves problems?", &p, &corpus(), Path::new("corpus")).expect("found");
        assert_eq!(
            line.answer,
            "Nobody else in the company does problem solving for customers"
        );
        assert_eq!(line.source, None);
    }

    #[test]
    fn a_repeated_sentence_gives_way_to_the_passages_longer_beginning() {
        // "Sales is about people." is in two paragraphs; the first 12 words are unique.
        let p = passage(B, Some("Sales is about people."));
        let line = phrasing(
            "  Who  cares about people? ",
            &p,
            &corpus(),
            Path::new("corpus"),
        )
        .expect("found");
        assert_eq!(line.q, "Who cares about people?");
        assert_eq!(
            line.answer,
            "Sales is about people. Nobody else in the company does problem solving"
        );
        assert_eq!(line.source, None);
    }

    #[test]
    fn a_phrase_only_unique_in_its_own_document_names_the_document_inside_the_corpus() {
        let dup = "Marketing is data-driven, and it measures everything it does with care.";
        let corpus = Paragraphs::of([("corpus/a.md", vec![dup]), ("corpus/b.md", vec![dup])]);
        let line = phrasing(
            "Is it data driven?",
            &passage(dup, None),
            &corpus,
            Path::new("/srv/corpus"),
        )
        .expect("found");
        assert_eq!(line.answer, dup, "eleven words: the whole passage");
        assert_eq!(line.source.as_deref(), Some("a.md"));
        let gone = phrasing(
            "q",
            &passage("Not in any document at all.", None),
            &corpus,
            Path::new("corpus"),
        );
        assert_eq!(gone, None);
    }

    #[test]
    fn appending_writes_whole_lines_once_and_never_joins_a_hand_edited_last_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let line = Phrasing {
            q: "Why \"data\"?".into(),
            answer: "data-driven".into(),
            source: None,
        };
        let (path, already) = append(dir.path(), &line).expect("append");
        assert!(!already);
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "{\"q\":\"Why \\\"data\\\"?\",\"answer\":\"data-driven\"}\n"
        );
        assert!(append(dir.path(), &line).expect("again").1, "written once");
        std::fs::write(&path, "{\"q\":\"a\",\"answer\":\"b\"}").expect("hand edit");
        append(dir.path(), &line).expect("append");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text.lines().count(), 2, "{text}");
        for l in text.lines() {
            serde_json::from_str::<Phrasing>(l).expect("each line is whole JSON");
        }
    }
}
