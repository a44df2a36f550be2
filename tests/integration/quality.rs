//! Answer quality on the bundled article, through the engine the CLI and the
//! bot share: hostile input never errors, off-topic questions are never
//! presented as answered, real ones are, and the right passage comes first.

use crate::support::scratch::{Scratch, questions};
use passagebot::engine::eval;

const HOSTILE: &[&str] = &[
    "What's the difference?",
    "marketing: what is it?",
    "\"unclosed quote about sales",
    "(",
    ")",
    "AND OR NOT",
    "*",
    "title:x",
    "text:marketing^10",
    "sales~2 AND -marketing",
    "🙂🚀 marketing 🙂",
    "\u{0}\u{7}\u{1b}[31m sales \u{7f}",
    "",
    "   ",
    "?!?!",
    "ünïcödé ñ 中文 العربية",
    "e.g. U.S. Dr.",
    "İİ ẞ marketing İ? should İ negotiate my price?? ẞẞ",
    "e\u{301}\u{301}\u{301} sales a\u{308}",
    "\u{feff}\u{200b}\u{202e}sales",
];

#[test]
fn hostile_input_never_errors_or_panics() {
    let s = Scratch::with_article_index();
    let engine = s.engine();
    let long = "marketing data ".repeat(700); // ~10 KB
    for q in HOSTILE.iter().copied().chain([long.as_str()]) {
        let a = engine
            .search(q, 0, 3)
            .unwrap_or_else(|e| panic!("{q:?} failed: {e}"));
        for hit in &a.passages {
            for &(from, to) in &hit.highlights {
                assert!(hit.text.is_char_boundary(from) && hit.text.is_char_boundary(to));
            }
        }
    }
    let a = engine.search(&long, 0, 3).expect("long question");
    assert!(a.truncated, "a 10 KB question is cut and says so");
    // Every surface formats every answer to hostile text without panicking.
    for q in HOSTILE.iter().copied().chain([long.as_str()]) {
        let a = engine.search(q, 0, 3).expect("search");
        let _ = passagebot::render::terminal::render(
            &a,
            passagebot::render::terminal::Style {
                color: true,
                width: 40,
            },
            1,
        );
        let decision = passagebot::conversation::handoff::decide(q, &a);
        let _ = passagebot::render::json::line(&a, &decision);
        let _ = passagebot::render::explain(&a);
        let _ = decision.sentence();
        let blocks = passagebot::render::telegram::answer_blocks(&a, 1, 1000);
        let _ = passagebot::render::telegram::split(&blocks, 4096);
        let _ = passagebot::render::telegram::why(q, &passagebot::render::explain(&a));
        let _ = passagebot::render::telegram::shorten(q, 7);
    }
}

#[test]
fn off_topic_questions_are_not_confident() {
    let s = Scratch::with_article_index();
    let engine = s.engine();
    for q in questions("article-questions.jsonl")
        .iter()
        .filter(|q| !q.answerable())
    {
        let a = engine.search(&q.q, 0, 3).expect("search");
        assert!(
            !a.confident,
            "{:?} ({}) came back confident with coverage {:.2}",
            q.q,
            q.kind(),
            a.confidence.coverage
        );
    }
    for q in [
        "What is the capital of France?",
        "How long should I bake bread?",
        "Which CRM should my sales team buy?",
    ] {
        assert!(!engine.search(q, 0, 3).expect("search").confident, "{q}");
    }
}

#[test]
fn real_questions_find_their_passage_first_and_confidently() {
    let s = Scratch::with_article_index();
    let engine = s.engine();
    let all = questions("article-questions.jsonl");
    let mut misses = Vec::new();
    let mut direct = 0;
    for q in all.iter().filter(|q| q.answerable()) {
        let o = eval::outcome(q, &engine.search(&q.q, 0, 3).expect("search"));
        direct += usize::from(o.kind == "direct");
        if !o.hit_at_1() {
            misses.push((o.kind, o.question));
        }
    }
    let direct_misses = misses.iter().filter(|(k, _)| k == "direct").count();
    // Every direct question but at most two (wording varies; QUALITY.md step
    // 19 lists them) is answered first and confidently.
    assert!(direct_misses <= 2, "direct misses of {direct}: {misses:?}");
    // Misspelled questions are corrected against the index's vocabulary.
    assert!(
        misses.iter().filter(|(k, _)| k == "misspelled").count() <= 1,
        "misspelled misses: {misses:?}"
    );
}

