//! A conversation, not a search box: what each message is, read in the context of the
//! ones before it. One [`Dialogue`] per conversation (a terminal session, a private
//! chat, one person in a group); the terminal, `chat --json`, `ask --json`, Telegram
//! and the wall all take their decisions from [`Dialogue::turn`].
//!
//! A message is, in this order:
//! 1. a pick after "Did you mean [1] or [2]?" or "Which document?" ([`choice`]);
//! 2. small talk ([`smalltalk`]): a friendly reply, no search, no hand-over; a greeting
//!    in front of a question is cut off and the question answered;
//! 3. a question about a whole document ([`whole`]): its summary;
//! 4. a follow-up ([`followup`]): read against the previous question, the reading shown;
//! 5. a question: searched, judged by the hand-over rule ([`super::handoff`]), logged;
//!    "they" or "the two" in it, naming nothing, read as the two sides its document's
//!    title compares ([`both`]).
//!
//! The context (the last question, its author and document, how many passages were
//! shown) is forgotten after [`CONTEXT_SECONDS`] of silence, and replaced by every
//! question that stands alone.

pub mod both;
pub mod choice;
pub mod followup;
pub mod smalltalk;
pub mod whole;

use once_cell::sync::OnceCell;
use serde::Serialize;

use super::ask::{self, Asked, Log};
use super::handoff::{Decision, Reason};
use super::library::Library;
use crate::engine::ambiguity;
use crate::engine::digest::Focus;
use crate::engine::intent;
use crate::engine::search::{Answer, DocSummary, IndexSummary};

/// The context of a conversation lasts this long after its last message.
pub const CONTEXT_SECONDS: i64 = 10 * 60;

/// What kind of reply a message gets (`reply_kind` in `chat --json` and `ask --json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyKind {
    /// Passages that answer the question.
    Answer,
    /// A whole document's argument in its own sentences.
    Summary,
    /// Greetings, thanks, questions about the bot.
    SmallTalk,
    /// Handed to a person for a reason other than "not covered".
    Person,
    /// The documents do not answer it (or a follow-up could not be read).
    NotCovered,
}

/// One message, read and answered.
#[derive(Debug, Clone)]
pub struct Turn {
    pub kind: ReplyKind,
    /// The question as understood in context, when that differs from the message.
    pub read_as: Option<String>,
    /// The answer and the hand-over decision (empty for small talk).
    pub asked: Asked,
    /// Text shown instead of passages: small talk, a question asked back.
    pub reply: Option<String>,
    /// Options the next message may pick by number ("Which document?"): their titles.
    pub options: Vec<String>,
    /// The number the first passage is shown with (1, or more for "tell me more").
    pub first: usize,
    /// The reader picked this passage by typing after "Did you mean … or …?" (a
    /// suggested phrasing for the question).
    pub picked: bool,
}

impl Turn {
    fn new(kind: ReplyKind, asked: Asked) -> Turn {
        Turn {
            kind,
            read_as: None,
            asked,
            reply: None,
            options: Vec::new(),
            first: 1,
            picked: false,
        }
    }

    /// A reply in words, with nothing searched and no hand-over (small talk is
    /// never handed over).
    fn said(kind: ReplyKind, question: &str, reply: Option<String>) -> Turn {
        let asked = Asked {
            answer: Answer::empty(question),
            decision: Decision::default(),
            log_id: None,
        };
        Turn {
            reply,
            ..Turn::new(kind, asked)
        }
    }
}

/// A turn that answers nothing: a blank line, or (with `reply`) a failure said in words.
pub fn unanswered(question: &str, reply: Option<String>) -> Turn {
    Turn::said(ReplyKind::NotCovered, question, reply)
}

/// The last question of a conversation, as follow-ups need it.
#[derive(Debug, Clone)]
struct Context {
    /// The question as read.
    question: String,
    /// The author's name, when the question was about the author.
    author: Option<String>,
    /// The document its best passage came from.
    source: Option<String>,
    /// Passages shown so far (for "tell me more").
    shown: usize,
}

/// What the last reply offered to pick from.
#[derive(Debug, Clone)]
enum Pending {
    /// "Did you mean [1] or [2]?"
    Passages { answer: Box<Answer> },
    /// "Which document do you mean?"
    Documents {
        question: String,
        focus: Focus,
        sources: Vec<(String, String)>,
    },
}

