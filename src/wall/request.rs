//! Whether one request may see the wall, from its Host and its query alone (pure
//! functions of the request's bytes, so the fuzz harness drives them).
//!
//! Without a token the wall is on loopback, and only the loopback names with the
//! wall's port are answered: a web page open on the projector machine whose own
//! name an attacker re-points at 127.0.0.1 (DNS rebinding) sends its own name as
//! Host, and is refused, so it cannot read the questions. With a token any Host is
//! fine (a projector reaches the wall by whatever name the network gives it): the
//! token is the guard.

use std::borrow::Cow;
use std::net::SocketAddr;

use super::access::Access;

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Without a token: the Host is not one of this machine's loopback names
    /// with the wall's port.
    Host,
    /// With a token: the request did not carry it.
    Token,
}

impl Refusal {
    /// The HTTP status: 421 (Misdirected Request) for a Host, 403 for a token.
    pub fn status(self) -> u16 {
        match self {
            Refusal::Host => 421,
            Refusal::Token => 403,
        }
    }

    /// What the browser shows, for the wall at `addr`.
    pub fn message(self, addr: SocketAddr) -> String {
        let port = addr.port();
        match self {
            Refusal::Host => format!(
                "This wall answers only on this machine, at http://127.0.0.1:{port}/ or http://localhost:{port}/: the request named another host. To show the wall on another machine, start it with --wall 0.0.0.0:{port} --wall-token SECRET and open the address it prints.\n"
            ),
            Refusal::Token => {
                "This wall needs its token: open the address passagebot printed (…/?token=…).\n"
                    .into()
            }
        }
    }
}

impl Access {
    /// Whether a request with Host `host` (the header's bytes, `None` without one)
    /// and query string `query` (after `?`, `None` without one) may see the wall.
    pub fn admits(&self, host: Option<&[u8]>, query: Option<&str>) -> Result<(), Refusal> {
        if self.needs_token() {
            let token = token_in(query);
            if !self.allows(token.as_deref()) {
                return Err(Refusal::Token);
            }
        } else if !host.is_some_and(|h| loopback_host(h, self.addr())) {
            return Err(Refusal::Host);
        }
        Ok(())
    }
}

/// The `token` parameter of a query string (form-decoded; the first if repeated).
pub fn token_in(query: Option<&str>) -> Option<Cow<'_, str>> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(key, _)| key == "token")
        .map(|(_, value)| value)
}

/// Whether `host` names this machine's loopback at the wall's port: `127.0.0.1`,
/// `localhost`, `[::1]` or the address the wall is bound to, with `:PORT` (which
/// a browser leaves out only for port 80), in any case.
pub fn loopback_host(host: &[u8], addr: SocketAddr) -> bool {
    let Ok(host) = std::str::from_utf8(host) else {
        return false;
    };
    let (name, port) = split_port(host.trim());
    // Exactly the port's digits: a browser writes no sign and no leading zero.
    let port_matches = match port {
        Some(port) => port == addr.port().to_string(),
        None => addr.port() == 80,
    };
    if !port_matches {
        return false;
    }
    let bound = match addr {
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => format!("[{}]", a.ip()),
    };
    ["127.0.0.1", "localhost", "[::1]", bound.as_str()]
        .iter()
        .any(|known| name.eq_ignore_ascii_case(known))
}

/// `name:port` (`[v6]:port` for IPv6) into its name and port text; no port when
/// left out (port 80).
fn split_port(host: &str) -> (&str, Option<&str>) {
    match host.rfind(':') {
        // An IPv6 literal's colons are inside its brackets.
        Some(colon) if !host[colon..].contains(']') => (&host[..colon], Some(&host[colon + 1..])),
        _ => (host, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(addr: &str) -> Access {
        Access::new(addr.parse().expect("address"), None).expect("loopback")
    }

    #[test]
    fn without_a_token_only_loopback_names_with_the_port_are_answered() {
        let wall = open("127.0.0.1:8088");
        for host in [
            "127.0.0.1:8088",
            "localhost:8088",
            "LocalHost:8088",
            "[::1]:8088",
            " localhost:8088 ",
        ] {
            assert_eq!(wall.admits(Some(host.as_bytes()), None), Ok(()), "{host}");
        }
        for host in [
            "evil.example:8088",
            "evil.example",
            "localhost",
            "localhost:8089",
            "localhost:+8088",
            "localhost:08088",
            "localhost:",
            "127.0.0.1:8088.evil.example",
            "localhost.:8088",
            "127.0.0.2:8088",
            "[::1]",
            "[::1]:80:8088",
            "",
        ] {
            assert_eq!(
                wall.admits(Some(host.as_bytes()), None),
                Err(Refusal::Host),
                "{host:?}"
            );
        }
        assert_eq!(wall.admits(None, None), Err(Refusal::Host), "no Host");
        assert_eq!(
            wall.admits(Some(b"local\xffhost:8088"), None),
            Err(Refusal::Host)
        );
        let on_80 = open("127.0.0.1:80");
        assert_eq!(
            on_80.admits(Some(b"localhost"), None),
            Ok(()),
            "port 80 is left out"
        );
        let v6 = open("[::1]:9000");
        assert_eq!(v6.admits(Some(b"[::1]:9000"), None), Ok(()));
        let other = open("127.0.0.5:9000");
        assert_eq!(
            other.admits(Some(b"127.0.0.5:9000"), None),
            Ok(()),
            "the bound address"
        );
    }

    #[test]
    fn with_a_token_any_host_with_the_token_is_answered() {
        let addr = "0.0.0.0:8088".parse().expect("address");
        let wall = Access::new(addr, Some("s3cret-token".into())).expect("ok");
        for host in [
            Some(&b"projector.lan:8088"[..]),
            Some(b"evil.example"),
            None,
        ] {
            assert_eq!(wall.admits(host, Some("token=s3cret-token")), Ok(()));
            assert_eq!(wall.admits(host, Some("token=wrong")), Err(Refusal::Token));
            assert_eq!(wall.admits(host, None), Err(Refusal::Token));
        }
        let refused = Refusal::Token.message(addr);
        assert!(refused.contains("needs its token"), "{refused}");
        let host = Refusal::Host.message(addr);
        assert!(host.contains("http://localhost:8088/"), "{host}");
        assert!(host.contains("--wall-token"), "{host}");
    }

    #[test]
    fn the_token_is_read_form_decoded_from_the_query() {
        assert_eq!(token_in(Some("token=a+b%26c")).as_deref(), Some("a b&c"));
        assert_eq!(token_in(Some("x=1&token=t&token=u")).as_deref(), Some("t"));
        assert_eq!(token_in(Some("tokens=t")), None);
        assert_eq!(token_in(Some("")), None);
        assert_eq!(token_in(None), None);
        assert_eq!(token_in(Some("token")).as_deref(), Some(""));
    }
}
