//! The wall's web server (axum): `GET /` the page, `GET /events` a Server-Sent Events
//! stream of the [`Wall`]'s state, then one event per question.
//!
//! Events: `snapshot` (data: [`super::Snapshot`], the page starts over from it) on
//! connect and again whenever the page fell behind; `question` (data:
//! [`super::Update`]) for each new question.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::access::Access;
use super::hub::{Snapshot, Update, Wall};

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

#[derive(Deserialize)]
struct Token {
    token: Option<String>,
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

/// Serves the wall on `listener` until the task is dropped or aborted (its streams
/// never end by themselves, so there is no graceful stop to wait for).
pub async fn serve(
    listener: tokio::net::TcpListener,
    wall: Wall,
    access: Access,
) -> std::io::Result<()> {
    axum::serve(listener, router(wall, access)).await
}

async fn page(State(s): State<Shared>, Query(q): Query<Token>) -> Response {
    if !s.access.allows(q.token.as_deref()) {
        return refused();
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

async fn events(State(s): State<Shared>, Query(q): Query<Token>) -> Response {
    if !s.access.allows(q.token.as_deref()) {
        return refused();
    }
    Sse::new(stream_of(s.wall))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

fn refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        "This wall needs its token: open the address passagebot printed (…/?token=…).\n",
    )
        .into_response()
}

/// The snapshot, then each update; a page that fell behind gets a fresh snapshot.
fn stream_of(wall: Wall) -> impl Stream<Item = Result<Event, Infallible>> {
    let (snapshot, rx) = wall.subscribe();
    let first = Some(snapshot_event(&snapshot));
    stream::unfold((wall, rx, first), |(wall, mut rx, first)| async move {
        if let Some(event) = first {
            return Some((Ok(event), (wall, rx, None)));
        }
        let event = match rx.recv().await {
            Ok(update) => question_event(&update),
            Err(RecvError::Lagged(missed)) => {
                tracing::debug!(missed, "a wall page fell behind; sending it the state");
                // Resubscribing takes the snapshot and the new position together.
                let (snapshot, fresh) = wall.subscribe();
                rx = fresh;
                snapshot_event(&snapshot)
            }
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(event), (wall, rx, None)))
    })
}

fn snapshot_event(snapshot: &Snapshot) -> Event {
    json_event("snapshot", snapshot)
}

fn question_event(update: &Arc<Update>) -> Event {
    json_event("question", update.as_ref())
}

fn json_event(name: &str, data: &impl serde::Serialize) -> Event {
    // Plain structs of strings and numbers always serialise; an empty object is the
    // harmless fallback the page ignores.
    let json = serde_json::to_string(data).unwrap_or_else(|_| "{}".into());
    Event::default().event(name).data(json)
}
