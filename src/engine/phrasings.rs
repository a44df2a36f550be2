//! Phrasing files: questions people asked, each with the phrase of the passage
//! that answers it, read from `*.questions.jsonl` in the corpus (issue #22).
//!
//! One JSON object a line:
//! `{"q": "Why do people hate talking to a machine?", "answer": "describe your
//! problem to a machine", "source": "corpus/article.md"}` (`source` optional).
//! The answer is a phrase quoted from the passage rather than a paragraph number,
//! so a phrasing survives edits that renumber paragraphs. A phrasing file is never
//! a failed build: a line that cannot be used is left out with a [`Warning`] that
//! names the file and the line, and says what to do. This file reads the files;
//! attaching them to passages is the index's ([`crate::engine::index::phrasings`]),
//! using them to answer is [`crate::engine::asked`]'s.

use std::fmt;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde_json::Value;

use crate::engine::corpus::limits::MAX_FILE_BYTES;
use crate::engine::corpus::load::display_source;
use crate::engine::corpus::walk::Found;

/// The phrasing file accepted suggestions are appended to, in the corpus root.
/// It is a phrasing file like any other: a build attaches it, live reload
/// picks up every change to it.
pub const LEARNED_FILE: &str = "learned.questions.jsonl";

/// Most lines read of one phrasing file; the rest are left out with a warning.
/// A phrasing's question is encoded when it is new (about a thousand a second
/// on 2 cores, in release), so 10,000 lines are seconds of building.
pub const MAX_LINES_PER_FILE: usize = 10_000;

/// Most phrasings attached in all: each keeps a vector in memory (1.5 KB)
/// and is compared with every question asked (about 20 ms at this many).
pub const MAX_PHRASINGS: usize = 20_000;

/// Longest question kept, in characters; a longer one is cut to this (with a
/// warning), as a question asked is ([`crate::config::MAX_QUESTION_CHARS`]).
pub const MAX_QUESTION_CHARS: usize = 1_000;

/// Longest answer phrase looked for, in characters: a quote longer than a
/// passage cannot be found in one, so it is left out with a warning.
pub const MAX_ANSWER_CHARS: usize = 1_000;

/// Warnings listed per file; past them one line says how many more there were.
pub const MAX_WARNINGS_PER_FILE: usize = 20;

/// One known phrasing, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrasing {
    pub question: String,
    /// A phrase quoted from the passage that answers it.
    pub answer: String,
    /// The document it is in, when given (as in the corpus or as shown:
    /// `article.md` or `corpus/article.md`).
    pub source: Option<String>,
    /// Where it was read: the file as shown, and the line (from 1).
    pub file: String,
    pub line: usize,
}

impl Phrasing {
    /// Whether a passage of the document shown as `shown` ("corpus/a.md")
    /// may hold this phrasing's answer.
    pub fn allows(&self, shown: &str) -> bool {
        match self.source.as_deref().map(|s| s.trim_start_matches("./")) {
            None => true,
            Some(s) => shown == s || shown.split_once('/').is_some_and(|(_, rest)| rest == s),
        }
    }
}

/// Something about a phrasing file worth a person's attention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub file: String,
    /// The line it is about, when it is about one.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// The phrasings of a corpus's phrasing files, and what was wrong with them.
#[derive(Debug, Clone, Default)]
pub struct PhrasingFiles {
    pub phrasings: Vec<Phrasing>,
    pub warnings: Vec<Warning>,
}

/// Reads every phrasing file the walk found in `corpus_dir`.
pub fn read_files(corpus_dir: &Path, files: &[Found]) -> PhrasingFiles {
    let mut out = PhrasingFiles::default();
    for file in files {
        let shown = display_source(corpus_dir, &file.path);
        match fs::File::open(&file.path) {
            Ok(f) => read_one(f, &shown, &mut out.phrasings, &mut out.warnings),
            Err(e) => out.warnings.push(Warning {
                file: shown,
                line: None,
                message: format!("cannot be read ({e}); its phrasings are left out"),
            }),
        }
    }
    out
}

/// `warnings` in file and line order, at most [`MAX_WARNINGS_PER_FILE`] about
/// lines of each file, then one saying how many more it had; those about a
/// whole file (a limit) are always kept, first.
pub fn capped(mut warnings: Vec<Warning>) -> Vec<Warning> {
    warnings.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let mut out: Vec<Warning> = Vec::new();
    let mut more: Vec<(String, usize)> = Vec::new();
    for w in warnings {
        let listed = out
            .iter()
            .filter(|o| o.file == w.file && o.line.is_some())
            .count();
        if w.line.is_none() || listed < MAX_WARNINGS_PER_FILE {
            out.push(w);
        } else {
            match more.iter_mut().find(|(f, _)| *f == w.file) {
                Some((_, n)) => *n += 1,
                None => more.push((w.file, 1)),
            }
        }
    }
    for (file, n) in more {
        let at = out
            .iter()
            .rposition(|o| o.file == file)
            .map_or(out.len(), |i| i + 1);
        out.insert(
            at,
            Warning {
                file,
                line: None,
                message: format!("and {n} more warning(s) like those above"),
            },
        );
    }
    out
}

