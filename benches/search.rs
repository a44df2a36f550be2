//! Query latency and index build time, on the bundled article, on about
//! 2,000 passages and (words only, or with `PASSAGEBOT_BENCH_LARGE=1`) on more
//! than 10,000 passages. `PASSAGEBOT_TUNING=semantic=0,sentence=0` measures
//! the words-only engine.
//!
//! The large corpus is the SQuAD articles of `target/squad/articles.jsonl`, as
//! `scripts/squad-sets.py` writes them from the public SQuAD v1.1 development set
//! (QUALITY.md says how; or the file in `PASSAGEBOT_BENCH_ARTICLES`), written
//! out 8 times under different names; without that file it is made of the bundled article's paragraphs,
//! shuffled into synthetic documents. Its questions are paragraph prefixes and
//! the crowd-written questions of `questions.jsonl` beside the articles file.
//!
//! Known phrasings (issue #22, `query/article + 1,000 phrasings`): the article
//! with a `faq.questions.jsonl` of 1,000 distinct questions (the fixtures'
//! questions, each also asked in several framings), each attached to the passage
//! of its first gold phrase; the first asks are the readers' questions of
//! `tests/fixtures/reader-questions.jsonl`, which no other case asks first.
//! `PASSAGEBOT_BENCH_ONLY=phrasings` runs only this case (and skips typo).
//! Run with `cargo bench --bench search`;
//! results go to `BENCHMARKS.md` by hand, with the machine.
//!
//! Conversation turns (`PASSAGEBOT_BENCH_ONLY=turns`, issue #21): small talk,
//! questions about the whole article and follow-ups through the dialogue,
//! beside questions searched as before, each message asked for the first time
//! (so in a run of their own: other benches would fill the encoder's cache).
//!
//! Typo correction (`typo/…`): words-only indexes of about 1,000, 10,000
//! and 100,000 passages (`PASSAGEBOT_BENCH_TYPO=1000,10000` picks sizes,
//! `PASSAGEBOT_BENCH_ONLY=typo` skips the rest) made of the SQuAD articles,
//! each copy after the first with a share of its words given a suffix of
//! their own so that the vocabulary grows with the corpus, as a real one
//! does. Each misspelled word (a letter dropped, doubled, swapped or
//! changed) is corrected and timed, and put right as a word (`respell/…`,
//! printed only); `PASSAGEBOT_BENCH_TYPO_OUT=FILE` writes every correction,
//! to compare two versions.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use passagebot::engine::index::Mode;
use passagebot::{Engine, Paths};

mod support {
    pub mod squad;
}

const COPIES: usize = 8;

fn article_paths(root: &Path) -> Paths {
    let corpus = root.join("article-corpus");
    std::fs::create_dir_all(&corpus).expect("mkdir");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/sales-vs-marketing.md"),
        corpus.join("sales-vs-marketing.md"),
    )
    .expect("copy article");
    Paths {
        corpus,
        index: root.join("article-index"),
    }
}

/// Questions to ask the large and 2k corpora.
struct LargeQuestions {
    /// Crowd-written SQuAD questions, the first 10 of each article (empty
    /// when the questions file is missing).
    real: Vec<String>,
    /// The first eight words of the first 10 paragraphs of each article,
    /// with a question mark: easy for words, the set of the earlier runs.
    prefixes: Vec<String>,
}

