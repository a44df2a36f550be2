//! Walking a corpus folder: every file of a known format is read and parsed;
//! one that cannot be (binary, not UTF-8, empty, unknown format, over a
//! [`limits`](super::limits) limit) is skipped with the reason, and the rest
//! is still loaded.

use std::fs;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::limits::{
    MAX_FILE_BYTES, MAX_PARSE_STRAGGLERS, MAX_PASSAGES_PER_FILE, PARSE_BUDGET, parsers_busy,
    too_big, too_many_passages, too_slow,
};
use super::walk::{FileId, Found, Kind, Walk, walk};
pub use super::walk::{Skipped, display_source};
use super::{BlockKind, Document, Parsed, chunk, formats, frontmatter};
use crate::error::{Error, Result};

/// The documents of a corpus folder and the files that were skipped.
#[derive(Debug, Clone)]
pub struct LoadReport {
    pub documents: Vec<Document>,
    pub skipped: Vec<Skipped>,
}

/// The corpus files that are documents, by the walk's rule (see
/// [`walk`](super::walk)), and the entries it refused; the index folder is
/// left out when it lies inside the corpus (its own files must not become
/// documents, nor make every build look like a change).
pub fn document_files(corpus: &Path, index: &Path) -> Result<Walk> {
    walk(corpus, Some(index))
}

/// Loads every readable document of `dir` (walked by the rule of
/// [`walk`](super::walk)), each file parsed within [`PARSE_BUDGET`].
///
/// A missing folder, or one without a single readable document, is an error;
/// a bad file only adds to [`LoadReport::skipped`].
pub fn load_corpus(dir: &Path) -> Result<LoadReport> {
    load_corpus_within(dir, PARSE_BUDGET)
}

/// [`load_corpus`] with each file's parsing limited to `budget`.
pub fn load_corpus_within(dir: &Path, budget: Duration) -> Result<LoadReport> {
    let mut report = LoadReport {
        documents: Vec::new(),
        skipped: Vec::new(),
    };
    let walked = walk(dir, None)?;
    for refused in walked.refused {
        tracing::warn!("skipping {}: {}", refused.source, refused.reason);
        report.skipped.push(refused);
    }
    for file in walked.files {
        let source = display_source(dir, &file.path);
        match load_checked(&file.path, Some(file.id), &source, budget) {
            Ok(doc) => report.documents.push(doc),
            Err(reason) => {
                tracing::warn!("skipping {source}: {reason}");
                report.skipped.push(Skipped { source, reason });
            }
        }
    }
    if report.documents.is_empty() {
        return Err(Error::CorpusEmpty {
            path: dir.into(),
            skipped: report.skipped.len(),
        });
    }
    Ok(report)
}

/// Reads and parses one file within [`PARSE_BUDGET`]; the error is the
/// reason it was skipped.
pub fn load_file(path: &Path, source: &str) -> Result<Document, String> {
    load_file_within(path, source, PARSE_BUDGET)
}

/// Reads and parses one file, giving up on a parse that takes longer than
/// `budget` (see [`parse_within`]); the error is the reason it was skipped.
pub fn load_file_within(path: &Path, source: &str, budget: Duration) -> Result<Document, String> {
    load_checked(path, None, source, budget)
}

/// Reads and parses a file the walk found, within [`PARSE_BUDGET`], provided
/// it is still the file the walk vetted (the same device and inode: a name
/// swapped for a link or a pipe since then is not read).
pub fn load_found(file: &Found, source: &str) -> Result<Document, String> {
    load_checked(&file.path, Some(file.id), source, PARSE_BUDGET)
}