/// One conversation's memory.
#[derive(Debug, Clone, Default)]
pub struct Dialogue {
    context: Option<Context>,
    pending: Option<Pending>,
    /// When the last message came.
    at: i64,
}

/// Prototype small talk, by meaning: encoded once per process (the encoder is one).
static PROTOTYPES: OnceCell<Vec<(smalltalk::Kind, Vec<f32>)>> = OnceCell::new();

impl Dialogue {
    pub fn new() -> Dialogue {
        Dialogue::default()
    }

    /// Whether the conversation has been silent long enough to forget (a bot keeps
    /// many; it drops these).
    pub fn idle(&self, now: i64) -> bool {
        now - self.at > CONTEXT_SECONDS
    }

    /// Whether the last reply offered options to pick by number ("Which document?").
    pub fn offers_options(&self) -> bool {
        matches!(self.pending, Some(Pending::Documents { .. }))
    }

    /// Reads and answers one message at `now` (Unix seconds), with at most `top`
    /// passages, logging questions to `log`.
    pub fn turn(
        &mut self,
        library: &dyn Library,
        text: &str,
        top: usize,
        log: Option<Log<'_>>,
        now: i64,
    ) -> crate::Result<Turn> {
        if self.idle(now) {
            self.context = None;
            self.pending = None;
        }
        self.at = now;
        let text = text.trim();
        if text.is_empty() {
            return Ok(unanswered(text, None));
        }
        if let Some(turn) = self.picked(library, text, top, log)? {
            return Ok(turn);
        }
        let summary = library.summary();
        let (text, greeted) = match smalltalk::by_words(text) {
            smalltalk::Reading::Whole(kind) => {
                return Ok(small_talk(kind, text, &summary));
            }
            smalltalk::Reading::Before(question) => (question, true),
            smalltalk::Reading::No => (text.to_owned(), false),
        };
        let titles = title_words(&summary);
        let title_word = |w: &str| titles.iter().any(|t| t == w);
        if let Some(focus) = whole::reading(&text, &title_word) {
            let mut turn = self.whole(library, &summary, &text, focus, top, log)?;
            if greeted {
                turn.read_as = turn.read_as.or(Some(text));
            }
            return Ok(turn);
        }
        let previous = self.context.as_ref().map(|c| followup::Previous {
            question: &c.question,
            author: c.author.as_deref(),
        });
        let similar = |topic: &str, others: &[&str]| similar(library, topic, others);
        match followup::resolve(&text, previous, &similar) {
            followup::Resolution::AskBack(reply) => {
                Ok(Turn::said(ReplyKind::NotCovered, &text, Some(reply)))
            }
            followup::Resolution::More => self.more(library, top, log),
            followup::Resolution::Read(question) => {
                let mut turn = self.question(library, &summary, &question, top, log)?;
                turn.read_as = Some(question);
                Ok(turn)
            }
            followup::Resolution::Standalone => {
                // Searched before it is logged: small talk found by meaning is not
                // a question, and leaves the conversation's context as it was.
                let before = self.context.clone();
                let mut turn = self.question(library, &summary, &text, top, None)?;
                if greeted {
                    turn.read_as = Some(text.clone());
                }
                // "what do they have in common?" of an article on sales and marketing:
                // asked again with the two sides, unless a word of the question is
                // in one passage only, which it then points at ("What do the two
                // functions have in common when it comes to trust?").
                if let Some(both) = self
                    .document(&summary)
                    .and_then(|doc| both::read(&text, &doc.title))
                    && !turn.asked.answer.terms.iter().any(|t| t.passages == 1)
                {
                    turn = self.question(library, &summary, &both, top, None)?;
                    turn.read_as = Some(both);
                }
                if turn.kind == ReplyKind::NotCovered
                    && let Some(kind) = small_talk_by_meaning(library, &text)
                {
                    self.context = before;
                    self.pending = None;
                    return Ok(small_talk(kind, &text, &summary));
                }
                turn.asked.log_id = log.and_then(|log| ask::record(log, &turn.asked));
                Ok(turn)
            }
        }
    }

