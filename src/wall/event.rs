//! One question as the wall shows it ([`WallEvent`]): plain data, no Telegram types,
//! made from the ask step's [`Asked`] by whichever surface asked.

use serde::Serialize;

use crate::conversation::ask::Asked;
use crate::conversation::dialogue::{ReplyKind, Turn};
use crate::conversation::handoff::{Decision, Reason};
use crate::engine::corpus::sentence;
use crate::render::telegram;

/// A question longer than this is cut on the wall (the log keeps it whole).
const QUESTION_CHARS: usize = 300;

/// What happened to a question, in the three piles the tally counts. The same
/// split as `passagebot report`: any hand-over reason other than "not covered"
/// makes it a person's; else an answer the engine is not confident of is not covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Answered by the machine.
    Answered,
    /// This needs a person (personal, several questions, negotiation, …).
    Person,
    /// The text does not cover it.
    NotCovered,
}

impl Outcome {
    pub fn of(decision: &Decision, covered: bool) -> Outcome {
        let personal = decision
            .reasons
            .iter()
            .any(|r| !matches!(r, Reason::NotCovered { .. }));
        if personal {
            Outcome::Person
        } else if !covered || decision.hand_over() {
            Outcome::NotCovered
        } else {
            Outcome::Answered
        }
    }

    /// The decision as the wall's headline says it.
    pub fn headline(self) -> &'static str {
        match self {
            Outcome::Answered => "Answered by the machine",
            Outcome::Person => "This needs a person",
            Outcome::NotCovered => "Not in the text: this needs a person",
        }
    }
}

/// The passage the asker was shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Passage {
    /// The passage's text in sentences, each HTML-escaped with the words that matched
    /// in `<b>`: safe to insert as HTML (the page inserts nothing else as HTML).
    /// Joined, they are the whole passage (each keeps the white space after it). The
    /// page shows as many whole sentences as fit the projector's screen, then "…",
    /// rather than cutting a long passage mid-sentence.
    pub sentences: Vec<String>,
    pub title: String,
    pub paragraph: u32,
}

impl Passage {
    /// `text` with the byte ranges `highlights` (the words that matched) in bold.
    pub fn new(text: &str, highlights: &[(usize, usize)], title: &str, paragraph: u32) -> Passage {
        // Each sentence runs from its start to the next one's, so none of the text
        // between them is lost; a highlight across a boundary is split in two.
        // Ranges outside the text are dropped before they are split, not clipped.
        let mut highlights: Vec<(usize, usize)> = highlights
            .iter()
            .copied()
            .filter(|&(s, e)| s < e && e <= text.len())
            .collect();
        highlights.sort_unstable();
        let mut cuts: Vec<usize> = sentence::sentences(text)
            .into_iter()
            .map(|r| r.start)
            .skip(1)
            .collect();
        cuts.push(text.len());
        let mut start = 0;
        let sentences = cuts
            .into_iter()
            .map(|end| {
                let shifted: Vec<(usize, usize)> = highlights
                    .iter()
                    .filter(|&&(s, e)| s < end && e > start)
                    .map(|&(s, e)| (s.max(start) - start, e.min(end) - start))
                    .collect();
                let html = telegram::highlighted(&text[start..end], &shifted);
                start = end;
                html
            })
            .collect();
        Passage {
            sentences,
            title: title.to_owned(),
            paragraph,
        }
    }
}

/// One question on the wall.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WallEvent {
    /// Its number in the session, from 1 (given by the [`super::Wall`]).
    pub seq: u64,
    /// When it was published, Unix seconds (given by the [`super::Wall`]).
    pub at: i64,
    pub question: String,
    /// The asker's name; the [`super::Wall`] drops it unless names are shown.
    pub asker: Option<String>,
    /// Who asked (the person's id), so `/forget` can take it off the wall; never
    /// sent to a page.
    #[serde(skip)]
    pub person: Option<u64>,
    pub outcome: Outcome,
    pub headline: &'static str,
    /// Why, in plain words ("it is about the asker's own situation (“my team”)");
    /// empty when the machine answered.
    pub because: String,
    /// How sure the engine is, 0..=1: the calibrated probability that the passage
    /// answers the question, or the share of its words covered when the words alone
    /// decided.
    pub confidence: f32,
    /// Whether `confidence` is the calibrated probability (else word coverage).
    pub calibrated: bool,
    /// The level of `confidence` from which the engine answers.
    pub answers_from: f32,
    /// The passage shown as the answer; none when the text does not cover it.
    pub passage: Option<Passage>,
    /// How the conversation read the question in context (a follow-up), if it did.
    pub read_as: Option<String>,
    /// The reply in words (small talk), shown instead of a passage.
    pub reply: Option<String>,
    /// What kind of reply it got (`reply_kind` of `chat --json`).
    pub kind: ReplyKind,
    /// The question people asked before (a known phrasing) that led to the passage,
    /// when one counted: the page marks the answer "asked before".
    pub asked_before: Option<String>,
}

