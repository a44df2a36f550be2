//! Sentence boundaries in clean paragraph text.
//!
//! A hand-written splitter rather than Unicode's (UAX #29) rules, because those
//! break after every "Dr." and "U.S."; here a boundary is a terminator (. ! ? …),
//! then any closing quotes or brackets, then white space, then something that
//! can start a sentence. A line break is always a boundary (list items).
//! When unsure it does not cut: two sentences in one passage are harmless, a
//! sentence cut in half is not.

use std::ops::Range;

/// Abbreviations after which a period does not end the sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "inc", "ltd", "co", "corp",
    "dept", "fig", "approx", "gen", "gov", "sen", "rep", "rev", "hon", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "est", "cf", "al", "ca", "vol", "pp",
];

const TERMINATORS: &[char] = &['.', '!', '?', '…'];
const CLOSERS: &[char] = &['"', '\'', '”', '’', ')', ']', '»', '›'];

/// Byte ranges of the sentences of `text`, trimmed of surrounding white space.
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        split_line(line, line_start, &mut out);
        line_start += line.len();
    }
    out
}

fn split_line(line: &str, base: usize, out: &mut Vec<Range<usize>>) {
    // Walks byte offsets rather than collecting the line's chars: a line can
    // be megabytes long, and a Vec of (offset, char) costs 16 bytes a char.
    let mut start = 0;
    let mut at = 0;
    while let Some(c) = line[at..].chars().next() {
        let after = at + c.len_utf8();
        if !TERMINATORS.contains(&c) {
            at = after;
            continue;
        }
        // Swallow runs like "?!" or "..." and closing quotes/brackets.
        let run = skip_while(line, after, TERMINATORS);
        let end = skip_while(line, run, CLOSERS);
        let tail = &line[end..];
        let followed_by_space = tail.chars().next().is_none_or(char::is_whitespace);
        let next = tail.chars().find(|n| !n.is_whitespace());
        let is_boundary = followed_by_space
            && next.is_none_or(can_start_sentence)
            && !(c == '.' && end == after && is_abbreviation(&line[..at]));
        if is_boundary {
            push_trimmed(line, base, start..end, out);
            start = end;
        }
        at = end;
    }
    push_trimmed(line, base, start..line.len(), out);
}

/// The offset of the first char at or after `from` that is not in `set`.
fn skip_while(line: &str, from: usize, set: &[char]) -> usize {
    line[from..]
        .find(|c: char| !set.contains(&c))
        .map_or(line.len(), |i| from + i)
}

fn can_start_sentence(c: char) -> bool {
    c.is_uppercase()
        || c.is_numeric()
        || matches!(
            c,
            '"' | '\'' | '“' | '‘' | '(' | '[' | '«' | '¿' | '¡' | '-' | '–' | '—'
        )
        || !c.is_alphabetic() && !c.is_ascii_punctuation()
}

/// Whether the word ending right before a period is an abbreviation or an initial.
fn is_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(|c: char| c.is_whitespace() || matches!(c, '(' | '"' | '“' | '‘' | '['))
        .next()
        .unwrap_or_default();
    let lower = word.to_lowercase();
    let letters = lower.chars().filter(|c| c.is_alphabetic()).count();
    // "J." (an initial), "e.g." / "U.S." (dots inside), or a listed abbreviation.
    (letters == 1 && lower.chars().count() == 1)
        || (lower.contains('.') && letters <= 4)
        || ABBREVIATIONS.contains(&lower.as_str())
}

