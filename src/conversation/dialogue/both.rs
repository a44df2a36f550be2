//! "What do they have in common?", "should we think of them as rivals?": asked of an
//! article titled "What's the Difference Between Sales and Marketing?", *they* are
//! sales and marketing, as they would be to anyone holding the article. A question
//! that stands alone, names neither side, and speaks of two things ("they", "them",
//! "both", "the two", "these two") is read with the two sides its document's title
//! compares ([`compared::sides_of_title`]: "the difference between A and B", "A vs
//! B"); the reading is shown ("Reading this as: …").
//!
//! Only the first such word is read so. "They" and "them" are left alone when a
//! plural noun comes before them, which is then what they stand for ("When
//! customers call, do they get a machine?").

use crate::engine::lacks::compared;

/// Words of more than one thing, longest first; each is replaced by "A and B".
const PHRASES: &[&[&str]] = &[
    &["the", "both", "of", "them"],
    &["the", "two", "of", "them"],
    &["both", "of", "them"],
    &["these", "two"],
    &["those", "two"],
    &["the", "two"],
    &["both"],
    &["they"],
    &["them"],
];

/// Words ending in "s" that are no plural noun a "they" could stand for.
const NOT_PLURAL: &[&str] = &[
    "is", "was", "has", "does", "this", "its", "his", "hers", "yours", "ours", "us", "as", "less",
    "unless", "thus", "plus", "always", "perhaps", "whereas", "yes", "s", "across", "process",
    "business", "says", "seems", "means", "goes", "makes", "gets", "takes", "needs", "wants",
    "uses", "helps", "works", "tells", "thinks", "believes", "focus", "focuses", "analysis",
];

/// `question` read with the two sides `title` compares, when it speaks of two
/// things and names neither.
pub fn read(question: &str, title: &str) -> Option<String> {
    let (a, b) = compared::sides_of_title(title)?;
    let words = words_at(question);
    let lower: Vec<String> = words
        .iter()
        .map(|&(s, e)| question[s..e].to_lowercase())
        .collect();
    if lower.iter().any(|w| names_side(w, &a) || names_side(w, &b)) {
        return None;
    }
    let (start, len) = (0..lower.len()).find_map(|i| {
        PHRASES.iter().find_map(|phrase| {
            let fits = lower.len() >= i + phrase.len()
                && phrase.iter().zip(&lower[i..]).all(|(p, w)| p == w);
            let pronoun = matches!(phrase, [w] if matches!(*w, "they" | "them"));
            let both_of = *phrase == ["both"] && lower.get(i + 1).is_some_and(|w| w == "of");
            (fits && !both_of && !(pronoun && plural_before(&lower[..i])))
                .then_some((i, phrase.len()))
        })
    })?;
    let from = words[start].0;
    let to = words[start + len - 1].1;
    let pair = format!("{a} and {b}");
    let pair = if from == 0 { capitalised(&pair) } else { pair };
    Some(format!("{}{}{}", &question[..from], pair, &question[to..]))
}

/// The byte spans of a text's words (letters, digits and apostrophes inside them).
fn words_at(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let inside = c.is_alphanumeric() || (start.is_some() && matches!(c, '\'' | '’'));
        match (inside, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    // A closing apostrophe ("teams'") is no part of the word.
    spans
        .into_iter()
        .map(|(s, e)| {
            let word = &text[s..e];
            let trimmed = word.trim_end_matches(['\'', '’']);
            (s, s + trimmed.len())
        })
        .collect()
}

/// Whether `word` (lower case) is a form of a word of `side` ("marketers" of
/// "marketing", "sale" of "sales"): the same first four letters.
fn names_side(word: &str, side: &str) -> bool {
    side.split_whitespace().any(|s| {
        let stem: String = s.chars().take(4).collect();
        // A short side ("AI") is named only as it is.
        word == s || stem.chars().count() >= 3 && word.starts_with(&stem)
    })
}

/// Whether a plural noun comes before a "they" (`before`: the words ahead of it).
fn plural_before(before: &[String]) -> bool {
    before.iter().any(|w| {
        w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") && !NOT_PLURAL.contains(&w.as_str())
    })
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TITLE: &str = "What’s the Difference Between Sales and Marketing?";

    #[test]
    fn two_things_are_the_two_sides_of_the_title() {
        for (asked, read_as) in [
            (
                "what do they have in common",
                "what do sales and marketing have in common",
            ),
            (
                "They seem the same to me?",
                "Sales and marketing seem the same to me?",
            ),
            (
                "should we think of them as rivals or as partners",
                "should we think of sales and marketing as rivals or as partners",
            ),
            (
                "what 3 things do both of them basically do",
                "what 3 things do sales and marketing basically do",
            ),
            (
                "Does it depend on your point of view how you compare the two?",
                "Does it depend on your point of view how you compare sales and marketing?",
            ),
            (
                "Do both departments build trust?",
                "Do sales and marketing departments build trust?",
            ),
            (
                "should both teams' plans and tactics line up?",
                "should sales and marketing teams' plans and tactics line up?",
            ),
            (
                "what does he tell his class about these two?",
                "what does he tell his class about sales and marketing?",
            ),
        ] {
            assert_eq!(read(asked, TITLE).as_deref(), Some(read_as), "{asked}");
        }
    }

    #[test]
    fn a_question_naming_a_side_or_another_plural_is_left_alone() {
        for asked in [
            "Do sales and marketing both build trust?",
            "do marketers and reps get along, or do they fight?",
            "When customers call, do they get a machine?",
            "Is negotiation part of sales?",
            "What is big data?",
            "who wrote this?",
        ] {
            assert_eq!(read(asked, TITLE), None, "{asked}");
        }
    }

    #[test]
    fn a_title_with_vs_has_two_sides_too() {
        assert_eq!(
            read(
                "which of them is cheaper to keep?",
                "Cats vs. Dogs: Which Pet Is Right for You?"
            )
            .as_deref(),
            Some("which of cats and dogs is cheaper to keep?")
        );
    }

    #[test]
    fn a_short_side_is_named_as_it_is() {
        assert_eq!(read("what do they say about AI?", "AI vs. Humans"), None);
        assert_eq!(
            read("who do they hire?", "AI vs. Humans").as_deref(),
            Some("who do ai and humans hire?")
        );
    }

    #[test]
    fn a_title_that_compares_nothing_reads_nothing() {
        assert_eq!(read("what do they have in common", "Pricing Guide"), None);
        assert_eq!(read("what do they have in common", ""), None);
    }
}
