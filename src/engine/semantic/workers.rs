//! Batches spread over one-thread workers, one per core.
//!
//! A batch's products split over two threads inside candle and gemm wait for
//! each other at every one of the forward's small products: on this project's
//! 2-core machine a build's two threads did 1.34× the work of one
//! (BENCHMARKS.md, session 8). Whole batches on separate cores share nothing
//! until their vectors are gathered. Each worker runs inside its own rayon
//! pool of one thread, where gemm's and candle's parallel loops run in turn on
//! that thread instead of reaching for the other core.
//!
//! A single batch (a question) is run where it is asked, with every core on
//! its products: that is the latency a person waits for.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use once_cell::sync::Lazy;

/// Most workers: each holds one batch's activations (some 10–20 MB), so a
/// build's memory does not grow with a large machine's cores past this.
const MAX_WORKERS: usize = 8;

/// One pool of one thread per core (at most [`MAX_WORKERS`]); empty when
/// there is one core, or when fewer than two threads could be started (then
/// every batch runs on the caller's thread).
static POOLS: Lazy<Vec<rayon::ThreadPool>> = Lazy::new(|| {
    let cores = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_WORKERS);
    if cores < 2 {
        return Vec::new();
    }
    let pools: Vec<rayon::ThreadPool> = (0..cores)
        .filter_map(|i| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .thread_name(move |_| format!("encoder-{i}"))
                .build()
                .map_err(|e| tracing::debug!("no encoder worker {i}: {e}"))
                .ok()
        })
        .collect();
    if pools.len() < 2 { Vec::new() } else { pools }
});

/// `run` applied to every item of `items`, the results in the same order.
/// With several items and several cores, items are taken in turn by one
/// worker per core; the first error stops the workers from taking more and
/// is returned.
pub fn map<I: Sync, T: Send, E: Send>(
    items: &[I],
    run: impl Fn(&I) -> Result<T, E> + Sync,
) -> Result<Vec<T>, E> {
    let pools = &*POOLS;
    if items.len() < 2 || pools.is_empty() {
        return items.iter().map(run).collect();
    }
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<Result<T, E>>>> =
        Mutex::new((0..items.len()).map(|_| None).collect());
    let work = || {
        while !failed.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            let out = run(item);
            if out.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            // A poisoned lock means another worker panicked while storing
            // its result; the slots themselves are still whole.
            results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(out);
        }
    };
    std::thread::scope(|s| {
        for pool in pools.iter().take(items.len()) {
            let work = &work;
            s.spawn(move || pool.install(work));
        }
    });
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut out = Vec::with_capacity(items.len());
    for slot in results {
        match slot {
            Some(Ok(v)) => out.push(v),
            Some(Err(e)) => return Err(e),
            // Only items after a failure are left untaken, and the failure
            // comes first in order or is met first below.
            None => continue,
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order() {
        let items: Vec<usize> = (0..50).collect();
        let out = map(&items, |&i| Ok::<_, ()>(i * 2)).expect("no error");
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn an_error_is_returned() {
        let items: Vec<usize> = (0..20).collect();
        let out = map(&items, |&i| if i == 7 { Err(i) } else { Ok(i) });
        assert_eq!(out, Err(7));
    }

    #[test]
    fn one_item_and_none_run_on_the_caller() {
        assert_eq!(map(&[3], |&i| Ok::<_, ()>(i + 1)), Ok(vec![4]));
        assert_eq!(map(&[] as &[u8], |&i| Ok::<_, ()>(i)), Ok(vec![]));
    }
}
