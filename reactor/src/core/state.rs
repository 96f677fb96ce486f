//! The reactor's state: [`Inner`], what a reactor owns, and [`Handle`], the `Rc` of it that
//! everything else holds; how they are made, and how they are torn down.
//!
//! The reactor is single-threaded and everything it owns lives behind one `Rc` ([`Inner`]),
//! shared with every [`Handle`]. (`Reactor`, in `reactor.rs`, owns the first handle.) Mutable parts are split over a few `RefCell`s by *who borrows
//! them when*, so that no borrow is ever held across a user callback or a `poll` of a task:
//!
//! - `state`: watchers, timers, fds, signals, tick counters. Borrowed briefly by every API
//!   call and between callbacks, never during one.
//! - `tasks` and `run_queue` (in `Executor`): touched by wakers, which may fire while
//!   `state` is borrowed (a task's waker is woken from inside a timer's dispatch).
//! - `poll` and `events`: borrowed only while blocking in `epoll_wait`.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use mio::{Events, Poll, Registry};

use super::busy::Busy;
use super::callback;
use super::error_handler::{self, HandlerSlot};
use crate::defer_queue::DeferQueue;
use crate::error::{Error, Result};
use crate::executor::task::Executor;
use crate::id::WatcherId;
use crate::source_table::SourceTable;
use crate::sys::signals::SignalPipe;
use crate::sys::timerfd::TimerFd;
use crate::timer_queue::TimerQueue;
use crate::token::{TIMERFD_TOKEN, WAKER_TOKEN};
use crate::watcher::io::IoTable;
use crate::watcher::signal::SignalTable;
use crate::watcher::table::{Data, WatcherTable};

/// The callback a watcher carries, called with this reactor's handle (see `core/callback.rs`).
pub(crate) type Callback = callback::Callback<Handle>;
/// A defer's (and a delay's) one-shot callback.
pub(crate) type OnceFn = callback::OnceFn<Handle>;

/// How many events one `epoll_wait` may return; more simply wait for the next tick.
pub(crate) const EVENTS_CAPACITY: usize = 1024;

/// Gives every reactor of the process a distinct id, which `Debug` shows to tell reactors
/// apart. (Wakers tell their own reactor by the executor's shared part: see
/// `executor/local.rs`.)
static NEXT_REACTOR_ID: AtomicUsize = AtomicUsize::new(1);

/// An fd that became ready, waiting for its watchers to run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ready {
    pub(crate) key: u32,
    pub(crate) readable: bool,
    pub(crate) writable: bool,
}

