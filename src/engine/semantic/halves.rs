//! A product of few rows split over two threads.
//!
//! A question's few dozen rows make its products mostly a read of the
//! weights, once. Up to [`FEW_ROWS`] rows, the second half of the output
//! columns is computed on a second thread. An index build's batches already
//! keep every core busy (`workers`) and have more rows, so they are not split.

use std::ops::Range;

/// Products of at most this many rows are split over two threads.
const FEW_ROWS: usize = 32;

/// The product's columns for `units` groups of `width` columns each, from
/// `compute`, which gives rows × (its groups × `width`) for a range of the
/// groups: in one call, or, for few rows on a machine with a second core, in
/// two halves on two threads, joined row by row.
pub fn columns(
    rows: usize,
    units: usize,
    width: usize,
    compute: impl Fn(Range<usize>) -> Vec<f32> + Sync + Send,
) -> Vec<f32> {
    if rows > FEW_ROWS || units < 2 || !two_cores() {
        return compute(0..units);
    }
    let half = units / 2;
    // On rayon's pool: its threads are already up (candle's own products run
    // there), and may be spinning for work, where a new thread would have
    // to wait for the core they hold.
    let (first, second) = rayon::join(|| compute(0..half), || compute(half..units));
    let (w1, w2) = (half * width, (units - half) * width);
    let mut c = Vec::with_capacity(rows * (w1 + w2));
    for r in 0..rows {
        c.extend_from_slice(&first[r * w1..(r + 1) * w1]);
        c.extend_from_slice(&second[r * w2..(r + 1) * w2]);
    }
    c
}

/// Whether the machine has a second core to split a product over.
fn two_cores() -> bool {
    static CORES: once_cell::sync::Lazy<usize> = once_cell::sync::Lazy::new(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    *CORES >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_join_into_the_whole_row_by_row() {
        // Column j of row r is r·100 + j, whatever the split.
        let compute = |units: Range<usize>| -> Vec<f32> {
            let mut out = Vec::new();
            for r in 0..3 {
                for u in units.clone() {
                    for k in 0..2 {
                        out.push((r * 100 + u * 2 + k) as f32);
                    }
                }
            }
            out
        };
        let whole = columns(3, 5, 2, compute);
        let expected: Vec<f32> = (0..3)
            .flat_map(|r| (0..10).map(move |j| (r * 100 + j) as f32))
            .collect();
        assert_eq!(whole, expected);
    }
}
