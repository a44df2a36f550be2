//! A class asking at once, with Telegram's sending limits enforced by the fake Bot API
//! server: no chat waits for another, a group's answers go out as digests within the
//! limits, and nobody's question is lost. Not timed: the assertions are on what was
//! sent and in which order (`cargo bench --bench classroom` has the timings).

use std::collections::HashMap;

use crate::support::fake_telegram::{self as tg, FakeTelegram, Recorded, SendLimits};
use crate::support::harness::{RunningBot, assert_html_ok, message_id, settings};
use passagebot::bot::{Limits, Settings};

const GROUP: i64 = -1_001_234_567_890;
const QUESTIONS: &[&str] = &[
    "Is marketing data driven?",
    "How is sales different from marketing?",
    "Why should sales and marketing work together?",
    "What does marketing focus on?",
    "Who wrote this article?",
    "What is the capital of France?",
];

/// The bot with Telegram's own limits (and outboxes of `backlog` messages), against
/// a fake that enforces them.
async fn classroom(backlog: usize) -> (FakeTelegram, RunningBot) {
    let fake = FakeTelegram::start().await;
    fake.enforce_limits(SendLimits::telegram());
    let bot = RunningBot::start(
        &fake,
        Settings {
            limits: Limits::default(),
            backlog,
            ..settings()
        },
    )
    .await;
    (fake, bot)
}

/// How many of each person's group questions the group messages so far answer: a
/// digest mentions each asker, a whole answer replies to the question.
fn answered(sent: &[&Recorded], asked_by: &HashMap<i64, i64>) -> HashMap<i64, usize> {
    let mut out = HashMap::new();
    for m in sent {
        let mentioned = tg::mentioned_users(m.text());
        if !mentioned.is_empty() {
            for id in mentioned {
                *out.entry(id).or_default() += 1;
            }
        } else if let Some(q) = m.body["reply_parameters"]["message_id"].as_i64()
            && let Some(&person) = asked_by.get(&q)
        {
            *out.entry(person).or_default() += 1;
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_class_of_27_asking_80_questions_in_a_group_does_not_hold_up_private_answers_and_everyone_is_answered_in_digests()
 {
    let (fake, bot) = classroom(Settings::default().backlog).await;
    // 80 questions, three from each of 27 people (the class), then five
    // people asking privately.
    let mut asked_by = HashMap::new();
    let mut per_person: HashMap<i64, usize> = HashMap::new();
    for i in 0..80 {
        let person = 7000 + (i % 27) as i64;
        let update = tg::group_text(
            GROUP,
            person,
            &format!("/ask {}", QUESTIONS[i % QUESTIONS.len()]),
        );
        asked_by.insert(
            update["message"]["message_id"].as_i64().expect("an id"),
            person,
        );
        *per_person.entry(person).or_default() += 1;
        fake.push_update(update);
    }
    let private: Vec<i64> = (0..5).map(|i| 8000 + i).collect();
    for &p in &private {
        fake.push_update(tg::private_text(p, "Is marketing data driven?"));
    }

    fake.wait_until("every group asker answered", |reqs| {
        let group: Vec<&Recorded> = reqs
            .iter()
            .filter(|r| r.method == "sendmessage" && r.ok() && r.chat_id() == GROUP)
            .collect();
        let got = answered(&group, &asked_by);
        per_person
            .iter()
            .all(|(p, n)| got.get(p).copied().unwrap_or(0) >= *n)
    })
    .await;
    for &p in &private {
        fake.wait_for_messages(p, 1).await;
    }
    // "More for …" under a digest shows that answer whole, from its first passage.
    let (digest, data) = fake
        .sent_to(GROUP)
        .into_iter()
        .find_map(|m| {
            let data = m
                .buttons()
                .into_iter()
                .find(|(label, _)| label.starts_with("More for "))?
                .1;
            Some((m, data))
        })
        .expect("a digest with a button for the whole answer");
    let before = fake.sent_to(GROUP).len();
    fake.push_update(tg::callback(
        7000,
        fake.sent_message(message_id(&digest)),
        &data,
    ));
    let whole = fake.wait_for_messages(GROUP, before + 1).await;
    bot.stop().await;
    assert!(
        whole[before].text().contains("<b>1.</b>"),
        "{}",
        whole[before].text()
    );

    assert_eq!(fake.too_many_requests(), 0, "no 429 from Telegram");
    assert_html_ok(&fake);
    let group = fake.sent_to(GROUP);
    assert!(
        group.len() <= 20,
        "80 answers in at most 20 messages (a minute's budget), not {}",
        group.len()
    );
    assert!(
        group
            .iter()
            .any(|m| tg::mentioned_users(m.text()).len() >= 2),
        "answers that piled up went out together"
    );
    let last_group = group.last().expect("group messages").at;
    for &p in &private {
        let first = &fake.sent_to(p)[0];
        assert!(
            first.at < last_group,
            "the private answer to {p} waited for the group"
        );
        assert!(first.text().contains("<b>data</b>"), "{}", first.text());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_a_full_outbox_askers_get_one_busy_note_naming_them_and_nobody_is_left_out() {
    // An outbox of two: the first answer goes at once, two wait for the group's
    // budget, and everyone after that is turned away, by name.
    let (fake, bot) = classroom(2).await;
    let people: Vec<i64> = (0..12).map(|i| 7100 + i).collect();
    let mut asked_by = HashMap::new();
    for &p in &people {
        let update = tg::group_text(GROUP, p, "/ask Is marketing data driven?");
        asked_by.insert(update["message"]["message_id"].as_i64().expect("an id"), p);
        fake.push_update(update);
    }
    fake.wait_until("everyone answered or told to ask again", |reqs| {
        let group: Vec<&Recorded> = reqs
            .iter()
            .filter(|r| r.method == "sendmessage" && r.ok() && r.chat_id() == GROUP)
            .collect();
        let got = answered(&group, &asked_by);
        people.iter().all(|p| got.contains_key(p))
    })
    .await;
    bot.stop().await;

    assert_eq!(fake.too_many_requests(), 0);
    assert_html_ok(&fake);
    let group = fake.sent_to(GROUP);
    let notes: Vec<&Recorded> = group
        .iter()
        .filter(|m| m.text().contains("ask again in a minute"))
        .collect();
    assert_eq!(notes.len(), 1, "one busy note: {:#?}", fake.sent_to(GROUP));
    let turned_away = tg::mentioned_users(notes[0].text());
    assert!(!turned_away.is_empty());
    let got = answered(&group.iter().collect::<Vec<_>>(), &asked_by);
    for p in &people {
        assert_eq!(got.get(p), Some(&1), "{p} addressed exactly once");
    }
}
