//! The tantivy schema: which fields a passage has and how each is analysed.

use tantivy::Index;
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::engine::analysis::{ANALYZER_NAME, analyzer};

/// Handles to the schema's fields, kept so no lookup by name happens per query.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// The passage, analysed and stored (what is quoted).
    pub text: Field,
    /// The whole paragraph the passage comes from, analysed only.
    pub context: Field,
    /// The document's title, analysed and stored.
    pub title: Field,
    /// The nearest heading above the passage, analysed and stored.
    pub heading: Field,
    pub source: Field,
    pub paragraph: Field,
    /// Ordinal of the passage in its document.
    pub ordinal: Field,
    /// Byte range of the passage in its paragraph's clean text (overlap detection).
    pub start: Field,
    pub end: Field,
    /// The passage's and its title's words as written (lower-cased, not
    /// stemmed), indexed only: the words misspellings are put right to
    /// ([`crate::engine::typo::respell`]).
    pub words: Field,
    /// The passage's sentence embedding (see [`crate::engine::semantic`]), stored as
    /// f16 bytes; absent when the index was built without the encoder.
    pub embedding: Field,
}

impl Fields {
    /// Field handles of an index built with [`schema`].
    pub fn from_schema(schema: &Schema) -> tantivy::Result<Fields> {
        let f = |name: &str| schema.get_field(name);
        Ok(Fields {
            text: f("text")?,
            context: f("context")?,
            title: f("title")?,
            heading: f("heading")?,
            source: f("source")?,
            paragraph: f("paragraph")?,
            ordinal: f("ordinal")?,
            start: f("start")?,
            end: f("end")?,
            words: f("words")?,
            embedding: f("embedding")?,
        })
    }
}

/// The schema of a passage index.
pub fn schema() -> Schema {
    let analysed = TextFieldIndexing::default()
        .set_tokenizer(ANALYZER_NAME)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let stored_text = TextOptions::default()
        .set_indexing_options(analysed.clone())
        .set_stored();
    let indexed_only = TextOptions::default().set_indexing_options(analysed);
    let mut b = Schema::builder();
    b.add_text_field("text", stored_text.clone());
    b.add_text_field("context", indexed_only);
    b.add_text_field("title", stored_text.clone());
    b.add_text_field("heading", stored_text);
    // Untokenised, so one document's passages can be deleted by its source.
    b.add_text_field("source", STRING | STORED);
    b.add_u64_field("paragraph", STORED);
    b.add_u64_field("ordinal", STORED | FAST);
    b.add_u64_field("start", STORED);
    b.add_u64_field("end", STORED);
    b.add_bytes_field("embedding", STORED);
    // tantivy's own "default" tokenizer: split, lower-case, no stemming.
    let as_written = TextFieldIndexing::default()
        .set_tokenizer("default")
        .set_index_option(IndexRecordOption::Basic);
    b.add_text_field(
        "words",
        TextOptions::default().set_indexing_options(as_written),
    );
    b.build()
}

/// Makes the index know passagebot's analyser (needed after every create or open).
pub fn register_analyzer(index: &Index) {
    index.tokenizers().register(ANALYZER_NAME, analyzer());
}
