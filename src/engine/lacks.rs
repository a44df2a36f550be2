//! What the best passage lacks that the question plainly asks for: a
//! question can be close in meaning to one the documents answer and still
//! not be answered by them. "How much is tuition for the certificate?" is
//! near the author's bio, which gives no price; "What's the difference
//! between marketing and public relations?" is near "What is the difference
//! between sales and marketing?", but the documents never mention public
//! relations. Either makes an answer not confident, whatever the other
//! signals say, and `/why` tells which; unless a known phrasing nearly the
//! same as the question vouches for the passage ([`vouched`]).
//!
//! - [`expected`]: the kind of answer a question's form asks for (a year, a
//!   length of time, a number, an amount of money, a name) and whether a
//!   passage has anything of that kind;
//! - [`compared`]: the two sides of a comparison question;
//! - [`defined`]: the term a definition question asks about.

pub mod compared;
pub mod defined;
pub mod expected;

use serde::Serialize;
use tantivy::tokenizer::TextAnalyzer;

use crate::engine::analysis;
use crate::engine::asked::Evidence;
use expected::Expected;

/// Words that only say what kind of thing a side is ("operations *roles*"):
/// a side is judged by its other words.
const GENERIC: &str = "role roles job jobs skill skills team teams department departments \
                       function functions side sides thing things field fields";

/// What the best passage lacks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lack {
    /// The question asks for this kind of answer and the passage has
    /// nothing of the kind.
    Expected(Expected),
    /// The question compares with this, which the documents never mention.
    UnknownSide(String),
    /// The question compares these two, and the passage mentions neither
    /// ("How do leadership and management differ as skills?" of a passage
    /// on sales and marketing).
    NeitherSide(String, String),
    /// The question asks what this term is, and the documents never use
    /// some word of it ("What is account-based marketing?").
    Undefined(String),
}

impl Lack {
    /// The reason in words, as the end of "this one needs a person, because …".
    pub fn in_short(&self) -> String {
        match self {
            Lack::Expected(kind) => format!("the text gives no {}", kind.noun()),
            Lack::UnknownSide(side) => format!("the text never mentions “{side}”"),
            Lack::NeitherSide(a, b) => format!("the text does not compare “{a}” and “{b}”"),
            Lack::Undefined(term) => format!("the text never says what “{term}” is"),
        }
    }

    /// Why the answer is not confident, in a sentence for `/why`.
    pub fn explain(&self) -> String {
        match self {
            Lack::Expected(kind) => format!(
                "The question asks for {}, and the passage gives none.",
                kind.describe()
            ),
            Lack::UnknownSide(side) => format!(
                "The question compares with “{side}”, which the documents never mention, so they cannot say how the two differ."
            ),
            Lack::NeitherSide(a, b) => {
                format!("The question compares “{a}” with “{b}”, and the passage mentions neither.")
            }
            Lack::Undefined(term) => {
                format!("The question asks what “{term}” is, a term the documents never use.")
            }
        }
    }
}

/// A known phrasing at least this close (cosine) to the question vouches for
/// its passage against a rule: nearly the same question, paired with that
/// passage by a person. (Near-topic questions the rules catch came within 0.79
/// of a known one in the cross-validation folds: "What year did Joe Candido
/// start his career?" and "How many years of experience does Joe Candido have?".)
pub const VOUCHED_FROM: f32 = 0.85;

/// Whether known phrasings vouch for the passage `evidence` is about, against
/// `lack`: its closest phrasing is nearly the question ([`VOUCHED_FROM`]) and
/// does not plainly ask for something else ("How much is the UVM
/// certificate?" paired with the bio by an operator vouches for it when asked
/// "How much does the UVM certificate cost?"; "How many years …?" does not
/// when asked "What year …?"). A rule cannot see that a price is given as
/// "the fee is waived".
pub fn vouched(lack: &Lack, evidence: &Evidence) -> bool {
    evidence.similarity >= VOUCHED_FROM
        && match lack {
            Lack::Expected(kind) => {
                expected::of_question(&evidence.question).is_none_or(|k| k == *kind)
            }
            Lack::UnknownSide(side) => {
                compared::sides(&evidence.question).is_none_or(|(a, b)| a == *side || b == *side)
            }
            Lack::NeitherSide(a, b) => compared::sides(&evidence.question)
                .is_none_or(|(c, d)| (&c, &d) == (a, b) || (&d, &c) == (a, b)),
            Lack::Undefined(term) => defined::term(&evidence.question).is_none_or(|t| t == *term),
        }
}

