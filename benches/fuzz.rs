//! Fuzzing on stable Rust: seeded random inputs through every corpus loader
//! (Markdown, plain text, HTML, PDF bytes), front matter, the sentence
//! splitter, the chunker, the corpus walk's path rule (which entries are
//! inside the corpus, links, each file once), the answer formatters (terminal,
//! JSON, Telegram HTML and its message splitter) and the wall's request check
//! (Host and token); counts panics, checks each target's invariants, and
//! records the slowest input per target.
//!
//! - `cargo bench --bench fuzz`: 1,000,000 inputs per target (release).
//! - `cargo test`: the same harness, 2,000 inputs per target (this target has
//!   `test = true`).
//! - `FUZZ_INPUTS=N` sets the count, `FUZZ_SEED=S` the seed (inputs are a pure
//!   function of seed and number, so a failure names what reproduces it),
//!   `FUZZ_ONLY=name[,name]` picks targets, `FUZZ_SMALL_LIMITS=1` also splits
//!   Telegram messages at limits under 300. The worst time is the slower
//!   input's best of two runs, so that a preempted run does not count.
//!
//! Inputs are built from each format's own vocabulary (tags, markup, front
//! matter fences, abbreviations, quotes, control characters, invalid UTF-8)
//! mixed with random characters, mostly short, now and then tens of
//! kilobytes or thousands of nesting levels, so that cost that grows faster
//! than the input shows up as a slow worst case.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use passagebot::Answer;
use passagebot::bot::buttons;
use passagebot::conversation::handoff;
use passagebot::engine::corpus::format::Format;
use passagebot::engine::corpus::limits::MAX_CONTEXT_BYTES;
use passagebot::engine::corpus::{
    Block, BlockKind, Document, chunk, frontmatter, html::Html, markdown::Markdown, pdf::Pdf,
    plain::Plain, sentence,
};
use passagebot::render::{json, telegram, terminal};
use passagebot::wall::{self, Access, Refusal};

// The integration tests' scratch folders; the bench uses only some of them.
#[path = "../tests/integration/support/scratch.rs"]
#[allow(dead_code)]
mod common;

/// splitmix64: small, fast, and good enough to drive generators.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when n is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// A length: mostly short, 1 in 100 up to 4 KiB, 1 in 5,000 up to 64 KiB.
    fn length(&mut self) -> usize {
        if self.chance(5_000) {
            self.below(64 * 1024)
        } else if self.chance(100) {
            self.below(4096)
        } else {
            self.below(120)
        }
    }
}

/// Words and punctuation every text generator mixes in.
const PROSE: &[&str] = &[
    " ",
    " ",
    " ",
    "\n",
    "\n\n",
    "Sales",
    "marketing",
    "the",
    "customer",
    "data-driven",
    ".",
    ".",
    ",",
    "?",
    "!",
    "…",
    "Dr.",
    "e.g.",
    "U.S.",
    "etc.",
    "J.",
    "3.5",
    "“",
    "”",
    "‘",
    "’",
    "\"",
    "'",
    "(",
    ")",
    "[",
    "]",
    "«",
    "»",
    "–",
    "—",
    "-",
    ";",
    ":",
    "é",
    "É",
    "ß",
    "İ",
    "🎫",
    "👍🏽",
    "中文",
    "ﬁ",
    "\u{200b}",
    "\u{202e}",
    "\u{feff}",
    "\u{0}",
    "\u{1b}[2J",
    "\u{7}",
    "\r",
    "\r\n",
    "\t",
    "\u{c}",
    "\u{85}",
    "\u{2028}",
    "a",
    "I",
    "By Ann Lee",
    "By ",
];

const MARKDOWN: &[&str] = &[
    "# ",
    "## ",
    "###### ",
    "#",
    "---\n",
    "---",
    "...\n",
    "title: ",
    "author: ",
    "url: ",
    "*",
    "**",
    "_",
    "__",
    "`",
    "```\n",
    "~~~",
    "- ",
    "* ",
    "1. ",
    "> ",
    "|",
    "| --- |",
    "|:-:|",
    "[",
    "](",
    ")",
    "![",
    "<div>",
    "</div>",
    "&amp;",
    "&#0;",
    "\\",
    "    ",
    "~~",
    "[^1]",
    "<!--",
    "-->",
    "\n- ",
    "\n  - ",
    "\n> ",
    "===",
    "\n---\n",
    "<http://x.y>",
    "[x]: /u",
];

