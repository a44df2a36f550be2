//! The hand-over rule: when a question is better served by a person than by passages.
//!
//! The article the bot ships with argues that complex matters are best served by a
//! direct person-to-person approach. The rule is deliberately small, so a class can read
//! it and predict what it does. A question goes to a person when **any** of these holds:
//!
//! 1. **Not covered** — the engine is not confident (see [`crate::engine::confidence`]): the best
//!    passage covers less than the threshold share of the question's weight. Not when
//!    the best two passages tie and are both close in meaning: then the reader is
//!    asked which one they mean ([`crate::engine::ambiguity`]).
//! 2. **Asked for a person** — the text asks for a human: `/human`, the "Ask a person"
//!    button, or phrases such as "talk to a person", "speak to someone", "real person",
//!    "human agent" ([`PERSON_PHRASES`]).
//! 3. **Several questions at once** — two or more question sentences (each ending in
//!    "?" and at least two words long).
//! 4. **Your own situation** — "my company", "our team", "should I", "in my case" …
//!    ([`OWN_SITUATION`]): advice that depends on facts the text cannot know.
//! 5. **Negotiation**, 6. **Pricing**, 7. **Complaint** — a topic word ([`NEGOTIATION`],
//!    [`PRICING`], [`COMPLAINT`]) *together with* a personal word (I, me, my, we, us, our,
//!    you, your). "Is negotiation part of sales?" asks about the topic and stays with the
//!    bot; "Can you give me a discount?" is someone's own deal and goes to a person.
//!
//! Words are matched whole and case-insensitively, after straightening curly
//! apostrophes. Every reason that fires is kept, with the words that made it fire, so
//! `/why` and `:why` can show which part of the rule decided.

use std::fmt;

use crate::engine::ambiguity;
use crate::engine::lacks::Lack;
use crate::engine::search::Answer;

/// Phrases that ask for a human.
pub const PERSON_PHRASES: &[&str] = &[
    "talk to a person",
    "talk to a human",
    "talk to someone",
    "talk to somebody",
    "talk to a real",
    "speak to a person",
    "speak to a human",
    "speak to someone",
    "speak with a person",
    "speak with someone",
    "speak with a human",
    "talk with a person",
    "talk with someone",
    "real person",
    "real human",
    "human being",
    "human agent",
    "live agent",
    "a human please",
    "ask a person",
    "ask a human",
    "connect me",
    "an operator",
];

/// Phrases about the asker's own situation.
pub const OWN_SITUATION: &[&str] = &[
    "should i",
    "should we",
    "shall i",
    "shall we",
    "do i need",
    "do we need",
    "what do i do",
    "what should i",
    "what should we",
    "in my case",
    "in our case",
    "my situation",
    "our situation",
    "my company",
    "our company",
    "my business",
    "our business",
    "my team",
    "our team",
    "my startup",
    "our startup",
    "my firm",
    "our firm",
    "my boss",
    "my manager",
    "my job",
    "my career",
    "my client",
    "my clients",
    "our client",
    "our clients",
    "my customer",
    "my customers",
    "our customers",
    "my product",
    "our product",
    "my shop",
    "my store",
    "my department",
    "our department",
];

/// Negotiation words (whole words or word starts ending in `*`).
pub const NEGOTIATION: &[&str] = &[
    "negotiat*",
    "haggl*",
    "bargain*",
    "counteroffer",
    "counter-offer",
    "better deal",
    "contract",
    "salary",
    "pay rise",
    "pay raise",
];

/// Pricing words.
pub const PRICING: &[&str] = &[
    "price*",
    "pricing",
    "cost",
    "costs",
    "fee",
    "fees",
    "a quote",
    "discount*",
    "cheaper",
    "expensive",
    "invoice*",
    "subscription*",
    "how much",
];

/// Complaint words.
pub const COMPLAINT: &[&str] = &[
    "complain*",
    "complaint*",
    "refund*",
    "unacceptable",
    "disappointed",
    "angry",
    "furious",
    "scam",
    "broken",
    "terrible",
    "awful",
    "worst",
    "never arrived",
];

/// Words that make a topic word about the asker's own matter.
const PERSONAL: &[&str] = &[
    "i", "i'm", "i've", "i'd", "me", "my", "mine", "we", "we're", "us", "our", "you", "your",
];

