//! Questions about a whole document: what it is about, a summary, its gist, main point
//! or argument, key takeaways, tl;dr, its conclusion. Such a question names no topic
//! of its own, so searching it finds nothing; it is answered with the document's
//! summary ([`crate::engine::summary`]).
//!
//! Recognised by rule: the question has a word that asks for the whole (summary, gist,
//! point, conclusion, "what is it about"), and every other word is a question word, a
//! word for the text itself, or a word of a document's title. "What is the main point
//! about pricing?" names a topic, so it is searched as usual.

use crate::engine::digest::Focus;
use crate::engine::intent;

/// Words that ask for the whole argument on their own: "summary", "gist", "tl;dr".
const ON_THEIR_OWN: &[&str] = &[
    "summary",
    "summarize",
    "summarise",
    "summarized",
    "summarised",
    "summarizing",
    "sum",
    "recap",
    "overview",
    "gist",
    "tldr",
    "tl",
    "dr",
    "nutshell",
    "takeaway",
    "takeaways",
    "synopsis",
];

/// Words that ask for the whole argument of the text itself ("the point of this
/// article"), or with no other word; "the theme of Super Bowl 50" is about the game.
const OF_THE_TEXT: &[&str] = &[
    "outline",
    "point",
    "points",
    "argument",
    "arguments",
    "thesis",
    "idea",
    "ideas",
    "message",
    "topic",
    "subject",
    "theme",
    "themes",
    "essence",
    "abstract",
    "highlights",
    "trying",
];

/// Words that ask for the conclusion even without a word for the text.
const CONCLUSION_ON_ITS_OWN: &[&str] = &["conclusion", "conclude", "concludes", "verdict"];

/// Verbs that ask what a text says as a whole when the text is their subject:
/// "What does this piece argue?", "what is the author saying?".
const SAYING: &[&str] = &[
    "argue",
    "argues",
    "arguing",
    "claim",
    "claims",
    "suggest",
    "suggests",
    "propose",
    "proposes",
    "recommend",
    "recommends",
    "mean",
    "means",
    "contend",
    "contends",
    "state",
    "states",
    "say",
    "says",
    "saying",
    "tell",
    "tells",
];

/// Words that ask how it ends.
const CONCLUSION: &[&str] = &[
    "conclusion",
    "conclude",
    "concludes",
    "concluding",
    "conclusions",
    "end",
    "ending",
    "ends",
    "verdict",
    "bottom",
    "final",
    "finally",
    "last",
];

/// Words that ask for it all in plain words, with "explain": "explain it simply",
/// "explain like I'm 5".
const SIMPLY: &[&str] = &[
    "simply",
    "simple",
    "simpler",
    "plain",
    "plainly",
    "layman",
    "laymans",
    "beginner",
    "beginners",
    "kid",
    "child",
    "five",
    "5",
    "eli5",
];

/// Words that may stand around them without naming a topic.
const FRAME: &[&str] = &[
    "what",
    "whats",
    "s",
    "is",
    "are",
    "was",
    "the",
    "a",
    "an",
    "of",
    "this",
    "that",
    "it",
    "its",
    "article",
    "text",
    "piece",
    "document",
    "doc",
    "post",
    "essay",
    "page",
    "story",
    "blog",
    "paper",
    "report",
    "for",
    "me",
    "us",
    "please",
    "can",
    "could",
    "would",
    "will",
    "you",
    "give",
    "tell",
    "about",
    "in",
    "few",
    "words",
    "sentence",
    "sentences",
    "one",
    "two",
    "three",
    "short",
    "quick",
    "quickly",
    "briefly",
    "brief",
    "does",
    "do",
    "did",
    "say",
    "says",
    "said",
    "author",
    "authors",
    "writer",
    "he",
    "she",
    "they",
    "main",
    "key",
    "central",
    "overall",
    "basically",
    "whole",
    "so",
    "ok",
    "okay",
    "and",
    "then",
    "which",
    "to",
    "be",
    "your",
    "i",
    "im",
    "want",
    "know",
    "like",
    "need",
    "get",
    "here",
    "some",
    "on",
    "with",
    "up",
    "fine",
    "now",
    "line",
    "how",
    "make",
    "makes",
    "making",
    "try",
    "across",
    "general",
    "generally",
    "core",
    "big",
    "picture",
    "primary",
    "principal",
    "major",
    "most",
    "important",
    "really",
    "actually",
    "just",
    "write",
    "wrote",
    "written",
    "read",
    "reading",
    "explain",
    "describe",
    "paragraph",
    "paragraphs",
    "section",
    "part",
    "my",
    "we",
    "our",
    "there",
    "his",
    "her",
    "their",
    "at",
    "by",
];

