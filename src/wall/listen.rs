//! The wall's connections: the accept loop, the cap on connections served at once
//! (past it a short 503, then the connection is closed), the deadline for a
//! request's headers (also between requests on a kept-alive connection), and the
//! deadline for a write to make progress (a page that stops reading is dropped).
//!
//! Why not `axum::serve`: it accepts every connection and keeps an idle one for
//! ever. On a shared classroom network 1,100 idle connections took all of a
//! process's 1,024 files, and in `bot --wall` the Telegram connection, index
//! reloads and SQLite need files too. Here each connection holds a slot of
//! [`Limits::connections`], and every way a client can hold a slot without
//! reading or writing has a deadline.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Sleep;

/// How much the wall serves at once and how long it waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; one more is answered 503 and closed.
    pub connections: usize,
    /// How long a request's headers may take to arrive, from the moment the wall
    /// waits for them (a new connection, or the next request on a kept-alive one).
    pub headers: Duration,
    /// How long a write may wait for the page to read (a full socket buffer).
    pub send: Duration,
}

/// The default cap: a classroom's projectors and phones many times over, and a
/// small share of the 65,536 files `deploy/passagebot.service` allows.
pub const CONNECTIONS: usize = 256;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            connections: CONNECTIONS,
            headers: Duration::from_secs(10),
            send: Duration::from_secs(30),
        }
    }
}

/// Connections being told 503 at once; past it, a connection is closed unanswered
/// (each refusal holds a file for up to [`REFUSAL_TIME`]).
const REFUSING: usize = 32;
/// How long a refusal may take to be written and read.
const REFUSAL_TIME: Duration = Duration::from_secs(1);

/// Accepts connections on `listener` and serves `app` on each, within `limits`,
/// until the task is dropped (it never returns by itself).
pub(super) async fn accept(listener: TcpListener, app: Router, limits: Limits) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.connections.max(1)));
    let refusing = Arc::new(Semaphore::new(REFUSING));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Out of files (EMFILE) or a connection reset before it was
                // accepted: neither ends the wall. Waiting a little lets files
                // free up instead of spinning on the same error.
                tracing::warn!("the wall could not accept a connection: {err}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if let Ok(slot) = slots.clone().try_acquire_owned() {
            tokio::spawn(serve(stream, app.clone(), limits, slot));
        } else if let Ok(turn) = refusing.clone().try_acquire_owned() {
            tokio::spawn(refuse(stream, limits.connections, turn));
        } else {
            drop(stream);
        }
    }
}

/// Serves HTTP/1.1 on one connection, holding `_slot` until it ends.
async fn serve(stream: TcpStream, app: Router, limits: Limits, _slot: OwnedSemaphorePermit) {
    let io = TokioIo::new(Stalling::new(stream, limits.send));
    let served = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.headers)
        .serve_connection(io, TowerToHyperService::new(app))
        .await;
    if let Err(err) = served {
        tracing::debug!("a wall connection ended: {err}");
    }
}

/// Answers 503 without reading the request, then closes.
async fn refuse(mut stream: TcpStream, cap: usize, _turn: OwnedSemaphorePermit) {
    let response = busy(cap);
    let _ = tokio::time::timeout(REFUSAL_TIME, async {
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await?;
        // Read what the client sent before closing: closing with unread bytes
        // resets the connection, and the client might never read the answer.
        let mut sink = [0u8; 1024];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<_, io::Error>(())
    })
    .await;
}

/// The whole 503 response for a wall serving `cap` connections.
fn busy(cap: usize) -> String {
    let body = format!(
        "The wall is serving as many connections as it takes ({cap}). Close pages showing it that nobody watches, or try again in a moment.\n"
    );
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nretry-after: 5\r\ncache-control: no-store\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// A connection whose writes must make progress within a deadline: a page that
/// stops reading fills the socket's buffers, the next write waits, and after the
/// deadline it fails, which ends the connection and frees its slot.
struct Stalling {
    stream: TcpStream,
    limit: Duration,
    /// Running while a write waits; cleared by any progress.
    waiting: Option<Pin<Box<Sleep>>>,
}

impl Stalling {
    fn new(stream: TcpStream, limit: Duration) -> Stalling {
        Stalling {
            stream,
            limit,
            waiting: None,
        }
    }

    /// Called with a write's result: progress clears the deadline; waiting starts
    /// it, or fails once it has passed.
    fn progress<T>(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if poll.is_ready() {
            self.waiting = None;
            return poll;
        }
        let limit = self.limit;
        let deadline = self
            .waiting
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the page read nothing for {limit:?}"),
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for Stalling {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Stalling {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.progress(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.progress(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.stream).poll_flush(cx);
        self.progress(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.stream).poll_shutdown(cx);
        self.progress(cx, poll)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_is_a_whole_response_with_its_length() {
        let response = busy(8);
        let (head, body) = response.split_once("\r\n\r\n").expect("head and body");
        assert!(
            head.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
            "{head}"
        );
        assert!(
            head.contains(&format!("content-length: {}\r\n", body.len())),
            "{head}"
        );
        assert!(body.contains("(8)"), "{body}");
    }
}
