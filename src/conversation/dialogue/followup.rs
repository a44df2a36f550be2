//! Follow-ups: a turn that leans on the one before ("and marketing?", "why is that?",
//! "what does he do?", "tell me more", "an example?") is read against the previous
//! question, and the reading is shown ("Reading this as: …"). Only these shapes are
//! follow-ups; any other message is a question of its own and starts a new context.
//! A follow-up with nothing to lean on is asked back, not guessed.

use crate::engine::intent;

/// The previous turn, as a follow-up needs it.
#[derive(Debug, Clone, Copy)]
pub struct Previous<'a> {
    /// The previous question as it was read.
    pub question: &'a str,
    /// The author's name, when the previous turn was about the author.
    pub author: Option<&'a str>,
}

/// How a message reads in context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Not a follow-up: a question of its own.
    Standalone,
    /// A follow-up, read as this question.
    Read(String),
    /// "Tell me more": the next passages of the previous answer.
    More,
    /// A follow-up that cannot be resolved: say this and ask for a whole question.
    AskBack(String),
}

/// Cosines of a phrase to each of several others, by meaning; `None` without an encoder.
pub type Similar<'a> = &'a dyn Fn(&str, &[&str]) -> Option<Vec<f32>>;

const MORE: &[&str] = &[
    "tell me more",
    "more",
    "more please",
    "go on",
    "continue",
    "keep going",
    "anything else",
    "what else",
    "elaborate",
    "can you elaborate",
    "please elaborate",
    "more details",
    "more detail",
    "details",
    "say more",
    "tell me more about it",
    "tell me more about that",
    "explain more",
    "expand on that",
    "go ahead",
    "more info",
    "more information",
    "can you tell me more",
    "could you tell me more",
    "tell me more please",
    "and then",
    "can you say more",
    "what more",
    "more on that",
    "anything more",
];

const EXAMPLE: &[&str] = &[
    "example",
    "an example",
    "for example",
    "examples",
    "any examples",
    "give me an example",
    "can you give an example",
    "can you give me an example",
    "such as",
    "like what",
    "for instance",
    "example please",
    "an example please",
    "got an example",
    "do you have an example",
    "any example",
    "give an example",
    "e g",
    "what s an example",
    "whats an example",
    "what is an example",
    "can i have an example",
];

const WHY: &[&str] = &[
    "why",
    "why so",
    "why is that",
    "why s that",
    "whys that",
    "how come",
    "why not",
    "why is this",
    "why would that be",
    "why is it so",
    "what s the reason",
    "the reason",
    "what is the reason",
    "reason",
    "why do you say that",
    "why does it",
    "why do they",
    "why would it",
    "why is that so",
    "and why",
    "but why",
    "why though",
];

const HOW: &[&str] = &[
    "how",
    "how so",
    "how is that",
    "in what way",
    "how does that work",
    "how do they do that",
    "how exactly",
    "how does it do that",
    "how do they do it",
    "in which way",
];

/// Auxiliary verbs a question's subject follows.
const AUX: &[&str] = &[
    "is", "are", "was", "were", "does", "do", "did", "should", "can", "could", "would", "will",
    "has", "have", "must", "might", "may", "shall",
];
const COPULA: &[&str] = &["is", "are", "was", "were"];
const DETERMINERS: &[&str] = &[
    "the", "a", "an", "my", "your", "our", "their", "this", "that", "his", "her", "its",
];
const WH: &[&str] = &[
    "what", "which", "who", "whom", "whose", "where", "when", "why", "how",
];

/// Words that are not a topic ("does", "the", "same", "too").
const FUNCTION: &[&str] = &[
    "and", "but", "so", "or", "what", "about", "how", "the", "a", "an", "of", "for", "is", "are",
    "does", "do", "did", "same", "too", "also", "as", "well", "either", "likewise", "that", "this",
    "it", "then", "with", "to", "in", "on", "question", "one", "thing", "s", "ok", "okay", "hmm",
    "right", "true", "apply", "applies", "hold", "holds", "there", "any",
];

/// The words of a text, lower-cased, apostrophes straightened and split off ("what's"
/// is "what", "s"), without punctuation.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace(['’', '‘'], "'")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn joined(words: &[String]) -> String {
    words.join(" ")
}

