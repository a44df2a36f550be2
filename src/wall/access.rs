//! Who may see the wall: anyone on this machine by default; beyond it, only who has
//! the token. A wall on another address than loopback without a token refuses to
//! start, and the token is compared in constant time.

use std::net::SocketAddr;

/// The shortest token accepted: a wall on a network must not be guessable.
pub const MIN_TOKEN: usize = 8;

/// Where the wall listens and who may see it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    addr: SocketAddr,
    token: Option<String>,
}

/// Why a wall cannot start as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error(
        "the wall would be open to the network at {addr} without a token; add --wall-token SECRET (at least {MIN_TOKEN} characters; the page is then http://{addr}/?token=SECRET), or listen on this machine only with --wall 127.0.0.1:{port}",
        port = .addr.port()
    )]
    TokenRequired { addr: SocketAddr },
    #[error(
        "the wall token is too short ({len} characters); use at least {MIN_TOKEN}, for example a random word from `openssl rand -hex 12`"
    )]
    TokenTooShort { len: usize },
}

impl Access {
    /// The wall at `addr`; `token` is required unless `addr` is a loopback address.
    pub fn new(addr: SocketAddr, token: Option<String>) -> Result<Access, AccessError> {
        match &token {
            Some(t) if t.chars().count() < MIN_TOKEN => Err(AccessError::TokenTooShort {
                len: t.chars().count(),
            }),
            None if !addr.ip().is_loopback() => Err(AccessError::TokenRequired { addr }),
            _ => Ok(Access { addr, token }),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The same access on the address the listener really got (port 0 resolved).
    pub fn bound_to(self, addr: SocketAddr) -> Access {
        Access { addr, ..self }
    }

    /// Whether a request carrying `given` (the `?token=` parameter) may see the wall.
    pub fn allows(&self, given: Option<&str>) -> bool {
        match &self.token {
            None => true,
            Some(token) => given.is_some_and(|g| same(g.as_bytes(), token.as_bytes())),
        }
    }

    /// Whether the page and stream ask for a token.
    pub fn needs_token(&self) -> bool {
        self.token.is_some()
    }

    /// The page's address, with the token when one is needed.
    pub fn url(&self) -> String {
        let mut url = format!("http://{}/", self.addr);
        if let Some(token) = &self.token {
            url.push_str("?token=");
            url.extend(url::form_urlencoded::byte_serialize(token.as_bytes()));
        }
        url
    }
}

/// `a == b` in time that depends on their lengths only, not on where they differ,
/// so timing a guess tells nothing about the token.
fn same(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().expect("address")
    }

    #[test]
    fn loopback_needs_no_token_and_anything_else_refuses_to_start_without_one() {
        assert!(Access::new(addr("127.0.0.1:8088"), None).is_ok());
        assert!(Access::new(addr("[::1]:8088"), None).is_ok());
        let err = Access::new(addr("0.0.0.0:8088"), None).expect_err("open network");
        assert_eq!(
            err,
            AccessError::TokenRequired {
                addr: addr("0.0.0.0:8088")
            }
        );
        let text = err.to_string();
        assert!(text.contains("--wall-token"), "{text}");
        assert!(text.contains("--wall 127.0.0.1:8088"), "{text}");
        assert!(Access::new(addr("192.168.1.5:80"), Some("s3cret-token".into())).is_ok());
    }

    #[test]
    fn a_short_token_is_refused_even_on_loopback() {
        let err = Access::new(addr("127.0.0.1:1"), Some("abc".into())).expect_err("short");
        assert_eq!(err, AccessError::TokenTooShort { len: 3 });
    }

    #[test]
    fn with_a_token_only_the_exact_token_is_let_in() {
        let a = Access::new(addr("0.0.0.0:9"), Some("s3cret-token".into())).expect("ok");
        assert!(a.allows(Some("s3cret-token")));
        for wrong in [
            None,
            Some(""),
            Some("s3cret-toke"),
            Some("s3cret-token2"),
            Some("S3cret-token"),
        ] {
            assert!(!a.allows(wrong), "{wrong:?}");
        }
        let open = Access::new(addr("127.0.0.1:9"), None).expect("ok");
        assert!(open.allows(None) && open.allows(Some("anything")));
    }

    #[test]
    fn the_comparison_is_plain_equality() {
        assert!(same(b"", b""));
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
        assert!(!same(b"ab\0", b"ab"), "a zero byte is not padding");
    }

    #[test]
    fn the_url_carries_the_token_encoded() {
        let a = Access::new(addr("10.0.0.2:8088"), Some("a b&c=d/e".into())).expect("ok");
        assert_eq!(a.url(), "http://10.0.0.2:8088/?token=a+b%26c%3Dd%2Fe");
        let open = Access::new(addr("127.0.0.1:8088"), None).expect("ok");
        assert_eq!(open.url(), "http://127.0.0.1:8088/");
    }
}
