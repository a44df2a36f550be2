//! Recent answers per chat, for "More", "Why this?", `/more` and `/why`.
//!
//! Buttons carry only a short id (a chat app limits what a button holds); the id
//! points here. Memory is bounded: a few answers per chat, a cap on chats. After a
//! restart the ids are gone and the bot asks the person to ask again.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::handoff::Decision;
use crate::engine::search::Answer;

/// Answers kept per chat.
const PER_CHAT: usize = 8;
/// Answers kept per group (negative chat id): a class asks many at once, and a
/// group digest's "More for …" buttons should still work a few minutes later.
const PER_GROUP: usize = 100;
/// Chats kept; beyond this the least recently used chat is forgotten.
const MAX_CHATS: usize = 10_000;

/// One answer the bot gave.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: u64,
    /// Who asked (the person's id), so `/forget` can drop it and `/human` in a group
    /// takes the presser's own question.
    pub asker: u64,
    pub question: String,
    /// The first search's answer: what `/why` explains.
    pub answer: std::sync::Arc<Answer>,
    /// How many passages have been shown so far (the next "More" skips these).
    pub shown: usize,
    /// What the hand-over rule decided (for `/why`).
    pub decision: Decision,
    /// The question log's id (what 👍 / 👎 carry), when logged.
    pub log_id: Option<i64>,
    /// When it was answered (Unix seconds): a rephrasing must follow soon.
    pub at: i64,
}

/// Where an answer stands in the log and in time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Logged {
    pub id: Option<i64>,
    pub at: i64,
}

#[derive(Default)]
struct Chat {
    entries: VecDeque<Entry>,
    used: u64,
}

#[derive(Default)]
pub struct Recent {
    next_id: AtomicU64,
    clock: AtomicU64,
    // A std mutex: short critical sections, never held across an await.
    chats: Mutex<HashMap<i64, Chat>>,
}

impl Recent {
    pub fn new() -> Recent {
        Recent {
            next_id: AtomicU64::new(1),
            ..Recent::default()
        }
    }

