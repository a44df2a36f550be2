//! Sending: one bounded outbox per chat, drained by that chat's own sender task within
//! Telegram's limits ([`super::budget`]), so no chat waits for another.
//!
//! # Why
//! teloxide gives each chat a worker queue of 64 updates, and when one is full its
//! dispatcher waits, so every chat waits. Its `Throttle` adaptor makes a handler's
//! `send` wait for the chat's budget, 20 messages a minute in a group: a class asking
//! in one group filled the group's queue in seconds and stalled the whole bot.
//!
//! # Design
//! - Handlers never wait on sending. They turn an update into the core's effects (a
//!   search takes milliseconds) and push the messages into the chat's outbox here;
//!   so the dispatcher's per-chat queues drain at the speed of search, not of Telegram.
//! - Each chat with something to send has one sender task. It asks the [`Budget`]
//!   before every message (1 a second per chat, 20 a minute per group, 30 a second in
//!   all, with a share kept for operator chats), sends, and honours a 429's
//!   `retry_after` for that chat only. The task ends when its outbox is empty.
//! - In groups, answers that pile up while the sender waits for the budget go out as
//!   one *digest*: each asker mentioned, the top passage shortened, a "More for …"
//!   button for the whole answer ([`telegram::digest`]). A lone answer goes out whole.
//! - An outbox holds at most [`BACKLOG`] messages (`Settings::backlog`). Past that, a new question in
//!   the chat is not answered but its asker is named in one short "busy, ask again in
//!   a minute" note, at most one note per chat per minute, naming everyone who was
//!   turned away meanwhile (a bounded list and a count). Nothing is dropped silently
//!   and nothing grows without bound.
//! - Operator chats first: their messages (and relays of their replies) go to the
//!   front of an outbox, operator chats are never "busy", and the overall rate keeps
//!   a reserve only they may use.
//! - A message that cannot be sent is logged; if it answered someone, they get an
//!   apology. A digest that cannot be sent is split back into whole answers.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, MessageId, ParseMode, ReplyParameters};
use tokio::sync::oneshot;

use super::budget::{Budget, Limits, is_group};
use super::buttons;
use super::retry::{self, Retry};
use super::token::redact;
use crate::conversation::{Core, Event, Message as Outgoing};
use crate::render::telegram;

/// Messages a chat's outbox holds before new questions there get the busy note: a
/// group's three minutes of digests.
pub const BACKLOG: usize = 60;
/// Answers one digest carries at most.
const DIGEST_MAX: usize = 10;
/// People one busy note names; the rest are counted.
const BUSY_NAMES: usize = 30;
/// At most one busy note per chat this often.
const BUSY_EVERY: Duration = Duration::from_secs(60);
/// 429s one message may get before it is given up.
const MAX_RETRIES: u32 = 5;
/// Sorry, when a reply could not be sent.
const APOLOGY: &str = "Sorry, something went wrong on my side. Please try again in a moment.";

/// Where a reply goes: the chat, and in groups the message it answers.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    pub chat: ChatId,
    pub reply_to: Option<MessageId>,
}

impl Target {
    /// A fresh message in `chat`, not a reply.
    pub fn chat(chat: ChatId) -> Target {
        Target {
            chat,
            reply_to: None,
        }
    }
}