const HTML: &[&str] = &[
    "<p>",
    "</p>",
    "<div>",
    "</div>",
    "<h1>",
    "</h1>",
    "<h3>",
    "</h3>",
    "<ul>",
    "</ul>",
    "<ol>",
    "<li>",
    "</li>",
    "<table>",
    "<tr>",
    "<td>",
    "</td>",
    "</tr>",
    "</table>",
    "<dl>",
    "<dt>",
    "<dd>",
    "<script>",
    "</script>",
    "<style>",
    "<nav>",
    "</nav>",
    "<br>",
    "<br/>",
    "<main>",
    "</main>",
    "<article>",
    "<section>",
    "<title>",
    "</title>",
    "<meta name=\"author\" content=\"",
    "\">",
    "<!--",
    "-->",
    "&nbsp;",
    "&#x1F600;",
    "&#0;",
    "&amp",
    "&",
    "<",
    ">",
    "</",
    "<pre>",
    "<svg>",
    "<template>",
    "<![CDATA[",
    "]]>",
    "<!DOCTYPE html>",
    "<html>",
    "<body>",
    "</body>",
    "<blockquote>",
    "<span>",
    "</span>",
    "<b>",
    "<i>",
    "</b>",
    "<a href=\"x\">",
    "</a>",
    "<form>",
    "<button>",
    "<select>",
    "<option>",
    "<frameset>",
    "<math>",
    "<noscript>",
    "<plaintext>",
    "<textarea>",
    "<xmp>",
    "<iframe>",
    "<img src=x>",
    "<figure>",
    "<details>",
    "<summary>",
];

/// Callback data: the bot's own prefixes and ids, and what a modified client sends.
const CALLBACK: &[&str] = &[
    "more:",
    "why:",
    "fb+:",
    "fb-:",
    "human:",
    "fb",
    ":",
    "0",
    "1",
    "7",
    "42",
    "18446744073709551615",
    "99999999999999999999",
    "-",
    "+",
    " ",
    "\u{0}",
    "é",
    "٣",
    "ｍore:",
    "MORE:",
];

/// Path components the corpus walk's fuzzing builds paths from: the root's
/// and the index's own names, their prefixes and extensions, dot segments,
/// empty and doubled separators, non-ASCII and invalid UTF-8.
const PATH_PARTS: &[&[u8]] = &[
    b"srv",
    b"corpus",
    b"corpus2",
    b"corp",
    b"index",
    b"a",
    b"b.md",
    b"..",
    b".",
    b"",
    b" ",
    b".hidden",
    b"\xc3\xa9",
    b"\xff\xfe",
    b"etc",
    b"passwd",
];

/// A path from [`PATH_PARTS`]: absolute three times in four.
fn fuzz_path(rng: &mut Rng) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    let mut bytes = Vec::new();
    if !rng.chance(4) {
        bytes.push(b'/');
    }
    for i in 0..rng.below(6) {
        if i > 0 {
            bytes.push(b'/');
        }
        bytes.extend_from_slice(PATH_PARTS[rng.below(PATH_PARTS.len())]);
    }
    if rng.chance(10) {
        bytes.push(b'/');
    }
    PathBuf::from(std::ffi::OsStr::from_bytes(&bytes))
}