/// Reads one phrasing file (at most [`MAX_FILE_BYTES`] of it and
/// [`MAX_LINES_PER_FILE`] lines) into `phrasings`.
pub fn read_one(
    file: impl Read,
    shown: &str,
    phrasings: &mut Vec<Phrasing>,
    warnings: &mut Vec<Warning>,
) {
    let warn = |warnings: &mut Vec<Warning>, line: Option<usize>, message: String| {
        warnings.push(Warning {
            file: shown.to_string(),
            line,
            message,
        })
    };
    let mut reader = BufReader::new(file.take(MAX_FILE_BYTES));
    let mut raw = Vec::new();
    let mut number = 0;
    loop {
        raw.clear();
        match reader.read_until(b'\n', &mut raw) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                warn(
                    warnings,
                    Some(number + 1),
                    format!("cannot be read past here ({e})"),
                );
                break;
            }
        }
        number += 1;
        if number > MAX_LINES_PER_FILE {
            let last = number + (&mut reader).split(b'\n').count();
            // Said of the file, not of a line, so the cap on warnings keeps it.
            warn(
                warnings,
                None,
                format!(
                    "lines {number}–{last} are left out: a phrasing file is read up to \
                     {MAX_LINES_PER_FILE} lines; split it into several files"
                ),
            );
            break;
        }
        match parse_line(&raw) {
            Ok(None) => {}
            Ok(Some((phrasing, notes))) => {
                for note in notes {
                    warn(warnings, Some(number), note);
                }
                phrasings.push(Phrasing {
                    file: shown.to_string(),
                    line: number,
                    ..phrasing
                });
            }
            Err(why) => warn(warnings, Some(number), why),
        }
    }
    if reader.into_inner().limit() == 0 {
        warn(
            warnings,
            None,
            format!(
                "only its first {} MiB were read; split it into several files",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        );
    }
}

