//! Answers as Telegram HTML: pure functions, no network.
//!
//! Everything from a document or a user is HTML-escaped; the only tags are the ones
//! written here (`<b>`, `<i>`, `<blockquote>`), all allowed by Telegram's HTML parse
//! mode. [`split`] keeps every message under Telegram's 4,096-character limit, cutting
//! between passages first and, only for a passage too long on its own, between words,
//! closing and reopening tags so no part has broken HTML.

use crate::conversation::handoff::Decision;
use crate::engine::search::{Answer, Hit, IndexSummary};

/// Telegram's limit on a message's text, in UTF-16 code units after entity parsing.
pub const MESSAGE_LIMIT: usize = 4096;

/// Escapes `text` for Telegram HTML (`&`, `<`, `>`; quotes are harmless in text).
pub fn escape(text: &str) -> String {
    html_escape::encode_text(text).into_owned()
}

/// A passage's text, escaped, with its highlighted byte ranges in `<b>`.
///
/// Ranges that are out of bounds, overlapping or not on character boundaries are
/// skipped rather than trusted: the text must come out whole and valid.
pub fn passage_html(hit: &Hit) -> String {
    highlighted(&hit.text, &hit.highlights)
}

/// `text`, escaped, with the byte ranges `highlights` in `<b>`.
pub fn highlighted(text: &str, highlights: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for &(start, end) in highlights {
        let usable = start >= at
            && start < end
            && end <= text.len()
            && text.is_char_boundary(start)
            && text.is_char_boundary(end);
        if !usable {
            continue;
        }
        out.push_str(&escape(&text[at..start]));
        out.push_str("<b>");
        out.push_str(&escape(&text[start..end]));
        out.push_str("</b>");
        at = end;
    }
    out.push_str(&escape(&text[at..]));
    out
}

/// Where a passage comes from: the document title, its section and paragraph.
pub fn citation_html(hit: &Hit) -> String {
    citation(&hit.title, hit.heading.as_deref(), hit.paragraph)
}

fn citation(title: &str, heading: Option<&str>, paragraph: u32) -> String {
    let mut out = format!("— <i>{}</i>", escape(title));
    if let Some(heading) = heading.filter(|h| !h.is_empty() && *h != title) {
        out.push_str(&format!(", “{}”", escape(heading)));
    }
    out.push_str(&format!(", paragraph {paragraph}"));
    out
}

/// One passage as a block: the quote, then its citation.
pub fn passage_block(hit: &Hit) -> String {
    quote_block(&passage_html(hit), &citation_html(hit))
}

/// The top passage of an answer as a block: like [`passage_block`], with the
/// sentence that answers the question in bold as well.
pub fn top_passage_block(hit: &Hit) -> String {
    // A passage of one sentence is all answer: marking it would only hide
    // which words matched.
    let sentence = hit.answer_sentence.filter(|&(s, e)| {
        hit.text.get(..s).is_some_and(|t| !t.trim().is_empty())
            || hit.text.get(e..).is_some_and(|t| !t.trim().is_empty())
    });
    let bold = with_sentence(&hit.highlights, sentence);
    quote_block(&highlighted(&hit.text, &bold), &citation_html(hit))
}

/// The matched words' ranges with the answering sentence as one more run:
/// words inside the sentence become part of it, those outside keep theirs.
fn with_sentence(
    highlights: &[(usize, usize)],
    sentence: Option<(usize, usize)>,
) -> Vec<(usize, usize)> {
    let mut bold = highlights.to_vec();
    if let Some((start, end)) = sentence {
        bold.retain(|&(s, e)| e <= start || s >= end);
        bold.push((start, end));
        bold.sort_unstable();
    }
    bold
}

fn quote_block(quote_html: &str, citation_html: &str) -> String {
    format!("<blockquote>{quote_html}</blockquote>\n{citation_html}")
}

/// A follow-up's reading is shown up to this many characters, as the terminal's
/// `Q:` line is.
const READ_AS_CHARS: usize = 300;

/// How a follow-up was read in context, above its answer.
pub fn read_as(question: &str) -> String {
    format!(
        "<i>Reading this as: {}</i>",
        escape(&shorten(question, READ_AS_CHARS))
    )
}

/// The note shown above an answer whose question was cut short.
pub fn truncated_note(max_chars: usize) -> String {
    format!(
        "<i>Your question was long, so I used its first {} characters.</i>",
        thousands(max_chars)
    )
}