/// Questions in a reader's own words, asked through the binary as a person
/// would: the right passage first, and presented as the answer.
#[test]
fn paraphrases_in_a_readers_own_words_are_answered_through_the_binary() {
    let s = Scratch::with_article_index();
    let cases = [
        (
            "How big an audience is marketing trying to reach?",
            "one to many style",
        ),
        ("Does marketing dig through giant databases?", "big data"),
        ("who looks after the brand?", "brand management"),
        ("does he have a background in training people", "28 years"),
        (
            "what does the author think of toll-free support lines?",
            "frustrating",
        ),
        (
            "same end goal, just different methods?",
            "different approach",
        ),
    ];
    let input: String = cases.iter().map(|(q, _)| format!("{q}\n")).collect();
    let out = s
        .cmd()
        .args(["ask", "--json", "--top", "3"])
        .write_stdin(input)
        .output()
        .expect("run");
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), cases.len());
    for ((q, gold), line) in cases.iter().zip(&lines) {
        let top = line["passages"][0]["text"].as_str().unwrap_or("");
        assert!(top.contains(gold), "{q}: top passage {top:?}");
        assert_eq!(line["confident"], true, "{q}: {}", line["confidence"]);
        // The answering sentence is a byte range of the top passage.
        let span = &line["passages"][0]["answer_sentence"];
        let (a, b) = (span[0].as_u64().unwrap_or(0), span[1].as_u64().unwrap_or(0));
        assert!(a < b && b as usize <= top.len(), "{q}: {span}");
    }
    // The reader set as a whole: a floor under today's figure (QUALITY.md
    // step 19), so a change that loses paraphrases fails here.
    let engine = s.engine();
    let reader = questions("reader-questions.jsonl");
    let answerable: Vec<_> = reader.iter().filter(|q| q.answerable()).collect();
    let hits = answerable
        .iter()
        .filter(|q| eval::outcome(q, &engine.search(&q.q, 0, 3).expect("search")).hit_at_1())
        .count();
    assert!(
        hits * 100 >= answerable.len() * 38,
        "{hits} of {} reader questions answered first and confidently",
        answerable.len()
    );
}

/// Off-topic questions that share the article's words, and ones whose words
/// the article lacks or nearly has ("thank" is one letter from "think"):
/// never presented as answered.
#[test]
fn off_topic_questions_sharing_the_articles_words_are_not_confident() {
    let s = Scratch::with_article_index();
    let engine = s.engine();
    for q in [
        "Which CRM should my sales team buy?",
        "What is a good marketing budget for a startup?",
        "How many salespeople does Amazon employ?",
        "How do you say thank you in Japanese?",
        "When is the best time to plant tomatoes?",
        "How do I calculate customer lifetime value?",
        "What is SEO and how does it work?",
    ] {
        let a = engine.search(q, 0, 3).expect("search");
        assert!(!a.confident, "{q}: {:?}", a.confidence);
        // Nor offered as a choice between two passages.
        assert_eq!(passagebot::engine::ambiguity::of(&a), None, "{q}");
    }
}

/// When the best two passages tie and say different things, `ask --json` says so
/// and the terminal asks which one the reader means: confident ties, and unsure
/// ones where both passages are close in meaning (instead of "not covered").
#[test]
fn a_tie_between_two_passages_is_asked_back_not_picked_silently() {
    let s = Scratch::with_article_index();
    for (q, confident) in [
        ("Is marketing more analytical than sales?", true),
        ("What is marketing responsible for?", false),
    ] {
        let a = ask_json_tuned(&s, "", q);
        assert_eq!(a["confident"], confident, "{q}: {a}");
        let closeness = a["ambiguous"]["closeness"].as_f64().expect("a tie");
        assert!((0.9..=1.0).contains(&closeness), "{q}: {closeness}");
        let out = s.cmd().args(["ask", q]).output().expect("run");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Did you mean [1] or [2]?"), "{q}: {text}");
        assert!(!text.contains("do not seem to cover"), "{q}: {text}");
    }
    // A clear answer is not asked back.
    let a = ask_json_tuned(&s, "", "Is the cost per touch higher in sales?");
    assert!(a.get("ambiguous").is_none(), "{a}");
}

