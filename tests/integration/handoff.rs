//! Handing questions to a person, end to end: the real bot against the fake Bot API
//! server (`crate::support::fake_telegram`), with an operator chat. No test touches the
//! internet, and none asserts on timing.

use std::time::Duration;

use crate::support::fake_telegram::{self as tg, FakeTelegram, Recorded};
use crate::support::harness::{
    RunningBot, article_engine, assert_html_ok, button, labels, message_id, settings, with_data,
};
use clap::Parser as _;
use passagebot::bot::{self, Settings, Updates};
use passagebot::report::Report;
use passagebot::store::{self, Store};

/// The operator's private chat with the bot.
const OP: i64 = 900;

fn with_operator() -> Settings {
    Settings {
        operators: vec![OP],
        ..settings()
    }
}

fn open_store(dir: &tempfile::TempDir) -> Store {
    Store::open(dir.path(), &store::Options::default()).expect("open the test database")
}

/// Sends `/human question` from `person` and returns the ticket's first operator message.
async fn ask_for_a_person(fake: &FakeTelegram, person: i64, question: &str) -> Recorded {
    let before_op = fake.sent_to(OP).len();
    let before = fake.sent_to(person).len();
    fake.push_update(tg::private_text(person, &format!("/human {question}")));
    let op = fake.wait_for_messages(OP, before_op + 1).await;
    let sent = fake.wait_for_messages(person, before + 1).await;
    assert!(
        sent[before]
            .text()
            .contains("I've passed your question to a person"),
        "{}",
        sent[before].text()
    );
    op[before_op].clone()
}

/// The operator replies `text` to the bot's message `to`.
fn operator_replies(fake: &FakeTelegram, to: &Recorded, text: &str) {
    fake.push_update(tg::private_reply(
        OP,
        text,
        fake.sent_message(message_id(to)),
    ));
}