/// A confident answer as blocks (the note on a cut question, then one per passage),
/// ready for [`split`]. `first` is the 1-based number of the first passage shown.
pub fn answer_blocks(answer: &Answer, first: usize, max_question_chars: usize) -> Vec<String> {
    let mut blocks = Vec::with_capacity(answer.passages.len() + 1);
    if answer.truncated {
        blocks.push(truncated_note(max_question_chars));
    }
    if let Some(author) = answer.author.as_deref().filter(|_| first == 1) {
        blocks.push(format!("Written by <b>{}</b>.", escape(author)));
    }
    if let Some(title) = answer.titled.as_deref().filter(|_| first == 1) {
        blocks.push(format!("Titled <b>{}</b>.", escape(title)));
    }
    if let Some(title) = answer.summarized.as_deref().filter(|_| first == 1) {
        blocks.push(format!(
            "What <b>{}</b> argues, in its own sentences:",
            escape(title)
        ));
    }
    let numbered = first > 1 || answer.passages.len() > 1 || answer.more;
    for (i, hit) in answer.passages.iter().enumerate() {
        let block = if first == 1 && i == 0 {
            top_passage_block(hit)
        } else {
            passage_block(hit)
        };
        blocks.push(numbered_block(numbered.then_some(first + i), &block));
    }
    blocks
}

fn numbered_block(number: Option<usize>, block: &str) -> String {
    match number {
        Some(n) => format!("<b>{n}.</b> {block}"),
        None => block.to_owned(),
    }
}

/// The honest reply when the documents do not answer: say so, and say what they do
/// cover, with example questions. Never shows the weak passages as an answer.
pub fn not_covered(answer: &Answer, summary: &IndexSummary, examples: &[String]) -> String {
    let mut out = not_covered_body(answer, summary, examples);
    out.push_str(
        "\n\nIf it's a personal, complicated or negotiating kind of question, a person will help you better than I can.",
    );
    out
}

/// [`not_covered`] without its closing hint, for a reply that goes on with the
/// hand-over decision ([`handover_note`]).
pub fn not_covered_body(answer: &Answer, summary: &IndexSummary, examples: &[String]) -> String {
    let mut out = String::new();
    if answer.truncated {
        out.push_str(&truncated_note(crate::config::MAX_QUESTION_CHARS));
        out.push_str("\n\n");
    }
    out.push_str("I couldn't find an answer to that: ");
    out.push_str(match summary.documents.len() {
        0 => "I have no documents to read yet.",
        1 => "the article doesn't seem to cover it.",
        _ => "the documents don't seem to cover it.",
    });
    out.push_str("\n\n");
    if let Some(closest) = answer.passages.first() {
        // Shown as the terminal does: marked, never as the answer.
        out.push_str("<i>The closest passage, which is probably not an answer:</i>\n");
        out.push_str(&passage_block(closest));
        out.push_str("\n\n");
    }
    out.push_str(&covers(summary, examples));
    out
}

/// An answer whose best two passages tie ([`crate::engine::ambiguity`]): asks which
/// one the reader means, each shown by the sentence that answers best, with its
/// citation; the buttons ([`choice_label`]) show the whole passage.
pub fn did_you_mean(answer: &Answer) -> Vec<String> {
    let mut blocks = Vec::with_capacity(4);
    if answer.truncated {
        blocks.push(truncated_note(crate::config::MAX_QUESTION_CHARS));
    }
    blocks.push(
        if answer.confident {
            "Two passages answer this about equally well, and they say different things. Did you mean:"
        } else {
            "I'm not sure which part of the text you mean. Did you mean:"
        }
        .to_owned(),
    );
    for (i, hit) in answer.passages.iter().take(2).enumerate() {
        let quote = quote_block(&escape(&gist(hit, 400)), &citation_html(hit));
        blocks.push(numbered_block(Some(i + 1), &quote));
    }
    blocks.push("<i>Press 1 or 2 below to read the whole passage.</i>".to_owned());
    blocks
}

/// The button that shows choice `number` of [`did_you_mean`].
pub fn choice_label(number: usize, hit: &Hit) -> String {
    format!("{number}. {}", shorten(&gist(hit, 200), 40))
}

/// What a passage says in brief: the sentence that answers the question (or the
/// passage's opening), at most `max_chars` characters.
fn gist(hit: &Hit, max_chars: usize) -> String {
    let sentence = hit
        .answer_sentence
        .and_then(|(s, e)| hit.text.get(s..e))
        .filter(|s| !s.trim().is_empty());
    shorten(sentence.unwrap_or(&hit.text), max_chars)
}

/// The hand-over decision under an answer: why a person would serve this question
/// better, and what the person can do about it.
pub fn handover_note(decision: &Decision, operator_available: bool) -> String {
    let next = if operator_available {
        "Press <b>Ask a person</b> below and I'll pass it on to one."
    } else {
        "No person is available right now, but I've noted your question so the team can look at it."
    };
    format!("<i>{}</i>\n{next}", escape(&decision.sentence()))
}