/// "Who wrote the pricing guide?" names that document's author, from its
/// front matter, among several documents.
#[test]
fn who_wrote_a_named_document_is_answered_from_its_metadata() {
    let s = Scratch::with_article_index();
    std::fs::write(
        s.corpus().join("pricing-guide.md"),
        "---\ntitle: The Pricing Guide\nauthor: Ann Lee\n---\n\nSet prices from value, not from cost. Review them every quarter.\n",
    )
    .expect("write");
    let engine = s.engine();
    let a = engine
        .search("Who wrote the pricing guide?", 0, 3)
        .expect("search");
    assert!(a.confident, "{:?}", a.confidence);
    assert_eq!(a.author.as_deref(), Some("Ann Lee"));
    assert!(a.passages[0].source.ends_with("pricing-guide.md"));
    let b = engine
        .search(
            "Who is the author of the sales and marketing article?",
            0,
            3,
        )
        .expect("search");
    assert_eq!(b.author.as_deref(), Some("Joe Candido"));
    assert!(b.confident && b.passages[0].text.contains("Joe Candido"));
}

#[test]
fn typos_are_corrected_to_indexed_words() {
    let s = Scratch::with_article_index();
    let a = s
        .engine()
        .search("Is negotation part of sales?", 0, 1)
        .expect("search");
    let fixed = a
        .terms
        .iter()
        .find(|t| t.corrected_from.as_deref() == Some("negot"));
    assert!(fixed.is_some_and(|t| t.term == "negoti"), "{:?}", a.terms);
    assert!(a.passages[0].text.contains("negotiation"));
}

#[test]
fn misspelled_words_are_read_as_meant_by_the_search_and_by_meaning() {
    let s = Scratch::with_article_index();
    let e = s.engine();
    // "negotiaton" is four edits from the indexed stem "negoti": only
    // putting the word right finds it, and then the encoder reads it too.
    let typed = e
        .search("who handles negotiaton with custmers", 0, 1)
        .expect("search");
    let meant = e
        .search("who handles negotiation with customers", 0, 1)
        .expect("search");
    let fixed: Vec<(&str, &str)> = typed
        .terms
        .iter()
        .filter_map(|t| Some((t.term.as_str(), t.corrected_from.as_deref()?)))
        .collect();
    assert!(fixed.contains(&("negoti", "negotiaton")), "{fixed:?}");
    assert!(fixed.contains(&("custom", "custmer")), "{fixed:?}");
    assert!(typed.confident, "{:?}", typed.confidence);
    assert_eq!(typed.passages[0].text, meant.passages[0].text);
    assert!(typed.passages[0].text.contains("negotiation"));
    assert_eq!(typed.confidence.similarity, meant.confidence.similarity);
    // The answer still quotes the question as asked.
    assert_eq!(typed.question, "who handles negotiaton with custmers");
    // An English word the article lacks is no typo: "line" stays "line"
    // (it was once searched as "life").
    let a = e
        .search("Why are automated phone lines a bad experience?", 0, 1)
        .expect("search");
    assert!(a.terms.iter().all(|t| t.term != "life"), "{:?}", a.terms);
}

#[test]
fn an_inflected_word_finds_the_form_the_stemmer_cut_differently() {
    // Snowball stems "experienced" to "experienc" but "experience" to
    // "experi": before, the question matched no word and found nothing.
    let s = Scratch::with_article_index();
    let a = s
        .engine()
        .search("How experienced is the writer?", 0, 1)
        .expect("search");
    let found = a
        .terms
        .iter()
        .find(|t| t.corrected_from.as_deref() == Some("experienc"));
    assert!(found.is_some_and(|t| t.term == "experi"), "{:?}", a.terms);
    assert!(a.passages[0].text.contains("28 years"), "{:?}", a.passages);
}