/// One walk of made-up entries through `walk::decide`, checking that only
/// regular files and folders inside the root (and outside the index) are
/// taken or walked, each identity at most once, and that refusals say why.
fn fuzz_walk(rng: &mut Rng) -> usize {
    use passagebot::engine::corpus::walk::{Entry, FileId, Kind, Step, Visited, decide, within};
    let root = if rng.chance(8) {
        fuzz_path(rng)
    } else {
        PathBuf::from("/srv/corpus")
    };
    let index = match rng.below(3) {
        0 => None,
        1 => Some(root.join("index")),
        _ => Some(fuzz_path(rng)),
    };
    let kinds = [
        Kind::File,
        Kind::Folder,
        Kind::Pipe,
        Kind::Socket,
        Kind::Device,
    ];
    let mut visited = Visited::default();
    let mut taken = std::collections::HashSet::new();
    let mut size = 0;
    for _ in 0..1 + rng.below(12) {
        let listed = fuzz_path(rng);
        let link = rng.chance(2).then(|| fuzz_path(rng));
        let real = if rng.chance(2) {
            root.join(fuzz_path(rng).strip_prefix("/").unwrap_or(Path::new("")))
        } else {
            fuzz_path(rng)
        };
        let broken = rng.chance(10);
        let entry = Entry {
            listed: &listed,
            link: link.as_deref(),
            real: if broken {
                Err("leads to nothing")
            } else {
                Ok(&real)
            },
            kind: kinds[rng.below(kinds.len())],
            id: FileId {
                dev: rng.below(2) as u64,
                ino: rng.below(8) as u64,
            },
        };
        size += listed.as_os_str().len() + real.as_os_str().len();
        let inside = within(&root, &real);
        if inside {
            let rest = real
                .strip_prefix(&root)
                .expect("within means under the root");
            check(
                root.join(rest) == real,
                "a path within the root is the root and a rest",
            );
            check(
                rest.components()
                    .all(|c| matches!(c, std::path::Component::Normal(_))),
                "no dot segments past the root",
            );
        }
        let _ = passagebot::engine::corpus::load::display_source(&root, &listed);
        match decide(&root, index.as_deref(), &entry, &mut visited) {
            step @ (Step::Take | Step::Descend) => {
                check(!broken && inside, "only what lies inside the root is read");
                check(
                    !index.as_deref().is_some_and(|i| within(i, &real)),
                    "the index folder is never read",
                );
                let want = if step == Step::Take {
                    Kind::File
                } else {
                    Kind::Folder
                };
                check(
                    entry.kind == want,
                    "files are taken and folders walked, nothing else",
                );
                check(
                    taken.insert((step == Step::Take, entry.id)),
                    "each identity once",
                );
            }
            Step::Refuse(reason) => {
                check(!reason.is_empty(), "a refusal says why");
                if !broken && !inside {
                    check(
                        reason.contains("outside the corpus folder"),
                        "outside is named",
                    );
                }
            }
            Step::Pass => {}
        }
    }
    size
}

const FRONT: &[&str] = &[
    "---",
    "---\n",
    "---\r\n",
    "...",
    "\n",
    "\r\n",
    "title:",
    "title: ",
    "Author:",
    "url:",
    ":",
    "\"",
    "'",
    " ",
    "x",
    "\u{feff}",
    "tags: [a, b]",
    "---  \n",
    "title: \"\"\n",
    "é",
];

const PDF: &[&str] = &[
    "obj",
    "endobj",
    "stream\n",
    "\nendstream",
    "/Length ",
    "99999999",
    "-1",
    "0",
    "xref\n",
    "trailer",
    "<<",
    ">>",
    "(",
    ")",
    "\\",
    "Tj",
    "TJ",
    "BT",
    "ET",
    "Td",
    "Tf",
    "/F1",
    "[",
    "]",
    "/Type /Page",
    "/Kids [3 0 R]",
    " 0 R",
    "startxref\n",
    "%%EOF",
    "/Filter /FlateDecode",
    "/Encoding /Identity-H",
    "/ToUnicode 9 0 R",
    "\u{0}",
    "\n",
];

