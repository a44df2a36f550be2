//! What a question is about, and what each sentence is about.
//!
//! "What is sales?" is best answered where sales is what the sentence is about ("Sales
//! does not have such a discipline"), not where it shares the subject ("Sales and
//! marketing must work together"). And "Is sales scientific?" must not be answered by
//! "marketing is data-driven using … scientific research": that sentence says it of
//! marketing, a **sibling** of sales in these documents (the two stand together as one
//! subject elsewhere: "Sales and marketing …").
//!
//! By rule, on the surface of the text: a sentence's subject is its first words (after
//! an opening clause such as "On the other hand,"), up to its first auxiliary verb or
//! comma, at most [`SUBJECT_TERMS`] analysed terms; "X and Y" makes it shared.

use std::ops::Range;

use crate::engine::analysis::Token;
use crate::engine::corpus::sentence;

/// A sentence's subject is at most this many analysed terms.
const SUBJECT_TERMS: usize = 3;

/// Added to a passage where the defined term is a sentence's own subject.
pub const DEFINITION_BONUS: f32 = 0.6;

/// Verbs that end a subject.
const AUX: &[&str] = &[
    "is", "are", "was", "were", "does", "do", "did", "has", "have", "had", "can", "could",
    "should", "must", "will", "would", "may", "might", "shall", "isn't", "aren't", "doesn't",
    "don't",
];

/// Words that open a clause before the subject ("On the other hand, sales is …").
const OPENERS: &[&str] = &[
    "on",
    "from",
    "in",
    "typically",
    "however",
    "yet",
    "but",
    "so",
    "for",
    "with",
    "when",
    "while",
    "although",
    "though",
    "as",
    "at",
    "by",
    "after",
    "before",
    "unlike",
    "like",
    "generally",
    "usually",
    "often",
    "sadly",
    "still",
    "also",
    "since",
    "because",
    "if",
    "today",
    "historically",
    "traditionally",
    "instead",
    "meanwhile",
    "overall",
    "thus",
];

/// How a question names its subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// "What is X?", "What are X?", "What does X do?", "Define X": the words of X.
    Definition(String),
    /// "Is X …?", "Does X …?", "What does X do with …?": the word X.
    About(String),
}

impl Asked {
    pub fn phrase(&self) -> &str {
        match self {
            Asked::Definition(p) | Asked::About(p) => p,
        }
    }
}

const DETERMINERS: &[&str] = &["the", "a", "an"];

