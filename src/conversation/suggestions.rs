//! Suggestions from use, approved by a person: the conversation notices when a
//! question found its passage in a way the search alone did not — an operator's
//! "This answered it" under a ticket, a reader's pick after "Did you mean … or …?",
//! a 👍 on an answer the bot was not sure of, a question rephrased until it was
//! answered — and records the pair in the store. Nothing a reader does changes an
//! answer by itself (a troll's 👍 must not teach the bot): operators review the
//! pairs with `/suggestions` (✅ / ❌ each) or `passagebot learn`, and only an
//! accepted pair reaches the corpus ([`super::learned`]).

use super::effect::say;
use super::effect::{Effect, Message};
use super::event::Button;
use super::learned;
use super::recent::Entry;
use super::{Core, OPERATORS_ONLY};
use crate::engine::ambiguity;
use crate::engine::search::{Answer, Hit};
use crate::render::telegram;
use crate::store::{NewSuggestion, SuggestedPassage, Suggestion, SuggestionKind, now};

/// A not-covered question counts as rephrased by the same person's next question
/// within this many seconds.
pub const REPHRASE_SECONDS: i64 = 5 * 60;
/// Suggestions `/suggestions` shows at once (each is a message with its buttons).
pub const LISTED: usize = 10;

/// A passage as a suggestion keeps it: its text, and the sentence that answers.
pub fn suggested(hit: &Hit) -> SuggestedPassage {
    SuggestedPassage {
        source: hit.source.clone(),
        paragraph: hit.paragraph,
        text: hit.text.clone(),
        sentence: hit
            .answer_sentence
            .and_then(|(s, e)| hit.text.get(s..e))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
    }
}

/// Whether `previous` (the same person's last answer in the chat) was a question
/// the text did not cover, asked shortly before `at` and worded differently from
/// `question`: then a covered answer now is its rephrasing's.
pub fn rephrased(previous: &Entry, question: &str, at: i64) -> bool {
    !previous.answer.confident
        && previous.decision.only_not_covered()
        && at - previous.at <= REPHRASE_SECONDS
        && !previous
            .question
            .trim()
            .eq_ignore_ascii_case(question.trim())
}

/// Whether a 👍 on `answer` suggests its passage: the bot was not sure and showed
/// one closest passage (not two to choose from: a pick says which).
pub fn thumbs_suggest(answer: &Answer) -> bool {
    !answer.confident && !answer.passages.is_empty() && ambiguity::of(answer).is_none()
}

impl Core {
    /// Records that `passage` answers `question` (asked by the person stored as
    /// `person`). A failing store is logged: the reader's own action still works.
    pub(super) fn suggest(
        &self,
        kind: SuggestionKind,
        person: &str,
        question: &str,
        passage: &SuggestedPassage,
        ticket: Option<i64>,
    ) -> Option<i64> {
        let recorded = self.store.suggest(&NewSuggestion {
            kind,
            person,
            question,
            passage,
            ticket,
            at: now(),
        });
        match recorded {
            Ok(Some(id)) => {
                tracing::info!(suggestion = id, kind = ?kind, "suggested a phrasing for approval");
                Some(id)
            }
            Ok(None) => None,
            Err(err) => {
                tracing::error!("could not record a suggestion: {err}");
                None
            }
        }
    }

    /// After an operator's first reply to a ticket reached the person: the ticket's
    /// passages as buttons, so the one that answered can be suggested.
    pub(super) fn offer_passages(&self, ticket: i64) -> anyhow::Result<Vec<Vec<(String, Button)>>> {
        let passages = self.store.ticket_passages(ticket)?;
        Ok((1..=9u8)
            .zip(&passages)
            .map(|(n, p)| {
                let label = format!(
                    "✔ This answered it: {n}. {}",
                    telegram::shorten(&p.text, 28)
                );
                vec![(label, Button::Answered(ticket, n))]
            })
            .collect())
    }

    /// "This answered it" under ticket `ticket`'s passage `n` (operators only).
    pub(super) fn answered_it(
        &self,
        chat: i64,
        ticket: i64,
        n: u8,
        out: &mut Vec<Effect>,
    ) -> anyhow::Result<()> {
        if !self.is_operator(chat) {
            out.push(Effect::Popup(OPERATORS_ONLY));
            return Ok(());
        }
        let t = self
            .store
            .ticket(ticket)?
            .filter(|t| !t.question.is_empty());
        let passage = self
            .store
            .ticket_passages(ticket)?
            .into_iter()
            .nth(usize::from(n).saturating_sub(1));
        let (Some(t), Some(passage)) = (t, passage) else {
            out.push(say(&format!(
                "Ticket #{ticket} or its passage is gone (erased on request, perhaps), so nothing was suggested."
            )));
            return Ok(());
        };
        let text = match self.suggest(
            SuggestionKind::Operator,
            &t.person,
            &t.question,
            &passage,
            Some(ticket),
        ) {
            Some(id) => format!(
                "💡 Suggestion #{id}: “{}” is answered by passage {n} ({}, paragraph {}). It changes nothing until accepted: /suggestions lists what waits for approval.",
                telegram::shorten(&t.question, 200),
                passage.source,
                passage.paragraph
            ),
            None => format!(
                "That pair (ticket #{ticket}, passage {n}) was suggested before; /suggestions lists what waits for approval."
            ),
        };
        out.push(say(&text));
        Ok(())
    }

