//! Answers for the terminal (`ask`, `chat`): each passage under a header
//! naming its document and paragraph, matched words highlighted when the
//! output is a colour terminal. When the best two tie, the answer asks which one
//! the reader means.

use owo_colors::OwoColorize;

use crate::conversation::dialogue::Turn;
use crate::engine::ambiguity;
use crate::engine::search::{Answer, Hit};

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
        crate::render::telegram::shorten(question, QUESTION_ECHO_CHARS)
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
    let ambiguous = first_number == 1 && ambiguity::of(answer).is_some();
    if ambiguous {
        // Asked back, not picked: the reader knows which one they meant.
        let lead = if answer.confident {
            "Two passages answer this about equally well and say different things."
        } else {
            "I'm not sure which part of the documents this is about."
        };
        out.push_str(&paint(
            &format!("{lead} Did you mean [1] or [2]?\n"),
            style,
            |s| s.yellow().to_string(),
        ));
    } else if !answer.confident && first_number == 1 {
        out.push_str(&paint(
            "The documents do not seem to cover this question; a person would serve you better.\nThe closest text, which is probably not an answer:\n",
            style,
            |s| s.yellow().to_string(),
        ));
    }
    if let Some(author) = answer.author.as_deref().filter(|_| first_number == 1) {
        out.push_str(&format!("Written by {author}.\n"));
    }
    if let Some(title) = answer.titled.as_deref().filter(|_| first_number == 1) {
        out.push_str(&format!("Titled “{title}”.\n"));
    }
    if let Some(title) = answer.summarized.as_deref().filter(|_| first_number == 1) {
        out.push_str(&format!("What “{title}” argues, in its own sentences:\n"));
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

/// A conversation turn ([`crate::conversation::dialogue`]): how a follow-up was read,
/// then the reply in words (small talk, a question asked back) or the passages, and
/// the hand-over rule's decision when it fired. The same for `ask` and `chat`.
pub fn turn(turn: &Turn, style: Style) -> String {
    let mut out = String::new();
    if let Some(read) = &turn.read_as {
        out.push_str(&paint(
            &format!(
                "Reading this as: {}\n",
                crate::render::telegram::shorten(read, QUESTION_ECHO_CHARS)
            ),
            style,
            |s| s.dimmed().to_string(),
        ));
    }
    let answer = &turn.asked.answer;
    match &turn.reply {
        Some(reply) if answer.passages.is_empty() => {
            out.push_str(reply);
            out.push('\n');
        }
        _ => {
            if let Some(reply) = &turn.reply {
                out.push_str(reply);
                out.push('\n');
            }
            out.push_str(&render(answer, style, turn.first));
        }
    }
    if turn.asked.decision.hand_over() {
        out = format!("{}\n\n→ {}", out.trim_end(), turn.asked.decision.sentence());
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
    let text = if style.color {
        styled(hit)
    } else {
        hit.text.clone()
    };
    let options = textwrap::Options::new(style.width.max(20))
        .initial_indent("    ")
        .subsequent_indent("    ");
    text.lines()
        .map(|line| textwrap::fill(line, &options))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The passage with its matched words in bold yellow and the answering
/// sentence underlined (the two can overlap, so the text is cut at every
/// edge of either).
fn styled(hit: &Hit) -> String {
    let len = hit.text.len();
    let valid = |&(s, e): &(usize, usize)| {
        s < e && e <= len && hit.text.is_char_boundary(s) && hit.text.is_char_boundary(e)
    };
    let words: Vec<(usize, usize)> = hit.highlights.iter().copied().filter(valid).collect();
    // A passage of one sentence is all answer: nothing to underline.
    let sentence = hit
        .answer_sentence
        .filter(valid)
        .filter(|&(s, e)| !hit.text[..s].trim().is_empty() || !hit.text[e..].trim().is_empty());
    let mut cuts: Vec<usize> = vec![0, len];
    for &(s, e) in words.iter().chain(sentence.iter()) {
        cuts.extend([s, e]);
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = String::with_capacity(len * 2);
    for pair in cuts.windows(2) {
        let (s, e) = (pair[0], pair[1]);
        let piece = &hit.text[s..e];
        let bold = words.iter().any(|&(ws, we)| ws <= s && e <= we);
        let under = sentence.is_some_and(|(ss, se)| ss <= s && e <= se);
        let painted = match (bold, under) {
            (true, true) => piece.bold().yellow().underline().to_string(),
            (true, false) => piece.bold().yellow().to_string(),
            (false, true) => piece.underline().to_string(),
            (false, false) => piece.to_string(),
        };
        out.push_str(&painted);
    }
    out
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

    const PLAIN: Style = Style {
        color: false,
        width: 80,
    };

    #[test]
    fn a_tie_asks_which_passage_and_an_unsure_tie_is_not_called_uncovered() {
        use crate::engine::search::{test_answer as answer, test_hit};
        let tie = || {
            vec![
                test_hit("Marketing is data-driven.", 3, 2.0, Some(0.6)),
                test_hit("Sales is personal.", 8, 1.95, Some(0.55)),
            ]
        };
        let sure = render(&answer(true, tie()), PLAIN, 1);
        assert!(
            sure.starts_with("Two passages answer this about equally well and say different things. Did you mean [1] or [2]?"),
            "{sure}"
        );
        assert!(
            sure.contains("[1] The Article · paragraph 3")
                && sure.contains("[2] The Article · paragraph 8")
        );
        let unsure = render(&answer(false, tie()), PLAIN, 1);
        assert!(unsure.starts_with("I'm not sure which part"), "{unsure}");
        assert!(!unsure.contains("do not seem to cover"), "{unsure}");
        // The next page of a tie is just passages.
        assert!(!render(&answer(true, tie()), PLAIN, 4).contains("Did you mean"));
        let lead = vec![
            test_hit("Marketing is data-driven.", 3, 2.0, Some(0.6)),
            test_hit("Sales is personal.", 8, 1.0, Some(0.55)),
        ];
        assert!(render(&answer(false, lead), PLAIN, 1).contains("do not seem to cover"));
    }

    #[test]
    fn a_question_about_the_document_leads_with_its_author_or_title_on_every_surface() {
        use crate::engine::search::{test_answer as answer, test_hit};
        let mut titled = answer(true, vec![test_hit("By Jo.", 1, 1.0, None)]);
        titled.titled = Some("Pricing <Guide>".into());
        assert!(render(&titled, PLAIN, 1).starts_with("Titled “Pricing <Guide>”.\n"));
        assert!(
            !render(&titled, PLAIN, 2).contains("Titled"),
            "only on the first page"
        );
        let blocks = crate::render::telegram::answer_blocks(&titled, 1, 500);
        assert_eq!(blocks[0], "Titled <b>Pricing &lt;Guide&gt;</b>.");
        let mut written = answer(true, vec![test_hit("By Jo.", 1, 1.0, None)]);
        written.author = Some("Jo".into());
        assert!(render(&written, PLAIN, 1).starts_with("Written by Jo.\n"));
        assert!(crate::render::explain(&titled).contains("its own title is “Pricing <Guide>”"));
    }

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
