//! What the conversation needs from the engine: search, what the index holds, and a
//! rebuild on request. A trait, so the conversation's rules are unit-tested with a
//! canned library instead of a real index.

use crate::config::Paths;
use crate::engine::digest::{self, Focus};
use crate::engine::index::Changes;
use crate::engine::live::{self, EngineHandle};
use crate::engine::search::{Answer, Engine, IndexSummary};

/// The documents the conversation answers from.
pub trait Library: Send + Sync {
    /// The passages after the first `skip`, at most `top` of them.
    fn search(&self, question: &str, skip: usize, top: usize) -> crate::Result<Answer>;
    /// What the index holds now.
    fn summary(&self) -> IndexSummary;
    /// Rebuilds the index from the corpus now (blocking); `None` when this library
    /// serves a fixed index.
    fn rebuild(&self) -> Option<crate::Result<Changes>>;
    /// The meaning of a short text (unit vector), when an encoder is at hand: for
    /// small talk and follow-ups read by meaning. `None` reads them by words alone.
    fn embed(&self, _text: &str) -> Option<Vec<f32>> {
        None
    }
    /// The meanings of several short texts at once (one batch through the encoder,
    /// not one pass each); `None` without an encoder.
    fn embed_all(&self, texts: &[&str]) -> Option<Vec<Vec<f32>>> {
        texts.iter().map(|t| self.embed(t)).collect()
    }
    /// The corpus folder the documents are read from, where accepted phrasings are
    /// written ([`super::learned`]); `None` for a fixed index.
    fn corpus(&self) -> Option<std::path::PathBuf> {
        None
    }
    /// The answer to a question about the whole document at `source`: its summary.
    fn summarize(&self, question: &str, source: &str, focus: Focus, top: usize) -> Answer {
        let summary = self.summary();
        match summary.documents.iter().find(|d| d.source == source) {
            Some(doc) => digest::answer(question, doc, focus, top),
            None => Answer::empty(question),
        }
    }
}

/// [`Library::embed_all`] for an engine: one batch.
fn embed_all_with(engine: &Engine, texts: &[&str]) -> Option<Vec<Vec<f32>>> {
    if !engine.tuning().semantic_enabled() {
        return None;
    }
    let encoder = crate::engine::semantic::encoder().ok()?;
    encoder
        .encode(texts)
        .map_err(|e| tracing::warn!("could not encode a follow-up's words: {e}"))
        .ok()
}

/// [`Library::embed`] for an engine: the question encoder (cached), when its tuning
/// uses meaning.
fn embed_with(engine: &Engine, text: &str) -> Option<Vec<f32>> {
    if !engine.tuning().semantic_enabled() {
        return None;
    }
    let encoder = crate::engine::semantic::encoder()
        .map_err(|e| tracing::warn!("no encoder for small talk and follow-ups: {e}"))
        .ok()?;
    encoder
        .question(text)
        .map_err(|e| tracing::warn!("could not encode a message: {e}"))
        .ok()
}

impl Library for Engine {
    fn search(&self, question: &str, skip: usize, top: usize) -> crate::Result<Answer> {
        Engine::search(self, question, skip, top)
    }
    fn summary(&self) -> IndexSummary {
        Engine::summary(self).clone()
    }
    fn rebuild(&self) -> Option<crate::Result<Changes>> {
        None
    }
    fn embed(&self, text: &str) -> Option<Vec<f32>> {
        embed_with(self, text)
    }
    fn embed_all(&self, texts: &[&str]) -> Option<Vec<Vec<f32>>> {
        embed_all_with(self, texts)
    }
}

/// The swappable engine of a long-running bot, and the corpus it follows (if any).
pub struct Live {
    pub engine: EngineHandle,
    /// The corpus and index to rebuild from; `None` serves a fixed engine.
    pub reload: Option<Paths>,
}

impl Library for Live {
    fn search(&self, question: &str, skip: usize, top: usize) -> crate::Result<Answer> {
        self.engine.current().search(question, skip, top)
    }
    fn summary(&self) -> IndexSummary {
        self.engine.current().summary().clone()
    }
    fn rebuild(&self) -> Option<crate::Result<Changes>> {
        let paths = self.reload.as_ref()?;
        Some(live::reload(paths, &self.engine))
    }
    fn embed(&self, text: &str) -> Option<Vec<f32>> {
        embed_with(&self.engine.current(), text)
    }
    fn embed_all(&self, texts: &[&str]) -> Option<Vec<Vec<f32>>> {
        embed_all_with(&self.engine.current(), texts)
    }
    fn corpus(&self) -> Option<std::path::PathBuf> {
        self.reload.as_ref().map(|p| p.corpus.clone())
    }
}
