//! A real browser for the wall's tests: headless Chromium driven by chromedriver over
//! the W3C WebDriver HTTP API (with reqwest). Both come from Debian's packages
//! (`apt-get install -y --no-install-recommends chromium chromium-driver`): `.ci/run`
//! installs them, and so does the first test that needs them when they are missing
//! and the tests run as root with apt (a fresh machine, `cargo test --locked`).
//! Otherwise the tests fail and say how to install them: a wall nobody saw in a
//! browser is not tested.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const INSTALL: &str = "apt-get install -y --no-install-recommends chromium chromium-driver";

/// Flags for a machine without internet, display or sandbox privileges.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--window-size=1280,800",
];

/// `name` on the PATH, installing Chromium first when it is missing (once per test
/// run), or a failure that says how to install it.
fn program(name: &str) -> PathBuf {
    static INSTALLED: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    if let Some(found) = on_path(name) {
        return found;
    }
    let mut tried = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    if !*tried {
        *tried = true;
        install_chromium();
    }
    on_path(name).unwrap_or_else(|| {
        panic!(
            "{name} is not installed, and the wall is tested in a real browser: install Chromium with `{INSTALL}` (.ci/run does this)"
        )
    })
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// `apt-get install` of Chromium and chromedriver (after an `apt-get update` when the
/// package lists are too old to find them); quiet about failing, since the caller
/// says what is missing.
fn install_chromium() {
    let apt = |args: &[&str]| {
        eprintln!("the wall's browser tests: apt-get {}", args.join(" "));
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let packages = [
        "install",
        "-y",
        "--no-install-recommends",
        "chromium",
        "chromium-driver",
    ];
    if !apt(&packages) {
        let _ = apt(&["update"]) && apt(&packages);
    }
}

/// A free port on 127.0.0.1 (free when asked; the tests start on it at once).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// One chromedriver with one headless Chromium session.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a Chromium session with a fresh profile.
    pub async fn start() -> Browser {
        let chromium = program("chromium");
        let chromedriver = program("chromedriver");
        let port = free_port();
        let mut command = Command::new(&chromedriver);
        // A process group of its own: whatever chromedriver and Chromium signal
        // when they shut down stays among them, away from the test binary.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = command
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", chromedriver.display()));
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let profile = tempfile::tempdir().expect("a profile folder");
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
            http,
            _profile: profile,
        };
        browser.wait_ready().await;
        browser.session = browser.new_session(&chromium).await;
        browser
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = match self.http.get(format!("{}/status", self.base)).send().await {
                Ok(r) => r
                    .json::<Value>()
                    .await
                    .is_ok_and(|v| v["value"]["ready"] == json!(true)),
                Err(_) => false,
            };
            if ready {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn new_session(&self, chromium: &Path) -> String {
        let mut args: Vec<String> = FLAGS.iter().map(|f| (*f).to_owned()).collect();
        args.push(format!(
            "--user-data-dir={}",
            self._profile.path().display()
        ));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
        }}});
        let v = self
            .call(reqwest::Method::POST, "/session", Some(caps))
            .await;
        v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session from chromedriver: {v}"))
            .to_owned()
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("chromedriver answers");
        let status = resp.status();
        let v: Value = resp.json().await.expect("chromedriver's JSON");
        assert!(status.is_success(), "WebDriver {path}: {status} {v}");
        v["value"].clone()
    }

    /// Opens `url` and waits until the page has loaded.
    pub async fn goto(&self, url: &str) {
        let path = format!("/session/{}/url", self.session);
        self.call(reqwest::Method::POST, &path, Some(json!({"url": url})))
            .await;
    }

    /// Resizes the window so the page is `width`×`height` CSS pixels, as a projector of
    /// that resolution shows it. Headless Chromium's window keeps room for a frame
    /// (139 pixels of height in Debian's build), so the window is sized twice: once to
    /// measure that frame, once with it added.
    pub async fn resize(&self, width: u32, height: u32) {
        let path = format!("/session/{}/window/rect", self.session);
        let mut window = (width, height);
        for _ in 0..2 {
            self.call(
                reqwest::Method::POST,
                &path,
                Some(json!({"width": window.0, "height": window.1})),
            )
            .await;
            let inner = self.eval("return [innerWidth, innerHeight]").await;
            let inner = (
                inner[0].as_u64().unwrap_or_default() as u32,
                inner[1].as_u64().unwrap_or_default() as u32,
            );
            if inner == (width, height) {
                return;
            }
            window = (
                window.0 + width.saturating_sub(inner.0),
                window.1 + height.saturating_sub(inner.1),
            );
        }
        panic!("the page is not {width}×{height} after resizing the window twice");
    }

    /// Runs `script` (a function body; `return` gives the value) in the page.
    pub async fn eval(&self, script: &str) -> Value {
        let path = format!("/session/{}/execute/sync", self.session);
        self.call(
            reqwest::Method::POST,
            &path,
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Polls `script` until `done` holds for its value; the value and how long it took.
    pub async fn wait_for(
        &self,
        what: &str,
        script: &str,
        limit: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> (Value, Duration) {
        let start = Instant::now();
        loop {
            let v = self.eval(script).await;
            if done(&v) {
                return (v, start.elapsed());
            }
            assert!(
                start.elapsed() < limit,
                "the page did not show {what} within {limit:?}; it shows: {v}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Ends the session (Chromium quits), then chromedriver.
    pub async fn close(mut self) {
        let path = format!("/session/{}", self.session);
        let _ = self
            .http
            .delete(format!("{}{path}", self.base))
            .send()
            .await;
        self.session.clear();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Our own child, by its handle: chromedriver takes its Chromium with it
        // once the session is deleted (see `close`).
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
