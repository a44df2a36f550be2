//! A per-person limit on incoming questions, so one person cannot starve the others:
//! past the limit the person gets one friendly notice, then silence until the window
//! has room again.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What to do with one incoming message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Under the limit: handle it.
    Allow,
    /// Just went over: tell the person once.
    Notice,
    /// Still over, already told: stay quiet.
    Quiet,
}

#[derive(Default)]
struct Person {
    /// When the allowed messages of the current window arrived, oldest first.
    recent: VecDeque<Instant>,
    noticed: bool,
}

/// At most `limit` messages per person per `window`.
pub struct RateLimiter {
    limit: usize,
    window: Duration,
    // A std mutex: the critical section is short and never held across an await.
    people: Mutex<HashMap<u64, Person>>,
}

/// Beyond this many tracked people, idle ones are forgotten.
const MAX_TRACKED: usize = 100_000;

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        RateLimiter {
            limit: limit.max(1) as usize,
            window,
            people: Mutex::new(HashMap::new()),
        }
    }

    /// Per minute, the usual setting.
    pub fn per_minute(limit: u32) -> RateLimiter {
        RateLimiter::new(limit, Duration::from_secs(60))
    }

    /// Records a message from `person` at `now` and says what to do with it.
    pub fn check(&self, person: u64, now: Instant) -> Verdict {
        let mut people = self.people.lock().unwrap_or_else(|e| e.into_inner());
        if people.len() >= MAX_TRACKED && !people.contains_key(&person) {
            let window = self.window;
            people.retain(|_, p| {
                p.recent
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
        }
        let p = people.entry(person).or_default();
        while p
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            p.recent.pop_front();
        }
        if p.recent.len() < self.limit {
            p.recent.push_back(now);
            p.noticed = false;
            Verdict::Allow
        } else if !p.noticed {
            p.noticed = true;
            Verdict::Notice
        } else {
            Verdict::Quiet
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_the_limit_one_notice_then_quiet_then_allowed_again_after_the_window() {
        let rl = RateLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert_eq!(rl.check(1, at(0)), Verdict::Allow);
        assert_eq!(rl.check(1, at(1)), Verdict::Allow);
        assert_eq!(rl.check(1, at(2)), Verdict::Allow);
        assert_eq!(rl.check(1, at(3)), Verdict::Notice);
        assert_eq!(rl.check(1, at(4)), Verdict::Quiet);
        assert_eq!(rl.check(1, at(5)), Verdict::Quiet);
        // Another person is not affected.
        assert_eq!(rl.check(2, at(5)), Verdict::Allow);
        // The first message leaves the window at 60 s.
        assert_eq!(rl.check(1, at(60)), Verdict::Allow);
        assert_eq!(rl.check(1, at(61)), Verdict::Allow);
        assert_eq!(rl.check(1, at(62)), Verdict::Allow);
        assert_eq!(rl.check(1, at(63)), Verdict::Notice);
    }
}