/// What `passage` (the best one) lacks for `question`, given the question's
/// terms the documents never use (stemmed as the analyser does; a word
/// corrected to a near one is not among them:
/// [`crate::engine::confidence::unknown_terms`]).
pub fn of(
    question: &str,
    passage: &str,
    unknown: &[&str],
    analyzer: &mut TextAnalyzer,
) -> Option<Lack> {
    if let Some(kind) = expected::of_question(question)
        && !expected::holds(kind, passage)
    {
        return Some(Lack::Expected(kind));
    }
    let generic = analysis::terms(analyzer, GENERIC);
    let mut stems = |text: &str| -> Vec<String> {
        analysis::terms(analyzer, text)
            .into_iter()
            .filter(|s| !generic.contains(s))
            .collect()
    };
    let is_unknown = |s: &String| unknown.contains(&s.as_str());
    if let Some(term) = defined::term(question)
        && stems(&term).iter().any(is_unknown)
    {
        return Some(Lack::Undefined(term));
    }
    let (a, b) = compared::sides(question)?;
    let (a_stems, b_stems) = (stems(&a), stems(&b));
    for (side, side_stems) in [(&a, &a_stems), (&b, &b_stems)] {
        if !side_stems.is_empty() && side_stems.iter().all(is_unknown) {
            return Some(Lack::UnknownSide(side.clone()));
        }
    }
    let in_passage = stems(passage);
    let mentioned = |side: &[String]| side.iter().any(|s| in_passage.contains(s));
    let neither =
        !a_stems.is_empty() && !b_stems.is_empty() && !mentioned(&a_stems) && !mentioned(&b_stems);
    neither.then_some(Lack::NeitherSide(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::analysis::analyzer;

    #[test]
    fn a_side_the_documents_never_mention_is_lacking() {
        let mut a = analyzer();
        let q = "What's the difference between marketing and public relations?";
        assert_eq!(
            of(
                q,
                "Sales and marketing differ.",
                &["public", "relat"],
                &mut a
            ),
            Some(Lack::UnknownSide("public relations".into()))
        );
        // Both sides known: nothing lacks.
        let q = "What's the difference between marketing and sales?";
        assert_eq!(of(q, "Sales and marketing differ.", &[], &mut a), None);
        // A generic word does not make a side known or unknown by itself.
        assert_eq!(
            of(
                "Sales vs operations roles - how do they differ?",
                "",
                &["oper"],
                &mut a
            ),
            Some(Lack::UnknownSide("operations roles".into()))
        );
    }

    #[test]
    fn a_term_the_documents_never_use_is_not_defined_by_them() {
        let mut a = analyzer();
        let passage = "Typically, the marketing approach is a one to many style.";
        assert_eq!(
            of(
                "What is account-based marketing?",
                passage,
                &["account", "base"],
                &mut a
            ),
            Some(Lack::Undefined("account-based marketing".into()))
        );
        // Every word known (or corrected to a known one): the rule says nothing.
        assert_eq!(of("What is marketing?", passage, &[], &mut a), None);
        assert!(
            Lack::Undefined("crm".into())
                .explain()
                .contains("a term the documents never use")
        );
    }

    #[test]
    fn a_comparison_whose_sides_the_passage_never_mentions_is_lacking() {
        let mut a = analyzer();
        let q = "How do leadership and management differ as skills?";
        assert_eq!(
            of(q, "Sales and marketing are similar functions.", &[], &mut a),
            Some(Lack::NeitherSide("leadership".into(), "management".into()))
        );
        // One side mentioned: the passage may well say how they differ.
        assert_eq!(
            of(q, "What I tell my leadership workshops.", &[], &mut a),
            None
        );
        assert_eq!(
            Lack::NeitherSide("leadership".into(), "management".into()).in_short(),
            "the text does not compare “leadership” and “management”"
        );
    }

    #[test]
    fn a_close_phrasing_lacking_the_same_vouches_for_its_passage() {
        let evidence = |question: &str, similarity: f32| Evidence {
            question: question.into(),
            similarity,
            close: 1,
            floor: 0.45,
            share: 1.0,
        };
        let money = Lack::Expected(Expected::Money);
        assert!(vouched(
            &money,
            &evidence("How much does the certificate cost?", 0.9)
        ));
        assert!(vouched(
            &money,
            &evidence("How much is the certificate?", 0.95)
        ));
        // Not close enough, or plainly asking for another kind.
        assert!(!vouched(
            &money,
            &evidence("How much does the certificate cost?", 0.8)
        ));
        assert!(!vouched(
            &money,
            &evidence("How many years of experience?", 0.9)
        ));
        let side = Lack::UnknownSide("public relations".into());
        assert!(vouched(
            &side,
            &evidence("How is marketing different from public relations?", 0.9)
        ));
        assert!(!vouched(
            &side,
            &evidence("What is the difference between sales and marketing?", 0.9)
        ));
    }

    #[test]
    fn a_kind_of_answer_the_passage_has_none_of_is_lacking() {
        let mut a = analyzer();
        let bio = "Joe Candido has more than 28 years of experience.";
        assert_eq!(
            of("What year did he start?", bio, &["start"], &mut a),
            Some(Lack::Expected(Expected::Year))
        );
        assert_eq!(of("How many years of experience?", bio, &[], &mut a), None);
        assert!(
            Lack::Expected(Expected::Money)
                .explain()
                .starts_with("The question asks for an amount of money")
        );
        assert_eq!(
            Lack::Expected(Expected::Money).in_short(),
            "the text gives no amount of money"
        );
    }
}
