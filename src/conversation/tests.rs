//! The conversation's rules, driven by events without Telegram or an index: a canned
//! library that never covers a question, an in-memory store, and a little adapter
//! ([`Harness::send`]) that delivers every post and relay at once.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::engine::index::Changes;
use crate::engine::search::{Answer, IndexSummary};
use crate::store::{self, Status};

const OPERATOR: i64 = -100;
const CHAT: i64 = 7;

/// Answers nothing: every question is "not covered".
struct Nothing;

impl Library for Nothing {
    fn search(&self, question: &str, _skip: usize, _top: usize) -> crate::Result<Answer> {
        Ok(Answer::empty(question))
    }
    fn summary(&self) -> IndexSummary {
        IndexSummary {
            documents: Vec::new(),
            passages: 0,
            built_at: "today".into(),
            version: "test".into(),
            examples: Vec::new(),
        }
    }
    fn rebuild(&self) -> Option<crate::Result<Changes>> {
        None
    }
}

struct Harness {
    core: Core,
    store: Arc<Store>,
    /// The next message id an operator chat gives a post.
    next_message: i64,
    /// Every effect carried out, in order (posts and relays reported back at once).
    done: Vec<Effect>,
}

fn person(id: u64) -> Person {
    Person {
        id,
        name: format!("Person {id}"),
        username: None,
    }
}

fn harness(operators: &[i64], timeout: Duration) -> Harness {
    harness_with(Arc::new(Nothing), operators, timeout)
}

fn harness_with(library: Arc<dyn Library>, operators: &[i64], timeout: Duration) -> Harness {
    let store = Arc::new(Store::in_memory(&store::Options::default()).expect("store"));
    let rules = Rules {
        passages: 2,
        operators: operators.to_vec(),
        ticket_timeout: timeout,
    };
    Harness {
        core: Core::new(library, store.clone(), rules, "help".into()),
        store,
        next_message: 1000,
        done: Vec::new(),
    }
}

impl Harness {
    /// Handles `event` the way an adapter would, delivering everything; returns the
    /// effects it led to (the reports' effects included, `Continue` resolved).
    fn send(&mut self, event: Event) -> Vec<Effect> {
        let mut out = Vec::new();
        let mut queue = std::collections::VecDeque::from(self.core.handle(event));
        while let Some(effect) = queue.pop_front() {
            let report = match &effect {
                Effect::Continue(resume) => Some(Event::Resume(resume.clone())),
                Effect::Post {
                    ticket,
                    parts,
                    purpose,
                } => {
                    let chats = self
                        .core
                        .rules
                        .operators
                        .iter()
                        .map(|&chat| PostedChat {
                            chat,
                            messages: parts
                                .iter()
                                .map(|_| {
                                    self.next_message += 1;
                                    self.next_message
                                })
                                .collect(),
                            complete: true,
                        })
                        .collect();
                    Some(Event::Posted {
                        ticket: *ticket,
                        purpose: purpose.clone(),
                        chats,
                    })
                }
                Effect::Relay { ticket, .. } => Some(Event::Relayed {
                    ticket: *ticket,
                    error: None,
                }),
                Effect::Erase { tickets, .. } => Some(Event::Erased {
                    tickets: tickets.clone(),
                }),
                _ => None,
            };
            if !matches!(effect, Effect::Continue(_)) {
                out.push(effect);
            }
            if let Some(event) = report {
                for e in self.core.handle(event).into_iter().rev() {
                    queue.push_front(e);
                }
            }
        }
        self.done.extend(out.clone());
        out
    }

    fn ask(&mut self, who: u64, text: &str) -> Vec<Effect> {
        self.send(Event::Question {
            chat: CHAT,
            person: person(who),
            text: text.into(),
        })
    }

    fn command(&mut self, chat: i64, who: u64, command: Command) -> Vec<Effect> {
        self.send(Event::Command {
            chat,
            person: person(who),
            command,
        })
    }

    /// The message id of the last post to the operator chat.
    fn last_post(&self) -> i64 {
        self.next_message
    }
}

/// `who` presses `button` under an answer in the test chat.
fn press(who: u64, button: Button) -> Event {
    Event::Pressed {
        chat: CHAT,
        person: person(who),
        button,
    }
}

/// The replies' text, parts joined.
fn replies(effects: &[Effect]) -> String {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Reply(m) => Some(m.parts.join("\n")),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n---\n")
}