// ---------------------------------------------------------------------------------------
// When the bot hands over.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn low_confidence_says_why_and_the_ask_a_person_button_opens_a_ticket_for_the_operator() {
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(&fake, with_operator()).await;
    fake.push_update(tg::private_text(101, "What is the capital of France?"));
    let reply = fake.wait_for_messages(101, 1).await.remove(0);
    let text = reply.text();
    assert!(
        text.contains("This one needs a person, because the text doesn't seem to cover it"),
        "{text}"
    );
    assert!(text.contains("Press <b>Ask a person</b>"), "{text}");
    assert!(!text.contains("<blockquote>"), "no weak passage: {text}");
    assert_eq!(labels(&reply), ["Why this?", "👍", "👎", "Ask a person"]);
    assert!(
        fake.sent_to(OP).is_empty(),
        "nothing goes to a person unasked"
    );

    let press = button(&reply, "Ask a person");
    fake.push_update(tg::callback(
        101,
        fake.sent_message(message_id(&reply)),
        &press,
    ));
    let ticket = fake.wait_for_messages(OP, 1).await.remove(0);
    let t = ticket.text();
    assert!(
        t.contains("🎫 <b>Ticket #1</b> — from Tester (@user101)"),
        "{t}"
    );
    assert!(t.contains("What is the capital of France?"), "{t}");
    assert!(t.contains("because you asked for a person"), "{t}");
    assert!(t.contains("Reply to this message to answer"), "{t}");
    let sent = fake.wait_for_messages(101, 2).await;
    assert!(
        sent[1]
            .text()
            .contains("I've passed your question to a person (ticket #1)"),
        "{}",
        sent[1].text()
    );
    bot.stop().await;
    assert_html_ok(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_near_the_article_asking_what_it_never_gives_says_what_is_missing() {
    // Near the author's bio, which gives no price; and near "the difference between
    // sales and marketing", which never mentions public relations.
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(&fake, with_operator()).await;
    fake.push_update(tg::private_text(
        102,
        "How much is tuition for the UVM certificate?",
    ));
    let reply = fake.wait_for_messages(102, 1).await.remove(0);
    let text = reply.text();
    assert!(
        text.contains("This one needs a person, because the text gives no amount of money"),
        "{text}"
    );
    assert_eq!(labels(&reply), ["Why this?", "👍", "👎", "Ask a person"]);
    fake.push_update(tg::private_text(
        102,
        "What's the difference between marketing and public relations?",
    ));
    let sent = fake.wait_for_messages(102, 2).await;
    let text = sent[1].text();
    assert!(
        text.contains("because the text never mentions “public relations”"),
        "{text}"
    );
    // A definition of a term the article never uses, typed with a slip.
    fake.push_update(tg::private_text(102, "What is account-based marketting?"));
    let sent = fake.wait_for_messages(102, 3).await;
    let text = sent[2].text();
    assert!(
        text.contains("because the text never says what “account-based marketing” is"),
        "{text}"
    );
    bot.stop().await;
    assert_html_ok(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asking_for_a_person_in_words_or_with_human_hands_over_at_once() {
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(&fake, with_operator()).await;
    fake.push_update(tg::private_text(102, "Can I talk to a person, please?"));
    let ticket = fake.wait_for_messages(OP, 1).await.remove(0);
    assert!(
        ticket
            .text()
            .contains("you asked for a person (“talk to a person”)"),
        "{}",
        ticket.text()
    );
    let sent = fake.wait_for_messages(102, 1).await;
    assert!(
        sent[0]
            .text()
            .starts_with("I've passed your question to a person (ticket #1)."),
        "{}",
        sent[0].text()
    );
    // A second request while the first is open does not open another ticket.
    fake.push_update(tg::private_text(102, "/human"));
    let sent = fake.wait_for_messages(102, 2).await;
    assert!(
        sent[1]
            .text()
            .contains("You're already talking with a person (ticket #1)"),
        "{}",
        sent[1].text()
    );
    // /human from someone else, with a question, opens ticket #2 with it.
    let t2 = ask_for_a_person(&fake, 103, "Who decides the marketing budget?").await;
    assert!(t2.text().contains("Ticket #2"), "{}", t2.text());
    assert!(
        t2.text().contains("Who decides the marketing budget?"),
        "{}",
        t2.text()
    );
    bot.stop().await;
    assert_eq!(fake.sent_to(OP).len(), 2);
    assert_html_ok(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complex_question_gets_the_reason_and_the_ticket_carries_the_best_passages() {
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(&fake, with_operator()).await;
    let q = "Should I ask my sales team to do the marketing too?";
    fake.push_update(tg::private_text(104, q));
    let reply = fake.wait_for_messages(104, 1).await.remove(0);
    assert!(
        reply
            .text()
            .contains("it is about your own situation (“should i”)"),
        "{}",
        reply.text()
    );
    fake.push_update(tg::callback(
        104,
        fake.sent_message(message_id(&reply)),
        &button(&reply, "Ask a person"),
    ));
    fake.wait_for_messages(104, 2).await;
    bot.stop().await;
    let ticket: String = fake
        .sent_to(OP)
        .iter()
        .map(|m| m.text().to_owned())
        .collect();
    assert!(ticket.contains(q), "{ticket}");
    assert!(ticket.contains("your own situation"), "{ticket}");
    assert!(
        ticket.contains("<b>My best passages</b> (confidence "),
        "{ticket}"
    );
    assert!(ticket.contains("<blockquote>"), "{ticket}");
    assert!(ticket.contains(", paragraph "), "{ticket}");
    assert_html_ok(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn why_shows_which_part_of_the_hand_over_rule_fired() {
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(&fake, with_operator()).await;
    fake.push_update(tg::private_text(
        105,
        "What is sales? And how do I negotiate my salary?",
    ));
    fake.wait_for_messages(105, 1).await;
    fake.push_update(tg::private_text(105, "/why"));
    let sent = fake.wait_for_messages(105, 2).await;
    let why = sent[1].text();
    assert!(why.contains("Hand-over rule: fired"), "{why}");
    assert!(why.contains("it asks 2 questions at once"), "{why}");
    assert!(why.contains("negotiation"), "{why}");
    fake.push_update(tg::private_text(105, "Is marketing data driven?"));
    let answer = fake.wait_for_messages(105, 3).await.remove(2);
    assert!(answer.text().contains("<b>data</b>"), "{}", answer.text());
    assert!(
        !answer.text().contains("needs a person"),
        "{}",
        answer.text()
    );
    fake.push_update(tg::private_text(105, "/why"));
    let sent = fake.wait_for_messages(105, 4).await;
    assert!(
        sent[3].text().contains("Hand-over rule: did not fire"),
        "{}",
        sent[3].text()
    );
    bot.stop().await;
    assert_html_ok(&fake);
}

// ---------------------------------------------------------------------------------------
// The relay.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operators_reply_reaches_the_person_follow_ups_reach_the_operator_until_close() {
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(&fake, with_operator()).await;
    let ticket = ask_for_a_person(&fake, 106, "My company needs a discount on its contract").await;

    operator_replies(
        &fake,
        &ticket,
        "Hello! Happy to help — what's your budget? <3 & more",
    );
    let sent = fake.wait_for_messages(106, 2).await;
    assert_eq!(
        sent[1].text(),
        "💬 <b>A person replies</b> (ticket #1):\n\nHello! Happy to help — what's your budget? &lt;3 &amp; more"
    );
    let op = fake.wait_for_messages(OP, 2).await;
    // Then the offer to say which passage answered it (a suggested phrasing).
    assert!(
        op[1]
            .text()
            .starts_with("✓ Sent to the person (ticket #1). "),
        "{}",
        op[1].text()
    );

    // While the ticket is open, the person's messages go to the operator.
    fake.push_update(tg::private_text(106, "About 500 euros"));
    let op = fake.wait_for_messages(OP, 3).await;
    assert_eq!(
        op[2].text(),
        "🎫 <b>#1</b> · Tester (@user106) writes:\n\nAbout 500 euros"
    );
    let sent = fake.wait_for_messages(106, 3).await;
    assert_eq!(sent[2].text(), "✉️ Passed on to the person (ticket #1).");

    // Replying to the follow-up works as well as replying to the ticket.
    operator_replies(&fake, &op[2], "Then plan A it is.");
    let sent = fake.wait_for_messages(106, 4).await;
    assert!(
        sent[3].text().ends_with("Then plan A it is."),
        "{}",
        sent[3].text()
    );
    // The "sent" acknowledgement reaches the operator chat before the next command.
    let op = fake.wait_for_messages(OP, 4).await;
    assert_eq!(op[3].text(), "✓ Sent to the person (ticket #1).");

    fake.push_update(tg::private_text(OP, "/tickets"));
    let op = fake.wait_for_messages(OP, 5).await;
    assert!(op[4].text().contains("<b>#1</b>"), "{}", op[4].text());
    assert!(op[4].text().contains("answered"), "{}", op[4].text());

    fake.push_update(tg::private_text(OP, "/close 1"));
    let sent = fake.wait_for_messages(106, 5).await;
    assert!(
        sent[4]
            .text()
            .contains("closed this conversation (ticket #1)"),
        "{}",
        sent[4].text()
    );
    let op = fake.wait_for_messages(OP, 6).await;
    assert_eq!(op[5].text(), "Ticket #1 closed.");

    // Closed: questions go to the search again.
    fake.push_update(tg::private_text(106, "Is marketing data driven?"));
    let sent = fake.wait_for_messages(106, 6).await;
    assert!(sent[5].text().contains("<b>data</b>"), "{}", sent[5].text());
    bot.stop().await;
    assert_eq!(fake.sent_to(OP).len(), 6, "the operator got nothing more");
    assert_html_ok(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_person_can_close_the_conversation_and_the_operator_is_told() {
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(&fake, with_operator()).await;
    fake.push_update(tg::private_text(107, "/close"));
    let sent = fake.wait_for_messages(107, 1).await;
    assert_eq!(
        sent[0].text(),
        "You have no open conversation with a person."
    );
    ask_for_a_person(&fake, 107, "Is there someone there?").await;
    fake.push_update(tg::private_text(107, "/close"));
    let sent = fake.wait_for_messages(107, 3).await;
    assert!(
        sent[2].text().starts_with("Closed (ticket #1)."),
        "{}",
        sent[2].text()
    );
    let op = fake.wait_for_messages(OP, 2).await;
    assert!(
        op[1].text().contains("closed the conversation"),
        "{}",
        op[1].text()
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_with_an_open_ticket_keeps_the_relay_working_both_ways() {
    let data = tempfile::tempdir().expect("tempdir");
    let fake = FakeTelegram::start().await;
    let first = RunningBot::start(&fake, with_data(with_operator(), &data)).await;
    let ticket = ask_for_a_person(&fake, 108, "How should our team split the work?").await;
    first.stop().await;
    fake.wait_until_confirmed().await;

    let second = RunningBot::start(&fake, with_data(with_operator(), &data)).await;
    operator_replies(&fake, &ticket, "Sales closes, marketing warms up.");
    let sent = fake.wait_for_messages(108, 2).await;
    assert!(
        sent[1].text().contains("Sales closes, marketing warms up."),
        "{}",
        sent[1].text()
    );
    fake.push_update(tg::private_text(108, "Thanks, and who writes the emails?"));
    // The operator chat gets the ticket, the "sent" acknowledgement and the
    // follow-up; the last two race (different chats are handled concurrently).
    let op = fake.wait_for_messages(OP, 3).await;
    assert!(
        op[1..]
            .iter()
            .any(|m| m.text().contains("Thanks, and who writes the emails?")),
        "{:?}",
        op.iter().map(|m| m.text()).collect::<Vec<_>>()
    );
    second.stop().await;
    let store = open_store(&data);
    let t = store.ticket(1).expect("read").expect("ticket 1");
    assert_eq!(t.status, store::Status::Answered);
    assert!(t.replied_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_ticket_times_out_and_the_bot_answers_again() {
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(
        &fake,
        Settings {
            ticket_timeout: Duration::ZERO,
            ..with_operator()
        },
    )
    .await;
    ask_for_a_person(&fake, 109, "Anyone?").await;
    fake.push_update(tg::private_text(109, "Is marketing data driven?"));
    let sent = fake.wait_for_messages(109, 3).await;
    assert!(
        sent[1].text().contains("(ticket #1) ended after"),
        "{}",
        sent[1].text()
    );
    assert!(sent[2].text().contains("<b>data</b>"), "{}", sent[2].text());
    bot.stop().await;
    assert_eq!(
        fake.sent_to(OP).len(),
        1,
        "the question did not go to the operator"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_operator_the_bot_says_no_person_is_available_and_records_the_question() {
    let data = tempfile::tempdir().expect("tempdir");
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(&fake, with_data(settings(), &data)).await;
    fake.push_update(tg::private_text(110, "I want to speak to someone"));
    let sent = fake.wait_for_messages(110, 1).await;
    assert!(
        sent[0]
            .text()
            .contains("No person is available right now, I'm sorry. I've noted your question (#1)"),
        "{}",
        sent[0].text()
    );
    fake.push_update(tg::private_text(110, "What is the capital of France?"));
    let sent = fake.wait_for_messages(110, 2).await;
    assert!(
        sent[1]
            .text()
            .contains("No person is available right now, but I've noted"),
        "{}",
        sent[1].text()
    );
    assert!(
        !labels(&sent[1]).contains(&"Ask a person".to_owned()),
        "no button without an operator"
    );
    fake.push_update(tg::private_text(110, "/tickets"));
    let sent = fake.wait_for_messages(110, 3).await;
    assert_eq!(sent[2].text(), "That command is for operators.");
    bot.stop().await;
    let store = open_store(&data);
    let report = Report::build(&store, None, 10).expect("report");
    assert_eq!(report.questions, 2);
    assert_eq!(report.handed_over, 1);
    assert_eq!(report.not_covered, 1);
    assert_eq!(report.tickets.no_operator, 1);
    assert_eq!(report.tickets.still_open, 0);
    let logged = store.questions(None).expect("questions");
    assert!(
        logged.iter().all(|q| q.person.starts_with("h:")),
        "ids are hashed by default"
    );
    // The id itself appears nowhere: the key is "h:" and 32 hex digits of a salted
    // hash. (Searching the whole debug text for "110" matched timestamps by chance.)
    assert!(
        logged
            .iter()
            .all(|q| q.person.len() == 34 && q.person != "110"),
        "{logged:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Feedback, /forget.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbs_up_and_down_are_thanked_and_stored_with_the_question() {
    let data = tempfile::tempdir().expect("tempdir");
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(&fake, with_data(with_operator(), &data)).await;
    fake.push_update(tg::private_text(111, "Is marketing data driven?"));
    let answer = fake.wait_for_messages(111, 1).await.remove(0);
    let shown = fake.sent_message(message_id(&answer));
    fake.push_update(tg::callback(111, shown.clone(), &button(&answer, "👎")));
    fake.push_update(tg::callback(111, shown, &button(&answer, "👍")));
    fake.wait_until("two feedback answers", |r| {
        r.iter()
            .filter(|r| r.method == "answercallbackquery" && r.body["text"].is_string())
            .count()
            >= 2
    })
    .await;
    bot.stop().await;
    let acks = fake.calls("answerCallbackQuery");
    assert!(
        acks.iter()
            .all(|a| a.body["text"] == "Thanks for your feedback!"),
        "{acks:?}"
    );
    let store = open_store(&data);
    let q = &store.questions(None).expect("log")[0];
    assert_eq!(q.question, "Is marketing data driven?");
    assert_eq!(q.feedback, Some(1), "the last press counts");
    assert!(q.confident);
    assert_eq!(q.passages.len(), 2);
    assert_eq!(q.passages[0].paragraph, 5);
    assert_eq!(fake.sent_to(111).len(), 1, "feedback sends no message");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_erases_the_persons_questions_and_tickets_and_tells_the_operator() {
    let data = tempfile::tempdir().expect("tempdir");
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(&fake, with_data(with_operator(), &data)).await;
    fake.push_update(tg::private_text(112, "Is marketing data driven?"));
    fake.wait_for_messages(112, 1).await;
    fake.push_update(tg::private_text(113, "Is marketing data driven?"));
    fake.wait_for_messages(113, 1).await;
    ask_for_a_person(&fake, 112, "my own matter").await;
    fake.push_update(tg::private_text(112, "/forget"));
    let sent = fake.wait_for_messages(112, 3).await;
    assert_eq!(
        sent[2].text(),
        "Done: I've erased what I stored about you — 1 question and 1 ticket."
    );
    let op = fake.wait_for_messages(OP, 2).await;
    assert!(
        op[1].text().contains("erased at the person's request"),
        "{}",
        op[1].text()
    );
    bot.stop().await;
    let store = open_store(&data);
    assert_eq!(
        store.questions(None).expect("log").len(),
        1,
        "only 113's is left"
    );
    assert!(store.tickets(None).expect("tickets").is_empty());
}

// ---------------------------------------------------------------------------------------
// Bad input.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_reply_to_a_message_that_is_not_a_ticket_is_not_sent_anywhere() {
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(&fake, with_operator()).await;
    fake.push_update(tg::private_text(OP, "/tickets"));
    let listing = fake.wait_for_messages(OP, 1).await.remove(0);
    assert_eq!(listing.text(), "No open tickets.");
    operator_replies(&fake, &listing, "Hello?");
    let op = fake.wait_for_messages(OP, 2).await;
    assert!(
        op[1].text().starts_with("That message isn't a ticket"),
        "{}",
        op[1].text()
    );
    bot.stop().await;
    let others: Vec<Recorded> = fake
        .calls("sendMessage")
        .into_iter()
        .filter(|r| r.chat_id() != OP)
        .collect();
    assert!(others.is_empty(), "{others:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_reply_to_a_closed_ticket_is_refused() {
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(&fake, with_operator()).await;
    let ticket = ask_for_a_person(&fake, 114, "Please help").await;
    fake.push_update(tg::private_reply(
        OP,
        "/close",
        fake.sent_message(message_id(&ticket)),
    ));
    fake.wait_for_messages(OP, 2).await;
    fake.wait_for_messages(114, 2).await;
    operator_replies(&fake, &ticket, "Sorry, one more thing");
    let op = fake.wait_for_messages(OP, 3).await;
    assert!(
        op[2]
            .text()
            .starts_with("Ticket #1 is closed, so your reply was not sent."),
        "{}",
        op[2].text()
    );
    bot.stop().await;
    assert_eq!(fake.sent_to(114).len(), 2, "the person got nothing more");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_who_blocked_the_bot_is_noted_on_the_ticket_and_the_operator_is_told() {
    let data = tempfile::tempdir().expect("tempdir");
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(&fake, with_data(with_operator(), &data)).await;
    let ticket = ask_for_a_person(&fake, 115, "Please call me").await;
    fake.block_chat(115);
    operator_replies(&fake, &ticket, "Calling you now");
    let op = fake.wait_for_messages(OP, 2).await;
    assert!(
        op[1].text().contains(
            "Could not deliver your reply to ticket #1: the person has blocked the bot or left"
        ),
        "{}",
        op[1].text()
    );
    fake.push_update(tg::private_text(OP, "/tickets"));
    let op = fake.wait_for_messages(OP, 3).await;
    assert!(op[2].text().contains("not delivered"), "{}", op[2].text());
    bot.stop().await;
    let t = open_store(&data).ticket(1).expect("read").expect("ticket");
    assert_eq!(
        t.delivery_error.as_deref(),
        Some("the person has blocked the bot or left")
    );
    assert_eq!(t.replied_at, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5000_character_operator_reply_is_split_under_the_limit_without_losing_a_word() {
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start(&fake, with_operator()).await;
    let ticket = ask_for_a_person(&fake, 116, "Tell me everything").await;
    let mut reply = String::new();
    let mut i = 0;
    while reply.chars().count() < 5000 {
        reply.push_str(&format!("word{i} & <more> "));
        i += 1;
    }
    let reply = reply.trim_end().to_owned();
    operator_replies(&fake, &ticket, &reply);
    fake.wait_for_messages(OP, 2).await; // "✓ Sent", after every part
    bot.stop().await;
    let parts: Vec<Recorded> = fake.sent_to(116).into_iter().skip(1).collect();
    assert!(parts.len() >= 2, "{} part(s)", parts.len());
    let mut visible = String::new();
    for p in &parts {
        let text = tg::html_to_text(p.text()).expect("valid HTML");
        assert!(text.encode_utf16().count() <= 4096);
        visible.push_str(&text);
        visible.push(' ');
    }
    let words: Vec<&str> = visible.split_whitespace().collect();
    let expected: Vec<&str> = reply.split_whitespace().collect();
    assert_eq!(&words[words.len() - expected.len()..], &expected[..]);
    assert_html_ok(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_database_stops_the_bot_at_start_up_with_a_clear_error_and_keeps_the_file() {
    let data = tempfile::tempdir().expect("tempdir");
    let file = data.path().join(store::FILE_NAME);
    let junk = "not a database: someone's notes\n".repeat(100);
    std::fs::write(&file, &junk).expect("write");
    let fake = FakeTelegram::start().await;
    let err = bot::serve(
        fake.bot(),
        article_engine(),
        with_data(with_operator(), &data),
        Updates::Polling,
        std::future::pending(),
    )
    .await
    .expect_err("refuses to start");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("is damaged or not a passagebot database"),
        "{msg}"
    );
    assert!(msg.contains(&file.display().to_string()), "{msg}");
    assert!(msg.contains("move it aside"), "{msg}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), junk);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_stops_the_bot_at_start_up_with_a_clear_error() {
    let data = tempfile::tempdir().expect("tempdir");
    drop(open_store(&data));
    let holder = rusqlite::Connection::open(data.path().join(store::FILE_NAME)).expect("open");
    holder.execute_batch("BEGIN EXCLUSIVE;").expect("lock");
    let fake = FakeTelegram::start().await;
    let err = bot::serve(
        fake.bot(),
        article_engine(),
        with_data(with_operator(), &data),
        Updates::Polling,
        std::future::pending(),
    )
    .await
    .expect_err("refuses to start");
    let msg = format!("{err:#}");
    assert!(msg.contains("is locked by another process"), "{msg}");
    assert!(msg.contains("--data"), "{msg}");
    holder.execute_batch("COMMIT;").expect("unlock");
}

#[test]
fn operator_chats_are_read_from_a_comma_separated_list() {
    let cli = passagebot::cli::Cli::try_parse_from([
        "passagebot",
        "bot",
        "--operator-chat",
        "-1001234,900",
        "--ticket-timeout",
        "30m",
    ])
    .expect("parses");
    let passagebot::cli::Command::Bot(args) = cli.command else {
        panic!("not the bot command");
    };
    assert_eq!(args.operator_chats, [-1_001_234, 900]);
    assert_eq!(
        Duration::from(args.ticket_timeout),
        Duration::from_secs(30 * 60)
    );
}

// ---------------------------------------------------------------------------------------
// The same decision in the terminal.

#[test]
fn chat_says_when_a_question_needs_a_person_and_why_names_the_rule() {
    let index = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_passagebot"))
        .arg("--corpus")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus"))
        .arg("--index")
        .arg(index.path().join("index"))
        .arg("chat")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child.stdin.take().expect("stdin").write_all(
                "Is marketing data driven?\nShould I move my team from sales to marketing?\n:why\n"
                    .as_bytes(),
            )?;
            child.wait_with_output()
        })
        .expect("run passagebot chat");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.matches("→ This one needs a person, because").count(),
        1,
        "only the second question: {stdout}"
    );
    assert!(
        stdout.contains("it is about your own situation (“should i”)"),
        "{stdout}"
    );
    assert!(stdout.contains("Hand-over rule: fired"), "{stdout}");
}