/// Writes the large corpus; returns its paths and questions to ask it.
fn large_paths(root: &Path) -> (Paths, LargeQuestions) {
    let corpus = root.join("large-corpus");
    std::fs::create_dir_all(&corpus).expect("mkdir");
    let articles = std::env::var_os("PASSAGEBOT_BENCH_ARTICLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/squad/articles.jsonl")
        });
    let mut questions = Vec::new();
    let mut real: Vec<String> = Vec::new();
    if let Ok(raw) = std::fs::read_to_string(&articles) {
        for (i, line) in raw.lines().enumerate() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let title = v["title"].as_str().unwrap_or("untitled").replace('_', " ");
            let paragraphs: Vec<&str> = v["paragraphs"]
                .as_array()
                .map(|a| a.iter().filter_map(|p| p.as_str()).collect())
                .unwrap_or_default();
            for copy in 0..COPIES {
                let text = format!("# {title}\n\n{}\n", paragraphs.join("\n\n"));
                std::fs::write(corpus.join(format!("{i:02}-{copy}.md")), text).expect("write");
            }
            for p in paragraphs.iter().take(10) {
                questions.push(p.split_whitespace().take(8).collect::<Vec<_>>().join(" ") + "?");
            }
        }
        let asked = articles.with_file_name("questions.jsonl");
        real = support::squad::first_questions(&asked, 10);
        eprintln!(
            "large corpus: SQuAD articles from {} x{COPIES}; {} questions from {}",
            articles.display(),
            real.len(),
            asked.display()
        );
    } else {
        let article = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/sales-vs-marketing.md"),
        )
        .expect("article");
        let paragraphs: Vec<&str> = article.split("\n\n").skip(1).collect();
        for doc in 0..1000 {
            let mut text = format!("# Synthetic document {doc}\n\n");
            for k in 0..12 {
                text.push_str(paragraphs[(doc * 7 + k * 5) % paragraphs.len()]);
                text.push_str(&format!(" Note {doc}-{k}.\n\n"));
            }
            std::fs::write(corpus.join(format!("doc-{doc:04}.md")), text).expect("write");
        }
        questions = vec![
            "Is marketing data driven?".into(),
            "Who handles negotiation?".into(),
        ];
        eprintln!("large corpus: synthetic ({} not found)", articles.display());
    }
    (
        Paths {
            corpus,
            index: root.join("large-index"),
        },
        LargeQuestions {
            real,
            prefixes: questions,
        },
    )
}

const ARTICLE_QUESTIONS: &[&str] = &[
    "How is sales different from marketing?",
    "Is marketing data driven?",
    "Why is a sales touch expensive?",
    "Which CRM should my sales team buy?",
    "What is the capital of France?",
    "Is negotation part of sales?",
    "Who wrote the article?",
    "Do the two departments value each other?",
];

/// Per-question latency percentiles, which criterion's averages do not show.
///
/// "first ask": every distinct question once, as a new question arrives (the
/// sentence encoder runs for each question the words do not settle);
/// "asked again": 2,000 searches cycling over the same questions, whose
/// embeddings the encoder then remembers. The share of questions answered
/// without the encoder is printed beside them.
fn percentiles(name: &str, engine: &Engine, questions: &[String]) {
    let time = |q: &str| {
        let t = Instant::now();
        black_box(engine.search(black_box(q), 0, 3).expect("search"));
        t.elapsed()
    };
    let report = |what: &str, mut times: Vec<Duration>| {
        times.sort();
        let at = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
        eprintln!(
            "{name}: {what}, {} searches: p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
            times.len(),
            at(0.50),
            at(0.90),
            at(0.99),
            at(1.0)
        );
    };
    report("first ask", questions.iter().map(|q| time(q)).collect());
    // Counted after the first asks: searching fills the question cache.
    let by_words = questions
        .iter()
        .filter(|q| {
            engine
                .search(q, 0, 3)
                .is_ok_and(|a| a.confidence.decided_by_words)
        })
        .count();
    eprintln!(
        "{name}: {by_words} of {} questions settled by words (not encoded)",
        questions.len()
    );
    report(
        "asked again",
        (0..2000)
            .map(|i| time(&questions[i % questions.len()]))
            .collect(),
    );
}

fn bench_queries(c: &mut Criterion, name: &str, engine: &Engine, questions: &[String]) {
    percentiles(name, engine, questions);
    let mut i = 0;
    c.bench_function(name, |b| {
        b.iter(|| {
            let q = &questions[i % questions.len()];
            i += 1;
            black_box(engine.search(black_box(q), 0, 3).expect("search"))
        })
    });
}

