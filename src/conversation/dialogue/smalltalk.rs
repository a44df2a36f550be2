//! Small talk: greetings, thanks, goodbyes, and questions about the bot itself ("who
//! are you?", "what can I ask?", "how do you work?"). They get a short friendly reply,
//! never "a person would serve you better" and never a ticket.
//!
//! Recognised by words first: the whole message must be made of small-talk phrases
//! (a greeting in front of a real question is cut off, and the question answered),
//! each word matched whole or within one typing slip. Then by meaning, for phrasings
//! no list holds: only a short message the documents do not answer, close to one of
//! [`PROTOTYPES`] (see [`by_meaning`]).

use strsim::damerau_levenshtein;

/// What kind of small talk a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Greeting,
    Thanks,
    Goodbye,
    /// "Who are you?", "Are you a bot?"
    Identity,
    /// "What can you do?", "What can I ask?"
    Abilities,
    /// "How do you work?"
    Method,
    /// "ok", "got it", "cool".
    Ack,
}

impl Kind {
    /// When a message holds several kinds ("ok, bye"), the one the reply answers.
    fn priority(self) -> u8 {
        match self {
            Kind::Identity => 6,
            Kind::Abilities => 5,
            Kind::Method => 4,
            Kind::Goodbye => 3,
            Kind::Thanks => 2,
            Kind::Greeting => 1,
            Kind::Ack => 0,
        }
    }

    /// Whether it may stand in front of a question and be cut off ("hi, what is …?").
    fn leads(self) -> bool {
        matches!(self, Kind::Greeting | Kind::Thanks | Kind::Ack)
    }
}

