//! The dialogue's rules with a canned library: what was searched, and what kind of
//! reply each message got.

use std::sync::Mutex;

use super::*;
use crate::engine::index::Changes;
use crate::engine::search::{Answer, test_hit};
use crate::engine::summary::{Line, Role};

/// Answers every question confidently with one passage saying what was asked, or two
/// that tie when the question mentions "tie"; remembers what was searched.
struct Canned {
    searched: Mutex<Vec<String>>,
    documents: Vec<DocSummary>,
}

fn doc(source: &str, title: &str) -> DocSummary {
    DocSummary {
        title: title.into(),
        source: source.into(),
        author: Some("Joe Candido".into()),
        passages: 10,
        summary: vec![
            Line {
                paragraph: 2,
                text: format!("{title} opens here."),
                role: Role::Opening,
                order: 0,
                rank: 1,
            },
            Line {
                paragraph: 5,
                text: format!("{title} is about this."),
                role: Role::Central,
                order: 7,
                rank: 0,
            },
            Line {
                paragraph: 9,
                text: format!("{title} ends here."),
                role: Role::Conclusion,
                order: 12,
                rank: 2,
            },
        ],
    }
}

fn canned(documents: Vec<DocSummary>) -> Canned {
    Canned {
        searched: Mutex::new(Vec::new()),
        documents,
    }
}

impl Canned {
    fn searched(&self) -> Vec<String> {
        self.searched.lock().expect("lock").clone()
    }
}

impl Library for Canned {
    fn search(&self, question: &str, skip: usize, _top: usize) -> crate::Result<Answer> {
        self.searched
            .lock()
            .expect("lock")
            .push(question.to_owned());
        if question.contains("capital") {
            return Ok(Answer::empty(question));
        }
        let mut passages = vec![test_hit(&format!("About: {question}"), 3, 2.0, Some(0.6))];
        if question.contains("tie") {
            passages.push(test_hit(
                "Something else entirely about data.",
                9,
                1.95,
                Some(0.6),
            ));
        }
        let mut answer =
            crate::engine::search::test_answer(true, passages.split_off(skip.min(passages.len())));
        answer.question = question.to_owned();
        if question.to_lowercase().contains("who wrote") {
            answer.author = Some("Joe Candido".into());
        }
        Ok(answer)
    }
    fn summary(&self) -> IndexSummary {
        IndexSummary {
            documents: self.documents.clone(),
            passages: 10,
            built_at: "today".into(),
            version: "test".into(),
            examples: Vec::new(),
        }
    }
    fn rebuild(&self) -> Option<crate::Result<Changes>> {
        None
    }
}

fn one_doc() -> Canned {
    canned(vec![doc("corpus/a.md", "Sales and Marketing")])
}

fn say(d: &mut Dialogue, lib: &Canned, text: &str, now: i64) -> Turn {
    d.turn(lib, text, 3, None, now).expect("turn")
}

#[test]
fn small_talk_is_answered_without_a_search_or_a_hand_over() {
    let lib = one_doc();
    let mut d = Dialogue::new();
    for text in [
        "hi!",
        "thanks",
        "who are you?",
        "what can I ask you?",
        "ok, bye",
    ] {
        let turn = say(&mut d, &lib, text, 0);
        assert_eq!(turn.kind, ReplyKind::SmallTalk, "{text}");
        assert!(!turn.asked.decision.hand_over(), "{text}");
        let reply = turn.reply.expect("a reply");
        assert!(reply.contains("“Sales and Marketing”"), "{reply}");
    }
    assert!(lib.searched().is_empty());
}

#[test]
fn a_greeting_in_front_of_a_question_does_not_swallow_it() {
    let lib = one_doc();
    let mut d = Dialogue::new();
    let turn = say(&mut d, &lib, "hi, what is sales?", 0);
    assert_eq!(turn.kind, ReplyKind::Answer);
    assert_eq!(turn.read_as.as_deref(), Some("what is sales?"));
    assert_eq!(lib.searched(), vec!["what is sales?"]);
}

#[test]
fn a_whole_document_question_gets_its_summary_in_document_order_and_the_conclusion_leads_its_own() {
    let lib = one_doc();
    let mut d = Dialogue::new();
    let turn = say(&mut d, &lib, "What is the article about?", 0);
    assert_eq!(turn.kind, ReplyKind::Summary);
    assert!(turn.asked.answer.confident);
    let paragraphs: Vec<u32> = turn
        .asked
        .answer
        .passages
        .iter()
        .map(|h| h.paragraph)
        .collect();
    assert_eq!(paragraphs, vec![2, 5, 9]);
    let conclusion = say(&mut d, &lib, "what's the conclusion?", 1);
    assert_eq!(conclusion.kind, ReplyKind::Summary);
    let paragraphs: Vec<u32> = conclusion
        .asked
        .answer
        .passages
        .iter()
        .map(|h| h.paragraph)
        .collect();
    assert_eq!(
        paragraphs,
        vec![9, 5],
        "the conclusion first, then the rest of the second half"
    );
    assert!(lib.searched().is_empty());
}