/// [`load_file_within`], checking the opened file is `expected` when given.
fn load_checked(
    path: &Path,
    expected: Option<FileId>,
    source: &str,
    budget: Duration,
) -> Result<Document, String> {
    let Some(format) = formats::for_path(path) else {
        return Err(format!(
            "not a format passagebot reads (it reads {})",
            formats::DOCUMENT_KINDS
        ));
    };
    let bytes = read_capped(path, expected)?;
    let hash = hex(&Sha256::digest(&bytes));
    let owned = path.to_path_buf();
    let mut parsed = parse_within(budget, move || format.parse(&owned, &bytes))?;
    if !parsed.blocks.iter().any(|b| b.kind == BlockKind::Paragraph) {
        return Err("empty: no text to index".into());
    }
    let passages = chunk::count(&parsed.blocks, MAX_PASSAGES_PER_FILE);
    if passages > MAX_PASSAGES_PER_FILE {
        return Err(too_many_passages(passages));
    }
    if parsed.author.is_none() {
        parsed.author = parsed
            .blocks
            .iter()
            .filter(|b| b.kind == BlockKind::Paragraph)
            .take(2)
            .find_map(|b| frontmatter::byline(&b.text));
    }
    let title = parsed.title.unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| source.to_string())
    });
    Ok(Document {
        source: source.to_string(),
        title,
        author: parsed.author,
        url: parsed.url,
        blocks: parsed.blocks,
        hash,
    })
}

/// Parses taken over their budget that are still running, in this process.
static STRAGGLERS: AtomicUsize = AtomicUsize::new(0);

/// Runs `parse` on a worker thread and waits for it at most `budget`.
///
/// Rust cannot stop a thread from outside, so a parse over its budget is
/// left to finish on its own (its result is then dropped): the caller goes
/// on at once. At most [`MAX_PARSE_STRAGGLERS`] such parses may be running;
/// while that many are, `parse` is not started and the file is skipped. A
/// parser that panics (pdf-extract's are caught inside the PDF format
/// already) skips the file too.
pub fn parse_within(
    budget: Duration,
    parse: impl FnOnce() -> Result<Parsed, String> + Send + 'static,
) -> Result<Parsed, String> {
    parse_counted(budget, &STRAGGLERS, parse)
}

/// Marks the end of a parse: swapped to true by the worker when it is done
/// and by the caller when it gives up. Whichever finds it already true came
/// second and settles the count of stragglers.
struct Finished {
    flag: Arc<AtomicBool>,
    stragglers: &'static AtomicUsize,
}