#[test]
fn a_compound_the_documents_lack_is_searched_by_its_parts() {
    let s = Scratch::with_article_index();
    let a = s
        .engine()
        .search("Does a salesperson meet clients individually?", 0, 3)
        .expect("search");
    let parts: Vec<&str> = a
        .terms
        .iter()
        .filter(|t| t.corrected_from.as_deref() == Some("salesperson"))
        .map(|t| t.term.as_str())
        .collect();
    assert_eq!(parts, ["sale", "person"], "{:?}", a.terms);
    // Short words are never split into fragments.
    let b = s
        .engine()
        .search("Is a bakery relevant?", 0, 1)
        .expect("search");
    let from_bakery = b
        .terms
        .iter()
        .filter(|t| t.corrected_from.as_deref() == Some("bakeri"))
        .count();
    assert!(from_bakery <= 1, "{:?}", b.terms);
}

#[test]
fn what_the_article_is_called_is_answered_from_its_title() {
    let s = Scratch::with_article_index();
    let e = s.engine();
    for q in [
        "What is the title of the article?",
        "What's this piece called?",
    ] {
        let a = e.search(q, 0, 3).expect("search");
        assert_eq!(
            a.titled.as_deref(),
            Some("What’s the Difference Between Sales and Marketing?"),
            "{q}"
        );
        assert!(a.confident, "{q}");
        assert_eq!(a.passages[0].paragraph, 1, "{q}: the opening passage first");
    }
    let other = e
        .search("What is marketing called when it is one to many?", 0, 1)
        .expect("search");
    assert_eq!(other.titled, None);
    assert!(other.passages[0].text.contains("one to many"));
    // A title the text speaks of is not the document's own (SQuAD: "What was
    // the title of Philo's work?").
    for q in [
        "What is the title of the certificate program?",
        "What was the title of the author's seminar?",
    ] {
        assert_eq!(e.search(q, 0, 1).expect("search").titled, None, "{q}");
    }
}

#[test]
fn a_question_about_the_author_finds_the_passages_naming_them() {
    let s = Scratch::with_article_index();
    let e = s.engine();
    let a = e
        .search("is he a full-time professor?", 0, 3)
        .expect("search");
    let named: Vec<(&str, f32)> = a
        .terms
        .iter()
        .filter(|t| t.corrected_from.as_deref() == Some("the author"))
        .map(|t| (t.term.as_str(), t.weight))
        .collect();
    assert_eq!(named, [("joe", 0.0), ("candido", 0.0)], "{:?}", a.terms);
    assert!(
        a.passages
            .iter()
            .any(|p| p.text.contains("adjunct instructor")),
        "{:?}",
        a.passages
    );
    // The name weighs nothing in the confidence: the answer about his
    // students stays confident though it does not name him.
    let b = e
        .search("What does the author tell his students?", 0, 1)
        .expect("search");
    assert!(b.confident && b.passages[0].text.contains("What I tell my students"));
}

#[test]
fn who_wrote_it_finds_the_byline() {
    let s = Scratch::with_article_index();
    let a = s
        .engine()
        .search("Who wrote this article?", 0, 1)
        .expect("search");
    assert!(a.confident);
    assert!(a.passages[0].text.contains("Joe Candido"));
}

#[test]
fn a_paraphrase_sharing_no_word_is_answered_by_meaning() {
    let s = Scratch::with_article_index();
    let engine = s.engine();
    // "bargaining", "something", "salespeople": none of them is in the article.
    let a = engine
        .search("Is bargaining something salespeople do?", 0, 3)
        .expect("search");
    assert!(a.terms.iter().all(|t| t.passages == 0), "{:?}", a.terms);
    assert!(a.confident, "{:?}", a.confidence);
    assert!(a.confidence.by_meaning());
    assert!(
        a.passages[0].text.contains("negotiation"),
        "{}",
        a.passages[0].text
    );
    let p = a.confidence.probability.expect("compared by meaning");
    assert!(p >= a.confidence.answered_from, "{p}");
    // No word in common and no passage close enough to answer it: the plausible
    // ones still come back, so the reader sees the closest passage.
    let near = engine
        .search("Do sellers meet clients individually?", 0, 3)
        .expect("search");
    assert!(
        near.terms.iter().all(|t| t.passages == 0),
        "{:?}",
        near.terms
    );
    assert!(
        near.passages.iter().any(|p| p.text.contains("one-to-one")),
        "{:?}",
        near.passages
    );
    // No word and no meaning in common: nothing to show.
    let off = engine
        .search("Who won the football world cup in 2014?", 0, 3)
        .expect("search");
    assert!(!off.confident && off.passages.is_empty());
}

