//! The [`Wall`]: where surfaces publish questions and the page's streams read them.
//! It numbers each question, applies the privacy rule (names only when asked for),
//! keeps the tally and the last few questions for a page that connects later, and
//! fans out on a `tokio::sync::broadcast` channel, which never waits for a reader:
//! a slow browser misses events (and is sent the whole state again), the bot never
//! slows down for it. `/forget` drops the person's questions from what it keeps and
//! sends every page the state again ([`Change::Reset`]).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use tokio::sync::broadcast;

use super::event::WallEvent;
use super::tally::Tally;

/// Questions a page that connects late still sees.
pub const KEEP: usize = 100;
/// Updates a slow page may fall behind before it is sent the whole state again.
const LAG: usize = 64;

/// The state a page starts from: the tally and the last questions, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub tally: Tally,
    pub events: Vec<WallEvent>,
}

/// One new question and the tally with it counted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Update {
    pub event: WallEvent,
    pub tally: Tally,
}

/// What a page's stream hears after its snapshot.
#[derive(Debug, Clone)]
pub enum Change {
    /// One more question.
    Question(Arc<Update>),
    /// Questions were taken off the wall (`/forget`): start over from a snapshot.
    Reset,
}

/// Cheap to clone: every clone publishes to the same wall.
#[derive(Clone)]
pub struct Wall {
    inner: Arc<Inner>,
}

struct Inner {
    /// A std mutex: held only to number, count and copy, never across an await.
    state: Mutex<State>,
    updates: broadcast::Sender<Change>,
    names: bool,
    keep: usize,
}

#[derive(Default)]
struct State {
    seq: u64,
    tally: Tally,
    recent: VecDeque<WallEvent>,
}

impl Wall {
    /// A wall that shows askers' names only when `names` is set.
    pub fn new(names: bool) -> Wall {
        Wall::keeping(names, KEEP)
    }

    /// A wall that keeps the last `keep` questions (at least one).
    pub fn keeping(names: bool, keep: usize) -> Wall {
        let (updates, _) = broadcast::channel(LAG);
        Wall {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                updates,
                names,
                keep: keep.max(1),
            }),
        }
    }

    /// Puts a question on the wall (never blocks on a page).
    pub fn publish(&self, mut event: WallEvent) {
        if !self.inner.names {
            event.asker = None;
        }
        let mut state = self.lock();
        state.seq += 1;
        event.seq = state.seq;
        event.at = crate::store::now();
        state.tally.count(event.outcome);
        if state.recent.len() == self.inner.keep {
            state.recent.pop_front();
        }
        state.recent.push_back(event.clone());
        let update = Arc::new(Update {
            event,
            tally: state.tally,
        });
        // Sent under the lock, so a page that subscribes sees each question exactly
        // once: in its snapshot or as an update. No page listening is not an error.
        let _ = self.inner.updates.send(Change::Question(update));
    }

    /// Takes `person`'s questions off the wall (`/forget`): a page that connects
    /// later no longer gets them, and every open page is sent the state without
    /// them. The tally keeps counting them: it holds numbers, nothing of the person.
    pub fn forget(&self, person: u64) {
        let mut state = self.lock();
        let before = state.recent.len();
        state.recent.retain(|e| e.person != Some(person));
        if state.recent.len() != before {
            let _ = self.inner.updates.send(Change::Reset);
        }
    }

    /// The state so far.
    pub fn snapshot(&self) -> Snapshot {
        snapshot(&self.lock())
    }

    /// The state so far and the updates after it, with none missed or repeated.
    pub fn subscribe(&self) -> (Snapshot, broadcast::Receiver<Change>) {
        let state = self.lock();
        (snapshot(&state), self.inner.updates.subscribe())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves whole values behind (each field
        // is assigned in one step): keep serving.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for Wall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wall")
            .field("names", &self.inner.names)
            .field("keep", &self.inner.keep)
            .finish_non_exhaustive()
    }
}

fn snapshot(state: &State) -> Snapshot {
    Snapshot {
        tally: state.tally,
        events: state.recent.iter().cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wall::event::Outcome;

    fn event(question: &str, outcome: Outcome) -> WallEvent {
        WallEvent {
            asker: Some("Ada".into()),
            ..WallEvent::new(question, outcome, "", 0.5)
        }
    }

    #[test]
    fn names_are_hidden_unless_the_wall_shows_them() {
        let hidden = Wall::new(false);
        hidden.publish(event("q", Outcome::Answered));
        assert_eq!(hidden.snapshot().events[0].asker, None);
        let shown = Wall::new(true);
        shown.publish(event("q", Outcome::Answered));
        assert_eq!(shown.snapshot().events[0].asker.as_deref(), Some("Ada"));
    }

    #[test]
    fn questions_are_numbered_and_counted_and_only_the_last_few_kept() {
        let wall = Wall::keeping(false, 2);
        wall.publish(event("one", Outcome::Answered));
        wall.publish(event("two", Outcome::Person));
        wall.publish(event("three", Outcome::NotCovered));
        let s = wall.snapshot();
        let kept: Vec<(u64, &str)> = s
            .events
            .iter()
            .map(|e| (e.seq, e.question.as_str()))
            .collect();
        assert_eq!(kept, [(2, "two"), (3, "three")]);
        assert_eq!(s.tally.total(), 3, "the tally counts the whole session");
        assert_eq!(s.tally.answered, 1);
        assert!(s.events[0].at > 0);
    }

    #[test]
    fn a_subscriber_gets_each_question_once_in_the_snapshot_or_as_an_update() {
        let wall = Wall::new(false);
        wall.publish(event("before", Outcome::Answered));
        let (snap, mut rx) = wall.subscribe();
        wall.publish(event("after", Outcome::Person));
        assert_eq!(snap.events.len(), 1);
        let Ok(Change::Question(update)) = rx.try_recv() else {
            panic!("the later question");
        };
        assert_eq!(update.event.question, "after");
        assert_eq!(update.event.seq, 2);
        assert_eq!(update.tally.total(), 2);
        assert!(rx.try_recv().is_err(), "nothing else");
    }

    #[test]
    fn a_reader_that_falls_behind_is_told_so_and_publishing_never_waits() {
        let wall = Wall::new(false);
        let (_, mut rx) = wall.subscribe();
        for i in 0..LAG * 3 {
            wall.publish(event(&format!("q{i}"), Outcome::Answered));
        }
        assert!(matches!(
            rx.try_recv(),
            Err(broadcast::error::TryRecvError::Lagged(_))
        ));
        assert_eq!(wall.snapshot().tally.total(), (LAG * 3) as u64);
    }

    #[test]
    fn forgetting_a_person_drops_their_questions_and_tells_the_pages() {
        let wall = Wall::new(false);
        for (person, question) in [(1, "mine"), (2, "theirs"), (1, "mine again")] {
            wall.publish(WallEvent {
                person: Some(person),
                ..event(question, Outcome::Answered)
            });
        }
        let (_, mut rx) = wall.subscribe();
        wall.forget(3);
        assert!(
            rx.try_recv().is_err(),
            "nobody's questions: nothing to tell"
        );
        wall.forget(1);
        assert!(matches!(rx.try_recv(), Ok(Change::Reset)));
        let s = wall.snapshot();
        let left: Vec<&str> = s.events.iter().map(|e| e.question.as_str()).collect();
        assert_eq!(left, ["theirs"]);
        assert_eq!(s.tally.total(), 3, "the tally is numbers only");
    }
}
