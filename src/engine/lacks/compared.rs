//! The two things a comparison question sets side by side: "What's the
//! difference between marketing and public relations?" compares
//! "marketing" with "public relations", "Sales vs operations roles" sales
//! with "operations roles".
//!
//! A document that never mentions one side cannot say how the two differ,
//! however close the question is to one it does answer ("What is the
//! difference between sales and marketing?"). Read by rule, in the clause
//! that holds the comparison; only these forms count:
//!
//! - "difference(s) between A and B";
//! - "how is/are/do/does A different/differ from B";
//! - "how do/does A and B differ";
//! - "A vs B", "A versus B", "A compared to/with B", when the question asks
//!   how they differ ("Sales vs operations roles - how do they differ?"):
//!   "numbers vs interviews: which does marketing rely on?" asks which one,
//!   and an answer may name only that one.

/// Words that end a side rather than belong to it ("… and B as skills").
const ENDS: &[&str] = &["as", "in", "for", "when", "at", "on", "if", "which", "who"];

/// Words that end what comes before a side of "A vs B".
const BEFORE_VS: &[&str] = &[
    "is", "are", "between", "about", "behind", "of", "with", "to", "from", "and", "or", "do",
    "does",
];

/// The lower-case words of one clause (letters, digits and apostrophes).
fn clauses(question: &str) -> Vec<Vec<String>> {
    question
        .split(['?', '!', ';', ':', '.', ',', '—', '–', '(', ')'])
        .flat_map(|c| c.split(" - "))
        .map(|c| {
            c.split(|ch: char| !(ch.is_alphanumeric() || ch == '\''))
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect::<Vec<String>>()
        })
        .filter(|c| !c.is_empty())
        .collect()
}

/// A side: its words up to the first that ends it, without a leading article.
fn side(words: &[&str]) -> Option<String> {
    let end = words
        .iter()
        .position(|w| ENDS.contains(w))
        .unwrap_or(words.len());
    let mut taken = &words[..end];
    while let [first, rest @ ..] = taken
        && matches!(
            *first,
            "a" | "an" | "the" | "this" | "that" | "these" | "those"
        )
    {
        taken = rest;
    }
    (!taken.is_empty()).then(|| taken.join(" "))
}

/// The two sides of a comparison question, when it has that form.
pub fn sides(question: &str) -> Option<(String, String)> {
    let clauses = clauses(question);
    let differ = clauses.iter().flatten().any(|w| {
        matches!(
            w.as_str(),
            "differ" | "differs" | "difference" | "differences" | "different"
        )
    });
    clauses.iter().find_map(|clause| {
        let w: Vec<&str> = clause.iter().map(String::as_str).collect();
        in_clause(&w, differ)
    })
}

/// The two sides a title compares: the forms of [`sides`], and "A vs B" (or
/// "versus", "vs.") whether or not it says "differ": "Cats vs. Dogs: Which Pet Is
/// Right for You?" compares cats with dogs.
pub fn sides_of_title(title: &str) -> Option<(String, String)> {
    if let Some(found) = sides(title) {
        return Some(found);
    }
    let title = title.replace(" vs. ", " vs ").replace(" Vs. ", " vs ");
    clauses(&title).iter().find_map(|clause| {
        let w: Vec<&str> = clause.iter().map(String::as_str).collect();
        in_clause(&w, true)
    })
}

/// The sides in one clause; `differ`: the question asks how they differ.
fn in_clause(w: &[&str], differ: bool) -> Option<(String, String)> {
    let at = |word: &str| w.iter().position(|x| *x == word);
    let pair = |a: &[&str], b: &[&str]| Some((side(a)?, side(b)?));
    // "difference between A and B"
    if let Some(d) = w
        .windows(2)
        .position(|p| matches!(p[0], "difference" | "differences") && p[1] == "between")
    {
        let rest = &w[d + 2..];
        let and = rest.iter().position(|x| *x == "and")?;
        return pair(&rest[..and], &rest[and + 1..]);
    }
    // "A vs B": A is the few words before "vs", after any word that
    // cannot be part of it ("who's the writer behind this sales vs …").
    if let Some(v) = w.iter().position(|x| matches!(*x, "vs" | "versus"))
        && differ
    {
        let start = w[..v]
            .iter()
            .rposition(|x| ENDS.contains(x) || BEFORE_VS.contains(x))
            .map_or(0, |i| i + 1)
            .max(v.saturating_sub(3));
        return pair(&w[start..v], &w[v + 1..]);
    }
    match w {
        // "how is A different from B", "how does A differ from B"
        ["how", "is" | "are" | "do" | "does", rest @ ..] => {
            if let Some(d) = rest
                .windows(2)
                .position(|p| matches!(p[0], "different" | "differ") && p[1] == "from")
            {
                return pair(&rest[..d], &rest[d + 2..]);
            }
            // "how do A and B differ"
            let differ = rest.iter().position(|x| *x == "differ")?;
            let and = rest[..differ].iter().position(|x| *x == "and")?;
            pair(&rest[..and], &rest[and + 1..differ])
        }
        _ => {
            // "A compared to B"
            let c = at("compared").filter(|_| differ)?;
            match w.get(c + 1) {
                Some(&"to" | &"with") => pair(&w[..c], &w[c + 2..]),
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(a: &str, b: &str) -> Option<(String, String)> {
        Some((a.into(), b.into()))
    }

    #[test]
    fn the_forms_of_a_comparison_give_their_two_sides() {
        for (q, want) in [
            (
                "What's the difference between marketing and public relations?",
                both("marketing", "public relations"),
            ),
            (
                "Sales vs operations roles - how do they differ?",
                both("sales", "operations roles"),
            ),
            (
                "How is B2B marketing different from B2C?",
                both("b2b marketing", "b2c"),
            ),
            (
                "How do leadership and management differ as skills?",
                both("leadership", "management"),
            ),
            (
                "the writer's sales vs marketing jobs, how do they differ",
                both("writer's sales", "marketing jobs"),
            ),
            (
                "a rep compared to an ad: what's the difference",
                both("rep", "ad"),
            ),
            // Which one, not how they differ.
            (
                "numbers vs interviews: which kinds of research does marketing rely on?",
                None,
            ),
            ("Is a rep compared to an ad more persuasive", None),
            ("Is sales scientific?", None),
            ("What do sales and marketing have in common?", None),
            ("difference between", None),
            ("", None),
        ] {
            assert_eq!(sides(q), want, "{q}");
        }
    }

    #[test]
    fn a_title_compares_with_vs_alone() {
        assert_eq!(
            sides_of_title("Cats vs. Dogs: Which Pet Is Right for You?"),
            both("cats", "dogs")
        );
        assert_eq!(
            sides_of_title("Renting versus buying"),
            both("renting", "buying")
        );
        assert_eq!(
            sides_of_title("What’s the Difference Between Sales and Marketing?"),
            both("sales", "marketing")
        );
        assert_eq!(sides_of_title("Pricing for beginners"), None);
    }
}
