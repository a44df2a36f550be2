//! Second-stage ranking of the first stage's candidates.
//!
//! BM25 treats a passage as a bag of words. Questions are not: when the words
//! of a question stand close together in a passage ("the marketing approach"
//! for "what kind of approach does marketing use?"), that passage is far more
//! likely to answer it. So each candidate gains, for every pair of distinct
//! question terms it contains, the mean of the two terms' weights scaled by
//! how close their nearest occurrences are (1 when adjacent, falling off with
//! the distance in words). Candidates are few (a few dozen), so this costs
//! microseconds.

use crate::engine::analysis::Token;
use crate::engine::confidence::{TermWeight, is_frame};

/// The proximity bonus of a passage (its analysed tokens) for the question's terms;
/// a pair's bonus halves at `half_distance` words apart.
pub fn proximity(tokens: &[Token], terms: &[TermWeight], half_distance: f32) -> f32 {
    // Word positions of each term in the passage.
    let positions: Vec<Vec<usize>> = terms
        .iter()
        .map(|t| {
            tokens
                .iter()
                .enumerate()
                .filter(|(_, tok)| tok.term == t.term)
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    let mut bonus = 0.0;
    for a in 0..terms.len() {
        for b in a + 1..terms.len() {
            let (pa, pb) = (&positions[a], &positions[b]);
            if pa.is_empty()
                || pb.is_empty()
                || is_frame(&terms[a].term)
                || is_frame(&terms[b].term)
            {
                continue;
            }
            let nearest = pa
                .iter()
                .flat_map(|x| pb.iter().map(move |y| x.abs_diff(*y)))
                .min()
                .unwrap_or(usize::MAX);
            let closeness = half_distance / (half_distance + nearest.saturating_sub(1) as f32);
            bonus += (terms[a].weight + terms[b].weight) / 2.0 * closeness;
        }
    }
    bonus
}