/// The previous question without its final punctuation.
fn trimmed(question: &str) -> &str {
    question.trim().trim_end_matches(['?', '.', '!', ' '])
}

/// A reading as it is shown: a capital first letter and a question mark.
fn as_question(text: &str) -> String {
    let text = text.trim().trim_end_matches(['?', '.', '!', ' ']);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}?", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// Reads `text` against `previous` (the last question, when the context is still fresh).
pub fn resolve(text: &str, previous: Option<Previous<'_>>, similar: Similar<'_>) -> Resolution {
    let all = words(text);
    // Leading connectors say "this goes on from the last turn".
    let skip = all
        .iter()
        .take_while(|w| {
            matches!(
                w.as_str(),
                "and" | "but" | "so" | "ok" | "okay" | "then" | "well" | "hmm" | "right" | "also"
            )
        })
        .count();
    let connected = skip > 0;
    let rest: Vec<String> = all[skip..].to_vec();
    let phrase = joined(&rest);
    let is = |set: &[&str]| set.contains(&phrase.as_str());

    if is(MORE) || rest.is_empty() && connected {
        return match previous {
            Some(_) => Resolution::More,
            None => ask_back("Tell you more about what? Ask me a question first."),
        };
    }
    if is(EXAMPLE) {
        return match previous {
            Some(p) => Resolution::Read(format!("{}: an example?", trimmed(p.question))),
            None => ask_back("An example of what? Ask me a whole question."),
        };
    }
    for (set, wh) in [(WHY, "why"), (HOW, "how")] {
        if is(set) {
            return match previous {
                Some(p) => Resolution::Read(rewrite_wh(p.question, wh)),
                None => ask_back(&format!("{} what? Ask me a whole question.", capital(wh))),
            };
        }
    }
    // "what about the author?": the person, whatever the last question was.
    if intent::asks_about_author(text) {
        return Resolution::Standalone;
    }
    if let Some(topic) = elliptical(&rest, connected).map(|t| original_case(text, &t)) {
        // "and marketing?" leans on a question before it; "does sales do the same?"
        // with none before it is asked as it is.
        let explicit = connected
            || matches!(
                rest.first().map(String::as_str),
                Some("what" | "how" | "same")
            );
        return match previous {
            Some(p) => substitute(p, &topic, similar),
            None if explicit => ask_back(&format!(
                "What would you like to know about {topic}? Ask me a whole question, e.g. “What is {topic}?”"
            )),
            None => Resolution::Standalone,
        };
    }
    if let Some(p) = previous {
        if let Some(fragment) = fragment(&rest) {
            // "which university?" after "Who is X — how many years?" asks about X,
            // not about the years: the last fragment is replaced, not added to.
            let base = trimmed(p.question);
            let base = base
                .rsplit_once(" — ")
                .filter(|(_, last)| self::fragment(&words(last)).is_some())
                .map_or(base, |(head, _)| head);
            return Resolution::Read(format!("{base} — {fragment}?"));
        }
        if let Some(read) = pronouns(text, p) {
            return Resolution::Read(read);
        }
    }
    Resolution::Standalone
}

/// `phrase` (lower-cased words) as the message spelled it ("Germany", not "germany").
fn original_case(text: &str, phrase: &str) -> String {
    let lower = text.to_lowercase();
    match lower.find(phrase) {
        Some(at) if lower.len() == text.len() => text
            .get(at..at + phrase.len())
            .map_or_else(|| phrase.to_owned(), str::to_owned),
        _ => phrase.to_owned(),
    }
}

fn ask_back(text: &str) -> Resolution {
    Resolution::AskBack(text.to_owned())
}

fn capital(word: &str) -> String {
    as_question(word).trim_end_matches('?').to_owned()
}

