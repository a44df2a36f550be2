//! The build step that attaches known phrasings to passages and stores them in
//! the generation being built (issue #22).
//!
//! Each phrasing goes to the passage holding its answer phrase (compared
//! [`normalise`]d; only in its `source` document when it names one). A phrase in
//! overlapping windows of one paragraph is one place; in up to
//! [`MAX_PLACES`] paragraphs it is attached to each, with a warning, since the
//! operator may not have meant that; in more, or in none, it is left out with a
//! warning. Questions are encoded once: a build keeps the vectors of the
//! questions the previous generation held.
//!
//! Stored beside the tantivy index in the generation folder, so they are built
//! aside and switched in with it: [`META_FILE`] (questions, where they were
//! read, the passages they point at) and [`VECTORS_FILE`] (one f16 vector per
//! phrasing, in order).

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::Path;

use half::f16;
use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Index, ReloadPolicy, Searcher, TantivyDocument, Term};

use super::schema::Fields;
use crate::engine::analysis;
use crate::engine::phrasings::{
    MAX_PHRASINGS, Phrasing, PhrasingFiles, Warning, capped, normalise,
};
use crate::engine::semantic::paraphrase::{self, DIM};
use crate::engine::tuning::Tuning;
use crate::error::{Error, Result};

/// The phrasings' questions and the passages they point at.
pub const META_FILE: &str = "phrasings.json";
/// Their vectors from the paraphrase encoder ([`paraphrase`]): `DIM` little-endian
/// f16 per phrasing, in [`META_FILE`]'s order.
pub const VECTORS_FILE: &str = "phrasings.f16";

/// Most paragraphs a phrase may be found in and still be attached (to each).
pub const MAX_PLACES: usize = 3;

/// Passages read per phrase looked for: past this many, it is too common to say
/// which passage it means.
const LOOKED_AT: usize = 64;

/// Questions encoded per call to the encoder.
const ENCODE_GROUP: usize = 256;

/// A passage a phrasing points at: its document and its place in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Target {
    /// Index into [`Stored::sources`].
    pub source: u32,
    pub ordinal: u64,
}

/// One attached phrasing as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredPhrasing {
    pub q: String,
    /// Where it was read, as `file:line`.
    pub from: String,
    pub targets: Vec<Target>,
}

/// What a generation holds of the phrasings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stored {
    /// The documents the targets are in, as shown ("corpus/article.md").
    pub sources: Vec<String>,
    pub phrasings: Vec<StoredPhrasing>,
    /// One vector per phrasing (not in [`META_FILE`]; read from [`VECTORS_FILE`]).
    #[serde(skip)]
    pub vectors: Vec<Vec<f32>>,
}

impl Stored {
    /// Reads a generation's phrasings; none when it has none (an index built
    /// without phrasing files, or by an older version). Vectors that do not
    /// match the questions leave the phrasings out: they could point anywhere.
    pub fn read(dir: &Path) -> std::io::Result<Stored> {
        let raw = match fs::read(dir.join(META_FILE)) {
            Ok(raw) => raw,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Stored::default()),
            Err(e) => return Err(e),
        };
        let mut stored: Stored = serde_json::from_slice(&raw).map_err(std::io::Error::other)?;
        let bytes = fs::read(dir.join(VECTORS_FILE))?;
        if bytes.len() != stored.phrasings.len() * DIM * 2 {
            return Err(std::io::Error::other(format!(
                "{VECTORS_FILE} holds {} bytes for {} phrasings",
                bytes.len(),
                stored.phrasings.len()
            )));
        }
        stored.vectors = bytes
            .chunks_exact(DIM * 2)
            .map(|v| {
                v.chunks_exact(2)
                    .map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32())
                    .collect()
            })
            .collect();
        Ok(stored)
    }

    /// Writes both files into the generation folder being built, and flushes them.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        let mut meta = fs::File::create(dir.join(META_FILE))?;
        serde_json::to_writer(&mut meta, self).map_err(std::io::Error::other)?;
        meta.sync_all()?;
        let bytes: Vec<u8> = self
            .vectors
            .iter()
            .flatten()
            .flat_map(|x| f16::from_f32(*x).to_le_bytes())
            .collect();
        let mut vectors = fs::File::create(dir.join(VECTORS_FILE))?;
        vectors.write_all(&bytes)?;
        vectors.sync_all()
    }

    /// The vector stored for each question, for the next build to keep.
    fn by_question(self) -> HashMap<String, Vec<f32>> {
        self.phrasings
            .into_iter()
            .map(|p| p.q)
            .zip(self.vectors)
            .collect()
    }
}

