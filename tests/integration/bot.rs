//! End-to-end tests of the Telegram bot: the real bot code against a fake Bot API
//! server on loopback (`crate::support::fake_telegram`). No test touches the internet.

use crate::support::fake_telegram::{self as tg, Failure, FakeTelegram};
use serde_json::json;
use teloxide::prelude::*;

// ---------------------------------------------------------------------------------------
// The fake server itself: it must speak what teloxide expects, or every other test lies.

mod fake_server {
    use super::*;

    #[tokio::test]
    async fn fake_server_answers_get_me_with_the_test_bot() {
        let fake = FakeTelegram::start().await;
        let me = fake.bot().get_me().await.expect("getMe");
        assert_eq!(me.username(), tg::BOT_USERNAME);
        assert_eq!(fake.calls("getme").len(), 1, "recorded case-insensitively");
    }

    #[tokio::test]
    async fn fake_server_matches_method_names_case_insensitively_and_rejects_wrong_tokens() {
        let fake = FakeTelegram::start().await;
        let client = reqwest::Client::new();
        for method in ["getMe", "getme", "GETME"] {
            let res = client
                .post(format!("{}bot{}/{method}", fake.url(), tg::TOKEN))
                .send()
                .await
                .expect("post");
            assert_eq!(res.status(), 200, "{method}");
        }
        let res = client
            .post(format!("{}bot1:wrong/getMe", fake.url()))
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), 401);
    }

    #[tokio::test]
    async fn fake_server_updates_deserialize_as_teloxide_types() {
        let fake = FakeTelegram::start().await;
        let sent = fake
            .bot()
            .send_message(ChatId(7), "hello")
            .await
            .expect("sendMessage");
        let kinds = [
            tg::private_text(7, "/start"),
            tg::group_text(-100, 7, "@passage_test_bot what is sales?"),
            tg::group_reply(
                -100,
                7,
                "and marketing?",
                fake.sent_message(sent.id.0 as i64),
            ),
            tg::private_edit(7, 3, "edited"),
            tg::private_sticker(7),
            tg::private_photo(7),
            tg::callback(7, fake.sent_message(sent.id.0 as i64), "more:1:2"),
            tg::inline_query(7, "sales"),
        ];
        let n = kinds.len();
        for kind in kinds {
            fake.push_update(kind);
        }
        let updates = fake.bot().get_updates().await.expect("getUpdates");
        assert_eq!(updates.len(), n);
        for u in &updates {
            assert!(
                !matches!(u.kind, teloxide::types::UpdateKind::Error(_)),
                "teloxide could not parse {u:?}"
            );
        }
    }

    #[tokio::test]
    async fn fake_server_long_poll_honours_offset_and_timeout() {
        let fake = FakeTelegram::start().await;
        let bot = fake.bot();
        // Nothing queued: returns empty after the timeout.
        let empty = bot.get_updates().timeout(1).await.expect("poll");
        assert!(empty.is_empty());
        // A waiting poll is woken by a new update.
        let waiter = tokio::spawn({
            let bot = bot.clone();
            async move { bot.get_updates().timeout(20).await }
        });
        fake.wait_until("the poll to arrive", |r| {
            r.iter().filter(|r| r.method == "getupdates").count() >= 2
        })
        .await;
        let first = fake.push_update(tg::private_text(1, "one"));
        let got = waiter.await.expect("join").expect("poll");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].id.0 as i64, first);
        // Without a new offset the update is delivered again; with one it is forgotten.
        let second = fake.push_update(tg::private_text(1, "two"));
        assert_eq!(bot.get_updates().await.expect("poll").len(), 2);
        let got = bot.get_updates().offset(second as i32).await.expect("poll");
        assert_eq!(got.len(), 1);
        assert_eq!(fake.pending_updates(), 1);
        let got = bot
            .get_updates()
            .offset(second as i32 + 1)
            .timeout(0)
            .await
            .expect("poll");
        assert!(got.is_empty());
        assert_eq!(fake.pending_updates(), 0);
    }

    #[tokio::test]
    async fn fake_server_injects_429_and_5xx_once() {
        let fake = FakeTelegram::start().await;
        let bot = fake.bot();
        fake.fail_next("sendMessage", Failure::RetryAfter(3));
        let err = bot.send_message(ChatId(1), "x").await.expect_err("429");
        assert!(
            matches!(err, teloxide::RequestError::RetryAfter(s) if s.seconds() == 3),
            "{err:?}"
        );
        bot.send_message(ChatId(1), "x")
            .await
            .expect("second call succeeds");
        // teloxide pauses 10 s after a 5xx; this test runs beside the others.
        fake.fail_next("sendMessage", Failure::ServerError);
        let err = bot.send_message(ChatId(1), "x").await.expect_err("500");
        assert!(err.to_string().contains("Internal Server Error"), "{err:?}");
        bot.send_message(ChatId(1), "x")
            .await
            .expect("the call after the 5xx succeeds");
        assert_eq!(fake.calls("sendmessage").len(), 4);
        assert_eq!(fake.sent_to(1).len(), 2);
    }

    #[tokio::test]
    async fn fake_server_rejects_html_that_telegram_would_reject() {
        let fake = FakeTelegram::start().await;
        let bot = fake.bot();
        for bad in [
            "<b>open",
            "a < b",
            "<div>x</div>",
            "<b><i>x</b></i>",
            "AT&T",
            "&nbsp;",
        ] {
            let res = bot
                .send_message(ChatId(1), bad)
                .parse_mode(teloxide::types::ParseMode::Html)
                .await;
            assert!(res.is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(fake.html_errors().len(), 6);
        let good = "<b>x</b> &lt;y&gt; &amp; &#39; <blockquote>q <i>i</i></blockquote>";
        bot.send_message(ChatId(1), good)
            .parse_mode(teloxide::types::ParseMode::Html)
            .await
            .expect("valid html");
        let long = "a".repeat(4097);
        assert!(bot.send_message(ChatId(1), long).await.is_err());
    }

    #[test]
    fn html_checker_counts_visible_characters_not_markup() {
        let html = format!("<b>{}</b>", "&amp;".repeat(4096));
        assert!(tg::check_html(&html).is_ok());
        assert!(tg::check_html(&format!("{html}x")).is_err());
        assert_eq!(tg::html_to_text("<b>a</b>&lt;").as_deref(), Ok("a<"));
        let _ = json!(null);
    }
}

// ---------------------------------------------------------------------------------------
// The bot, end to end.

use std::time::Duration;

use crate::support::fake_telegram::Recorded;
use crate::support::harness::{
    RunningBot, article_engine, article_folder, assert_html_ok, build_engine, button, labels,
    message_id, settings,
};
use passagebot::bot::{self, Settings, Updates, Webhook};

const ARTICLE: &str = "What’s the Difference Between Sales and Marketing?";

async fn start(fake: &FakeTelegram) -> RunningBot {
    RunningBot::start(fake, settings()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_sets_the_command_menu_and_greets_with_what_it_knows_and_examples() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    fake.push_update(tg::private_text(11, "/start"));
    let sent = fake.wait_for_messages(11, 1).await;
    let text = sent[0].text();
    assert_eq!(sent[0].body["parse_mode"], "HTML");
    assert!(text.contains("Hello"), "{text}");
    assert!(text.contains(ARTICLE), "{text}");
    assert!(text.contains("Is marketing data-driven?"), "{text}");
    let menu = fake.calls("setMyCommands");
    assert_eq!(menu.len(), 1);
    let names: Vec<&str> = menu[0].body["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .filter_map(|c| c["command"].as_str())
        .collect();
    for c in ["start", "help", "ask", "more", "why", "about"] {
        assert!(names.contains(&c), "{names:?}");
    }
    bot.stop().await;
    assert_html_ok(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_and_about_describe_commands_and_the_index() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    fake.push_update(tg::private_text(12, "/help"));
    fake.push_update(tg::private_text(12, "/about"));
    let sent = fake.wait_for_messages(12, 2).await;
    assert!(sent[0].text().contains("/why"), "{}", sent[0].text());
    assert!(sent[0].text().contains("/more"), "{}", sent[0].text());
    let about = sent[1].text();
    assert!(about.contains(ARTICLE), "{about}");
    assert!(about.contains("passages in all"), "{about}");
    assert!(about.contains("index built"), "{about}");
    bot.stop().await;
    assert_html_ok(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_question_gets_the_right_passage_in_html_with_matches_bold_and_buttons() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    fake.push_update(tg::private_text(13, "Is marketing data driven?"));
    let sent = fake.wait_for_messages(13, 1).await;
    let text = sent[0].text();
    assert_eq!(sent[0].body["parse_mode"], "HTML");
    assert!(
        text.contains("<blockquote>From an analysis perspective, <b>marketing</b> is <b>data</b>-<b>driven</b>"),
        "{text}"
    );
    assert!(
        text.contains(&format!("<i>{ARTICLE}</i>, paragraph 5")),
        "{text}"
    );
    // Two passages by default.
    assert_eq!(text.matches("<blockquote>").count(), 2, "{text}");
    let labels: Vec<String> = sent[0].buttons().into_iter().map(|b| b.0).collect();
    assert_eq!(labels, ["More", "Why this?", "👍", "👎"]);
    for (_, data) in sent[0].buttons() {
        assert!(data.len() < 64);
    }
    assert!(!fake.calls("sendChatAction").is_empty(), "typing… is shown");
    bot.stop().await;
    assert_html_ok(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_off_topic_question_gets_the_honest_not_covered_reply_not_a_weak_passage() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    fake.push_update(tg::private_text(14, "What is the capital of France?"));
    let sent = fake.wait_for_messages(14, 1).await;
    let text = sent[0].text();
    assert!(
        text.contains("the article doesn't seem to cover it"),
        "{text}"
    );
    assert!(text.contains(ARTICLE), "offers what it covers: {text}");
    assert!(text.contains("You could ask, for example"), "{text}");
    assert!(
        text.contains("This one needs a person, because the text doesn't seem to cover it"),
        "{text}"
    );
    assert!(
        text.contains("No person is available right now"),
        "no operator configured: {text}"
    );
    assert!(
        !text.contains("<blockquote>"),
        "no passage presented: {text}"
    );
    let labels: Vec<String> = sent[0].buttons().into_iter().map(|b| b.0).collect();
    assert_eq!(labels, ["Why this?", "👍", "👎"]);
    bot.stop().await;
    assert_html_ok(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_button_and_more_command_show_the_next_passages() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    fake.push_update(tg::private_text(
        15,
        "Why should sales and marketing work together?",
    ));
    let first = fake.wait_for_messages(15, 1).await.remove(0);
    let more = button(&first, "More");
    let shown = fake.sent_message(message_id(&first));
    fake.push_update(tg::callback(15, shown, &more));
    let sent = fake.wait_for_messages(15, 2).await;
    let next = sent[1].text();
    assert!(next.contains("<b>3.</b> <blockquote>"), "{next}");
    assert!(next.contains("<b>4.</b> <blockquote>"), "{next}");
    // Different passages from the first page.
    let quotes = |t: &str| -> Vec<String> {
        t.split("<blockquote>")
            .skip(1)
            .map(|q| q.split("</blockquote>").next().unwrap_or("").to_owned())
            .collect()
    };
    for q in quotes(next) {
        assert!(!first.text().contains(&q), "repeated passage {q}");
    }
    assert_eq!(
        fake.calls("answerCallbackQuery").len(),
        1,
        "the button press is answered"
    );
    fake.push_update(tg::private_text(15, "/more"));
    let sent = fake.wait_for_messages(15, 3).await;
    assert!(
        sent[2].text().contains("<b>5.</b>") || sent[2].text().contains("That's all I have"),
        "{}",
        sent[2].text()
    );
    bot.stop().await;
    assert_html_ok(&fake);
}

/// Two passages tie: the bot asks which one, and each button opens that passage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tie_is_asked_back_and_each_choice_button_opens_its_passage() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    fake.push_update(tg::private_text(
        19,
        "Is marketing more analytical than sales?",
    ));
    let first = fake.wait_for_messages(19, 1).await.remove(0);
    let text = first.text();
    assert!(text.contains("Did you mean:"), "{text}");
    assert!(text.contains("<b>1.</b> <blockquote>") && text.contains("<b>2.</b> <blockquote>"));
    let choices = labels(&first);
    assert!(
        choices[0].starts_with("1. ") && choices[1].starts_with("2. "),
        "{choices:?}"
    );
    let shown = fake.sent_message(message_id(&first));
    fake.push_update(tg::callback(19, shown, &button(&first, &choices[1])));
    let sent = fake.wait_for_messages(19, 2).await;
    let opened = sent[1].text();
    assert!(!opened.contains("Did you mean"), "{opened}");
    assert_eq!(opened.matches("<blockquote>").count(), 1, "{opened}");
    // The passage opened is the second choice, now in full: its text holds the
    // button's words.
    let plain = sent[1].plain();
    let brief = choices[1].trim_start_matches("2. ").trim_end_matches('…');
    assert!(plain.contains(brief), "{brief:?} in {plain}");
    assert_eq!(labels(&sent[1]), ["Why this?"]);
    bot.stop().await;
    assert_html_ok(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn why_button_and_why_command_explain_matched_words_weights_and_confidence() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    fake.push_update(tg::private_text(16, "/why"));
    let sent = fake.wait_for_messages(16, 1).await;
    assert!(
        sent[0].text().contains("Ask me a question first"),
        "{}",
        sent[0].text()
    );
    fake.push_update(tg::private_text(16, "Is marketing data driven?"));
    let answer = fake.wait_for_messages(16, 2).await.remove(1);
    let why = button(&answer, "Why this?");
    fake.push_update(tg::callback(
        16,
        fake.sent_message(message_id(&answer)),
        &why,
    ));
    let sent = fake.wait_for_messages(16, 3).await;
    let text = sent[2].text();
    assert!(text.contains("Why this answer?"), "{text}");
    assert!(text.contains("Is marketing data driven?"), "{text}");
    assert!(text.contains("data: weight"), "{text}");
    assert!(text.contains("matched"), "{text}");
    assert!(text.contains("% of the question"), "{text}");
    fake.push_update(tg::private_text(16, "/why"));
    let sent = fake.wait_for_messages(16, 4).await;
    assert_eq!(sent[3].text(), text, "/why explains the same last answer");
    bot.stop().await;
    assert_html_ok(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_groups_the_bot_answers_ask_mentions_and_replies_and_ignores_chatter() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    let group = -10_017;
    let chatter = fake.push_update(tg::group_text(group, 21, "lunch anyone?"));
    let _ = chatter;
    let other_bot = tg::group_text(group, 21, "/ask@some_other_bot is marketing data driven?");
    fake.push_update(other_bot);
    let mention = tg::group_text(group, 21, "@passage_test_bot is marketing data driven?");
    let mention_id = mention["message"]["message_id"].as_i64();
    fake.push_update(mention);
    let sent = fake.wait_for_messages(group, 1).await;
    assert_eq!(
        sent[0].body["reply_parameters"]["message_id"].as_i64(),
        mention_id,
        "replies to the mention, not the chatter"
    );
    assert!(sent[0].text().contains("<b>data</b>"), "{}", sent[0].text());

    let reply = tg::group_reply(
        group,
        22,
        "and how do sales people build relationships?",
        fake.sent_message(message_id(&sent[0])),
    );
    let reply_id = reply["message"]["message_id"].as_i64();
    fake.push_update(reply);
    let ask = tg::group_text(
        group,
        23,
        "/ask@passage_test_bot how do sales people build relationships?",
    );
    let ask_id = ask["message"]["message_id"].as_i64();
    fake.push_update(ask);
    fake.push_update(tg::group_text(group, 21, "thanks all, see you"));
    let plain_ask = tg::group_text(group, 21, "/ask is marketing data driven?");
    let plain_ask_id = plain_ask["message"]["message_id"].as_i64();
    fake.push_update(plain_ask);
    let sent = fake.wait_for_messages(group, 4).await;
    let replied: Vec<Option<i64>> = sent
        .iter()
        .map(|m| m.body["reply_parameters"]["message_id"].as_i64())
        .collect();
    assert_eq!(replied, [mention_id, reply_id, ask_id, plain_ask_id]);
    bot.stop().await;
    assert_eq!(
        fake.sent_to(group).len(),
        4,
        "chatter and other bots' commands get nothing"
    );
    assert_html_ok(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_query_offers_one_result_per_passage_and_is_honest_off_topic() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    fake.push_update(tg::inline_query(18, "Is marketing data driven?"));
    fake.push_update(tg::inline_query(18, "What is the capital of France?"));
    fake.wait_until("two inline answers", |r| {
        r.iter().filter(|r| r.method == "answerinlinequery").count() >= 2
    })
    .await;
    let answers = fake.calls("answerInlineQuery");
    assert!(answers.iter().all(Recorded::ok), "{answers:?}");
    let on_topic = answers
        .iter()
        .find(|a| a.body["results"].as_array().is_some_and(|r| r.len() > 1))
        .expect("passages offered");
    let results = on_topic.body["results"].as_array().expect("results");
    let first = &results[0];
    assert_eq!(first["type"], "article");
    assert!(
        first["title"]
            .as_str()
            .unwrap_or_default()
            .contains("paragraph 5"),
        "{first}"
    );
    assert!(
        first["description"]
            .as_str()
            .unwrap_or_default()
            .starts_with("From an analysis perspective"),
        "{first}"
    );
    let msg = first["input_message_content"]["message_text"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(first["input_message_content"]["parse_mode"], "HTML");
    assert!(msg.contains("<b>data</b>-<b>driven</b>"), "{msg}");
    let off_topic = answers
        .iter()
        .find(|a| a.body["results"].as_array().is_some_and(|r| r.len() == 1))
        .expect("honest reply");
    let text = off_topic.body["results"][0]["input_message_content"]["message_text"]
        .as_str()
        .unwrap_or_default();
    assert!(text.contains("doesn't seem to cover it"), "{text}");
    bot.stop().await;
    assert_html_ok(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stickers_and_photos_get_a_short_text_only_reply() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    fake.push_update(tg::private_sticker(19));
    fake.push_update(tg::private_photo(19));
    let sent = fake.wait_for_messages(19, 2).await;
    for m in &sent {
        assert_eq!(
            m.text(),
            "I can only read text questions. Please type your question."
        );
    }
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_question_is_answered_again() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    let original = tg::private_text(20, "What is the capital of France?");
    let id = original["message"]["message_id"].as_i64().expect("id");
    fake.push_update(original);
    fake.wait_for_messages(20, 1).await;
    fake.push_update(tg::private_edit(20, id, "Is marketing data driven?"));
    let sent = fake.wait_for_messages(20, 2).await;
    assert!(sent[1].text().contains("<b>data</b>"), "{}", sent[1].text());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5000_character_question_is_answered_from_its_beginning_and_says_so() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    let mut question = String::new();
    while question.chars().count() < 5000 {
        question.push_str("Is marketing data driven? <&> ");
    }
    fake.push_update(tg::private_text(21, &question));
    let sent = fake.wait_for_messages(21, 1).await;
    let text = sent[0].text();
    assert!(text.contains("first 1,000 characters"), "{text}");
    assert!(text.contains("<b>data</b>"), "{text}");
    bot.stop().await;
    assert_html_ok(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_answers_are_split_under_4096_on_passage_boundaries_with_buttons_on_the_last_part() {
    // A document of long paragraphs, a third of them about negotiation, so ten
    // passages come to well over 4,096 characters.
    let mut doc = String::from("# Negotiation notes\n\n");
    for i in 0..30 {
        for j in 0..7 {
            if i % 3 == 0 {
                doc.push_str(&format!(
                    "Negotiation point {i}.{j} is about price & terms <again>, and negotiation needs patience with each buyer. "
                ));
            } else {
                doc.push_str(&format!(
                    "Gardening note {i}.{j}: tomatoes want sun, water and a little compost in the spring, then staking. "
                ));
            }
        }
        doc.push_str("\n\n");
    }
    let engine = build_engine(&[("negotiation.md", &doc)]);
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start_with(
        &fake,
        engine,
        Settings {
            passages: 10,
            ..settings()
        },
    )
    .await;
    fake.push_update(tg::private_text(22, "negotiation patience"));
    fake.wait_until("an answer with buttons", |r| {
        r.iter()
            .any(|r| r.method == "sendmessage" && r.chat_id() == 22 && !r.buttons().is_empty())
    })
    .await;
    bot.stop().await;
    let sent = fake.sent_to(22);
    assert!(
        sent.len() >= 2,
        "{} message(s): {}",
        sent.len(),
        sent[0].text()
    );
    let last = sent.len() - 1;
    for (i, m) in sent.iter().enumerate() {
        let html = m.text();
        assert!(
            tg::html_to_text(html)
                .expect("valid")
                .encode_utf16()
                .count()
                <= 4096
        );
        assert!(html.starts_with("<b>"), "starts at a passage: {html}");
        assert!(
            html.ends_with(", paragraph ")
                || html
                    .rsplit(", paragraph ")
                    .next()
                    .is_some_and(|n| n.parse::<u32>().is_ok()),
            "ends after a citation: {html}"
        );
        assert_eq!(
            m.buttons().is_empty(),
            i != last,
            "buttons on the last part only"
        );
    }
    assert_html_ok(&fake);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_rate_limit_a_person_gets_one_notice_then_silence_and_others_still_get_answers() {
    let fake = FakeTelegram::start().await;
    let bot = RunningBot::start_with(
        &fake,
        article_engine(),
        Settings {
            rate_limit: 3,
            ..settings()
        },
    )
    .await;
    // One group chat, so every update is handled in order by the same worker.
    let group = -10_023;
    for _ in 0..6 {
        fake.push_update(tg::group_text(group, 31, "/ask is marketing data driven?"));
    }
    let other = tg::group_text(group, 32, "/ask is marketing data driven?");
    let other_id = other["message"]["message_id"].as_i64();
    fake.push_update(other);
    let sent = fake.wait_for_messages(group, 5).await;
    bot.stop().await;
    let sent_after = fake.sent_to(group);
    assert_eq!(
        sent_after.len(),
        5,
        "3 answers + 1 notice + the other person's answer"
    );
    assert!(
        sent[3].text().contains("faster than I can keep up"),
        "{}",
        sent[3].text()
    );
    assert_eq!(
        sent[4].body["reply_parameters"]["message_id"].as_i64(),
        other_id
    );
    assert!(sent[4].text().contains("<b>data</b>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_retried_after_retry_after_and_the_reply_arrives_exactly_once() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    fake.fail_next("sendMessage", Failure::RetryAfter(1));
    fake.push_update(tg::private_text(24, "Is marketing data driven?"));
    let sent = fake.wait_for_messages(24, 1).await;
    bot.stop().await;
    let calls = fake.calls("sendMessage");
    assert_eq!(
        calls.iter().map(|c| c.status).collect::<Vec<_>>(),
        [429, 200]
    );
    assert!(
        calls[1].at.duration_since(calls[0].at) >= Duration::from_millis(900),
        "waited retry_after before retrying"
    );
    assert_eq!(fake.sent_to(24).len(), 1);
    assert!(sent[0].text().contains("<b>data</b>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_reply_is_logged_and_the_person_gets_a_friendly_apology() {
    let fake = FakeTelegram::start().await;
    let bot = start(&fake).await;
    fake.fail_next("sendMessage", Failure::BadRequest);
    fake.push_update(tg::private_text(25, "Is marketing data driven?"));
    let sent = fake.wait_for_messages(25, 1).await;
    bot.stop().await;
    assert_eq!(
        sent[0].text(),
        "Sorry, something went wrong on my side. Please try again in a moment."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_neither_repeats_nor_loses_an_update() {
    let fake = FakeTelegram::start().await;
    let first = start(&fake).await;
    fake.push_update(tg::private_text(26, "Is marketing data driven?"));
    fake.wait_for_messages(26, 1).await;
    // Updates that arrive just before the stop are still answered, once.
    fake.push_update(tg::private_text(26, "/about"));
    fake.wait_for_messages(26, 2).await;
    first.stop().await;
    fake.wait_until_confirmed().await;
    // While the bot is down, a question waits at Telegram.
    fake.push_update(tg::private_text(26, "What is the capital of France?"));
    let second = start(&fake).await;
    let sent = fake.wait_for_messages(26, 3).await;
    second.stop().await;
    let sent_after = fake.sent_to(26);
    assert_eq!(
        sent_after.len(),
        3,
        "{:#?}",
        sent_after.iter().map(Recorded::text).collect::<Vec<_>>()
    );
    assert!(sent[0].text().contains("<b>data</b>"));
    assert!(sent[1].text().contains("What I know"));
    assert!(sent[2].text().contains("doesn't seem to cover it"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_mode_sets_the_webhook_checks_the_secret_serves_healthz_and_answers() {
    let fake = FakeTelegram::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hook = Webhook {
        url: "https://bot.example.com/telegram/hook"
            .parse()
            .expect("url"),
        listener,
        secret: Some("s3cret_for_tests".into()),
    };
    let bot = RunningBot::spawn(&fake, article_engine(), settings(), Updates::Webhook(hook));
    fake.wait_until("setWebhook", |r| r.iter().any(|r| r.method == "setwebhook"))
        .await;
    let (url, secret) = fake.webhook().expect("webhook set");
    assert_eq!(url, "https://bot.example.com/telegram/hook");
    assert_eq!(secret.as_deref(), Some("s3cret_for_tests"));

    let client = reqwest::Client::new();
    let health = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    let health: serde_json::Value = health.json().await.expect("json");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["bot"], tg::BOT_USERNAME);

    let mut update = tg::private_text(27, "Is marketing data driven?");
    update["update_id"] = json!(1);
    let hook_url = format!("http://{addr}/telegram/hook");
    let wrong = client
        .post(&hook_url)
        .header("X-Telegram-Bot-Api-Secret-Token", "nope")
        .json(&update)
        .send()
        .await
        .expect("post");
    assert_eq!(wrong.status(), 401);
    // The dispatcher may need a moment to be ready; Telegram retries until 200.
    let deadline = tokio::time::Instant::now() + tg::WAIT;
    loop {
        let res = client
            .post(&hook_url)
            .header("X-Telegram-Bot-Api-Secret-Token", "s3cret_for_tests")
            .json(&update)
            .send()
            .await
            .expect("post");
        if res.status() == 200 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "webhook never accepted: {}",
            res.status()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sent = fake.wait_for_messages(27, 1).await;
    assert!(sent[0].text().contains("<b>data</b>"));
    bot.stop().await;
    assert!(fake.webhook().is_none(), "the webhook is deleted on stop");
    assert_eq!(fake.sent_to(27).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_is_a_clear_error_that_does_not_show_the_token() {
    let fake = FakeTelegram::start().await;
    let token = "987654321:AAWrongTokenWrongTokenWrongToken_xyz";
    let bot = teloxide::Bot::new(token).set_api_url(fake.url().parse().expect("url"));
    let err = bot::serve(
        bot,
        article_engine(),
        settings(),
        Updates::Polling,
        std::future::pending(),
    )
    .await
    .expect_err("a rejected token stops the bot");
    let msg = format!("{err:#}");
    assert!(msg.contains("Telegram rejected the token"), "{msg}");
    assert!(msg.contains("@BotFather"), "{msg}");
    assert!(!msg.contains("AAWrongToken"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_api_is_a_clear_error_without_the_token() {
    // A port nothing listens on: bind, note it, close.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let bot =
        teloxide::Bot::new(tg::TOKEN).set_api_url(format!("http://{addr}/").parse().expect("url"));
    let err = bot::serve(
        bot,
        article_engine(),
        settings(),
        Updates::Polling,
        std::future::pending(),
    )
    .await
    .expect_err("no API, no bot");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("could not reach the Telegram Bot API"),
        "{msg}"
    );
    let secret = tg::TOKEN.split_once(':').map(|x| x.1).unwrap_or_default();
    assert!(!msg.contains(secret), "{msg}");
}

// ---------------------------------------------------------------------------------------
// The binary, as an operator runs it.

#[test]
fn the_binary_without_a_token_says_how_to_get_one_from_botfather() {
    let dir = article_folder();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_passagebot"))
        .current_dir(dir.path())
        .arg("bot")
        .env_remove("TELOXIDE_TOKEN")
        .output()
        .expect("run passagebot");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("TELOXIDE_TOKEN is not set"), "{stderr}");
    assert!(stderr.contains("@BotFather"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_answers_through_teloxide_api_url_stops_on_sigterm_and_never_logs_the_token() {
    let dir = article_folder();
    let fake = FakeTelegram::start().await;
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_passagebot"))
        .current_dir(dir.path())
        .arg("bot")
        .env("TELOXIDE_TOKEN", tg::TOKEN)
        .env("TELOXIDE_API_URL", fake.url())
        .env("RUST_LOG", "debug")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start passagebot bot");
    // Killed if the test fails before it exits by itself.
    struct KillOnDrop(u32);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &self.0.to_string()])
                .status();
        }
    }
    let _guard = KillOnDrop(child.id());
    fake.push_update(tg::private_text(40, "Is marketing data driven?"));
    let sent = fake.wait_for_messages(40, 1).await;
    assert!(sent[0].text().contains("<b>data</b>"), "{}", sent[0].text());

    let pid = child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = tokio::time::timeout(
        tg::WAIT,
        tokio::task::spawn_blocking(move || child.wait_with_output()),
    )
    .await
    .expect("the bot exits after SIGTERM")
    .expect("join")
    .expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("@passage_test_bot"),
        "logs the username: {stderr}"
    );
    assert!(stderr.contains("SIGTERM"), "{stderr}");
    let secret = tg::TOKEN.split_once(':').map(|x| x.1).unwrap_or_default();
    assert!(
        !stderr.contains(secret),
        "the token leaked into the log:\n{stderr}"
    );
    assert_eq!(
        fake.pending_updates(),
        0,
        "the last update was confirmed before exit"
    );
    assert_eq!(fake.sent_to(40).len(), 1);
}