/// A ticket as the operators see it: who asked, the question, why a person, and the
/// bot's best passages with their confidence. Blocks, ready for [`split`].
pub fn ticket_blocks(
    ticket: i64,
    person_html: &str,
    question: &str,
    why: &str,
    answer: &Answer,
) -> Vec<String> {
    let mut blocks = vec![format!(
        "🎫 <b>Ticket #{ticket}</b> — from {person_html}\n<b>Question:</b> <i>{}</i>\n<b>Why a person:</b> {}",
        escape(&shorten(question, 1500)),
        escape(why)
    )];
    let c = &answer.confidence;
    if answer.passages.is_empty() {
        blocks.push("<b>My best passages:</b> none matched.".to_owned());
    } else {
        blocks.push(format!(
            "<b>My best passages</b> (confidence {:.0}%; I answer from {:.0}%{}):",
            c.coverage * 100.0,
            c.threshold * 100.0,
            if answer.confident {
                ""
            } else {
                ", so not shown to the person"
            }
        ));
        for (i, hit) in answer.passages.iter().enumerate() {
            let quote = escape(&shorten(&hit.text, 600));
            blocks.push(format!(
                "<b>{}.</b> {}",
                i + 1,
                quote_block(&quote, &citation_html(hit))
            ));
        }
    }
    blocks.push(format!(
        "<i>Reply to this message to answer the person; /close {ticket} when you're done.</i>"
    ));
    blocks
}

/// A person as the operators see them: "Ada Lovelace (@ada)", escaped.
pub fn person_label(name: &str, username: Option<&str>) -> String {
    match username {
        Some(u) => format!("{} (@{})", escape(name), escape(u)),
        None => escape(name),
    }
}

/// A person's message while their ticket is open, for the operators.
pub fn follow_up(ticket: i64, person_html: &str, text: &str) -> String {
    format!(
        "🎫 <b>#{ticket}</b> · {person_html} writes:\n\n{}",
        escape(text)
    )
}

/// An operator's reply, as the person receives it.
pub fn relayed_reply(ticket: i64, text: &str) -> String {
    format!(
        "💬 <b>A person replies</b> (ticket #{ticket}):\n\n{}",
        escape(text)
    )
}

/// For the operators: the person closed their conversation.
pub fn closed_by_person(ticket: i64, person_html: &str) -> String {
    format!("🎫 <b>#{ticket}</b> · {person_html} closed the conversation.")
}

/// For the operators: an open ticket was erased by `/forget`.
pub fn erased(ticket: i64) -> String {
    format!(
        "🎫 <b>#{ticket}</b> was erased at the person's request (/forget); replies to it go nowhere now."
    )
}

/// One line of the `/tickets` list, in words.
pub struct TicketLine<'a> {
    pub id: i64,
    /// When it was opened ("just now", "5m ago").
    pub age: String,
    /// "answered", "waiting for a reply", "not delivered: …".
    pub state: String,
    pub question: &'a str,
}

