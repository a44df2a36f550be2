//! Suggested phrasings: a question a reader asked and the passage that answered it,
//! recorded from use (an operator's "This answered it", a reader's pick, a 👍 on an
//! unsure answer, a question rephrased until it was answered) and kept here until an
//! operator accepts or rejects it. Nothing here changes an answer: only an accepted
//! suggestion, written to the corpus's `learned.questions.jsonl` by
//! [`crate::conversation::learned`], does. Also the passages each ticket showed the
//! operators, which their "This answered it" buttons name by number.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Result, Store};

/// Where a suggestion came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuggestionKind {
    /// An operator answered a handed-over question and tapped the passage.
    Operator,
    /// The reader picked one passage after "Did you mean … or …?".
    Choice,
    /// The reader pressed 👍 under an answer the bot was not sure of.
    Thumbs,
    /// The reader's question was not covered; their next one, soon after, was.
    Rephrased,
}

impl SuggestionKind {
    fn as_str(self) -> &'static str {
        match self {
            SuggestionKind::Operator => "operator",
            SuggestionKind::Choice => "choice",
            SuggestionKind::Thumbs => "thumbs",
            SuggestionKind::Rephrased => "rephrased",
        }
    }

    fn parse(s: &str) -> SuggestionKind {
        match s {
            "operator" => SuggestionKind::Operator,
            "choice" => SuggestionKind::Choice,
            "thumbs" => SuggestionKind::Thumbs,
            _ => SuggestionKind::Rephrased,
        }
    }

    /// Where it came from, in words for the operators.
    pub fn describe(self) -> &'static str {
        match self {
            SuggestionKind::Operator => "an operator's answer to a ticket",
            SuggestionKind::Choice => "the reader's pick after “Did you mean …?”",
            SuggestionKind::Thumbs => "a 👍 on an answer I was not sure of",
            SuggestionKind::Rephrased => "the reader rephrased an unanswered question",
        }
    }
}

/// A suggestion's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuggestionStatus {
    Pending,
    Accepted,
    Rejected,
}

impl SuggestionStatus {
    fn parse(s: &str) -> SuggestionStatus {
        match s {
            "accepted" => SuggestionStatus::Accepted,
            "rejected" => SuggestionStatus::Rejected,
            _ => SuggestionStatus::Pending,
        }
    }
}

/// A passage as a suggestion keeps it: enough to find it again in the corpus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuggestedPassage {
    pub source: String,
    pub paragraph: u32,
    /// The passage's whole text.
    pub text: String,
    /// Its sentence that answers the question best, when the engine located one.
    pub sentence: Option<String>,
}

/// A suggestion to record.
#[derive(Debug, Clone, Copy)]
pub struct NewSuggestion<'a> {
    pub kind: SuggestionKind,
    /// Whose question it is ([`Store::person_key`]).
    pub person: &'a str,
    pub question: &'a str,
    pub passage: &'a SuggestedPassage,
    pub ticket: Option<i64>,
    pub at: i64,
}

/// A recorded suggestion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub id: i64,
    pub created_at: i64,
    pub kind: SuggestionKind,
    #[serde(skip)]
    pub person: String,
    pub question: String,
    pub passage: SuggestedPassage,
    pub ticket: Option<i64>,
    pub status: SuggestionStatus,
    pub decided_at: Option<i64>,
}

const COLUMNS: &str = "SELECT id, created_at, kind, person, question, source, paragraph, passage, sentence, ticket, status, decided_at FROM suggestions";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Suggestion> {
    Ok(Suggestion {
        id: r.get(0)?,
        created_at: r.get(1)?,
        kind: SuggestionKind::parse(&r.get::<_, String>(2)?),
        person: r.get(3)?,
        question: r.get(4)?,
        passage: SuggestedPassage {
            source: r.get(5)?,
            paragraph: r.get(6)?,
            text: r.get(7)?,
            sentence: r.get(8)?,
        },
        ticket: r.get(9)?,
        status: SuggestionStatus::parse(&r.get::<_, String>(10)?),
        decided_at: r.get(11)?,
    })
}