/// What a question about a whole document asks, when it is one.
pub fn reading(question: &str, title_words: &dyn Fn(&str) -> bool) -> Option<Focus> {
    let lower = question.to_lowercase().replace(['’', '\''], "");
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || words.len() > 16 {
        return None;
    }
    // "Tell me about the author": the person, not the text.
    if intent::asks_about_author(question) {
        return None;
    }
    let has = |set: &[&str]| words.iter().any(|w| set.contains(w));
    // "explain it simply", "explain like I'm 5", "ELI5": the whole, in plain words.
    let simply = has(SIMPLY) && (has(&["explain", "summarize", "summarise"]) || has(&["eli5"]));
    let whole = |w: &str| {
        ON_THEIR_OWN.contains(&w) || OF_THE_TEXT.contains(&w) || simply && SIMPLY.contains(&w)
    };
    let asks_whole = words.iter().any(|w| whole(w));
    let conclusion = has(CONCLUSION);
    // "What is it about?", "what's this article about", "tell me about the text":
    // "about" asks for the whole only when nothing else names a topic.
    let about = words.contains(&"about");
    let saying = has(SAYING);
    if !(asks_whole || conclusion || about || saying) {
        return None;
    }
    // "give me 3 key points": a number names no topic.
    let topical = words.iter().any(|w| {
        !whole(w)
            && !w.chars().all(|c| c.is_ascii_digit())
            && !CONCLUSION.contains(w)
            && !FRAME.contains(w)
            && !SAYING.contains(w)
            && !title_words(w)
    });
    if topical {
        return None;
    }
    // "what about it?", "how about this": a follow-up.
    let what_about = words
        .windows(2)
        .any(|w| matches!(w, ["what" | "how", "about"]));
    if what_about && !asks_whole {
        return None;
    }
    // "what about it?", "and the end?": a follow-up, not a request for the whole,
    // unless a word for the text itself or a summary word is there.
    let text_word = has(&[
        "article", "text", "piece", "document", "doc", "post", "essay", "page", "story", "blog",
        "paper", "report", "it", "this", "author", "writer",
    ]);
    // "What is the pricing guide about?": two words of a title name a document.
    let mut named: Vec<&&str> = words
        .iter()
        .filter(|w| w.len() > 3 && title_words(w))
        .collect();
    named.dedup();
    let names_document = named.len() >= 2;
    let strong = has(ON_THEIR_OWN) || has(CONCLUSION_ON_ITS_OWN) || simply;
    let names_something = words.iter().any(|w| title_words(w) && w.len() > 3);
    let weak_alone = asks_whole && !names_something;
    // A document named by its title asks for the whole only with "about" or a
    // verb of saying ("What is the pricing guide about?"): "What was the theme of
    // Super Bowl 50?" asks about the game.
    let named_whole = names_document && (about || saying);
    if !(text_word || named_whole || strong || weak_alone) {
        return None;
    }
    Some(if conclusion {
        Focus::Conclusion
    } else {
        Focus::Whole
    })
}

/// Numbers a reader asks for points by.
const NUMBERS: &[&str] = &[
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
];

/// How many points a question about the whole asks for: "give me 3 key points",
/// "the three main takeaways", "sum it up in two sentences" (1 to 10).
pub fn how_many(question: &str) -> Option<usize> {
    let lower = question.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    // "explain like I'm 5" is an age.
    let age = |i: usize| i > 0 && matches!(words[i - 1], "im" | "m" | "aged" | "age");
    words.iter().enumerate().find_map(|(i, w)| {
        if age(i) {
            return None;
        }
        let n = match w.parse::<usize>() {
            Ok(n) => n,
            Err(_) => NUMBERS.iter().position(|x| x == w)? + 1,
        };
        (1..=10).contains(&n).then_some(n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(q: &str) -> Option<Focus> {
        let title = |w: &str| {
            [
                "sales",
                "marketing",
                "difference",
                "between",
                "super",
                "bowl",
                "50",
            ]
            .contains(&w)
        };
        reading(q, &title)
    }

    #[test]
    fn questions_about_the_whole_document() {
        for q in [
            "What is the article about?",
            "what's this about?",
            "Summarize it for me",
            "Summarise the article",
            "What is the main point of the article?",
            "give me the gist",
            "What does this piece argue?",
            "what is the author saying?",
            "tl;dr?",
            "key takeaways?",
            "What's the main argument?",
            "what is the author trying to say?",
            "What is the text about in a few words",
            "what is the article on sales and marketing about",
            "Can you give me a quick summary?",
            "overview please",
            "what's the main point?",
            "give me 3 key points",
            "explain like I'm 5",
            "can you explain it simply?",
            "ELI5",
            "explain this article in simple words",
        ] {
            assert_eq!(read(q), Some(Focus::Whole), "{q}");
        }
        for q in [
            "fine. what's the conclusion?",
            "How does the article end?",
            "what does the author conclude?",
            "What is the bottom line of this article?",
        ] {
            assert_eq!(read(q), Some(Focus::Conclusion), "{q}");
        }
    }

    #[test]
    fn how_many_points_are_asked_for() {
        assert_eq!(how_many("give me 3 key points"), Some(3));
        assert_eq!(how_many("the three main takeaways?"), Some(3));
        assert_eq!(how_many("sum it up in one sentence"), Some(1));
        assert_eq!(how_many("what's the gist?"), None);
        assert_eq!(how_many("top 50 points"), None);
        assert_eq!(how_many("explain like I'm 5"), None);
        assert_eq!(how_many("explain like i’m five"), None);
    }

    #[test]
    fn questions_that_name_a_topic_are_not_about_the_whole() {
        for q in [
            "What is the main point about pricing?",
            "What does the article say about negotiation?",
            "What about marketing?",
            "What is sales?",
            "What is the point of big data?",
            "How did the war end?",
            "What is the subject of the painting?",
            "What was the theme of sales week?",
            "What was the theme of Super Bowl 50?",
            "Who is the author?",
            "what about it?",
            "and the end?",
            "What does the author say about trust?",
            "what does marketing mean?",
            "What does he teach?",
            "explain big data simply",
            "can you explain it?",
            "What are the 3 things both do?",
            "What happened in 1999?",
        ] {
            assert_eq!(read(q), None, "{q}");
        }
    }
}
