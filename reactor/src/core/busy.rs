//! Busy ticks: when phase 1 may leave the kernel out.
//!
//! A tick that begins with work queued (a defer, a woken task) polls with a zero timeout, so
//! its `epoll_wait` can only report readiness, never wait. A defer that defers the next one
//! makes every tick such a tick, and there the syscall is most of the tick's cost: a chain
//! of 10k defers is 10k ticks and was 10k `epoll_wait`s. tokio polls its driver once per 61
//! task polls (`event_interval`); libuv and libev poll on every iteration.
//!
//! Here a tick driven by [`run`](crate::Handle::run) or
//! [`block_on`](crate::Handle::block_on) skips the kernel poll when all of this holds:
//!
//! - work is queued (a defer, or a task woken on this or another thread), and nothing else:
//!   no fd or signal left over to dispatch;
//! - the last kernel poll reported no fd (and did not fill the event buffer), so the kernel
//!   had nothing for us a moment ago: an I/O-busy loop polls on every tick, as before;
//! - fewer than [`MAX_SKIPPED`] ticks in a row skipped it, and fewer than [`MAX_WORK`]
//!   defers and task polls ran since it was last called.
//!
//! **The fairness bound**: under queued work that never ends, the kernel is polled at least
//! once every `MAX_SKIPPED + 1` ticks, and by the first tick that begins after `MAX_WORK`
//! defers and task polls ran since the last poll. So an fd, signal or async source that
//! becomes ready waits at most that much work longer than it would have, plus the tick
//! that crosses the bound (a tick polls up to 256 tasks). `tests/tests/busy_ticks.rs`
//! checks both the chain of defers and the task that wakes itself. Everything else is
//! as in any tick: the tick counter advances (a watcher enabled in tick n fires from n + 1),
//! `now` is sampled when a timer is pending, so timers fire on time, never early, and a
//! defer created in tick n runs in tick n + 1. [`tick`](crate::Handle::tick) and
//! [`tick_nowait`](crate::Handle::tick_nowait) always poll: their caller asked for one.

/// Consecutive ticks that may skip the kernel poll.
pub(crate) const MAX_SKIPPED: u32 = 60;

/// Defers run and tasks polled after which the next tick polls the kernel again (tokio's
/// `event_interval`).
pub(crate) const MAX_WORK: u32 = 61;

/// What the skipping rule counts since the last kernel poll.
#[derive(Debug, Default)]
pub(crate) struct Busy {
    /// Ticks in a row that skipped the kernel poll.
    skipped: u32,
    /// Defers run and tasks polled since the last kernel poll.
    work: u32,
}

impl Busy {
    /// A phase ran `n` defers or task polls.
    pub(crate) fn ran(&mut self, n: usize) {
        self.work = self.work.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
    }

    /// The kernel was polled: count afresh.
    pub(crate) fn polled(&mut self) {
        (self.skipped, self.work) = (0, 0);
    }

    /// Whether a tick driven by `run` or `block_on` skips the kernel poll, given whether
    /// phase 1 found it `quiet` (nothing left over to dispatch, the last kernel poll reported
    /// no fd) and work `queued` (a defer, a woken task); counts the skip if so.
    pub(crate) fn may_skip(&mut self, quiet: bool, queued: bool) -> bool {
        let skip = quiet && queued && self.skipped < MAX_SKIPPED && self.work < MAX_WORK;
        self.skipped += u32::from(skip);
        skip
    }
}