/// Follow-ups, each after the question it leans on.
const FOLLOW_UPS: &[(&str, &str)] = &[
    ("What kind of approach does sales use?", "and marketing?"),
    ("Is problem solving part of sales?", "why is that?"),
    ("Who wrote this?", "what does he do?"),
    (
        "What does marketing do with data?",
        "does sales do the same?",
    ),
    ("What is sales?", "what about marketing?"),
    ("Where does the author teach?", "which program?"),
    (
        "How should companies align sales and marketing?",
        "what happens if they don't?",
    ),
    (
        "Why is calling an automated support line frustrating?",
        "how come?",
    ),
    ("What does marketing focus on?", "and sales?"),
    ("Is negotiation part of sales?", "an example?"),
    ("What is the cost per touch of sales?", "tell me more"),
    ("Is problem solving part of sales?", "and marketing?"),
];

/// Small talk, by its words and (the last ones) by meaning.
const SMALL_TALK: &[&str] = &[
    "hi",
    "thanks!",
    "who are you?",
    "what can I ask?",
    "ok, bye",
    "are you a robot?",
    "much obliged, friend",
    "hey there, how's your day going",
    "cheers mate, that helped a lot",
    "what sort of stuff do you know",
];

/// Conversation turns (issue #21) as `chat` and the bot take them, through
/// [`Dialogue::turn`], against questions: a question turn (a new conversation
/// each, as `ask --json`), small talk, questions about the whole article, and
/// follow-ups (the turn after its question; each reads as a question asked for
/// the first time). Every message is new to the encoder's cache when timed.
fn turns(engine: &Engine) {
    use passagebot::conversation::dialogue::Dialogue;
    let report = |what: &str, mut times: Vec<Duration>| {
        times.sort();
        let at = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
        eprintln!(
            "turns/article: {what}, {} turns: p50 {:?}, p90 {:?}, max {:?}",
            times.len(),
            at(0.50),
            at(0.90),
            at(1.0)
        );
    };
    let turn = |d: &mut Dialogue, text: &str| {
        let t = Instant::now();
        black_box(d.turn(engine, black_box(text), 3, None, 0).expect("turn"));
        t.elapsed()
    };
    // The reference: a question as it was searched before conversations.
    report(
        "question (Engine::search, as before), first ask",
        article_questions()
            .iter()
            .map(|q| {
                let t = Instant::now();
                black_box(engine.search(black_box(q), 0, 3).expect("search"));
                t.elapsed()
            })
            .collect(),
    );
    report(
        "small talk, first time",
        SMALL_TALK
            .iter()
            .map(|q| turn(&mut Dialogue::new(), q))
            .collect(),
    );
    report(
        "whole article",
        [
            "What is the article about?",
            "Summarize it",
            "what's the conclusion?",
            "tl;dr",
        ]
        .iter()
        .map(|q| turn(&mut Dialogue::new(), q))
        .collect(),
    );
    report(
        "\"they\" read as the title's two sides (searched twice), first ask",
        [
            "what do they have in common?",
            "do they need to cooperate to win",
            "should we think of them as rivals or as partners",
            "so are the two basically the same thing or not?",
            "do both of them want the same thing?",
            "are these two really that different?",
        ]
        .iter()
        .map(|q| turn(&mut Dialogue::new(), q))
        .collect(),
    );
    report(
        "follow-up, first ask",
        FOLLOW_UPS
            .iter()
            .map(|(q, f)| {
                let mut d = Dialogue::new();
                d.turn(engine, q, 3, None, 0).expect("turn");
                turn(&mut d, f)
            })
            .collect(),
    );
}

/// The article's questions: the fixed list above and the test fixtures.
fn article_questions() -> Vec<String> {
    let mut questions: Vec<String> = ARTICLE_QUESTIONS.iter().map(|s| s.to_string()).collect();
    let fixtures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/article-questions.jsonl");
    for line in std::fs::read_to_string(fixtures)
        .unwrap_or_default()
        .lines()
    {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(line)
            && let Some(q) = v["q"].as_str()
            && !questions.iter().any(|x| x == q)
        {
            questions.push(q.to_string());
        }
    }
    questions
}

/// The fixtures' questions, one per line: (question, first gold phrase or none).
fn fixture_questions(name: &str) -> Vec<(String, Option<String>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            let q = v["q"].as_str()?.to_string();
            Some((q, v["gold"][0].as_str().map(str::to_string)))
        })
        .collect()
}