/// The reactor's mutable state, behind `Inner::state`.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) watchers: WatcherTable<Callback>,
    pub(crate) timers: TimerQueue,
    /// Every defer, enabled (queued, in enable order) or disabled: defers are not in
    /// `watchers` (see `defer_queue.rs`).
    pub(crate) defers: DeferQueue<OnceFn>,
    pub(crate) io: IoTable,
    pub(crate) signals: SignalTable,
    /// Created on the first signal watcher: a reactor that never watches a signal touches
    /// no process-wide signal state.
    pub(crate) signal_pipe: Option<SignalPipe>,
    /// Set by the poll when the signal pipe is readable.
    pub(crate) signal_ready: bool,
    /// Delivered signals not yet dispatched (kept across a tick cut short by a panic).
    pub(crate) pending_signals: VecDeque<i32>,
    /// Ready fds not yet dispatched (kept across a tick cut short by a panic).
    pub(crate) ready: VecDeque<Ready>,
    /// The last poll may have left events in epoll that will not wake it again: fds it
    /// reported level-triggered (still ready unless their watchers consumed the level), or
    /// more events than fit the buffer. Only `next_timeout` reads it: a loop that embeds
    /// ampere and watches the epoll fd edge-triggered would not hear of them again.
    pub(crate) maybe_ready: bool,
    /// The precision timer (Linux); `None` where unavailable, which costs precision only.
    pub(crate) timerfd: Option<TimerFd>,
    /// The last stamp handed out (timer heap entries); 0 means "none".
    pub(crate) last_stamp: u64,
    /// Ticks started so far; a watcher enabled in tick `n` fires from tick `n + 1` on.
    pub(crate) tick: u64,
    /// The reactor's epoch: deadlines are nanoseconds since then. `Instant`s given by the
    /// user (`sleep_until`) are converted against it.
    pub(crate) epoch: Instant,
    /// The same epoch on the raw monotonic clock, read *after* `epoch`: the clock reads from
    /// it are therefore a few nanoseconds behind `Instant` conversions, which can make a
    /// timer a little late, never early.
    pub(crate) epoch_ns: u64,
    /// The time sampled once per tick, right after the poll (libev's `ev_now`): every timer
    /// due by then fires in this tick, none due later does.
    pub(crate) now_ns: u64,
    /// Whether `now_ns` was read in the current tick: the poll skips the read when no timer
    /// is pending, and `Handle::now` then reads the clock once itself.
    pub(crate) now_fresh: bool,
    /// When the next idle audit is due (nanoseconds since the epoch on the *real* clock,
    /// paused or not; 0: none scheduled).
    pub(crate) audit_at: u64,
    /// A paused reactor's virtual clock, in nanoseconds since the epoch; `None`: the reactor
    /// runs on the real clock. See `core/paused.rs`.
    pub(crate) virtual_ns: Option<u64>,
    /// Set by `stop()` during a `run()`: it returns at the end of the current tick. Only
    /// ever true while `in_run` is.
    pub(crate) stop: bool,
    /// True while `run()` is in progress: outside of it `stop()` does nothing.
    pub(crate) in_run: bool,
    /// Errors waiting to come out of `run`/`tick`/`block_on` (panics with no error handler,
    /// failed forks, watchers found left on a closed fd), oldest first.
    pub(crate) errors: VecDeque<Error>,
    /// Reused buffer for watcher lists being dispatched (a callback may edit the real list).
    pub(crate) scratch: Vec<WatcherId>,
    /// What decides whether a busy tick may skip the kernel poll (`busy.rs`).
    pub(crate) busy: Busy,
    /// Whether timers armed now take a base instead of a clock read (`core/arm_window.rs`).
    pub(crate) arm_window_open: bool,
    /// The open window's base: a time at or before every arming recorded since the last
    /// flush; `None` until the first arming of the window needs one.
    pub(crate) arm_base: Option<u64>,
}

impl State {
    /// A fresh stamp.
    pub(crate) fn stamp(&mut self) -> u64 {
        self.last_stamp += 1;
        self.last_stamp
    }

    /// Enabled, referenced watchers and defers: while non-zero, `run()` goes on.
    pub(crate) fn alive_watchers(&self) -> usize {
        self.watchers.alive() + self.defers.alive()
    }

    /// Nanoseconds since the epoch, now, on the reactor's clock: the one function every
    /// reading of the time that timers are compared with goes through (the tick's `now`,
    /// arming, the timerfd's wait, `Handle::now`), so that a paused reactor's virtual clock
    /// replaces the real one everywhere at once.
    pub(crate) fn clock_ns(&self) -> u64 {
        match self.virtual_ns {
            Some(ns) => ns,
            None => self.real_ns(),
        }
    }

    /// Nanoseconds since the epoch on the real monotonic clock, paused or not: only for what
    /// must happen in real time (the idle audit, a paused reactor's real waits).
    pub(crate) fn real_ns(&self) -> u64 {
        crate::sys::clock::monotonic_ns().saturating_sub(self.epoch_ns)
    }
}

/// Everything a reactor owns, shared by its handles.
pub(crate) struct Inner {
    /// Process-unique id (see [`NEXT_REACTOR_ID`]).
    pub(crate) id: usize,
    pub(crate) state: RefCell<State>,
    /// An `Rc` so that a `JoinHandle` and the local wake path can hold the executor alone.
    pub(crate) executor: Rc<Executor>,
    /// Async I/O sources (see `source_table.rs`): touched from phase 1 while `state` is borrowed.
    pub(crate) sources: RefCell<SourceTable>,
    /// A clone of the poll's registry, so watchers can be registered while the poll itself is
    /// borrowed for blocking.
    pub(crate) registry: Registry,
    pub(crate) poll: RefCell<Poll>,
    pub(crate) events: RefCell<Events>,
    /// True while a `tick`, `run` or `block_on` drives this reactor: the re-entrance guard.
    pub(crate) driving: Cell<bool>,
    /// Called with each callback panic instead of returning it from `run` (see
    /// `core/error_handler.rs`).
    pub(crate) error_handler: RefCell<HandlerSlot>,
}

