//! What the conversation wants done, as plain data: messages to send (HTML, with
//! buttons), posts to the operator chats, relays to a person. An adapter (the
//! Telegram bot) carries them out in order and reports back what only it can see
//! (which messages arrived) as new [`super::Event`]s.

use super::event::{Button, Purpose, Resume};
use crate::render::telegram;

/// A reply of one escaped line of plain text.
pub(super) fn say(text: &str) -> Effect {
    Effect::Reply(Message::html(telegram::escape(text)))
}

/// A message: one or more HTML parts (each within Telegram's limit), the buttons on
/// the last part.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    pub parts: Vec<String>,
    /// Rows of buttons with their labels.
    pub buttons: Vec<Vec<(String, Button)>>,
    /// The answer's short form, for when the adapter sends several answers in a
    /// group as one message; `None` for anything that is not an answer.
    pub brief: Option<Brief>,
}

/// An answer's short form (one entry of a group digest): the asker addressed, the
/// top passage shortened, a button for the whole answer. The adapter, which sees how
/// many answers wait for a group, decides whether to use it, and then reports it with
/// [`super::Event::Briefed`] so that the button starts from the first passage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brief {
    pub html: String,
    /// The button that shows the whole answer, labelled with the asker's name.
    pub button: Option<(String, Button)>,
    /// The remembered answer this is the short form of.
    pub answer: u64,
}

impl Message {
    /// A message of one HTML part, no buttons.
    pub fn html(html: String) -> Message {
        Message {
            parts: vec![html],
            ..Message::default()
        }
    }

    /// A message of several parts, no buttons.
    pub fn parts(parts: Vec<String>) -> Message {
        Message {
            parts,
            ..Message::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Reply where the event came from. If this fails, the adapter apologises.
    Reply(Message),
    /// Show "typing…" where the event came from (failure does not matter).
    Typing,
    /// A little pop-up on the pressed button (feedback thanks).
    Popup(&'static str),
    /// Send to another chat (the person behind a ticket); a failure is only logged.
    Tell { chat: i64, message: Message },
    /// Send to every operator chat; a chat that fails is only logged.
    Notify { html: String },
    /// Post ticket `ticket`'s `parts` to every operator chat, then report with
    /// [`Event::Posted`].
    Post {
        ticket: i64,
        parts: Vec<String>,
        purpose: Purpose,
    },
    /// Relay an operator's reply to the person's chat, then report with
    /// [`Event::Relayed`] (the adapter knows why Telegram refused).
    Relay {
        ticket: i64,
        chat: i64,
        parts: Vec<String>,
    },
    /// Delete these operator messages (operator chat, message id), or, when Telegram
    /// refuses (too old), edit them to "[erased]"; then report with
    /// [`super::Event::Erased`] so their mapping rows go only after the messages.
    Erase {
        tickets: Vec<i64>,
        messages: Vec<(i64, i64)>,
    },
    /// Carry out the effects before this one, then handle [`super::Event::Resume`] with
    /// this (so "typing…" shows while the search runs).
    Continue(Resume),
}