/// The previous question asked with `wh` instead: "Is problem solving part of sales?"
/// and "why?" read "Why is problem solving part of sales?"; a question that already
/// starts with a question word keeps it after a dash ("Why — what kind of …?").
fn rewrite_wh(previous: &str, wh: &str) -> String {
    let prev = trimmed(previous);
    let first = words(prev).into_iter().next().unwrap_or_default();
    if AUX.contains(&first.as_str()) {
        let mut chars = prev.chars();
        let lowered: String = chars
            .next()
            .map(|c| c.to_lowercase().chain(chars).collect())
            .unwrap_or_default();
        as_question(&format!("{wh} {lowered}"))
    } else if first == wh {
        as_question(prev)
    } else {
        format!("{} — {}?", capital(wh), prev)
    }
}

/// The topic of an elliptical turn: "and marketing?", "what about sales?", "how about
/// the author?", "does sales do the same?", "same for marketing".
fn elliptical(rest: &[String], connected: bool) -> Option<String> {
    let w: Vec<&str> = rest.iter().map(String::as_str).collect();
    let topic = match w.as_slice() {
        ["what" | "how", "about", topic @ ..] if !topic.is_empty() => topic.to_vec(),
        ["what", "of", topic @ ..] if !topic.is_empty() => topic.to_vec(),
        ["same", "for", topic @ ..] | ["same", "question", "for", topic @ ..]
            if !topic.is_empty() =>
        {
            topic.to_vec()
        }
        ["about", topic @ ..] if connected && !topic.is_empty() => topic.to_vec(),
        topic if connected && !topic.is_empty() && topic.len() <= 3 && !has_aux_or_wh(topic) => {
            topic.to_vec()
        }
        // "does sales do the same?", "is marketing too?", "sales as well?"
        all if all.len() <= 6
            && (all.ends_with(&["the", "same"])
                || all.ends_with(&["too"])
                || all.ends_with(&["as", "well"])
                || all.ends_with(&["either"])
                || all.ends_with(&["also"])) =>
        {
            // Only a turn with no content of its own but its topic: "Should the
            // leadership teams be aligned too?" is a whole question.
            let topic: Vec<&str> = all
                .iter()
                .copied()
                .filter(|w| !FUNCTION.contains(w) && !AUX.contains(w))
                .collect();
            if topic.len() > 2 {
                return None;
            }
            topic
        }
        _ => return None,
    };
    let topic: Vec<&str> = topic
        .into_iter()
        .filter(|w| !matches!(*w, "too" | "also" | "then" | "please"))
        .collect();
    (!topic.is_empty() && topic.len() <= 5).then(|| topic.join(" "))
}

fn has_aux_or_wh(words: &[&str]) -> bool {
    words.iter().any(|w| AUX.contains(w) || WH.contains(w))
}

