//! The buttons' callback data: the core's [`Button`] as a short string and back
//! (always far under Telegram's 64-byte limit).

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::conversation::Button;

const MORE: &str = "more:";
const WHY: &str = "why:";
const GOOD: &str = "fb+:";
const BAD: &str = "fb-:";
const HUMAN: &str = "human:";
const CHOICE_1: &str = "pick1:";
const CHOICE_2: &str = "pick2:";
const OPTION: &str = "opt:";
/// "This answered it": `ans<N>:<ticket>`, N a single digit from 1.
const ANSWERED: &str = "ans";
const ACCEPT: &str = "accept:";
const REJECT: &str = "reject:";

pub fn encode(button: Button) -> String {
    match button {
        Button::More(id) => format!("{MORE}{id}"),
        Button::Why(id) => format!("{WHY}{id}"),
        Button::Feedback(id, v) if v > 0 => format!("{GOOD}{id}"),
        Button::Feedback(id, _) => format!("{BAD}{id}"),
        Button::Human(id) => format!("{HUMAN}{id}"),
        Button::Choice(id, 1) => format!("{CHOICE_1}{id}"),
        // The core makes choices 1 and 2 only; anything else reads back as 2.
        Button::Choice(id, _) => format!("{CHOICE_2}{id}"),
        Button::Option(n) => format!("{OPTION}{n}"),
        // The core offers at most nine passages; anything else reads back as 1 or 9.
        Button::Answered(ticket, n) => format!("{ANSWERED}{}:{ticket}", n.clamp(1, 9)),
        Button::Accept(id) => format!("{ACCEPT}{id}"),
        Button::Reject(id) => format!("{REJECT}{id}"),
    }
}

/// The button behind callback data; `None` for data the bot did not make. Strict:
/// exactly a known prefix and an id as [`encode`] writes it (digits, no sign, no
/// leading zero, not zero). The id is still only a hint: the core checks who asked.
pub fn decode(data: &str) -> Option<Button> {
    if let Some(id) = data.strip_prefix(MORE) {
        id_of(id).map(Button::More)
    } else if let Some(id) = data.strip_prefix(WHY) {
        id_of(id).map(Button::Why)
    } else if let Some(id) = data.strip_prefix(GOOD) {
        id_of(id).map(|id| Button::Feedback(id, 1))
    } else if let Some(id) = data.strip_prefix(BAD) {
        id_of(id).map(|id| Button::Feedback(id, -1))
    } else if let Some(id) = data.strip_prefix(HUMAN) {
        id_of(id).map(Button::Human)
    } else if let Some(id) = data.strip_prefix(CHOICE_1) {
        id_of(id).map(|id| Button::Choice(id, 1))
    } else if let Some(id) = data.strip_prefix(CHOICE_2) {
        id_of(id).map(|id| Button::Choice(id, 2))
    } else if let Some(n) = data.strip_prefix(OPTION) {
        id_of(n).map(Button::Option)
    } else if let Some(id) = data.strip_prefix(ACCEPT) {
        id_of(id).map(Button::Accept)
    } else if let Some(id) = data.strip_prefix(REJECT) {
        id_of(id).map(Button::Reject)
    } else if let Some(rest) = data.strip_prefix(ANSWERED) {
        let (n, ticket) = rest.split_once(':')?;
        let n = (n.len() == 1).then(|| id_of::<u8>(n)).flatten()?;
        id_of(ticket).map(|t| Button::Answered(t, n))
    } else {
        None
    }
}

/// A positive id written the one way `encode` writes it.
fn id_of<T: std::str::FromStr>(digits: &str) -> Option<T> {
    let canonical = !digits.is_empty()
        && digits.len() <= 19
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    canonical.then(|| digits.parse().ok()).flatten()
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
            Button::Option(3),
            Button::Why(8),
            Button::Feedback(9, 1),
            Button::Feedback(9, -1),
            Button::Human(10),
            Button::Choice(11, 1),
            Button::Choice(11, 2),
            Button::Answered(12, 1),
            Button::Answered(i64::MAX, 9),
            Button::Accept(13),
            Button::Reject(14),
        ] {
            assert_eq!(decode(&encode(b)), Some(b));
            assert!(encode(b).len() < 64);
        }
        assert_eq!(decode("more:x"), None);
        assert_eq!(decode("other"), None);
    }

    #[test]
    fn forged_callback_data_is_refused_not_bent_into_a_button() {
        for data in [
            "fb+:+5",
            "fb+:05",
            "fb-:-3",
            "fb+:0",
            "human:1 ",
            " human:1",
            "human:",
            "human:99999999999999999999",
            "human:9223372036854775808",
            "HUMAN:1",
            "more:1:2",
            "why:١٢",
            "fb±:1",
            "pick3:1",
            "pick1:-1",
            "pick:1",
            "ans0:1",
            "ans10:1",
            "ans1:",
            "ans:1",
            "ans1:01",
            "accept:-1",
            "reject:0",
            "",
        ] {
            assert_eq!(decode(data), None, "{data:?}");
        }
        assert_eq!(
            decode("human:9223372036854775807"),
            Some(Button::Human(i64::MAX))
        );
        assert_eq!(decode("more:18446744073709551615"), None, "over 19 digits");
    }

    /// Random and mutated callback data: decoding never panics, and whatever it
    /// accepts is exactly what `encode` writes for that button (one spelling per
    /// button, so no forged variant is bent into a real one).
    #[test]
    fn random_callback_data_decodes_only_to_its_one_canonical_spelling() {
        let mut state: u64 = 14;
        let mut next = move || {
            // splitmix64
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let prefixes = [
            MORE, WHY, GOOD, BAD, HUMAN, CHOICE_1, CHOICE_2, "fb", "", "human", "more:-", "pick",
            ANSWERED, "ans1:", "ans9:", ACCEPT, REJECT,
        ];
        let alphabet: Vec<char> = "0123456789+-: x\u{660}\u{ff11}\0".chars().collect();
        let mut accepted = 0;
        for _ in 0..200_000 {
            let mut data = prefixes[(next() % prefixes.len() as u64) as usize].to_owned();
            for _ in 0..next() % 24 {
                data.push(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
            if let Some(b) = decode(&data) {
                accepted += 1;
                assert_eq!(encode(b), data, "{data:?}");
            }
        }
        assert!(
            accepted > 100,
            "the generator reaches valid data too: {accepted}"
        );
    }
}