impl WallEvent {
    /// A question with its outcome, the reason in words (empty when answered) and
    /// the calibrated confidence; no passage, no asker.
    pub fn new(question: &str, outcome: Outcome, because: &str, confidence: f32) -> WallEvent {
        WallEvent {
            seq: 0,
            at: 0,
            question: telegram::shorten(question.trim(), QUESTION_CHARS),
            asker: None,
            person: None,
            outcome,
            headline: outcome.headline(),
            because: because.to_owned(),
            confidence: confidence.clamp(0.0, 1.0),
            calibrated: true,
            answers_from: crate::engine::confidence::ANSWERED_FROM,
            passage: None,
            read_as: None,
            reply: None,
            kind: match outcome {
                Outcome::Answered => ReplyKind::Answer,
                Outcome::Person => ReplyKind::Person,
                Outcome::NotCovered => ReplyKind::NotCovered,
            },
            asked_before: None,
        }
    }

    /// The wall's view of a conversation turn: a question as [`WallEvent::from_asked`],
    /// with its reading in context; small talk as answered by the machine, its reply
    /// in words.
    pub fn from_turn(turn: &Turn, asker: Option<&str>) -> WallEvent {
        let mut event = WallEvent::from_asked(&turn.asked, asker);
        if turn.kind == ReplyKind::SmallTalk {
            event.outcome = Outcome::Answered;
            event.headline = "Small talk: answered by the machine";
            event.because = String::new();
            event.confidence = 1.0;
        }
        event.read_as = turn
            .read_as
            .as_deref()
            .map(|r| telegram::shorten(r.trim(), QUESTION_CHARS));
        event.reply = turn.reply.clone();
        event.kind = turn.kind;
        event
    }

    /// This question as asked by `person` (the id `/forget` names).
    pub fn asked_by(self, person: u64) -> WallEvent {
        WallEvent {
            person: Some(person),
            ..self
        }
    }

    /// The wall's view of a question the ask step answered and judged.
    pub fn from_asked(asked: &Asked, asker: Option<&str>) -> WallEvent {
        let covered = asked.covered();
        let outcome = Outcome::of(&asked.decision, covered);
        let c = &asked.answer.confidence;
        let (confidence, answers_from) = match c.probability {
            Some(p) => (p, c.answered_from),
            None => (c.coverage, c.threshold),
        };
        let top = asked.answer.passages.first().filter(|_| covered);
        let passage =
            top.map(|hit| Passage::new(&hit.text, &hit.highlights, &hit.title, hit.paragraph));
        let asked_before = top
            .and_then(|hit| hit.asked_before.as_deref())
            .map(|q| telegram::shorten(q.trim(), QUESTION_CHARS));
        WallEvent {
            asker: asker.map(str::to_owned),
            calibrated: c.probability.is_some(),
            answers_from: answers_from.clamp(0.0, 1.0),
            passage,
            asked_before,
            ..WallEvent::new(
                &asked.answer.question,
                outcome,
                &because(&asked.decision),
                confidence,
            )
        }
    }
}

/// The hand-over reasons as the room reads them: about "the asker", not "you".
fn because(decision: &Decision) -> String {
    let parts: Vec<String> = decision.reasons.iter().map(reason).collect();
    match parts.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [first @ .., last] => format!("{}, and {last}", first.join(", ")),
    }
}

