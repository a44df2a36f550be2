//! The running tally: how many questions the machine answered, handed to a person,
//! or found not covered by the text, over the whole session.

use serde::Serialize;

use super::event::Outcome;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub answered: u64,
    pub person: u64,
    pub not_covered: u64,
}

impl Tally {
    pub fn count(&mut self, outcome: Outcome) {
        let pile = match outcome {
            Outcome::Answered => &mut self.answered,
            Outcome::Person => &mut self.person,
            Outcome::NotCovered => &mut self.not_covered,
        };
        *pile += 1;
    }

    pub fn total(&self) -> u64 {
        self.answered + self.person + self.not_covered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_outcome_counts_in_its_own_pile() {
        let mut t = Tally::default();
        for o in [
            Outcome::Answered,
            Outcome::Answered,
            Outcome::Person,
            Outcome::NotCovered,
        ] {
            t.count(o);
        }
        assert_eq!(
            t,
            Tally {
                answered: 2,
                person: 1,
                not_covered: 1
            }
        );
        assert_eq!(t.total(), 4);
    }
}