/// The subject of a question, when its shape names one.
pub fn of_question(question: &str) -> Option<Asked> {
    let lower = question.to_lowercase().replace(['’', '\''], " ");
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    let skip_det = |rest: &[&str]| -> usize {
        usize::from(rest.first().is_some_and(|w| DETERMINERS.contains(w)))
    };
    match words.as_slice() {
        ["what", "is" | "are" | "s", rest @ ..] | ["define", rest @ ..] => {
            let rest = &rest[skip_det(rest)..];
            (1..=2)
                .contains(&rest.len())
                .then(|| Asked::Definition(rest.join(" ")))
        }
        ["what", "does" | "do", rest @ .., "do"] => {
            let rest = &rest[skip_det(rest)..];
            (1..=2)
                .contains(&rest.len())
                .then(|| Asked::Definition(rest.join(" ")))
        }
        ["is" | "are" | "does" | "do" | "can", rest @ ..]
        | [
            "what" | "how" | "why",
            "does" | "do" | "is" | "are",
            rest @ ..,
        ] => {
            let rest = &rest[skip_det(rest)..];
            match rest {
                // "Do sales and marketing fit together?" is about both.
                [_, "and" | "or" | "nor", ..] => None,
                [x, _, ..] => Some(Asked::About((*x).to_owned())),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The subject of one sentence: its analysed terms, and whether it is shared ("X and Y").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub terms: Vec<String>,
    pub shared: bool,
}

/// The subjects of the sentences of `text`, from its analysed `tokens`.
pub fn of_sentences(text: &str, tokens: &[Token]) -> Vec<Subject> {
    sentence::sentences(text)
        .into_iter()
        .filter_map(|range| of_sentence(text, range, tokens))
        .collect()
}

fn of_sentence(text: &str, range: Range<usize>, tokens: &[Token]) -> Option<Subject> {
    let sentence = text.get(range.clone())?;
    let lower = sentence.to_lowercase();
    if lower.len() != sentence.len() {
        // Offsets would not line up; such a sentence is left without a subject.
        return None;
    }
    let first = lower.split_whitespace().next()?;
    let mut start = 0;
    if OPENERS.contains(&first.trim_matches(|c: char| !c.is_alphanumeric()))
        && let Some(comma) = lower.find(',')
        && comma < 80
    {
        start = comma + 1;
    }
    // The subject ends at the first auxiliary verb or comma after it.
    let mut end = lower.len();
    let mut at = start;
    for word in lower[start..].split_inclusive(char::is_whitespace) {
        let bare = word
            .trim()
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'');
        if AUX.contains(&bare) {
            end = at;
            break;
        }
        if word.trim_end().ends_with(',') && at > start {
            end = at + word.trim_end().len();
            break;
        }
        at += word.len();
    }
    let (s, e) = (range.start + start, range.start + end);
    let terms: Vec<String> = tokens
        .iter()
        .filter(|t| t.start >= s && t.end <= e)
        .take(SUBJECT_TERMS)
        .map(|t| t.term.clone())
        .collect();
    if terms.is_empty() {
        return None;
    }
    let phrase = &lower[start..end];
    let shared = phrase.contains(" and ") || phrase.contains(" or ") || phrase.contains("both ");
    Some(Subject { terms, shared })
}

/// Whether `terms` (the question's subject) is some sentence's own subject.
pub fn owns(subjects: &[Subject], terms: &[String]) -> bool {
    subjects
        .iter()
        .any(|s| !s.shared && terms.iter().any(|t| s.terms.first() == Some(t)))
}

/// Terms that share a subject with `terms` somewhere ("sales and marketing"): its siblings.
pub fn siblings<'a>(subjects: impl Iterator<Item = &'a Subject>, terms: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in subjects.filter(|s| s.shared && s.terms.iter().any(|t| terms.contains(t))) {
        for t in &s.terms {
            if !terms.contains(t) && !out.contains(t) {
                out.push(t.clone());
            }
        }
    }
    out
}

/// Whether a passage says something of a sibling instead: its tokens lack the
/// question's subject, and a sentence's own subject is a sibling.
pub fn about_a_sibling(
    subjects: &[Subject],
    tokens: &[Token],
    terms: &[String],
    siblings: &[String],
) -> bool {
    !tokens.iter().any(|t| terms.contains(&t.term))
        && subjects
            .iter()
            .any(|s| !s.shared && s.terms.first().is_some_and(|t| siblings.contains(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tokens as the analyser would give them, lower-cased words without stemming
    /// and without a few function words.
    fn tokens(text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in text
            .char_indices()
            .chain(std::iter::once((text.len(), ' ')))
        {
            if c.is_alphanumeric() || c == '-' {
                start.get_or_insert(i);
            } else if let Some(s) = start.take() {
                let term = text[s..i].to_lowercase();
                if ![
                    "the", "a", "an", "and", "is", "on", "other", "does", "not", "have", "such",
                    "must",
                ]
                .contains(&term.as_str())
                {
                    out.push(Token {
                        term,
                        start: s,
                        end: i,
                    });
                }
            }
        }
        out
    }

    fn subjects(text: &str) -> Vec<Subject> {
        of_sentences(text, &tokens(text))
    }

    #[test]
    fn questions_that_name_a_subject() {
        assert_eq!(
            of_question("What is sales?"),
            Some(Asked::Definition("sales".into()))
        );
        assert_eq!(
            of_question("what's marketing"),
            Some(Asked::Definition("marketing".into()))
        );
        assert_eq!(
            of_question("What does sales do?"),
            Some(Asked::Definition("sales".into()))
        );
        assert_eq!(
            of_question("Is sales scientific?"),
            Some(Asked::About("sales".into()))
        );
        assert_eq!(
            of_question("Does sales rely on big data?"),
            Some(Asked::About("sales".into()))
        );
        assert_eq!(
            of_question("What does sales do with data?"),
            Some(Asked::About("sales".into()))
        );
        assert_eq!(of_question("What is the capital of France?"), None);
        assert_eq!(of_question("Who wrote it?"), None);
        assert_eq!(of_question("Is it?"), None);
        assert_eq!(
            of_question("Do sales and marketing fit well together?"),
            None
        );
    }

    #[test]
    fn a_sentence_subject_skips_an_opening_clause_and_stops_at_its_verb() {
        let s = subjects(
            "On the other hand, sales is usually one-to-one. Sales and marketing must work together.",
        );
        assert_eq!(
            s[0],
            Subject {
                terms: vec!["sales".into()],
                shared: false
            }
        );
        assert_eq!(
            s[1],
            Subject {
                terms: vec!["sales".into(), "marketing".into()],
                shared: true
            }
        );
        let d = subjects("From an analysis perspective, marketing is data-driven.");
        assert_eq!(d[0].terms, vec!["marketing"]);
    }

    #[test]
    fn own_subjects_and_siblings() {
        let terms = vec!["sales".to_owned()];
        let own = subjects("Sales does not have such a discipline.");
        assert!(owns(&own, &terms));
        let shared = subjects("Sales and marketing must work together.");
        assert!(!owns(&shared, &terms));
        let sib = siblings(shared.iter(), &terms);
        assert_eq!(sib, vec!["marketing"]);
        let text = "From an analysis perspective, marketing is data-driven.";
        let other = of_sentences(text, &tokens(text));
        assert!(about_a_sibling(&other, &tokens(text), &terms, &sib));
        assert!(!about_a_sibling(
            &own,
            &tokens("Sales does not have such a discipline."),
            &terms,
            &sib
        ));
    }
}
