//! A fake Telegram Bot API server on loopback, for end-to-end tests of the bot.
//!
//! It speaks the part of the Bot API that teloxide and passagebot use, records every
//! request, serves queued updates through a long-polling `getUpdates` that honours
//! `offset`, `limit` and `timeout` like Telegram does, can answer the next call of a
//! method with a 429 (`retry_after`) or a 5xx, can enforce Telegram's sending limits
//! like Telegram does (a 429 with `retry_after` past them: [`FakeTelegram::enforce_limits`]),
//! and checks every HTML text it receives
//! against Telegram's rules (allowed tags only, balanced, entities escaped, at most
//! 4,096 characters). Method names are matched case-insensitively: teloxide sends
//! `SendMessage`, Telegram's documentation says `sendMessage`.

use std::{
    collections::{HashMap, VecDeque},
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::any,
};
use serde_json::{Value, json};
use tokio::sync::watch;

/// The token the fake server accepts; any other token gets 401 like Telegram's.
pub const TOKEN: &str = "123456789:AAFakeTokenForTests_abcdefghijklmnopqrs";
/// The bot's own user id and @username as reported by `getMe`.
pub const BOT_ID: i64 = 4242;
pub const BOT_USERNAME: &str = "passage_test_bot";

/// How long `wait_until` waits before failing a test: generous, CI machines are small.
pub const WAIT: Duration = Duration::from_secs(30);

/// One request the fake server received, with the answer it gave.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The method name, lowercased (`sendmessage`).
    pub method: String,
    pub body: Value,
    pub status: u16,
    pub response: Value,
    pub at: Instant,
}

impl Recorded {
    pub fn ok(&self) -> bool {
        self.status == 200
    }
    pub fn text(&self) -> &str {
        self.body["text"].as_str().unwrap_or_default()
    }
    /// The text as the person sees it: tags removed, entities decoded.
    pub fn plain(&self) -> String {
        plain_text(&self.body)
    }
    pub fn chat_id(&self) -> i64 {
        self.body["chat_id"].as_i64().unwrap_or_default()
    }
    /// The callback data of every inline button on this message, row by row.
    pub fn buttons(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(rows) = self.body["reply_markup"]["inline_keyboard"].as_array() {
            for row in rows {
                for b in row.as_array().into_iter().flatten() {
                    let label = b["text"].as_str().unwrap_or_default().to_owned();
                    let data = b["callback_data"].as_str().unwrap_or_default().to_owned();
                    out.push((label, data));
                }
            }
        }
        out
    }
}

/// Telegram's limits on sending messages, as the fake enforces them when asked
/// ([`FakeTelegram::enforce_limits`]): sliding windows over the moments `sendMessage`
/// requests arrive.
#[derive(Clone, Copy, Debug)]
pub struct SendLimits {
    /// Messages in one chat in any second.
    pub per_chat_per_sec: usize,
    /// Messages in one group (negative chat id) in any minute.
    pub per_group_per_min: usize,
    /// Messages over all chats in any second.
    pub overall_per_sec: usize,
}

impl SendLimits {
    /// Telegram's published limits: 1 a second per chat, 20 a minute per group, 30 a
    /// second overall.
    pub fn telegram() -> SendLimits {
        SendLimits {
            per_chat_per_sec: 1,
            per_group_per_min: 20,
            overall_per_sec: 30,
        }
    }
}

/// A failure to answer the next call of a method with.
#[derive(Clone, Copy, Debug)]
pub enum Failure {
    /// 429 Too Many Requests with `parameters.retry_after` seconds.
    RetryAfter(u32),
    /// 500 Internal Server Error (teloxide waits 10 s after one: use sparingly).
    ServerError,
    /// 400 Bad Request, as for a message Telegram refuses.
    BadRequest,
    /// Answer normally, but only after this long (a slow Telegram).
    Slow(Duration),
    /// Close the connection without answering, before handling the request (so
    /// nothing happened and a retry cannot duplicate anything).
    Drop,
}

#[derive(Default)]
struct Inner {
    /// Updates not yet confirmed by an `offset`, oldest first.
    updates: VecDeque<Value>,
    next_update_id: i64,
    requests: Vec<Recorded>,
    failures: HashMap<String, VecDeque<Failure>>,
    next_message_id: i64,
    /// Messages the bot sent, by message id, as Telegram returned them.
    sent: HashMap<i64, Value>,
    /// Chats seen in updates, so sent messages carry the right chat object.
    chats: HashMap<i64, Value>,
    html_errors: Vec<String>,
    webhook: Option<(String, Option<String>)>,
    /// Chats whose person blocked the bot: sending there fails with 403.
    blocked: std::collections::HashSet<i64>,
    /// Sending limits to enforce, and the messages of the last minute (chat, arrival).
    limits: Option<SendLimits>,
    recent_sends: VecDeque<(i64, Instant)>,
}