#[test]
fn with_several_documents_a_summary_asks_which_and_a_number_picks_it() {
    let lib = canned(vec![
        doc("corpus/a.md", "Sales and Marketing"),
        doc("corpus/b.md", "Pricing Guide"),
    ]);
    let mut d = Dialogue::new();
    let asked = say(&mut d, &lib, "Summarize it", 0);
    assert_eq!(asked.options, vec!["Sales and Marketing", "Pricing Guide"]);
    assert!(asked.reply.expect("asks").contains("[2] Pricing Guide"));
    let turn = say(&mut d, &lib, "2", 1);
    assert_eq!(turn.kind, ReplyKind::Summary);
    assert_eq!(
        turn.asked.answer.passages[0].text,
        "Pricing Guide opens here."
    );
    // Naming the document answers at once.
    let named = say(
        &mut Dialogue::new(),
        &lib,
        "What is the pricing guide about?",
        0,
    );
    assert_eq!(
        named.asked.answer.passages[0].text,
        "Pricing Guide opens here."
    );
}

#[test]
fn a_follow_up_is_read_against_the_last_question_and_shown() {
    let lib = one_doc();
    let mut d = Dialogue::new();
    say(&mut d, &lib, "What kind of approach does sales use?", 0);
    let turn = say(&mut d, &lib, "and marketing?", 5);
    assert_eq!(turn.kind, ReplyKind::Answer);
    assert_eq!(
        turn.read_as.as_deref(),
        Some("What kind of approach does marketing use?")
    );
    let why = say(&mut d, &lib, "why?", 6);
    assert_eq!(
        why.read_as.as_deref(),
        Some("Why — What kind of approach does marketing use?")
    );
}

#[test]
fn he_after_who_wrote_it_is_the_author() {
    let lib = one_doc();
    let mut d = Dialogue::new();
    say(&mut d, &lib, "Who wrote this?", 0);
    let turn = say(&mut d, &lib, "what does he do?", 1);
    assert_eq!(turn.read_as.as_deref(), Some("What does Joe Candido do?"));
}

#[test]
fn the_context_is_forgotten_after_silence_and_after_a_hand_over() {
    let lib = one_doc();
    let mut d = Dialogue::new();
    say(&mut d, &lib, "What is sales?", 0);
    let late = say(&mut d, &lib, "and marketing?", CONTEXT_SECONDS + 1);
    assert_eq!(late.kind, ReplyKind::NotCovered);
    assert!(late.reply.expect("asked back").contains("marketing"));
    // A question the documents do not cover is still what a follow-up leans on.
    say(&mut d, &lib, "what is the capital of France?", 2001);
    let after = say(&mut d, &lib, "and Germany?", 2002);
    assert_eq!(
        after.read_as.as_deref(),
        Some("What is the capital of Germany?")
    );
    // A hand-over ends the context.
    say(&mut d, &lib, "Can I speak to a human please?", 2003);
    let gone = say(&mut d, &lib, "and marketing?", 2004);
    assert!(gone.reply.is_some(), "asked back: {gone:?}");
}

#[test]
fn small_talk_keeps_the_context() {
    let lib = one_doc();
    let mut d = Dialogue::new();
    say(&mut d, &lib, "What is sales?", 0);
    say(&mut d, &lib, "thanks!", 1);
    let turn = say(&mut d, &lib, "what about marketing?", 2);
    assert_eq!(turn.read_as.as_deref(), Some("What is marketing?"));
}

#[test]
fn a_reply_to_did_you_mean_picks_that_passage() {
    let lib = one_doc();
    let mut d = Dialogue::new();
    let tie = say(&mut d, &lib, "a tie question", 0);
    assert_eq!(tie.asked.answer.passages.len(), 2);
    let turn = say(&mut d, &lib, "the second", 1);
    assert_eq!(turn.kind, ReplyKind::Answer);
    assert_eq!(turn.asked.answer.passages.len(), 1);
    assert_eq!(turn.asked.answer.passages[0].paragraph, 9);
    assert_eq!(lib.searched(), vec!["a tie question"]);
    // Only the next message can pick: later, "1" is a message of its own.
    say(&mut d, &lib, "1", 2);
    assert_eq!(lib.searched(), vec!["a tie question", "1"]);
}

#[test]
fn tell_me_more_shows_the_next_passages_of_the_last_question() {
    let lib = one_doc();
    let mut d = Dialogue::new();
    say(&mut d, &lib, "a tie question", 0);
    say(&mut d, &lib, "What is sales?", 1);
    let more = say(&mut d, &lib, "tell me more", 2);
    assert_eq!(more.read_as.as_deref(), Some("What is sales?"));
    assert_eq!(more.first, 2);
    assert_eq!(
        more.kind,
        ReplyKind::NotCovered,
        "the canned library has one passage"
    );
    assert_eq!(
        more.reply.as_deref(),
        Some("That's all I have on this question.")
    );
}

#[test]
fn asking_for_a_person_is_still_handed_over() {
    let lib = one_doc();
    let mut d = Dialogue::new();
    let turn = say(&mut d, &lib, "Can I speak to a human please?", 0);
    assert_eq!(turn.kind, ReplyKind::Person);
    assert!(turn.asked.decision.requested());
}