    /// `/suggestions`: the pending suggestions, oldest first, each with ✅ / ❌.
    pub(super) fn list_suggestions(&self, chat: i64, out: &mut Vec<Effect>) -> anyhow::Result<()> {
        if !self.is_operator(chat) {
            out.push(say(OPERATORS_ONLY));
            return Ok(());
        }
        let pending = self.store.pending_suggestions()?;
        if pending.is_empty() {
            out.push(say(
                "No suggestions wait for approval. They come from your “This answered it” under tickets, readers' picks after “Did you mean …?”, 👍 on answers I was not sure of, and questions rephrased until I answered.",
            ));
            return Ok(());
        }
        let shown = pending.len().min(LISTED);
        out.push(say(&format!(
            "{} suggestion{} wait{} for approval{}. ✅ adds the question to {} in the corpus, so questions like it find that passage; ❌ drops it for good.",
            pending.len(),
            if pending.len() == 1 { "" } else { "s" },
            if pending.len() == 1 { "s" } else { "" },
            if pending.len() > shown {
                format!(" (the oldest {shown} below; decide them to see more)")
            } else {
                String::new()
            },
            learned::FILE_NAME
        )));
        let at = now();
        for s in pending.iter().take(shown) {
            out.push(Effect::Reply(Message {
                parts: telegram::split(&[suggestion_html(s, at)], telegram::MESSAGE_LIMIT),
                buttons: vec![vec![
                    ("✅ Accept".to_owned(), Button::Accept(s.id)),
                    ("❌ Reject".to_owned(), Button::Reject(s.id)),
                ]],
                brief: None,
            }));
        }
        Ok(())
    }

    /// ✅ or ❌ under suggestion `id` (operators only).
    pub(super) fn decide(
        &self,
        chat: i64,
        id: i64,
        accept: bool,
        out: &mut Vec<Effect>,
    ) -> anyhow::Result<()> {
        if !self.is_operator(chat) {
            out.push(Effect::Popup(OPERATORS_ONLY));
            return Ok(());
        }
        let text = if accept {
            match self.library.corpus() {
                None => format!(
                    "This bot serves a fixed index, so it cannot write to the corpus. Accept it on the terminal: passagebot learn accept {id}"
                ),
                Some(corpus) => match learned::accept(&self.store, &corpus, id) {
                    Ok(done) => {
                        tracing::info!(suggestion = id, "a suggestion was accepted");
                        format!(
                            "✅ Suggestion #{id} accepted{}: “{}” → “{}”. The index picks it up by itself in a moment.",
                            if done.already {
                                format!(" ({} already had that line)", learned::FILE_NAME)
                            } else {
                                format!(", added to {}", learned::FILE_NAME)
                            },
                            done.phrasing.q,
                            telegram::shorten(&done.phrasing.answer, 200)
                        )
                    }
                    Err(err) => err.to_string(),
                },
            }
        } else {
            match learned::reject(&self.store, id) {
                Ok(_) => {
                    format!("❌ Suggestion #{id} rejected; that pair won't be suggested again.")
                }
                Err(err) => err.to_string(),
            }
        };
        out.push(say(&text));
        Ok(())
    }
}

/// One pending suggestion as the operators see it.
fn suggestion_html(s: &Suggestion, now: i64) -> String {
    let minutes = u64::try_from(now - s.created_at).unwrap_or(0) / 60;
    let age = if minutes == 0 {
        "just now".to_owned()
    } else {
        format!(
            "{} ago",
            humantime::format_duration(std::time::Duration::from_secs(minutes * 60))
        )
    };
    format!(
        "💡 <b>Suggestion #{}</b> — from {}, {age}\n<b>Question:</b> <i>{}</i>\n<b>Answered by:</b>\n<blockquote>{}</blockquote>\n— {}, paragraph {}",
        s.id,
        telegram::escape(s.kind.describe()),
        telegram::escape(&telegram::shorten(&s.question, 500)),
        telegram::escape(&telegram::shorten(&s.passage.text, 600)),
        telegram::escape(&s.passage.source),
        s.passage.paragraph
    )
}