    /// A pick after "Did you mean …?" or "Which document?", when the message is one.
    fn picked(
        &mut self,
        library: &dyn Library,
        text: &str,
        top: usize,
        log: Option<Log<'_>>,
    ) -> crate::Result<Option<Turn>> {
        let Some(pending) = self.pending.take() else {
            return Ok(None);
        };
        match pending {
            Pending::Passages { answer } => {
                let options: Vec<&str> = answer
                    .passages
                    .iter()
                    .take(2)
                    .map(|h| h.text.as_str())
                    .collect();
                let Some(n) = choice::pick(text, &options) else {
                    return Ok(None);
                };
                let mut chosen = (*answer).clone();
                chosen.passages = vec![answer.passages[n].clone()];
                chosen.more = false;
                chosen.confident = true;
                chosen.confidence.confident = true;
                let question = chosen.question.clone();
                let mut turn = Turn::new(ReplyKind::Answer, ask::judged(chosen, log));
                turn.read_as = Some(question);
                turn.picked = true;
                Ok(Some(turn))
            }
            Pending::Documents {
                question,
                focus,
                sources,
            } => {
                let titles: Vec<&str> = sources.iter().map(|(_, t)| t.as_str()).collect();
                let Some(n) = choice::pick(text, &titles) else {
                    return Ok(None);
                };
                let answer = library.summarize(&question, &sources[n].0, focus, top);
                let mut turn = self.summarized(answer, log);
                turn.read_as = Some(format!("{question} ({})", sources[n].1));
                Ok(Some(turn))
            }
        }
    }

    /// The document the conversation is about, else the only one.
    fn document<'a>(&self, summary: &'a IndexSummary) -> Option<&'a DocSummary> {
        let docs = &summary.documents;
        self.context
            .as_ref()
            .and_then(|c| c.source.as_ref())
            .and_then(|s| docs.iter().find(|d| &d.source == s))
            .or(match docs.as_slice() {
                [only] => Some(only),
                _ => None,
            })
    }

    /// A question about a whole document: the one it names, else the one the
    /// conversation is about, else the only one; with several, ask which.
    fn whole(
        &mut self,
        library: &dyn Library,
        summary: &IndexSummary,
        text: &str,
        focus: Focus,
        top: usize,
        log: Option<Log<'_>>,
    ) -> crate::Result<Turn> {
        let docs = &summary.documents;
        let chosen = named_document(docs, text).or_else(|| self.document(summary));
        let doc = match (chosen, docs.as_slice()) {
            (Some(doc), _) => doc,
            (None, []) => {
                return Ok(Turn::said(
                    ReplyKind::NotCovered,
                    text,
                    Some("There are no documents to summarise yet.".into()),
                ));
            }
            (None, many) => {
                let sources: Vec<(String, String)> = many
                    .iter()
                    .map(|d| (d.source.clone(), d.title.clone()))
                    .collect();
                let list: Vec<String> = sources
                    .iter()
                    .enumerate()
                    .map(|(i, (_, title))| format!("[{}] {title}", i + 1))
                    .collect();
                let mut turn = Turn::said(
                    ReplyKind::Summary,
                    text,
                    Some(format!("Which document do you mean?\n{}", list.join("\n"))),
                );
                turn.options = sources.iter().map(|(_, t)| t.clone()).collect();
                self.pending = Some(Pending::Documents {
                    question: text.to_owned(),
                    focus,
                    sources,
                });
                return Ok(turn);
            }
        };
        // "give me 3 key points": three, whatever the page size.
        let top = whole::how_many(text).unwrap_or(top);
        let answer = library.summarize(text, &doc.source, focus, top);
        Ok(self.summarized(answer, log))
    }

    fn summarized(&mut self, answer: Answer, log: Option<Log<'_>>) -> Turn {
        let source = answer.passages.first().map(|h| h.source.clone());
        let asked = ask::judged(answer, log);
        let kind = if asked.covered() {
            ReplyKind::Summary
        } else {
            ReplyKind::NotCovered
        };
        self.context = source.map(|source| Context {
            question: asked.answer.question.clone(),
            author: None,
            source: Some(source),
            shown: asked.answer.passages.len(),
        });
        Turn::new(kind, asked)
    }

    /// "Tell me more" (and `:more`): the next passages of the last question.
    pub fn more(
        &mut self,
        library: &dyn Library,
        top: usize,
        log: Option<Log<'_>>,
    ) -> crate::Result<Turn> {
        let Some(context) = self.context.as_mut() else {
            return Ok(Turn::said(
                ReplyKind::NotCovered,
                "",
                Some("Tell you more about what? Ask me a question first.".into()),
            ));
        };
        let mut answer = library.search(&context.question, context.shown, top)?;
        let first = context.shown + 1;
        context.shown += answer.passages.len();
        answer.truncated = false;
        let question = context.question.clone();
        let asked = ask::judged(answer, log);
        let mut turn = if asked.answer.passages.is_empty() {
            let mut t = Turn::new(ReplyKind::NotCovered, asked);
            t.reply = Some("That's all I have on this question.".into());
            t
        } else {
            // The passages continue an answer already judged: shown as more of it.
            Turn::new(ReplyKind::Answer, asked)
        };
        turn.read_as = Some(question);
        turn.first = first;
        Ok(turn)
    }

    /// A question: searched, judged, logged; it becomes the context.
    fn question(
        &mut self,
        library: &dyn Library,
        summary: &IndexSummary,
        question: &str,
        top: usize,
        log: Option<Log<'_>>,
    ) -> crate::Result<Turn> {
        let asked = ask::ask(library, question, top, log)?;
        let kind = kind_of(&asked);
        self.pending = ambiguity::of(&asked.answer).map(|_| Pending::Passages {
            answer: Box::new(asked.answer.clone()),
        });
        self.context = match kind {
            // A question the documents do not cover is still the subject: "and
            // Germany?" after "What is the capital of France?" reads against it.
            ReplyKind::Answer | ReplyKind::NotCovered => {
                let author = author_of(summary, &asked.answer, question);
                Some(Context {
                    question: about_the_person(question, author.as_deref()),
                    author,
                    source: asked.answer.passages.first().map(|h| h.source.clone()),
                    shown: asked.answer.passages.len(),
                })
            }
            // A person's matter: what follows is for them, not a follow-up.
            _ => None,
        };
        Ok(Turn::new(kind, asked))
    }
}