/// `/tickets`: the open tickets, for operators.
pub fn open_tickets(lines: &[TicketLine<'_>]) -> String {
    if lines.is_empty() {
        return "No open tickets.".to_owned();
    }
    let mut out = format!("<b>Open tickets</b> ({})", lines.len());
    for t in lines {
        out.push_str(&format!(
            "\n• <b>#{}</b> · {} · {} · <i>{}</i>",
            t.id,
            t.age,
            escape(&t.state),
            escape(&shorten(t.question, 80))
        ));
    }
    out.push_str("\n\nReply to a ticket's message to answer; /close N closes ticket N.");
    out
}

/// An inline-mode result: the question and passage `index` of `answer`, as one message.
pub fn passage_message(answer: &Answer, index: usize) -> Option<String> {
    let hit = answer.passages.get(index)?;
    let html = format!(
        "<i>{}</i>\n\n{}",
        escape(&shorten(&answer.question, 200)),
        passage_block(hit)
    );
    split(&[html], MESSAGE_LIMIT).into_iter().next()
}

/// What the documents cover: titles and example questions.
pub fn covers(summary: &IndexSummary, examples: &[String]) -> String {
    let mut out = String::new();
    if !summary.documents.is_empty() {
        out.push_str("What I can answer from:");
        for doc in summary.documents.iter().take(10) {
            out.push_str(&format!("\n• <i>{}</i>", escape(&doc.title)));
        }
        if summary.documents.len() > 10 {
            out.push_str(&format!("\n• … and {} more", summary.documents.len() - 10));
        }
    }
    if !examples.is_empty() {
        out.push_str("\n\nYou could ask, for example:");
        for q in examples {
            out.push_str(&format!("\n• {}", escape(q)));
        }
    }
    out
}

/// The `/start` greeting.
pub fn greeting(summary: &IndexSummary, examples: &[String]) -> String {
    format!(
        "Hello! Ask me a question and I'll answer with the passages of the text that fit best, quoted word for word, with the matching words in <b>bold</b>.\n\n{}\n\nI say so when the text doesn't cover a question. /help lists what else I do.",
        covers(summary, examples)
    )
}

/// `/about`: what the index holds and when it was built.
pub fn about(summary: &IndexSummary) -> String {
    let mut out = String::from("<b>What I know</b>");
    for doc in &summary.documents {
        let by = doc
            .author
            .as_deref()
            .map(|a| format!(" by {}", escape(a)))
            .unwrap_or_default();
        out.push_str(&format!(
            "\n• <i>{}</i>{by} — {} passage{} ({})",
            escape(&doc.title),
            doc.passages,
            if doc.passages == 1 { "" } else { "s" },
            escape(&doc.source)
        ));
    }
    if summary.documents.is_empty() {
        out.push_str("\nNo documents yet.");
    }
    out.push_str(&format!(
        "\n\n{} passage{} in all; index built {}; passagebot {}.",
        summary.passages,
        if summary.passages == 1 { "" } else { "s" },
        escape(&summary.built_at),
        escape(&summary.version)
    ));
    out
}

/// `/why`: the explanation of an answer (plain text from [`crate::render::explain`]).
pub fn why(question: &str, explanation: &str) -> String {
    format!(
        "<b>Why this answer?</b>\nQuestion: <i>{}</i>\n\n{}",
        escape(&shorten(question, 200)),
        escape(explanation)
    )
}

/// A short plain-text preview of a passage (inline results' descriptions).
pub fn preview(text: &str, max_chars: usize) -> String {
    shorten(text, max_chars)
}

/// `text` cut to at most `max_chars` characters at a word boundary, with "…" if cut.
pub fn shorten(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > cut.len() / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end())
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------
// Group digests: several short answers in one message, when questions pile up in a
// group faster than Telegram lets a bot post there (about 20 messages a minute).

/// How long the quote in a digest entry may be, in characters.
pub const BRIEF_QUOTE_CHARS: usize = 220;
/// How much of the question a digest entry repeats, in characters.
const BRIEF_QUESTION_CHARS: usize = 80;
/// A digest stays this far under [`MESSAGE_LIMIT`], for the separators.
const DIGEST_LIMIT: usize = MESSAGE_LIMIT - 96;

/// A mention that notifies the person: their name linked to their Telegram account.
pub fn mention(person_id: u64, name: &str) -> String {
    let name = if name.trim().is_empty() { "you" } else { name };
    format!(
        "<a href=\"tg://user?id={person_id}\">{}</a>",
        escape(&shorten(name, 32))
    )
}

/// The short form of an answer for a group digest: the asker (mentioned), their
/// question, the sentence of the top passage that answers it (shortened) and its
/// source; or, when the documents do not cover it, one line saying so. `person_hint`
/// adds that a person may serve the question better.
pub fn brief(
    mention_html: &str,
    question: &str,
    answer: &Answer,
    covered: bool,
    person_hint: bool,
) -> String {
    let mut out = format!(
        "{mention_html}: <i>{}</i>\n",
        escape(&shorten(question, BRIEF_QUESTION_CHARS))
    );
    match answer.passages.first().filter(|_| covered) {
        Some(hit) => {
            let (start, end) = hit
                .answer_sentence
                .filter(|&(s, e)| s < e && hit.text.get(s..e).is_some())
                .unwrap_or((0, hit.text.len()));
            let quote = shorten(&hit.text[start..end], BRIEF_QUOTE_CHARS);
            out.push_str(&format!(
                "<blockquote>{}</blockquote>\n{}",
                escape(&quote),
                citation_html(hit)
            ));
        }
        None => out.push_str("I couldn't find an answer to that in what I have read."),
    }
    if person_hint {
        out.push_str("\n<i>A person may answer this better: ask me in a private chat.</i>");
    }
    out
}

/// How many of `briefs` (from the first) fit in one digest message.
pub fn digest_fits(briefs: &[&str]) -> usize {
    let mut used = 0;
    for (i, b) in briefs.iter().enumerate() {
        used += visible_len(b) + 2;
        if used > DIGEST_LIMIT {
            return i.max(1);
        }
    }
    briefs.len()
}

/// Several short answers as one message (see [`digest_fits`] for how many fit).
pub fn digest(briefs: &[&str]) -> String {
    briefs.join("\n\n")
}

/// The label of a digest entry's button that shows the whole answer.
pub fn full_answer_label(name: &str) -> String {
    format!("More for {}", shorten(name, 24))
}

/// The note for people whose questions came while the group's queue was full:
/// `mentions` (at most a few dozen), and how many others.
pub fn busy_note(mentions: &[String], others: usize) -> String {
    let mut who = mentions.join(", ");
    if others > 0 {
        who.push_str(&format!(" and {others} more"));
    }
    format!(
        "{who}: lots of questions here at once, and Telegram lets me post only so often in a group. Please ask again in a minute, or ask me in a private chat, where I answer at once."
    )
}

// ---------------------------------------------------------------------------------------
// Splitting.

/// How many characters Telegram counts for this HTML: tags are free, an entity is one
/// character, everything in UTF-16 code units.
pub fn visible_len(html: &str) -> usize {
    tokens(html)
        .map(|t| match t {
            Token::Text(s) => s.encode_utf16().count(),
            Token::Entity(e) => decode_entity(e).map_or(1, char::len_utf16),
            Token::Open { .. } | Token::Close(_) => 0,
        })
        .sum()
}

/// Packs `blocks` into messages of at most `limit` visible characters, joined by a
/// blank line. Blocks stay whole when they fit; a block longer than `limit` is cut
/// between words (or, for one enormous word, anywhere) with its tags closed at the end
/// of one part and reopened at the start of the next.
pub fn split(blocks: &[String], limit: usize) -> Vec<String> {
    const SEP: &str = "\n\n";
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0;
    for block in blocks {
        let len = visible_len(block);
        let pieces = if len > limit {
            split_block(block, limit)
        } else {
            vec![block.clone()]
        };
        for piece in pieces {
            let len = visible_len(&piece);
            let joined = if cur.is_empty() {
                len
            } else {
                cur_len + 2 + len
            };
            if joined <= limit {
                if !cur.is_empty() {
                    cur.push_str(SEP);
                }
                cur.push_str(&piece);
                cur_len = joined;
            } else {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                cur = piece;
                cur_len = len;
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token<'a> {
    /// `<name ...>`: the whole tag and its name.
    Open { tag: &'a str, name: &'a str },
    /// `</name>`
    Close(&'a str),
    /// `&...;`, without `&` and `;`
    Entity(&'a str),
    /// Plain text without `<` or `&`.
    Text(&'a str),
}

/// Tokens of HTML written by this module (well formed by construction). Anything
/// unexpected — a `<` without `>`, an `&` without `;` — is treated as text.
fn tokens(html: &str) -> impl Iterator<Item = Token<'_>> {
    let mut rest = html;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (token, len) = if rest.starts_with('<') {
            match rest.find('>') {
                Some(end) => {
                    let inner = &rest[1..end];
                    let token = match inner.strip_prefix('/') {
                        Some(name) => Token::Close(name),
                        None => {
                            let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
                            Token::Open {
                                tag: &rest[..=end],
                                name: &inner[..name_end],
                            }
                        }
                    };
                    (token, end + 1)
                }
                None => (Token::Text(&rest[..1]), 1),
            }
        } else if rest.starts_with('&') {
            match rest.find(';').filter(|&e| e <= 10) {
                Some(end) => (Token::Entity(&rest[1..end]), end + 1),
                None => (Token::Text(&rest[..1]), 1),
            }
        } else {
            let end = rest.find(['<', '&']).unwrap_or(rest.len());
            (Token::Text(&rest[..end]), end)
        };
        rest = &rest[len..];
        Some(token)
    })
}

fn decode_entity(entity: &str) -> Option<char> {
    match entity {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        _ => {
            let n = match entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
            {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => entity.strip_prefix('#').and_then(|d| d.parse().ok()),
            };
            n.and_then(char::from_u32)
        }
    }
}

/// Cuts one over-long block into parts of at most `limit` visible characters.
fn split_block(html: &str, limit: usize) -> Vec<String> {
    // Leave room so that a part never ends up over the limit; tags cost nothing.
    let limit = limit.max(1);
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0usize;
    // Open tags in `cur` at this point, outermost first.
    let mut open: Vec<(&str, &str)> = Vec::new();
    // The last place in `cur` after a whitespace: (byte index, open tags there).
    let mut cut: Option<(usize, Vec<(&str, &str)>)> = None;

    // Text tokens are fed character by character so a cut can fall anywhere.
    let mut units: Vec<Token<'_>> = Vec::new();
    for t in tokens(html) {
        match t {
            Token::Text(s) => {
                let mut start = 0;
                for (i, c) in s.char_indices() {
                    let end = i + c.len_utf8();
                    units.push(Token::Text(&s[start..end]));
                    start = end;
                }
            }
            other => units.push(other),
        }
    }

    for unit in units {
        let (width, is_space) = match unit {
            Token::Text(s) => (s.encode_utf16().count(), s.chars().all(char::is_whitespace)),
            Token::Entity(e) => (decode_entity(e).map_or(1, char::len_utf16), false),
            _ => (0, false),
        };
        if width > 0 && cur_len + width > limit {
            // Cut at the last whitespace if there is one and the words after it
            // leave room for this unit, else right here. (Without the room
            // check, a tail of `limit - 1` characters and a unit two UTF-16
            // units wide, an emoji, made a part one character over the limit.)
            let (at, tags) = match cut.take() {
                Some((at, tags))
                    if at > 0
                        && visible_len(cur[at..].trim_start_matches(char::is_whitespace))
                            + width
                            <= limit =>
                {
                    (at, tags)
                }
                _ => (cur.len(), open.clone()),
            };
            let tail = cur.split_off(at);
            let mut part = std::mem::take(&mut cur);
            for (_, name) in tags.iter().rev() {
                part.push_str(&format!("</{name}>"));
            }
            if visible_len(&part) > 0 {
                parts.push(part);
            }
            for (tag, _) in &tags {
                cur.push_str(tag);
            }
            cur.push_str(tail.trim_start_matches(char::is_whitespace));
            cur_len = visible_len(&cur);
        }
        match unit {
            Token::Open { tag, name } => {
                cur.push_str(tag);
                open.push((tag, name));
            }
            Token::Close(name) => {
                cur.push_str(&format!("</{name}>"));
                if let Some(pos) = open.iter().rposition(|(_, n)| *n == name) {
                    open.truncate(pos);
                }
            }
            Token::Entity(e) => {
                cur.push('&');
                cur.push_str(e);
                cur.push(';');
                cur_len += width;
            }
            Token::Text(s) => {
                cur.push_str(s);
                cur_len += width;
                if is_space {
                    cut = Some((cur.len(), open.clone()));
                }
            }
        }
    }
    if visible_len(&cur) > 0 {
        parts.push(cur);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::search::DocSummary;

    const TITLE: &str = "What's the Difference Between Sales and Marketing?";

    fn block(text: &str, highlights: &[(usize, usize)]) -> String {
        quote_block(&highlighted(text, highlights), &citation(TITLE, None, 3))
    }

    #[test]
    fn the_answering_sentence_is_one_bold_run_and_words_outside_keep_theirs() {
        let text = "Sales is direct. Marketing uses big data. Both matter.";
        let bold = with_sentence(&[(0, 5), (27, 30), (47, 51)], Some((17, 41)));
        assert_eq!(bold, vec![(0, 5), (17, 41), (47, 51)]);
        assert_eq!(
            highlighted(text, &bold),
            "<b>Sales</b> is direct. <b>Marketing uses big data.</b> Both <b>matt</b>er."
        );
        assert_eq!(with_sentence(&[(0, 5)], None), vec![(0, 5)]);
    }

    fn summary() -> IndexSummary {
        IndexSummary {
            documents: vec![DocSummary {
                title: "What's the Difference Between Sales & Marketing?".into(),
                source: "corpus/sales-vs-marketing.md".into(),
                author: Some("Joe Candido".into()),
                passages: 42,
                summary: Vec::new(),
            }],
            passages: 42,
            built_at: "2025-01-01T00:00:00Z".into(),
            version: "0.1.0".into(),
            examples: Vec::new(),
        }
    }

    fn answer() -> Answer {
        Answer {
            confident: true,
            ..Answer::empty("q")
        }
    }

    #[test]
    fn digest_entries_mention_the_asker_and_a_digest_fits_one_message() {
        let who = mention(42, "Ann <script>");
        assert_eq!(who, "<a href=\"tg://user?id=42\">Ann &lt;script&gt;</a>");
        let entry = brief(&who, "what & why?", &answer(), false, true);
        assert!(entry.starts_with(&format!("{who}: <i>what &amp; why?</i>\n")));
        assert!(entry.contains("couldn't find") && entry.contains("private chat"));
        let long = format!("{who}: {}", "word ".repeat(600));
        let entries: Vec<&str> = std::iter::repeat_n(long.as_str(), 10).collect();
        let n = digest_fits(&entries);
        assert!((1..10).contains(&n), "{n}");
        assert!(visible_len(&digest(&entries[..n])) <= MESSAGE_LIMIT);
        assert_eq!(digest_fits(&[entry.as_str(), entry.as_str()]), 2);
    }

    /// A minimal check of Telegram's HTML rules: balanced known tags, escaped text.
    fn assert_valid_html(html: &str) {
        let mut stack = Vec::new();
        for t in tokens(html) {
            match t {
                Token::Open { name, .. } => {
                    assert!(
                        ["b", "i", "blockquote"].contains(&name),
                        "tag {name} in {html}"
                    );
                    stack.push(name);
                }
                Token::Close(name) => assert_eq!(stack.pop(), Some(name), "in {html}"),
                Token::Entity(e) => assert!(decode_entity(e).is_some(), "&{e}; in {html}"),
                Token::Text(s) => assert!(!s.contains(['<', '>', '&']), "{s:?} in {html}"),
            }
        }
        assert!(stack.is_empty(), "unclosed {stack:?} in {html}");
    }

    #[test]
    fn passage_is_quoted_verbatim_escaped_with_matches_in_bold() {
        let text = "Sales <closes> deals & marketing \"creates\" leads";
        let html = highlighted(text, &[(0, 5), (23, 32)]);
        assert_eq!(
            html,
            "<b>Sales</b> &lt;closes&gt; deals &amp; <b>marketing</b> \"creates\" leads"
        );
        assert_valid_html(&html);
    }

    #[test]
    fn bad_highlight_ranges_are_ignored_not_trusted() {
        let text = "café au lait";
        // (2, 6) overlaps; (4, 4) is empty and inside "é"; (100, 200) is out of range.
        let html = highlighted(text, &[(0, 3), (2, 6), (4, 4), (6, 8), (100, 200)]);
        assert_eq!(html, "<b>caf</b>é <b>au</b> lait");
    }

    #[test]
    fn passage_block_cites_title_and_paragraph() {
        let block = block("Marketing is data-driven.", &[]);
        assert!(block.starts_with("<blockquote>Marketing is data-driven.</blockquote>\n"));
        assert!(
            block.ends_with(
                "— <i>What's the Difference Between Sales and Marketing?</i>, paragraph 3"
            )
        );
        assert_valid_html(&block);
    }

    #[test]
    fn did_you_mean_shows_each_answering_sentence_cited_with_short_button_labels() {
        use crate::engine::search::test_hit;
        let mut a = answer();
        let text = "Sales is personal. Marketing <uses> big data from many sources, every day of the week.";
        let mut first = test_hit(text, 5, 2.0, Some(0.6));
        first.answer_sentence = Some((19, text.len()));
        a.passages = vec![first, test_hit("Sales & co.", 9, 1.9, Some(0.55))];
        let blocks = did_you_mean(&a);
        assert!(blocks[0].ends_with("Did you mean:"), "{blocks:?}");
        assert!(blocks[1].starts_with("<b>1.</b> <blockquote>Marketing &lt;uses&gt; big data"));
        assert!(blocks[1].ends_with("paragraph 5") && blocks[2].ends_with("paragraph 9"));
        assert!(blocks[2].contains("Sales &amp; co."));
        for block in &blocks {
            assert_valid_html(block);
        }
        let label = choice_label(1, &a.passages[0]);
        assert!(
            label.starts_with("1. Marketing <uses>") && label.ends_with('…'),
            "{label}"
        );
        assert!(label.chars().count() <= 43, "{label}");
        a.confident = false;
        assert!(did_you_mean(&a)[0].starts_with("I'm not sure which part"));
    }

    #[test]
    fn answer_blocks_note_a_cut_question_and_number_passages() {
        let mut a = answer();
        a.truncated = true;
        let blocks = answer_blocks(&a, 1, 1000);
        assert_eq!(blocks.len(), 1);
        assert!(blocks[0].contains("first 1,000 characters"));
        assert_eq!(numbered_block(Some(3), "x"), "<b>3.</b> x");
        assert_eq!(numbered_block(None, "x"), "x");
    }

    #[test]
    fn not_covered_says_so_and_offers_titles_and_examples_without_passages() {
        let mut a = answer();
        a.confident = false;
        let html = not_covered(&a, &summary(), &["Is marketing data-driven?".into()]);
        assert!(html.contains("doesn't seem to cover it"));
        assert!(html.contains("Sales &amp; Marketing"));
        assert!(html.contains("Is marketing data-driven?"));
        // With no passage at all there is no closest one to show.
        assert!(!html.contains("closest passage"));
        assert_valid_html(&html);
    }

    #[test]
    fn about_greeting_and_why_are_valid_html() {
        for html in [
            about(&summary()),
            greeting(&summary(), &["a < b?".into()]),
            why("<script>", "weights & <stuff>"),
        ] {
            assert_valid_html(&html);
        }
        assert!(about(&summary()).contains("42 passages"));
    }

    #[test]
    fn visible_len_counts_what_telegram_counts() {
        assert_eq!(visible_len("<b>ab</b>&amp;<i>c</i>"), 4);
        assert_eq!(visible_len("😀"), 2); // one astral char = two UTF-16 units
        assert_eq!(visible_len("&#128512;"), 2);
    }

    /// The text a person sees: tags left out, entities decoded.
    fn visible_text(html: &str) -> String {
        tokens(html)
            .filter_map(|t| match t {
                Token::Text(s) => Some(s.to_owned()),
                Token::Entity(e) => decode_entity(e).map(String::from),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn split_keeps_blocks_whole_and_messages_under_the_limit() {
        let blocks: Vec<String> = (0..10)
            .map(|i| format!("<b>{i}</b> {}", "x".repeat(95)))
            .collect();
        let parts = split(&blocks, 300);
        assert!(parts.len() > 1);
        for p in &parts {
            assert!(visible_len(p) <= 300, "{}", visible_len(p));
            assert_valid_html(p);
        }
        // Every block appears exactly once and whole.
        let joined = parts.join("\n\n");
        for b in &blocks {
            assert_eq!(joined.matches(b.as_str()).count(), 1);
        }
    }

    #[test]
    fn split_cuts_an_enormous_passage_between_words_never_inside_a_tag() {
        let words: Vec<String> = (0..2000).map(|i| format!("w{i}")).collect();
        let text = words.join(" ");
        let highlights: Vec<(usize, usize)> = text
            .match_indices("w1")
            .map(|(i, m)| (i, i + m.len()))
            .collect();
        let block = block(&format!("{text} & <done>"), &highlights);
        let parts = split(std::slice::from_ref(&block), MESSAGE_LIMIT);
        assert!(parts.len() >= 3, "{}", parts.len());
        for p in &parts {
            assert!(visible_len(p) <= MESSAGE_LIMIT);
            assert_valid_html(p);
            assert!(p.starts_with("<blockquote>") || p.starts_with("— "));
        }
        // No word lost or broken: the visible words, in order, are the original ones.
        let visible: String = parts
            .iter()
            .map(|p| visible_text(p))
            .collect::<Vec<_>>()
            .join(" ");
        let expected: Vec<&str> = text.split_whitespace().collect();
        let got: Vec<&str> = visible.split_whitespace().collect();
        assert_eq!(&got[..expected.len()], &expected[..]);
    }

    #[test]
    fn split_cuts_one_enormous_word_anywhere_but_keeps_entities_whole() {
        let block = format!("<b>{}</b>", "&amp;".repeat(5000));
        let parts = split(&[block], MESSAGE_LIMIT);
        assert_eq!(parts.len(), 2);
        for p in &parts {
            assert!(visible_len(p) <= MESSAGE_LIMIT);
            assert_valid_html(p);
        }
    }

    /// Found by fuzzing (`FUZZ_SEED=14 FUZZ_ONLY=telegram FUZZ_SMALL_LIMITS=1`):
    /// a cut at the last space left `limit - 1` characters after it, and the
    /// emoji that did not fit (two UTF-16 units) was added to them, one over.
    #[test]
    fn split_never_exceeds_small_limits_when_a_wide_character_follows_a_long_word() {
        for limit in 4..120 {
            let blocks = [
                format!(" {}\u{1F600}", "b".repeat(limit - 1)),
                format!(
                    "<b>{}</b> {}\u{1F600} tail",
                    "a".repeat(limit),
                    "c".repeat(limit - 1)
                ),
                format!("x {}&#128512; y", "d".repeat(limit - 2)),
            ];
            for block in &blocks {
                let parts = split(std::slice::from_ref(block), limit);
                for p in &parts {
                    assert!(
                        visible_len(p) <= limit,
                        "{} > {limit} in {p:?}",
                        visible_len(p)
                    );
                    assert_valid_html(p);
                }
                // Nothing lost: the visible characters, spaces aside, are the block's.
                let strip = |s: &str| -> String { visible_text(s).split_whitespace().collect() };
                let got: String = parts.iter().map(|p| strip(p)).collect();
                assert_eq!(got, strip(block), "limit {limit}");
            }
        }
    }

    #[test]
    fn shorten_cuts_at_a_word_with_an_ellipsis() {
        assert_eq!(shorten("short", 10), "short");
        assert_eq!(shorten("one two three four", 12), "one two…");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
