//! Index builds at scale, as an operator runs them: the release binary
//! (`passagebot index --full`, then `passagebot index` after one file
//! changed) on corpora of about 1k, 10k and 100k passages, timing each run
//! and reading its peak memory (max RSS) from the kernel.
//!
//! The corpora are the SQuAD articles of `target/squad/articles.jsonl`, as
//! `scripts/squad-sets.py` writes them from the public SQuAD v1.1 development set
//! (QUALITY.md says how; or the file in `PASSAGEBOT_BENCH_ARTICLES`), written
//! out as many times as needed, one file per copy of an article. Run with
//! `cargo bench --bench index`; it prints a Markdown table for `BENCHMARKS.md`.
//! Set `PASSAGEBOT_BENCH_SIZES=1000,10000` to run fewer sizes, and
//! `PASSAGEBOT_BENCH_BIN=path/to/passagebot` to build with another binary (the
//! first asks are always this build's engine).
//!
//! After each size's builds it opens the index as the bot does and times the
//! first ask of the crowd-written SQuAD questions beside the articles file
//! (the first 10 of each article, each asked once: the encoder runs for every
//! question the words do not settle). Last, it times recall by meaning alone
//! (`Recall::nearest`, top 10) over 10,000 and 100,000 vectors, so the first
//! ask at sizes too slow to build with the encoder can be told from the
//! measured one at 10k plus the difference in scan time.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

mod support {
    pub mod squad;
}

/// Runs the binary to completion; returns its wall time and peak RSS in KiB.
fn measure(args: &[&str]) -> (Duration, u64) {
    // Another binary (say main's, to compare) with PASSAGEBOT_BENCH_BIN.
    let bin = std::env::var("PASSAGEBOT_BENCH_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_passagebot").to_string());
    let started = Instant::now();
    // Reaped below by wait4 (which also gives its peak memory), not by Child::wait.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(&bin)
        .args(args)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn passagebot");
    let pid = i32::try_from(child.id()).expect("pid fits");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it in for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our direct child, not yet waited for; the pointers are valid.
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = started.elapsed();
    assert_eq!(rc, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "passagebot {args:?} failed"
    );
    (elapsed, u64::try_from(usage.ru_maxrss).unwrap_or(0))
}

fn articles_path() -> PathBuf {
    std::env::var_os("PASSAGEBOT_BENCH_ARTICLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/squad/articles.jsonl")
        })
}

fn articles() -> Vec<(String, Vec<String>)> {
    let path = articles_path();
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "this bench needs {} ({e}); set PASSAGEBOT_BENCH_ARTICLES",
            path.display()
        )
    });
    raw.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| {
            let title = v["title"].as_str().unwrap_or("untitled").replace('_', " ");
            let paragraphs = v["paragraphs"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|p| p.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            (title, paragraphs)
        })
        .collect()
}

/// Writes copies of the articles until about `target` passages (counted with
/// the chunker itself) are on disk.
fn write_corpus(dir: &Path, target: usize, articles: &[(String, Vec<String>)]) -> usize {
    std::fs::create_dir_all(dir).expect("mkdir");
    let mut estimate = 0;
    let mut files = 0;
    'outer: for copy in 0.. {
        for (i, (title, paragraphs)) in articles.iter().enumerate() {
            if estimate >= target {
                break 'outer;
            }
            let text = format!("# {title} ({copy})\n\n{}\n", paragraphs.join("\n\n"));
            estimate += paragraphs
                .iter()
                .map(|p| passagebot::engine::corpus::chunk::windows(p).len())
                .sum::<usize>();
            std::fs::write(dir.join(format!("{copy:03}-{i:02}.md")), text).expect("write");
            files += 1;
        }
    }
    files
}

fn passages(index: &Path) -> usize {
    let manifest =
        std::fs::read_to_string(generation(index).join("manifest.json")).expect("manifest");
    let v: serde_json::Value = serde_json::from_str(&manifest).expect("json");
    v["passages"].as_u64().unwrap_or(0) as usize
}

/// The live generation's folder.
fn generation(index: &Path) -> PathBuf {
    let current = std::fs::read_to_string(index.join("CURRENT")).expect("CURRENT");
    index.join(current.trim())
}

