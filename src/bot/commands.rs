//! The bot's commands. The doc comments are the `/help` text and what `setMyCommands`
//! shows in Telegram's command menu.

use teloxide::utils::command::BotCommands;

/// I answer questions with passages of the text, quoted word for word. Just type a question, or:
#[derive(BotCommands, Clone, Debug, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum BotCommand {
    /// Greeting, what I know, and example questions
    Start,
    /// This list of commands
    Help,
    /// Ask a question (in groups: /ask your question)
    Ask(String),
    /// The next passages for the last question
    More,
    /// Why I gave the last answer: matched words, weights, confidence
    Why,
    /// What documents I know and when the index was built
    About,
    /// Ask a person instead of me (optionally: /human your question)
    Human(String),
    /// End your conversation with a person (operators: /close N closes ticket N)
    Close(String),
    /// Operators: list the open tickets
    Tickets,
    /// Operators: rebuild the index from the corpus folder now
    Reindex,
    /// Erase what I stored about you (your questions, tickets, feedback, suggestions)
    Forget,
    /// Operators: suggested phrasings waiting for approval (✅ adds one to the corpus)
    Suggestions,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_with_and_without_the_bot_name() {
        let p = |t: &str| BotCommand::parse(t, "passage_test_bot").ok();
        assert_eq!(p("/start"), Some(BotCommand::Start));
        assert_eq!(
            p("/ask what is sales?"),
            Some(BotCommand::Ask("what is sales?".into()))
        );
        assert_eq!(
            p("/ask@passage_test_bot what is sales?"),
            Some(BotCommand::Ask("what is sales?".into()))
        );
        assert_eq!(p("/ask@other_bot what is sales?"), None);
        assert_eq!(p("/nonsense"), None);
        assert_eq!(p("/human"), Some(BotCommand::Human(String::new())));
        assert_eq!(
            p("/human my contract"),
            Some(BotCommand::Human("my contract".into()))
        );
        assert_eq!(p("/close 12"), Some(BotCommand::Close("12".into())));
        assert_eq!(p("/tickets"), Some(BotCommand::Tickets));
        assert_eq!(p("/forget"), Some(BotCommand::Forget));
        assert_eq!(p("/suggestions"), Some(BotCommand::Suggestions));
    }

    #[test]
    fn every_command_has_a_menu_description() {
        for c in BotCommand::bot_commands() {
            assert!(!c.description.is_empty(), "{}", c.command);
            assert!(c.description.len() <= 256);
        }
        assert!(BotCommand::descriptions().to_string().contains("/why"));
    }
}