/// The phrases, in the normalised words of [`words`].
const PHRASES: &[(Kind, &[&str])] = &[
    (
        Kind::Greeting,
        &[
            "hi",
            "hello",
            "hey",
            "howdy",
            "greetings",
            "yo",
            "sup",
            "hiya",
        ],
    ),
    (
        Kind::Greeting,
        &[
            "hey there",
            "hi there",
            "hello there",
            "hello again",
            "hi again",
        ],
    ),
    (
        Kind::Greeting,
        &[
            "good morning",
            "good afternoon",
            "good evening",
            "morning",
            "good day",
        ],
    ),
    (
        Kind::Greeting,
        &[
            "what s up",
            "whats up",
            "how are you",
            "how are you doing",
            "how do you do",
        ],
    ),
    (
        Kind::Greeting,
        &[
            "how s it going",
            "how is it going",
            "hows it going",
            "nice to meet you",
        ],
    ),
    (
        Kind::Thanks,
        &[
            "thanks",
            "thank you",
            "many thanks",
            "thanks a lot",
            "thanks so much",
        ],
    ),
    (
        Kind::Thanks,
        &[
            "thank you so much",
            "thank you very much",
            "thanks very much",
            "thanks again",
        ],
    ),
    (
        Kind::Thanks,
        &[
            "much appreciated",
            "appreciate it",
            "i appreciate it",
            "appreciated",
            "cheers",
        ],
    ),
    (
        Kind::Thanks,
        &[
            "that helps",
            "that helped",
            "that was helpful",
            "very helpful",
            "helpful",
        ],
    ),
    (
        Kind::Thanks,
        &[
            "that s helpful",
            "you re great",
            "you are great",
            "you re the best",
            "good job",
        ],
    ),
    (
        Kind::Goodbye,
        &[
            "bye",
            "goodbye",
            "good bye",
            "bye bye",
            "see you",
            "see you later",
            "see ya",
        ],
    ),
    (
        Kind::Goodbye,
        &[
            "farewell",
            "good night",
            "have a nice day",
            "have a good day",
            "take care",
        ],
    ),
    (
        Kind::Goodbye,
        &[
            "i m done",
            "i am done",
            "that s all",
            "that is all",
            "that s it",
            "gotta go",
        ],
    ),
    (
        Kind::Goodbye,
        &[
            "i have to go",
            "talk later",
            "talk to you later",
            "later",
            "signing off",
        ],
    ),
    (
        Kind::Identity,
        &[
            "who are you",
            "what are you",
            "who is this",
            "who am i talking to",
        ],
    ),
    (
        Kind::Identity,
        &[
            "are you a bot",
            "are you a robot",
            "are you human",
            "are you a human",
        ],
    ),
    (
        Kind::Identity,
        &[
            "are you real",
            "are you a person",
            "are you a real person",
            "are you an ai",
        ],
    ),
    (
        Kind::Identity,
        &[
            "are you ai",
            "are you a machine",
            "are you a computer",
            "is this a bot",
        ],
    ),
    (
        Kind::Identity,
        &[
            "am i talking to a bot",
            "am i talking to a machine",
            "what is your name",
        ],
    ),
    (
        Kind::Identity,
        &[
            "what s your name",
            "whats your name",
            "your name",
            "who made you",
        ],
    ),
    (
        Kind::Identity,
        &[
            "who built you",
            "who created you",
            "introduce yourself",
            "tell me about yourself",
        ],
    ),
    (
        Kind::Abilities,
        &[
            "what can you do",
            "what can i ask",
            "what can i ask you",
            "what can i ask about",
        ],
    ),
    (
        Kind::Abilities,
        &[
            "what should i ask",
            "what questions can i ask",
            "what can you tell me",
        ],
    ),
    (
        Kind::Abilities,
        &[
            "what do you know",
            "what can you help with",
            "how can you help",
        ],
    ),
    (
        Kind::Abilities,
        &[
            "how can you help me",
            "can you help me",
            "help",
            "help me",
            "what do you do",
        ],
    ),
    (
        Kind::Abilities,
        &[
            "what are you for",
            "what can you answer",
            "what do you cover",
            "what are you good at",
        ],
    ),
    (
        Kind::Abilities,
        &[
            "what can i ask you about",
            "what kind of questions can i ask",
            "what topics",
        ],
    ),
    (
        Kind::Abilities,
        &[
            "what do you know about",
            "what can you help me with",
            "what is this bot",
        ],
    ),
    (
        Kind::Method,
        &[
            "how do you work",
            "how does this work",
            "how does it work",
            "how does this bot work",
        ],
    ),
    (
        Kind::Method,
        &[
            "how do you find answers",
            "how do you answer",
            "how do you find the answers",
        ],
    ),
    (
        Kind::Method,
        &[
            "where do your answers come from",
            "where do you get your answers",
        ],
    ),
    (
        Kind::Ack,
        &[
            "ok",
            "great",
            "cool",
            "nice",
            "awesome",
            "perfect",
            "got it",
            "i see",
            "understood",
        ],
    ),
    (
        Kind::Ack,
        &[
            "alright",
            "all right",
            "fine",
            "good",
            "wow",
            "interesting",
            "sure",
            "yes",
            "no",
        ],
    ),
    (
        Kind::Ack,
        &[
            "yep",
            "nope",
            "hmm",
            "oh",
            "lol",
            "haha",
            "good to know",
            "makes sense",
            "excellent",
        ],
    ),
    (
        Kind::Ack,
        &[
            "that makes sense",
            "fair enough",
            "sounds good",
            "amazing",
            "brilliant",
            "super",
        ],
    ),
];

/// Greetings that may stand in front of a question without punctuation ("hey what is
/// …"): words that start nothing else.
const GREETING_WORDS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "yo",
    "hiya",
    "howdy",
    "greetings",
    "sup",
];

/// Words that change nothing around small talk ("thanks again, bot!").
const FILLERS: &[&str] = &[
    "please",
    "bot",
    "passagebot",
    "so",
    "well",
    "just",
    "really",
    "then",
    "and",
    "but",
    "very",
    "much",
    "a",
    "lot",
    "guys",
    "everyone",
    "all",
    "friend",
    "mate",
    "buddy",
    "there",
    "again",
    "too",
    "now",
    "bunch",
    "ton",
    "tons",
    "heaps",
    "loads",
    "dude",
    "man",
    "pal",
    "folks",
];

