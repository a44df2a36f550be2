//! Answers for the terminal (`ask`, `chat`): each passage under a header
//! naming its document and paragraph, matched words highlighted when the
//! output is a colour terminal.

use owo_colors::OwoColorize;

use crate::search::{Answer, Hit};

/// How to draw: colours on or off, and the width to wrap at.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

/// Longest question echoed in full on the `Q:` line, in characters.
pub const QUESTION_ECHO_CHARS: usize = 300;

/// The `Q:` line that heads an answer on the terminal: the question, cut
/// with an ellipsis after [`QUESTION_ECHO_CHARS`] characters (a pasted
/// 20,000-character question used to be echoed in full).
pub fn question_line(question: &str) -> String {
    format!(
        "Q: {}",
        crate::answer::telegram::shorten(question, QUESTION_ECHO_CHARS)
    )
}

/// The whole answer. `first_number` numbers the passages (1 for a new question,
/// higher after `:more`).
pub fn render(answer: &Answer, style: Style, first_number: usize) -> String {
    let mut out = String::new();
    if answer.truncated {
        out.push_str("(The question was long: only its first 1,000 characters were used.)\n");
    }
    if answer.passages.is_empty() {
        out.push_str(if first_number > 1 {
            "No more passages.\n"
        } else {
            "Nothing in the documents matches this question. A person would serve you better here.\n"
        });
        return out;
    }
    if !answer.confident && first_number == 1 {
        out.push_str(&paint(
            "The documents do not seem to cover this question; a person would serve you better.\nThe closest text, which is probably not an answer:\n",
            style,
            |s| s.yellow().to_string(),
        ));
    }
    for (i, hit) in answer.passages.iter().enumerate() {
        out.push('\n');
        out.push_str(&header(hit, first_number + i, style));
        out.push('\n');
        out.push_str(&body(hit, style));
        out.push('\n');
    }
    if answer.more {
        out.push_str(&paint(
            "\n(more passages: `:more` in chat, or --top K)\n",
            style,
            |s| s.dimmed().to_string(),
        ));
    }
    out
}

fn header(hit: &Hit, number: usize, style: Style) -> String {
    let mut where_ = format!("{} · paragraph {}", hit.title, hit.paragraph);
    if let Some(h) = &hit.heading {
        where_.push_str(&format!(" · {h}"));
    }
    let line = format!("[{number}] {where_}  ({})", hit.source);
    paint(&line, style, |s| s.cyan().to_string())
}

fn body(hit: &Hit, style: Style) -> String {
    let mut text = String::new();
    let mut at = 0;
    for &(start, end) in &hit.highlights {
        if start < at || end > hit.text.len() {
            continue;
        }
        text.push_str(&hit.text[at..start]);
        let word = &hit.text[start..end];
        if style.color {
            text.push_str(&word.bold().yellow().to_string());
        } else {
            text.push_str(word);
        }
        at = end;
    }
    text.push_str(&hit.text[at..]);
    let options = textwrap::Options::new(style.width.max(20))
        .initial_indent("    ")
        .subsequent_indent("    ");
    text.lines()
        .map(|line| textwrap::fill(line, &options))
        .collect::<Vec<_>>()
        .join("\n")
}

fn paint(text: &str, style: Style, f: impl Fn(&str) -> String) -> String {
    if style.color {
        f(text)
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_question_line_cuts_long_questions_with_an_ellipsis() {
        assert_eq!(
            question_line("Is sales data-driven?"),
            "Q: Is sales data-driven?"
        );
        let long = "word ".repeat(4_000);
        let line = question_line(&long);
        assert!(line.ends_with('…'), "{line}");
        assert!(
            line.chars().count() <= QUESTION_ECHO_CHARS + 3,
            "{}",
            line.len()
        );
    }
}
