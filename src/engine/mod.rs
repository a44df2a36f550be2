//! The engine: a question in, ranked passages out. No conversation, no surface: the
//! command line, the bot and the tests share it through [`search::Engine`].
//!
//! - [`corpus`]: loading documents (one file per format) and chunking them into
//!   passages that never cut a sentence;
//! - [`analysis`]: the English analyser shared by index and queries;
//! - [`index`]: the tantivy schema, atomic (re)builds, freshness;
//! - [`search`]: the [`search::Engine`], opened with its [`tuning::Tuning`];
//!   [`intent`]: question shapes recognised by rule; [`rerank`]: the proximity
//!   rerank; [`semantic`]: the sentence encoder that adds meaning to it;
//!   [`recall`]: the passages closest in meaning, from quantised vectors;
//!   [`confidence`]: whether the best passage answers; [`lacks`]: what it lacks that
//!   the question plainly asks for; [`answer_span`]: the sentence
//!   that does; [`ambiguity`]: when the best two tie and the reader is asked which;
//!   [`asked`]: questions people asked before (phrasing files, read by
//!   [`phrasings`]); [`typo`]: correcting words the corpus never uses; [`subject`]: what a question and
//!   each sentence are about; [`summary`]: a document's argument in its own sentences, and [`digest`]: the
//!   answer made of it;
//! - [`live`]: the swappable engine a long-running bot holds;
//! - [`eval`]: scoring on question files.

pub mod ambiguity;
pub mod analysis;
pub mod answer_span;
pub mod asked;
pub mod confidence;
pub mod corpus;
pub mod digest;
pub mod eval;
pub mod index;
pub mod intent;
pub mod lacks;
pub mod live;
pub mod phrasings;
pub mod recall;
pub mod rerank;
pub mod search;
pub mod semantic;
pub mod subject;
pub mod summary;
pub mod tuning;
pub mod typo;
