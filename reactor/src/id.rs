//! Names: the ids of watchers and tasks, where their generations come from, and the tag that
//! tells a defer's id from the other watchers'.
//!
//! Both kinds of id are a slot key plus a generation that no other watcher or task of the
//! process will ever carry, so a stale id can never reach a reused slot, nor another reactor.

use std::fmt;

/// The name of a watcher: a slab key and a generation.
///
/// # Anatomy of a watcher
///
/// A watcher is a callback plus the condition that fires it (a tick boundary, a deadline, an
/// fd's readiness, a signal). It lives in one slab slot of the reactor's watcher table (a
/// defer in its slot of the defer queue instead, see `defer_queue.rs`) and is named by a
/// `WatcherId`: the slot key plus a generation number that no other watcher will ever carry,
/// so a stale id can never reach a reused slot.
///
/// # Watcher states
///
/// | state | meaning | left by |
/// | --- | --- | --- |
/// | enabled | its condition is watched; it fires from the **next** tick on | `disable`, `cancel`, a defer or delay firing |
/// | disabled | kept with its callback, nothing is watched; takes effect at once (a callback already due this tick is skipped) | `enable`, `cancel` |
/// | pending | enabled and due in the current tick (queued defer, expired timer, ready fd) | running, or `disable` / `cancel` first |
/// | cancelled | gone: slot freed, callback dropped, id invalid forever | (terminal) |
///
/// Orthogonal to these, a watcher is **referenced** (the default: an enabled, referenced
/// watcher keeps `run()` going) or **unreferenced** (it fires, but does not keep `run()` alive).
/// Defers and delays cancel themselves just *before* their callback runs, so from inside its own
/// callback a one-shot watcher is already invalid and `cancel` of it is a harmless no-op.
///
/// # Ids
///
/// Ids are cheap to copy and compare. An id outlives its watcher harmlessly: every operation on
/// a cancelled or finished watcher's id is either a no-op (`disable`, `unreference`, `cancel`)
/// or a typed [`Error::InvalidWatcher`](crate::Error::InvalidWatcher) (`enable`, `reference`).
///
/// # Implementation notes
///
/// The generation comes from a process-wide 64-bit counter, bumped at every creation. It
/// would take centuries of creating a watcher every nanosecond to wrap, so unlike a per-slot
/// 32-bit counter it can never alias a reused slot, nor a watcher of another reactor.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WatcherId {
    pub(crate) key: u32,
    pub(crate) generation: u64,
}

impl fmt::Debug for WatcherId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WatcherId({}v{})", self.key, self.generation)
    }
}

/// What fires a watcher.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WatcherKind {
    /// Runs once, in the next tick (Amp's `immediately`/`defer`).
    Defer,
    /// Runs once, after a delay (Amp's `once`/`delay`). Also used by [`sleep`](crate::sleep).
    Delay,
    /// Runs every interval, drift-free (Amp's `repeat`).
    Repeat,
    /// Runs every tick while its fd is readable (level-triggered).
    Readable,
    /// Runs every tick while its fd is writable (level-triggered).
    Writable,
    /// Runs once per delivery of its signal.
    Signal,
}

impl WatcherKind {
    /// All kinds, in the order introspection reports them.
    pub const ALL: [WatcherKind; 6] = [
        WatcherKind::Defer,
        WatcherKind::Delay,
        WatcherKind::Repeat,
        WatcherKind::Readable,
        WatcherKind::Writable,
        WatcherKind::Signal,
    ];

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// The name of a task: a slab key and a generation, like a [`WatcherId`](crate::WatcherId).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId {
    pub(crate) key: u32,
    pub(crate) generation: u64,
}

impl fmt::Debug for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskId({}v{})", self.key, self.generation)
    }
}

/// Set in the key of every defer's id: the other watchers' slab keys stay below it.
pub(crate) const DEFER_TAG: u32 = 1 << 31;

/// Whether `id` names a defer (they live in the defer queue, not the watcher table).
pub(crate) fn is_defer(id: WatcherId) -> bool {
    id.key & DEFER_TAG != 0
}

/// The process-wide counter behind generations: reserves `n` consecutive ones, returns the
/// first. No watcher or task of the process has, or will ever have, the same generation as
/// another: ids are unique across reactors too, so an id from another reactor is simply
/// invalid here. 64 bits do not wrap in practice.
pub(crate) fn reserve_generations(n: u64) -> u64 {
    static LAST: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    LAST.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + 1
}

/// A reactor's own supply of generations, taken from the process-wide counter in blocks so
/// that creating a watcher costs no atomic operation (an uncontended atomic add is still a
/// tenth of a defer's whole budget). Unique across reactors all the same.
#[derive(Debug, Default)]
pub(crate) struct Generations {
    next: u64,
    end: u64,
}

impl Generations {
    /// Generations reserved at a time.
    const BLOCK: u64 = 1024;

    /// A fresh generation.
    pub(crate) fn next(&mut self) -> u64 {
        if self.next == self.end {
            self.next = reserve_generations(Self::BLOCK);
            self.end = self.next + Self::BLOCK;
        }
        self.next += 1;
        self.next - 1
    }
}