fn notices(effects: &[Effect]) -> Vec<&str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify { html } => Some(html.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_question_shows_typing_then_the_honest_not_covered_reply_with_feedback_buttons() {
    let mut h = harness(&[], Duration::from_secs(3600));
    let first = h.core.handle(Event::Question {
        chat: CHAT,
        person: person(1),
        text: "What is the capital of France?".into(),
    });
    assert!(matches!(
        first.as_slice(),
        [Effect::Typing, Effect::Continue(_)]
    ));
    let effects = h.ask(1, "What is the capital of France?");
    let reply = replies(&effects);
    assert!(reply.contains("I couldn't find an answer"), "{reply}");
    let Some(Effect::Reply(message)) = effects.last() else {
        panic!("a reply: {effects:?}");
    };
    let buttons: Vec<Button> = message.buttons.iter().flatten().map(|b| b.1).collect();
    assert!(matches!(
        buttons.as_slice(),
        [
            Button::Why(_),
            Button::Feedback(_, 1),
            Button::Feedback(_, -1)
        ]
    ));
    let logged = h.store.questions(None).expect("log");
    assert_eq!(logged.len(), 1, "the question is logged");
    assert_eq!(logged[0].handover, "not_covered");
}

#[test]
fn with_an_operator_the_answer_offers_a_person() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    let effects = h.ask(1, "What is the capital of France?");
    let Some(Effect::Reply(message)) = effects.last() else {
        panic!("a reply: {effects:?}");
    };
    assert!(
        message
            .buttons
            .iter()
            .flatten()
            .any(|b| matches!(b.1, Button::Human(_)))
    );
    assert!(replies(&effects).contains("Ask a person"));
}

#[test]
fn asking_for_a_person_opens_a_ticket_relays_both_ways_and_closes() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    let effects = h.ask(1, "Can I talk to a person?");
    let post = effects.iter().find_map(|e| match e {
        Effect::Post { ticket, parts, .. } => Some((*ticket, parts.join("\n"))),
        _ => None,
    });
    let (ticket, html) = post.expect("the ticket goes to the operators");
    assert!(html.contains(&format!("Ticket #{ticket}")), "{html}");
    assert!(replies(&effects).contains("I've passed your question to a person"));
    let ticket_message = h.last_post();

    // While the ticket is open, the person's messages go to the operators.
    let effects = h.ask(1, "It is about my contract");
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Post {
            purpose: Purpose::FollowUp,
            ..
        }
    )));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Typing)));
    assert!(replies(&effects).contains("Passed on to the person"));

    // The operator's reply to the ticket message is relayed to the person's chat.
    let effects = h.send(Event::OperatorReply {
        chat: OPERATOR,
        replied_to: ticket_message,
        text: Some("Happy to help".into()),
    });
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Relay { chat: CHAT, parts, .. } if parts.join("").contains("Happy to help")
    )));
    assert!(replies(&effects).contains("Sent to the person"));
    let t = h.store.ticket(ticket).expect("db").expect("ticket");
    assert_eq!(t.status, Status::Answered);

    // The person closes; the operators hear of it; questions are answered again.
    let effects = h.command(
        CHAT,
        1,
        Command::Close {
            arg: String::new(),
            replied_to: None,
        },
    );
    assert_eq!(notices(&effects).len(), 1);
    assert!(replies(&effects).contains(&format!("Closed (ticket #{ticket})")));
    assert!(h.store.ticket(ticket).expect("db").expect("t").is_closed());
    let effects = h.ask(1, "What is the capital of France?");
    assert!(replies(&effects).contains("I couldn't find an answer"));
}

#[test]
fn when_no_operator_chat_is_reached_the_ticket_closes_and_the_person_is_told() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    let effects = h.core.handle(Event::Command {
        chat: CHAT,
        person: person(1),
        command: Command::Human("my contract".into()),
    });
    let Some(Effect::Post {
        ticket, purpose, ..
    }) = effects
        .into_iter()
        .find(|e| matches!(e, Effect::Post { .. }))
    else {
        panic!("a post");
    };
    let effects = h.send(Event::Posted {
        ticket,
        purpose,
        chats: vec![PostedChat {
            chat: OPERATOR,
            messages: Vec::new(),
            complete: false,
        }],
    });
    assert!(replies(&effects).contains("I couldn't reach a person just now"));
    let t = h.store.ticket(ticket).expect("db").expect("ticket");
    assert_eq!(t.close_reason.as_deref(), Some("operators unreachable"));
}

#[test]
fn without_operators_a_hand_over_is_recorded_and_no_person_is_promised() {
    let mut h = harness(&[], Duration::from_secs(3600));
    let effects = h.command(CHAT, 1, Command::Human(String::new()));
    assert!(replies(&effects).contains("No person is available right now"));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Post { .. })));
    let tickets = h.store.tickets(None).expect("db");
    assert_eq!(tickets.len(), 1);
    assert!(tickets[0].no_operator);
    assert_eq!(
        tickets[0].question,
        "(asked for a person before asking a question)"
    );
}