/// The article with 1,000 known phrasings (see the module documentation); its
/// first asks are the readers' questions.
fn phrasings(c: &mut Criterion, root: &Path, tuning: passagebot::engine::tuning::Tuning) {
    let paths = article_paths(&root.join("phrasings"));
    let known: Vec<(String, String)> = fixture_questions("article-questions.jsonl")
        .into_iter()
        .chain(fixture_questions("reader-questions.jsonl"))
        .filter_map(|(q, gold)| Some((q, gold?)))
        .collect();
    const FRAMES: [&str; 8] = [
        "",
        "Please tell me: ",
        "I was wondering, ",
        "Quick question: ",
        "In the article, ",
        "Could you explain: ",
        "My teacher asked: ",
        "Help! ",
    ];
    let mut lines = Vec::with_capacity(1_000);
    'frames: for frame in FRAMES {
        for (q, gold) in &known {
            if lines.len() == 1_000 {
                break 'frames;
            }
            let line = serde_json::json!({"q": format!("{frame}{q}"), "answer": gold});
            lines.push(line.to_string());
        }
    }
    std::fs::write(paths.corpus.join("faq.questions.jsonl"), lines.join("\n")).expect("write");
    let started = Instant::now();
    let report = passagebot::engine::index::update(
        &paths.corpus,
        &paths.index,
        &tuning,
        Mode::Full,
        &|_| {},
    )
    .expect("build");
    eprintln!(
        "article + phrasings: {} phrasings attached of {} lines, full build {:?}",
        report.manifest.phrasings.attached,
        lines.len(),
        started.elapsed()
    );
    let engine = Engine::open(&paths.index, tuning).expect("phrasings engine");
    let readers: Vec<String> = fixture_questions("reader-questions.jsonl")
        .into_iter()
        .map(|(q, _)| q)
        .collect();
    bench_queries(c, "query/article + 1,000 phrasings", &engine, &readers);
}

fn benches(c: &mut Criterion) {
    let only = std::env::var("PASSAGEBOT_BENCH_ONLY").unwrap_or_default();
    if only == "typo" {
        return;
    }
    let root = tempfile::tempdir().expect("tempdir");
    if only == "phrasings" {
        let tuning = std::env::var("PASSAGEBOT_TUNING")
            .unwrap_or_default()
            .parse()
            .expect("PASSAGEBOT_TUNING");
        return phrasings(c, root.path(), tuning);
    }
    // With the sentence encoder, a build encodes every passage (tens a
    // second): the 13,520-passage corpus is built only on request.
    // A bench is a program of its own: it reads the knobs as the command line does.
    let tuning: passagebot::engine::tuning::Tuning = std::env::var("PASSAGEBOT_TUNING")
        .unwrap_or_default()
        .parse()
        .expect("PASSAGEBOT_TUNING");
    let semantic = tuning.semantic_enabled();
    let large_wanted = !semantic || std::env::var_os("PASSAGEBOT_BENCH_LARGE").is_some();

    let article = article_paths(root.path());
    let engine = Engine::open_or_build(&article, tuning).expect("article engine");
    if only == "turns" {
        turns(&engine);
        return;
    }

    bench_queries(c, "query/article (warm)", &engine, &article_questions());
    phrasings(c, root.path(), tuning);

    let mut group = c.benchmark_group("build");
    group.sample_size(10);
    // Full rebuilds: an incremental run with nothing changed would measure nothing.
    let full = |p: &Paths| {
        passagebot::engine::index::update(&p.corpus, &p.index, &tuning, Mode::Full, &|_| {})
            .expect("build")
    };
    group.bench_function("article (full)", |b| b.iter(|| full(&article)));
    let (large, large_questions) = large_paths(root.path());
    if large_wanted {
        let report =
            passagebot::engine::index::build(&large.corpus, &large.index, &tuning, &|_| {})
                .expect("large build");
        eprintln!(
            "large corpus: {} documents, {} passages",
            report.manifest.documents.len(),
            report.manifest.passages
        );
        group.measurement_time(Duration::from_secs(60));
        group.bench_function("large corpus (full)", |b| b.iter(|| full(&large)));
    }
    group.finish();

    if large_wanted {
        let engine = Engine::open(&large.index, tuning).expect("large engine");
        bench_both(c, "query/large corpus (warm)", &engine, &large_questions);
    }

    // One copy of each article and a second of the first six: just over 2,000 passages.
    let small = Paths {
        corpus: root.path().join("small-corpus"),
        index: root.path().join("small-index"),
    };
    std::fs::create_dir_all(&small.corpus).expect("mkdir");
    for entry in std::fs::read_dir(&large.corpus).expect("read").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let second_copy = name.ends_with("-1.md") && name.as_str() < "06";
        if name.ends_with("-0.md") || second_copy {
            std::fs::copy(entry.path(), small.corpus.join(entry.file_name())).expect("copy");
        }
    }
    let started = Instant::now();
    let report = passagebot::engine::index::build(&small.corpus, &small.index, &tuning, &|_| {})
        .expect("small build");
    eprintln!(
        "2k corpus: {} passages, full build {:?}",
        report.manifest.passages,
        started.elapsed()
    );
    let engine = Engine::open(&small.index, tuning).expect("small engine");
    bench_both(c, "query/2k corpus (warm)", &engine, &large_questions);
}