/// The kind of reply a searched question gets.
pub fn kind_of(asked: &Asked) -> ReplyKind {
    let personal = asked
        .decision
        .reasons
        .iter()
        .any(|r| !matches!(r, Reason::NotCovered { .. }));
    if personal {
        ReplyKind::Person
    } else if asked.answer.summarized.is_some() && asked.covered() {
        ReplyKind::Summary
    } else if asked.covered() && !asked.decision.hand_over() {
        ReplyKind::Answer
    } else {
        ReplyKind::NotCovered
    }
}

/// The author a follow-up's "he" stands for: when the question asked who wrote a
/// document or spoke of its author.
fn author_of(summary: &IndexSummary, answer: &Answer, question: &str) -> Option<String> {
    if let Some(author) = &answer.author {
        return Some(author.clone());
    }
    let source = answer.passages.first().map(|h| h.source.as_str())?;
    let author = summary
        .documents
        .iter()
        .find(|d| d.source == source)
        .and_then(|d| d.author.clone())?;
    // "Where does the author teach?", and "Where does Joe Candido teach?" (a "he"
    // read as the author's name a turn before).
    let named = question.to_lowercase().contains(&author.to_lowercase());
    (intent::mentions_author(question) || named).then_some(author)
}

/// The question a follow-up leans on: "tell me about the author" names no topic a
/// fragment can go with ("how many years?"), so it is kept as "Who is Joe Candido?".
fn about_the_person(question: &str, author: Option<&str>) -> String {
    match author {
        Some(name) if intent::asks_about_author(question) => format!("Who is {name}?"),
        _ => question.to_owned(),
    }
}

/// The lower-cased words of the documents' titles.
fn title_words(summary: &IndexSummary) -> Vec<String> {
    summary
        .documents
        .iter()
        .flat_map(|d| words(&d.title))
        .collect()
}

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace(['’', '\''], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The document whose title shares the most of the question's longer words, when one
/// shares strictly more than the others.
fn named_document<'a>(docs: &'a [DocSummary], question: &str) -> Option<&'a DocSummary> {
    if docs.len() < 2 {
        return None;
    }
    let asked: Vec<String> = words(question)
        .into_iter()
        .filter(|w| w.chars().count() > 3)
        .collect();
    let mut scored: Vec<(usize, &DocSummary)> = docs
        .iter()
        .map(|d| {
            let title = words(&d.title);
            let file = words(&d.source);
            let n = asked
                .iter()
                .filter(|w| title.contains(w) || file.contains(w))
                .count();
            (n, d)
        })
        .collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    match scored.as_slice() {
        [(best, doc), rest @ ..] if *best > 0 && rest.first().is_none_or(|r| r.0 < *best) => {
            Some(doc)
        }
        _ => None,
    }
}

