//! Question shapes that plain term matching gets wrong, recognised by rule.
//!
//! "Who wrote this?" shares no word with the byline that answers it, so an
//! authorship question is searched for the documents' author names instead.

/// The words of a lower-cased question, split at everything but letters and
/// digits ("author's" is "author", "s").
fn words_of(lower: &str) -> Vec<&str> {
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Words that ask about authorship when they come with "who". ("by" is not
/// one: "Who is affected by automated support?")
const AUTHOR_WORDS: &[&str] = &[
    "author", "authors", "wrote", "write", "writes", "written", "writer", "penned", "authored",
];

/// Verbs that ask who made a text when they come with "who" and the text:
/// "who put this piece together", "who is behind this article", "who made
/// this?".
const MAKING_WORDS: &[&str] = &["put", "made", "created", "composed", "behind", "produced"];

/// Nouns for a text itself.
const TEXT_WORDS: &[&str] = &[
    "article", "piece", "text", "post", "essay", "document", "page", "blog",
];

/// Whether the question asks who wrote the document(s): "who" with an
/// authorship word; "who" with a making verb and either a noun for the text or
/// "this"/"it" ending the question ("Who made it to the final?" is not one);
/// "whose" before a noun for the text ("whose article is this anyway"); or
/// the author's or writer's name asked for without "who".
pub fn asks_for_author(question: &str) -> bool {
    let lower = question.to_lowercase();
    let words = words_of(&lower);
    let has = |set: &[&str]| words.iter().any(|w| set.contains(w));
    let who = has(&["who", "whose", "whom"]);
    let ending: Vec<&str> = words
        .iter()
        .rev()
        .skip_while(|w| **w == "together")
        .take(2)
        .copied()
        .collect();
    let made_this = matches!(ending.as_slice(), [last, verb]
        if matches!(*last, "this" | "it") && MAKING_WORDS.contains(verb));
    if who && (has(AUTHOR_WORDS) || has(MAKING_WORDS) && (has(TEXT_WORDS) || made_this)) {
        return true;
    }
    // "whose article is this", "whose blog post is it": the text is whose.
    let text_at = |i: usize| words.get(i).is_some_and(|w| TEXT_WORDS.contains(w));
    if (0..words.len()).any(|i| words[i] == "whose" && (text_at(i + 1) || text_at(i + 2))) {
        return true;
    }
    // "the author's full name", "name of the writer": the name next to the
    // authorship word, not anywhere in the question.
    let at = |i: usize, word: &str| words.get(i).is_some_and(|w| *w == word);
    let person = |i: usize| at(i, "author") || at(i, "writer");
    (0..words.len()).any(|i| {
        (person(i)
            && (at(i + 1, "name") || at(i + 1, "s") && (at(i + 2, "name") || at(i + 3, "name"))))
            || (at(i, "name") && at(i + 1, "of") && (person(i + 2) || person(i + 3)))
    })
}

/// Words for the author as a person ("the author", "the writer").
const PERSON_WORDS: &[&str] = &["author", "authors", "writer", "writers"];

/// What a person's own story is called: "the author's background".
const STORY_WORDS: &[&str] = &[
    "background",
    "bio",
    "biography",
    "credentials",
    "profile",
    "qualifications",
];

/// Words that may stand around a request about the author without naming a
/// topic of their own: "what do we know about the author?", "tell me a bit
/// about the writer", "anything about the author?".
const ABOUT_FRAME: &[&str] = &[
    "what",
    "whats",
    "s",
    "do",
    "does",
    "we",
    "you",
    "know",
    "tell",
    "me",
    "us",
    "can",
    "could",
    "would",
    "is",
    "are",
    "there",
    "anything",
    "something",
    "more",
    "some",
    "info",
    "information",
    "a",
    "bit",
    "little",
    "please",
    "and",
    "ok",
    "okay",
    "so",
    "the",
    "this",
    "that",
    "article",
    "text",
    "piece",
    "post",
    "of",
    "about",
    "who",
    "his",
    "her",
    "their",
    "say",
    "give",
    "how",
    "on",
    "known",
    "learn",
    "find",
    "out",
];

/// Whether the question asks about the author as a person, with no topic of its
/// own: "tell me about the author", "what do we know about the writer?", "what
/// about the author?", "the author's background". Answered like "who wrote
/// this?", by the byline and the bio; "What does the author say about big
/// data?" names a topic and is searched as usual.
pub fn asks_about_author(question: &str) -> bool {
    let lower = question.to_lowercase().replace('’', "'");
    let words = words_of(&lower);
    let person = |w: &&str| PERSON_WORDS.contains(w);
    let Some(at) = words.iter().position(&person) else {
        return false;
    };
    let about_person = words[..at].iter().rev().take(3).any(|w| *w == "about");
    let story = words[at + 1..]
        .iter()
        .take(2)
        .any(|w| STORY_WORDS.contains(w));
    (about_person || story)
        && words
            .iter()
            .all(|w| person(w) || STORY_WORDS.contains(w) || ABOUT_FRAME.contains(w))
}

/// Whether the question asks what a document is called: its title or
/// headline ("What is the title of the article?"), or what "this article"
/// or "the piece" is called or named.
pub fn asks_for_title(question: &str) -> bool {
    let lower = question.to_lowercase();
    let words = words_of(&lower);
    let has = |set: &[&str]| words.iter().any(|w| set.contains(w));
    let text = has(&[
        "article", "piece", "text", "post", "essay", "document", "page", "blog",
    ]);
    let at = |i: usize, word: &str| words.get(i).is_some_and(|w| *w == word);
    // "job title" and "title of sales director" are about something else.
    let of_text = (0..words.len()).any(|i| {
        at(i, "name") && at(i + 1, "of") && (at(i + 2, "this") || at(i + 2, "the")) && text
    });
    let titled = has(&["title", "headline", "titled"]) && !has(&["job", "director", "manager"]);
    let what = has(&["what"]);
    titled && (text || what || words.len() <= 3) || text && has(&["called", "named"]) || of_text
}

/// Whether the question speaks of the author without asking who it is:
/// "What is the writer's background?", "Is he a full-time professor?".
pub fn mentions_author(question: &str) -> bool {
    words_of(&question.to_lowercase()).iter().any(|w| {
        matches!(
            *w,
            "author" | "writer" | "he" | "his" | "him" | "she" | "her"
        )
    })
}

/// Whether a word of the question is, or is one typing slip from, a word about
/// writing or its author ("autor", "writen"): typo correction may have taken it
/// for another word the documents use.
pub fn speaks_of_writing(question: &str) -> bool {
    words_of(&question.to_lowercase()).iter().any(|w| {
        ["author", "writer", "wrote", "written", "byline"]
            .iter()
            .any(|a| strsim::damerau_levenshtein(w, a) <= 1)
    })
}

/// Analysed stems of words for a text itself ("this piece", "the post").
pub fn is_text_stem(term: &str) -> bool {
    matches!(
        term,
        "articl" | "piec" | "text" | "post" | "essay" | "document" | "page" | "blog"
    )
}

/// Analysed stems of the title words, removed from such a question.
pub fn is_title_stem(term: &str) -> bool {
    matches!(term, "titl" | "headlin" | "call" | "name")
}

/// Analysed stems of the authorship words, removed from such a question.
pub fn is_author_stem(term: &str) -> bool {
    matches!(
        term,
        "author" | "wrote" | "write" | "written" | "writer" | "pen" | "name"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_a_question_speaking_of_the_author() {
        for q in [
            "Is he a full-time professor?",
            "the writer's background",
            "author job?",
        ] {
            assert!(mentions_author(q), "{q}");
        }
        for q in ["Do sales and marketing differ?", "Where is the header?"] {
            assert!(!mentions_author(q), "{q}");
        }
    }

    #[test]
    fn words_about_writing_survive_a_typing_slip() {
        assert!(speaks_of_writing("hoo is the autor of this artical?"));
        assert!(speaks_of_writing("Is this writen by Candido?"));
        assert!(!speaks_of_writing("What does sales do?"));
    }

    #[test]
    fn recognises_title_questions_only() {
        for q in [
            "What is the title of the article?",
            "What's this article called?",
            "what is the name of this piece",
            "article title?",
            "What is the headline?",
            "title",
        ] {
            assert!(asks_for_title(q), "{q}");
        }
        for q in [
            "What is the job title of a sales director?",
            "Who wrote the article?",
            "What is marketing called when it is one to many?",
            "What is the name of the program the author teaches in?",
        ] {
            assert!(!asks_for_title(q), "{q}");
        }
    }

    #[test]
    fn recognises_questions_about_the_author_as_a_person() {
        for q in [
            "tell me about the author",
            "What do we know about the author?",
            "anything about the writer?",
            "what about the author?",
            "ok and what about the writer",
            "Tell me a bit about the author of this article",
            "tell me about the author's background",
            "What's the writer's background?",
            "author bio",
        ] {
            assert!(asks_about_author(q), "{q}");
        }
        for q in [
            "What does the author say about big data?",
            "tell me about the article",
            "What is the author saying?",
            "What does the author believe about complex matters?",
            "what fields does the author have background in?",
            "tell me about marketing",
            "Is there anything about authors' rights?",
        ] {
            assert!(!asks_about_author(q), "{q}");
        }
    }

    #[test]
    fn recognises_authorship_questions_only() {
        for q in [
            "Who wrote the article?",
            "who is the author",
            "Who's the writer of this?",
            "Written by whom?",
            "who penned it",
            "name of the guy who put this piece together?",
            "who's the guy behind this",
            "Who put it together?",
            "Who is behind this article?",
            "Can you tell me the author's full name so I can cite it in my essay?",
            "What's the writer's name?",
            "the name of the author, please",
            "author name",
            "whose article is this anyway",
            "whose blog post is it?",
            "whose article?",
        ] {
            assert!(asks_for_author(q), "{q}");
        }
        for q in [
            "What does the author believe?",
            "Who should negotiate?",
            "Which program does the author teach in?",
            "Who made the decision to split sales and marketing?",
            "Who made it to the final?",
            "Who is affected by automated support?",
            "What is the name of the program the author teaches in?",
            "Who should put the brand first?",
            "Whose customers does the article talk about?",
        ] {
            assert!(!asks_for_author(q), "{q}");
        }
    }
}
