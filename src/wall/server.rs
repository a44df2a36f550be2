//! The wall's routes (axum): `GET /` the page, `GET /events` a Server-Sent Events
//! stream of the [`Wall`]'s state, then one event per question. Both first ask
//! [`Access::admits`] about the request's Host and token. (Connections, their cap
//! and deadlines are `listen.rs`'s.)
//!
//! Events: `snapshot` (data: [`super::Snapshot`], the page starts over from it) on
//! connect, again whenever the page fell behind, and after `/forget`; `question`
//! (data: [`super::Update`]) for each new question.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt as _;
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::RecvError;

use super::access::Access;
use super::hub::{Change, Snapshot, Update, Wall};
use super::listen::{self, Limits};

/// The page, served from the binary: inline CSS and script, nothing from elsewhere.
const PAGE: &str = include_str!("page.html");

/// The page may run its own inline script and styles and talk to this server; nothing
/// else (no other origin, no plugins, no frames).
const POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

#[derive(Clone)]
struct Shared {
    wall: Wall,
    access: Arc<Access>,
}

/// The wall's routes.
pub fn router(wall: Wall, access: Access) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/events", get(events))
        .with_state(Shared {
            wall,
            access: Arc::new(access),
        })
}

/// Serves the wall on `listener` with the default [`Limits`] until the task is
/// dropped or aborted (its streams never end by themselves, so there is no graceful
/// stop to wait for).
pub async fn serve(
    listener: tokio::net::TcpListener,
    wall: Wall,
    access: Access,
) -> std::io::Result<()> {
    serve_with(listener, wall, access, Limits::default()).await
}

/// [`serve`] within `limits`.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    wall: Wall,
    access: Access,
    limits: Limits,
) -> std::io::Result<()> {
    listen::accept(listener, router(wall, access), limits).await
}

async fn page(State(s): State<Shared>, uri: Uri, headers: HeaderMap) -> Response {
    if let Some(refused) = refusal(&s.access, &uri, &headers) {
        return refused;
    }
    let mut response = Html(PAGE).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(POLICY),
    );
    // The token is in the address: never pass it on.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

async fn events(State(s): State<Shared>, uri: Uri, headers: HeaderMap) -> Response {
    if let Some(refused) = refusal(&s.access, &uri, &headers) {
        return refused;
    }
    let events = stream_of(s.wall).map(|message| Ok::<_, Infallible>(message.event()));
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// The answer refusing the request, if its Host (the header; the address's
/// authority for a request that names one instead; none when there are two Host
/// headers) and its query do not pass [`Access::admits`].
fn refusal(access: &Access, uri: &Uri, headers: &HeaderMap) -> Option<Response> {
    let mut hosts = headers.get_all(header::HOST).iter();
    let host = match (hosts.next(), hosts.next()) {
        (Some(one), None) => Some(one.as_bytes()),
        (None, _) => uri.authority().map(|a| a.as_str().as_bytes()),
        (Some(_), Some(_)) => None,
    };
    let refused = access.admits(host, uri.query()).err()?;
    let status = StatusCode::from_u16(refused.status()).unwrap_or(StatusCode::FORBIDDEN);
    Some((status, refused.message(access.addr())).into_response())
}

/// What a page is sent.
#[derive(Debug)]
enum Message {
    /// Start over from this state.
    Snapshot(Snapshot),
    Question(Arc<Update>),
}

impl Message {
    fn event(self) -> Event {
        match self {
            Message::Snapshot(snapshot) => json_event("snapshot", &snapshot),
            Message::Question(update) => json_event("question", update.as_ref()),
        }
    }
}

/// The snapshot, then each update; a page that fell behind, or whose wall forgot
/// someone, gets a fresh snapshot.
fn stream_of(wall: Wall) -> impl Stream<Item = Message> {
    let (snapshot, rx) = wall.subscribe();
    let first = Some(Message::Snapshot(snapshot));
    stream::unfold((wall, rx, first), |(wall, mut rx, first)| async move {
        if let Some(message) = first {
            return Some((message, (wall, rx, None)));
        }
        let message = match rx.recv().await {
            Ok(Change::Question(update)) => Message::Question(update),
            // The page fell behind, or the wall forgot someone: start over.
            // Resubscribing takes the snapshot and the new position together.
            Ok(Change::Reset) | Err(RecvError::Lagged(_)) => {
                let (snapshot, fresh) = wall.subscribe();
                rx = fresh;
                Message::Snapshot(snapshot)
            }
            Err(RecvError::Closed) => return None,
        };
        Some((message, (wall, rx, None)))
    })
}

fn json_event(name: &str, data: &impl serde::Serialize) -> Event {
    // Plain structs of strings and numbers always serialise; an empty object is the
    // harmless fallback the page ignores.
    let json = serde_json::to_string(data).unwrap_or_else(|_| "{}".into());
    Event::default().event(name).data(json)
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt as _;

    use super::*;
    use crate::wall::event::{Outcome, WallEvent};

    fn event(question: &str) -> WallEvent {
        WallEvent::new(question, Outcome::Answered, "", 0.9)
    }

    #[tokio::test]
    async fn a_page_gets_the_state_then_each_question() {
        let wall = Wall::new(false);
        wall.publish(event("one"));
        let mut stream = Box::pin(stream_of(wall.clone()));
        let Some(Message::Snapshot(s)) = stream.next().await else {
            panic!("a snapshot first");
        };
        assert_eq!(s.events.len(), 1);
        wall.publish(event("two"));
        let Some(Message::Question(u)) = stream.next().await else {
            panic!("then the question");
        };
        assert_eq!((u.event.seq, u.event.question.as_str()), (2, "two"));
    }

    #[tokio::test]
    async fn a_page_that_fell_behind_skips_to_the_whole_state_and_goes_on() {
        let wall = Wall::new(false);
        let mut stream = Box::pin(stream_of(wall.clone()));
        assert!(matches!(stream.next().await, Some(Message::Snapshot(_))));
        // The page reads nothing while a whole class asks.
        let many = 500;
        for i in 0..many {
            wall.publish(event(&format!("q{i}")));
        }
        let Some(Message::Snapshot(s)) = stream.next().await else {
            panic!("the state again, not the missed questions one by one");
        };
        assert_eq!(s.tally.total(), many);
        assert_eq!(s.events.len(), crate::wall::KEEP);
        assert_eq!(s.events.last().map(|e| e.seq), Some(many));
        wall.publish(event("next"));
        let Some(Message::Question(u)) = stream.next().await else {
            panic!("then on as before");
        };
        assert_eq!(u.event.seq, many + 1);
    }
}