/// What attaching did, for the build report and the manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Attached {
    /// Phrasings attached to a passage (a line attached to several counts once).
    pub attached: usize,
    /// Phrasing files read.
    pub files: usize,
    /// Every warning, as `file:line: message`.
    pub warnings: Vec<String>,
    /// The phrasing files' paths, sizes and times (empty without any), so the
    /// next build can tell whether they changed.
    #[serde(default)]
    pub fingerprint: String,
}

/// Attaches `read`'s phrasings to the passages of the committed index in
/// `dir` and stores them there; `previous` is the live generation, whose
/// vectors are kept for questions it already held. Never fails on what the
/// files say; errors are I/O and encoder failures only.
pub fn attach(
    dir: &Path,
    index: &Index,
    fields: &Fields,
    read: PhrasingFiles,
    files: usize,
    previous: Option<&Path>,
    tuning: &Tuning,
) -> Result<Attached> {
    let PhrasingFiles {
        phrasings,
        mut warnings,
    } = read;
    let mut stored = Stored::default();
    if !phrasings.is_empty() && tuning.semantic_enabled() {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let mut finder = Finder {
            searcher: &searcher,
            fields,
            analyzer: analysis::analyzer(),
            found: HashMap::new(),
        };
        let mut seen: HashMap<(String, Vec<Target>), usize> = HashMap::new();
        for phrasing in phrasings {
            if stored.phrasings.len() >= MAX_PHRASINGS {
                warnings.push(at(
                    &phrasing,
                    format!(
                        "left out with every phrasing after it: at most {MAX_PHRASINGS} are \
                         attached in all"
                    ),
                ));
                break;
            }
            let places = finder.places(&phrasing)?;
            let targets = match places.len() {
                0 => {
                    warnings.push(at(
                        &phrasing,
                        format!(
                            "no passage{} holds the answer {:?}; left out (quote the passage's \
                             own words)",
                            phrasing
                                .source
                                .as_deref()
                                .map(|s| format!(" of {s}"))
                                .unwrap_or_default(),
                            phrasing.answer
                        ),
                    ));
                    continue;
                }
                n if n > MAX_PLACES => {
                    warnings.push(at(
                        &phrasing,
                        format!(
                            "the answer {:?} is in {}{n} passages; left out (quote a longer \
                             phrase, or add \"source\")",
                            phrasing.answer,
                            if n >= LOOKED_AT { "at least " } else { "" }
                        ),
                    ));
                    continue;
                }
                1 => places,
                n => {
                    let named: Vec<String> = places
                        .iter()
                        .map(|p| format!("{} ¶{}", p.shown, p.paragraph))
                        .collect();
                    warnings.push(at(
                        &phrasing,
                        format!(
                            "the answer {:?} is in {n} passages ({}); attached to each (quote a \
                             longer phrase, or add \"source\", to choose one)",
                            phrasing.answer,
                            named.join(", ")
                        ),
                    ));
                    places
                }
            };
            let targets: Vec<Target> = targets
                .iter()
                .map(|p| Target {
                    source: source_number(&mut stored.sources, &p.shown),
                    ordinal: p.ordinal,
                })
                .collect();
            let key = (phrasing.question.to_lowercase(), targets.clone());
            if let Some(first) = seen.get(&key) {
                warnings.push(at(
                    &phrasing,
                    format!("the same as line {first}; counted once"),
                ));
                continue;
            }
            seen.insert(key, phrasing.line);
            stored.phrasings.push(StoredPhrasing {
                q: phrasing.question,
                from: format!("{}:{}", phrasing.file, phrasing.line),
                targets,
            });
        }
        stored.vectors = vectors(&stored.phrasings, previous)?;
    } else if !phrasings.is_empty() {
        warnings.push(Warning {
            file: phrasings[0].file.clone(),
            line: None,
            message: "phrasings are compared by meaning, which is switched off \
                      (tuning semantic=0,sentence=0): all left out"
                .into(),
        });
    }
    // In file and line order, whichever step found them.
    let warnings = capped(warnings);
    for w in &warnings {
        tracing::warn!("{w}");
    }
    stored.write(dir).map_err(|source| Error::IndexWrite {
        path: dir.into(),
        source,
    })?;
    Ok(Attached {
        attached: stored.phrasings.len(),
        files,
        warnings: warnings.iter().map(ToString::to_string).collect(),
        fingerprint: String::new(),
    })
}

fn at(p: &Phrasing, message: String) -> Warning {
    Warning {
        file: p.file.clone(),
        line: Some(p.line),
        message,
    }
}