#[test]
fn an_idle_ticket_times_out_and_the_question_is_answered_again() {
    let mut h = harness(&[OPERATOR], Duration::ZERO);
    h.command(CHAT, 1, Command::Human("my contract".into()));
    // A question, not a greeting: small talk gets a reply of its own.
    let effects = h.ask(1, "What is the capital of France?");
    let reply = replies(&effects);
    assert!(reply.contains("ended after"), "{reply}");
    assert!(reply.contains("I couldn't find an answer"), "{reply}");
    let t = &h.store.tickets(None).expect("db")[0];
    assert_eq!(t.close_reason.as_deref(), Some("timeout"));
}

#[test]
fn operators_close_by_number_and_the_person_is_told_once() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    h.command(CHAT, 1, Command::Human("my contract".into()));
    let close = |n: &str| Command::Close {
        arg: n.into(),
        replied_to: None,
    };
    let effects = h.command(OPERATOR, 9, close("#1"));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Tell { chat: CHAT, .. }))
    );
    assert!(replies(&effects).contains("Ticket #1 closed."));
    let effects = h.command(OPERATOR, 9, close("1"));
    assert!(replies(&effects).contains("already closed"));
    let effects = h.command(OPERATOR, 9, close(""));
    assert!(replies(&effects).contains("Which ticket?"));
    let effects = h.command(OPERATOR, 9, close("99"));
    assert!(replies(&effects).contains("no such ticket"));
}

#[test]
fn operator_commands_are_refused_elsewhere_and_tickets_lists_the_open_ones() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    for command in [Command::Tickets, Command::Reindex] {
        let effects = h.command(CHAT, 1, command);
        assert_eq!(replies(&effects), "That command is for operators.");
    }
    assert!(replies(&h.command(OPERATOR, 9, Command::Tickets)).contains("No open tickets."));
    h.command(CHAT, 1, Command::Human("my <contract>".into()));
    let list = replies(&h.command(OPERATOR, 9, Command::Tickets));
    assert!(list.contains("<b>Open tickets</b> (1)"), "{list}");
    assert!(list.contains("my &lt;contract&gt;"), "{list}");
    assert!(list.contains(" · just now · "), "{list}");
    assert!(!list.contains("just now ago"), "{list}");
    let effects = h.command(OPERATOR, 9, Command::Reindex);
    assert!(replies(&effects).contains("reindexing is not enabled"));
}

#[test]
fn operator_replies_that_are_not_text_or_not_to_a_ticket_go_nowhere() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    let effects = h.send(Event::OperatorReply {
        chat: OPERATOR,
        replied_to: 1,
        text: Some("hello".into()),
    });
    assert!(replies(&effects).contains("isn't a ticket"));
    let effects = h.send(Event::OperatorReply {
        chat: OPERATOR,
        replied_to: 1,
        text: None,
    });
    assert!(replies(&effects).contains("only pass on text"));
}

#[test]
fn an_undeliverable_reply_is_noted_on_the_ticket() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    h.command(CHAT, 1, Command::Human("my contract".into()));
    let effects = h.core.handle(Event::Relayed {
        ticket: 1,
        error: Some("the person has blocked the bot or left".into()),
    });
    assert!(replies(&effects).contains("Could not deliver your reply to ticket #1"));
    let t = h.store.ticket(1).expect("db").expect("ticket");
    assert_eq!(
        t.delivery_error.as_deref(),
        Some("the person has blocked the bot or left")
    );
}

#[test]
fn feedback_is_stored_and_thanked_and_an_unknown_question_is_too_old() {
    let mut h = harness(&[], Duration::from_secs(3600));
    h.ask(1, "What is the capital of France?");
    let id = h.store.questions(None).expect("log")[0].id;
    let effects = h.send(press(1, Button::Feedback(id, -1)));
    assert_eq!(effects, vec![Effect::Popup("Thanks for your feedback!")]);
    assert_eq!(h.store.questions(None).expect("log")[0].feedback, Some(-1));
    let effects = h.send(press(1, Button::Feedback(id + 1, 1)));
    assert!(matches!(effects.as_slice(), [Effect::Popup(t)] if t.contains("no longer remember")));
}