impl Inner {
    /// The epoll instance's fd (the registry's dup of it): where the fd watchers register
    /// themselves level-triggered (see `sys::epoll`).
    pub(crate) fn epfd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.registry.as_raw_fd()
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reactor").field("id", &self.id).finish_non_exhaustive()
    }
}

/// A reference to a [`Reactor`](crate::Reactor).
///
/// Cloning is an `Rc` increment. A handle is `!Send`: the reactor is single-threaded, and
/// everything a handle does happens on the reactor's thread. (To reach a reactor from another
/// thread, wake one of its tasks: wakers are `Send`.)
///
/// Operations on an id follow Amp's rules, with typed errors instead of exceptions:
/// `enable` and `reference` of a dead id return [`Error::InvalidWatcher`]; `disable`,
/// `unreference` and `cancel` of one are no-ops, so cleanup code never has to check.
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Rc<Inner>,
}

impl Inner {
    /// A new reactor's state: an epoll instance, a waker for other threads and (on Linux) a
    /// precision timerfd. No thread is started.
    pub(crate) fn new() -> Result<Inner> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let id = NEXT_REACTOR_ID.fetch_add(1, Ordering::Relaxed);
        let executor = Rc::new(Executor::new(&registry, WAKER_TOKEN)?);
        let timerfd = create_timerfd(&registry)?;
        let state = State {
            watchers: WatcherTable::default(),
            timers: TimerQueue::default(),
            defers: DeferQueue::default(),
            io: IoTable::default(),
            signals: SignalTable::default(),
            signal_pipe: None,
            signal_ready: false,
            pending_signals: VecDeque::new(),
            ready: VecDeque::new(),
            maybe_ready: false,
            timerfd,
            last_stamp: 0,
            tick: 0,
            epoch: Instant::now(),
            epoch_ns: crate::sys::clock::monotonic_ns(),
            now_ns: 0,
            now_fresh: false,
            audit_at: 0,
            virtual_ns: None,
            stop: false,
            in_run: false,
            errors: VecDeque::new(),
            scratch: Vec::new(),
            busy: Busy::default(),
            arm_window_open: false,
            arm_base: None,
        };
        let inner = Inner {
            id,
            state: RefCell::new(state),
            executor,
            sources: RefCell::new(SourceTable::default()),
            registry,
            poll: RefCell::new(poll),
            events: RefCell::new(Events::with_capacity(EVENTS_CAPACITY)),
            driving: Cell::new(false),
            error_handler: RefCell::new(HandlerSlot::default()),
        };
        Ok(inner)
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn create_timerfd(registry: &Registry) -> io::Result<Option<TimerFd>> {
    use std::os::fd::AsRawFd;
    let tfd = TimerFd::new()?;
    registry.register(&mut mio::unix::SourceFd(&tfd.as_raw_fd()), TIMERFD_TOKEN, mio::Interest::READABLE)?;
    Ok(Some(tfd))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn create_timerfd(_registry: &Registry) -> io::Result<Option<TimerFd>> {
    Ok(None)
}

/// Cancels every watcher and drops every task (the `Reactor`'s drop). Callbacks and futures
/// are dropped after the borrows are released, since their captured values may call back
/// into the reactor.
pub(crate) fn shutdown(h: &Handle) {
    let (watchers, defers) = {
        let mut st = h.inner.state.borrow_mut();
        st.ready.clear();
        st.timers = TimerQueue::default();
        (st.watchers.drain(), st.defers.drain())
    };
    drop(defers);
    for w in &watchers {
        if let Data::Signal { signo } = w.data {
            crate::sys::signals::unwatch(signo);
        }
    }
    drop(watchers);
    h.inner.state.borrow_mut().io.clear(h.inner.epfd());
    h.inner.executor.shutdown();
    // A handler that captured a handle is a reference cycle too.
    drop(error_handler::replace(&h.inner.error_handler, None));
}