/// Short forms people type, as the phrases spell them.
fn expand(word: &str) -> &str {
    match word {
        "u" => "you",
        "ur" => "your",
        "r" => "are",
        "im" => "i m",
        "thx" | "thnx" | "thanx" | "tnx" | "ty" | "tyvm" | "tysm" | "thks" | "thankyou"
        | "thanku" | "thnks" | "tx" => "thanks",
        "pls" | "plz" => "please",
        "hii" | "hiii" | "heya" | "heyy" | "heyyy" | "helo" | "hallo" | "hello" => "hello",
        "byee" | "cya" | "ciao" | "bb" | "bai" => "bye",
        "k" | "kk" | "okay" | "okey" | "oki" | "okie" => "ok",
        "whats" => "whats",
        _ => word,
    }
}

/// The message's words, lower-cased and expanded, each with the byte offset in the
/// message where it ends (so a greeting in front can be cut off the original text).
fn words(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let lower = text.to_lowercase();
    // Lower-casing can change byte lengths; offsets are only used when it did not.
    let same = lower.len() == text.len();
    let mut start = None;
    for (i, c) in lower
        .char_indices()
        .chain(std::iter::once((lower.len(), ' ')))
    {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            let end = if same { i } else { text.len() };
            for part in expand(&lower[s..i]).split(' ') {
                out.push((part.to_owned(), end));
            }
        }
    }
    out
}

/// Whether a typed word is a phrase's word: the same, or one slip away for words of
/// five letters and more ("thnaks", "goodbey").
fn same_word(typed: &str, word: &str) -> bool {
    typed == word
        || word.chars().count() >= 5
            && typed.chars().count() >= 4
            && damerau_levenshtein(typed, word) <= 1
}

/// The longest phrase that starts at `words[at]`, and its length in words.
fn phrase_at(words: &[(String, usize)], at: usize) -> Option<(Kind, usize)> {
    let mut best: Option<(Kind, usize)> = None;
    for (kind, phrases) in PHRASES {
        for phrase in *phrases {
            let parts: Vec<&str> = phrase.split(' ').collect();
            let fits = parts.len() <= words.len() - at
                && parts
                    .iter()
                    .zip(&words[at..])
                    .all(|(p, (w, _))| same_word(w, p));
            if fits && best.is_none_or(|(_, n)| parts.len() > n) {
                best = Some((*kind, parts.len()));
            }
        }
    }
    best
}

/// What a message is, as small talk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// Only small talk.
    Whole(Kind),
    /// Small talk in front of a question: the question (the original text after it).
    Before(String),
    /// Not small talk.
    No,
}

/// Reads `text` as small talk by its words.
pub fn by_words(text: &str) -> Reading {
    let words = words(text);
    if words.is_empty() {
        return by_symbols(text).map_or(Reading::No, Reading::Whole);
    }
    let mut at = 0;
    let mut kind: Option<Kind> = None;
    // Where a leading run of greetings, thanks and acknowledgements ends, if any.
    let mut lead_end: Option<usize> = None;
    let mut leading = true;
    while at < words.len() {
        if FILLERS.contains(&words[at].0.as_str()) {
            at += 1;
            continue;
        }
        match phrase_at(&words, at) {
            Some((k, n)) => {
                if leading && k.leads() {
                    lead_end = Some(words[at + n - 1].1);
                } else {
                    leading = false;
                }
                if kind.is_none_or(|old| k.priority() > old.priority()) {
                    kind = Some(k);
                }
                at += n;
            }
            None => break,
        }
    }
    if at == words.len() {
        return kind.map_or(Reading::No, Reading::Whole);
    }
    match lead_end {
        Some(end) => cut_after(text, end, GREETING_WORDS.contains(&words[0].0.as_str())),
        None => Reading::No,
    }
}