/// The previous question about `topic` instead: the phrase of it closest in meaning to
/// the topic is replaced ("What kind of approach does sales use?" + "marketing").
fn substitute(previous: Previous<'_>, topic: &str, similar: Similar<'_>) -> Resolution {
    let prev = trimmed(previous.question);
    let original: Vec<&str> = prev.split_whitespace().collect();
    let lower: Vec<String> = original.iter().map(|w| bare(w)).collect();
    if lower.iter().any(|w| *w == topic.to_lowercase()) {
        // "And marketing?" after a question about marketing: the same question.
        return Resolution::Read(as_question(prev));
    }
    // Candidates: each content word, and each pair of neighbouring content words.
    let content = |i: usize| {
        let w = lower[i].as_str();
        !w.is_empty()
            && !AUX.contains(&w)
            && !WH.contains(&w)
            && !DETERMINERS.contains(&w)
            && !FUNCTION.contains(&w)
            && !matches!(
                w,
                "kind" | "type" | "sort" | "use" | "uses" | "mean" | "means"
            )
    };
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for i in 0..lower.len() {
        if content(i) {
            spans.push((i, i + 1));
            if i + 1 < lower.len() && content(i + 1) {
                spans.push((i, i + 2));
            }
        }
    }
    if spans.is_empty() {
        return ask_back(&format!(
            "What would you like to know about {topic}? Ask me a whole question."
        ));
    }
    let texts: Vec<String> = spans.iter().map(|&(a, b)| lower[a..b].join(" ")).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    // A one-word subject ("does *sales* use", "what is *marketing*") is what the
    // topic replaces: no need to compare meanings. Otherwise ("Is problem solving
    // part of sales?") the phrase closest in meaning to the topic.
    let one_word_subject = subject_span(&lower)
        .filter(|(a, b)| b - a == 1)
        .and_then(|s| spans.iter().position(|&sp| sp == s));
    let best = match one_word_subject {
        Some(i) => Some(i),
        None => match similar(topic, &refs) {
            Some(scores) => scores
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
                .map(|(i, _)| i),
            // Without meaning: the question's subject, else its last content word.
            None => subject_span(&lower)
                .and_then(|s| spans.iter().position(|&sp| sp == s))
                .or(Some(spans.len() - 1)),
        },
    };
    let Some(best) = best else {
        return ask_back("Which part of the last question do you mean? Ask me a whole question.");
    };
    let (a, b) = spans[best];
    let mut out: Vec<String> = original[..a].iter().map(|w| (*w).to_owned()).collect();
    // Keep the punctuation that trailed the replaced words ("sales," stays "marketing,").
    let tail: String = original[b - 1]
        .chars()
        .rev()
        .take_while(|c| !c.is_alphanumeric())
        .collect::<Vec<char>>()
        .into_iter()
        .rev()
        .collect();
    // "Who decides the strategy?" + "what about the leadership teams?": one "the".
    let topic = match (out.last(), topic.split_once(' ')) {
        (Some(before), Some((first, rest)))
            if DETERMINERS.contains(&bare(before).as_str())
                && DETERMINERS.contains(&first.to_lowercase().as_str()) =>
        {
            rest
        }
        _ => topic,
    };
    out.push(format!("{topic}{tail}"));
    out.extend(original[b..].iter().map(|w| (*w).to_owned()));
    Resolution::Read(as_question(&out.join(" ")))
}