/// Text made of `vocab` and [`PROSE`] atoms and random characters, `len` atoms long.
fn text(rng: &mut Rng, vocab: &[&str], len: usize) -> String {
    let mut out = String::new();
    for _ in 0..len {
        match rng.below(10) {
            0..=3 => out.push_str(rng.pick(vocab)),
            4..=7 => out.push_str(rng.pick(PROSE)),
            8 => {
                let word_len = if rng.chance(200) {
                    rng.below(3000)
                } else {
                    rng.below(12)
                };
                out.extend(std::iter::repeat_n('w', word_len));
            }
            _ => {
                let c = char::from_u32(rng.below(0x3_0000) as u32).unwrap_or('\u{fffd}');
                out.push(c);
            }
        }
    }
    out
}

/// Bytes of a text format: usually UTF-8 text, sometimes with invalid bytes,
/// sometimes deeply nested (HTML) or repeated (one enormous paragraph).
fn text_bytes(rng: &mut Rng, vocab: &[&str]) -> Vec<u8> {
    let len = rng.length();
    let mut s = text(rng, vocab, len);
    if rng.chance(2_000) {
        let depth = rng.below(20_000);
        let open = rng.pick(&["<div>", "<li><ul>", "<span>", "> ", "- ", "<b>", "*"]);
        s = format!("{}{s}", open.repeat(depth));
    }
    let mut bytes = s.into_bytes();
    if rng.chance(50) && !bytes.is_empty() {
        let at = rng.below(bytes.len());
        bytes[at] = rng.next() as u8;
    }
    bytes
}

fn pdf_bytes(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = seeds[rng.below(seeds.len())].clone();
    for _ in 0..rng.below(6) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 => {
                if at < bytes.len() {
                    bytes[at] = rng.next() as u8;
                }
            }
            1 => bytes
                .splice(at..at, rng.pick(PDF).bytes().collect::<Vec<_>>())
                .for_each(drop),
            2 => bytes.truncate(at.max(4)),
            3 => {
                let end = (at + rng.below(64)).min(bytes.len());
                let copy = bytes[at.min(end)..end].to_vec();
                let to = rng.below(bytes.len() + 1);
                bytes.splice(to..to, copy).for_each(drop);
            }
            _ => {
                let end = (at + rng.below(32)).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
        }
    }
    bytes
}

fn blocks_of(rng: &mut Rng, text: &str) -> Vec<Block> {
    text.split("\n\n")
        .map(|t| Block {
            kind: if rng.chance(6) {
                BlockKind::Heading(1 + rng.below(6) as u8)
            } else {
                BlockKind::Paragraph
            },
            text: t.to_string(),
            span: 0..t.len(),
        })
        .collect()
}

/// Byte ranges in `text` on char boundaries, sorted and disjoint, as the
/// engine's highlights are.
fn highlights(rng: &mut Rng, text: &str) -> Vec<(usize, usize)> {
    let mut cuts: Vec<usize> = (0..rng.below(8) * 2)
        .map(|_| {
            let mut at = rng.below(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            at
        })
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts.chunks_exact(2).map(|p| (p[0], p[1])).collect()
}

/// A real answer (from an index of the bundled article) whose texts are then
/// replaced by generated ones: the formatters see arbitrary passages, titles,
/// headings, sources, questions and highlights.
fn answer_like(rng: &mut Rng, base: &Answer) -> Answer {
    let mut a = base.clone();
    let len = rng.length();
    a.question = text(rng, HTML, len.min(3000));
    a.confident = rng.chance(2);
    a.truncated = rng.chance(5);
    a.more = rng.chance(3);
    a.passages.truncate(rng.below(a.passages.len() + 1));
    for hit in &mut a.passages {
        let len = rng.length();
        hit.text = text(rng, HTML, len);
        hit.highlights = highlights(rng, &hit.text);
        let len = rng.below(12);
        hit.title = text(rng, HTML, len);
        let len = rng.below(12);
        hit.heading = rng.chance(2).then(|| text(rng, HTML, len));
        let len = rng.below(6);
        hit.source = text(rng, PROSE, len);
        hit.paragraph = rng.next() as u32;
        hit.score = f32::from_bits(rng.next() as u32);
    }
    a
}

/// What a browser, curl or an attacker puts in a Host header and a query.
const REQUEST: &[&str] = &[
    "127.0.0.1",
    "localhost",
    "LocalHost",
    "[::1]",
    "[::1",
    "::1",
    "[",
    "]",
    ":",
    ":",
    "8088",
    "80",
    "+8088",
    "08088",
    "65536",
    "evil.example",
    ".",
    " ",
    "\t",
    "@",
    "token",
    "token",
    "=",
    "&",
    "%",
    "%26",
    "%3D",
    "%zz",
    "%ff",
    "+",
    ";",
    "#",
    "?",
    "s3cret-token",
    "é",
    "\u{0}",
];

/// The wall's answer for a loopback wall on `port`, reimplemented plainly.
fn loopback_expected(host: &[u8], port: u16) -> bool {
    let Ok(host) = std::str::from_utf8(host) else {
        return false;
    };
    let host = host.trim().to_ascii_lowercase();
    ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|name| host == format!("{name}:{port}") || (port == 80 && host == *name))
}

