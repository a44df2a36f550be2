//! What the corpus walk reads, through the binary (issue #23, items 1–3): a
//! named pipe, links outside the corpus and links that loop, and a PDF made
//! by Ghostscript.

use std::io::Read;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::scratch::Scratch;

/// Most a run of the binary may take here before it is taken as hung and
/// killed. Not a timing assertion: these runs take a second or two, and the
/// bugs they pin made them block forever (a pipe) or grow without end (a
/// loop of links); the bound only keeps a regression from hanging the suite.
const HUNG: Duration = Duration::from_secs(300);

/// Runs the binary in `s` with words-only tuning (these tests are about
/// which files are read), killing it if it runs past [`HUNG`].
fn run_bounded(s: &Scratch, args: &[&str]) -> Output {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("passagebot"))
        .args(args)
        .current_dir(s.dir.path())
        .env_remove("PASSAGEBOT_CORPUS")
        .env_remove("PASSAGEBOT_INDEX")
        .env_remove("RUST_LOG")
        .env("PASSAGEBOT_TUNING", "semantic=0,sentence=0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn passagebot");
    // Read both pipes on threads, so a full pipe cannot stall the child.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            let _ = pipe.read_to_end(&mut out);
            out
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > HUNG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("passagebot {args:?} hung: killed after {HUNG:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().expect("stdout thread"),
        stderr: stderr.join().expect("stderr thread"),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

fn leftover_builds(index: &Path) -> usize {
    std::fs::read_dir(index)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".build-"))
        .count()
}

/// Item 1: `mkfifo corpus/notes.txt` made `index`, `ask` and `bot` block
/// forever in `open()`, leaving a staging folder and the build lock behind.
#[test]
fn a_named_pipe_in_the_corpus_is_skipped_with_a_warning_and_never_opened() {
    let s = Scratch::with_article();
    mkfifo(&s.corpus().join("notes.txt"));
    let out = run_bounded(&s, &["index"]);
    assert!(out.status.success(), "{out:?}");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        stdout.contains("corpus/notes.txt: a named pipe (FIFO)"),
        "{stdout}"
    );
    assert!(
        stderr.contains("notes.txt") && stderr.contains("named pipe"),
        "{stderr}"
    );
    assert!(stdout.contains("Indexed 1 document"), "{stdout}");
    assert_eq!(leftover_builds(&s.index()), 0);
    // The next ask finds the index fresh (the pipe counted in its
    // fingerprint) and answers.
    let out = run_bounded(
        &s,
        &["ask", "--json", "--top", "1", "Is marketing data-driven?"],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out.stdout).contains("sales-vs-marketing.md"));
    assert!(
        !text(&out.stderr).contains("building"),
        "{}",
        text(&out.stderr)
    );
}

/// Item 2: a link to a file or folder outside the corpus was indexed and
/// quoted (`ln -s /etc/passwd corpus/passwd.txt`); `ln -s . corpus/a; ln -s
/// . corpus/b` made the walk exponential; one loop indexed the article 41
/// times. Links inside the corpus still work.
#[test]
fn links_outside_are_refused_loops_end_and_each_file_is_indexed_once() {
    let s = Scratch::with_article();
    let outside = s.dir.path().join("outside");
    std::fs::create_dir(&outside).expect("outside");
    std::fs::write(
        outside.join("secret.txt"),
        "The vault combination is kept by the porcupine clerk.\n",
    )
    .expect("secret");
    std::fs::create_dir(s.corpus().join("shared")).expect("shared");
    std::fs::write(
        s.corpus().join("shared/notes.txt"),
        "The heron ledger lists every refund.\n",
    )
    .expect("notes");
    let c = s.corpus();
    symlink(outside.join("secret.txt"), c.join("secret.txt")).expect("link");
    symlink(&outside, c.join("elsewhere")).expect("link");
    symlink(".", c.join("a")).expect("link");
    symlink(".", c.join("b")).expect("link");
    symlink("shared/notes.txt", c.join("notes-alias.txt")).expect("link");
    symlink("shared", c.join("shared-alias")).expect("link");
    let out = run_bounded(&s, &["index"]);
    assert!(out.status.success(), "{out:?}");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Indexed 2 documents"), "{stdout}");
    for name in ["corpus/secret.txt", "corpus/elsewhere"] {
        assert!(
            stdout.contains(&format!("{name}: a link to "))
                && stdout.contains("outside the corpus folder"),
            "{name} not refused:\n{stdout}"
        );
    }
    assert!(stdout.contains("copy the file in instead"), "{stdout}");
    let out = run_bounded(
        &s,
        &[
            "ask",
            "--json",
            "--top",
            "5",
            "vault combination porcupine clerk",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(
        !text(&out.stdout).contains("kept by the porcupine clerk"),
        "{}",
        text(&out.stdout)
    );
    // The file inside keeps its own name, once.
    let out = run_bounded(&s, &["ask", "--json", "--top", "5", "heron ledger refund"]);
    let answers = text(&out.stdout);
    assert_eq!(
        answers.matches("The heron ledger lists").count(),
        1,
        "{answers}"
    );
    assert!(answers.contains("corpus/shared/notes.txt"), "{answers}");
}

/// Item 3: a PDF printed by Ghostscript (`enscript` then `ps2pdf`) indexed
/// as its page header alone. The fixture was made here by Ghostscript 10
/// (tests/fixtures/pdf/README.md).
#[test]
fn a_pdf_made_by_ghostscript_answers_from_its_text() {
    let s = Scratch::with_article();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pdf/ghostscript-enscript.pdf"),
        s.corpus().join("walrus.pdf"),
    )
    .expect("copy the fixture");
    let out = run_bounded(
        &s,
        &[
            "ask",
            "--json",
            "--top",
            "1",
            "Who must consent to a walrus discount over fifteen percent?",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("corpus/walrus.pdf"), "{stdout}");
    assert!(
        stdout.contains("written consent of the regional director"),
        "{stdout}"
    );
    assert!(
        !text(&out.stderr).contains("characters for"),
        "{}",
        text(&out.stderr)
    );
}
