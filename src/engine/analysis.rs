//! Text analysis shared by the index and the query side: one English analyser
//! (tokenise, lower-case, drop a short stop list, Snowball-stem).
//!
//! The same analyser runs at index time (registered with tantivy under
//! [`ANALYZER_NAME`]) and at query time ([`terms`]), so a question's words and
//! a passage's words meet as the same stems. Highlights are computed with it
//! too (from [`tokens`]), which keeps them consistent with what was scored.

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    TokenStream,
};

/// Name under which the analyser is registered in the index.
pub const ANALYZER_NAME: &str = "passagebot_en";

/// Recorded in the index manifest: change it whenever the analyser changes, so
/// that an index built with the old one is rebuilt instead of silently
/// mismatching the query side.
pub const ANALYZER_VERSION: &str = "en-simple-lower-stop3-snowball-v1";

/// Function words that carry no topic. Deliberately short: negations ("no",
/// "not", "nor", "neither", "never") and quantities stay, because they change
/// what a passage says. The lone letters are the tails of split contractions
/// and possessives ("what's" -> "what" + "s", "don't" -> "don" + "t").
pub const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "being",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "d",
    "did",
    "do",
    "does",
    "doing",
    "during",
    "each",
    "for",
    "from",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "ll",
    "m",
    "many",
    "much",
    "me",
    "my",
    "myself",
    "o",
    "of",
    "off",
    "on",
    "once",
    "or",
    "ours",
    "ourselves",
    "our",
    "re",
    "s",
    "shall",
    "she",
    "should",
    "so",
    "t",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "us",
    "ve",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "would",
    "y",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// Longest token kept; longer ones are noise (base64, URLs run together).
const MAX_TOKEN_BYTES: usize = 40;

/// Builds the analyser. Cheap enough to call once per index or per engine.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(
            STOP_WORDS.iter().map(|w| w.to_string()),
        ))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// A token after analysis, with the byte range of the word it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub term: String,
    pub start: usize,
    pub end: usize,
}

/// Every analysed token of `text`, in order, with byte offsets into `text`.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        out.push(Token {
            term: token.text.clone(),
            start: token.offset_from,
            end: token.offset_to,
        });
    }
    out
}

/// The distinct analysed terms of `text`, in first-seen order.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for token in tokens(analyzer, text) {
        if !out.contains(&token.term) {
            out.push(token.term);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_and_drops_function_words() {
        let mut a = analyzer();
        assert_eq!(
            terms(&mut a, "What's the marketing approach?"),
            vec!["market", "approach"]
        );
    }

    #[test]
    fn keeps_negations() {
        let mut a = analyzer();
        assert_eq!(terms(&mut a, "not no nor"), vec!["not", "no", "nor"]);
    }

    #[test]
    fn unicode_apostrophe_possessive_is_dropped() {
        let mut a = analyzer();
        assert_eq!(terms(&mut a, "company’s future"), vec!["compani", "futur"]);
    }

    #[test]
    fn match_ranges_point_at_the_original_words() {
        let mut a = analyzer();
        let text = "Marketing is data-driven.";
        let ranges: Vec<(usize, usize)> = tokens(&mut a, text)
            .into_iter()
            .filter(|t| t.term == "market" || t.term == "data")
            .map(|t| (t.start, t.end))
            .collect();
        assert_eq!(ranges, vec![(0, 9), (13, 17)]);
        assert_eq!(&text[13..17], "data");
    }
}