/// Cosines of `topic` to each of `others`, by the library's encoder.
fn similar(library: &dyn Library, topic: &str, others: &[&str]) -> Option<Vec<f32>> {
    let t = library.embed(topic)?;
    others
        .iter()
        .map(|o| {
            library
                .embed(o)
                .map(|v| crate::engine::semantic::cosine(&t, &v))
        })
        .collect()
}

/// Small talk no phrase list holds, by meaning (see [`smalltalk::by_meaning`]).
fn small_talk_by_meaning(library: &dyn Library, text: &str) -> Option<smalltalk::Kind> {
    if !smalltalk::short_enough(text) {
        return None;
    }
    let vector = library.embed(text)?;
    let prototypes = PROTOTYPES
        .get_or_try_init(|| {
            // One batch through the encoder, once per process.
            let texts: Vec<&str> = smalltalk::PROTOTYPES.iter().map(|(_, t)| *t).collect();
            let vectors = library.embed_all(&texts).ok_or(())?;
            Ok::<_, ()>(
                smalltalk::PROTOTYPES
                    .iter()
                    .map(|(kind, _)| *kind)
                    .zip(vectors)
                    .collect(),
            )
        })
        .ok()?;
    smalltalk::by_meaning(&vector, prototypes).map(|(kind, _)| kind)
}

/// Small talk's turn: the friendly reply, nothing searched.
fn small_talk(kind: smalltalk::Kind, text: &str, summary: &IndexSummary) -> Turn {
    Turn::said(
        ReplyKind::SmallTalk,
        text,
        Some(small_talk_reply(kind, summary, examples(summary))),
    )
}

/// Example questions for small talk's replies.
fn examples(summary: &IndexSummary) -> Vec<String> {
    crate::render::example_questions(summary)
}

/// What the documents are, in words: "“A”", "“A” and “B”", "“A”, “B” and 3 more".
pub fn titles(summary: &IndexSummary) -> String {
    let titles: Vec<String> = summary
        .documents
        .iter()
        .map(|d| format!("“{}”", d.title))
        .collect();
    match titles.as_slice() {
        [] => "no documents yet".into(),
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
    }
}

/// The friendly reply to small talk: what the documents are and what to ask. Never a
/// hand-over: greeting a bot is not a question it failed.
pub fn small_talk_reply(
    kind: smalltalk::Kind,
    summary: &IndexSummary,
    examples: Vec<String>,
) -> String {
    use smalltalk::Kind;
    if summary.documents.is_empty() {
        return match kind {
            Kind::Goodbye => "Goodbye!".into(),
            Kind::Thanks => "You're welcome!".into(),
            _ => "Hello! I answer questions by quoting the documents I'm given, but I have none yet: an operator adds them to the corpus folder.".into(),
        };
    }
    let about = titles(summary);
    let tries: Vec<String> = examples.iter().take(3).map(|e| format!("“{e}”")).collect();
    let try_line = match tries.as_slice() {
        [] => String::new(),
        [one] => format!(" For example: {one}"),
        [init @ .., last] => format!(" For example: {} or {last}", init.join(", ")),
    };
    match kind {
        Kind::Greeting => {
            format!("Hello! I answer questions about {about}, quoting its own words.{try_line}")
        }
        Kind::Thanks => format!("You're welcome! Ask me anything else about {about}."),
        Kind::Goodbye => format!("Goodbye! Come back any time with a question about {about}."),
        Kind::Ack => format!("Anything else you'd like to know about {about}?{try_line}"),
        Kind::Identity => format!(
            "I'm passagebot, a bot that answers questions about {about} by quoting the passages that answer them. When the text doesn't answer, I say so, and a person can help.{try_line}"
        ),
        Kind::Abilities => format!(
            "Ask me anything {about} covers, and I'll quote the passages that answer it, or say that it doesn't. You can also ask what it is about, or for its conclusion.{try_line}"
        ),
        Kind::Method => format!(
            "I search {about} for the passages that answer your question, by its words and by their meaning, and quote them word for word. When none answers well enough, I say so instead of guessing, and offer a person.{try_line}"
        ),
    }
}

#[cfg(test)]
mod tests;