#[test]
fn the_semantic_stage_reorders_by_meaning_and_its_switch_turns_it_off() {
    let s = Scratch::empty();
    std::fs::create_dir_all(s.corpus()).expect("mkdir");
    // Both paragraphs share the question's words; only one answers it.
    std::fs::write(
        s.corpus().join("stadium.md"),
        "# Finals

         The final was a final about the final venue, and people talked about the final venue all year.

         The game was played at Levi's Stadium in Santa Clara, California, in front of 70,000 fans who saw the final.
",
    )
    .expect("write");
    let on = s
        .engine()
        .search("Where did the final take place?", 0, 2)
        .expect("search");
    assert!(
        on.passages[0].text.contains("Levi's Stadium"),
        "{:?}",
        on.passages
    );
    assert!(on.passages.iter().all(|p| p.similarity.is_some()));
    // Switched off, the index is rebuilt without embeddings and the words decide.
    let line = ask_json_tuned(
        &s,
        "semantic=0,sentence=0",
        "Where did the final take place?",
    );
    let first = &line["passages"][0];
    assert!(first.get("similarity").is_none(), "{first}");
    assert!(
        first["text"].as_str().unwrap_or("").contains("final venue"),
        "{first}"
    );
}

#[test]
fn a_question_the_words_settle_skips_the_encoder_and_the_switch_compares_every_question() {
    let s = Scratch::with_article_index();
    let engine = s.engine();
    // One paragraph holds "data-driven", well ahead of the others.
    let settled = engine
        .search("Is marketing data driven?", 0, 3)
        .expect("search");
    assert!(settled.confident && settled.confidence.decided_by_words);
    assert!(settled.confidence.similarity.is_none());
    assert!(settled.passages.iter().all(|p| p.similarity.is_none()));
    let why = passagebot::render::explain(&settled);
    assert!(why.contains("The words settled it"), "{why}");
    // A paraphrase the words cannot settle is still compared by meaning.
    let paraphrase = engine
        .search("Is bargaining something salespeople do?", 0, 3)
        .expect("search");
    assert!(!paraphrase.confidence.decided_by_words);
    assert!(paraphrase.passages[0].similarity.is_some());
    assert!(!passagebot::render::explain(&paraphrase).contains("settled"));
    // `decisive=0` encodes every question; the settled answer stays first. An
    // engine with other knobs opens beside the default one, in this process.
    let tuning: passagebot::engine::tuning::Tuning = "decisive=0".parse().expect("knob");
    let always = passagebot::Engine::open(&s.index(), tuning).expect("tuned engine");
    let compared = always
        .search("Is marketing data driven?", 0, 3)
        .expect("search");
    assert!(!compared.confidence.decided_by_words);
    assert!(compared.passages[0].similarity.is_some());
    assert_eq!(compared.passages[0].text, settled.passages[0].text);
    assert!(
        engine
            .search("Is marketing data driven?", 0, 3)
            .expect("search")
            .confidence
            .decided_by_words
    );
}

