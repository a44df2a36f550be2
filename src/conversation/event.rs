//! What happens to the conversation, as plain data: a person asks, presses a
//! button, an operator replies, a delivery is reported. Surfaces translate their
//! own updates (Telegram's, the terminal's) into these.

/// The person behind a message or a button press.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// A stable id for the person (Telegram's user id); the store hashes it.
    pub id: u64,
    pub name: String,
    pub username: Option<String>,
}

/// What a person can ask of the bot beyond a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Start,
    Help,
    About,
    Why,
    More,
    /// Ask a person, optionally with the question.
    Human(String),
    /// Close a conversation with a person; operators name the ticket (or reply to it).
    Close {
        arg: String,
        /// The message the command replies to, if any.
        replied_to: Option<i64>,
    },
    Tickets,
    Reindex,
    Forget,
    /// Operators: the suggested phrasings waiting for approval.
    Suggestions,
}

/// A button under an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    /// The next passages of remembered answer N.
    More(u64),
    /// Explain remembered answer N.
    Why(u64),
    /// 👍 (+1) or 👎 (-1) on logged question N.
    Feedback(i64, i8),
    /// Hand logged question N to a person.
    Human(i64),
    /// Show choice 1 or 2 of remembered answer N, whose best two passages tied
    /// ("Did you mean … or …?").
    Choice(u64, u8),
    /// Option `n` (from 1) of a reply that offered several ("Which document?"): as if
    /// the person had typed the number.
    Option(u8),
    /// Operators: passage `n` (from 1) of ticket T answered its question ("This
    /// answered it"): suggested as a phrasing.
    Answered(i64, u8),
    /// Operators: accept suggestion N (✅): its phrasing goes to the corpus.
    Accept(i64),
    /// Operators: reject suggestion N (❌).
    Reject(i64),
}

/// One thing that happened, with where (chat) and who (person).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Text addressed to the bot: a question, or a follow-up for a person.
    Question {
        chat: i64,
        person: Person,
        text: String,
    },
    /// Pick up where [`crate::conversation::Effect::Continue`] asked to, once the
    /// effects before it are out.
    Resume(Resume),
    Command {
        chat: i64,
        person: Person,
        command: Command,
    },
    Pressed {
        chat: i64,
        person: Person,
        button: Button,
    },
    /// A button press whose callback data the bot did not make (an old client, a
    /// forged request): answered with a harmless pop-up, nothing else happens.
    UnknownButton,
    /// An edited message: Telegram sends the whole message again. Only what has no
    /// side effect runs again (see `Core::edited`).
    Edited(Box<Event>),
    /// A command the bot does not know (in a private chat).
    UnknownCommand,
    /// A sticker, photo or file where text was expected.
    NotText,
    /// A bare mention of the bot (`@name` is the bot's username).
    EmptyMention { name: String },
    /// An operator replied to the bot's message `replied_to` in operator chat `chat`.
    OperatorReply {
        chat: i64,
        replied_to: i64,
        /// `None` when the reply is not text.
        text: Option<String>,
    },
    /// How posting to the operator chats went ([`crate::conversation::Effect::Post`]).
    Posted {
        ticket: i64,
        purpose: Purpose,
        chats: Vec<PostedChat>,
    },
    /// How relaying an operator's reply went ([`crate::conversation::Effect::Relay`]):
    /// `None` delivered, or why it could not be.
    Relayed { ticket: i64, error: Option<String> },
    /// Answers `answers` in `chat` went out in their short form ([`crate::conversation::Effect::Reply`]'s
    /// brief): their "More" starts again from the first passage.
    Briefed { chat: i64, answers: Vec<u64> },
    /// A background rebuild of the index failed.
    RebuildFailed { error: String },
    /// The bot started: finish what a crash interrupted (erasing the operator
    /// messages of tickets `/forget` blanked).
    Started,
    /// The operator messages of tickets `tickets` (erased by `/forget`) were deleted
    /// or blanked ([`crate::conversation::Effect::Erase`]): their mapping can go.
    Erased { tickets: Vec<i64> },
}

/// Where the core picks up after some effects are out (the answer to a question,
/// after "typing…" shows). Opaque: only the core makes one, so an adapter cannot skip
/// a rule (say, the check for an open ticket) by sending the later step itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Resume(pub(super) Step);

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Step {
    /// Answer the question (no ticket is open).
    Answer {
        chat: i64,
        person: Person,
        text: String,
    },
}

/// Why something is posted to the operators; says what to tell the person after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// A new ticket. `sentence` is the hand-over decision in words, `because` the
    /// reason to repeat to the person (none when they asked for a person).
    Ticket {
        sentence: String,
        because: Option<String>,
    },
    /// A person's message while their ticket is open.
    FollowUp,
}

impl Purpose {
    /// What the attempt is called in logs.
    pub fn what(&self) -> &'static str {
        match self {
            Purpose::Ticket { .. } => "post a ticket",
            Purpose::FollowUp => "relay a follow-up",
        }
    }
}

/// The messages one operator chat received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedChat {
    pub chat: i64,
    /// The ids of the messages that arrived, in order.
    pub messages: Vec<i64>,
    /// Every part arrived.
    pub complete: bool,
}