fn push_trimmed(line: &str, base: usize, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let piece = &line[range.clone()];
    let lead = piece.len() - piece.trim_start().len();
    let trimmed = piece.trim();
    if !trimmed.is_empty() {
        let s = base + range.start + lead;
        out.push(s..s + trimmed.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        sentences(text).into_iter().map(|r| &text[r]).collect()
    }

    /// The splitter as it was before it stopped collecting chars (issue 14):
    /// the rewrite must cut exactly where it did.
    pub(crate) fn sentences_before(text: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut line_start = 0;
        for line in text.split_inclusive('\n') {
            let chars: Vec<(usize, char)> = line.char_indices().collect();
            let mut start = 0;
            let mut i = 0;
            while i < chars.len() {
                let (at, c) = chars[i];
                if !TERMINATORS.contains(&c) {
                    i += 1;
                    continue;
                }
                let mut j = i + 1;
                while j < chars.len() && TERMINATORS.contains(&chars[j].1) {
                    j += 1;
                }
                while j < chars.len() && CLOSERS.contains(&chars[j].1) {
                    j += 1;
                }
                let end = chars.get(j).map_or(line.len(), |&(b, _)| b);
                let followed_by_space = chars.get(j).is_none_or(|&(_, n)| n.is_whitespace());
                let next = chars[j..]
                    .iter()
                    .map(|&(_, n)| n)
                    .find(|n| !n.is_whitespace());
                let is_boundary = followed_by_space
                    && next.is_none_or(can_start_sentence)
                    && !(c == '.' && j == i + 1 && is_abbreviation(&line[..at]));
                if is_boundary {
                    push_trimmed(line, line_start, start..end, &mut out);
                    start = end;
                }
                i = j.max(i + 1);
            }
            push_trimmed(line, line_start, start..line.len(), &mut out);
            line_start += line.len();
        }
        out
    }

    #[test]
    fn cuts_exactly_where_the_char_collecting_splitter_did() {
        let samples = [
            "One. Two! Three? Four",
            "Use tools, e.g. CRM systems. Dr. Smith met the U.S. Army. Then J. Doe left.",
            "He said “stop.” Then “big data.” She left (quietly.) Done.",
            "Wait...  What?! “Yes.”) no. 3. 4.5 é. É… ’Tis.\nnext line. A",
            ". . .. ?! a.B. C.\n\n\n.”  “",
            "",
        ];
        for s in samples {
            assert_eq!(sentences(s), sentences_before(s), "{s:?}");
        }
    }

    #[test]
    fn plain_sentences() {
        assert_eq!(
            split("One. Two! Three? Four"),
            vec!["One.", "Two!", "Three?", "Four"]
        );
    }

    #[test]
    fn abbreviations_do_not_end_sentences() {
        assert_eq!(
            split("Use tools, e.g. CRM systems. Dr. Smith met the U.S. Army. Then J. Doe left."),
            vec![
                "Use tools, e.g. CRM systems.",
                "Dr. Smith met the U.S. Army.",
                "Then J. Doe left."
            ]
        );
    }

    #[test]
    fn etc_at_the_end_of_a_sentence_still_ends_it() {
        assert_eq!(
            split("Think about ads, websites, etc. They are all designed to reach many."),
            vec![
                "Think about ads, websites, etc.",
                "They are all designed to reach many."
            ]
        );
    }

    #[test]
    fn closing_quotes_stay_with_their_sentence() {
        assert_eq!(
            split("He said “stop.” Then “big data.” She left (quietly.) Done."),
            vec![
                "He said “stop.”",
                "Then “big data.”",
                "She left (quietly.)",
                "Done."
            ]
        );
        assert_eq!(
            split("“Why?” she asked. Fine."),
            vec!["“Why?” she asked.", "Fine."]
        );
    }

    #[test]
    fn unicode_punctuation_and_dashes() {
        assert_eq!(
            split("Sales – and marketing — agree… Really’s fine. ’Tis so."),
            vec![
                "Sales – and marketing — agree…",
                "Really’s fine.",
                "’Tis so."
            ]
        );
    }

    #[test]
    fn decimals_and_lowercase_continuations_do_not_split() {
        assert_eq!(
            split("It grew 3.5 percent. ok. Next."),
            vec!["It grew 3.5 percent. ok.", "Next."]
        );
    }

    #[test]
    fn line_breaks_are_boundaries() {
        assert_eq!(
            split("first item\nsecond item"),
            vec!["first item", "second item"]
        );
    }
}