fn source_number(sources: &mut Vec<String>, shown: &str) -> u32 {
    let i = match sources.iter().position(|s| s == shown) {
        Some(i) => i,
        None => {
            sources.push(shown.to_string());
            sources.len() - 1
        }
    };
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// The questions' vectors: kept from the previous generation, else encoded.
fn vectors(phrasings: &[StoredPhrasing], previous: Option<&Path>) -> Result<Vec<Vec<f32>>> {
    let mut known = previous
        .and_then(|dir| Stored::read(dir).ok())
        .map(Stored::by_question)
        .unwrap_or_default();
    let mut fresh: Vec<&str> = phrasings
        .iter()
        .map(|p| p.q.as_str())
        .filter(|q| !known.contains_key(*q))
        .collect();
    fresh.sort_unstable();
    fresh.dedup();
    for group in fresh.chunks(ENCODE_GROUP) {
        let encoded = paraphrase::paraphraser()?.encode(group)?;
        for (q, v) in group.iter().zip(encoded) {
            known.insert((*q).to_string(), v);
        }
    }
    Ok(phrasings
        .iter()
        .map(|p| known.get(&p.q).cloned().unwrap_or_else(|| vec![0.0; DIM]))
        .collect())
}

/// A paragraph holding a phrase: its first passage that does.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Place {
    shown: String,
    paragraph: u64,
    ordinal: u64,
}

/// Looks phrases up in the passages of one generation.
struct Finder<'a> {
    searcher: &'a Searcher,
    fields: &'a Fields,
    analyzer: tantivy::tokenizer::TextAnalyzer,
    /// By normalised phrase: every place it was found, whatever the source.
    found: HashMap<String, Vec<Place>>,
}

impl Finder<'_> {
    /// The paragraphs (in document order) whose passages hold the phrasing's
    /// answer, in its source document when it names one.
    fn places(&mut self, phrasing: &Phrasing) -> Result<Vec<Place>> {
        let phrase = normalise(&phrasing.answer);
        if !self.found.contains_key(&phrase) {
            let places = self.look_up(&phrase)?;
            self.found.insert(phrase.clone(), places);
        }
        Ok(self
            .found
            .get(&phrase)
            .map(|all| {
                all.iter()
                    .filter(|p| phrasing.allows(&p.shown))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Every passage holding all the phrase's words is read, and kept when
    /// its text holds the phrase itself.
    fn look_up(&mut self, phrase: &str) -> Result<Vec<Place>> {
        let mut terms = analysis::terms(&mut self.analyzer, phrase);
        terms.sort_unstable();
        terms.dedup();
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .map(|t| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.text, t),
                    IndexRecordOption::Basic,
                ));
                (Occur::Must, q)
            })
            .collect();
        let query = BooleanQuery::new(clauses);
        let hits = self
            .searcher
            .search(&query, &TopDocs::with_limit(LOOKED_AT).order_by_score())?;
        let mut places: Vec<Place> = Vec::new();
        for (_, address) in hits {
            let doc: TantivyDocument = self.searcher.doc(address)?;
            let text = doc.get_first(self.fields.text).and_then(|v| v.as_str());
            if !text.is_some_and(|t| normalise(t).contains(phrase)) {
                continue;
            }
            let num = |f| doc.get_first(f).and_then(|v| v.as_u64()).unwrap_or(0);
            let place = Place {
                shown: doc
                    .get_first(self.fields.source)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string(),
                paragraph: num(self.fields.paragraph),
                ordinal: num(self.fields.ordinal),
            };
            // Overlapping windows of one paragraph are one place: its first.
            match places
                .iter_mut()
                .find(|p| p.shown == place.shown && p.paragraph == place.paragraph)
            {
                Some(p) => p.ordinal = p.ordinal.min(place.ordinal),
                None => places.push(place),
            }
        }
        places.sort_by(|a, b| (&a.shown, a.ordinal).cmp(&(&b.shown, b.ordinal)));
        Ok(places)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_phrasings_read_back_as_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut v = vec![0.0f32; DIM];
        v[3] = 1.0;
        let stored = Stored {
            sources: vec!["corpus/a.md".into()],
            phrasings: vec![StoredPhrasing {
                q: "Why?".into(),
                from: "corpus/faq.questions.jsonl:1".into(),
                targets: vec![Target {
                    source: 0,
                    ordinal: 4,
                }],
            }],
            vectors: vec![v],
        };
        stored.write(dir.path()).expect("write");
        assert_eq!(Stored::read(dir.path()).expect("read"), stored);
        let kept = Stored::read(dir.path()).expect("read").by_question();
        assert_eq!(kept["Why?"][3], 1.0);
        fs::write(dir.path().join(VECTORS_FILE), [0u8; 3]).expect("write");
        assert!(Stored::read(dir.path()).is_err(), "vectors that do not fit");
        let empty = tempfile::tempdir().expect("tempdir");
        assert_eq!(Stored::read(empty.path()).expect("none"), Stored::default());
    }
}