/// Emoji that say thanks.
const THANKS_EMOJI: &[char] = &['🙏', '❤', '💙', '💚', '💜', '🧡', '💛', '🤗', '💯'];
/// Emoji that wave.
const WAVE_EMOJI: &[char] = &['👋'];

/// A message with no letter or digit ("👍", "🙏", "?", "..."): no question, so never
/// "a person would serve you better" (in a class of thirty, thirty thumbs up would each
/// have been handed over). A wave greets, a heart or folded hands thank, anything else
/// acknowledges.
fn by_symbols(text: &str) -> Option<Kind> {
    let text = text.trim();
    if text.is_empty() || text.chars().any(char::is_alphanumeric) {
        return None;
    }
    Some(if text.contains(THANKS_EMOJI) {
        Kind::Thanks
    } else if text.contains(WAVE_EMOJI) {
        Kind::Greeting
    } else {
        Kind::Ack
    })
}

/// The question after a leading greeting or thanks ending at byte `end`: only when
/// punctuation follows it ("Good, what is …" but not "Good Friday is …"), or it is
/// a greeting word ("hi what is sales").
fn cut_after(text: &str, end: usize, greeting: bool) -> Reading {
    let Some(rest) = text.get(end..) else {
        return Reading::No;
    };
    let punctuated = rest.starts_with([',', '.', '!', ';', ':', '-', '–', '—']);
    let question = rest.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '"' && c != '“');
    if (punctuated || greeting) && question.chars().any(char::is_alphanumeric) {
        Reading::Before(question.trim().to_owned())
    } else {
        Reading::No
    }
}

/// Phrasings of each kind, compared by meaning with a message no phrase list holds.
pub const PROTOTYPES: &[(Kind, &str)] = &[
    (Kind::Greeting, "hello, nice to meet you"),
    (Kind::Greeting, "hey, how are you doing today?"),
    (Kind::Greeting, "good morning to you"),
    (Kind::Thanks, "thank you very much, that was helpful"),
    (Kind::Thanks, "I really appreciate your help"),
    (Kind::Thanks, "thanks a lot for the answer"),
    (Kind::Goodbye, "goodbye, see you later"),
    (Kind::Goodbye, "I have to leave now, bye"),
    (Kind::Identity, "who are you?"),
    (Kind::Identity, "are you a robot or a real human?"),
    (Kind::Identity, "what is your name?"),
    (Kind::Abilities, "what can you do for me?"),
    (Kind::Abilities, "what kind of questions can I ask you?"),
    (Kind::Abilities, "what topics do you know about?"),
    (Kind::Method, "how do you work?"),
    (Kind::Method, "how do you come up with your answers?"),
];

/// A message is read as small talk by meaning only up to this many words: small talk
/// is short, and a longer message the documents miss is a question they do not cover.
pub const MAX_WORDS_BY_MEANING: usize = 8;

/// Cosine to the nearest prototype from which a short, uncovered message is small talk.
pub const BY_MEANING: f32 = 0.72;

