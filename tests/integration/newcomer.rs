//! What a newcomer reads and runs first (issue 23): the examples in `--help` work as
//! written, errors say each cause once and what to do next, and the documents point
//! at nothing outside the repository.

use std::path::{Path, PathBuf};

use crate::support::scratch::Scratch;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The `TELOXIDE_TOKEN=…` values in a help text.
fn example_tokens(help: &str) -> Vec<String> {
    help.split_whitespace()
        .filter_map(|w| w.strip_prefix("TELOXIDE_TOKEN="))
        .map(str::to_owned)
        .collect()
}

/// A port on 127.0.0.1 nothing listens on: bound, noted, closed.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The help's example token passes the token check (it was `123:abc`, refused), and
/// an unreachable Bot API says what to check.
#[test]
fn the_help_examples_token_is_accepted_and_an_unreachable_api_says_what_to_check() {
    let s = Scratch::with_article_index();
    let mut tokens = Vec::new();
    for args in [&["--help"][..], &["bot", "--help"]] {
        let out = s.cmd().args(args).output().expect("runs");
        assert!(out.status.success());
        let found = example_tokens(&String::from_utf8_lossy(&out.stdout));
        assert!(!found.is_empty(), "{args:?} shows a token example");
        tokens.extend(found);
    }
    tokens.dedup();
    assert_eq!(
        tokens,
        ["123456789:your-token-from-BotFather-goes-here"],
        "one obviously fake token"
    );
    let api = format!("http://127.0.0.1:{}/", closed_port());
    let out = s
        .cmd()
        .arg("bot")
        .env("TELOXIDE_TOKEN", &tokens[0])
        .env("TELOXIDE_API_URL", &api)
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!(
            "passagebot: could not reach the Telegram Bot API at {api} (error sending request for url ({api}token:redacted/GetMe): "
        )),
        "{stderr}"
    );
    assert!(
        last.ends_with(&format!(
            "); check that this machine is online and can open {api} (a firewall or DNS may block it), that HTTPS_PROXY is set if the network needs a proxy, that TELOXIDE_API_URL, if set, points to a running Bot API server, and that TELOXIDE_TOKEN holds the whole token from @BotFather; then start the bot again"
        )),
        "{stderr}"
    );
    assert!(last.contains("Connection refused"), "the reason: {last}");
    assert!(
        !stderr.contains("your-token-from"),
        "the token leaked: {stderr}"
    );
}

/// An OS error quoted in a message and kept as its cause was printed twice.
#[test]
fn an_os_error_is_printed_once() {
    let s = Scratch::with_article_index();
    let data = s.dir.path().join("data");
    std::fs::write(&data, "a file where the data folder should be").expect("write");
    let out = s
        .cmd()
        .args([
            "--data",
            "data",
            "ask",
            "--log",
            "Is marketing data driven?",
        ])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // EEXIST (17 on Linux): create_dir_all on a file.
    let os = std::io::Error::from_raw_os_error(17).to_string();
    assert_eq!(stderr.matches(&os).count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "passagebot: cannot create or use the data folder data: {os}; pass --data DIR somewhere this user can write"
        )),
        "{stderr}"
    );
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// QUALITY.md and BENCHMARKS.md sent readers to `../shared/…` and to a build
/// machine's absolute paths; the other documents, scripts and sources must not either.
#[test]
fn documents_scripts_and_sources_point_only_inside_the_repository() {
    let root = Path::new(ROOT);
    let mut files: Vec<PathBuf> = ["README.md", "QUALITY.md", "BENCHMARKS.md", "RELIABILITY.md"]
        .iter()
        .map(|f| root.join(f))
        .collect();
    for dir in [
        "docs", "deploy", "scripts", "benches", "models", "src", "examples",
    ] {
        files_under(&root.join(dir), &mut files);
    }
    let mut checked = 0;
    for file in files {
        // Model weights and pictures are not for reading.
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        checked += 1;
        for outside in ["../shared", "/work/", "/root/", "/home/"] {
            assert!(
                !text.contains(outside),
                "{} mentions {outside}",
                file.display()
            );
        }
    }
    assert!(checked > 100, "only {checked} files read");
}

/// `scripts/screenshot-wall.sh` with no argument overwrote the tracked docs/wall.png.
#[test]
fn the_wall_screenshot_script_writes_under_target_unless_told_otherwise() {
    let script = std::fs::read_to_string(Path::new(ROOT).join("scripts/screenshot-wall.sh"))
        .expect("the script");
    let default = script
        .lines()
        .find_map(|l| l.strip_prefix("out=\"${1:-"))
        .expect("the default output line");
    assert_eq!(default, "target/wall-demo/wall.png}\"");
}