    /// Stores an answer shown in `chat` and returns its id.
    pub fn insert(
        &self,
        chat: i64,
        asker: u64,
        answer: Answer,
        shown: usize,
        decision: Decision,
        logged: Logged,
    ) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let used = self.clock.fetch_add(1, Ordering::Relaxed);
        let mut chats = self.chats.lock().unwrap_or_else(|e| e.into_inner());
        if chats.len() >= MAX_CHATS
            && !chats.contains_key(&chat)
            && let Some(oldest) = chats.iter().min_by_key(|(_, c)| c.used).map(|(k, _)| *k)
        {
            chats.remove(&oldest);
        }
        let c = chats.entry(chat).or_default();
        c.used = used;
        c.entries.push_back(Entry {
            id,
            asker,
            question: answer.question.clone(),
            answer: std::sync::Arc::new(answer),
            shown,
            decision,
            log_id: logged.id,
            at: logged.at,
        });
        let keep = if chat < 0 { PER_GROUP } else { PER_CHAT };
        while c.entries.len() > keep {
            c.entries.pop_front();
        }
        id
    }

    /// The answer with `id` in `chat`, if still remembered.
    pub fn get(&self, chat: i64, id: u64) -> Option<Entry> {
        let chats = self.chats.lock().unwrap_or_else(|e| e.into_inner());
        chats
            .get(&chat)?
            .entries
            .iter()
            .find(|e| e.id == id)
            .cloned()
    }

    /// The latest answer in `chat`.
    pub fn last(&self, chat: i64) -> Option<Entry> {
        let chats = self.chats.lock().unwrap_or_else(|e| e.into_inner());
        chats.get(&chat)?.entries.back().cloned()
    }

    /// Marks answer `id` as shown only in short form: its "More" starts from the
    /// first passage.
    pub fn rewind(&self, chat: i64, id: u64) {
        let mut chats = self.chats.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = chats
            .get_mut(&chat)
            .and_then(|c| c.entries.iter_mut().find(|e| e.id == id))
        {
            e.shown = 0;
        }
    }

    /// The answer in `chat` whose question has log id `log_id`.
    pub fn logged(&self, chat: i64, log_id: i64) -> Option<Entry> {
        self.latest(chat, |e| e.log_id == Some(log_id))
    }

    /// The latest answer in `chat` to a question `asker` asked.
    pub fn last_of(&self, chat: i64, asker: u64) -> Option<Entry> {
        self.latest(chat, |e| e.asker == asker)
    }

    /// The latest answer in `chat` that `which` picks.
    fn latest(&self, chat: i64, which: impl Fn(&Entry) -> bool) -> Option<Entry> {
        let chats = self.chats.lock().unwrap_or_else(|e| e.into_inner());
        chats
            .get(&chat)?
            .entries
            .iter()
            .rev()
            .find(|e| which(e))
            .cloned()
    }

    /// Drops every answer to a question `asker` asked, in every chat (`/forget`):
    /// `/why` and "More" no longer show what was erased.
    pub fn forget(&self, asker: u64) {
        let mut chats = self.chats.lock().unwrap_or_else(|e| e.into_inner());
        for c in chats.values_mut() {
            c.entries.retain(|e| e.asker != asker);
        }
        chats.retain(|_, c| !c.entries.is_empty());
    }

    /// Records that `shown` passages of answer `id` have now been shown; returns
    /// the previous count so two quick presses of "More" do not show the same page.
    pub fn advance(&self, chat: i64, id: u64, by: usize) -> Option<usize> {
        let mut chats = self.chats.lock().unwrap_or_else(|e| e.into_inner());
        let e = chats
            .get_mut(&chat)?
            .entries
            .iter_mut()
            .find(|e| e.id == id)?;
        let before = e.shown;
        e.shown += by;
        Some(before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(q: &str) -> Answer {
        Answer {
            confident: true,
            more: true,
            ..Answer::empty(q)
        }
    }

    #[test]
    fn answers_are_found_by_chat_and_id_and_more_advances_without_repeating() {
        let recent = Recent::new();
        let a = recent.insert(
            1,
            1,
            answer("first"),
            2,
            Decision::default(),
            Logged::default(),
        );
        let b = recent.insert(
            1,
            1,
            answer("second"),
            2,
            Decision::default(),
            Logged::default(),
        );
        let c = recent.insert(
            2,
            1,
            answer("elsewhere"),
            2,
            Decision::default(),
            Logged::default(),
        );
        assert_eq!(recent.last(1).map(|e| e.id), Some(b));
        assert_eq!(recent.get(1, a).map(|e| e.question), Some("first".into()));
        assert!(recent.get(1, c).is_none(), "ids are per chat");
        assert_eq!(recent.advance(1, a, 2), Some(2));
        assert_eq!(recent.advance(1, a, 2), Some(4));
        assert_eq!(recent.get(1, a).map(|e| e.shown), Some(6));
    }

    #[test]
    fn an_answer_sent_in_short_form_shows_from_its_first_passage_on_more() {
        let recent = Recent::new();
        let a = recent.insert(
            -1,
            7,
            answer("q"),
            2,
            Decision::default(),
            Logged::default(),
        );
        recent.rewind(-1, a);
        assert_eq!(recent.advance(-1, a, 2), Some(0));
        recent.rewind(-2, a); // another chat's id: nothing happens
        assert_eq!(recent.get(-1, a).map(|e| e.shown), Some(2));
    }

    #[test]
    fn only_the_latest_answers_per_chat_are_kept() {
        let recent = Recent::new();
        let first = recent.insert(
            1,
            1,
            answer("q0"),
            1,
            Decision::default(),
            Logged::default(),
        );
        for i in 1..=PER_CHAT {
            recent.insert(
                1,
                1,
                answer(&format!("q{i}")),
                1,
                Decision::default(),
                Logged::default(),
            );
        }
        assert!(recent.get(1, first).is_none());
        // Groups keep more: a class asks many questions at once.
        let in_group = recent.insert(
            -1,
            7,
            answer("g0"),
            1,
            Decision::default(),
            Logged::default(),
        );
        for i in 1..PER_GROUP {
            recent.insert(
                -1,
                7,
                answer(&format!("g{i}")),
                1,
                Decision::default(),
                Logged::default(),
            );
        }
        assert!(recent.get(-1, in_group).is_some());
        recent.insert(
            -1,
            7,
            answer("one more"),
            1,
            Decision::default(),
            Logged::default(),
        );
        assert!(recent.get(-1, in_group).is_none());
        assert_eq!(
            recent.last(1).map(|e| e.question),
            Some(format!("q{PER_CHAT}"))
        );
    }
}