/// How a delivery the caller waits for went: the ids of the messages that arrived,
/// and Telegram's refusal if a part did not.
pub struct Delivery {
    pub sent: Vec<i64>,
    pub error: Option<RequestError>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum OnFailure {
    Apologise,
    Log,
}

struct Item {
    target: Target,
    message: Outgoing,
    on_failure: OnFailure,
    done: Option<oneshot::Sender<Delivery>>,
    /// Goes ahead of the messages that are not (operators' posts, relays), in order.
    first: bool,
}

impl Item {
    /// Can go out as a digest entry.
    fn briefable(&self) -> bool {
        self.message.brief.is_some() && self.done.is_none()
    }
}

#[derive(Default)]
struct Lane {
    items: VecDeque<Item>,
    /// Mentions of the people turned away since the last busy note.
    busy: Vec<String>,
    busy_others: usize,
    last_busy_note: Option<Instant>,
}

/// What a sender does next.
enum Job {
    One(Item),
    Digest(Vec<Item>),
    Busy(String),
    Wait(Duration),
}

/// Every chat's outbox (see the module doc).
#[derive(Clone)]
pub struct Outbox {
    inner: Arc<Inner>,
}

struct Inner {
    bot: Bot,
    core: Arc<Core>,
    budget: Budget,
    operators: Vec<i64>,
    backlog: usize,
    /// How a send that failed on the way (5xx, dropped connection) is retried.
    retry: Retry,
    // A std mutex: short critical sections, never held across an await. A chat has
    // a lane exactly while its sender task runs.
    lanes: Mutex<HashMap<i64, Lane>>,
}

impl Outbox {
    pub fn new(
        bot: Bot,
        core: Arc<Core>,
        limits: Limits,
        operators: Vec<i64>,
        backlog: usize,
        retry: Retry,
    ) -> Outbox {
        Outbox {
            inner: Arc::new(Inner {
                bot,
                core,
                budget: Budget::new(limits),
                operators,
                backlog: backlog.max(1),
                retry,
                lanes: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Queues an answer to a person; they get an apology if it cannot be sent.
    pub fn reply(&self, target: Target, message: Outgoing) {
        self.push(target, message, OnFailure::Apologise, None, false);
    }

    /// Queues a message whose failure is only logged.
    pub fn send(&self, target: Target, message: Outgoing) {
        self.push(target, message, OnFailure::Log, None, false);
    }

    /// Queues `message` at the front of the chat's outbox (operators' messages).
    pub fn send_first(&self, target: Target, message: Outgoing) {
        self.push(target, message, OnFailure::Log, None, true);
    }

    /// Sends `parts` ahead of the chat's other messages and waits until they went out.
    pub async fn deliver(&self, target: Target, parts: Vec<String>) -> Delivery {
        let (tx, rx) = oneshot::channel();
        self.push(
            target,
            Outgoing::parts(parts),
            OnFailure::Log,
            Some(tx),
            true,
        );
        rx.await.unwrap_or_else(|_| Delivery {
            sent: Vec::new(),
            error: Some(RequestError::Io(Arc::new(std::io::Error::other(
                "the outbox stopped before sending",
            )))),
        })
    }

    /// Apologises in `target` (a failure is only logged).
    pub fn apologise(&self, target: Target) {
        self.send(target, Outgoing::html(telegram::escape(APOLOGY)));
    }

    /// Whether `chat`'s outbox is full: new questions there get the busy note.
    /// Operator chats are never full.
    pub fn full(&self, chat: i64) -> bool {
        !self.inner.operators.contains(&chat)
            && self
                .inner
                .lanes()
                .get(&chat)
                .is_some_and(|l| l.items.len() >= self.inner.backlog)
    }

    /// Whether nothing waits to be sent to `chat`.
    pub fn idle(&self, chat: i64) -> bool {
        self.inner
            .lanes()
            .get(&chat)
            .is_none_or(|l| l.items.is_empty())
    }

    /// Turns away a question in full `chat`: its asker (`mention_html`) is named in
    /// the chat's next busy note.
    pub fn busy(&self, chat: i64, mention_html: String) {
        let mut lanes = self.inner.lanes();
        let lane = self.lane(&mut lanes, chat);
        if lane.busy.contains(&mention_html) {
            return;
        }
        if lane.busy.len() < BUSY_NAMES {
            lane.busy.push(mention_html);
        } else {
            lane.busy_others += 1;
        }
    }

    /// Waits until every chat's sender has finished, or `limit` passed (on
    /// shutdown). A lane lives until its sender finds nothing left to send, so this
    /// also waits for the message a sender holds: one being sent, or waiting out a
    /// 429 (counting only queued messages lost that one).
    pub async fn drained(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let (senders, waiting) = {
                let lanes = self.inner.lanes();
                let queued: usize = lanes.values().map(|l| l.items.len()).sum();
                (lanes.len(), queued)
            };
            if senders == 0 {
                return;
            }
            if Instant::now() >= deadline {
                tracing::warn!(senders, waiting, "stopping with messages still unsent");
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn push(
        &self,
        target: Target,
        message: Outgoing,
        on_failure: OnFailure,
        done: Option<oneshot::Sender<Delivery>>,
        first: bool,
    ) {
        let item = Item {
            target,
            message,
            on_failure,
            done,
            first,
        };
        let mut lanes = self.inner.lanes();
        let lane = self.lane(&mut lanes, target.chat.0);
        if first {
            let at = lane.items.iter().take_while(|i| i.first).count();
            lane.items.insert(at, item);
        } else {
            lane.items.push_back(item);
        }
    }

    /// `chat`'s lane, starting its sender when the chat had none.
    fn lane<'a>(&self, lanes: &'a mut HashMap<i64, Lane>, chat: i64) -> &'a mut Lane {
        lanes.entry(chat).or_insert_with(|| {
            tokio::spawn(drain(self.inner.clone(), chat));
            Lane::default()
        })
    }
}

impl Inner {
    fn lanes(&self) -> MutexGuard<'_, HashMap<i64, Lane>> {
        self.lanes.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn is_operator(&self, chat: i64) -> bool {
        self.operators.contains(&chat)
    }
}

/// A chat's sender: sends what its outbox holds, then ends (removing the lane).
async fn drain(inner: Arc<Inner>, chat: i64) {
    let operator = inner.is_operator(chat);
    loop {
        // Wait for the chat's budget before choosing what to send: what piled up
        // meanwhile goes out together.
        let mut waited = false;
        while let Err(wait) = inner.budget.room(chat, operator, Instant::now()) {
            waited = true;
            tokio::time::sleep(wait).await;
        }
        let job = {
            let mut lanes = inner.lanes();
            let Some(lane) = lanes.get_mut(&chat) else {
                return;
            };
            match next_job(lane, chat, waited, Instant::now()) {
                Some(job) => job,
                None => {
                    lanes.remove(&chat);
                    return;
                }
            }
        };
        match job {
            Job::Wait(d) => tokio::time::sleep(d).await,
            Job::Busy(html) => {
                tracing::info!(chat = %inner.core.log_chat(chat), "outbox full: sending the busy note");
                if let Err(err) = send_one(&inner, Target::chat(ChatId(chat)), &html, None).await {
                    tracing::warn!(
                        chat = %inner.core.log_chat(chat),
                        "could not send the busy note: {}",
                        redact(&err.to_string())
                    );
                }
            }
            Job::One(item) => send_item(&inner, item).await,
            Job::Digest(items) => send_digest(&inner, chat, items).await,
        }
    }
}

/// The next thing `chat`'s sender does: a due busy note, the next message (with the
/// answers behind it as one digest, in a group whose budget made the sender
/// `wait`), a wait for the busy note, or nothing (the lane is done).
fn next_job(lane: &mut Lane, chat: i64, waited: bool, now: Instant) -> Option<Job> {
    if !lane.busy.is_empty() {
        let due = lane.last_busy_note.map_or(Duration::ZERO, |t| {
            (t + BUSY_EVERY).saturating_duration_since(now)
        });
        if due.is_zero() {
            lane.last_busy_note = Some(now);
            let others = std::mem::take(&mut lane.busy_others);
            return Some(Job::Busy(telegram::busy_note(
                &std::mem::take(&mut lane.busy),
                others,
            )));
        }
        if lane.items.is_empty() {
            return Some(Job::Wait(due));
        }
    }
    let item = lane.items.pop_front()?;
    let digest = waited && is_group(chat) && item.briefable();
    if !(digest && lane.items.front().is_some_and(Item::briefable)) {
        return Some(Job::One(item));
    }
    let mut batch = vec![item];
    while batch.len() < DIGEST_MAX && lane.items.front().is_some_and(Item::briefable) {
        let briefs: Vec<&str> = batch
            .iter()
            .chain(lane.items.front())
            .filter_map(|i| i.message.brief.as_ref().map(|b| b.html.as_str()))
            .collect();
        if telegram::digest_fits(&briefs) < briefs.len() {
            break;
        }
        batch.extend(lane.items.pop_front());
    }
    Some(match batch.len() {
        1 => Job::One(batch.remove(0)),
        _ => Job::Digest(batch),
    })
}

/// Sends one queued message; reports to whoever waits, apologises if it answered
/// someone and failed.
async fn send_item(inner: &Arc<Inner>, item: Item) {
    let Item {
        target,
        message,
        on_failure,
        done,
        ..
    } = item;
    let delivery = send_message(inner, target, message).await;
    if let Some(err) = &delivery.error {
        tracing::warn!(
            chat = %inner.core.log_chat(target.chat.0),
            "could not send a message: {}",
            redact(&err.to_string())
        );
        if on_failure == OnFailure::Apologise
            && let Err(err) = send_one(inner, target, &telegram::escape(APOLOGY), None).await
        {
            tracing::warn!("could not even apologise: {}", redact(&err.to_string()));
        }
    }
    if let Some(done) = done {
        // The waiter may have gone (shutdown); nothing to tell then.
        let _ = done.send(delivery);
    }
}

/// Sends answers as one digest; tells the core they went out short. If the digest
/// cannot be sent, the answers go back to the front of the outbox, whole.
async fn send_digest(inner: &Arc<Inner>, chat: i64, items: Vec<Item>) {
    let briefs: Vec<&str> = items
        .iter()
        .filter_map(|i| i.message.brief.as_ref().map(|b| b.html.as_str()))
        .collect();
    let html = telegram::digest(&briefs);
    let rows: Vec<Vec<(String, crate::conversation::Button)>> = items
        .iter()
        .filter_map(|i| i.message.brief.as_ref()?.button.clone())
        .map(|b| vec![b])
        .collect();
    let keyboard = (!rows.is_empty()).then(|| buttons::keyboard(&rows));
    tracing::debug!(chat = %inner.core.log_chat(chat), answers = items.len(), "sending a digest");
    match send_one(inner, Target::chat(ChatId(chat)), &html, keyboard).await {
        Ok(_) => {
            let answers = items
                .iter()
                .filter_map(|i| i.message.brief.as_ref().map(|b| b.answer))
                .collect();
            let core = inner.core.clone();
            let briefed =
                tokio::task::spawn_blocking(move || core.handle(Event::Briefed { chat, answers }));
            if let Err(err) = briefed.await {
                tracing::error!("could not record a digest: {err}");
            }
        }
        Err(err) => {
            tracing::warn!(
                chat = %inner.core.log_chat(chat),
                "could not send a digest; sending the answers whole: {}",
                redact(&err.to_string())
            );
            let mut lanes = inner.lanes();
            let lane = lanes.entry(chat).or_default();
            for mut item in items.into_iter().rev() {
                item.message.brief = None;
                lane.items.push_front(item);
            }
        }
    }
}

/// Sends a message's parts in order, its buttons on the last part only.
async fn send_message(inner: &Inner, target: Target, message: Outgoing) -> Delivery {
    let last = message.parts.len().saturating_sub(1);
    let mut keyboard = (!message.buttons.is_empty()).then(|| buttons::keyboard(&message.buttons));
    let mut sent = Vec::new();
    for (i, part) in message.parts.iter().enumerate() {
        let kb = if i == last { keyboard.take() } else { None };
        match send_one(inner, target, part, kb).await {
            Ok(m) => sent.push(i64::from(m.id.0)),
            Err(error) => {
                return Delivery {
                    sent,
                    error: Some(error),
                };
            }
        }
    }
    Delivery { sent, error: None }
}

/// Sends one HTML message (as a reply when `target` says so) within the budget,
/// waiting out 429s for this chat.
async fn send_one(
    inner: &Inner,
    target: Target,
    html: &str,
    keyboard: Option<InlineKeyboardMarkup>,
) -> Result<teloxide::types::Message, RequestError> {
    let chat = target.chat.0;
    let operator = inner.is_operator(chat);
    let mut retries = 0;
    let (mut failures, mut delay) = (1, inner.retry.delay);
    loop {
        let grant = loop {
            match inner.budget.try_send(chat, operator, Instant::now()) {
                Ok(grant) => break grant,
                Err(wait) => tokio::time::sleep(wait).await,
            }
        };
        let mut req = inner
            .bot
            .send_message(target.chat, html)
            .parse_mode(ParseMode::Html);
        if let Some(id) = target.reply_to {
            req = req.reply_parameters(ReplyParameters::new(id).allow_sending_without_reply());
        }
        if let Some(kb) = &keyboard {
            req = req.reply_markup(kb.clone());
        }
        let result = req.await;
        inner.budget.sent(grant, Instant::now());
        match result {
            Err(RequestError::RetryAfter(after)) if retries < MAX_RETRIES => {
                retries += 1;
                tracing::warn!(chat = %inner.core.log_chat(chat), retry_after = ?after.duration(), "Telegram asked to slow down (429)");
                inner.budget.freeze(chat, after.duration(), Instant::now());
            }
            // A 5xx or a connection dropped on the way: the same message again,
            // after a growing pause (`Settings::retry`).
            Err(err) if failures < inner.retry.attempts && retry::transient(&err) => {
                tracing::warn!(
                    chat = %inner.core.log_chat(chat),
                    attempt = failures,
                    "could not send a message (will retry in {delay:?}): {}",
                    redact(&err.to_string())
                );
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2);
                failures += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::{Brief, Button};

    const GROUP: i64 = -100;

    fn answer(n: u64) -> Item {
        Item {
            target: Target::chat(ChatId(GROUP)),
            message: Outgoing {
                parts: vec![format!("answer {n}")],
                buttons: Vec::new(),
                brief: Some(Brief {
                    html: format!("brief {n}"),
                    button: Some((format!("More for {n}"), Button::More(n))),
                    answer: n,
                }),
            },
            on_failure: OnFailure::Apologise,
            done: None,
            first: false,
        }
    }

    fn note() -> Item {
        Item {
            message: Outgoing::html("a note".into()),
            ..answer(0)
        }
    }

    fn lane(items: impl IntoIterator<Item = Item>) -> Lane {
        Lane {
            items: items.into_iter().collect(),
            ..Lane::default()
        }
    }

    fn sizes(lane: &mut Lane, chat: i64, waited: bool) -> Vec<usize> {
        let mut out = Vec::new();
        while let Some(job) = next_job(lane, chat, waited, Instant::now()) {
            out.push(match job {
                Job::One(_) => 1,
                Job::Digest(items) => items.len(),
                Job::Busy(_) | Job::Wait(_) => 0,
            });
        }
        out
    }

    #[test]
    fn answers_piled_up_in_a_group_that_had_to_wait_go_out_as_digests_of_at_most_ten() {
        let mut l = lane((1..=12).map(answer));
        assert_eq!(sizes(&mut l, GROUP, true), [10, 2]);
        // Without a wait for the budget nothing piled up for long: whole answers.
        let mut l = lane((1..=3).map(answer));
        assert_eq!(sizes(&mut l, GROUP, false), [1, 1, 1]);
    }

    #[test]
    fn private_chats_and_messages_that_are_not_answers_are_never_merged() {
        let mut l = lane((1..=3).map(answer));
        assert_eq!(sizes(&mut l, 5, true), [1, 1, 1]);
        let mut l = lane([answer(1), answer(2), note(), answer(3), answer(4)]);
        assert_eq!(sizes(&mut l, GROUP, true), [2, 1, 2], "order is kept");
    }

    #[test]
    fn the_busy_note_names_everyone_turned_away_and_comes_at_most_once_a_minute() {
        let t0 = Instant::now();
        let mut l = lane([answer(1)]);
        l.busy = vec!["<b>Ann</b>".into(), "<b>Bob</b>".into()];
        l.busy_others = 3;
        let Some(Job::Busy(html)) = next_job(&mut l, GROUP, false, t0) else {
            panic!("the note comes first");
        };
        assert!(
            html.starts_with("<b>Ann</b>, <b>Bob</b> and 3 more:"),
            "{html}"
        );
        assert!(html.contains("in a minute"), "{html}");
        l.busy.push("<b>Cy</b>".into());
        assert!(matches!(
            next_job(&mut l, GROUP, false, t0),
            Some(Job::One(_))
        ));
        let later = t0 + Duration::from_secs(10);
        let Some(Job::Wait(d)) = next_job(&mut l, GROUP, false, later) else {
            panic!("a turned-away asker is never forgotten");
        };
        assert_eq!(d, Duration::from_secs(50));
        assert!(matches!(
            next_job(&mut l, GROUP, false, t0 + BUSY_EVERY),
            Some(Job::Busy(_))
        ));
        assert!(next_job(&mut l, GROUP, false, t0 + BUSY_EVERY).is_none());
    }
}
