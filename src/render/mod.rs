//! Turning an [`Answer`] into what each surface shows: pure functions, no I/O.
//!
//! - [`terminal`]: `ask` / `chat` output, highlighted on a TTY;
//! - [`json`]: the `ask --json` contract (README, "ask --json");
//! - [`telegram`]: Telegram HTML messages;
//! - here: the plain-words explanation behind `:why` and `/why`, and example
//!   questions for greetings.

pub mod json;
pub mod telegram;
pub mod terminal;

use crate::engine::ambiguity;
use crate::engine::search::{Answer, IndexSummary};

/// Why the top passage was chosen, and how sure the engine is, in plain words.
pub fn explain(answer: &Answer) -> String {
    let mut out = String::new();
    let Some(best) = answer.passages.first() else {
        if answer.terms.is_empty() {
            return "The question has no words to search for (only very common words or symbols)."
                .into();
        }
        let words: Vec<&str> = answer.terms.iter().map(|t| t.term.as_str()).collect();
        return format!(
            "None of the question's words ({}) appear in the documents, so nothing matched.",
            words.join(", ")
        );
    };
    out.push_str(&format!(
        "The top passage is paragraph {} of “{}”.\n",
        best.paragraph, best.title
    ));
    out.push_str(
        "Words of the question (after stemming), with their weight — rarer words weigh more:\n",
    );
    for t in &answer.terms {
        let mark = if t.matched {
            "matched"
        } else {
            "not in this passage"
        };
        let fix = t
            .corrected_from
            .as_ref()
            .map(|w| format!(" (for “{w}”)"))
            .unwrap_or_default();
        let seen = if t.passages == 0 {
            "not in the documents at all".to_string()
        } else {
            format!("in {} passage{}", t.passages, plural(t.passages))
        };
        out.push_str(&format!(
            "  • {}{fix}: weight {:.2}, {seen}, {mark}\n",
            t.term, t.weight
        ));
    }
    let c = &answer.confidence;
    out.push_str(&format!(
        "The passage covers {:.0}% of the question's weight (by words alone, confident from {:.0}%), and {}.\n",
        percent(c.coverage),
        percent(c.threshold),
        lead(c.margin)
    ));
    if c.decided_by_words {
        out.push_str(
            "The words settled it: no other passage scores even half as much, so meaning was not compared.\n",
        );
    }
    if let Some(sim) = c.similarity {
        out.push_str(&format!(
            "Its meaning is {:.0}% similar to the question's.\n",
            percent(sim)
        ));
    }
    if let Some(e) = best.asked.as_ref().filter(|e| e.strength() > 0.0) {
        let others = match e.close {
            0 | 1 => String::new(),
            n => format!(" (and {} more of its known questions)", n - 1),
        };
        out.push_str(&format!(
            "It is close to a question people asked before: “{}” ({:.0}% similar){others}.\n",
            e.question,
            percent(e.similarity)
        ));
    }
    if let Some(p) = c.probability {
        out.push_str(&format!(
            "All signals together: answers like this one were right about {:.0}% of the time in testing; I answer from {:.0}%.\n",
            percent(p),
            percent(c.answered_from)
        ));
    }
    if let Some(lack) = &c.lacks {
        out.push_str(&lack.explain());
        out.push('\n');
    }
    if let Some(lack) = &c.vouched_against {
        out.push_str(&format!(
            "By rule it would not count ({}), but people asked nearly the same before and were pointed to this passage.\n",
            lack.in_short()
        ));
    }
    if let Some(author) = &answer.author {
        out.push_str(&format!(
            "The question asks who wrote it: the document's own details name {author}.\n"
        ));
    }
    if let Some(title) = &answer.titled {
        out.push_str(&format!(
            "The question asks what the document is called: its own title is “{title}”.\n"
        ));
    }
    if let Some(tie) = ambiguity::of(answer) {
        let second = &answer.passages[1];
        out.push_str(&format!(
            "Paragraph {} of “{}” scores {:.0}% of it and says something else, so I asked which one you mean.\n",
            second.paragraph,
            second.title,
            percent(tie.closeness)
        ));
        return out;
    }
    out.push_str(if c.by_meaning() {
        "So it is offered as the answer: the words differ, but it says what was asked."
    } else if answer.confident {
        "So it is offered as the answer."
    } else {
        "That is not enough to call it an answer: the documents do not seem to cover this question, and a person would serve it better."
    });
    out
}

/// How far the top passage leads the next one, in plain words, from the
/// margin (best − next) / best: "about 8× the next one".
fn lead(margin: f32) -> String {
    if margin >= 0.995 {
        return "no other passage comes close".into();
    }
    let ratio = 1.0 / (1.0 - margin.max(0.0));
    if ratio < 1.1 {
        "it scores about the same as the next passage".into()
    } else if ratio < 2.0 {
        format!("it scores about {ratio:.1}× the next passage")
    } else {
        format!("it scores about {ratio:.0}× the next passage")
    }
}

/// A share as a percentage, never negative (an empty sum is -0.0, which
/// would print as "-0%").
fn percent(share: f32) -> f32 {
    if share > 0.0 { share * 100.0 } else { 0.0 }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Example questions for a greeting. For the bundled article these are
/// questions it answers well; for other corpora, questions people asked
/// before (their phrasing files), else, for one document, its summary, the
/// comparison its title makes and its author, and for several one per title.
pub fn example_questions(summary: &IndexSummary) -> Vec<String> {
    let bundled = summary
        .documents
        .iter()
        .any(|d| d.title.contains("Difference Between Sales and Marketing"));
    if bundled {
        return vec![
            "How is sales different from marketing?".into(),
            "Is marketing data-driven?".into(),
            "Why should sales and marketing work together?".into(),
        ];
    }
    if !summary.examples.is_empty() {
        return summary.examples.clone();
    }
    // One document: what a reader can ask of it without naming it ("Cats vs. Dogs:
    // Which Pet Is Right for You?" asks "How do cats and dogs differ?").
    if let [doc] = summary.documents.as_slice() {
        let mut examples = vec!["What is it about?".to_owned()];
        if let Some((a, b)) = crate::engine::lacks::compared::sides_of_title(&doc.title) {
            examples.push(format!("How do {a} and {b} differ?"));
        }
        if doc.author.is_some() {
            examples.push("Who wrote it?".to_owned());
        }
        return examples;
    }
    summary
        .documents
        .iter()
        .take(3)
        .map(|d| format!("What does “{}” say?", d.title))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{explain, lead};
    use crate::engine::search::{test_answer, test_hit};

    #[test]
    fn why_says_a_tie_was_asked_back() {
        let a = test_answer(
            true,
            vec![
                test_hit("Marketing is data.", 5, 2.0, Some(0.6)),
                test_hit("Sales is people.", 11, 1.9, Some(0.55)),
            ],
        );
        let why = explain(&a);
        assert!(
            why.ends_with("Paragraph 11 of “The Article” scores 95% of it and says something else, so I asked which one you mean.\n"),
            "{why}"
        );
    }

    #[test]
    fn the_lead_over_the_next_passage_reads_as_a_multiple() {
        // The next passage scores 13% of the top one: about 8×, not "87% above".
        assert_eq!(lead(0.87), "it scores about 8× the next passage");
        assert_eq!(lead(0.25), "it scores about 1.3× the next passage");
        assert_eq!(lead(0.02), "it scores about the same as the next passage");
        assert_eq!(lead(1.0), "no other passage comes close");
        assert_eq!(lead(-0.5), "it scores about the same as the next passage");
    }
}
