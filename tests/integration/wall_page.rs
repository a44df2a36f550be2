//! The wall's page in headless Chromium at a projector's 1024×768 (issue 23): a long
//! passage ends after a whole sentence with "…" and stays on the screen, and every
//! percentage says which measure it is (the calibrated chance that the passage
//! answers, or the share of the question's words covered).

use passagebot::wall::{self, Access, Outcome, Passage, Wall, WallEvent};
use serde_json::json;

use crate::support::browser::Browser;
use crate::support::fake_telegram as tg;

/// Twelve sentences of about 150 characters: far more than a 1024×768 screen holds
/// under the question, and more than the five lines the page used to show.
fn long_passage() -> String {
    (1..=12)
        .map(|i| {
            format!(
                "Sentence {i} says that marketing and sales work together on the same customers, \
                 so the two teams share their data, their goals and their words every week."
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn answered(question: &str, text: &str, calibrated: bool, confidence: f32) -> WallEvent {
    WallEvent {
        calibrated,
        passage: Some(Passage::new(text, &[(0, 8)], "The article", 3)),
        ..WallEvent::new(question, Outcome::Answered, "", confidence)
    }
}

/// What the page shows of the latest question, and where it ends.
const STATE: &str = "
const latest = document.getElementById('latest');
const quote = latest.querySelector('blockquote');
const q = latest.querySelector('.question');
return {
  state: document.body.dataset.state,
  question: q ? q.textContent : null,
  quote: quote ? quote.textContent : null,
  clamped: quote ? quote.classList.contains('clamped') : null,
  bottom: latest.getBoundingClientRect().bottom,
  height: innerHeight,
  measure: latest.querySelector('.meter span')?.textContent ?? null,
  earlier: Array.from(document.querySelectorAll('#earlier .p')).map((p) => p.textContent),
  caption: document.getElementById('chart-caption')?.textContent ?? null,
  caption_fits: ((c) => c ? c.scrollHeight <= c.clientHeight + 1 && c.scrollWidth <= c.clientWidth + 1 : null)(
    document.getElementById('chart-caption')),
  hollow: document.querySelectorAll('#chart rect.words').length,
  bars: document.querySelectorAll('#chart rect').length,
};";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_1024_by_768_a_long_passage_ends_on_a_whole_sentence_and_each_measure_is_named() {
    let browser = Browser::start().await;
    browser.resize(1024, 768).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let access = Access::new(listener.local_addr().expect("address"), None).expect("loopback");
    let url = access.url();
    let wall = Wall::new(false);
    // Words alone decided this one: its 100% is of words, not a chance.
    wall.publish(answered(
        "Is marketing data driven?",
        "Marketing is data-driven.",
        false,
        1.0,
    ));
    wall.publish(answered(
        "How do the two teams work together?",
        &long_passage(),
        true,
        0.72,
    ));
    let server = tokio::spawn(wall::serve(listener, wall.clone(), access));
    browser.goto(&url).await;
    let (page, _) = browser
        .wait_for("the long passage", STATE, tg::WAIT, |v| {
            v["state"] == "live" && v["question"] == "How do the two teams work together?"
        })
        .await;

    let quote = page["quote"].as_str().unwrap_or_default();
    let shown = quote
        .strip_suffix(" …")
        .unwrap_or_else(|| panic!("a passage too long for the screen ends with \" …\": {page}"));
    assert!(
        shown.ends_with("every week."),
        "cut after a sentence: {page}"
    );
    assert!(long_passage().starts_with(shown), "{page}");
    assert!(shown.len() < long_passage().len(), "{page}");
    assert_eq!(page["clamped"], false, "{page}");
    assert!(
        page["bottom"].as_f64() <= page["height"].as_f64(),
        "the latest question fits the screen: {page}"
    );
    assert_eq!(page["measure"], "chance the passage answers", "{page}");
    assert_eq!(page["earlier"], json!(["100% of words"]), "{page}");
    assert_eq!(
        page["caption"], "solid: chance it answers · hollow: words covered",
        "{page}"
    );
    assert_eq!(page["caption_fits"], true, "the legend is not cut: {page}");
    assert_eq!(
        (&page["bars"], &page["hollow"]),
        (&json!(2), &json!(1)),
        "{page}"
    );

    // A short passage is shown whole; the words' measure is named as such.
    wall.publish(answered(
        "Is sales data driven?",
        "Sales is people-driven. It always was.",
        false,
        0.8,
    ));
    let (page, _) = browser
        .wait_for("the short passage", STATE, tg::WAIT, |v| {
            v["question"] == "Is sales data driven?"
        })
        .await;
    assert_eq!(
        page["quote"], "Sales is people-driven. It always was.",
        "{page}"
    );
    assert_eq!(page["measure"], "words of the question covered", "{page}");
    assert_eq!(
        page["earlier"],
        json!(["72% chance", "100% of words"]),
        "{page}"
    );
    browser.close().await;
    server.abort();
}