#[test]
fn forget_erases_the_persons_questions_and_tickets_and_tells_the_operators() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    h.ask(1, "What is the capital of France?");
    h.command(CHAT, 1, Command::Human(String::new()));
    h.ask(2, "Someone else's question");
    let effects = h.command(CHAT, 1, Command::Forget);
    assert!(
        replies(&effects).contains("1 question and 1 ticket."),
        "{}",
        replies(&effects)
    );
    assert_eq!(notices(&effects).len(), 1, "the open ticket is announced");
    assert!(notices(&effects)[0].contains("erased"));
    let left = h.store.questions(None).expect("log");
    assert_eq!(left.len(), 1, "only the other person's question is left");
    assert!(h.store.tickets(None).expect("db").is_empty());
}

#[test]
fn the_ask_a_person_button_hands_over_the_logged_question_or_says_it_is_gone() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    h.ask(1, "What is the capital of France?");
    let id = h.store.questions(None).expect("log")[0].id;
    let effects = h.send(press(1, Button::Human(id + 5)));
    assert!(replies(&effects).contains("I no longer have that question"));
    let effects = h.send(press(1, Button::Human(id)));
    let ticket = &h.store.tickets(None).expect("db")[0];
    assert_eq!(ticket.question, "What is the capital of France?");
    assert_eq!(ticket.reasons.split(',').next(), Some("asked"));
    assert!(replies(&effects).contains("passed your question to a person"));
    let effects = h.send(press(1, Button::Human(id)));
    assert!(replies(&effects).contains("already talking with a person"));
}

#[test]
fn more_and_why_need_a_remembered_answer() {
    let mut h = harness(&[], Duration::from_secs(3600));
    assert!(replies(&h.command(CHAT, 1, Command::More)).contains("Ask me a question first."));
    assert!(replies(&h.command(CHAT, 1, Command::Why)).contains("Then /why explains"));
    h.ask(1, "What is the capital of France?");
    assert!(replies(&h.command(CHAT, 1, Command::More)).contains("no answer to continue"));
    assert!(replies(&h.command(CHAT, 1, Command::Why)).contains("Why this answer?"));
    let effects = h.send(Event::Pressed {
        chat: CHAT,
        person: person(1),
        button: Button::Why(999),
    });
    assert!(replies(&effects).contains("no longer remember"));
}

// ---- issue 14: buttons act only for the person who asked --------------------------

const GROUP: i64 = -500;

fn ask_in_group(h: &mut Harness, who: u64, text: &str) -> Vec<Effect> {
    h.send(Event::Question {
        chat: GROUP,
        person: person(who),
        text: text.into(),
    })
}

fn press_in_group(who: u64, button: Button) -> Event {
    Event::Pressed {
        chat: GROUP,
        person: person(who),
        button,
    }
}

#[test]
fn in_a_group_only_the_asker_can_rate_or_hand_over_their_question() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    ask_in_group(&mut h, 1, "What is the capital of France?");
    let id = h.store.questions(None).expect("log")[0].id;

    // Another member presses 👎 and "Ask a person": a pop-up, nothing changes.
    let effects = h.send(press_in_group(2, Button::Feedback(id, -1)));
    assert!(
        matches!(effects.as_slice(), [Effect::Popup(t)] if t.contains("Only the person who asked")),
        "{effects:?}"
    );
    let effects = h.send(press_in_group(2, Button::Human(id)));
    assert!(
        matches!(effects.as_slice(), [Effect::Popup(t)] if t.contains("Only the person who asked")),
        "{effects:?}"
    );
    let logged = &h.store.questions(None).expect("log")[0];
    assert_eq!(logged.feedback, None, "no vote stored");
    assert_eq!(logged.ticket, None, "no ticket set on the asker's row");
    assert!(
        h.store.tickets(None).expect("db").is_empty(),
        "no ticket opened"
    );

    // The asker can.
    let effects = h.send(press_in_group(1, Button::Feedback(id, 1)));
    assert_eq!(effects, vec![Effect::Popup("Thanks for your feedback!")]);
    let effects = h.send(press_in_group(1, Button::Human(id)));
    assert!(replies(&effects).contains("passed your question to a person"));
    assert_eq!(h.store.tickets(None).expect("db").len(), 1);
}

#[test]
fn human_without_a_question_in_a_group_takes_the_pressers_own_last_question() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    ask_in_group(&mut h, 1, "What is the capital of France?");
    h.send(Event::Command {
        chat: GROUP,
        person: person(2),
        command: Command::Human(String::new()),
    });
    let t = &h.store.tickets(None).expect("db")[0];
    assert_ne!(
        t.question, "What is the capital of France?",
        "not person 1's"
    );
}

