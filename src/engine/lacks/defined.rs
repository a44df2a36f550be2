//! The term a definition question asks about: "What is account-based
//! marketing?" asks what "account-based marketing" is. Documents that never
//! use a word of the term cannot say what it is, however close the question
//! is to one they answer ("What kind of approach does marketing use?").
//!
//! Read by rule, only from forms that leave no doubt, each the whole
//! question (after a greeting or an "ok so" at most: "When many people are
//! arrested, what is a common tactic …?" asks about the situation first):
//!
//! - "what is/are/'s (a/an) X", where X is at most [`MAX_WORDS`] words and
//!   none of them a function word ("What is marketing responsible for?"
//!   asks something else, and so does "What is the goal?", about a thing the
//!   text names) and the last no participle ("What is terra preta
//!   *called*?" asks for another name);
//! - "what does/do X mean", "define X", "the meaning of X".

/// A term is at most this many words.
const MAX_WORDS: usize = 4;

/// Words a term is not made of: it asks something else ("What is marketing
/// *responsible for*?", "what is *his* job?", "what is *it*?").
const NOT_IN_TERM: &[&str] = &[
    "the",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "he",
    "she",
    "they",
    "his",
    "her",
    "their",
    "them",
    "him",
    "we",
    "our",
    "you",
    "your",
    "i",
    "my",
    "me",
    "for",
    "of",
    "to",
    "in",
    "on",
    "at",
    "by",
    "with",
    "from",
    "about",
    "and",
    "or",
    "than",
    "more",
    "less",
    "most",
    "so",
    "then",
    "there",
    "here",
    "up",
    "out",
    "not",
    "all",
    "both",
    "also",
    "really",
    "like",
    "is",
    "are",
    "was",
    "were",
    "be",
    "do",
    "does",
    "did",
    "can",
    "should",
    "would",
    "will",
    "good",
    "bad",
    "better",
    "best",
    "important",
    "new",
    "different",
    "same",
    "difference",
    "point",
    "goal",
    "purpose",
    "role",
    "main",
    "key",
    "other",
    "another",
    "one",
    "two",
];

/// Words that may open the clause before the question ("ok so what is …").
const OPENERS: &[&str] = &[
    "ok", "okay", "so", "and", "but", "well", "hey", "hi", "hello", "then", "thanks", "cool",
];

/// The lower-case words of a clause: letters, digits, apostrophes, hyphens.
fn words(clause: &str) -> Vec<String> {
    clause
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '-'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '’' || c == '-'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('’', "'"))
        .collect()
}

/// Participles that end a question about another name or a use, not a
/// definition, besides any word ending in "-ed".
const PARTICIPLES: &[&str] = &["known", "made", "meant", "done", "seen", "given", "taken"];

/// The term a definition question asks about, when it has that form.
pub fn term(question: &str) -> Option<String> {
    let mut clauses = question
        .split(['?', '!', ';', ':', '.', ','])
        .map(words)
        .filter(|w| !w.is_empty())
        .skip_while(|w| w.iter().all(|x| OPENERS.contains(&x.as_str())));
    let term = in_clause(&clauses.next()?)?;
    clauses.next().is_none().then_some(term)
}

fn in_clause(words: &[String]) -> Option<String> {
    let mut w: Vec<&str> = words.iter().map(String::as_str).collect();
    while w.first().is_some_and(|x| OPENERS.contains(x)) {
        w.remove(0);
    }
    let term: &[&str] = match w.as_slice() {
        ["what", "is", "the", "meaning", "of", rest @ ..]
        | ["what's" | "whats", "the", "meaning", "of", rest @ ..] => rest,
        ["what's" | "whats", rest @ ..] => rest,
        ["what", "is" | "are" | "s", rest @ ..] => rest,
        ["what", "does" | "do", rest @ .., "mean"] => rest,
        ["define", rest @ ..] => rest,
        _ => return None,
    };
    let term = match term {
        ["a" | "an", rest @ ..] => rest,
        _ => term,
    };
    let plain = |x: &&str| {
        !NOT_IN_TERM.contains(x) && !x.contains('\'') && x.chars().any(char::is_alphabetic)
    };
    let participle = term.last().is_some_and(|last| {
        PARTICIPLES.contains(last) || (last.ends_with("ed") && !last.contains('-'))
    });
    let ok = !term.is_empty() && term.len() <= MAX_WORDS && term.iter().all(plain) && !participle;
    ok.then(|| term.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_questions_give_their_term() {
        for (q, want) in [
            (
                "What is account-based marketing?",
                Some("account-based marketing"),
            ),
            ("what's a CRM?", Some("crm")),
            ("ok so what are reps", Some("reps")),
            ("What does B2B mean?", Some("b2b")),
            ("define outbound sales", Some("outbound sales")),
            ("What is the meaning of upselling?", Some("upselling")),
            ("hi, what is a funnel?", Some("funnel")),
            ("What is marketing?", Some("marketing")),
            // Not a definition, or not of a plain term.
            ("What is marketing responsible for?", None),
            ("What is the difference between sales and marketing?", None),
            ("What is the goal?", None),
            ("what is his background", None),
            ("What is Joe Candido's background?", None),
            (
                "What are sales and marketing both trying to do with customers?",
                None,
            ),
            ("Is marketing data driven?", None),
            ("What is it?", None),
            ("What is terra preta called?", None),
            ("What is the gold standard known as?", None),
            (
                "When many people are arrested, what is a common tactic negotiating?",
                None,
            ),
            ("What is a CRM? And which one should I buy?", None),
            ("", None),
        ] {
            assert_eq!(term(q).as_deref(), want, "{q}");
        }
    }
}