fn reason(r: &Reason) -> String {
    match r {
        Reason::NotCovered { .. } => "the text doesn't seem to cover it".into(),
        Reason::AskedForPerson(Some(p)) => format!("the asker wants a person (“{p}”)"),
        Reason::AskedForPerson(None) => "the asker wants a person".into(),
        Reason::SeveralQuestions(n) => format!("it asks {n} questions at once"),
        Reason::OwnSituation(p) => format!("it is about the asker's own situation (“{p}”)"),
        Reason::Negotiation(w) => format!("it is the asker's own negotiation (“{w}”)"),
        Reason::Pricing(w) => format!("it is about the asker's own prices or costs (“{w}”)"),
        Reason::Complaint(w) => format!("it sounds like a complaint (“{w}”)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::handoff;
    use crate::engine::confidence::Confidence;
    use crate::engine::search::Answer;

    /// The ask step's result for `question` with no passage (a `Hit` is the engine's
    /// to make; passages are tested through [`Passage::new`] and end to end).
    fn asked(question: &str, confident: bool) -> Asked {
        let answer = Answer {
            confident,
            confidence: Confidence {
                coverage: if confident { 0.8 } else { 0.1 },
                confident,
                ..Confidence::NONE
            },
            ..Answer::empty(question)
        };
        Asked {
            decision: handoff::decide(question, &answer),
            answer,
            log_id: None,
        }
    }

    #[test]
    fn only_a_covered_question_with_no_reason_is_answered_by_the_machine() {
        assert_eq!(Outcome::of(&Decision::default(), true), Outcome::Answered);
        assert_eq!(
            Outcome::of(&Decision::default(), false),
            Outcome::NotCovered
        );
        assert_eq!(Outcome::Answered.headline(), "Answered by the machine");
    }

    #[test]
    fn the_passage_is_escaped_with_the_matched_words_in_bold() {
        let p = Passage::new("Sales <script>alert(1)</script> & data", &[(0, 5)], "T", 3);
        assert_eq!(
            p.sentences,
            ["<b>Sales</b> &lt;script&gt;alert(1)&lt;/script&gt; &amp; data"]
        );
        let bad = Passage::new("abc", &[(2, 99), (1, 0)], "T", 3);
        assert_eq!(bad.sentences, ["abc"], "ranges out of bounds are skipped");
    }

    /// Issue 23: the page cuts a long passage after a whole sentence, so it needs them.
    #[test]
    fn the_passage_comes_in_whole_sentences_that_join_to_the_text() {
        let text = "Sales closes deals. Dr. Who markets them!\nA list item\n\nAnd “quoted.” End";
        let data = text.find("markets").expect("word");
        let across = text.find("deals").expect("word");
        let p = Passage::new(
            text,
            &[(data, data + 7), (across, across + "deals. Dr.".len())],
            "T",
            1,
        );
        assert_eq!(
            p.sentences,
            [
                "Sales closes <b>deals. </b>",
                "<b>Dr.</b> Who <b>markets</b> them!\n",
                "A list item\n\n",
                "And “quoted.” ",
                "End"
            ]
        );
        assert_eq!(
            p.sentences.concat().replace("<b>", "").replace("</b>", ""),
            text
        );
        assert_eq!(Passage::new("", &[], "T", 1).sentences, [""]);
    }

    #[test]
    fn a_personal_question_needs_a_person_and_says_why_about_the_asker() {
        let e = WallEvent::from_asked(&asked("Should I hire a marketer?", true), None);
        assert_eq!(e.outcome, Outcome::Person);
        assert_eq!(e.headline, "This needs a person");
        assert_eq!(
            e.because,
            "it is about the asker's own situation (“should i”)"
        );
        assert!(!e.calibrated);
        assert!((e.confidence - 0.8).abs() < 1e-6, "word coverage stands in");
    }

    #[test]
    fn an_uncovered_question_shows_no_passage_and_counts_as_not_covered() {
        let e = WallEvent::from_asked(&asked("What is the capital of France?", false), None);
        assert_eq!(e.outcome, Outcome::NotCovered);
        assert_eq!(e.because, "the text doesn't seem to cover it");
        assert_eq!(e.passage, None);
    }

    #[test]
    fn not_covered_and_personal_together_count_as_a_persons() {
        let e = WallEvent::from_asked(
            &asked(
                "Can you give me a discount? And a refund for my order?",
                false,
            ),
            Some("Ada"),
        );
        assert_eq!(e.outcome, Outcome::Person);
        assert!(
            e.because.starts_with("the text doesn't seem to cover it, "),
            "{}",
            e.because
        );
        assert!(e.because.contains(", and "), "{}", e.because);
        assert_eq!(e.asker.as_deref(), Some("Ada"), "the wall decides on names");
    }

    #[test]
    fn a_long_question_is_cut() {
        let long = "why ".repeat(200);
        let e = WallEvent::from_asked(&asked(&long, false), None);
        assert!(e.question.chars().count() <= QUESTION_CHARS + 1);
    }
}

#[cfg(test)]
mod asked_before {
    use super::*;
    use crate::engine::search::{test_answer, test_hit};

    fn asked(confident: bool, before: Option<&str>) -> Asked {
        let mut hit = test_hit("Marketing is data-driven.", 4, 2.0, Some(0.7));
        hit.asked_before = before.map(str::to_owned);
        let answer = test_answer(confident, vec![hit]);
        Asked {
            decision: crate::conversation::handoff::decide("q", &answer),
            answer,
            log_id: None,
        }
    }

    #[test]
    fn an_answer_found_through_a_known_phrasing_is_marked_asked_before() {
        let marked = WallEvent::from_asked(&asked(true, Some("Is marketing data driven?")), None);
        assert_eq!(
            marked.asked_before.as_deref(),
            Some("Is marketing data driven?")
        );
        let json = serde_json::to_value(&marked).expect("json");
        assert_eq!(json["asked_before"], "Is marketing data driven?");
        assert_eq!(
            WallEvent::from_asked(&asked(true, None), None).asked_before,
            None
        );
        // Not shown as the answer (not confident): nothing to mark.
        let unsure = WallEvent::from_asked(&asked(false, Some("Is marketing data driven?")), None);
        assert_eq!(unsure.asked_before, None);
    }
}
