//! The engine as the running bot holds it: swappable in one atomic step, so a
//! rebuilt index can take over while questions are being answered.
//!
//! A question takes the current engine (`current()`, an `Arc` clone) and keeps
//! it for its whole search; a swap only changes what the *next* question
//! gets. No question waits on a swap or fails because of one.

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::search::Engine;

/// A shared, swappable engine. Clones share the same slot.
#[derive(Clone)]
pub struct EngineHandle {
    slot: Arc<ArcSwap<Engine>>,
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
        }
    }
}
