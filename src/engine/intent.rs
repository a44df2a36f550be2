//! Question shapes that plain term matching gets wrong, recognised by rule.
//!
//! "Who wrote this?" shares no word with the byline that answers it, so an
//! authorship question is searched for the documents' author names instead.

/// Words that ask about authorship when they come with "who".
const AUTHOR_WORDS: &[&str] = &[
    "author", "authors", "wrote", "write", "writes", "written", "writer", "by",
];

/// Whether the question asks who wrote the document(s).
pub fn asks_for_author(question: &str) -> bool {
    let lower = question.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let who = words.iter().any(|w| matches!(*w, "who" | "whose" | "whom"));
    who && words.iter().any(|w| AUTHOR_WORDS.contains(w))
}

/// Analysed stems of the authorship words, removed from such a question.
pub fn is_author_stem(term: &str) -> bool {
    matches!(term, "author" | "wrote" | "write" | "written" | "writer")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_authorship_questions_only() {
        for q in [
            "Who wrote the article?",
            "who is the author",
            "Who's the writer of this?",
            "Written by whom?",
        ] {
            assert!(asks_for_author(q), "{q}");
        }
        for q in [
            "What does the author believe?",
            "Who should negotiate?",
            "Which program does the author teach in?",
        ] {
            assert!(!asks_for_author(q), "{q}");
        }
    }
}
