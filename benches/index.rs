//! Index builds at scale, as an operator runs them: the release binary
//! (`passagebot index --full`, then `passagebot index` after one file
//! changed) on corpora of about 1k, 10k and 100k passages, timing each run
//! and reading its peak memory (max RSS) from the kernel.
//!
//! The corpora are the SQuAD articles of `../shared/eval/squad` (or
//! `PASSAGEBOT_BENCH_ARTICLES`) written out as many times as needed, one file
//! per copy of an article. Run with `cargo bench --bench index`; it prints a
//! Markdown table for `BENCHMARKS.md`. Set `PASSAGEBOT_BENCH_SIZES=1000,10000`
//! to run fewer sizes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Runs the binary to completion; returns its wall time and peak RSS in KiB.
fn measure(args: &[&str]) -> (Duration, u64) {
    let bin = env!("CARGO_BIN_EXE_passagebot");
    let started = Instant::now();
    // Reaped below by wait4 (which also gives its peak memory), not by Child::wait.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(bin)
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

fn articles() -> Vec<(String, Vec<String>)> {
    let path = std::env::var_os("PASSAGEBOT_BENCH_ARTICLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/squad/articles.jsonl")
        });
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
    let current = std::fs::read_to_string(index.join("CURRENT")).expect("CURRENT");
    let manifest = std::fs::read_to_string(index.join(current.trim()).join("manifest.json"))
        .expect("manifest");
    let v: serde_json::Value = serde_json::from_str(&manifest).expect("json");
    v["passages"].as_u64().unwrap_or(0) as usize
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
    let root = tempfile::tempdir().expect("tempdir");
    println!(
        "| passages | files | full build | peak RSS | one-file incremental | peak RSS | no-change run |"
    );
    println!("|---|---|---|---|---|---|---|");
    for target in sizes {
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
        println!(
            "| {n} | {files} | {:.2} s | {:.0} MiB | {:.2} s | {:.0} MiB | {:.2} s |",
            full_t.as_secs_f64(),
            full_m as f64 / 1024.0,
            inc_t.as_secs_f64(),
            inc_m as f64 / 1024.0,
            none_t.as_secs_f64(),
        );
    }
}
