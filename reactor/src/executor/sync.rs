//! The synchronisation types of the cross-thread paths (remote wakes, `spawn_blocking`'s
//! hand-off, `block_on`'s progress check): std's in a normal build, loom's in a `--cfg loom`
//! build, so that the loom models (`loom_models.rs`, `just loom`) check the very code the reactor
//! runs. A normal build has no loom dependency and pays nothing for this module.
//!
//! `Arc` is std's on both sides where a `std::task::Wake` needs it (the wakers); the `Arc`s
//! re-exported here are the ones the protocol shares (`Shared`, a job's result slot).

#[cfg(not(loom))]
pub(crate) use std::sync::{
    atomic::{AtomicBool, AtomicUsize, Ordering},
    Arc, Mutex,
};

#[cfg(loom)]
pub(crate) use loom::sync::{
    atomic::{AtomicBool, AtomicUsize, Ordering},
    Arc, Mutex,
};

/// What interrupts the reactor's poll from another thread: mio's eventfd waker.
#[cfg(not(loom))]
pub(crate) type Poker = mio::Waker;

#[cfg(loom)]
pub(crate) use model::Poker;

#[cfg(loom)]
mod model {
    use loom::sync::{Condvar, Mutex};
    use mio::{Registry, Token};

    /// The eventfd and the poll, as loom sees them: a wake leaves one pending event, and any
    /// poll (blocking or not) consumes it, as `epoll_wait` does with the edge-triggered waker.
    /// A blocking poll with nothing pending and nobody left to wake it is a loom deadlock.
    #[derive(Debug)]
    pub(crate) struct Poker {
        pending: Mutex<bool>,
        woken: Condvar,
    }

    impl Poker {
        /// Same signature as `mio::Waker::new`, so that the reactor compiles unchanged.
        pub(crate) fn new(_: &Registry, _: Token) -> std::io::Result<Poker> {
            Ok(Poker::model())
        }

        pub(crate) fn model() -> Poker {
            Poker { pending: Mutex::new(false), woken: Condvar::new() }
        }

        pub(crate) fn wake(&self) -> std::io::Result<()> {
            *self.pending.lock().unwrap() = true;
            self.woken.notify_one();
            Ok(())
        }

        /// Phase 1's poll: with `block`, waits for a wake; either way consumes a pending one.
        #[cfg(test)]
        pub(crate) fn poll(&self, block: bool) {
            let mut pending = self.pending.lock().unwrap();
            while block && !*pending {
                pending = self.woken.wait(pending).unwrap();
            }
            *pending = false;
        }
    }
}