/// The kind of the prototype nearest to `vector`, when it is close enough.
pub fn by_meaning(vector: &[f32], prototypes: &[(Kind, Vec<f32>)]) -> Option<(Kind, f32)> {
    prototypes
        .iter()
        .map(|(k, v)| (*k, crate::engine::semantic::cosine(vector, v)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|(_, c)| *c >= BY_MEANING)
}

/// Whether `text` is short enough to be read as small talk by meaning.
pub fn short_enough(text: &str) -> bool {
    let n = text.split_whitespace().count();
    n > 0 && n <= MAX_WORDS_BY_MEANING
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(text: &str) -> Option<Kind> {
        match by_words(text) {
            Reading::Whole(k) => Some(k),
            _ => None,
        }
    }

    #[test]
    fn greetings_thanks_and_goodbyes_in_many_spellings() {
        for (text, kind) in [
            ("hi!", Kind::Greeting),
            ("Hey there", Kind::Greeting),
            ("hello bot", Kind::Greeting),
            ("Good morning!", Kind::Greeting),
            ("helo", Kind::Greeting),
            ("thanks", Kind::Thanks),
            ("thank you", Kind::Thanks),
            ("Thank you so much!", Kind::Thanks),
            ("ty", Kind::Thanks),
            ("thx!!", Kind::Thanks),
            ("thnaks", Kind::Thanks),
            ("much appreciated", Kind::Thanks),
            ("Thanks a bunch", Kind::Thanks),
            ("great, thanks!", Kind::Thanks),
            ("ok, bye", Kind::Goodbye),
            ("goodbey", Kind::Goodbye),
            ("see you later!", Kind::Goodbye),
            ("who are you?", Kind::Identity),
            ("are u a bot?", Kind::Identity),
            ("hi! who are you?", Kind::Identity),
            ("what can I ask you?", Kind::Abilities),
            ("What can you do?", Kind::Abilities),
            ("how do you work?", Kind::Method),
            ("ok", Kind::Ack),
            ("got it", Kind::Ack),
        ] {
            assert_eq!(whole(text), Some(kind), "{text}");
        }
    }

    #[test]
    fn a_greeting_in_front_of_a_question_is_cut_off_and_the_question_kept() {
        assert_eq!(
            by_words("hi, what is sales?"),
            Reading::Before("what is sales?".into())
        );
        assert_eq!(
            by_words("Hello what does marketing do?"),
            Reading::Before("what does marketing do?".into())
        );
        assert_eq!(
            by_words("fine. what's the conclusion?"),
            Reading::Before("what's the conclusion?".into())
        );
        assert_eq!(
            by_words("yo what is this article about"),
            Reading::Before("what is this article about".into())
        );
        assert_eq!(
            by_words("Thanks! And marketing?"),
            Reading::Before("And marketing?".into())
        );
    }

    #[test]
    fn a_message_with_no_letter_is_small_talk_never_a_question() {
        for (text, kind) in [
            ("👍", Kind::Ack),
            ("👍👍", Kind::Ack),
            ("?", Kind::Ack),
            ("...", Kind::Ack),
            ("🙏", Kind::Thanks),
            ("❤️", Kind::Thanks),
            ("👋", Kind::Greeting),
        ] {
            assert_eq!(by_words(text), Reading::Whole(kind), "{text}");
        }
        assert_eq!(by_words("👍 thanks"), Reading::Whole(Kind::Thanks));
        assert_eq!(by_words("👍 what is sales?"), Reading::No);
        assert_eq!(by_words("   "), Reading::No);
    }

    #[test]
    fn real_questions_are_not_small_talk() {
        for text in [
            "What is sales?",
            "Good Friday is celebrated when?",
            "What do you know about marketing?",
            "Who are you supposed to call for support?",
            "How does marketing work?",
            "Thanksgiving is in which month?",
            "help with negotiation",
            "What is the capital of France?",
            "Can I speak to a human please?",
            "Nice is a city in which country?",
        ] {
            assert_eq!(by_words(text), Reading::No, "{text}");
        }
    }

    #[test]
    fn only_close_prototypes_count_by_meaning() {
        let prototypes = vec![
            (Kind::Thanks, vec![1.0, 0.0]),
            (Kind::Greeting, vec![0.0, 1.0]),
        ];
        assert_eq!(
            by_meaning(&[0.8, 0.6], &prototypes),
            Some((Kind::Thanks, 0.8))
        );
        assert_eq!(by_meaning(&[0.7, 0.7], &prototypes), None);
        assert!(short_enough("much obliged, my friend"));
        assert!(!short_enough(
            "one two three four five six seven eight nine"
        ));
        assert!(!short_enough("   "));
    }
}