#[test]
fn data_the_bot_did_not_make_gets_a_harmless_popup() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    let effects = h.send(Event::UnknownButton);
    assert!(
        matches!(effects.as_slice(), [Effect::Popup(t)] if t.contains("doesn't work any more")),
        "{effects:?}"
    );
}

// ---- issue 14: /forget leaves no traces ---------------------------------------------

#[test]
fn forget_erases_tickets_others_opened_the_why_cache_and_the_operator_messages() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    h.ask(1, "What is my secret question?");
    let q = h.store.questions(None).expect("log")[0].id;
    // A ticket someone else opened with it (possible before buttons were checked).
    let other = h.store.person_key(2);
    let t = h
        .store
        .open_ticket(&store::NewTicket {
            person: &other,
            chat_id: 2,
            question: "What is my secret question?",
            reasons: "asked",
            from: Some(q),
            no_operator: false,
            at: store::now(),
        })
        .expect("ticket");
    h.store.link_message(OPERATOR, 4242, t.id).expect("link");
    h.store.link_message(OPERATOR, 4243, t.id).expect("link");

    let effects = h.command(CHAT, 1, Command::Forget);
    let erase = effects.iter().find_map(|e| match e {
        Effect::Erase { tickets, messages } => Some((tickets.clone(), messages.clone())),
        _ => None,
    });
    assert_eq!(
        erase,
        Some((vec![t.id], vec![(OPERATOR, 4242), (OPERATOR, 4243)])),
        "the operator messages are deleted: {effects:?}"
    );
    assert!(
        replies(&effects).contains("1 question and 1 ticket"),
        "{}",
        replies(&effects)
    );
    assert!(
        h.store.tickets(None).expect("db").is_empty(),
        "gone after the erase"
    );
    assert_eq!(
        h.store.ticket_for_message(OPERATOR, 4242).expect("db"),
        None
    );
    // /why no longer shows the erased question.
    let why = replies(&h.command(CHAT, 1, Command::Why));
    assert!(!why.contains("secret"), "{why}");
    assert!(why.contains("Ask me a question first"), "{why}");
}

#[test]
fn logs_show_private_chats_and_people_as_short_hashes() {
    let h = harness(&[OPERATOR], Duration::from_secs(3600));
    let shown = h.core.log_chat(123_456_789);
    assert!(!shown.contains("123456789"), "{shown}");
    assert!(shown.starts_with("p:") && shown.len() == 10, "{shown}");
    assert_eq!(shown, h.core.log_person(123_456_789), "the same person");
    assert_eq!(h.core.log_chat(-100_200), "-100200", "groups stay readable");
}

// ---- issue 14: edits do not redo side effects --------------------------------------

fn edited(event: Event) -> Event {
    Event::Edited(Box::new(event))
}

#[test]
fn an_edited_operator_reply_is_not_relayed_again_and_the_operator_is_told() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    h.command(CHAT, 1, Command::Human("my contract".into()));
    let ticket_message = h.last_post();
    let reply = |text: &str| Event::OperatorReply {
        chat: OPERATOR,
        replied_to: ticket_message,
        text: Some(text.into()),
    };
    h.send(reply("Happy to help"));
    let effects = h.send(edited(reply("Happy to help!")));
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Relay { .. })),
        "{effects:?}"
    );
    assert!(
        replies(&effects).contains("Edits aren't relayed"),
        "{effects:?}"
    );
}

#[test]
fn an_edited_human_command_does_not_open_a_second_ticket() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    let human = Event::Command {
        chat: CHAT,
        person: person(1),
        command: Command::Human("my contract".into()),
    };
    h.send(human.clone());
    h.command(
        CHAT,
        1,
        Command::Close {
            arg: String::new(),
            replied_to: None,
        },
    );
    let effects = h.send(edited(human));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Post { .. })));
    assert!(replies(&effects).contains("already handled"), "{effects:?}");
    assert_eq!(h.store.tickets(None).expect("db").len(), 1);
}

#[test]
fn an_edited_question_is_answered_again_but_not_passed_on_twice() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    let q = Event::Question {
        chat: CHAT,
        person: person(1),
        text: "What is the capital of Frnace?".into(),
    };
    let effects = h.send(edited(q));
    assert!(replies(&effects).contains("I couldn't find an answer"));
    h.command(CHAT, 1, Command::Human("my contract".into()));
    let follow_up = Event::Question {
        chat: CHAT,
        person: person(1),
        text: "more detail".into(),
    };
    let effects = h.send(edited(follow_up));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Post { .. })));
    assert!(replies(&effects).contains("Edits aren't passed on"));
}

