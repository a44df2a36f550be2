//! The report as plain text for the terminal.

use std::fmt::Write as _;

use super::{Counted, Report, format_date};

/// The whole report, ending with a newline.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let period = match r.since {
        Some(t) => format!("since {}", format_date(t)),
        None => "all questions".to_owned(),
    };
    // Writing to a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(out, "passagebot report — {period}");
    let _ = writeln!(out);
    let _ = writeln!(out, "Questions asked: {}", r.questions);
    for (label, n) in [
        ("answered confidently", r.answered),
        ("handed over to a person", r.handed_over),
        ("not covered by the text", r.not_covered),
    ] {
        let _ = writeln!(out, "  {label:<24} {n:>5}  ({}%)", r.percent(n));
    }
    // Only once known phrasings helped: a corpus without any needs no zero line.
    if r.asked_before > 0 {
        let _ = writeln!(
            out,
            "Answered with a known phrasing: {}",
            asked_before_line(r)
        );
    }
    let _ = writeln!(out, "Tickets: {}", tickets_line(r));
    let _ = writeln!(out, "Feedback: {}", feedback_line(r));
    section(
        &mut out,
        "Most frequent questions:",
        &r.frequent,
        r.frequent_more,
    );
    // Titled as the outcome above, and counting the same questions.
    section(
        &mut out,
        &format!("Not covered by the text ({}):", questions(r.not_covered)),
        &r.uncovered,
        r.uncovered_more,
    );
    if !r.reasons.is_empty() {
        let _ = writeln!(
            out,
            "\nHanded over to a person ({}), because (a question can have several reasons):",
            questions(r.handed_over)
        );
        for (code, n) in &r.reasons {
            let _ = writeln!(out, "  {n:>4}×  {}", reason_label(code));
        }
    }
    if !r.suggestions.is_empty() {
        let _ = writeln!(
            out,
            "\nSuggested phrasings waiting for approval ({}):",
            r.suggestions.len()
        );
    }
    for s in &r.suggestions {
        let _ = writeln!(
            out,
            "  #{:<4} {}\n         → {}, paragraph {}: {} ({})",
            s.id,
            printable(&s.question),
            printable(&s.source),
            s.paragraph,
            printable(&crate::render::telegram::shorten(&s.preview, 60)),
            s.from
        );
    }
    if !r.suggestions.is_empty() {
        let _ = writeln!(
            out,
            "  Approve them with /suggestions in the operator chat, or `passagebot learn accept ID…`."
        );
    }
    if !r.passages.is_empty() {
        let _ = writeln!(out, "\nFeedback per passage:");
        for p in &r.passages {
            let _ = writeln!(
                out,
                "  👍 {:>3}  👎 {:>3}  shown {:>3}  {}, paragraph {} — {}",
                p.up,
                p.down,
                p.shown,
                printable(&p.title),
                p.paragraph,
                printable(&crate::render::telegram::shorten(&p.preview, 60))
            );
        }
    }
    out
}

fn section(out: &mut String, title: &str, rows: &[Counted], more: usize) {
    let _ = writeln!(out, "\n{title}");
    if rows.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    for c in rows {
        let _ = writeln!(out, "  {:>4}×  {}", c.count, printable(&c.question));
    }
    if more > 0 {
        let _ = writeln!(out, "  … and {} more (see --top)", questions(more));
    }
}

/// "1 question", "2 questions".
pub fn questions(n: usize) -> String {
    format!("{n} question{}", if n == 1 { "" } else { "s" })
}

/// The tickets in one line; tickets come from Telegram only, so a period without
/// them (a terminal demo) says so rather than showing a row of zeros.
pub fn tickets_line(r: &Report) -> String {
    let t = &r.tickets;
    if t.opened == 0 {
        return "no Telegram tickets in this period.".to_owned();
    }
    format!(
        "{} opened — {} answered by a person, {} still open, {} closed; {} with no person available; {} undeliverable",
        t.opened, t.answered, t.still_open, t.closed, t.no_operator, t.undeliverable
    )
}

/// How many answers a question people asked before (a known phrasing) helped.
pub fn asked_before_line(r: &Report) -> String {
    format!(
        "{} of {} answered (questions like ones people asked before)",
        questions(r.asked_before),
        r.answered
    )
}

/// 👍 / 👎 in one line, or that there were none (they are Telegram buttons).
pub fn feedback_line(r: &Report) -> String {
    if r.thumbs_up + r.thumbs_down == 0 {
        return "no 👍/👎 in this period (people rate answers with the buttons in Telegram)."
            .to_owned();
    }
    format!("{} 👍, {} 👎", r.thumbs_up, r.thumbs_down)
}

/// Text from the question log made safe for a terminal: control characters
/// (escape sequences, bells, carriage returns, line breaks) and bidirectional
/// overrides are shown as `\u{1b}`-style escapes instead of acting on it.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c.is_control() || bidi {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// A reason code in words.
pub fn reason_label(code: &str) -> &str {
    match code {
        // Among the reasons for a hand-over; "not covered by the text" names the
        // outcome of the questions that were not handed over.
        "not_covered" => "the text does not cover it",
        "asked" => "asked for a person",
        "several_questions" => "several questions at once",
        "own_situation" => "their own situation",
        "negotiation" => "a negotiation of their own",
        "pricing" => "their own prices or costs",
        "complaint" => "a complaint",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14, item 10: stored questions reached the terminal raw, so a
    /// question could clear the screen or rewrite lines of the report.
    #[test]
    fn stored_questions_cannot_drive_the_terminal() {
        let mut r = Report::from_parts(&[], &[], None, 10);
        r.frequent.push(Counted {
            question: "clear\u{1b}[2J\u{7}me\rnow\nfake line \u{202e}desrever".into(),
            count: 3,
        });
        let text = render(&r);
        assert!(
            !text
                .chars()
                .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
            "{text:?}"
        );
        assert!(text.contains("clear\\u{1b}[2J\\u{7}me\\u{d}now\\u{a}fake line \\u{202e}desrever"));
        assert_eq!(
            printable("Is marketing data-driven? é ✓"),
            "Is marketing data-driven? é ✓"
        );
    }
}