/// Percentiles for both question sets; criterion times the real questions
/// (the prefixes when there are none).
fn bench_both(c: &mut Criterion, name: &str, engine: &Engine, questions: &LargeQuestions) {
    percentiles(
        &format!("{name}, paragraph prefixes"),
        engine,
        &questions.prefixes,
    );
    if questions.real.is_empty() {
        bench_queries(c, name, engine, &questions.prefixes);
    } else {
        bench_queries(c, name, engine, &questions.real);
    }
}

/// A deterministic pseudo-random number (splitmix64) of `seed`.
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Writes a corpus of about `passages` passages from the SQuAD articles (the
/// bundled article's paragraphs without them); returns distinct words written
/// and words to misspell.
fn typo_corpus(dir: &Path, passages: usize) -> (usize, Vec<String>) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let articles = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/squad/articles.jsonl");
    let mut texts: Vec<Vec<String>> = Vec::new();
    if let Ok(raw) = std::fs::read_to_string(&articles) {
        for line in raw.lines() {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                texts.push(
                    v["paragraphs"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|p| p.as_str())
                                .map(String::from)
                                .collect()
                        })
                        .unwrap_or_default(),
                );
            }
        }
    } else {
        let article = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/sales-vs-marketing.md"),
        )
        .expect("article");
        texts.push(article.split("\n\n").skip(1).map(String::from).collect());
    }
    let mut words = std::collections::HashSet::new();
    // The SQuAD paragraphs make 1.65 passages each on average.
    let mut written = 0.0;
    let mut copy = 0u64;
    while written < passages as f64 {
        for (i, paragraphs) in texts.iter().enumerate() {
            let mut out = String::new();
            for (k, p) in paragraphs.iter().enumerate() {
                if written >= passages as f64 {
                    break;
                }
                written += 1.65;
                for (w, word) in p.split_whitespace().enumerate() {
                    let seed = mix(copy << 40 ^ (i as u64) << 20 ^ (k as u64) << 10 ^ w as u64);
                    let alphabetic =
                        word.len() >= 5 && word.chars().all(|c| c.is_ascii_alphabetic());
                    if copy > 0 && alphabetic && seed.is_multiple_of(6) {
                        // A suffix of this copy: new words of the same first letter.
                        let mut n = copy * 7 + seed % 7;
                        let mut form = word.to_string();
                        while n > 0 {
                            form.push((b'a' + (n % 26) as u8) as char);
                            n /= 26;
                        }
                        words.insert(form.to_lowercase());
                        out.push_str(&form);
                    } else {
                        words.insert(word.to_lowercase());
                        out.push_str(word);
                    }
                    out.push(' ');
                }
                out.push_str("\n\n");
            }
            if !out.is_empty() {
                std::fs::write(dir.join(format!("{copy:03}-{i:02}.md")), out).expect("write");
            }
        }
        copy += 1;
    }
    // Misspellings of words of the first copy, as people make them.
    let mut typos = Vec::new();
    let base: Vec<&String> = texts
        .iter()
        .flatten()
        .flat_map(|p| p.split_whitespace())
        .filter(|w| w.len() >= 5 && w.chars().all(|c| c.is_ascii_lowercase()))
        .filter_map(|w| words.get(w))
        .collect();
    for n in 0..200u64 {
        let seed = mix(n ^ 0x7970_6f73);
        let mut w: Vec<char> = base[(seed % base.len() as u64) as usize].chars().collect();
        let at = 1 + (seed >> 8) as usize % (w.len() - 2);
        match (seed >> 16) % 4 {
            0 => {
                w.remove(at);
            }
            1 => w.insert(at, w[at]),
            2 => w.swap(at, at + 1),
            _ => w[at] = (b'a' + ((seed >> 24) % 26) as u8) as char,
        }
        typos.push(w.into_iter().collect());
    }
    (words.len(), typos)
}