/// `ask --json QUESTION` through the binary, with `PASSAGEBOT_TUNING=tuning`.
fn ask_json_tuned(s: &Scratch, tuning: &str, question: &str) -> serde_json::Value {
    let out = s
        .cmd()
        .env("PASSAGEBOT_TUNING", tuning)
        .args(["ask", "--json", question])
        .output()
        .expect("run");
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn more_continues_where_the_answer_stopped_without_repeats() {
    let s = Scratch::with_article_index();
    let engine = s.engine();
    let first = engine
        .search("sales marketing customer", 0, 2)
        .expect("search");
    let next = engine
        .search("sales marketing customer", 2, 2)
        .expect("search");
    assert_eq!(first.passages.len(), 2);
    assert!(first.more);
    for p in &next.passages {
        assert!(
            first.passages.iter().all(|f| f.text != p.text),
            "repeated: {}",
            p.text
        );
    }
    // Paging ends: the article has 12 passages, so a page far past them is
    // empty and offers no more, however far a client asks.
    for skip in [12, 1_000, usize::MAX] {
        let past = engine
            .search("sales marketing customer", skip, 3)
            .expect("search");
        assert!(past.passages.is_empty() && !past.more, "skip {skip}");
    }
    let last = engine
        .search("sales marketing customer", 9, 3)
        .expect("search");
    assert!(!last.more, "the last page offers no more");
}

#[test]
fn windows_of_one_paragraph_never_come_back_overlapping() {
    let s = Scratch::empty();
    std::fs::create_dir_all(s.corpus()).expect("mkdir");
    let para: Vec<String> = (0..30)
        .map(|i| format!("Sentence {i} says that the zebra budget grows every quarter."))
        .collect();
    std::fs::write(
        s.corpus().join("long.md"),
        format!("# Long\n\n{}\n", para.join(" ")),
    )
    .expect("write");
    let a = s
        .engine()
        .search("zebra budget quarter", 0, 10)
        .expect("search");
    assert!(a.passages.len() > 1);
    for (i, x) in a.passages.iter().enumerate() {
        for y in &a.passages[i + 1..] {
            let (xs, ys) = (x.text.as_str(), y.text.as_str());
            let shared = xs.split(". ").filter(|sent| ys.contains(sent)).count();
            assert_eq!(shared, 0, "overlapping passages returned:\n{xs}\n{ys}");
        }
    }
}

/// Random questions built from awkward pieces (fixed seed, so failures repeat): 400
/// here, through the real encoder; `cargo bench --bench fuzz` runs the same
/// formatters on a million (RELIABILITY.md).
#[test]
fn random_unicode_questions_never_panic_anywhere() {
    const PIECES: &[&str] = &[
        "sales",
        "marketing",
        "data",
        "İ",
        "ẞ",
        "ß",
        "é",
        "e\u{301}",
        "中文",
        "🙂",
        "👍🏽",
        "\u{200d}",
        "\u{0}",
        "\n",
        "\t",
        " ",
        "  ",
        "?",
        "??",
        "!",
        ".",
        "“",
        "”",
        "’",
        "—",
        "<b>",
        "</i>",
        "&amp;",
        "&",
        "<",
        ">",
        "@passage_test_bot",
        "/ask",
        ":",
        "(",
        ")",
        "\"",
        "*",
        "AND",
        "NOT",
        "should I",
        "my company",
        "price",
        "negotiate",
        "refund",
        "talk to a person",
        "ﬁ",
        "Σ",
        "ς",
        "\u{feff}",
    ];
    let s = Scratch::with_article_index();
    let engine = s.engine();
    let mut state: u64 = 0x5eed;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    for _ in 0..400 {
        let len = next() % 24;
        let q: String = (0..len).map(|_| PIECES[next() % PIECES.len()]).collect();
        let a = engine
            .search(&q, next() % 3, 1 + next() % 4)
            .expect("search");
        for hit in &a.passages {
            for &(from, to) in &hit.highlights {
                assert!(
                    hit.text.is_char_boundary(from) && hit.text.is_char_boundary(to),
                    "{q:?}"
                );
            }
        }
        let decision = passagebot::conversation::handoff::decide(&q, &a);
        let _ = passagebot::render::json::line(&a, &decision);
        let _ = decision.sentence();
        let blocks = passagebot::render::telegram::answer_blocks(&a, 1, 1000);
        let _ = passagebot::render::telegram::split(&blocks, 4096);
        let _ = passagebot::render::telegram::shorten(&q, next() % 50);
    }
}
