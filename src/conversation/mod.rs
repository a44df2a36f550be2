//! The conversation: asking, hand-over to a person, tickets and the relay, feedback,
//! `/forget`. I/O-free in the sense of quinn-proto: events in ([`Event`]), effects out
//! ([`Effect`]), so every rule is a fast unit test; the Telegram bot
//! ([`crate::bot`]) only moves updates in and messages out.
//!
//! # Layout
//! - `mod.rs`: [`Core`] (what a conversation shares) and the event dispatch;
//! - `event.rs` / `effect.rs`: the inputs and outputs, as plain data;
//! - [`ask`]: the ask step every surface shares (search, hand-over rule, log);
//! - [`handoff`]: the hand-over rule itself;
//! - `answers.rs`: questions, "More", "Why this?", greetings, feedback;
//! - `tickets.rs`: hand-over, the operators' tickets, the relay, `/close`, `/forget`;
//! - `recent.rs`: the answers each chat can still press buttons under;
//! - [`suggestions`]: phrasings suggested by use (an operator's "This answered
//!   it", a pick, a 👍 on an unsure answer, a rephrasing), for operators to approve;
//! - [`learned`]: accepting one: its line in the corpus's `learned.questions.jsonl`;
//! - `library.rs`: what the conversation needs from the engine (a trait);
//! - [`session`]: the terminal chat (`passagebot chat`) over the same ask step.
//!
//! The store (SQLite, synchronous and local) is called directly: its writes are part
//! of the rules. Messages are Telegram HTML made by [`crate::render::telegram`]; the
//! terminal session renders with [`crate::render::terminal`]. With a live wall
//! ([`Core::with_wall`]), each answered question from a chat that is not an operator
//! chat is also published to it as a plain [`crate::wall::WallEvent`].

mod answers;
pub mod ask;
pub mod dialogue;
mod effect;
mod event;
pub mod handoff;
pub mod learned;
mod library;
mod recent;
pub mod session;
pub mod suggestions;
mod tickets;

use std::sync::Arc;
use std::time::Duration;

pub use effect::{Brief, Effect, Message};
pub use event::{Button, Command, Event, Person, PostedChat, Purpose, Resume};
pub use library::{Library, Live};

use crate::store::{Store, Ticket};
use crate::wall::Wall;

/// Sorry, with no detail: Telegram users never see internal errors.
const APOLOGY: &str = "Sorry, something went wrong on my side. Please try again in a moment.";
/// Said to someone who is not an operator using an operator's command.
const OPERATORS_ONLY: &str = "That command is for operators.";
/// Said when an edited command would do its work a second time.
const EDIT_IGNORED: &str =
    "I've already handled that message, so the edit changes nothing. Send a new message instead.";

/// The rules' settings.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Passages per answer (and per "More").
    pub passages: usize,
    /// Chats that receive handed-over questions; empty: no person available.
    pub operators: Vec<i64>,
    /// A ticket idle this long closes.
    pub ticket_timeout: Duration,
}

/// What every conversation shares: the documents, the store, the answers chats can
/// still press buttons under, and the rules.
pub struct Core {
    library: Arc<dyn Library>,
    store: Arc<Store>,
    recent: recent::Recent,
    rules: Rules,
    /// The `/help` text (plain), which the surface's command list owns.
    help: String,
    /// Where questions from non-operator chats are shown live (`--wall`).
    wall: Option<Wall>,
    /// Each conversation's memory (follow-ups, picks): one per person in each chat,
    /// the least recently heard from forgotten first.
    dialogues: std::sync::Mutex<lru::LruCache<(i64, u64), dialogue::Dialogue>>,
}

/// Conversations remembered at once; past it the quietest is forgotten (its context
/// would have expired anyway for most).
const DIALOGUES: usize = 10_000;

impl Core {
    pub fn new(library: Arc<dyn Library>, store: Arc<Store>, rules: Rules, help: String) -> Core {
        Core {
            library,
            store,
            recent: recent::Recent::new(),
            rules,
            help,
            wall: None,
            dialogues: std::sync::Mutex::new(lru::LruCache::new(
                std::num::NonZeroUsize::new(DIALOGUES).unwrap_or(std::num::NonZeroUsize::MIN),
            )),
        }
    }

    /// Shows every question from a chat that is not an operator chat on `wall`.
    pub fn with_wall(mut self, wall: Wall) -> Core {
        self.wall = Some(wall);
        self
    }

    /// The documents this core answers from.
    pub fn library(&self) -> &Arc<dyn Library> {
        &self.library
    }

    /// Example questions for greetings, from the index served now (a reload
    /// may bring new documents or phrasings).
    pub fn examples(&self) -> Vec<String> {
        crate::render::example_questions(&self.library.summary())
    }

    /// Whether `chat` is an operator chat (its replies go to people; no rate limit).
    pub fn is_operator(&self, chat: i64) -> bool {
        self.rules.operators.contains(&chat)
    }

    /// A chat as logs may show it: group and operator chats (negative ids) as they
    /// are; a private chat, whose id is the person's, as a short salted hash.
    pub fn log_chat(&self, chat: i64) -> String {
        if chat < 0 {
            chat.to_string()
        } else {
            self.store.log_id(chat.unsigned_abs())
        }
    }

    /// A person as logs may show them: a short salted hash.
    pub fn log_person(&self, id: u64) -> String {
        self.store.log_id(id)
    }

    /// Whether anyone answers hand-overs.
    fn has_operators(&self) -> bool {
        !self.rules.operators.is_empty()
    }