/// One part of the rule that fired.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// The engine's confidence was under the threshold.
    NotCovered {
        coverage: f32,
        threshold: f32,
        /// The best passage's meaning similarity and the level that would
        /// have made it an answer, when the question was compared by meaning.
        similarity: Option<(f32, f32)>,
        /// The calibrated chance that the best passage answers the question,
        /// and the level it is answered from, when meaning was compared.
        probability: Option<(f32, f32)>,
        /// What the best passage lacks that the question plainly asks for,
        /// when that decided it (a price the text never gives).
        lacks: Option<Lack>,
    },
    /// The person asked for a human (phrase, or `None` for `/human` and the button).
    AskedForPerson(Option<String>),
    /// Several questions in one message.
    SeveralQuestions(usize),
    /// About the asker's own situation.
    OwnSituation(String),
    Negotiation(String),
    Pricing(String),
    Complaint(String),
}

impl Reason {
    /// A short stable name, stored in the question log.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::NotCovered { .. } => "not_covered",
            Reason::AskedForPerson(_) => "asked",
            Reason::SeveralQuestions(_) => "several_questions",
            Reason::OwnSituation(_) => "own_situation",
            Reason::Negotiation(_) => "negotiation",
            Reason::Pricing(_) => "pricing",
            Reason::Complaint(_) => "complaint",
        }
    }
}

impl Reason {
    /// The reason with the numbers behind it, for `/why` and `:why`.
    pub fn detail(&self) -> String {
        match self {
            Reason::NotCovered {
                coverage,
                threshold,
                similarity,
                probability: Some((p, from)),
                ..
            } => {
                let meaning = similarity
                    .map(|(s, _)| format!(", its meaning {:.0}% similar", percent(s)))
                    .unwrap_or_default();
                format!(
                    "{self} (the best passage covers {:.0}% of the question's words{meaning}; answers like it were right about {:.0}% of the time in testing, and I answer from {:.0}%; by words alone I would need {:.0}%)",
                    percent(*coverage),
                    percent(*p),
                    percent(*from),
                    percent(*threshold)
                )
            }
            Reason::NotCovered {
                coverage,
                threshold,
                ..
            } => format!(
                "{self} (the best passage covers {:.0}% of the question's words; I need {:.0}%)",
                percent(*coverage),
                percent(*threshold)
            ),
            other => other.to_string(),
        }
    }
}

/// A share as a whole percentage, never negative.
fn percent(share: f32) -> f32 {
    (share * 100.0).max(0.0)
}

/// The reason in words, as the end of "this one needs a person, because …".
impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The numbers are for `/why` ([`Reason::detail`]): a person
            // asking a question should not need them.
            Reason::NotCovered {
                lacks: Some(lack), ..
            } => write!(f, "{}", lack.in_short()),
            Reason::NotCovered { .. } => write!(f, "the text doesn't seem to cover it"),
            Reason::AskedForPerson(Some(p)) => write!(f, "you asked for a person (“{p}”)"),
            Reason::AskedForPerson(None) => write!(f, "you asked for a person"),
            Reason::SeveralQuestions(n) => write!(f, "it asks {n} questions at once"),
            Reason::OwnSituation(p) => {
                write!(f, "it is about your own situation (“{p}”)")
            }
            Reason::Negotiation(w) => write!(f, "it is a negotiation of your own (“{w}”)"),
            Reason::Pricing(w) => write!(f, "it is about your own prices or costs (“{w}”)"),
            Reason::Complaint(w) => write!(f, "it sounds like a complaint (“{w}”)"),
        }
    }
}

/// What the rule decided for one question.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decision {
    /// Every part of the rule that fired, in the rule's order; empty: the bot answers.
    pub reasons: Vec<Reason>,
}

impl Decision {
    /// Whether a person should take this question.
    pub fn hand_over(&self) -> bool {
        !self.reasons.is_empty()
    }

    /// Whether the person asked for a human (then the bot hands over at once).
    pub fn requested(&self) -> bool {
        self.reasons
            .iter()
            .any(|r| matches!(r, Reason::AskedForPerson(_)))
    }

    /// Whether the only reason is that the text does not cover the question.
    pub fn only_not_covered(&self) -> bool {
        !self.reasons.is_empty()
            && self
                .reasons
                .iter()
                .all(|r| matches!(r, Reason::NotCovered { .. }))
    }

