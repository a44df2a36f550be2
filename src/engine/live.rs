//! The engine as the running bot holds it: swappable in one atomic step, so a
//! rebuilt index can take over while questions are being answered.
//!
//! A question takes the current engine (`current()`, an `Arc` clone) and keeps
//! it for its whole search; a swap only changes what the *next* question
//! gets. No question waits on a swap or fails because of one.
//!
//! [`watch`] keeps the engine in step with the corpus folder: it rebuilds
//! incrementally in the background after files change and swaps the result in.

use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};

use crate::config::Paths;
use crate::engine::index::{self, Changes};
use crate::engine::search::Engine;

/// A shared, swappable engine. Clones share the same slot, and the same turn
/// for rebuilding it ([`reload`]).
#[derive(Clone)]
pub struct EngineHandle {
    slot: Arc<ArcSwap<Engine>>,
    /// Held for a whole rebuild: a `/reindex` and a watcher rebuild take turns.
    rebuilding: Arc<Mutex<()>>,
}

impl EngineHandle {
    pub fn new(engine: Engine) -> Self {
        EngineHandle::from(Arc::new(engine))
    }

    /// The engine to use for one question.
    pub fn current(&self) -> Arc<Engine> {
        self.slot.load_full()
    }

    /// Makes `engine` the one every later question gets.
    pub fn replace(&self, engine: Engine) {
        self.slot.store(Arc::new(engine));
    }
}

impl From<Arc<Engine>> for EngineHandle {
    fn from(engine: Arc<Engine>) -> Self {
        EngineHandle {
            slot: Arc::new(ArcSwap::new(engine)),
            rebuilding: Arc::new(Mutex::new(())),
        }
    }
}

/// How long a rebuild waits for another process's build (`passagebot index`)
/// before it gives up with "index busy".
pub const BUSY_WAIT: Duration = Duration::from_secs(300);
/// How often it looks again meanwhile.
const BUSY_POLL: Duration = Duration::from_millis(100);

/// Rebuilds the index incrementally and, when anything changed, swaps the
/// new engine in, with the current engine's tuning. On failure the current
/// engine keeps serving.
///
/// Rebuilds never overlap and none is dropped: one from this process (a
/// `/reindex`, the watcher) waits for its turn, then builds from the corpus as
/// it is then, so an edit that arrived during the other build is included. A
/// build held by another process is waited for too, up to [`BUSY_WAIT`].
pub fn reload(paths: &Paths, handle: &EngineHandle) -> crate::Result<Changes> {
    // A poisoned turn only means an earlier rebuild panicked; the index itself
    // is switched atomically, so the next rebuild is safe.
    let _turn = handle.rebuilding.lock().unwrap_or_else(|e| e.into_inner());
    let tuning = *handle.current().tuning();
    let started = Instant::now();
    let report = loop {
        match index::build(&paths.corpus, &paths.index, &tuning, &|_| {}) {
            Err(crate::Error::IndexBusy { .. }) if started.elapsed() < BUSY_WAIT => {
                tracing::debug!("another build holds the index; waiting for it");
                std::thread::sleep(BUSY_POLL);
            }
            other => break other?,
        }
    };
    if !report.changes.is_empty() || report.changes.full_rebuild.is_some() {
        handle.replace(Engine::open(&paths.index, tuning)?);
    }
    Ok(report.changes)
}

/// What a background reload did, for the log and the operators.
pub type ReloadOutcome = crate::Result<Changes>;

/// Watches the corpus folder and reloads after changes settle.
///
/// Dropping the returned value stops watching. Events are debounced (a
/// teacher copying ten files causes one rebuild, not ten), and rebuilds run
/// on a thread of their own, one at a time, never blocking questions.
pub struct CorpusWatcher {
    _debouncer: Debouncer<RecommendedWatcher>,
}

/// How long the corpus must be quiet before a rebuild starts.
pub const SETTLE: Duration = Duration::from_millis(400);

/// Starts watching `paths.corpus`; `on_reload` hears about every rebuild.
pub fn watch(
    paths: Paths,
    handle: EngineHandle,
    on_reload: impl Fn(&ReloadOutcome) + Send + 'static,
) -> crate::Result<CorpusWatcher> {
    let (tx, rx) = mpsc::channel::<DebounceEventResult>();
    let watch_err = |e: notify::Error| crate::Error::Watch {
        path: paths.corpus.clone(),
        reason: e.to_string(),
    };
    let mut debouncer = new_debouncer(SETTLE, tx).map_err(watch_err)?;
    debouncer
        .watcher()
        .watch(&paths.corpus, RecursiveMode::Recursive)
        .map_err(watch_err)?;
    let corpus = paths.corpus.clone();
    std::thread::Builder::new()
        .name("passagebot-reload".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                // Coalesce whatever else arrived meanwhile into this one rebuild.
                let mut events = vec![first];
                events.extend(rx.try_iter());
                // Builds write into the index folder; when it sits inside the
                // corpus, those writes must not trigger the next build.
                let index = paths.index.canonicalize().ok();
                let outside_index = |e: &notify_debouncer_mini::DebouncedEvent| {
                    index.as_ref().is_none_or(|i| !e.path.starts_with(i))
                };
                if events
                    .iter()
                    .all(|e| matches!(e, Ok(list) if !list.iter().any(outside_index)))
                {
                    continue;
                }
                for e in events.iter().filter_map(|e| e.as_ref().err()) {
                    tracing::warn!("watching the corpus: {e}");
                }
                let outcome = reload(&paths, &handle);
                match &outcome {
                    Ok(c) if c.is_empty() => tracing::debug!("corpus event, nothing to re-index"),
                    Ok(c) => tracing::info!(
                        added = c.added.len(),
                        changed = c.changed.len(),
                        removed = c.removed.len(),
                        "index reloaded"
                    ),
                    Err(e) => tracing::error!(
                        "index reload failed; the previous index keeps serving: {e}"
                    ),
                }
                on_reload(&outcome);
            }
        })
        .map_err(|e| crate::Error::Watch {
            path: corpus,
            reason: e.to_string(),
        })?;
    Ok(CorpusWatcher {
        _debouncer: debouncer,
    })
}