impl Store {
    /// Records a suggestion; `None` when the same question and passage was
    /// suggested before (whatever became of it: a rejected pair is not asked again).
    pub fn suggest(&self, s: &NewSuggestion<'_>) -> Result<Option<i64>> {
        self.with(|c| {
            let n = c.execute(
                "INSERT INTO suggestions (created_at, kind, person, question, source, paragraph, passage, sentence, ticket)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9
                 WHERE NOT EXISTS (SELECT 1 FROM suggestions
                                   WHERE lower(question) = lower(?4) AND source = ?5 AND passage = ?7)",
                params![
                    s.at,
                    s.kind.as_str(),
                    s.person,
                    s.question,
                    s.passage.source,
                    s.passage.paragraph,
                    s.passage.text,
                    s.passage.sentence,
                    s.ticket
                ],
            )?;
            Ok((n > 0).then(|| c.last_insert_rowid()))
        })
    }

    /// One suggestion, whatever its state.
    pub fn suggestion(&self, id: i64) -> Result<Option<Suggestion>> {
        self.with(|c| {
            c.query_row(&format!("{COLUMNS} WHERE id = ?1"), [id], row)
                .optional()
        })
    }

    /// The suggestions waiting for an operator, oldest first.
    pub fn pending_suggestions(&self) -> Result<Vec<Suggestion>> {
        self.with(|c| {
            let mut stmt = c.prepare(&format!("{COLUMNS} WHERE status = 'pending' ORDER BY id"))?;
            let rows = stmt.query_map([], row)?;
            rows.collect()
        })
    }

    /// Accepts or rejects a pending suggestion; false when it is not pending (gone,
    /// or already decided: two operators pressing at once decide it once).
    pub fn decide_suggestion(&self, id: i64, accept: bool, at: i64) -> Result<bool> {
        self.with(|c| {
            let n = c.execute(
                "UPDATE suggestions SET status = ?2, decided_at = ?3 WHERE id = ?1 AND status = 'pending'",
                params![id, if accept { "accepted" } else { "rejected" }, at],
            )?;
            Ok(n > 0)
        })
    }

    /// Puts an accepted suggestion back to pending: its line could not be written.
    pub fn undo_acceptance(&self, id: i64) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE suggestions SET status = 'pending', decided_at = NULL WHERE id = ?1 AND status = 'accepted'",
                [id],
            )?;
            Ok(())
        })
    }

    /// Keeps the passages ticket `ticket` showed the operators, numbered from 1 as
    /// its message numbers them.
    pub fn keep_ticket_passages(&self, ticket: i64, passages: &[SuggestedPassage]) -> Result<()> {
        self.with(|c| {
            let tx = c.transaction()?;
            for (n, p) in (1..).zip(passages) {
                tx.execute(
                    "INSERT OR REPLACE INTO ticket_passages (ticket, n, source, paragraph, passage, sentence)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![ticket, n, p.source, p.paragraph, p.text, p.sentence],
                )?;
            }
            tx.commit()
        })
    }

    /// The passages ticket `ticket` showed, in order.
    pub fn ticket_passages(&self, ticket: i64) -> Result<Vec<SuggestedPassage>> {
        self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT source, paragraph, passage, sentence FROM ticket_passages WHERE ticket = ?1 ORDER BY n",
            )?;
            let rows = stmt.query_map([ticket], |r| {
                Ok(SuggestedPassage {
                    source: r.get(0)?,
                    paragraph: r.get(1)?,
                    text: r.get(2)?,
                    sentence: r.get(3)?,
                })
            })?;
            rows.collect()
        })
    }
}