/// Typo correction at growing vocabularies (see the file's comment).
fn typo(c: &mut Criterion) {
    if std::env::var("PASSAGEBOT_BENCH_ONLY").is_ok_and(|v| v == "turns" || v == "phrasings") {
        return;
    }
    let sizes: Vec<usize> = std::env::var("PASSAGEBOT_BENCH_TYPO")
        .unwrap_or_else(|_| "1000,10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let root = tempfile::tempdir().expect("tempdir");
    let words_only: passagebot::engine::tuning::Tuning =
        "semantic=0,sentence=0".parse().expect("tuning");
    let mut out = String::new();
    for size in sizes {
        let paths = Paths {
            corpus: root.path().join(format!("typo-{size}")),
            index: root.path().join(format!("typo-{size}-index")),
        };
        let (distinct, typos) = typo_corpus(&paths.corpus, size);
        let started = Instant::now();
        let report =
            passagebot::engine::index::build(&paths.corpus, &paths.index, &words_only, &|_| {})
                .expect("build");
        let built = started.elapsed();
        let started = Instant::now();
        let engine = Engine::open(&paths.index, words_only).expect("engine");
        let opened = started.elapsed();
        let mut times: Vec<Duration> = Vec::new();
        let mut corrected = 0;
        for word in &typos {
            let t = Instant::now();
            let fix = black_box(engine.correction(black_box(word)));
            times.push(t.elapsed());
            corrected += usize::from(fix.is_some());
            out.push_str(&format!("{size}\t{word}\t{}\n", fix.unwrap_or_default()));
        }
        let mean = times.iter().sum::<Duration>() / times.len() as u32;
        times.sort();
        let at = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
        eprintln!(
            "typo/{size}: {} passages, ~{distinct} distinct words, built in {built:?}, opened in {opened:?}; \
             {} misspelled words, {corrected} corrected: mean {mean:?}, p50 {:?}, p90 {:?}, max {:?} per word",
            report.manifest.passages,
            typos.len(),
            at(0.5),
            at(0.9),
            at(1.0),
        );
        // Putting the word right as a word (every variant one edit away
        // looked up among the documents' words and the dictionary), as each
        // question is before it is searched.
        let mut times: Vec<Duration> = Vec::new();
        let mut respelled = 0;
        for word in &typos {
            let t = Instant::now();
            let meant = black_box(engine.respelled(black_box(word)));
            times.push(t.elapsed());
            respelled += usize::from(meant != *word);
        }
        times.sort();
        let at = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
        eprintln!(
            "respell/{size}: {respelled} of {} put right as words: p50 {:?}, p90 {:?}, max {:?} per word",
            typos.len(),
            at(0.5),
            at(0.9),
            at(1.0),
        );
        let mut i = 0;
        c.bench_function(&format!("typo/{size} passages"), |b| {
            b.iter(|| {
                i += 1;
                black_box(engine.correction(black_box(&typos[i % typos.len()])))
            })
        });
    }
    if let Some(file) = std::env::var_os("PASSAGEBOT_BENCH_TYPO_OUT") {
        std::fs::write(file, out).expect("write corrections");
    }
}

criterion_group!(search, benches, typo);
criterion_main!(search);