struct Shared {
    inner: Mutex<Inner>,
    /// Bumped on every change (new update, new request) so waiters wake up.
    changed: watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock is already a failing test; keep going so the
        // failure that matters is reported rather than a poisoned lock.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn bump(&self) {
        self.changed.send_modify(|g| *g += 1);
    }
}

/// A running fake Bot API server; it stops when dropped.
pub struct FakeTelegram {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeTelegram {
    /// Starts the server on 127.0.0.1 with an OS-chosen port.
    pub async fn start() -> FakeTelegram {
        let (changed, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                next_update_id: 1,
                next_message_id: 1000,
                ..Inner::default()
            }),
            changed,
        });
        let app = Router::new()
            .route("/{bot}/{method}", any(handle))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake telegram");
        let addr = listener.local_addr().expect("local addr");
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("fake telegram server");
        });
        FakeTelegram {
            addr,
            shared,
            server,
        }
    }

    /// The base URL to give teloxide (`Bot::set_api_url`, `TELOXIDE_API_URL`).
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// A teloxide `Bot` pointed at this server.
    pub fn bot(&self) -> teloxide::Bot {
        teloxide::Bot::new(TOKEN).set_api_url(self.url().parse().expect("fake url"))
    }

    /// Queues an update (`kind` is e.g. `{"message": {...}}`) and returns its update_id.
    pub fn push_update(&self, kind: Value) -> i64 {
        let id = {
            let mut inner = self.shared.lock();
            let id = inner.next_update_id;
            inner.next_update_id += 1;
            let mut update = kind;
            update["update_id"] = json!(id);
            for key in ["message", "edited_message"] {
                if let Some(chat) = update[key].get("chat").cloned()
                    && let Some(cid) = chat["id"].as_i64()
                {
                    inner.chats.insert(cid, chat);
                }
            }
            inner.updates.push_back(update);
            id
        };
        self.shared.bump();
        id
    }

    /// From now on, messages to `chat_id` fail like Telegram's for a person who blocked
    /// the bot (403 Forbidden).
    pub fn block_chat(&self, chat_id: i64) {
        self.shared.lock().blocked.insert(chat_id);
    }

    /// From now on, `sendMessage` past `limits` gets a 429 with `retry_after`, as from
    /// Telegram.
    pub fn enforce_limits(&self, limits: SendLimits) {
        self.shared.lock().limits = Some(limits);
    }

    /// How many requests were answered 429 Too Many Requests.
    pub fn too_many_requests(&self) -> usize {
        self.requests().iter().filter(|r| r.status == 429).count()
    }

    /// Updates still waiting for the bot to confirm them.
    pub fn pending_updates(&self) -> usize {
        self.shared.lock().updates.len()
    }

    /// Answers the next call of `method` (any case) with `failure`.
    pub fn fail_next(&self, method: &str, failure: Failure) {
        self.shared
            .lock()
            .failures
            .entry(method.to_ascii_lowercase())
            .or_default()
            .push_back(failure);
    }

    /// Failures queued with `fail_next` that no call has met yet.
    pub fn pending_failures(&self) -> usize {
        self.shared
            .lock()
            .failures
            .values()
            .map(VecDeque::len)
            .sum()
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    /// Requests of one method (any case).
    pub fn calls(&self, method: &str) -> Vec<Recorded> {
        let method = method.to_ascii_lowercase();
        self.requests()
            .into_iter()
            .filter(|r| r.method == method)
            .collect()
    }

    /// Messages successfully sent to `chat_id`, in order.
    pub fn sent_to(&self, chat_id: i64) -> Vec<Recorded> {
        self.calls("sendMessage")
            .into_iter()
            .filter(|r| r.ok() && r.chat_id() == chat_id)
            .collect()
    }

    /// A message the bot sent, as Telegram would include it in a later update.
    pub fn sent_message(&self, message_id: i64) -> Value {
        self.shared
            .lock()
            .sent
            .get(&message_id)
            .cloned()
            .unwrap_or_else(|| panic!("the bot sent no message {message_id}"))
    }

    /// HTML texts that broke Telegram's rules (each was answered with a 400).
    pub fn html_errors(&self) -> Vec<String> {
        self.shared.lock().html_errors.clone()
    }

    /// The webhook URL and secret token set by `setWebhook`, if any.
    pub fn webhook(&self) -> Option<(String, Option<String>)> {
        self.shared.lock().webhook.clone()
    }

    /// Waits until `done` holds for the requests received so far; panics after [`WAIT`]
    /// with the requests seen, so a failing test says what the bot did instead.
    pub async fn wait_until(&self, what: &str, done: impl Fn(&[Recorded]) -> bool) {
        self.wait_until_within(what, WAIT, done).await;
    }

    /// [`FakeTelegram::wait_until`] with its own time limit, for a bot that has to
    /// build an index first.
    pub async fn wait_until_within(
        &self,
        what: &str,
        limit: Duration,
        done: impl Fn(&[Recorded]) -> bool,
    ) {
        let mut rx = self.shared.changed.subscribe();
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if done(&self.shared.lock().requests) {
                return;
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                let seen: Vec<String> = self
                    .requests()
                    .iter()
                    .filter(|r| r.method != "getupdates")
                    .map(|r| format!("{} {} -> {}", r.method, r.body, r.status))
                    .collect();
                panic!(
                    "timed out waiting for {what}; requests seen:\n{}",
                    seen.join("\n")
                );
            }
        }
    }

    /// Waits until `n` messages were sent to `chat_id` and returns them.
    pub async fn wait_for_messages(&self, chat_id: i64, n: usize) -> Vec<Recorded> {
        self.wait_for_messages_within(chat_id, n, WAIT).await
    }

    /// [`FakeTelegram::wait_for_messages`] with its own time limit.
    pub async fn wait_for_messages_within(
        &self,
        chat_id: i64,
        n: usize,
        limit: Duration,
    ) -> Vec<Recorded> {
        let what = format!("{n} message(s) to chat {chat_id}");
        self.wait_until_within(&what, limit, |reqs| {
            reqs.iter()
                .filter(|r| r.method == "sendmessage" && r.ok() && r.chat_id() == chat_id)
                .count()
                >= n
        })
        .await;
        self.sent_to(chat_id)
    }

    /// Waits until the bot has fetched every queued update and confirmed it with a
    /// later `offset` (what teloxide does on graceful shutdown, or on its next poll).
    pub async fn wait_until_confirmed(&self) {
        let mut rx = self.shared.changed.subscribe();
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.pending_updates() > 0 {
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                panic!(
                    "the bot did not confirm {} update(s)",
                    self.pending_updates()
                );
            }
        }
    }
}