/// One fuzz target: a name and a function that makes one input from the
/// generator, runs it, and returns the input's size in bytes.
type Run<'a> = Box<dyn FnMut(&mut Rng) -> usize + 'a>;

fn check(ok: bool, what: &str) {
    assert!(ok, "invariant broken: {what}");
}

/// Every target, in the order they run.
fn targets<'a>(base: &'a Answer, pdf_seeds: &'a [Vec<u8>]) -> Vec<(&'static str, Run<'a>)> {
    let parse = |format: &'static dyn Format, vocab: &'static [&'static str]| -> Run<'a> {
        Box::new(move |rng: &mut Rng| {
            let bytes = text_bytes(rng, vocab);
            let _ = format.parse(Path::new("fuzz"), &bytes);
            bytes.len()
        })
    };
    vec![
        (
            "wall",
            Box::new(|rng: &mut Rng| {
                let port = match rng.below(3) {
                    0 => 8088,
                    1 => 80,
                    _ => rng.next() as u16,
                };
                let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
                let len = rng.below(12);
                let mut host = text(rng, REQUEST, len);
                if rng.chance(2) {
                    host.push_str(&format!(":{port}"));
                }
                let mut host = host.into_bytes();
                if rng.chance(20) && !host.is_empty() {
                    let at = rng.below(host.len());
                    host[at] = rng.next() as u8;
                }
                let len = rng.below(16);
                let query = text(rng, REQUEST, len);
                let query = rng.chance(8).then_some(query.as_str());
                let open = Access::new(addr, None).expect("loopback needs no token");
                let admitted = open.admits(Some(&host), query);
                check(
                    admitted.is_ok() == loopback_expected(&host, port),
                    "only loopback names with the port, without a token",
                );
                check(
                    admitted.is_ok() == wall::loopback_host(&host, addr),
                    "the Host check decides",
                );
                check(open.admits(None, query) == Err(Refusal::Host), "no Host");
                let token = "s3cret-token";
                let guarded = Access::new(addr, Some(token.into())).expect("a good token");
                check(
                    guarded.admits(Some(&host), query).is_ok()
                        == (wall::token_in(query).as_deref() == Some(token)),
                    "with a token, exactly the token, whatever the Host",
                );
                host.len() + query.map_or(0, str::len)
            }),
        ),
        ("markdown", parse(&Markdown, MARKDOWN)),
        ("plain", parse(&Plain, PROSE)),
        (
            "html",
            Box::new(|rng: &mut Rng| {
                let bytes = text_bytes(rng, HTML);
                if let Ok(parsed) = Html.parse(Path::new("fuzz"), &bytes) {
                    // Each block holds at least one byte of the page's text.
                    check(
                        parsed.blocks.len() <= bytes.len(),
                        "html blocks bounded by input",
                    );
                }
                bytes.len()
            }),
        ),
        (
            "pdf",
            Box::new(move |rng: &mut Rng| {
                let bytes = pdf_bytes(rng, pdf_seeds);
                let _ = Pdf.parse(Path::new("fuzz.pdf"), &bytes);
                bytes.len()
            }),
        ),
        (
            "frontmatter",
            Box::new(|rng: &mut Rng| {
                let len = rng.length();
                let s = text(rng, FRONT, len);
                let (_, at) = frontmatter::split(&s);
                check(at <= s.len() && s.is_char_boundary(at), "body offset");
                let _ = frontmatter::byline(&s);
                s.len()
            }),
        ),
        (
            "sentences",
            Box::new(|rng: &mut Rng| {
                let len = rng.length();
                let s = text(rng, PROSE, len);
                let mut last = 0;
                for r in sentence::sentences(&s) {
                    check(r.start >= last && r.start < r.end, "sentences in order");
                    check(
                        s.is_char_boundary(r.start) && s.is_char_boundary(r.end),
                        "boundaries",
                    );
                    check(s[r.clone()].trim() == &s[r.clone()], "trimmed");
                    last = r.end;
                }
                s.len()
            }),
        ),
        (
            "chunk",
            Box::new(|rng: &mut Rng| {
                let len = rng.length();
                let s = text(rng, PROSE, len);
                let doc = Document {
                    source: "fuzz".into(),
                    title: "T".into(),
                    author: None,
                    url: None,
                    blocks: blocks_of(rng, &s),
                    hash: String::new(),
                };
                for p in chunk(0, &doc) {
                    check(p.text.len() <= chunk::MAX_CHARS, "passage under MAX_CHARS");
                    check(
                        p.context.len() <= MAX_CONTEXT_BYTES.max(p.text.len()),
                        "context bounded",
                    );
                    check(p.context.contains(&p.text), "context holds its passage");
                }
                s.len()
            }),
        ),
        ("walk", Box::new(fuzz_walk)),
        (
            "callback",
            Box::new(|rng: &mut Rng| {
                let len = rng.length() % 12;
                let data = text(rng, CALLBACK, len);
                if let Some(button) = buttons::decode(&data) {
                    check(
                        buttons::encode(button) == data,
                        "callback data decodes only as the bot writes it",
                    );
                }
                data.len()
            }),
        ),
        (
            "terminal",
            Box::new(move |rng: &mut Rng| {
                let a = answer_like(rng, base);
                let style = terminal::Style {
                    color: rng.chance(2),
                    width: rng.below(200),
                };
                let out = terminal::render(&a, style, 1 + rng.below(20));
                let q = terminal::question_line(&a.question);
                check(
                    q.chars().count() <= terminal::QUESTION_ECHO_CHARS + 3,
                    "Q: line cut",
                );
                out.len()
            }),
        ),
        (
            "json",
            Box::new(move |rng: &mut Rng| {
                let a = answer_like(rng, base);
                let decision = handoff::decide(&a.question, &a);
                let line = json::line(&a, &decision);
                check(!line.contains('\n'), "one line");
                check(
                    serde_json::from_str::<serde_json::Value>(&line).is_ok(),
                    "valid JSON",
                );
                line.len()
            }),
        ),
        (
            "telegram",
            Box::new(move |rng: &mut Rng| {
                let a = answer_like(rng, base);
                let mut blocks = telegram::answer_blocks(&a, 1 + rng.below(5), 1000);
                blocks.extend(telegram::ticket_blocks(
                    rng.next() as i64,
                    &telegram::escape(&a.question),
                    &a.question,
                    &a.question,
                    &a,
                ));
                blocks.push(telegram::why(&a.question, &passagebot::render::explain(&a)));
                // Telegram's limit. Smaller limits (FUZZ_SMALL_LIMITS=1) found
                // messages one character over a limit under about 300 (fixed
                // in session 6; RELIABILITY.md).
                let limit = if small_limits() && rng.chance(4) {
                    16 + rng.below(300)
                } else {
                    4096
                };
                let mut size = 0;
                for message in telegram::split(&blocks, limit) {
                    let len = telegram::visible_len(&message);
                    assert!(
                        len <= limit,
                        "invariant broken: a message of {len} visible characters, limit {limit}"
                    );
                    size += message.len();
                }
                size
            }),
        ),
    ]
}