/// Bytes on disk of the live generation.
fn index_bytes(index: &Path) -> u64 {
    std::fs::read_dir(generation(index))
        .expect("generation")
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// The first 10 crowd-written questions of each article.
/// Ten crowd-written questions of each article for each of `sizes` corpora.
fn questions(sizes: usize) -> Vec<String> {
    support::squad::first_questions(
        &articles_path().with_file_name("questions.jsonl"),
        10 * sizes.max(1),
    )
}

/// p50 and p90 of `times`.
fn p50_p90(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    let at = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    (at(0.5), at(0.9))
}

/// Each question asked once of a freshly opened engine: (p50, p90).
fn first_asks(index: &Path, questions: &[String]) -> (Duration, Duration) {
    let engine = passagebot::Engine::open(index, Default::default()).expect("open");
    let times = questions
        .iter()
        .map(|q| {
            let t = Instant::now();
            std::hint::black_box(engine.search(q, 0, 3).expect("search"));
            t.elapsed()
        })
        .collect();
    p50_p90(times)
}

/// Recall by meaning alone over `n` vectors, for real question vectors. The
/// passages' vectors are the questions' own with their components rotated
/// (unit vectors still, each distinct): the scan's cost does not depend on
/// the values.
fn recall_scan(n: usize, questions: &[Vec<f32>]) -> (Duration, Duration) {
    let mut recall = passagebot::engine::recall::Recall::default();
    for i in 0..n {
        let mut v = questions[i % questions.len()].clone();
        let len = v.len();
        v.rotate_left((i / questions.len()) % len);
        recall.push(i, &v);
    }
    let times = questions
        .iter()
        .map(|q| {
            let t = Instant::now();
            std::hint::black_box(recall.nearest(q, 10));
            t.elapsed()
        })
        .collect();
    p50_p90(times)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs it without: skip then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let sizes: Vec<usize> = std::env::var("PASSAGEBOT_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000]);
    let articles = articles();
    // Each size is asked its own questions: the encoder remembers the
    // embeddings of questions already asked in this process, and a size asked
    // the last one's would time no encoding at all.
    let all_questions = questions(sizes.len());
    let size_count = sizes.len();
    let root = tempfile::tempdir().expect("tempdir");
    println!(
        "| passages | files | full build | passages/s | peak RSS | index size | one-file incremental | peak RSS | no-change run | first ask p50 | p90 |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (k, target) in sizes.into_iter().enumerate() {
        let questions: Vec<String> = all_questions
            .iter()
            .skip(k)
            .step_by(size_count)
            .cloned()
            .collect();
        let corpus = root.path().join(format!("corpus-{target}"));
        let index = root.path().join(format!("index-{target}"));
        let files = write_corpus(&corpus, target, &articles);
        let (c, i) = (
            corpus.to_string_lossy().into_owned(),
            index.to_string_lossy().into_owned(),
        );
        let base = ["--corpus", c.as_str(), "--index", i.as_str(), "index"];
        let (full_t, full_m) = measure(&[&base[..], &["--full"]].concat());
        let n = passages(&index);
        // One file changes: a paragraph is appended, its time moves on.
        let first = std::fs::read_dir(&corpus)
            .expect("dir")
            .flatten()
            .map(|e| e.path())
            .min()
            .expect("a file");
        let mut text = std::fs::read_to_string(&first).expect("read");
        text.push_str("\nAn added paragraph about the quarterly review of this article.\n");
        std::fs::write(&first, text).expect("write");
        let (inc_t, inc_m) = measure(&base);
        let (none_t, _) = measure(&base);
        let (ask50, ask90) = first_asks(&index, &questions);
        println!(
            "| {n} | {files} | {:.2} s | {:.1} | {:.0} MiB | {:.1} MiB | {:.2} s | {:.0} MiB | {:.2} s | {:.1} ms | {:.1} ms |",
            full_t.as_secs_f64(),
            n as f64 / full_t.as_secs_f64(),
            full_m as f64 / 1024.0,
            index_bytes(&index) as f64 / (1024.0 * 1024.0),
            inc_t.as_secs_f64(),
            inc_m as f64 / 1024.0,
            none_t.as_secs_f64(),
            ask50.as_secs_f64() * 1e3,
            ask90.as_secs_f64() * 1e3,
        );
    }
    let encoder = passagebot::engine::semantic::encoder().expect("encoder");
    let vectors: Vec<Vec<f32>> = all_questions
        .iter()
        .take(240)
        .map(|q| encoder.encode_one(q).expect("encode"))
        .collect();
    for n in [10_000, 100_000] {
        let (p50, p90) = recall_scan(n, &vectors);
        println!(
            "recall by meaning alone, {n} vectors, {} questions: p50 {:.2} ms, p90 {:.2} ms",
            vectors.len(),
            p50.as_secs_f64() * 1e3,
            p90.as_secs_f64() * 1e3
        );
    }
}
