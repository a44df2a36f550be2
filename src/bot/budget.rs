//! Telegram's outgoing limits as a budget the senders ask before each message: at
//! most one message a second in a chat, 20 a minute in a group, 30 a second in all
//! (<https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this>).
//!
//! Pure bookkeeping with the clock passed in, so the rules are unit tests. A message
//! counts from the moment it is granted until a window after its answer arrived:
//! Telegram saw it somewhere in between, so counting from the answer never
//! undercounts, whatever the network did. Operator chats may use the whole overall
//! rate; everyone else leaves [`Limits::operator_reserve`] of it free, so a busy
//! classroom never delays an operator.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Outgoing message limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Messages per second in one chat.
    pub per_chat_per_sec: u32,
    /// Messages per minute in one group (private chats have no per-minute limit).
    pub per_group_per_min: u32,
    /// Messages per second over all chats.
    pub overall_per_sec: u32,
    /// Of the overall rate, this much is kept for operator chats.
    pub operator_reserve: u32,
}

impl Default for Limits {
    /// Telegram's published limits.
    fn default() -> Limits {
        Limits {
            per_chat_per_sec: 1,
            per_group_per_min: 20,
            overall_per_sec: 30,
            operator_reserve: 5,
        }
    }
}

impl Limits {
    /// Limits so high they never hold anything back (tests of other things).
    pub fn lifted() -> Limits {
        Limits {
            per_chat_per_sec: 1000,
            per_group_per_min: 100_000,
            overall_per_sec: 1000,
            operator_reserve: 0,
        }
    }
}

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
/// How long to wait when only messages still in flight hold the budget.
const IN_FLIGHT_WAIT: Duration = Duration::from_millis(50);

/// A granted message; give it back with [`Budget::sent`] once Telegram answered.
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub struct Grant(u64);

struct Entry {
    id: u64,
    chat: i64,
    /// When Telegram's answer arrived; `None` while in flight (counted everywhere).
    done: Option<Instant>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    /// The last minute's messages (and those in flight), oldest grant first.
    entries: VecDeque<Entry>,
    /// Chats Telegram told to wait (429), until when.
    frozen: Vec<(i64, Instant)>,
}

/// The messages sent in the last minute, per chat and overall.
pub struct Budget {
    limits: Limits,
    // A std mutex: short critical sections, never held across an await.
    state: Mutex<State>,
}

/// Whether `chat` is a group (Telegram's group, supergroup and channel ids are negative).
pub fn is_group(chat: i64) -> bool {
    chat < 0
}

impl Budget {
    pub fn new(limits: Limits) -> Budget {
        Budget {
            limits,
            state: Mutex::new(State::default()),
        }
    }