/// The Telegram user ids a message's HTML mentions (`<a href="tg://user?id=…">`), in
/// order: the askers a group digest or busy note addresses.
pub fn mentioned_users(html: &str) -> Vec<i64> {
    const MENTION: &str = "tg://user?id=";
    html.match_indices(MENTION)
        .filter_map(|(i, _)| {
            let rest = &html[i + MENTION.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Update builders: the JSON Telegram sends, with the fields teloxide needs.

pub fn user(id: i64, first_name: &str) -> Value {
    json!({"id": id, "is_bot": false, "first_name": first_name, "username": format!("user{id}")})
}

pub fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "Passage", "username": BOT_USERNAME})
}

pub fn private_chat(user_id: i64) -> Value {
    json!({"id": user_id, "type": "private", "first_name": "Tester", "username": format!("user{user_id}")})
}

pub fn group_chat(chat_id: i64) -> Value {
    json!({"id": chat_id, "type": "supergroup", "title": "Study group"})
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

static NEXT_INCOMING_ID: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);

fn incoming_id() -> i64 {
    NEXT_INCOMING_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Entities Telegram would attach: a leading bot command and @mentions.
fn entities(text: &str) -> Value {
    let mut out = Vec::new();
    let utf16_len = |s: &str| s.encode_utf16().count();
    if text.starts_with('/') {
        let end = text.find(char::is_whitespace).unwrap_or(text.len());
        out.push(json!({"type": "bot_command", "offset": 0, "length": utf16_len(&text[..end])}));
    }
    for (i, _) in text.match_indices('@') {
        if i > 0 && !text[..i].ends_with(char::is_whitespace) {
            continue;
        }
        let rest = &text[i + 1..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end > 0 {
            out.push(
                json!({"type": "mention", "offset": utf16_len(&text[..i]), "length": end + 1}),
            );
        }
    }
    Value::Array(out)
}

/// A text message `text` from `user_id` in `chat`.
pub fn text_message(chat: Value, user_id: i64, text: &str) -> Value {
    let mut msg = json!({
        "message_id": incoming_id(),
        "date": now(),
        "chat": chat,
        "from": user(user_id, "Tester"),
        "text": text,
    });
    let ents = entities(text);
    if ents.as_array().is_some_and(|a| !a.is_empty()) {
        msg["entities"] = ents;
    }
    msg
}

/// A private-chat text message update.
pub fn private_text(user_id: i64, text: &str) -> Value {
    json!({"message": text_message(private_chat(user_id), user_id, text)})
}

/// A group text message update.
pub fn group_text(chat_id: i64, user_id: i64, text: &str) -> Value {
    json!({"message": text_message(group_chat(chat_id), user_id, text)})
}

/// A group message replying to `replied` (a message the bot sent, see `sent_message`).
pub fn group_reply(chat_id: i64, user_id: i64, text: &str, replied: Value) -> Value {
    let mut msg = text_message(group_chat(chat_id), user_id, text);
    msg["reply_to_message"] = replied;
    json!({"message": msg})
}

/// A private message replying to `replied` (a message the bot sent, see `sent_message`).
pub fn private_reply(user_id: i64, text: &str, replied: Value) -> Value {
    let mut msg = text_message(private_chat(user_id), user_id, text);
    msg["reply_to_message"] = replied;
    json!({"message": msg})
}

/// An edit of a private message: Telegram sends the whole message again.
pub fn private_edit(user_id: i64, message_id: i64, text: &str) -> Value {
    let mut msg = text_message(private_chat(user_id), user_id, text);
    msg["message_id"] = json!(message_id);
    msg["edit_date"] = json!(now());
    json!({"edited_message": msg})
}

/// A sticker in a private chat.
pub fn private_sticker(user_id: i64) -> Value {
    json!({"message": {
        "message_id": incoming_id(),
        "date": now(),
        "chat": private_chat(user_id),
        "from": user(user_id, "Tester"),
        "sticker": {
            "file_id": "CAACAgIAAxkBAAEB", "file_unique_id": "AgADBAAD",
            "type": "regular", "width": 512, "height": 512,
            "is_animated": false, "is_video": false, "emoji": "👍"
        }
    }})
}

/// A photo in a private chat.
pub fn private_photo(user_id: i64) -> Value {
    json!({"message": {
        "message_id": incoming_id(),
        "date": now(),
        "chat": private_chat(user_id),
        "from": user(user_id, "Tester"),
        "photo": [{"file_id": "AgACAgIAAxkBAAEC", "file_unique_id": "AQADAgAT", "width": 90, "height": 90}]
    }})
}

/// A press of an inline button with `data` under the bot's message `message`.
pub fn callback(user_id: i64, message: Value, data: &str) -> Value {
    json!({"callback_query": {
        "id": format!("cb{}", incoming_id()),
        "from": user(user_id, "Tester"),
        "message": message,
        "chat_instance": "42",
        "data": data,
    }})
}

/// An inline query `@bot query`.
pub fn inline_query(user_id: i64, query: &str) -> Value {
    json!({"inline_query": {
        "id": format!("iq{}", incoming_id()),
        "from": user(user_id, "Tester"),
        "query": query,
        "offset": "",
        "chat_type": "sender",
    }})
}

// ---------------------------------------------------------------------------------------
// The server.

fn ok(result: Value) -> (StatusCode, Value) {
    (StatusCode::OK, json!({"ok": true, "result": result}))
}

fn bad_request(description: impl Into<String>) -> (StatusCode, Value) {
    let description = format!("Bad Request: {}", description.into());
    (
        StatusCode::BAD_REQUEST,
        json!({"ok": false, "error_code": 400, "description": description}),
    )
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    Path((bot, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let method = method.to_ascii_lowercase();
    let body: Value = parse_body(&headers, &body);
    // One queued failure per call, taken in order.
    let failure = take_failure(&shared, &method);
    match failure {
        Some(Failure::Drop) => {
            record(&shared, &method, &body, 0, json!("connection dropped"));
            // Ends this connection's task without an answer: the client sees the
            // connection close mid-request. (resume_unwind skips the panic message.)
            std::panic::resume_unwind(Box::new("the fake server drops the connection"));
        }
        Some(Failure::Slow(delay)) => {
            tokio::time::sleep(delay).await;
        }
        _ => {}
    }

    let (status, response) = if bot != format!("bot{TOKEN}") {
        (
            StatusCode::UNAUTHORIZED,
            json!({"ok": false, "error_code": 401, "description": "Unauthorized"}),
        )
    } else if let Some(failure) = failure.filter(|f| !matches!(f, Failure::Slow(_) | Failure::Drop))
    {
        match failure {
            Failure::Slow(_) | Failure::Drop => unreachable!("filtered out above"),
            Failure::RetryAfter(secs) => too_many(u64::from(secs)),
            Failure::ServerError => (
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"ok": false, "error_code": 500, "description": "Internal Server Error"}),
            ),
            Failure::BadRequest => bad_request("injected failure"),
        }
    } else if let Some(secs) = over_limit(&shared, &method, &body) {
        too_many(secs)
    } else if method == "getupdates" {
        record(&shared, &method, &body, 200, Value::Null);
        let result = get_updates(&shared, &body).await;
        return (
            StatusCode::OK,
            axum::Json(json!({"ok": true, "result": result})),
        )
            .into_response();
    } else {
        answer(&shared, &method, &body)
    };
    record(&shared, &method, &body, status.as_u16(), response.clone());
    (status, axum::Json(response)).into_response()
}

fn too_many(secs: u64) -> (StatusCode, Value) {
    (
        StatusCode::TOO_MANY_REQUESTS,
        json!({"ok": false, "error_code": 429,
               "description": format!("Too Many Requests: retry after {secs}"),
               "parameters": {"retry_after": secs}}),
    )
}

/// With limits enforced: the seconds to wait if this `sendMessage` would exceed them;
/// otherwise it is counted and `None`.
fn over_limit(shared: &Shared, method: &str, body: &Value) -> Option<u64> {
    if method != "sendmessage" {
        return None;
    }
    let chat = body["chat_id"].as_i64()?;
    let mut inner = shared.lock();
    let limits = inner.limits?;
    let now = Instant::now();
    let (second, minute) = (Duration::from_secs(1), Duration::from_secs(60));
    inner
        .recent_sends
        .retain(|&(_, t)| now.duration_since(t) < minute);
    // Seconds until the oldest of `times` (in a window of `window`) leaves it.
    let wait = |times: Vec<Instant>, window: Duration| {
        let oldest = times.into_iter().min().unwrap_or(now);
        (window
            .saturating_sub(now.duration_since(oldest))
            .as_secs_f64()
            .ceil() as u64)
            .max(1)
    };
    let within = |window: Duration, only: Option<i64>| -> Vec<Instant> {
        inner
            .recent_sends
            .iter()
            .filter(|&&(c, t)| only.is_none_or(|o| o == c) && now.duration_since(t) < window)
            .map(|&(_, t)| t)
            .collect()
    };
    let overall = within(second, None);
    if overall.len() >= limits.overall_per_sec {
        return Some(wait(overall, second));
    }
    let chat_sec = within(second, Some(chat));
    if chat_sec.len() >= limits.per_chat_per_sec {
        return Some(wait(chat_sec, second));
    }
    let chat_min = within(minute, Some(chat));
    if chat < 0 && chat_min.len() >= limits.per_group_per_min {
        return Some(wait(chat_min, minute));
    }
    inner.recent_sends.push_back((chat, now));
    None
}

fn parse_body(headers: &HeaderMap, body: &[u8]) -> Value {
    if body.is_empty() {
        return json!({});
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Some(boundary) = content_type
        .strip_prefix("multipart/form-data")
        .and_then(|rest| rest.split("boundary=").nth(1))
    {
        return parse_multipart(body, boundary.trim_matches('"'));
    }
    let is_form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        let text = String::from_utf8_lossy(body);
        let mut map = serde_json::Map::new();
        for pair in text.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            map.insert(k.to_owned(), Value::String(v.to_owned()));
        }
        return Value::Object(map);
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| json!({"_unparsed": String::from_utf8_lossy(body)}))
}

/// Text fields of a multipart body (teloxide uses multipart for e.g. `setWebhook`);
/// each value is parsed as JSON when it is JSON, else kept as a string.
fn parse_multipart(body: &[u8], boundary: &str) -> Value {
    let text = String::from_utf8_lossy(body);
    let mut map = serde_json::Map::new();
    for part in text.split(&format!("--{boundary}")) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        let parsed =
            serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
        map.insert(name.to_owned(), parsed);
    }
    Value::Object(map)
}

fn take_failure(shared: &Shared, method: &str) -> Option<Failure> {
    shared
        .lock()
        .failures
        .get_mut(method)
        .and_then(VecDeque::pop_front)
}

fn record(shared: &Shared, method: &str, body: &Value, status: u16, response: Value) {
    shared.lock().requests.push(Recorded {
        method: method.to_owned(),
        body: body.clone(),
        status,
        response,
        at: Instant::now(),
    });
    shared.bump();
}

/// Long polling like Telegram: `offset` confirms (forgets) every earlier update; the
/// call returns as soon as there are updates at or after `offset`, or after `timeout`.
async fn get_updates(shared: &Shared, body: &Value) -> Value {
    let offset = body["offset"].as_i64().unwrap_or(0);
    let limit = body["limit"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
    let timeout = Duration::from_secs(body["timeout"].as_u64().unwrap_or(0));
    let deadline = tokio::time::Instant::now() + timeout;
    let mut rx = shared.changed.subscribe();
    loop {
        rx.borrow_and_update();
        let (found, confirmed) = {
            let mut inner = shared.lock();
            let before = inner.updates.len();
            if offset < 0 {
                // A negative offset keeps only the last -offset updates.
                let keep = offset.unsigned_abs() as usize;
                while inner.updates.len() > keep {
                    inner.updates.pop_front();
                }
            } else if offset > 0 {
                while inner
                    .updates
                    .front()
                    .is_some_and(|u| u["update_id"].as_i64() < Some(offset))
                {
                    inner.updates.pop_front();
                }
            }
            let found: Vec<Value> = inner.updates.iter().take(limit).cloned().collect();
            (found, inner.updates.len() != before)
        };
        if confirmed {
            shared.bump(); // `pending_updates` changed: wake `wait_until_confirmed`
        }
        if !found.is_empty() {
            return Value::Array(found);
        }
        if tokio::time::timeout_at(deadline, rx.changed())
            .await
            .is_err()
        {
            return json!([]);
        }
    }
}

fn me() -> Value {
    let mut me = bot_user();
    me["can_join_groups"] = json!(true);
    me["can_read_all_group_messages"] = json!(false);
    me["supports_inline_queries"] = json!(true);
    me["has_main_web_app"] = json!(false);
    me
}

fn answer(shared: &Shared, method: &str, body: &Value) -> (StatusCode, Value) {
    match method {
        "getme" => ok(me()),
        "getwebhookinfo" => {
            let url = shared
                .lock()
                .webhook
                .as_ref()
                .map(|w| w.0.clone())
                .unwrap_or_default();
            let pending = shared.lock().updates.len();
            ok(
                json!({"url": url, "has_custom_certificate": false, "pending_update_count": pending}),
            )
        }
        "setwebhook" => {
            let url = body["url"].as_str().unwrap_or_default().to_owned();
            let secret = body["secret_token"].as_str().map(str::to_owned);
            shared.lock().webhook = Some((url, secret));
            ok(json!(true))
        }
        "deletewebhook" => {
            shared.lock().webhook = None;
            ok(json!(true))
        }
        "setmycommands" => match check_commands(body) {
            Ok(()) => ok(json!(true)),
            Err(e) => bad_request(e),
        },
        "sendchataction" | "deletemycommands" | "setmydescription" | "setmyshortdescription" => {
            ok(json!(true))
        }
        "answercallbackquery" => {
            if body["callback_query_id"].as_str().is_none() {
                return bad_request(
                    "query is too old and response timeout expired or query ID is invalid",
                );
            }
            if body["text"]
                .as_str()
                .is_some_and(|t| t.chars().count() > 200)
            {
                return bad_request("MESSAGE_TOO_LONG");
            }
            ok(json!(true))
        }
        "answerinlinequery" => match check_inline_results(shared, body) {
            Ok(()) => ok(json!(true)),
            Err(e) => bad_request(e),
        },
        "sendmessage" => send_message(shared, body),
        "editmessagetext" => edit_message_text(shared, body),
        "deletemessage" => {
            let id = body["message_id"].as_i64().unwrap_or_default();
            match shared.lock().sent.remove(&id) {
                Some(_) => ok(json!(true)),
                None => bad_request("message to delete not found"),
            }
        }
        _ => (
            StatusCode::NOT_FOUND,
            json!({"ok": false, "error_code": 404, "description": "Not Found: method not found"}),
        ),
    }
}

fn check_commands(body: &Value) -> Result<(), String> {
    let commands = body["commands"]
        .as_array()
        .ok_or("commands must be an array")?;
    if commands.len() > 100 {
        return Err("too many commands".into());
    }
    for c in commands {
        let name = c["command"].as_str().unwrap_or_default();
        let desc = c["description"].as_str().unwrap_or_default();
        let valid = (1..=32).contains(&name.len())
            && name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
        if !valid {
            return Err(format!("BOT_COMMAND_INVALID: {name:?}"));
        }
        if !(1..=256).contains(&desc.chars().count()) {
            return Err(format!("BOT_COMMAND_DESCRIPTION_INVALID: {desc:?}"));
        }
    }
    Ok(())
}

/// Checks text + parse mode + reply markup as Telegram does; records HTML errors.
fn check_text(shared: &Shared, body: &Value, text: &str) -> Result<(), String> {
    let parse_mode = body["parse_mode"].as_str().unwrap_or_default();
    let result = if parse_mode.eq_ignore_ascii_case("html") {
        check_html(text).map_err(|e| format!("can't parse entities: {e}"))
    } else {
        let len = text.encode_utf16().count();
        if text.trim().is_empty() {
            Err("message text is empty".to_owned())
        } else if len > 4096 {
            Err(format!("message is too long ({len} > 4096)"))
        } else {
            Ok(())
        }
    };
    if let Err(e) = &result {
        shared
            .lock()
            .html_errors
            .push(format!("{e}\n--- text ---\n{text}"));
    }
    result?;
    check_markup(&body["reply_markup"])
}

fn check_markup(markup: &Value) -> Result<(), String> {
    if markup.is_null() {
        return Ok(());
    }
    let rows = markup["inline_keyboard"]
        .as_array()
        .ok_or("unsupported reply_markup")?;
    for button in rows.iter().filter_map(Value::as_array).flatten() {
        if button["text"].as_str().is_none_or(str::is_empty) {
            return Err("BUTTON_TEXT_INVALID".into());
        }
        if let Some(data) = button.get("callback_data") {
            let data = data.as_str().unwrap_or_default();
            if data.is_empty() || data.len() > 64 {
                return Err(format!("BUTTON_DATA_INVALID: {} bytes", data.len()));
            }
        }
    }
    Ok(())
}

fn send_message(shared: &Shared, body: &Value) -> (StatusCode, Value) {
    let Some(chat_id) = body["chat_id"].as_i64() else {
        return bad_request("chat not found");
    };
    if shared.lock().blocked.contains(&chat_id) {
        return (
            StatusCode::FORBIDDEN,
            json!({"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}),
        );
    }
    let text = body["text"].as_str().unwrap_or_default();
    if let Err(e) = check_text(shared, body, text) {
        return bad_request(e);
    }
    let mut inner = shared.lock();
    let message_id = inner.next_message_id;
    inner.next_message_id += 1;
    let chat = inner.chats.get(&chat_id).cloned().unwrap_or_else(|| {
        if chat_id > 0 {
            private_chat(chat_id)
        } else {
            group_chat(chat_id)
        }
    });
    let mut msg = json!({
        "message_id": message_id,
        "date": now(),
        "chat": chat,
        "from": bot_user(),
        "text": plain_text(body),
    });
    if !body["reply_markup"].is_null() {
        msg["reply_markup"] = body["reply_markup"].clone();
    }
    inner.sent.insert(message_id, msg.clone());
    ok(msg)
}

fn edit_message_text(shared: &Shared, body: &Value) -> (StatusCode, Value) {
    let text = body["text"].as_str().unwrap_or_default();
    if let Err(e) = check_text(shared, body, text) {
        return bad_request(e);
    }
    if body["inline_message_id"].is_string() {
        return ok(json!(true));
    }
    let message_id = body["message_id"].as_i64().unwrap_or_default();
    let mut inner = shared.lock();
    let Some(msg) = inner.sent.get_mut(&message_id) else {
        return bad_request("message to edit not found");
    };
    if msg["text"].as_str() == Some(plain_text(body).as_str())
        && body["reply_markup"] == msg["reply_markup"]
    {
        return bad_request("message is not modified");
    }
    msg["text"] = json!(plain_text(body));
    msg["edit_date"] = json!(now());
    if body["reply_markup"].is_null() {
        if let Some(m) = msg.as_object_mut() {
            m.remove("reply_markup");
        }
    } else {
        msg["reply_markup"] = body["reply_markup"].clone();
    }
    ok(msg.clone())
}

fn check_inline_results(shared: &Shared, body: &Value) -> Result<(), String> {
    if body["inline_query_id"].as_str().is_none() {
        return Err("QUERY_ID_INVALID".into());
    }
    let results = body["results"].as_array().ok_or("RESULTS_INVALID")?;
    if results.len() > 50 {
        return Err("RESULTS_TOO_MUCH".into());
    }
    let mut ids = std::collections::HashSet::new();
    for r in results {
        let id = r["id"].as_str().unwrap_or_default();
        if id.is_empty() || id.len() > 64 || !ids.insert(id.to_owned()) {
            return Err(format!("RESULT_ID_INVALID: {id:?}"));
        }
        if r["title"].as_str().is_none_or(str::is_empty) {
            return Err("RESULT_TITLE_EMPTY".into());
        }
        let content = &r["input_message_content"];
        let text = content["message_text"].as_str().unwrap_or_default();
        check_text(shared, content, text)?;
        check_markup(&r["reply_markup"])?;
    }
    Ok(())
}

/// The text a user would see: tags removed, entities decoded (HTML mode), as is otherwise.
fn plain_text(body: &Value) -> String {
    let text = body["text"].as_str().unwrap_or_default();
    if body["parse_mode"]
        .as_str()
        .is_some_and(|m| m.eq_ignore_ascii_case("html"))
    {
        html_to_text(text).unwrap_or_else(|_| text.to_owned())
    } else {
        text.to_owned()
    }
}

// ---------------------------------------------------------------------------------------
// Telegram's HTML rules (https://core.telegram.org/bots/api#html-style).

const ALLOWED_TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "tg-emoji",
    "code",
    "pre",
    "blockquote",
];

/// Checks `html` the way Telegram parses it and returns the first problem found.
pub fn check_html(html: &str) -> Result<(), String> {
    let text = html_to_text(html)?;
    if text.trim().is_empty() {
        return Err("message text is empty".into());
    }
    let len = text.encode_utf16().count();
    if len > 4096 {
        return Err(format!(
            "message is too long ({len} > 4096 characters after parsing)"
        ));
    }
    Ok(())
}

/// Parses Telegram HTML into the visible text, or says what is wrong with it.
pub fn html_to_text(html: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest
                    .find('>')
                    .ok_or_else(|| format!("unclosed start tag at {:?}", head(rest)))?;
                let tag = &rest[1..end];
                rest = &rest[end + 1..];
                if let Some(name) = tag.strip_prefix('/') {
                    let name = name.trim().to_ascii_lowercase();
                    match stack.pop() {
                        Some(open) if open == name => {}
                        Some(open) => {
                            return Err(format!("unmatched end tag </{name}>, expected </{open}>"));
                        }
                        None => return Err(format!("unexpected end tag </{name}>")),
                    }
                } else {
                    let name: String = tag
                        .chars()
                        .take_while(|c| !c.is_whitespace() && *c != '/')
                        .collect::<String>()
                        .to_ascii_lowercase();
                    if !ALLOWED_TAGS.contains(&name.as_str()) {
                        return Err(format!("unsupported start tag \"{name}\""));
                    }
                    let attrs = tag[name.len()..].trim();
                    match name.as_str() {
                        "a" if !attrs.starts_with("href=") => return Err("<a> needs href".into()),
                        "span" if attrs != "class=\"tg-spoiler\"" => {
                            return Err("<span> needs class=\"tg-spoiler\"".into());
                        }
                        "blockquote" if !(attrs.is_empty() || attrs == "expandable") => {
                            return Err(format!("bad blockquote attributes {attrs:?}"));
                        }
                        "a" | "span" | "blockquote" | "code" | "pre" | "tg-emoji" => {}
                        _ if !attrs.is_empty() => {
                            return Err(format!("<{name}> takes no attributes"));
                        }
                        _ => {}
                    }
                    if name == "blockquote" && stack.iter().any(|t| t == "blockquote") {
                        return Err("blockquotes cannot be nested".into());
                    }
                    if stack.iter().any(|t| t == "pre" || t == "code")
                        && !(name == "code" && stack.last().is_some_and(|t| t == "pre"))
                    {
                        return Err(format!("<{name}> inside pre/code"));
                    }
                    stack.push(name);
                }
            }
            '&' => {
                let end = rest
                    .find(';')
                    .filter(|&e| e <= 10)
                    .ok_or_else(|| format!("unescaped & at {:?}", head(rest)))?;
                let entity = &rest[1..end];
                let decoded = match entity {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "quot" => '"',
                    _ => {
                        let n = if let Some(hex) = entity
                            .strip_prefix("#x")
                            .or_else(|| entity.strip_prefix("#X"))
                        {
                            u32::from_str_radix(hex, 16).ok()
                        } else if let Some(dec) = entity.strip_prefix('#') {
                            dec.parse().ok()
                        } else {
                            None
                        };
                        n.and_then(char::from_u32)
                            .ok_or_else(|| format!("unsupported entity &{entity};"))?
                    }
                };
                out.push(decoded);
                rest = &rest[end + 1..];
            }
            '>' => return Err(format!("unescaped > at {:?}", head(rest))),
            _ => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!(
            "can't find end tag corresponding to start tag \"{open}\""
        ));
    }
    Ok(out)
}

fn head(s: &str) -> String {
    s.chars().take(30).collect()
}
