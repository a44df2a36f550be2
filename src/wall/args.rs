//! The wall's flags, shared by `passagebot chat` and `passagebot bot`, and their
//! resolution into a checked [`Config`].

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use super::access::Access;
use super::listen::Limits;

/// The port `--wall` without an address listens on (on 127.0.0.1).
pub const DEFAULT_PORT: u16 = 8088;

/// Flags for the live wall.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct WallArgs {
    /// Serve the live wall for a projector at ADDR: a page (GET /) and its event stream (GET /events). ADDR is a port or IP:PORT; without one, 127.0.0.1:8088
    #[arg(
        long,
        value_name = "ADDR",
        num_args = 0..=1,
        default_missing_value = "8088",
        value_parser = parse_addr
    )]
    pub wall: Option<SocketAddr>,
    /// Show askers' names on the wall (hidden unless given; nothing from operator chats is ever shown)
    #[arg(long, requires = "wall")]
    pub wall_names: bool,
    /// Secret the wall's page and stream require (open /?token=TOKEN); required for any address other than 127.0.0.1
    #[arg(long, value_name = "TOKEN", requires = "wall")]
    pub wall_token: Option<String>,
    /// Connections served at once (default 256); for the tests, which check the
    /// cap with a few connections rather than hundreds.
    #[arg(long, value_name = "N", requires = "wall", hide = true)]
    pub wall_connections: Option<usize>,
    /// Milliseconds a request's headers may take (default 10,000); for the tests.
    #[arg(long, value_name = "MS", requires = "wall", hide = true)]
    pub wall_header_ms: Option<u64>,
}

/// A wall to start: where, for whom, with or without names, within which limits.
#[derive(Debug, Clone)]
pub struct Config {
    pub access: Access,
    pub names: bool,
    pub limits: Limits,
}

impl WallArgs {
    /// The wall asked for, checked (a network address needs a token); `None`
    /// without `--wall`.
    pub fn resolve(&self) -> anyhow::Result<Option<Config>> {
        let Some(addr) = self.wall else {
            return Ok(None);
        };
        let access = Access::new(addr, self.wall_token.clone())?;
        let defaults = Limits::default();
        let limits = Limits {
            connections: self.wall_connections.unwrap_or(defaults.connections),
            headers: self
                .wall_header_ms
                .map_or(defaults.headers, Duration::from_millis),
            ..defaults
        };
        Ok(Some(Config {
            access,
            names: self.wall_names,
            limits,
        }))
    }
}

/// `8088`, `127.0.0.1:8088`, `0.0.0.0:80`, `[::1]:8088` or `localhost:8088`.
pub fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    if let Some(port) = text.strip_prefix("localhost:") {
        return port
            .parse::<u16>()
            .map(|p| SocketAddr::from((Ipv4Addr::LOCALHOST, p)))
            .map_err(|_| {
                format!(
                    "{text:?} is not an address; give a port (8088) or IP:PORT (127.0.0.1:8088)"
                )
            });
    }
    text.parse().map_err(|_| {
        format!("{text:?} is not an address; give a port (8088) or IP:PORT (127.0.0.1:8088)")
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        wall: WallArgs,
    }

    fn parse(args: &[&str]) -> Result<WallArgs, clap::Error> {
        let mut all = vec!["test"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).map(|c| c.wall)
    }

    #[test]
    fn a_bare_wall_listens_on_loopback_port_8088() {
        let args = parse(&["--wall"]).expect("parses");
        assert_eq!(
            args.wall,
            Some(SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)))
        );
        let args = parse(&["--wall", "9000"]).expect("parses");
        assert_eq!(args.wall, Some(SocketAddr::from(([127, 0, 0, 1], 9000))));
        let args = parse(&["--wall", "localhost:9001"]).expect("parses");
        assert_eq!(args.wall, Some(SocketAddr::from(([127, 0, 0, 1], 9001))));
        assert!(parse(&[]).expect("parses").resolve().expect("ok").is_none());
    }

    #[test]
    fn a_network_address_without_a_token_is_refused_with_what_to_do() {
        let args = parse(&["--wall", "0.0.0.0:8088"]).expect("parses");
        let err = args.resolve().expect_err("refused");
        assert!(err.to_string().contains("--wall-token"), "{err}");
        let args =
            parse(&["--wall", "0.0.0.0:8088", "--wall-token", "correct-horse"]).expect("parses");
        let config = args.resolve().expect("ok").expect("a wall");
        assert!(config.access.allows(Some("correct-horse")));
        assert!(!config.names);
        assert_eq!(config.limits, Limits::default());
        let args = parse(&[
            "--wall",
            "--wall-connections",
            "3",
            "--wall-header-ms",
            "500",
        ])
        .expect("parses");
        let limits = args.resolve().expect("ok").expect("a wall").limits;
        assert_eq!(
            (limits.connections, limits.headers),
            (3, Duration::from_millis(500))
        );
    }

    #[test]
    fn names_and_token_need_the_wall_and_a_bad_address_is_named() {
        assert!(parse(&["--wall-names"]).is_err());
        assert!(parse(&["--wall-token", "correct-horse"]).is_err());
        let err = parse(&["--wall", "projector"]).expect_err("bad address");
        assert!(
            err.to_string().contains("\"projector\" is not an address"),
            "{err}"
        );
        assert!(
            parse(&["--wall", "--wall-names"])
                .expect("parses")
                .wall_names
        );
    }
}