    /// A grant to send one message to `chat` now, or how long to wait first.
    pub fn try_send(&self, chat: i64, operator: bool, now: Instant) -> Result<Grant, Duration> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.check(&mut st, chat, operator, now)?;
        let id = st.next_id;
        st.next_id += 1;
        st.entries.push_back(Entry {
            id,
            chat,
            done: None,
        });
        Ok(Grant(id))
    }

    /// Whether a message to `chat` could go now (without taking the grant), or how
    /// long until it could.
    pub fn room(&self, chat: i64, operator: bool, now: Instant) -> Result<(), Duration> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.check(&mut st, chat, operator, now)
    }

    fn check(
        &self,
        st: &mut State,
        chat: i64,
        operator: bool,
        now: Instant,
    ) -> Result<(), Duration> {
        st.entries
            .retain(|e| e.done.is_none_or(|t| now.duration_since(t) < MINUTE));
        st.frozen.retain(|&(_, until)| until > now);
        if let Some(&(_, until)) = st.frozen.iter().find(|(c, _)| *c == chat) {
            return Err(until - now);
        }
        let within =
            |e: &Entry, window: Duration| e.done.is_none_or(|t| now.duration_since(t) < window);
        // When the oldest counted message of `window` leaves it.
        let frees = |entries: &mut dyn Iterator<Item = &Entry>, window: Duration| {
            entries
                .filter_map(|e| e.done)
                .map(|t| (t + window).saturating_duration_since(now))
                .min()
                .unwrap_or(IN_FLIGHT_WAIT)
                .max(Duration::from_millis(1))
        };
        let overall_limit = if operator {
            self.limits.overall_per_sec
        } else {
            self.limits
                .overall_per_sec
                .saturating_sub(self.limits.operator_reserve)
                .max(1)
        };
        let overall = st.entries.iter().filter(|e| within(e, SECOND)).count();
        if overall >= overall_limit as usize {
            return Err(frees(
                &mut st.entries.iter().filter(|e| within(e, SECOND)),
                SECOND,
            ));
        }
        let in_chat = |window| {
            st.entries
                .iter()
                .filter(move |e| e.chat == chat && within(e, window))
        };
        if in_chat(SECOND).count() >= self.limits.per_chat_per_sec as usize {
            return Err(frees(&mut in_chat(SECOND), SECOND));
        }
        if is_group(chat) && in_chat(MINUTE).count() >= self.limits.per_group_per_min as usize {
            return Err(frees(&mut in_chat(MINUTE), MINUTE));
        }
        Ok(())
    }

    /// Telegram answered the granted message at `now` (whether it took it or not: a
    /// refused message still counted against the limits, to be safe).
    pub fn sent(&self, grant: Grant, now: Instant) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = st.entries.iter_mut().find(|e| e.id == grant.0) {
            e.done = Some(now);
        }
    }

    /// Telegram said to wait `retry_after` before sending to `chat` again.
    pub fn freeze(&self, chat: i64, retry_after: Duration, now: Instant) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.frozen.retain(|&(c, _)| c != chat);
        st.frozen.push((chat, now + retry_after));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget() -> Budget {
        Budget::new(Limits::default())
    }

    fn send(b: &Budget, chat: i64, operator: bool, at: Instant) -> Result<(), Duration> {
        let grant = b.try_send(chat, operator, at)?;
        b.sent(grant, at);
        Ok(())
    }

    #[test]
    fn one_message_a_second_per_chat_and_other_chats_are_not_held_back() {
        let b = budget();
        let t0 = Instant::now();
        assert!(send(&b, 1, false, t0).is_ok());
        let wait = send(&b, 1, false, t0 + Duration::from_millis(300)).expect_err("too soon");
        assert_eq!(wait, Duration::from_millis(700));
        assert!(send(&b, 2, false, t0 + Duration::from_millis(300)).is_ok());
        assert!(send(&b, 1, false, t0 + SECOND).is_ok());
    }

    #[test]
    fn twenty_a_minute_in_a_group_but_private_chats_have_no_minute_limit() {
        let b = budget();
        let t0 = Instant::now();
        for i in 0..20 {
            assert!(send(&b, -5, false, t0 + SECOND * i).is_ok(), "message {i}");
            assert!(send(&b, 5, false, t0 + SECOND * i).is_ok(), "private {i}");
        }
        let wait = send(&b, -5, false, t0 + SECOND * 20).expect_err("group full");
        assert_eq!(wait, Duration::from_secs(40));
        assert!(send(&b, 5, false, t0 + SECOND * 20).is_ok());
        assert!(send(&b, -5, false, t0 + SECOND * 60).is_ok());
    }

    #[test]
    fn operators_keep_a_share_of_the_overall_rate_that_others_cannot_use() {
        let b = budget();
        let t0 = Instant::now();
        for chat in 0..25 {
            assert!(send(&b, 100 + chat, false, t0).is_ok());
        }
        assert!(
            send(&b, 200, false, t0).is_err(),
            "the reserve is not for people"
        );
        for chat in 0..5 {
            assert!(send(&b, 300 + chat, true, t0).is_ok(), "operator {chat}");
        }
        assert!(send(&b, 400, true, t0).is_err(), "30 a second in all");
        assert!(send(&b, 200, false, t0 + SECOND).is_ok());
    }

    #[test]
    fn a_message_in_flight_counts_until_its_answer_plus_the_window() {
        let b = budget();
        let t0 = Instant::now();
        let grant = b.try_send(1, false, t0).expect("free");
        // Still in flight two seconds later: it may reach Telegram any moment.
        assert_eq!(b.try_send(1, false, t0 + SECOND * 2), Err(IN_FLIGHT_WAIT));
        b.sent(grant, t0 + SECOND * 2);
        assert!(b.try_send(1, false, t0 + SECOND * 2).is_err());
        assert!(b.try_send(1, false, t0 + SECOND * 3).is_ok());
    }

    #[test]
    fn a_chat_telegram_asked_to_wait_waits_and_only_that_chat() {
        let b = budget();
        let t0 = Instant::now();
        b.freeze(-7, Duration::from_secs(5), t0);
        assert_eq!(
            b.try_send(-7, false, t0 + SECOND),
            Err(Duration::from_secs(4))
        );
        assert!(send(&b, 8, false, t0 + SECOND).is_ok());
        assert!(send(&b, -7, false, t0 + SECOND * 5).is_ok());
    }
}
