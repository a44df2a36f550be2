//! What an incoming message asks of the bot: a command, a question, or nothing.
//!
//! Private chats: any text is a question. Groups: only `/ask …` (or another of our
//! commands), a mention `@bot …`, or a reply to one of the bot's messages; other
//! chatter is none of the bot's business.

use teloxide::types::{Me, Message};
use teloxide::utils::command::BotCommands;

use super::commands::BotCommand;

/// What to do with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Command(BotCommand),
    Question(String),
    /// A command we do not know, in a private chat.
    UnknownCommand,
    /// A sticker, photo, voice message, file… in a private chat.
    NotText,
    /// Addressed to the bot but empty (a bare mention or `/ask`).
    Empty,
    /// Not for the bot.
    Ignore,
}

pub fn route(msg: &Message, me: &Me) -> Request {
    let private = msg.chat.is_private();
    if !(private || msg.chat.is_group() || msg.chat.is_supergroup()) {
        return Request::Ignore;
    }
    let Some(text) = msg.text() else {
        return if private {
            Request::NotText
        } else {
            Request::Ignore
        };
    };
    let replied_to_bot = msg
        .reply_to_message()
        .and_then(|m| m.from.as_ref())
        .is_some_and(|u| u.id == me.id);
    route_text(text, me.username(), private, replied_to_bot)
}

/// [`route`] on the parts that matter, so it can be tested without a `Message`.
pub fn route_text(text: &str, username: &str, private: bool, replied_to_bot: bool) -> Request {
    let text = text.trim();
    if text.starts_with('/') {
        return match BotCommand::parse(text, username) {
            Ok(BotCommand::Ask(q)) if q.trim().is_empty() => Request::Empty,
            Ok(BotCommand::Ask(q)) => Request::Question(q.trim().to_owned()),
            Ok(cmd) => Request::Command(cmd),
            // In a group an unknown command is probably for another bot.
            Err(_) if private => Request::UnknownCommand,
            Err(_) => Request::Ignore,
        };
    }
    if private {
        return Request::Question(text.to_owned());
    }
    if let Some(rest) = strip_mention(text, username) {
        return if rest.is_empty() {
            Request::Empty
        } else {
            Request::Question(rest)
        };
    }
    if replied_to_bot {
        return Request::Question(text.to_owned());
    }
    Request::Ignore
}

/// `text` without `@username` (any case) when it mentions the bot as a whole word.
fn strip_mention(text: &str, username: &str) -> Option<String> {
    let mention = format!("@{username}");
    let (hay, needle) = (text.as_bytes(), mention.as_bytes());
    if needle.len() > hay.len() {
        return None;
    }
    for pos in 0..=hay.len() - needle.len() {
        if !hay[pos..pos + needle.len()].eq_ignore_ascii_case(needle) {
            continue;
        }
        // The match starts with '@' and is valid UTF-8 compared byte for byte
        // (usernames are ASCII), so both ends are character boundaries whatever
        // the rest of the text is.
        let end = pos + needle.len();
        let before_ok = !is_name_char(text[..pos].chars().next_back());
        let after_ok = !is_name_char(text[end..].chars().next());
        if before_ok && after_ok {
            let rest = format!("{} {}", &text[..pos], &text[end..]);
            let rest = rest.trim().trim_start_matches([',', ':']).trim().to_owned();
            return Some(rest);
        }
    }
    None
}

fn is_name_char(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '@')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_next_to_text_that_changes_length_when_lowercased_are_found_safely() {
        for text in [
            "İİ @Passage_Test_Bot what is sales? ẞ",
            "ẞİ@passage_test_bot",
            "@PASSAGE_TEST_BOTİ",
        ] {
            // Must not panic; a mention glued to a letter is not a mention.
            let _ = strip_mention(text, "passage_test_bot");
        }
        let rest = strip_mention("İİ @Passage_Test_Bot what is sales? ẞ", "passage_test_bot")
            .expect("a mention");
        assert!(
            rest.starts_with("İİ") && rest.ends_with("what is sales? ẞ") && !rest.contains('@')
        );
        assert_eq!(
            strip_mention("ẞİ@passage_test_bot", "passage_test_bot"),
            None
        );
    }

    const BOT: &str = "passage_test_bot";

    fn group(text: &str) -> Request {
        route_text(text, BOT, false, false)
    }

    #[test]
    fn in_private_any_text_is_a_question_and_commands_are_commands() {
        assert_eq!(
            route_text("what is sales?", BOT, true, false),
            Request::Question("what is sales?".into())
        );
        assert_eq!(
            route_text("/start", BOT, true, false),
            Request::Command(BotCommand::Start)
        );
        assert_eq!(
            route_text("/frobnicate", BOT, true, false),
            Request::UnknownCommand
        );
        assert_eq!(route_text("/ask", BOT, true, false), Request::Empty);
    }

    #[test]
    fn in_groups_the_bot_answers_ask_mentions_and_replies_only() {
        assert_eq!(
            group("/ask what is sales?"),
            Request::Question("what is sales?".into())
        );
        assert_eq!(
            group("/ask@passage_test_bot what is sales?"),
            Request::Question("what is sales?".into())
        );
        assert_eq!(
            group("/ask@someone_else_bot what is sales?"),
            Request::Ignore
        );
        assert_eq!(
            group("@passage_test_bot what is sales?"),
            Request::Question("what is sales?".into())
        );
        assert_eq!(
            group("@Passage_Test_Bot, what is sales?"),
            Request::Question("what is sales?".into())
        );
        assert_eq!(
            group("so what is sales @passage_test_bot"),
            Request::Question("so what is sales".into())
        );
        assert_eq!(group("@passage_test_bot"), Request::Empty);
        assert_eq!(group("@passage_test_bot_fan says hi"), Request::Ignore);
        assert_eq!(group("mail me at x@passage_test_bot"), Request::Ignore);
        assert_eq!(group("lunch anyone?"), Request::Ignore);
        assert_eq!(group("/unknown"), Request::Ignore);
        assert_eq!(
            route_text("and marketing?", BOT, false, true),
            Request::Question("and marketing?".into())
        );
    }
}