// ---- issue 14: group tickets warn that the reply is public -------------------------

#[test]
fn a_ticket_from_a_group_warns_the_operator_that_the_reply_is_public() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    let effects = h.send(Event::Command {
        chat: GROUP,
        person: person(1),
        command: Command::Human("my contract".into()),
    });
    let post = effects.iter().find_map(|e| match e {
        Effect::Post { parts, .. } => Some(parts.join("\n")),
        _ => None,
    });
    let post = post.expect("a ticket post");
    assert!(post.contains("came from a group"), "{post}");
    assert!(post.contains("all its members can read it"), "{post}");
    let effects = h.command(CHAT, 3, Command::Human("my contract".into()));
    let private = effects.iter().find_map(|e| match e {
        Effect::Post { parts, .. } => Some(parts.join("\n")),
        _ => None,
    });
    assert!(!private.expect("a post").contains("came from a group"));
}

#[test]
fn ticket_messages_a_restart_interrupted_are_erased_at_the_next_start() {
    let mut h = harness(&[OPERATOR], Duration::from_secs(3600));
    h.command(CHAT, 1, Command::Human("my contract".into()));
    let posted = h.last_post();
    // The store erased, then the bot stopped before the messages went.
    h.store.forget(1).expect("forget");
    let effects = h.core.handle(Event::Started);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Erase { tickets, messages }] if tickets == &[1] && messages == &[(OPERATOR, posted)]
        ),
        "{effects:?}"
    );
    h.send(Event::Started);
    assert!(h.store.tickets(None).expect("db").is_empty());
    assert!(
        h.core.handle(Event::Started).is_empty(),
        "nothing left to do"
    );
}

/// Answers every question with two passages that tie ("Did you mean … or …?").
struct Tie;

impl Library for Tie {
    fn search(&self, question: &str, skip: usize, _top: usize) -> crate::Result<Answer> {
        use crate::engine::search::test_hit;
        let mut answer = Answer::empty(question);
        answer.confident = true;
        answer.passages = vec![
            test_hit(
                "Marketing relies on research and analytics.",
                5,
                2.0,
                Some(0.6),
            ),
            test_hit("Sales relies on the personal touch.", 11, 1.96, Some(0.55)),
        ]
        .into_iter()
        .skip(skip)
        .collect();
        Ok(answer)
    }
    fn summary(&self) -> IndexSummary {
        Nothing.summary()
    }
    fn rebuild(&self) -> Option<crate::Result<Changes>> {
        None
    }
}

#[test]
fn a_tie_asks_which_passage_and_each_choice_shows_that_passage_in_full() {
    let mut h = harness_with(Arc::new(Tie), &[], Duration::from_secs(3600));
    let effects = h.ask(1, "Does it rely on analytics?");
    let reply = replies(&effects);
    assert!(reply.contains("Did you mean:"), "{reply}");
    assert!(
        reply.contains("<b>1.</b> <blockquote>Marketing relies")
            && reply.contains("<b>2.</b> <blockquote>Sales relies"),
        "{reply}"
    );
    let Some(Effect::Reply(message)) = effects.last() else {
        panic!("a reply: {effects:?}");
    };
    let first_row: Vec<&(String, Button)> = message.buttons[0].iter().collect();
    let [(one, Button::Choice(id, 1)), (two, Button::Choice(id2, 2))] = first_row.as_slice() else {
        panic!("two choices first: {:?}", message.buttons);
    };
    assert_eq!(id, id2);
    assert!(
        one.starts_with("1. Marketing") && two.starts_with("2. Sales"),
        "{one} / {two}"
    );
    // Anyone in the chat may open a choice; it is that passage, as the answer.
    let second = replies(&h.send(press(2, Button::Choice(*id, 2))));
    assert!(
        second.contains("Sales relies on the personal touch."),
        "{second}"
    );
    assert!(!second.contains("Marketing relies"), "{second}");
    assert!(!second.contains("Did you mean"), "{second}");
    let first = replies(&h.send(press(1, Button::Choice(*id, 1))));
    assert!(first.contains("Marketing relies"), "{first}");
    // A choice that does not exist, or under an answer long gone, is refused kindly.
    let gone = replies(&h.send(press(1, Button::Choice(*id, 3))));
    assert!(gone.contains("no longer remember"), "{gone}");
    let gone = replies(&h.send(press(1, Button::Choice(id + 1000, 1))));
    assert!(gone.contains("no longer remember"), "{gone}");
}

// ---------------------------------------------------------------------------------------
// Suggestions from use, approved by a person.

