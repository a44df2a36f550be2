//! The report as one self-contained web page: inline CSS and SVG charts, no scripts and
//! nothing fetched from the network, in large type for a projector.

use std::fmt::Write as _;

use super::text::{asked_before_line, feedback_line, questions, reason_label, tickets_line};
use super::{Counted, Report, format_date};

const GREEN: &str = "#2e7d32";
const ORANGE: &str = "#ef6c00";
const GREY: &str = "#757575";
const BLUE: &str = "#1565c0";
const RED: &str = "#c62828";

fn esc(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

/// The whole page.
pub fn render(r: &Report) -> String {
    let period = match r.since {
        Some(t) => format!("since {}", format_date(t)),
        None => "all questions".to_owned(),
    };
    let mut body = String::new();
    // Writing to a String cannot fail; the results are ignored on purpose.
    let _ = write!(
        body,
        "<h1>What people asked passagebot</h1><p class=\"sub\">{} · {} question{}</p>",
        esc(&period),
        r.questions,
        if r.questions == 1 { "" } else { "s" }
    );
    // The ratings tile only when there are ratings: a terminal demo has none, and a
    // tile of zeros reads as "everyone disliked it".
    let ratings = if r.thumbs_up + r.thumbs_down > 0 {
        tile_text(
            "feedback: helpful / not helpful",
            &format!("+{} / −{}", r.thumbs_up, r.thumbs_down),
            BLUE,
        )
    } else {
        String::new()
    };
    let _ = write!(
        body,
        "<section class=\"tiles\">{}{}{}{ratings}</section>",
        tile(
            "answered confidently",
            r.answered,
            r.percent(r.answered),
            GREEN
        ),
        tile(
            "handed over to a person",
            r.handed_over,
            r.percent(r.handed_over),
            ORANGE
        ),
        tile(
            "not covered by the text",
            r.not_covered,
            r.percent(r.not_covered),
            GREY
        ),
    );
    let _ = write!(
        body,
        "<h2>Outcomes</h2>{}",
        hbars(
            &[
                ("Answered confidently".to_owned(), r.answered, GREEN),
                ("Handed over to a person".to_owned(), r.handed_over, ORANGE),
                ("Not covered by the text".to_owned(), r.not_covered, GREY),
            ],
            "Outcomes of the questions",
        )
    );
    let _ = write!(
        body,
        "{}<p>Tickets: {}</p><p>Feedback: {}</p>",
        // Only once known phrasings helped, as in the text.
        if r.asked_before > 0 {
            format!(
                "<p>Answered with a known phrasing: {}</p>",
                esc(&full_stop(&asked_before_line(r)))
            )
        } else {
            String::new()
        },
        esc(&full_stop(&tickets_line(r))),
        esc(&full_stop(&feedback_line(r)))
    );
    if !r.per_day.is_empty() {
        let _ = write!(body, "<h2>Questions per day</h2>{}", columns(&r.per_day));
    }
    if !r.reasons.is_empty() {
        let rows: Vec<(String, usize, &str)> = r
            .reasons
            .iter()
            .map(|(code, n)| (capitalise(reason_label(code)), *n, ORANGE))
            .collect();
        let _ = write!(
            body,
            "<h2>Handed over to a person ({}): why</h2><p>A question can have several reasons.</p>{}",
            questions(r.handed_over),
            hbars(&rows, "Reasons for handing over")
        );
    }
    let _ = write!(
        body,
        "<h2>Most frequent questions</h2>{}",
        table(&r.frequent, r.frequent_more)
    );
    // Titled as the outcome's tile and bar, and counting the same questions.
    let _ = write!(
        body,
        "<h2>Not covered by the text ({})</h2>{}",
        questions(r.not_covered),
        table(&r.uncovered, r.uncovered_more)
    );
    if !r.suggestions.is_empty() {
        let _ = write!(
            body,
            "<h2>Suggested phrasings waiting for approval ({})</h2>{}",
            r.suggestions.len(),
            suggestions(r)
        );
    }
    if !r.passages.is_empty() {
        let _ = write!(
            body,
            "<h2>Feedback per passage</h2><p>Green: helpful, red: not helpful, over every answer that showed the passage.</p>{}",
            feedback(r)
        );
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>passagebot report</title>\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>{CSS}</style></head>\
<body><main>{body}</main></body></html>\n"
    )
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:0;background:#fafafa;color:#212121;font-size:20px;line-height:1.4}\
main{max-width:1100px;margin:0 auto;padding:32px}h1{font-size:44px;margin:0 0 4px}h2{font-size:30px;margin:40px 0 12px}\
.sub{color:#616161;margin:0 0 24px}.tiles{display:flex;gap:16px;flex-wrap:wrap}\
.tile{flex:1 1 200px;background:#fff;border-radius:12px;padding:16px 20px;border-top:8px solid}\
.tile .n{font-size:48px;font-weight:700}.tile .l{color:#424242}\
table{border-collapse:collapse;width:100%;background:#fff}td,th{padding:8px 12px;border-bottom:1px solid #e0e0e0;text-align:left}\
td.n{text-align:right;width:4em;font-weight:700}svg{display:block;max-width:100%;height:auto;background:#fff;border-radius:12px}\
svg text{font-family:inherit}";

fn tile(label: &str, n: usize, percent: u32, color: &str) -> String {
    format!(
        "<div class=\"tile\" style=\"border-color:{color}\"><div class=\"n\">{n}</div><div class=\"l\">{} ({percent}%)</div></div>",
        esc(label)
    )
}

fn tile_text(label: &str, value: &str, color: &str) -> String {
    format!(
        "<div class=\"tile\" style=\"border-color:{color}\"><div class=\"n\">{}</div><div class=\"l\">{}</div></div>",
        esc(value),
        esc(label)
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A horizontal bar chart: one row per (label, value, colour).
fn hbars(rows: &[(String, usize, &str)], title: &str) -> String {
    let width = 1000.0;
    let label_w = 380.0;
    let row_h = 56.0;
    let height = row_h * rows.len() as f64 + 20.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let bar_max = width - label_w - 100.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        esc(title)
    );
    for (i, (label, value, color)) in rows.iter().enumerate() {
        let y = 10.0 + row_h * i as f64;
        let w = (*value as f64 / max * bar_max).max(if *value > 0 { 4.0 } else { 0.0 });
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"24\" text-anchor=\"end\" fill=\"#212121\">{}</text>\
<rect x=\"{}\" y=\"{}\" width=\"{w:.1}\" height=\"{}\" rx=\"6\" fill=\"{color}\"/>\
<text x=\"{}\" y=\"{}\" font-size=\"26\" font-weight=\"700\" fill=\"#212121\">{value}</text>",
            label_w - 16.0,
            y + row_h / 2.0 + 4.0,
            esc(label),
            label_w,
            y + 8.0,
            row_h - 16.0,
            label_w + w + 12.0,
            y + row_h / 2.0 + 6.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A column chart of questions per day.
fn columns(days: &[(String, usize)]) -> String {
    let width = 1000.0;
    let height = 360.0;
    let bottom = 300.0;
    let top = 30.0;
    let n = days.len().max(1) as f64;
    let slot = (width - 60.0) / n;
    let bar_w = (slot * 0.7).min(120.0);
    let max = days.iter().map(|d| d.1).max().unwrap_or(0).max(1) as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"Questions per day\">\
<line x1=\"30\" y1=\"{bottom}\" x2=\"{}\" y2=\"{bottom}\" stroke=\"#9e9e9e\" stroke-width=\"2\"/>",
        width - 30.0
    );
    // Label at most about 12 days so the dates stay readable.
    let every = (days.len() / 12).max(1);
    for (i, (day, count)) in days.iter().enumerate() {
        let h = *count as f64 / max * (bottom - top - 30.0);
        let x = 30.0 + slot * i as f64 + (slot - bar_w) / 2.0;
        let cx = x + bar_w / 2.0;
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar_w:.1}\" height=\"{h:.1}\" rx=\"4\" fill=\"{BLUE}\"/>\
<text x=\"{cx:.1}\" y=\"{:.1}\" font-size=\"22\" font-weight=\"700\" text-anchor=\"middle\">{count}</text>",
            bottom - h,
            bottom - h - 8.0,
        );
        if i % every == 0 {
            let _ = write!(
                svg,
                "<text x=\"{cx:.1}\" y=\"{}\" font-size=\"18\" text-anchor=\"middle\" fill=\"#424242\">{}</text>",
                bottom + 30.0,
                esc(day.get(5..).unwrap_or(day))
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The pending suggestions: the question, the passage it would find, and whence.
fn suggestions(r: &Report) -> String {
    let mut out = String::from(
        "<p>Approve them with /suggestions in the operator chat, or <code>passagebot learn accept ID…</code>.</p><table><tr><th>#</th><th>Question</th><th>Passage</th></tr>",
    );
    for s in &r.suggestions {
        let _ = write!(
            out,
            "<tr><td class=\"n\">{}</td><td>{}<br><small>{}</small></td><td>{}<br><small>{}, paragraph {}</small></td></tr>",
            s.id,
            esc(&s.question),
            esc(s.from),
            esc(&crate::render::telegram::shorten(&s.preview, 120)),
            esc(&s.source),
            s.paragraph
        );
    }
    out.push_str("</table>");
    out
}

fn table(rows: &[Counted], more: usize) -> String {
    if rows.is_empty() {
        return "<p>(none)</p>".to_owned();
    }
    let mut out = String::from("<table><tr><th>Asked</th><th>Question</th></tr>");
    for c in rows {
        let _ = write!(
            out,
            "<tr><td class=\"n\">{}×</td><td>{}</td></tr>",
            c.count,
            esc(&c.question)
        );
    }
    if more > 0 {
        let _ = write!(
            out,
            "<tr><td class=\"n\"></td><td>… and {} more (see --top)</td></tr>",
            questions(more)
        );
    }
    out.push_str("</table>");
    out
}

/// `line` ending with a full stop, once.
fn full_stop(line: &str) -> String {
    if line.ends_with('.') {
        line.to_owned()
    } else {
        format!("{line}.")
    }
}

/// Stacked 👍 / 👎 bars per passage.
fn feedback(r: &Report) -> String {
    let rows = &r.passages;
    let width = 1000.0;
    let label_w = 520.0;
    let row_h = 60.0;
    let height = row_h * rows.len() as f64 + 20.0;
    let max = rows.iter().map(|p| p.up + p.down).max().unwrap_or(0).max(1) as f64;
    let bar_max = width - label_w - 120.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"Feedback per passage\">"
    );
    for (i, p) in rows.iter().enumerate() {
        let y = 10.0 + row_h * i as f64;
        let up_w = p.up as f64 / max * bar_max;
        let down_w = p.down as f64 / max * bar_max;
        let label = format!(
            "¶{} {}",
            p.paragraph,
            crate::render::telegram::shorten(&p.preview, 34)
        );
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"20\" text-anchor=\"end\">{}</text>\
<rect x=\"{label_w}\" y=\"{}\" width=\"{up_w:.1}\" height=\"{}\" fill=\"{GREEN}\"/>\
<rect x=\"{:.1}\" y=\"{}\" width=\"{down_w:.1}\" height=\"{}\" fill=\"{RED}\"/>\
<text x=\"{:.1}\" y=\"{}\" font-size=\"22\" font-weight=\"700\">+{} / −{}</text>",
            label_w - 14.0,
            y + row_h / 2.0 + 4.0,
            esc(&label),
            y + 10.0,
            row_h - 20.0,
            label_w + up_w,
            y + 10.0,
            row_h - 20.0,
            label_w + up_w + down_w + 12.0,
            y + row_h / 2.0 + 6.0,
            p.up,
            p.down,
        );
    }
    svg.push_str("</svg>");
    let mut legend = String::from(
        "<table><tr><th>Passage</th><th>Shown</th><th>Helpful</th><th>Not helpful</th></tr>",
    );
    for p in rows {
        let _ = write!(
            legend,
            "<tr><td><i>{}</i>, paragraph {} — {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&p.title),
            p.paragraph,
            esc(&crate::render::telegram::shorten(&p.preview, 90)),
            p.shown,
            p.up,
            p.down
        );
    }
    legend.push_str("</table>");
    format!("{svg}{legend}")
}
