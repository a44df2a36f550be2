//! The data folder through the binary (issue 23, items 9–12): private modes
//! whatever the umask, the salt written whole or not at all, six processes
//! starting on a fresh folder at once, one bot per folder (with `ask --log` and
//! `report` beside it), and `ask --log` failing when its log entry is lost.
//!
//! A full disk is played by the file-size limit (`RLIMIT_FSIZE`, set in the child
//! only, with `SIGXFSZ` ignored): a write past it fails as a write to a full disk
//! does, for root too, with no mount and no privileges.

use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use passagebot::store::{BOT_LOCK, FILE_NAME, OPEN_LOCK, SALT_FILE};

use crate::support::fake_telegram::{self as tg, FakeTelegram};
use crate::support::scratch::Scratch;
use crate::wall::Running;

const QUESTION: &str = "Is marketing data driven?";

/// The binary, run from inside the scratch folder, as [`Scratch::cmd`] runs it.
fn passagebot(s: &Scratch) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_passagebot"));
    command
        .current_dir(s.dir.path())
        .env_remove("PASSAGEBOT_CORPUS")
        .env_remove("PASSAGEBOT_INDEX")
        .env_remove("PASSAGEBOT_DATA")
        .env_remove("PASSAGEBOT_TUNING")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    command
}

/// Starts the child with the file-creation mask `mask`.
fn with_umask(command: &mut Command, mask: libc::mode_t) {
    // SAFETY: umask is async-signal-safe; nothing is allocated after fork.
    unsafe {
        command.pre_exec(move || {
            libc::umask(mask);
            Ok(())
        });
    }
}