/// One line: `None` for a blank one, else the phrasing and notes on what was
/// done with it (a field ignored, a question cut); the error says why it is
/// left out and what to do.
fn parse_line(raw: &[u8]) -> Result<Option<(Phrasing, Vec<String>)>, String> {
    let Ok(text) = std::str::from_utf8(raw) else {
        return Err("not UTF-8 text; left out (save the file as UTF-8)".into());
    };
    // A file saved by Windows tools starts with a byte-order mark; a line copied
    // out of a JSON array ends with a comma; a line starting with "#" or "//" is a
    // comment.
    let text = text.trim().trim_start_matches('\u{feff}').trim_start();
    if text.is_empty() || text.starts_with('#') || text.starts_with("//") {
        return Ok(None);
    }
    let text = text.strip_suffix(',').map_or(text, str::trim_end);
    let value: Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "not a JSON object ({e}); left out. A line reads \
             {{\"q\": \"a question\", \"answer\": \"a phrase quoted from its passage\"}}"
        )
    })?;
    let Value::Object(map) = value else {
        return Err("not a JSON object; left out. A line reads \
                    {\"q\": \"a question\", \"answer\": \"a phrase quoted from its passage\"}"
            .into());
    };
    let mut notes = Vec::new();
    let field = |name: &str| -> Result<Option<String>, String> {
        match map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(other) => Err(format!("\"{name}\" is {other} and not a string; left out")),
        }
    };
    let question = field("q")?.ok_or("no question (\"q\"); left out")?;
    let answer = field("answer")?.ok_or(
        "no answer (\"answer\": a phrase quoted from the passage that answers it); left out",
    )?;
    let source = field("source")?;
    let mut unknown: Vec<&str> = map
        .keys()
        .map(String::as_str)
        .filter(|k| !["q", "answer", "source"].contains(k))
        .collect();
    unknown.sort_unstable();
    if !unknown.is_empty() {
        notes.push(format!(
            "unknown field(s) {} ignored (a phrasing has \"q\", \"answer\" and \"source\")",
            unknown
                .iter()
                .map(|k| format!("\"{k}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if answer.chars().count() > MAX_ANSWER_CHARS {
        return Err(format!(
            "the answer is over {MAX_ANSWER_CHARS} characters, longer than a passage; left out \
             (quote a phrase of the passage, not all of it)"
        ));
    }
    let chars = question.chars().count();
    let question = if chars > MAX_QUESTION_CHARS {
        notes.push(format!(
            "the question is {chars} characters; cut to its first {MAX_QUESTION_CHARS}"
        ));
        question.chars().take(MAX_QUESTION_CHARS).collect()
    } else {
        question
    };
    Ok(Some((
        Phrasing {
            question,
            answer,
            source,
            file: String::new(),
            line: 0,
        },
        notes,
    )))
}

/// Text as phrases are compared: lower case, typographic quotes and dashes
/// as plain ones, every run of white space one space.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201b}' | '\u{2032}' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{201f}' | '\u{2033}' => '"',
            '\u{2010}'..='\u{2015}' => '-',
            c => c,
        };
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Vec<Phrasing>, Vec<Warning>) {
        let (mut p, mut w) = (Vec::new(), Vec::new());
        read_one(
            text.as_bytes(),
            "corpus/faq.questions.jsonl",
            &mut p,
            &mut w,
        );
        (p, w)
    }

    #[test]
    fn good_lines_are_read_and_bad_ones_warned_with_their_line() {
        let (p, w) = read(concat!(
            "{\"q\": \"Why?\", \"answer\": \"because\"}\n",
            "\n",
            "{\"q\": \"broken\n",
            "{\"q\": \"How?\", \"answer\": \"so\", \"source\": \"a.md\", \"kind\": \"x\"}\n",
            "[1, 2]\n",
            "{\"q\": \"No answer\"}\n",
            "{\"q\": 3, \"answer\": \"x\"}\n",
        ));
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].question.as_str(), p[0].line), ("Why?", 1));
        assert_eq!((p[1].source.as_deref(), p[1].line), (Some("a.md"), 4));
        let lines: Vec<Option<usize>> = w.iter().map(|w| w.line).collect();
        assert_eq!(lines, [Some(3), Some(4), Some(5), Some(6), Some(7)]);
        assert!(
            w[1].to_string()
                .starts_with("corpus/faq.questions.jsonl:4: unknown field(s) \"kind\"")
        );
        assert!(w[0].message.contains("not a JSON object"), "{}", w[0]);
    }

    #[test]
    fn a_file_nobody_cleaned_byte_order_mark_crlf_trailing_commas_and_comments() {
        let (p, w) = read(concat!(
            "\u{feff}{\"q\": \"Why?\", \"answer\": \"because\"}\r\n",
            "{\"q\": \"How?\", \"answer\": \"so\"},\r\n",
            "# questions from Tuesday's class\r\n",
            "  // and Wednesday's\r\n",
            "{\"q\": \"When?\", \"answer\": \"now\"} ,\r\n",
        ));
        assert!(w.is_empty(), "{w:?}");
        let read: Vec<(&str, usize)> = p.iter().map(|p| (p.question.as_str(), p.line)).collect();
        assert_eq!(read, [("Why?", 1), ("How?", 2), ("When?", 5)]);
    }

    #[test]
    fn a_long_question_is_cut_and_a_long_file_read_up_to_its_limit() {
        let long = "x".repeat(10_000);
        let (p, w) = read(&format!("{{\"q\": \"{long}\", \"answer\": \"a\"}}\n"));
        assert_eq!(p[0].question.chars().count(), MAX_QUESTION_CHARS);
        assert!(w[0].message.contains("cut to its first 1000"), "{}", w[0]);
        let many = "{\"q\": \"q\", \"answer\": \"a\"}\n".repeat(MAX_LINES_PER_FILE + 5);
        let (p, w) = read(&many);
        assert_eq!(p.len(), MAX_LINES_PER_FILE);
        assert_eq!(w.len(), 1);
        assert_eq!(
            w[0].to_string(),
            "corpus/faq.questions.jsonl: lines 10001–10005 are left out: a phrasing file is \
             read up to 10000 lines; split it into several files"
        );
    }

    #[test]
    fn warnings_are_listed_in_line_order_up_to_a_limit_per_file() {
        let w = |file: &str, line| Warning {
            file: file.into(),
            line: Some(line),
            message: "m".into(),
        };
        let mut all: Vec<Warning> = (0..MAX_WARNINGS_PER_FILE + 3)
            .rev()
            .map(|i| w("a", i))
            .collect();
        all.push(w("b", 1));
        all.push(Warning {
            line: None,
            ..w("a", 0)
        });
        let out = capped(all);
        assert_eq!(out.len(), MAX_WARNINGS_PER_FILE + 3);
        assert_eq!((out[0].line, out[1].line), (None, Some(0)), "a limit first");
        let last_of_a = &out[MAX_WARNINGS_PER_FILE + 1];
        assert_eq!(last_of_a.message, "and 3 more warning(s) like those above");
        assert_eq!(out[MAX_WARNINGS_PER_FILE + 2].file, "b");
    }

    #[test]
    fn phrases_compare_without_case_quotes_or_spacing() {
        assert_eq!(
            normalise("  It\u{2019}s   “ONE to\nmany”\u{2014}style "),
            "it's \"one to many\"-style"
        );
    }

    #[test]
    fn a_source_names_the_document_with_or_without_the_corpus_folder() {
        let p = Phrasing {
            question: "q".into(),
            answer: "a".into(),
            source: Some("guide/a.md".into()),
            file: String::new(),
            line: 1,
        };
        assert!(p.allows("corpus/guide/a.md") && p.allows("guide/a.md"));
        assert!(!p.allows("corpus/a.md"));
    }
}