fn small_limits() -> bool {
    std::env::var_os("FUZZ_SMALL_LIMITS").is_some_and(|v| v == "1")
}

/// What one target did.
struct Outcome {
    name: &'static str,
    inputs: usize,
    panics: usize,
    first_panic: Option<(u64, String)>,
    worst: Duration,
    worst_input: (u64, usize),
    total: Duration,
}

static PANICS_SEEN: AtomicUsize = AtomicUsize::new(0);

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let inputs: usize = std::env::var("FUZZ_INPUTS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(if bench { 1_000_000 } else { 2_000 });
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(14);
    let only = std::env::var("FUZZ_ONLY").unwrap_or_default();
    // Panics are counted and reported below, not printed one by one (the
    // PDF loader catches pdf-extract's own panics on purpose).
    std::panic::set_hook(Box::new(|_| {
        PANICS_SEEN.fetch_add(1, Ordering::Relaxed);
    }));

    let scratch = common::Scratch::with_article();
    let engine = scratch.engine();
    let base = engine
        .search("How is sales different from marketing?", 0, 5)
        .expect("the article answers");
    let pdf_seeds = vec![
        common::minimal_pdf(&["Quarterly pricing reviews keep discounts honest."]),
        common::minimal_pdf(&["One line", "two lines", "three (with) \\ escapes"]),
        common::minimal_pdf(&[]),
    ];

    println!(
        "fuzz: {inputs} inputs per target, seed {seed}{}",
        if only.is_empty() {
            String::new()
        } else {
            format!(", only {only}")
        }
    );
    let mut outcomes = Vec::new();
    for (name, mut run) in targets(&base, &pdf_seeds) {
        if !only.is_empty() && !only.split(',').any(|o| o == name) {
            continue;
        }
        let mut o = Outcome {
            name,
            inputs,
            panics: 0,
            first_panic: None,
            worst: Duration::ZERO,
            worst_input: (0, 0),
            total: Duration::ZERO,
        };
        let target_seed = seed
            ^ name
                .bytes()
                .fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(b));
        let started = Instant::now();
        for i in 0..inputs as u64 {
            let input_seed = target_seed.wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut rng = Rng(input_seed);
            let t = Instant::now();
            let result = catch_unwind(AssertUnwindSafe(|| run(&mut rng)));
            let took = t.elapsed();
            match result {
                Ok(size) => {
                    if took > o.worst {
                        // Timed again: on a shared machine one run can be
                        // preempted; the slower input is the one slow twice.
                        let seen = PANICS_SEEN.load(Ordering::Relaxed);
                        let t = Instant::now();
                        let _ = catch_unwind(AssertUnwindSafe(|| run(&mut Rng(input_seed))));
                        let again = t.elapsed();
                        PANICS_SEEN.store(seen, Ordering::Relaxed);
                        let took = took.min(again);
                        if took > o.worst {
                            o.worst = took;
                            o.worst_input = (i, size);
                        }
                    }
                }
                Err(payload) => {
                    o.panics += 1;
                    if o.first_panic.is_none() {
                        let msg = payload
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        o.first_panic = Some((i, msg));
                    }
                }
            }
        }
        o.total = started.elapsed();
        println!(
            "  {:<12} {:>9} inputs  {:>3} panics  worst {:>10.3?} (input #{}, {} bytes)  mean {:>9.3?}  total {:.1?}",
            o.name,
            o.inputs,
            o.panics,
            o.worst,
            o.worst_input.0,
            o.worst_input.1,
            o.total / o.inputs.max(1) as u32,
            o.total
        );
        if let Some((i, msg)) = &o.first_panic {
            println!("    first panic: input #{i} (FUZZ_SEED={seed} FUZZ_ONLY={name}): {msg}");
        }
        outcomes.push(o);
    }
    let escaped: usize = outcomes.iter().map(|o| o.panics).sum();
    let caught = PANICS_SEEN.load(Ordering::Relaxed).saturating_sub(escaped);
    println!(
        "fuzz: {escaped} panics escaped; {caught} panics inside pdf-extract were caught by the PDF loader"
    );
    if escaped > 0 {
        std::process::exit(1);
    }
}
