//! Timer bookkeeping, all of it: arming a delay or repeat in the heap, moving it (reset),
//! disarming it (disable, cancel), the earliest deadline (phase 1's timeout), popping what is
//! due (phase 5), and the wake timers behind `Sleep` and `Interval`.
//!
//! Invariant: the heap holds an entry for slab key `k` exactly while the watcher in slot `k`
//! is an enabled timer with a finite deadline. Every path that disables or removes a timer
//! disarms it ([`disarm`]), so the heap has no tombstones and a key popped from it always
//! names a live watcher: the fire path checks nothing before the callback's own lookup.
//!
//! # Reset
//!
//! [`reset`] (`Handle::reset`, libev's `ev_timer_again`) moves a timer's one entry: earlier,
//! a sift up from the slot the queue recorded; later, a store, applied when the entry
//! reaches the top (see `timer_queue.rs`). No allocation, nothing left behind, however often
//! a timeout is pushed back.
//!
//! Nor a clock read, inside a tick's callbacks (where a server resets its timeouts): libev
//! restarts the countdown from the tick's cached time, so a timer reset late in a long tick
//! fires early; reading the clock for each reset is exact but is most of a reset's cost.
//! While the tick dispatches defers, I/O, signals and tasks, [`arm_after`] arms at a base
//! known to be in the past and the whole window is shifted later by one clock read at its
//! end (before the timers' phase, at the end of the tick): one read per window instead of
//! one per arming, never early, late by at most the rest of the window (the rule and its
//! flush points: `arm_window.rs`). Elsewhere (between ticks, in timer callbacks) arming
//! reads the clock.

use std::panic::Location;
use std::task::Waker;
use std::time::Instant;

use super::arm_window;
use super::state::{Callback, Handle, State};
use crate::deadline::{nanos_since, next_deadline, saturating_ns};
use crate::error::{Error, Result};
use crate::id::{is_defer, WatcherId, WatcherKind};
use crate::timer_queue::Entry;
use crate::watcher::table::Data;

/// Stores a delay or repeat: the short path (one borrow, one slab insert, one heap push),
/// since timers have nothing to attach to and no failure mode. `first_ns` overrides a
/// repeat's first delay. The watcher comes in parts, put together in the slab's write
/// ([`WatcherTable::insert_with`]).
///
/// [`WatcherTable::insert_with`]: crate::watcher::table::WatcherTable::insert_with
pub(crate) fn insert_timer(
    h: &Handle,
    parts: (Data, Callback, &'static Location<'static>),
    enabled: bool,
    referenced: bool,
    first_ns: Option<u64>,
) -> WatcherId {
    let mut st = h.inner.state.borrow_mut();
    let st = &mut *st;
    let after = match parts.0 {
        Data::Delay { after_ns } => after_ns,
        Data::Repeat { interval_ns } => first_ns.unwrap_or(interval_ns),
        _ => unreachable!("insert_timer is only called with a delay or a repeat"),
    };
    let id = st.watchers.insert_with(parts, enabled, referenced, st.tick);
    if enabled {
        arm_after(st, id, after);
    }
    id
}

/// Arms timer `id` to fire `after_ns` from *now*. Not from the tick's cached time: a timer
/// created or enabled late in a long tick must still wait its full delay. Inside the
/// arming window (`arm_window.rs`) without a clock read: at a base in the past, moved later
/// by the window's flush to `flush time + after_ns` (never early, at most the rest of the
/// window late); elsewhere at the clock's `now + after_ns`.
pub(crate) fn arm_after(st: &mut State, id: WatcherId, after_ns: u64) {
    match arm_window::base(st) {
        Some(base) => {
            if let Some((stamp, exact)) = arm(st, id, base.checked_add(after_ns)) {
                st.timers.arm_pending(id.key, stamp, exact);
            }
        }
        None => {
            arm(st, id, st.clock_ns().checked_add(after_ns));
        }
    }
}

/// Puts watcher `id`'s entry in the timer heap at `deadline`, or moves it there if it has one
/// (`None`: never, so no entry at all). A fresh stamp: among equal deadlines it fires after
/// the timers armed before. Returns the stamp, if armed, and whether the entry is exact
/// ([`TimerQueue::set`]).
///
/// [`TimerQueue::set`]: crate::timer_queue::TimerQueue::set
pub(crate) fn arm(st: &mut State, id: WatcherId, deadline: Option<u64>) -> Option<(u64, bool)> {
    let Some(deadline) = deadline else {
        st.timers.remove(id.key);
        return None;
    };
    let stamp = st.stamp();
    let exact = st.timers.set(Entry { deadline, stamp, key: id.key });
    Some((stamp, exact))
}

/// Takes watcher `id`'s entry out of the timer heap, if it has one. Called for every watcher
/// disabled or removed (a no-op for the other kinds: their keys have no entry).
pub(crate) fn disarm(st: &mut State, id: WatcherId) {
    st.timers.remove(id.key);
}