/// Answers "capital" questions with nothing, "unsure" ones with one passage it is not
/// sure of, and everything else confidently with that passage; its corpus (when
/// given) holds the passage, so an accepted suggestion can be written.
struct Scripted {
    corpus: Option<std::path::PathBuf>,
}

const PASSAGE: &str = "Marketing relies on research and analytics.";

impl Library for Scripted {
    fn search(&self, question: &str, skip: usize, _top: usize) -> crate::Result<Answer> {
        let mut answer = Answer::empty(question);
        if question.contains("capital") || skip > 0 {
            return Ok(answer);
        }
        answer.confident = !question.contains("unsure");
        answer.passages = vec![crate::engine::search::test_hit(PASSAGE, 5, 2.0, Some(0.6))];
        Ok(answer)
    }
    fn summary(&self) -> IndexSummary {
        Nothing.summary()
    }
    fn rebuild(&self) -> Option<crate::Result<Changes>> {
        None
    }
    fn corpus(&self) -> Option<std::path::PathBuf> {
        self.corpus.clone()
    }
}

/// A corpus folder named "corpus" holding [`PASSAGE`] in `article.md`, as the
/// canned hits name it.
fn corpus_folder() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("corpus");
    std::fs::write(
        corpus.join("article.md"),
        format!("# The Article\n\nSales relies on the personal touch.\n\n{PASSAGE}\n"),
    )
    .expect("write");
    (dir, corpus)
}

fn scripted(corpus: Option<std::path::PathBuf>) -> Harness {
    harness_with(
        Arc::new(Scripted { corpus }),
        &[OPERATOR],
        Duration::from_secs(3600),
    )
}

/// Every button of the effects' replies.
fn all_buttons(effects: &[Effect]) -> Vec<Button> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Reply(m) => Some(m.buttons.iter().flatten().map(|b| b.1)),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The log id the 👍 / 👎 buttons of a reply carry.
fn logged(effects: &[Effect]) -> i64 {
    all_buttons(effects)
        .into_iter()
        .find_map(|b| match b {
            Button::Feedback(log, _) => Some(log),
            _ => None,
        })
        .unwrap_or_else(|| panic!("feedback buttons: {effects:?}"))
}

fn in_operator_chat(button: Button) -> Event {
    Event::Pressed {
        chat: OPERATOR,
        person: person(99),
        button,
    }
}

fn pending(h: &Harness) -> Vec<(crate::store::SuggestionKind, String)> {
    h.store
        .pending_suggestions()
        .expect("db")
        .into_iter()
        .map(|s| (s.kind, s.question))
        .collect()
}

#[test]
fn the_operator_taps_the_passage_that_answered_and_accepting_it_writes_the_learned_line() {
    use crate::store::SuggestionKind;
    let (_dir, corpus) = corpus_folder();
    let mut h = scripted(Some(corpus.clone()));
    h.command(CHAT, 1, Command::Human("Why is it unsure?".into()));
    let ticket_message = h.last_post();
    let effects = h.send(Event::OperatorReply {
        chat: OPERATOR,
        replied_to: ticket_message,
        text: Some("Because of the data".into()),
    });
    assert!(replies(&effects).contains("Did one of my passages answer"));
    let [Button::Answered(ticket, 1)] = all_buttons(&effects)[..] else {
        panic!("one passage to tap: {effects:?}");
    };
    // Only operators may tap it; a second reply does not offer it again.
    let refused = h.send(press(1, Button::Answered(ticket, 1)));
    assert!(matches!(refused[..], [Effect::Popup(OPERATORS_ONLY)]));
    let again = h.send(Event::OperatorReply {
        chat: OPERATOR,
        replied_to: ticket_message,
        text: Some("And more".into()),
    });
    assert!(all_buttons(&again).is_empty(), "{again:?}");

    let noted = replies(&h.send(in_operator_chat(Button::Answered(ticket, 1))));
    assert!(noted.contains("Suggestion #1"), "{noted}");
    assert_eq!(
        pending(&h),
        vec![(SuggestionKind::Operator, "Why is it unsure?".to_owned())]
    );
    let file = corpus.join(crate::conversation::learned::FILE_NAME);
    assert!(!file.exists(), "nothing is learned before it is accepted");

    // /suggestions: operators only, each with ✅ / ❌.
    let refused = replies(&h.command(CHAT, 1, Command::Suggestions));
    assert!(refused.contains("for operators"), "{refused}");
    let listed = h.command(OPERATOR, 99, Command::Suggestions);
    assert!(replies(&listed).contains("Why is it unsure?"));
    assert_eq!(
        all_buttons(&listed),
        vec![Button::Accept(1), Button::Reject(1)]
    );
    let accepted = replies(&h.send(in_operator_chat(Button::Accept(1))));
    assert!(accepted.contains("Suggestion #1 accepted"), "{accepted}");
    assert_eq!(
        std::fs::read_to_string(&file).expect("written"),
        format!("{{\"q\":\"Why is it unsure?\",\"answer\":\"{PASSAGE}\"}}\n")
    );
    assert!(pending(&h).is_empty());
    let twice = replies(&h.send(in_operator_chat(Button::Accept(1))));
    assert!(twice.contains("already accepted"), "{twice}");
    let unknown = replies(&h.send(in_operator_chat(Button::Reject(7))));
    assert!(unknown.contains("no suggestion #7"), "{unknown}");
}