    /// The ticket-timeout rule, in one place: a ticket idle this long is over.
    fn expired(&self, ticket: &Ticket, now: i64) -> bool {
        let timeout = i64::try_from(self.rules.ticket_timeout.as_secs()).unwrap_or(i64::MAX);
        now - ticket.updated_at >= timeout
    }

    /// Handles one event. Blocking (a search, the database): async callers run it on
    /// a blocking thread. A failure becomes an apology to the person and a log line.
    pub fn handle(&self, event: Event) -> Vec<Effect> {
        let mut out = Vec::new();
        if let Err(err) = self.step(event, &mut out) {
            tracing::error!("could not handle an event: {err:#}");
            out.push(Effect::Reply(Message::html(
                crate::render::telegram::escape(APOLOGY),
            )));
        }
        out
    }

    fn step(&self, event: Event, out: &mut Vec<Effect>) -> anyhow::Result<()> {
        match event {
            Event::Question { chat, person, text } => self.question(chat, person, text, out),
            Event::Resume(event::Resume(event::Step::Answer { chat, person, text })) => {
                self.answer(chat, &person, &text, out)
            }
            Event::Command {
                chat,
                person,
                command,
            } => self.command(chat, &person, command, out),
            Event::Pressed {
                chat,
                person,
                button,
            } => self.pressed(chat, &person, button, out),
            Event::UnknownButton => {
                out.push(Effect::Popup(answers::UNKNOWN_BUTTON));
                Ok(())
            }
            Event::Edited(event) => self.edited(*event, out),
            Event::UnknownCommand => {
                answers::unknown_command(out);
                Ok(())
            }
            Event::NotText => {
                answers::not_text(out);
                Ok(())
            }
            Event::EmptyMention { name } => {
                self.empty_mention(&name, out);
                Ok(())
            }
            Event::OperatorReply {
                chat,
                replied_to,
                text,
            } => self.operator_reply(chat, replied_to, text, out),
            Event::Posted {
                ticket,
                purpose,
                chats,
            } => self.posted(ticket, purpose, &chats, out),
            Event::Relayed { ticket, error } => self.relayed(ticket, error, out),
            Event::Briefed { chat, answers } => {
                for id in answers {
                    self.recent.rewind(chat, id);
                }
                Ok(())
            }
            Event::RebuildFailed { error } => {
                tickets::rebuild_failed(&error, out);
                Ok(())
            }
            Event::Erased { tickets } => self.erased(&tickets),
            Event::Started => self.started(out),
        }
    }

    /// An edited message. Telegram sends the whole message again; running it again
    /// would repeat what it did (relay an operator's reply twice, open a second
    /// ticket), so only what changes nothing runs again: a question is answered anew
    /// (a fixed typo deserves a new answer) unless it went to a person, and the
    /// read-only commands. Everything else gets a short notice.
    fn edited(&self, event: Event, out: &mut Vec<Effect>) -> anyhow::Result<()> {
        match event {
            Event::Question { chat, person, text } => {
                if let Some(ticket) = self.active(chat, &person, out)? {
                    out.push(answers::say(&format!(
                        "Edits aren't passed on: the person already has your message (ticket #{}). Please send the correction as a new message.",
                        ticket.id
                    )));
                    return Ok(());
                }
                self.question(chat, person, text, out)
            }
            Event::OperatorReply {
                chat, replied_to, ..
            } => {
                let ticket = self.store.ticket_for_message(chat, replied_to)?;
                out.push(answers::say(&match ticket {
                    Some(t) => format!(
                        "Edits aren't relayed: the person already has your first reply (ticket #{}). To correct it, reply to the ticket again.",
                        t.id
                    ),
                    None => EDIT_IGNORED.to_owned(),
                }));
                Ok(())
            }
            Event::Command {
                command: Command::Start | Command::Help | Command::About | Command::Why,
                ..
            } => self.step(event, out),
            Event::Command { .. } => {
                out.push(answers::say(EDIT_IGNORED));
                Ok(())
            }
            // Not text, unknown commands, bare mentions: nothing to redo.
            _ => Ok(()),
        }
    }

    fn command(
        &self,
        chat: i64,
        person: &Person,
        command: Command,
        out: &mut Vec<Effect>,
    ) -> anyhow::Result<()> {
        match command {
            Command::Start => self.start(out),
            Command::Help => self.help(out),
            Command::About => self.about(out),
            Command::Why => self.why(chat, None, out),
            Command::More => return self.more_last(chat, out),
            Command::Human(q) => return self.human(chat, person, Some(q), None, out),
            Command::Close { arg, replied_to } => {
                return self.close(chat, person, &arg, replied_to, out);
            }
            Command::Tickets => return self.list(chat, out),
            Command::Reindex => self.reindex(chat, out),
            Command::Forget => return self.forget(person, out),
            Command::Suggestions => return self.list_suggestions(chat, out),
        }
        Ok(())
    }

    fn pressed(
        &self,
        chat: i64,
        person: &Person,
        button: Button,
        out: &mut Vec<Effect>,
    ) -> anyhow::Result<()> {
        match button {
            Button::More(id) => return self.more(chat, id, out),
            Button::Why(id) => self.why(chat, Some(id), out),
            Button::Feedback(id, value) => self.feedback(chat, person, id, value, out),
            Button::Human(id) => return self.human_button(chat, person, id, out),
            Button::Choice(id, number) => self.choice(chat, person, id, number, out),
            Button::Option(n) => return self.option(chat, person, n, out),
            Button::Answered(ticket, n) => return self.answered_it(chat, ticket, n, out),
            Button::Accept(id) => return self.decide(chat, id, true, out),
            Button::Reject(id) => return self.decide(chat, id, false, out),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