/// A word without punctuation around it, lower-cased.
fn bare(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

/// Where a question's subject is: after its first auxiliary verb, a determiner and a
/// word ("should *companies* align", "does *the author* teach"); after "is" or "are",
/// everything but the last word ("is *calling an automated support line* frustrating").
fn subject_span(lower: &[String]) -> Option<(usize, usize)> {
    let (start, end) = subject_words(lower)?;
    // "What is *this* about?": the text itself is no subject a "they" can stand for.
    let text_only = lower[start..end]
        .iter()
        .all(|w| NOT_A_SUBJECT.contains(&w.as_str()) || DETERMINERS.contains(&w.as_str()));
    (!text_only).then_some((start, end))
}

/// Words that stand for the text or for nothing, never a question's subject.
const NOT_A_SUBJECT: &[&str] = &[
    "this", "that", "it", "these", "those", "article", "text", "piece", "document", "post", "page",
    "one", "ones", "which", "what",
];

fn subject_words(lower: &[String]) -> Option<(usize, usize)> {
    let aux = lower.iter().position(|w| AUX.contains(&w.as_str()))?;
    // "which of them is cheaper": the subject is the wh-phrase before the verb.
    if lower[..aux]
        .windows(2)
        .any(|w| WH.contains(&w[0].as_str()) && w[1] == "of")
    {
        return None;
    }
    // "who should *handle* negotiation": "who" is the subject, and what follows the
    // auxiliary its verb, no phrase to put a topic in place of.
    if aux == 1 && lower[0] == "who" && !COPULA.contains(&lower[aux].as_str()) {
        return None;
    }
    let start = aux + 1;
    if start >= lower.len() {
        return None;
    }
    if COPULA.contains(&lower[aux].as_str()) {
        let end = if lower.len() - start >= 3 {
            lower.len() - 1
        } else {
            start + 1
        };
        return Some((start, end));
    }
    let mut end = if DETERMINERS.contains(&lower[start].as_str()) && start + 1 < lower.len() {
        start + 2
    } else {
        start + 1
    };
    // "should *sales and marketing* work together": a coordinated subject.
    while end + 1 < lower.len() && matches!(lower[end].as_str(), "and" | "or") {
        end += 2;
    }
    Some((start, end))
}

/// Whether a subject is a person: the author, a pronoun for one, the author's name.
fn names_a_person(subject: &str, author: Option<&str>) -> bool {
    let lower = subject.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    words.iter().any(|w| {
        matches!(
            *w,
            "author" | "writer" | "he" | "she" | "i" | "you" | "we" | "person" | "people"
        )
    }) || author.is_some_and(|a| lower.contains(&a.to_lowercase()))
}

/// The phrase after a question's last preposition: "… think about *automated phone
/// support*".
fn object_phrase(words: &[&str]) -> Option<String> {
    let at = words.iter().rposition(|w| {
        matches!(
            bare(w).as_str(),
            "about" | "of" | "on" | "with" | "for" | "in" | "to" | "regarding"
        )
    })?;
    let phrase: Vec<&str> = words[at + 1..]
        .iter()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    (!phrase.is_empty()).then(|| phrase.join(" "))
}

/// A short question-word fragment: "which program?", "where?", "how many?", "since
/// when?". Not "who wrote this?": a question word with a verb is a question.
fn fragment(rest: &[String]) -> Option<String> {
    let w: Vec<&str> = rest.iter().map(String::as_str).collect();
    let fits = match w.as_slice() {
        [one] => WH.contains(one),
        ["which", more @ ..] => (1..=2).contains(&more.len()),
        // "what program?", "what year?" — not "what happened?" or "what else?".
        ["what", noun] => {
            !noun.ends_with("ed")
                && !matches!(
                    *noun,
                    "happens" | "now" | "then" | "next" | "else" | "if" | "about"
                )
        }
        ["how", "many" | "much" | "long" | "often", more @ ..] => more.len() <= 1,
        ["since" | "until", "when"] | ["who", "else"] => true,
        _ => false,
    };
    fits.then(|| w.join(" "))
}

/// Pronouns read as what they stand for: "he", "his" as the author when the last turn
/// was about the author; "it", "they" as the last question's subject, with its verb
/// phrase when the turn stops at "don't" ("what happens if they don't?").
fn pronouns(text: &str, previous: Previous<'_>) -> Option<String> {
    let original: Vec<&str> = text
        .trim()
        .trim_end_matches(['?', '.', '!'])
        .split_whitespace()
        .collect();
    if original.is_empty() || original.len() > 10 {
        return None;
    }
    let prev = trimmed(previous.question);
    let prev_words: Vec<&str> = prev.split_whitespace().collect();
    let prev_lower: Vec<String> = prev_words.iter().map(|w| bare(w)).collect();
    let subject = subject_span(&prev_lower).map(|(a, b)| {
        prev_words[a..b]
            .iter()
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
            .collect::<Vec<&str>>()
            .join(" ")
    });
    // "it" is not a person: after "What does the author think about automated phone
    // support?", "it" is what the question is about, after its last preposition.
    let thing = match &subject {
        Some(s) if names_a_person(s, previous.author) => object_phrase(&prev_words),
        other => other.clone(),
    };
    let predicate = subject_span(&prev_lower)
        .filter(|&(a, _)| !COPULA.contains(&prev_lower[a - 1].as_str()))
        .map(|(_, b)| prev_words[b..].join(" "));
    let mut changed = false;
    let mut out = Vec::with_capacity(original.len());
    for (i, word) in original.iter().enumerate() {
        let lower = bare(word);
        // Only a pronoun that is the turn's subject stands for the last one's: "what
        // does *he* do?", "why is *it* …", "what happens if *they* …"; in "why do
        // companies say they …" the turn has a subject of its own.
        let before = i
            .checked_sub(1)
            .map(|j| bare(original[j]))
            .unwrap_or_default();
        let subject_place = i <= 2
            || AUX.contains(&before.as_str())
            || matches!(before.as_str(), "if" | "when" | "because" | "unless");
        if !subject_place {
            out.push((*word).to_owned());
            continue;
        }
        let replacement = match lower.as_str() {
            "he" | "him" | "she" => previous.author.map(str::to_owned),
            "his" | "her" => previous.author.map(|a| format!("{a}'s")),
            "it" => thing.clone(),
            "its" => thing.as_ref().map(|s| format!("{s}'s")),
            "they" | "them" => subject.clone(),
            "their" => subject.as_ref().map(|s| format!("{s}'s")),
            _ => None,
        };
        match replacement {
            Some(r) if !r.is_empty() => {
                changed = true;
                out.push(r);
            }
            _ => out.push((*word).to_owned()),
        }
    }
    if !changed {
        return None;
    }
    let last = original.last().map(|w| bare(w)).unwrap_or_default();
    let stops_at_a_verb = matches!(
        last.as_str(),
        "don"
            | "dont"
            | "doesn"
            | "doesnt"
            | "didn"
            | "didnt"
            | "won"
            | "wont"
            | "can"
            | "cant"
            | "not"
            | "do"
            | "does"
    ) || original
        .last()
        .is_some_and(|w| w.ends_with("n't") || w.ends_with("n’t"));
    if stops_at_a_verb && let Some(p) = predicate.filter(|p| !p.is_empty()) {
        out.push(p);
    }
    Some(as_question(&out.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_meaning(_: &str, _: &[&str]) -> Option<Vec<f32>> {
        None
    }

    /// Meaning as a table: "marketing" is close to "sales" and nothing else.
    fn table(topic: &str, others: &[&str]) -> Option<Vec<f32>> {
        Some(
            others
                .iter()
                .map(|o| match (topic, *o) {
                    ("marketing", "sales") | ("sales", "marketing") => 0.7,
                    ("marketing", "negotiation") => 0.3,
                    _ => 0.1,
                })
                .collect(),
        )
    }

    fn prev(question: &str) -> Option<Previous<'_>> {
        Some(Previous {
            question,
            author: None,
        })
    }

    #[test]
    fn an_elliptical_turn_replaces_the_closest_phrase_of_the_last_question() {
        let p = prev("What kind of approach does sales use?");
        assert_eq!(
            resolve("and marketing?", p, &table),
            Resolution::Read("What kind of approach does marketing use?".into())
        );
        assert_eq!(
            resolve("what about marketing?", prev("What is sales?"), &table),
            Resolution::Read("What is marketing?".into())
        );
        assert_eq!(
            resolve(
                "what about the leadership teams?",
                prev("Who decides the strategy?"),
                &no_meaning
            ),
            Resolution::Read("Who decides the leadership teams?".into())
        );
        // Not "Who should marketing negotiation?": the verb is no subject.
        assert_eq!(
            resolve(
                "what about marketing?",
                prev("who should handle negotiation?"),
                &table
            ),
            Resolution::Read("Who should handle marketing?".into())
        );
        assert_eq!(
            resolve(
                "does sales do the same?",
                prev("What does marketing do with data?"),
                &table
            ),
            Resolution::Read("What does sales do with data?".into())
        );
        // Without an encoder, the subject is replaced.
        assert_eq!(
            resolve("and marketing?", p, &no_meaning),
            Resolution::Read("What kind of approach does marketing use?".into())
        );
    }

    #[test]
    fn why_and_how_ask_the_last_question_again_with_that_word() {
        assert_eq!(
            resolve(
                "why is that?",
                prev("Is problem solving part of sales?"),
                &no_meaning
            ),
            Resolution::Read("Why is problem solving part of sales?".into())
        );
        assert_eq!(
            resolve(
                "why?",
                prev("What kind of approach does sales use?"),
                &no_meaning
            ),
            Resolution::Read("Why — What kind of approach does sales use?".into())
        );
        assert_eq!(
            resolve(
                "How?",
                prev("Should sales and marketing be aligned?"),
                &no_meaning
            ),
            Resolution::Read("How should sales and marketing be aligned?".into())
        );
    }

    #[test]
    fn pronouns_stand_for_the_author_or_the_last_subject() {
        let about_author = Some(Previous {
            question: "Who wrote this?",
            author: Some("Joe Candido"),
        });
        assert_eq!(
            resolve("what does he do?", about_author, &no_meaning),
            Resolution::Read("What does Joe Candido do?".into())
        );
        assert_eq!(
            resolve(
                "what happens if they don't?",
                prev("How should companies align sales and marketing?"),
                &no_meaning
            ),
            Resolution::Read("What happens if companies don't align sales and marketing?".into())
        );
        assert_eq!(
            resolve(
                "why is it frustrating?",
                prev("What does the author think about automated phone support?"),
                &no_meaning
            ),
            Resolution::Read("Why is automated phone support frustrating?".into())
        );
        assert_eq!(
            resolve(
                "what happens if they do not?",
                prev("Why should sales and marketing work together?"),
                &no_meaning
            ),
            Resolution::Read("What happens if sales and marketing do not work together?".into())
        );
        assert_eq!(
            resolve(
                "why is it frustrating?",
                prev("Is calling an automated support line slow?"),
                &no_meaning
            ),
            Resolution::Read("Why is calling an automated support line frustrating?".into())
        );
    }

    #[test]
    fn more_examples_and_fragments() {
        let p = prev("Where does the author teach?");
        assert_eq!(resolve("tell me more", p, &no_meaning), Resolution::More);
        assert_eq!(resolve("and?", p, &no_meaning), Resolution::More);
        assert_eq!(
            resolve("what program?", p, &no_meaning),
            Resolution::Read("Where does the author teach — what program?".into())
        );
        assert_eq!(
            resolve("what happened?", p, &no_meaning),
            Resolution::Standalone
        );
        assert_eq!(
            resolve("which program?", p, &no_meaning),
            Resolution::Read("Where does the author teach — which program?".into())
        );
        // A second fragment replaces the first instead of piling up.
        assert_eq!(
            resolve(
                "which university?",
                prev("Who is Joe Candido — how many years?"),
                &no_meaning
            ),
            Resolution::Read("Who is Joe Candido — which university?".into())
        );
        // A why-reading's dash is no fragment: it stays.
        assert_eq!(
            resolve(
                "which program?",
                prev("Why — who does negotiation?"),
                &no_meaning
            ),
            Resolution::Read("Why — who does negotiation — which program?".into())
        );
        assert_eq!(
            resolve(
                "an example?",
                prev("What kind of approach does marketing use?"),
                &no_meaning
            ),
            Resolution::Read("What kind of approach does marketing use: an example?".into())
        );
    }

    #[test]
    fn whole_questions_stand_alone() {
        let p = prev("Why is calling an automated support line frustrating?");
        for q in [
            "what's better for complex matters?",
            "What is sales?",
            "Is marketing data-driven?",
            "Who wrote the article?",
            "Should the leadership teams be aligned too?",
        ] {
            assert_eq!(resolve(q, p, &table), Resolution::Standalone, "{q}");
            assert_eq!(resolve(q, None, &table), Resolution::Standalone, "{q}");
        }
    }

    #[test]
    fn what_about_the_author_asks_about_the_person_whatever_came_before() {
        // "What is better then?" has no subject to swap for "the author": the
        // turn once read "What is the author then?".
        for before in ["what is better then?", "What does marketing focus on?"] {
            assert_eq!(
                resolve("ok what about the author", prev(before), &table),
                Resolution::Standalone,
                "{before}"
            );
        }
        assert_eq!(
            resolve("what about the author?", None, &table),
            Resolution::Standalone
        );
    }

    #[test]
    fn they_after_a_question_about_the_text_has_nothing_to_stand_for() {
        // Once "Which of this is cheaper to keep?", then "Do cheaper to both …".
        assert_eq!(
            resolve(
                "which of them is cheaper to keep?",
                prev("what is this about?"),
                &table
            ),
            Resolution::Standalone
        );
        assert_eq!(
            resolve(
                "do they both reduce stress?",
                prev("Which of cats and dogs is cheaper to keep?"),
                &table
            ),
            Resolution::Standalone
        );
        // A real subject still stands: "Should sales and marketing work together?"
        assert_eq!(
            resolve(
                "what happens if they don't?",
                prev("Should sales and marketing work together?"),
                &table
            ),
            Resolution::Read("What happens if sales and marketing don't work together?".into())
        );
    }

    #[test]
    fn a_follow_up_with_nothing_before_it_is_asked_back() {
        for q in ["and marketing?", "why?", "tell me more", "an example?"] {
            assert!(
                matches!(resolve(q, None, &table), Resolution::AskBack(_)),
                "{q}"
            );
        }
        assert_eq!(
            resolve("what does he do?", None, &table),
            Resolution::Standalone
        );
    }
}