#[test]
fn a_readers_thumbs_up_on_an_unsure_answer_is_only_a_suggestion() {
    let (_dir, corpus) = corpus_folder();
    let mut h = scripted(Some(corpus.clone()));
    let log = logged(&h.ask(1, "Is it unsure about analytics?"));
    // Someone else's 👍 is refused; the asker's is a suggestion, nothing more.
    h.send(press(2, Button::Feedback(log, 1)));
    assert!(pending(&h).is_empty());
    h.send(press(1, Button::Feedback(log, 1)));
    assert_eq!(
        pending(&h),
        vec![(
            crate::store::SuggestionKind::Thumbs,
            "Is it unsure about analytics?".to_owned()
        )]
    );
    assert!(
        !corpus
            .join(crate::conversation::learned::FILE_NAME)
            .exists()
    );
    // A 👍 on a confident answer suggests nothing: the search found it already.
    let log = logged(&h.ask(1, "What does marketing rely on?"));
    h.send(press(1, Button::Feedback(log, 1)));
    assert_eq!(pending(&h).len(), 1);
    // Rejected, it is gone from the list.
    let rejected = replies(&h.send(in_operator_chat(Button::Reject(1))));
    assert!(rejected.contains("rejected"), "{rejected}");
    assert!(pending(&h).is_empty());
}

#[test]
fn a_question_rephrased_soon_after_it_was_not_covered_suggests_the_first_wording() {
    let mut h = scripted(None);
    h.ask(1, "Which capital does marketing keep?");
    h.ask(2, "What does marketing rely on?"); // another person: not a rephrasing
    assert!(pending(&h).is_empty());
    h.ask(1, "What does marketing rely on?");
    assert_eq!(
        pending(&h),
        vec![(
            crate::store::SuggestionKind::Rephrased,
            "Which capital does marketing keep?".to_owned()
        )]
    );
    // Without a corpus folder, accepting says where it can be done instead.
    let fixed = replies(&h.send(in_operator_chat(Button::Accept(1))));
    assert!(fixed.contains("passagebot learn accept 1"), "{fixed}");
    // /forget takes the person's pending suggestions with it.
    let forgot = replies(&h.command(CHAT, 1, Command::Forget));
    assert!(
        forgot.contains("and 1 suggestion waiting for approval"),
        "{forgot}"
    );
    assert!(pending(&h).is_empty());
}

#[test]
fn a_readers_own_pick_after_did_you_mean_is_suggested_by_button_or_in_words() {
    let mut h = harness_with(Arc::new(Tie), &[], Duration::from_secs(3600));
    let effects = h.ask(1, "Does it rely on analytics?");
    let Some(&Button::Choice(id, _)) = all_buttons(&effects)
        .iter()
        .find(|b| matches!(b, Button::Choice(..)))
    else {
        panic!("choices: {effects:?}");
    };
    h.send(press(2, Button::Choice(id, 2))); // not the asker: shown, not suggested
    assert!(pending(&h).is_empty());
    h.send(press(1, Button::Choice(id, 2)));
    let suggested = h.store.pending_suggestions().expect("db");
    assert_eq!(suggested.len(), 1);
    assert_eq!(suggested[0].kind, crate::store::SuggestionKind::Choice);
    assert_eq!(
        suggested[0].passage.text,
        "Sales relies on the personal touch."
    );
    // Typed: "the first" after another tie.
    h.ask(3, "Is it about research?");
    let reply = replies(&h.ask(3, "the first"));
    assert!(reply.contains("Marketing relies"), "{reply}");
    let suggested = h.store.pending_suggestions().expect("db");
    assert_eq!(suggested.len(), 2, "{suggested:?}");
    assert_eq!(suggested[1].question, "Is it about research?");
    assert_eq!(
        suggested[1].passage.text,
        "Marketing relies on research and analytics."
    );
}