/// Starts the child unable to make any file longer than `bytes`: a write past
/// it fails, as on a full disk.
fn with_full_disk(command: &mut Command, bytes: libc::rlim_t) {
    // SAFETY: signal and setrlimit are async-signal-safe; nothing is allocated.
    unsafe {
        command.pre_exec(move || {
            // Ignored, the write fails with EFBIG instead of killing the process;
            // an ignored signal stays ignored across exec.
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

fn run(command: &mut Command) -> (Output, String, String) {
    let out = command.output().expect("passagebot runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

fn ask_log(s: &Scratch) -> Command {
    let mut command = passagebot(s);
    command.args(["ask", "--log", QUESTION]);
    command
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The database held open by this process, as a running bot holds it: its
/// shared-memory index stays, so a child with a tiny file-size limit gets as far
/// as its first write instead of failing to open.
fn hold(data: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(data.join(FILE_NAME)).expect("open the database");
    let _: i64 = conn
        .query_row("SELECT count(*) FROM questions", [], |r| r.get(0))
        .expect("read it");
    conn
}

/// The report's line counting the questions logged.
fn questions_logged(s: &Scratch) -> String {
    let (out, stdout, stderr) = run(passagebot(s).args(["report"]));
    assert!(out.status.success(), "{stderr}");
    stdout
        .lines()
        .find(|l| l.contains("Questions asked"))
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Item 9: the database, its -wal and -shm were 0644 in a 0755 folder. Now, with
/// a umask of 0 (the loosest), the folder is 0700 and every file 0600 while
/// `chat --log` runs; and a folder an older version left loose is tightened.
#[test]
fn the_data_folder_is_private_whatever_the_umask_and_a_loose_one_is_tightened() {
    let s = Scratch::with_article_index();
    let data = s.dir.path().join("data");
    let mut command = passagebot(&s);
    command
        .args(["chat", "--log"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    with_umask(&mut command, 0);
    let mut chat = Running(command.spawn().expect("start chat --log"));
    let files = [
        FILE_NAME.to_owned(),
        format!("{FILE_NAME}-wal"),
        format!("{FILE_NAME}-shm"),
        SALT_FILE.to_owned(),
        OPEN_LOCK.to_owned(),
    ];
    let deadline = Instant::now() + tg::WAIT;
    while !files.iter().all(|f| data.join(f).exists()) {
        assert!(
            chat.0.try_wait().expect("status").is_none(),
            "chat --log exited"
        );
        assert!(Instant::now() < deadline, "the data folder was not made");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(mode(&data), 0o700);
    for file in &files {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }
    drop(chat);

    // As an older passagebot left it.
    chmod(&data, 0o755);
    for file in &files {
        chmod(&data.join(file), 0o644);
    }
    let (out, _, stderr) = run(&mut ask_log(&s));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(mode(&data), 0o700);
    for file in [FILE_NAME, SALT_FILE, OPEN_LOCK] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }
}

/// Item 10: a full disk at first start left a 0-byte salt, and the store then
/// refused to start for ever. Now the salt is written aside and renamed: a
/// failed write leaves no salt at all, and the next start makes one. An empty
/// salt an older version left is replaced when nothing was hashed with it, and
/// refused, saying how to recover, when something was.
#[test]
fn a_salt_that_cannot_be_written_leaves_nothing_and_an_old_empty_one_is_recovered() {
    let s = Scratch::with_article_index();
    let data = s.dir.path().join("data");
    let salt = data.join(SALT_FILE);
    let (out, _, stderr) = run(&mut ask_log(&s));
    assert!(out.status.success(), "{stderr}");
    std::fs::remove_file(&salt).expect("remove the salt");

    let held = hold(&data);
    let mut full = ask_log(&s);
    with_full_disk(&mut full, 16);
    let (out, _, stderr) = run(&mut full);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot read or write the salt file {}",
            Path::new("data").join(SALT_FILE).display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("free space if the disk is full"),
        "{stderr}"
    );
    let left: Vec<String> = std::fs::read_dir(&data)
        .expect("list the folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("salt"))
        .collect();
    assert!(left.is_empty(), "nothing half-written: {left:?}");
    drop(held);

    let (out, _, stderr) = run(&mut ask_log(&s));
    assert!(out.status.success(), "space again: {stderr}");
    let written = std::fs::read_to_string(&salt).expect("the salt");
    assert_eq!(written.trim().len(), 32, "{written:?}");

    // An older version's empty salt, with nothing hashed by it (the terminal's
    // questions are stored as "terminal"): replaced.
    std::fs::write(&salt, "").expect("empty the salt");
    let (out, _, stderr) = run(&mut ask_log(&s));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(std::fs::read_to_string(&salt).expect("salt").len(), 32);

    // With people stored by a hash of the lost salt: refused, with the way out.
    hold(&data)
        .execute(
            "INSERT INTO questions (asked_at, person, surface, question, confident, coverage, passages, handover)
             VALUES (1, 'h:00112233445566778899aabbccddeeff', 'telegram', 'q', 1, 0.5, '[]', '')",
            [],
        )
        .expect("a hashed person");
    std::fs::write(&salt, "").expect("empty the salt");
    let (out, _, stderr) = run(&mut ask_log(&s));
    assert!(!out.status.success());
    assert!(stderr.contains("is empty"), "{stderr}");
    assert!(stderr.contains("1 question(s) or ticket(s)"), "{stderr}");
    assert!(stderr.contains("Restore"), "{stderr}");
    assert!(stderr.contains("delete the empty file"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&salt).expect("salt"),
        "",
        "left as it was"
    );
    std::fs::remove_file(&salt).expect("the operator deletes it");
    let (out, _, stderr) = run(&mut ask_log(&s));
    assert!(out.status.success(), "{stderr}");
}

/// Item 11: six processes opening a fresh data folder at once failed 6 times in
/// 90 ("locked by another process"). Now opening is serialised by a lock: five
/// rounds of six `ask --log`s on a fresh folder all succeed and all are logged.
#[test]
fn six_processes_starting_on_a_fresh_data_folder_at_once_all_succeed() {
    let s = Scratch::with_article_index();
    for round in 0..5 {
        let data = format!("data-{round}");
        let children: Vec<_> = (0..6)
            .map(|_| {
                passagebot(&s)
                    .args(["--data", &data, "ask", "--log", QUESTION])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("start report")
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().expect("report ends");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "round {round}: {stderr}");
        }
        let salt =
            std::fs::read_to_string(s.dir.path().join(&data).join(SALT_FILE)).expect("one salt");
        assert_eq!(salt.len(), 32, "{salt:?}");
        let logged: i64 = hold(&s.dir.path().join(&data))
            .query_row("SELECT count(*) FROM questions", [], |r| r.get(0))
            .expect("count");
        assert_eq!(logged, 6, "round {round}");
    }
}

/// Item 11: a second bot on the same data folder opened it and wrote, though
/// the README said it was refused. Now it is refused at start, naming the first
/// bot's process; `ask --log` and `report` still work beside the running bot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_bot_on_the_same_data_folder_is_refused_and_ask_log_works_beside_it() {
    let s = Scratch::with_article_index();
    let fake = FakeTelegram::start().await;
    let bot = |s: &Scratch| {
        let mut command = passagebot(s);
        command
            .arg("bot")
            .env("TELOXIDE_TOKEN", tg::TOKEN)
            .env("TELOXIDE_API_URL", fake.url())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command
    };
    let first = Running(
        bot(&s)
            .stderr(Stdio::null())
            .spawn()
            .expect("the first bot"),
    );
    fake.wait_until("the first bot to poll", |r| {
        r.iter().any(|r| r.method == "getupdates")
    })
    .await;

    let mut second = Running(bot(&s).spawn().expect("the second bot"));
    let deadline = Instant::now() + tg::WAIT;
    let status = loop {
        if let Some(status) = second.0.try_wait().expect("status") {
            break status;
        }
        assert!(Instant::now() < deadline, "the second bot is still running");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!status.success());
    let mut stderr = String::new();
    std::io::Read::read_to_string(second.0.stderr.as_mut().expect("stderr"), &mut stderr)
        .expect("read stderr");
    let expected = format!(
        "another passagebot bot (process {}) is using the data folder data",
        first.0.id()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(
        Path::new(&s.dir.path().join("data").join(BOT_LOCK)).exists(),
        "the claim is a file in the folder"
    );

    let (out, stdout, stderr) = run(&mut ask_log(&s));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("marketing"), "{stdout}");
    assert_eq!(questions_logged(&s), "Questions asked: 1");
    drop(first);
}

/// Item 12: on a full disk `ask --log` printed the answer and an error and
/// exited 0, so a script took the lost entry for success. Now the answer is
/// printed and the command fails, saying what was not logged and where.
#[test]
fn ask_log_whose_entry_cannot_be_written_prints_the_answer_and_fails() {
    let s = Scratch::with_article_index();
    let data = s.dir.path().join("data");
    let (out, _, stderr) = run(&mut ask_log(&s));
    assert!(out.status.success(), "{stderr}");

    let held = hold(&data);
    let mut full = ask_log(&s);
    with_full_disk(&mut full, 16);
    let (out, stdout, stderr) = run(&mut full);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stdout.contains(QUESTION), "the answer is printed: {stdout}");
    assert!(stdout.contains("marketing"), "{stdout}");
    assert!(stderr.contains("could not log a question"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "1 of 1 answer(s) printed above could not be logged to {}",
            Path::new("data").join(FILE_NAME).display()
        )),
        "{stderr}"
    );
    drop(held);
    assert_eq!(questions_logged(&s), "Questions asked: 1", "only the first");
}