    /// The reasons' codes, comma-separated (for the question log).
    pub fn codes(&self) -> String {
        self.reasons
            .iter()
            .map(Reason::code)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// "it asks 2 questions at once and it is about your own situation (“my team”)".
    pub fn because(&self) -> String {
        let parts: Vec<String> = self.reasons.iter().map(ToString::to_string).collect();
        match parts.len() {
            0 => String::new(),
            1 => parts[0].clone(),
            n => format!("{}, and {}", parts[..n - 1].join(", "), parts[n - 1]),
        }
    }

    /// The whole sentence: "This one needs a person, because …." or the opposite.
    pub fn sentence(&self) -> String {
        if self.hand_over() {
            format!("This one needs a person, because {}.", self.because())
        } else {
            "I can answer this one myself: the text covers it, and it is not a personal, multi-part, negotiating, pricing or complaint kind of question.".into()
        }
    }

    /// For `/why` and `:why`: which part of the hand-over rule fired.
    pub fn explain(&self) -> String {
        let mut out = String::from("Hand-over rule: ");
        if self.hand_over() {
            let details: Vec<String> = self.reasons.iter().map(Reason::detail).collect();
            out.push_str(&format!(
                "fired — {} ({}).",
                details.join(", and "),
                self.codes().replace(',', ", ")
            ));
        } else {
            out.push_str(
                "did not fire — the answer is confident (or asks which of two passages you mean), no person was asked for, and the question is single, general, and not about negotiation, prices or a complaint of your own.",
            );
        }
        out
    }
}

/// Applies the rule to `question` and the engine's `answer` to it.
pub fn decide(question: &str, answer: &Answer) -> Decision {
    let mut reasons = Vec::new();
    // An unsure answer whose best two passages tie, both close in meaning, asks
    // the reader which one they mean: that is a wording matter, not one for a person.
    if !answer.confident && ambiguity::of(answer).is_none() {
        reasons.push(Reason::NotCovered {
            coverage: answer.confidence.coverage,
            threshold: answer.confidence.threshold,
            similarity: answer
                .confidence
                .similarity
                .map(|s| (s, answer.confidence.similarity_threshold)),
            probability: answer
                .confidence
                .probability
                .map(|p| (p, answer.confidence.answered_from)),
            lacks: answer.confidence.lacks.clone(),
        });
    }
    reasons.extend(decide_text(question).reasons);
    Decision { reasons }
}

/// The parts of the rule that depend on the text alone (2–7).
pub fn decide_text(question: &str) -> Decision {
    let text = normalise(question);
    let words = words(&text);
    let mut reasons = Vec::new();
    if let Some(p) = find_phrase(&words, PERSON_PHRASES) {
        reasons.push(Reason::AskedForPerson(Some(p)));
    }
    let questions = count_questions(question);
    if questions >= 2 {
        reasons.push(Reason::SeveralQuestions(questions));
    }
    if let Some(p) = find_phrase(&words, OWN_SITUATION) {
        reasons.push(Reason::OwnSituation(p));
    }
    let personal = words.iter().any(|w| PERSONAL.contains(&w.as_str()));
    if personal {
        if let Some(w) = find_phrase(&words, NEGOTIATION) {
            reasons.push(Reason::Negotiation(w));
        }
        if let Some(w) = find_phrase(&words, PRICING) {
            reasons.push(Reason::Pricing(w));
        }
        if let Some(w) = find_phrase(&words, COMPLAINT) {
            reasons.push(Reason::Complaint(w));
        }
    }
    Decision { reasons }
}

/// Whether `text` asks for a person (part 2 of the rule), with the phrase.
pub fn asks_for_person(text: &str) -> Option<String> {
    find_phrase(&words(&normalise(text)), PERSON_PHRASES)
}

fn normalise(text: &str) -> String {
    text.to_lowercase().replace(['’', '‘', '`'], "'")
}

/// Lower-case words: letters, digits, apostrophes and inner hyphens.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The first pattern of `patterns` found in `words`: a phrase of whole words (or their
/// possessive, "company's"), the last of which may end in `*` (a word start). Returns
/// the words as they matched.
fn find_phrase(words: &[String], patterns: &[&str]) -> Option<String> {
    for pattern in patterns {
        let parts: Vec<&str> = pattern.split(' ').collect();
        if parts.len() > words.len() {
            continue;
        }
        for start in 0..=words.len() - parts.len() {
            let window = &words[start..start + parts.len()];
            let hit = parts
                .iter()
                .zip(window)
                .all(|(p, w)| match p.strip_suffix('*') {
                    Some(prefix) => w.starts_with(prefix),
                    // "my company's values" is about my company too.
                    None => w == p || w.strip_suffix("'s") == Some(p),
                });
            if hit {
                return Some(window.join(" "));
            }
        }
    }
    None
}

/// Sentences ending in "?" with at least two words.
fn count_questions(text: &str) -> usize {
    text.split_inclusive(['?', '？'])
        .filter(|s| s.trim_end().ends_with(['?', '？']))
        .filter(|s| {
            // Only the last sentence before the "?" counts as the question.
            let sentence = s.rsplit(['.', '!', '\n']).next().unwrap_or(s);
            words(&sentence.to_lowercase()).len() >= 2
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::confidence::Confidence;

    fn answer(confident: bool, coverage: f32) -> Answer {
        Answer {
            confident,
            confidence: Confidence {
                coverage,
                confident,
                ..Confidence::NONE
            },
            ..Answer::empty("")
        }
    }

    fn codes(q: &str) -> String {
        decide(q, &answer(true, 0.9)).codes()
    }

    #[test]
    fn a_covered_general_question_stays_with_the_bot() {
        for q in [
            "How is sales different from marketing?",
            "Is negotiation part of sales?",
            "What does pricing have to do with marketing?",
            "Is marketing data-driven?",
            "Who wrote the article?",
        ] {
            let d = decide(q, &answer(true, 0.8));
            assert!(!d.hand_over(), "{q}: {:?}", d.reasons);
            assert!(d.explain().contains("did not fire"));
        }
    }

    #[test]
    fn not_confident_hands_over_in_plain_words_and_keeps_the_numbers_for_why() {
        let d = decide("What is the capital of France?", &answer(false, 0.12));
        assert_eq!(d.codes(), "not_covered");
        assert!(d.only_not_covered());
        assert_eq!(
            d.sentence(),
            "This one needs a person, because the text doesn't seem to cover it."
        );
        assert!(
            d.explain()
                .contains("the best passage covers 12% of the question's words; I need 45%"),
            "{}",
            d.explain()
        );
        let mut compared = answer(false, 0.12);
        compared.confidence.similarity = Some(0.24);
        compared.confidence.probability = Some(0.3);
        let d = decide("Why is talking to a machine annoying?", &compared);
        assert!(!d.sentence().contains('%'), "{}", d.sentence());
        assert!(
            d.explain().contains("its meaning 24% similar; answers like it were right about 30% of the time in testing, and I answer from 45%"),
            "{}",
            d.explain()
        );
    }

    #[test]
    fn asking_for_a_person_is_recognised_in_many_words() {
        for q in [
            "Can I talk to a person?",
            "I want to speak to someone please",
            "Is there a real person there?",
            "TALK TO A HUMAN",
            "Please connect me with customer service",
        ] {
            assert!(asks_for_person(q).is_some(), "{q}");
            assert!(decide(q, &answer(true, 0.9)).requested(), "{q}");
        }
        assert_eq!(asks_for_person("Is a salesperson a person?"), None);
        assert_eq!(
            asks_for_person("Talk to a person!").as_deref(),
            Some("talk to a person")
        );
    }

    #[test]
    fn several_questions_at_once_count_only_real_question_sentences() {
        assert_eq!(
            codes("What is sales? And how is marketing different?"),
            "several_questions"
        );
        assert_eq!(
            decide_text("What is sales? Why? How does marketing fit in?").reasons,
            vec![Reason::SeveralQuestions(2)]
        );
        assert_eq!(codes("What is sales??"), "");
        assert_eq!(codes("Sales. Marketing. What is the difference?"), "");
    }

    #[test]
    fn the_askers_own_situation_hands_over_with_the_phrase() {
        assert_eq!(
            decide_text("Should I move my company from sales to marketing?").reasons,
            vec![Reason::OwnSituation("should i".into())]
        );
        assert_eq!(codes("How can our team sell more?"), "own_situation");
        assert_eq!(codes("What’s best in my case?"), "own_situation");
        assert_eq!(
            decide_text("How do I write a mission statement for my company’s values?").reasons,
            vec![Reason::OwnSituation("my company's".into())]
        );
    }

    #[test]
    fn negotiation_pricing_and_complaints_fire_only_for_the_askers_own_matter() {
        assert_eq!(codes("Is negotiation part of sales?"), "");
        assert_eq!(
            codes("How do I negotiate a better contract?"),
            "negotiation"
        );
        assert_eq!(codes("Can you give me a discount?"), "pricing");
        assert_eq!(codes("How much does your product cost?"), "pricing");
        assert_eq!(codes("I want a refund, this is unacceptable"), "complaint");
        assert_eq!(codes("How do companies handle complaints?"), "");
        assert_eq!(
            codes("Should we lower our prices? What would you charge?"),
            "several_questions,own_situation,pricing"
        );
    }

    #[test]
    fn every_reason_reads_as_the_end_of_a_sentence() {
        let d = Decision {
            reasons: vec![
                Reason::SeveralQuestions(2),
                Reason::OwnSituation("my team".into()),
                Reason::Complaint("refund".into()),
            ],
        };
        assert_eq!(
            d.sentence(),
            "This one needs a person, because it asks 2 questions at once, it is about your own situation (“my team”), and it sounds like a complaint (“refund”)."
        );
        assert!(d.explain().starts_with("Hand-over rule: fired — "));
        assert!(
            d.explain()
                .ends_with("(several_questions, own_situation, complaint).")
        );
    }
}
