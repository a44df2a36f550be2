//! Retrying Bot API requests that failed on the way (a 5xx, a dropped connection, a
//! timeout): how often and how long to wait are settings ([`Retry`]), so the bot
//! waits seconds in production and tests wait milliseconds.

use std::future::Future;
use std::time::Duration;

use teloxide::{ApiError, RequestError};

use super::token::redact;

/// How the bot retries a request that failed on the way: a 5xx, a dropped
/// connection, a timeout, a garbled answer. (A message's 429 is waited out by its
/// chat's outbox, [`super::outbox`], for its `retry_after`.) The delay is a setting
/// so tests are quick.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Tries in all, the first included.
    pub attempts: u32,
    /// Wait before the second try; doubled before each later one.
    pub delay: Duration,
}

impl Default for Retry {
    fn default() -> Retry {
        Retry {
            attempts: 5,
            delay: Duration::from_secs(1),
        }
    }
}

/// Runs `request` until it succeeds, fails for good, or the tries run out.
pub async fn retrying<T, F, Fut>(
    retry: Retry,
    what: &str,
    mut request: F,
) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let mut delay = retry.delay;
    let mut attempt = 1;
    loop {
        match request().await {
            Err(err) if attempt < retry.attempts && transient(&err) => {
                tracing::warn!(
                    attempt,
                    "could not {what} (will retry in {delay:?}): {}",
                    redact(&err.to_string())
                );
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2);
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Whether trying again may work: the request failed on the way, or Telegram had
/// a server error; not when Telegram refused the request itself.
pub(super) fn transient(err: &RequestError) -> bool {
    match err {
        RequestError::Network(_)
        | RequestError::Io(_)
        | RequestError::InvalidJson { .. }
        | RequestError::RetryAfter(_) => true,
        // teloxide reads the body, not the status: a 5xx arrives as an unknown API
        // error with the server's description.
        RequestError::Api(ApiError::Unknown(d)) => {
            let d = d.to_ascii_lowercase();
            [
                "internal server error",
                "bad gateway",
                "service unavailable",
                "gateway timeout",
            ]
            .iter()
            .any(|s| d.contains(s))
        }
        _ => false,
    }
}