/// `Handle::reset`: restarts timer `id`'s countdown from now, `after_ns` long, moving its
/// entry in place. A disabled timer is enabled (it becomes due from the next tick on, as after
/// `enable`). A repeat fires `after_ns` from now, then every interval from that deadline.
pub(crate) fn reset(h: &Handle, id: WatcherId, after_ns: u64) -> Result<()> {
    let mut st = h.inner.state.borrow_mut();
    let st = &mut *st;
    if is_defer(id) {
        return match st.defers.state(id) {
            Some(_) => Err(Error::NotATimer { watcher: id, kind: WatcherKind::Defer }),
            None => Err(Error::InvalidWatcher(id)),
        };
    }
    let kind = st.watchers.get(id).ok_or(Error::InvalidWatcher(id))?.kind();
    if !matches!(kind, WatcherKind::Delay | WatcherKind::Repeat) {
        return Err(Error::NotATimer { watcher: id, kind });
    }
    let tick = st.tick;
    st.watchers.set_enabled(id, true, tick);
    arm_after(st, id, after_ns);
    Ok(())
}

/// A delay watcher at an absolute deadline whose action is waking `waker`.
pub(crate) fn insert_wake_at(
    h: &Handle,
    deadline: Option<Instant>,
    waker: Waker,
    referenced: bool,
    created_at: &'static Location<'static>,
) -> WatcherId {
    // What a re-enable would restart: the time left now.
    let left = deadline.map_or(0, |d| saturating_ns(d.saturating_duration_since(Instant::now())));
    let parts = (Data::Delay { after_ns: left }, Callback::Wake(Some(waker)), created_at);
    let mut st = h.inner.state.borrow_mut();
    let tick = st.tick;
    let id = st.watchers.insert_with(parts, true, referenced, tick);
    let deadline_ns = deadline.map(|d| nanos_since(st.epoch, d));
    arm(&mut st, id, deadline_ns);
    id
}

/// Moves wake timer `id` (a `Sleep`'s) to `deadline`. Returns false if the timer is gone (it
/// fired): the caller arms a new one.
pub(crate) fn move_wake(h: &Handle, id: WatcherId, deadline: Option<Instant>) -> bool {
    let mut st = h.inner.state.borrow_mut();
    let st = &mut *st;
    if st.watchers.get(id).is_none() {
        return false;
    }
    let deadline_ns = deadline.map(|d| nanos_since(st.epoch, d));
    arm(st, id, deadline_ns);
    true
}

/// Updates the waker of a wake timer. Returns false if the timer is gone (it fired).
pub(crate) fn set_timer_waker(h: &Handle, id: WatcherId, waker: &Waker) -> bool {
    let mut st = h.inner.state.borrow_mut();
    match st.watchers.get_mut(id).and_then(|w| w.callback.as_mut()) {
        Some(Callback::Wake(slot)) => {
            if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
                *slot = Some(waker.clone());
            }
            true
        }
        _ => false,
    }
}

/// The earliest deadline (every entry in the heap is live; a timeout moved later is put in
/// its real place first; armings pending in the window are shifted first).
pub(crate) fn earliest_deadline(st: &mut State) -> Option<u64> {
    arm_window::flush(st);
    st.timers.earliest().map(|top| top.deadline)
}

/// Phase 5's next timer: pops the earliest entry due by `now` and returns its watcher, a
/// repeat already re-armed (before its callback runs, so that the callback sees a consistent
/// watcher: it may disable, cancel, reset or re-enable it). Entries armed during this tick
/// are held back ([`TimerQueue::hold`]) for the caller to release after the phase. `None`
/// when nothing more is due.
///
/// The slab entry read here is the one the callback's dispatch reads next: one miss per
/// timer that runs, none for the heap's bookkeeping.
///
/// [`TimerQueue::hold`]: crate::timer_queue::TimerQueue::hold
pub(crate) fn pop_due(st: &mut State, now: u64, last_old_stamp: u64) -> Option<WatcherId> {
    loop {
        let top = st.timers.earliest().filter(|e| e.deadline <= now)?;
        let (id, w) = st.watchers.by_key(top.key).expect("a heap entry names a live watcher");
        if top.stamp > last_old_stamp || w.enabled_tick() >= st.tick {
            // Armed during this tick (in this phase, or earlier on a clock too coarse
            // to have moved) with a deadline that already passed: it belongs to the
            // next tick. Popping it now would lose it, since dispatch refuses it.
            st.timers.hold();
            continue;
        }
        match w.data {
            Data::Repeat { interval_ns } => match next_deadline(top.deadline, interval_ns, now) {
                Some(deadline) => {
                    let stamp = st.stamp();
                    st.timers.replace_top(Entry { deadline, stamp, key: top.key });
                }
                None => drop(st.timers.pop()),
            },
            _ => drop(st.timers.pop()),
        }
        return Some(id);
    }
}
