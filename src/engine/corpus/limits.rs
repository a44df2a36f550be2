//! Resource limits on what one corpus file may cost to load, parse, chunk and
//! encode, in one place (the README's "Limits" section quotes them).
//!
//! A file over a limit is skipped with a warning that names it, the number
//! and the limit, and says what to do; the rest of the corpus is indexed. The
//! bot rebuilds inside its own process, so these are what stand between a
//! hostile or accidental document and the bot's memory and time.

use std::time::Duration;

/// Largest file read at all, in bytes (16 MiB). Checked before reading.
///
/// Parsing costs a few times the file's size in memory (the text, its clean
/// copy, the blocks); 16 MiB keeps that well under 300 MiB. Text past about
/// 3 MB meets [`MAX_PASSAGES_PER_FILE`] first; the size limit is what
/// bounds the parsers (a PDF or an HTML page is mostly markup and images).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Most passages one file may make (about 3 MB of prose).
///
/// Each passage and its sentences go through the sentence encoder when the
/// index is built, at about 28–48 passages a second on 2 cores (BENCHMARKS.md),
/// so 5,000 passages is two to three minutes of building; a book the length of
/// *War and Peace* is about this size. A file that would make more is
/// skipped whole (not cut short), so an answer never comes from half a file.
pub const MAX_PASSAGES_PER_FILE: usize = 5_000;

/// Most bytes of paragraph text a passage keeps as its context (the
/// `context` field, scored beside the passage's own words).
///
/// A paragraph up to this long is the whole context of each of its
/// passages; in a longer one, each passage keeps the text around it up to
/// this length, so the cost of a paragraph grows linearly with its length
/// instead of with its square. 4 KiB is several times the longest paragraph
/// of the bundled article, whose answers are byte-identical to those before
/// the limit (RELIABILITY.md); only paragraphs over 4 KiB rank differently.
pub const MAX_CONTEXT_BYTES: usize = 4096;

/// Deepest nesting of elements an HTML page may have.
///
/// The HTML parser (html5ever) checks the open elements at every `<div>`,
/// so its time grows with the square of the depth: 16,000 nested `<div>`s
/// take about a second, 200,000 would take minutes. A page nesting deeper
/// than this (counted on the raw markup before parsing) is skipped; real
/// pages nest a few dozen levels. Should the parsed tree still be deeper,
/// elements below this depth only give their text, as one paragraph.
pub const MAX_HTML_DEPTH: usize = 1024;

/// Why an HTML page nesting deeper than [`MAX_HTML_DEPTH`] is skipped.
pub fn too_deep(depth: usize) -> String {
    format!(
        "its elements nest {depth} levels deep or more, over the limit of {MAX_HTML_DEPTH}; \
         save the page again from a browser, or as text"
    )
}

/// Longest the parsing of one file may take by default (30 s), passed to
/// [`load_file_within`](super::load::load_file_within) by whoever sets it.
///
/// The size limit and linear parsers keep real files far below this (the
/// fuzzing of RELIABILITY.md found no input over a second); this is the
/// guard for what they missed: a PDF that sends pdf-extract into a long
/// loop, a page html5ever chews on. A file over it is skipped with a
/// warning and the build goes on. Rust cannot stop a thread from outside,
/// so the parse runs on a worker thread that the build stops waiting for:
/// it finishes on its own and its result is dropped.
pub const PARSE_BUDGET: Duration = Duration::from_secs(30);

/// Most parses over their time budget that may still be running in the
/// process at once (each holds its file's bytes and a thread).
///
/// While this many are running, further files are skipped without being
/// parsed ([`parsers_busy`]) rather than piling up threads and memory.
pub const MAX_PARSE_STRAGGLERS: usize = 2;

/// Why a file whose parsing ran over its time budget is skipped.
pub fn too_slow(budget: Duration) -> String {
    format!(
        "parsing it took longer than the limit of {} for one file, so it was left out \
         (the parser finishes in the background); save it again as text or another format, \
         or split it into smaller files",
        human_duration(budget)
    )
}

/// Why a file is skipped while [`MAX_PARSE_STRAGGLERS`] slow parses are still running.
pub fn parsers_busy(running: usize) -> String {
    format!(
        "not parsed: {running} earlier files ran over the parsing time limit and are still \
         being parsed in the background (at most {MAX_PARSE_STRAGGLERS}); remove or convert \
         those files, then build again"
    )
}

/// A duration for people: "30 s", "1.5 s", "20 ms".
pub fn human_duration(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        let s = d.as_secs_f64();
        if s.fract() == 0.0 {
            format!("{s:.0} s")
        } else {
            format!("{s:.1} s")
        }
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// A byte count for people, in binary units: "50.0 MiB", "1.5 KiB", "999 bytes".
pub fn human_bytes(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b >= KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else if b >= KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Why a file over [`MAX_FILE_BYTES`] is skipped.
pub fn too_big(bytes: u64) -> String {
    format!(
        "the file is {} ({bytes} bytes), over the limit of {} for one file; split it into smaller files",
        human_bytes(bytes),
        human_bytes(MAX_FILE_BYTES),
    )
}

/// Why a file that would make more than [`MAX_PASSAGES_PER_FILE`] passages is skipped.
pub fn too_many_passages(passages: usize) -> String {
    format!(
        "it would make {passages} passages or more, over the limit of {MAX_PASSAGES_PER_FILE} for one file \
         (each passage costs encoder time at every build); split it into smaller files"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_name_the_size_the_limit_and_the_fix() {
        let r = too_big(52_428_800);
        assert!(r.contains("50.0 MiB") && r.contains("16.0 MiB"), "{r}");
        assert!(r.contains("split it"), "{r}");
        let r = too_many_passages(8_001);
        assert!(r.contains("8001") && r.contains("5000"), "{r}");
        assert_eq!(human_bytes(999), "999 bytes");
        assert_eq!(human_bytes(1_536), "1.5 KiB");
        let r = too_slow(PARSE_BUDGET);
        assert!(r.contains("30 s") && r.contains("split it"), "{r}");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(human_duration(Duration::from_millis(20)), "20 ms");
    }
}
