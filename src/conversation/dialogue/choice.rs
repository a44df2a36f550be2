//! A reply to "Did you mean [1] or [2]?" (or to "Which document?"): "1", "the second",
//! "#2", "the one about data". Anything else is a new message and is read as one.

/// Words longer than this count when a reply names an option by what it says.
const MIN_LETTERS: usize = 4;

/// Which of `options` (their texts, in the order offered) the reply picks, 0-based.
pub fn pick(reply: &str, options: &[&str]) -> Option<usize> {
    let words: Vec<String> = reply
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    if words.is_empty() || words.len() > 8 || options.is_empty() {
        return None;
    }
    let w: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| {
            !matches!(
                *w,
                "the"
                    | "one"
                    | "number"
                    | "option"
                    | "no"
                    | "please"
                    | "i"
                    | "mean"
                    | "meant"
                    | "ok"
                    | "choice"
                    | "answer"
                    | "passage"
                    | "paragraph"
            )
        })
        .collect();
    let ordinal = |word: &str| -> Option<usize> {
        Some(match word {
            "1" | "first" | "1st" | "former" => 0,
            "2" | "second" | "2nd" => 1,
            "3" | "third" | "3rd" => 2,
            "4" | "fourth" | "4th" => 3,
            "latter" | "last" => options.len().checked_sub(1)?,
            _ => return None,
        })
    };
    match w.as_slice() {
        [one] => {
            if let Some(n) = ordinal(one) {
                return (n < options.len()).then_some(n);
            }
        }
        // "one" is filtered above, so "the first one" is ["first"]; "one" alone is 1.
        [] if words.iter().any(|w| w == "one") => return Some(0),
        [] => return None,
        _ => {}
    }
    // "the one about data", "about data", "data one": the option sharing the most
    // of its longer words, when one shares strictly more than the others.
    // Only a reply that points at an option: "the one about …", "about …", "the …
    // one". A bare word ("and marketing?") is a new message, not a pick.
    let named = words.first().is_some_and(|f| f == "the" || f == "about")
        || words.len() >= 2 && words.last().is_some_and(|l| l == "one");
    if !named {
        return None;
    }
    let asked: Vec<&str> = w
        .iter()
        .copied()
        .filter(|x| x.chars().count() >= MIN_LETTERS && *x != "about")
        .collect();
    if asked.is_empty() {
        return None;
    }
    let shared: Vec<usize> = options
        .iter()
        .map(|o| {
            let lower = o.to_lowercase();
            asked.iter().filter(|a| lower.contains(&stem(a))).count()
        })
        .collect();
    let best = *shared.iter().max()?;
    let winners: Vec<usize> = (0..shared.len()).filter(|&i| shared[i] == best).collect();
    match winners.as_slice() {
        [only] if best > 0 => Some(*only),
        _ => None,
    }
}

/// A crude stem, so "solve" finds "solving": the word without its last letter (never
/// under [`MIN_LETTERS`] letters).
fn stem(word: &str) -> String {
    let n = word.chars().count();
    word.chars().take((n - 1).max(MIN_LETTERS).min(n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: [&str; 2] = [
        "From an analysis perspective, marketing is data-driven.",
        "Sales does not have such a discipline. Problem solving is squarely in sales.",
    ];

    #[test]
    fn numbers_ordinals_and_what_the_option_says_pick_it() {
        for (reply, n) in [
            ("1", 0),
            ("2", 1),
            ("[2]", 1),
            ("#1", 0),
            ("the second", 1),
            ("the first one", 0),
            ("Second one please", 1),
            ("number 2", 1),
            ("option 1", 0),
            ("the latter", 1),
            ("the one about data", 0),
            ("the problem solving one", 1),
            ("the one about problem solving", 1),
        ] {
            assert_eq!(pick(reply, &OPTIONS), Some(n), "{reply}");
        }
    }

    #[test]
    fn new_questions_and_unknown_options_are_not_picks() {
        for reply in [
            "3",
            "What is marketing?",
            "why does sales lack data?",
            "the one about pricing",
            "hello",
            "and marketing?",
            "data",
        ] {
            assert_eq!(pick(reply, &OPTIONS), None, "{reply}");
        }
    }
}
