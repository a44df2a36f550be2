//! The buttons' callback data: the core's [`Button`] as a short string and back
//! (always far under Telegram's 64-byte limit).

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::conversation::Button;

const MORE: &str = "more:";
const WHY: &str = "why:";
const GOOD: &str = "fb+:";
const BAD: &str = "fb-:";
const HUMAN: &str = "human:";

pub fn encode(button: Button) -> String {
    match button {
        Button::More(id) => format!("{MORE}{id}"),
        Button::Why(id) => format!("{WHY}{id}"),
        Button::Feedback(id, v) if v > 0 => format!("{GOOD}{id}"),
        Button::Feedback(id, _) => format!("{BAD}{id}"),
        Button::Human(id) => format!("{HUMAN}{id}"),
    }
}

/// The button behind callback data; `None` for data the bot did not make.
pub fn decode(data: &str) -> Option<Button> {
    if let Some(id) = data.strip_prefix(MORE) {
        id.parse().ok().map(Button::More)
    } else if let Some(id) = data.strip_prefix(WHY) {
        id.parse().ok().map(Button::Why)
    } else if let Some(id) = data.strip_prefix(GOOD) {
        id.parse().ok().map(|id| Button::Feedback(id, 1))
    } else if let Some(id) = data.strip_prefix(BAD) {
        id.parse().ok().map(|id| Button::Feedback(id, -1))
    } else if let Some(id) = data.strip_prefix(HUMAN) {
        id.parse().ok().map(Button::Human)
    } else {
        None
    }
}

/// The core's rows of buttons as an inline keyboard.
pub fn keyboard(rows: &[Vec<(String, Button)>]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(rows.iter().map(|row| {
        row.iter()
            .map(|(label, b)| InlineKeyboardButton::callback(label.clone(), encode(*b)))
            .collect::<Vec<_>>()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_button_survives_the_round_trip_and_foreign_data_is_none() {
        for b in [
            Button::More(7),
            Button::Why(8),
            Button::Feedback(9, 1),
            Button::Feedback(9, -1),
            Button::Human(10),
        ] {
            assert_eq!(decode(&encode(b)), Some(b));
            assert!(encode(b).len() < 64);
        }
        assert_eq!(decode("more:x"), None);
        assert_eq!(decode("other"), None);
    }
}