impl Drop for Finished {
    // On drop, so that a parser that panics after the caller gave up is
    // uncounted too.
    fn drop(&mut self) {
        if self.flag.swap(true, Ordering::SeqCst) {
            // The caller gave up first and counted this thread.
            self.stragglers.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// [`parse_within`] counting stragglers in `stragglers` (tests use their own).
fn parse_counted(
    budget: Duration,
    stragglers: &'static AtomicUsize,
    parse: impl FnOnce() -> Result<Parsed, String> + Send + 'static,
) -> Result<Parsed, String> {
    let running = stragglers.load(Ordering::SeqCst);
    if running >= MAX_PARSE_STRAGGLERS {
        return Err(parsers_busy(running));
    }
    let (sender, receiver) = mpsc::sync_channel(1);
    let flag = Arc::new(AtomicBool::new(false));
    let finished = Finished {
        flag: Arc::clone(&flag),
        stragglers,
    };
    std::thread::Builder::new()
        .name("passagebot-parse".into())
        // The size of the main thread's stack, on which the parsers ran before.
        .stack_size(8 * 1024 * 1024)
        .spawn(move || {
            let _finished = finished;
            // The caller may have stopped waiting: then nobody receives it.
            let _ = sender.send(parse());
        })
        .map_err(|e| format!("cannot start a thread to parse it: {e}"))?;
    match receiver.recv_timeout(budget) {
        Ok(parsed) => parsed,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            // Counted before the swap, so the worker's decrement never comes first.
            stragglers.fetch_add(1, Ordering::SeqCst);
            if flag.swap(true, Ordering::SeqCst) {
                // The worker finished meanwhile: not a straggler after all.
                stragglers.fetch_sub(1, Ordering::SeqCst);
                if let Ok(parsed) = receiver.try_recv() {
                    return parsed;
                }
            }
            Err(too_slow(budget))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err("its parser crashed; save it again or in another format".into())
        }
    }
}

/// The file's bytes, unless it is over [`MAX_FILE_BYTES`] (checked before
/// reading, and again while reading in case it grows meanwhile).
///
/// Opened non-blocking: the walk refuses pipes and devices before opening,
/// but one put in a file's place since then must not block `open` (a FIFO's
/// open waits for a writer); what was opened is then checked to be a regular
/// file, and the one the walk found (`expected`), before a byte is read.
fn read_capped(path: &Path, expected: Option<FileId>) -> Result<Vec<u8>, String> {
    let cannot = |e: std::io::Error| format!("cannot read it: {e}");
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if let Some(reason) = Kind::of(meta.file_type()).refusal() {
        return Err(reason.into());
    }
    if expected.is_some_and(|id| id != FileId::of(&meta)) {
        return Err(
            "it was replaced while the corpus was being read (it is not the file found there); \
             index again"
                .into(),
        );
    }
    let size = meta.len();
    if size > MAX_FILE_BYTES {
        return Err(too_big(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_named_alike_however_its_folder_was_given() {
        let named = |dir: &str, file: &str| display_source(Path::new(dir), Path::new(file));
        assert_eq!(named("corpus", "corpus/a.md"), "corpus/a.md");
        assert_eq!(named("corpus/", "corpus/sub/a.md"), "corpus/sub/a.md");
        assert_eq!(
            named("/srv/bot/corpus", "/srv/bot/corpus/a.md"),
            "corpus/a.md"
        );
        assert_eq!(
            named("../docs/corpus", "../docs/corpus/a.md"),
            "corpus/a.md"
        );
        assert_eq!(named(".", "./a.md"), "a.md");
        assert_eq!(named("..", "../a.md"), "a.md");
    }

    #[test]
    fn bad_files_are_skipped_with_reasons_and_the_rest_loads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        fs::write(d.join("good.md"), "# Good\n\nBy Ann Lee\n\nReal text.\n").expect("write");
        fs::write(d.join("bin.txt"), b"abc\0def").expect("write");
        // Not UTF-8, so read as Windows-1252: loaded, not skipped.
        fs::write(d.join("latin1.txt"), b"caf\xe9 cr\xe8me").expect("write");
        fs::write(d.join("empty.md"), "\n\n").expect("write");
        fs::write(d.join("image.png"), b"png").expect("write");
        fs::write(d.join(".hidden.md"), "x").expect("write");
        let report = load_corpus(d).expect("loads");
        assert_eq!(report.documents.len(), 2);
        let good = report
            .documents
            .iter()
            .find(|d| d.title == "Good")
            .expect("good.md");
        assert_eq!(good.author.as_deref(), Some("Ann Lee"));
        let latin = report
            .documents
            .iter()
            .find(|d| d.source.ends_with("latin1.txt"))
            .expect("latin1.txt");
        assert_eq!(latin.blocks[0].text, "café crème");
        let reasons: Vec<_> = report
            .skipped
            .iter()
            .map(|s| {
                (
                    s.source.rsplit('/').next().unwrap_or_default().to_string(),
                    s.reason.clone(),
                )
            })
            .collect();
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(
            reasons
                .iter()
                .any(|(f, r)| f == "bin.txt" && r.contains("binary"))
        );
        assert!(
            reasons
                .iter()
                .any(|(f, r)| f == "empty.md" && r.contains("empty"))
        );
        assert!(
            reasons
                .iter()
                .any(|(f, r)| f == "image.png" && r.contains("format"))
        );
    }

    #[test]
    fn missing_and_empty_folders_are_errors_naming_the_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("nope");
        let err = load_corpus(&missing).expect_err("missing");
        assert!(err.to_string().contains("nope"));
        let err = load_corpus(dir.path()).expect_err("empty");
        assert!(err.to_string().contains("no document"));
    }

    /// Issue 14, item 1: there was no limit on a file's size, and a file
    /// with one huge paragraph made hours of encoder work.
    #[test]
    fn files_over_the_size_or_passage_limits_are_skipped_with_the_numbers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        fs::write(d.join("good.txt"), "Real text.\n").expect("write");
        let big = fs::File::create(d.join("big.txt")).expect("create");
        big.set_len(MAX_FILE_BYTES + 1).expect("sparse file");
        let sentence = "Sales and marketing share one goal, and a sentence says so here. ";
        let many = sentence.repeat(MAX_PASSAGES_PER_FILE * 12);
        fs::write(d.join("long.txt"), &many).expect("write");
        let report = load_corpus(d).expect("loads");
        assert_eq!(report.documents.len(), 1);
        let reason = |name: &str| {
            report
                .skipped
                .iter()
                .find(|s| s.source.ends_with(name))
                .map(|s| s.reason.clone())
                .unwrap_or_default()
        };
        let r = reason("big.txt");
        assert!(
            r.contains("16.0 MiB") && r.contains("16777217 bytes"),
            "{r}"
        );
        let r = reason("long.txt");
        assert!(r.contains("passages") && r.contains("5000"), "{r}");
        // Just under the limits is indexed.
        let fits = sentence.repeat(MAX_PASSAGES_PER_FILE * 5);
        fs::write(d.join("long.txt"), &fits).expect("write");
        let doc = load_file(&d.join("long.txt"), "long.txt").expect("fits");
        let n = chunk::chunk(0, &doc).len();
        assert!(
            n > MAX_PASSAGES_PER_FILE / 2 && n <= MAX_PASSAGES_PER_FILE,
            "{n}"
        );
    }

    /// A parser that waits until the test releases it: no timing decides
    /// whether it is over a 1 ms budget.
    fn stuck() -> (
        mpsc::Sender<()>,
        impl FnOnce() -> Result<Parsed, String> + Send + 'static,
    ) {
        let (release, gate) = mpsc::channel::<()>();
        (release, move || {
            let _ = gate.recv();
            Ok(Parsed::default())
        })
    }

    /// Issue 14: nothing bounded the time one file's parsing could take.
    #[test]
    fn a_parse_over_its_budget_is_skipped_and_the_stragglers_are_bounded() {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let tiny = Duration::from_millis(1);
        let mut releases = Vec::new();
        for n in 1..=MAX_PARSE_STRAGGLERS {
            let (release, parse) = stuck();
            releases.push(release);
            let reason = parse_counted(tiny, &COUNT, parse).expect_err("over its budget");
            assert!(
                reason.contains("longer than the limit of 1 ms") && reason.contains("split it"),
                "{reason}"
            );
            assert_eq!(COUNT.load(Ordering::SeqCst), n);
        }
        // The bound: the next file is not parsed at all while they run.
        let started = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&started);
        let reason = parse_counted(Duration::from_secs(600), &COUNT, move || {
            flag.store(true, Ordering::SeqCst);
            Ok(Parsed::default())
        })
        .expect_err("busy");
        assert!(reason.contains("still being parsed"), "{reason}");
        assert!(!started.load(Ordering::SeqCst));
        // Released, the stragglers finish on their own and are uncounted.
        drop(releases);
        for _ in 0..10_000 {
            if COUNT.load(Ordering::SeqCst) == 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(COUNT.load(Ordering::SeqCst), 0);
        // A parse within its budget, and one that panics, are not stragglers.
        let parsed = parse_counted(Duration::from_secs(600), &COUNT, || Ok(Parsed::default()));
        assert_eq!(parsed, Ok(Parsed::default()));
        let reason = parse_counted(Duration::from_secs(600), &COUNT, || panic!("parser bug"))
            .expect_err("crashed");
        assert!(reason.contains("crashed"), "{reason}");
        assert_eq!(COUNT.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn title_falls_back_to_the_file_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("notes.txt"), "Just text.\n").expect("write");
        let report = load_corpus(dir.path()).expect("loads");
        assert_eq!(report.documents[0].title, "notes");
    }
}