/// `/forget` for suggestions, inside its transaction: the person's suggestions
/// that are not accepted go; accepted ones (their question is in the corpus now,
/// approved by an operator) lose the link to the person. Returns how many went.
pub(super) fn forget(tx: &rusqlite::Transaction<'_>, key: &str) -> rusqlite::Result<usize> {
    let gone = tx.execute(
        "DELETE FROM suggestions WHERE person = ?1 AND status != 'accepted'",
        [key],
    )?;
    tx.execute(
        "UPDATE suggestions SET person = '' WHERE person = ?1",
        [key],
    )?;
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Options;

    fn passage(text: &str) -> SuggestedPassage {
        SuggestedPassage {
            source: "corpus/a.md".into(),
            paragraph: 3,
            text: text.into(),
            sentence: Some("It is.".into()),
        }
    }

    fn suggest(store: &Store, person: &str, q: &str, p: &SuggestedPassage) -> Option<i64> {
        store
            .suggest(&NewSuggestion {
                kind: SuggestionKind::Thumbs,
                person,
                question: q,
                passage: p,
                ticket: None,
                at: 10,
            })
            .expect("suggest")
    }

    #[test]
    fn a_pair_is_suggested_once_and_decided_once() {
        let store = Store::in_memory(&Options::default()).expect("store");
        let p = passage("Marketing is data-driven. It is.");
        let id = suggest(&store, "h:a", "Is marketing data driven?", &p).expect("new");
        assert_eq!(
            suggest(&store, "h:b", "is marketing DATA driven?", &p),
            None,
            "the same pair again"
        );
        assert!(suggest(&store, "h:a", "Other question?", &p).is_some());
        assert_eq!(store.pending_suggestions().expect("list").len(), 2);
        assert!(store.decide_suggestion(id, false, 20).expect("reject"));
        assert!(
            !store.decide_suggestion(id, true, 21).expect("again"),
            "decided once"
        );
        let s = store.suggestion(id).expect("db").expect("kept");
        assert_eq!(s.status, SuggestionStatus::Rejected);
        assert_eq!(s.decided_at, Some(20));
        assert_eq!(
            suggest(&store, "h:c", "Is marketing data driven?", &p),
            None,
            "a rejected pair is not suggested again"
        );
        assert!(!store.decide_suggestion(id + 100, true, 1).expect("unknown"));
    }

    #[test]
    fn forget_drops_a_persons_open_suggestions_and_unlinks_accepted_ones() {
        let store = Store::in_memory(&Options::default()).expect("store");
        let me = store.person_key(1);
        let kept = suggest(&store, &me, "q1", &passage("one")).expect("1");
        suggest(&store, &me, "q2", &passage("two")).expect("2");
        let other = suggest(&store, "h:other", "q3", &passage("three")).expect("3");
        assert!(store.decide_suggestion(kept, true, 5).expect("accept"));
        let gone = store.forget(1).expect("forget");
        assert_eq!(gone.suggestions, 1);
        let pending: Vec<i64> = store
            .pending_suggestions()
            .expect("list")
            .iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(pending, vec![other]);
        assert_eq!(
            store.suggestion(kept).expect("db").expect("kept").person,
            ""
        );
    }

    #[test]
    fn a_tickets_passages_are_kept_in_order_and_go_with_the_ticket() {
        let store = Store::in_memory(&Options::default()).expect("store");
        let me = store.person_key(1);
        let t = store
            .open_ticket(&crate::store::NewTicket {
                person: &me,
                chat_id: 1,
                question: "q",
                reasons: "asked",
                from: None,
                no_operator: false,
                at: 1,
            })
            .expect("ticket");
        store
            .keep_ticket_passages(t.id, &[passage("first"), passage("second")])
            .expect("keep");
        let kept = store.ticket_passages(t.id).expect("read");
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[1].text, "second");
        store.forget(2).expect("another person's");
        assert_eq!(store.ticket_passages(t.id).expect("read").len(), 2);
        store.forget(1).expect("the asker's");
        assert!(store.ticket_passages(t.id).expect("read").is_empty());
    }
}
