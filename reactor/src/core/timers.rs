//! Timer bookkeeping, all of it: arming a delay or repeat in the heap, the tombstones a
//! disable or cancel leaves there, the earliest live deadline (phase 1's timeout), popping
//! what is due (phase 5), and the wake timers behind `Sleep` and `Interval`.
//!
//! A watcher in the heap carries the `stamp` of its entry; an entry whose stamp no live
//! watcher carries any more is a tombstone, skipped when it reaches the top and compacted
//! away when tombstones dominate.

use std::panic::Location;
use std::task::Waker;
use std::time::Instant;

use super::state::{Handle, State};
use crate::deadline::{nanos_since, next_deadline, saturating_ns};
use crate::id::WatcherId;
use crate::timer_queue::Entry;
use crate::watcher::callback::Callback;
use crate::watcher::table::{Data, Watcher};

/// Stores a delay or repeat: the short path (one borrow, one slab insert, one heap push),
/// since timers have nothing to attach to and no failure mode. `first_ns` overrides a
/// repeat's first delay.
pub(crate) fn insert_timer(
    h: &Handle,
    watcher: Watcher,
    enabled: bool,
    referenced: bool,
    first_ns: Option<u64>,
) -> WatcherId {
    let mut st = h.inner.state.borrow_mut();
    let st = &mut *st;
    let after = match watcher.data {
        Data::Delay { after_ns } => after_ns,
        Data::Repeat { interval_ns } => first_ns.unwrap_or(interval_ns),
        _ => unreachable!("insert_timer is only called with a delay or a repeat"),
    };
    let id = st.watchers.insert_with(watcher, enabled, referenced, st.tick);
    if enabled {
        arm_after(st, id, after);
    }
    id
}

/// Arms timer `id` to fire `after_ns` from *now*. Not from the tick's cached time: a timer
/// created or enabled late in a long tick must still wait its full delay.
pub(crate) fn arm_after(st: &mut State, id: WatcherId, after_ns: u64) {
    arm(st, id, st.clock_ns().checked_add(after_ns));
}

/// Puts watcher `id` in the timer heap at `deadline` (`None`: never, so no entry at all).
pub(crate) fn arm(st: &mut State, id: WatcherId, deadline: Option<u64>) {
    let Some(deadline) = deadline else { return };
    let stamp = st.stamp();
    st.watchers.get_mut(id).expect("live").stamp = stamp;
    st.timers.push(Entry { deadline, stamp, key: id.key });
}

/// Accounts for one timer heap entry that just became a tombstone, compacting the heap when
/// tombstones dominate (habit: bounded memory under cancel churn).
pub(crate) fn forget_timer_entry(st: &mut State) {
    let watchers = &st.watchers;
    st.timers.invalidate(|e| watchers.by_stamp(e.key, e.stamp).is_some());
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
    let watcher = Watcher::new(Data::Delay { after_ns: left }, Callback::Wake(Some(waker)), created_at);
    let mut st = h.inner.state.borrow_mut();
    let tick = st.tick;
    let id = st.watchers.insert_with(watcher, true, referenced, tick);
    let deadline_ns = deadline.map(|d| nanos_since(st.epoch, d));
    arm(&mut st, id, deadline_ns);
    id
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

/// The earliest live deadline, tombstones dropped from the top first, so a cancelled timer
/// cannot cut the wait short.
pub(crate) fn earliest_deadline(st: &mut State) -> Option<u64> {
    while let Some(top) = st.timers.peek() {
        if st.watchers.by_stamp(top.key, top.stamp).is_some() {
            break;
        }
        st.timers.pop(true);
    }
    st.timers.peek().map(|top| top.deadline)
}

/// Phase 5's next timer: pops the earliest entry due by `now` and returns its watcher, a
/// repeat already re-armed (before its callback runs, so that the callback sees a consistent
/// watcher: it may disable, cancel or re-enable it). Tombstones are dropped on the way;
/// entries armed during this tick go to `too_new`, for the caller to push back after the
/// phase. `None` when nothing more is due.
pub(crate) fn pop_due(st: &mut State, now: u64, last_old_stamp: u64, too_new: &mut Vec<Entry>) -> Option<WatcherId> {
    loop {
        let top = st.timers.peek().filter(|e| e.deadline <= now)?;
        let Some(id) = st.watchers.by_stamp(top.key, top.stamp) else {
            st.timers.pop(true);
            continue;
        };
        st.timers.pop(false);
        let enabled_this_tick = st.watchers.get(id).is_some_and(|w| w.enabled_tick >= st.tick);
        if top.stamp > last_old_stamp || enabled_this_tick {
            // Armed during this tick (in this phase, or earlier on a clock too coarse
            // to have moved) with a deadline that already passed: it belongs to the
            // next tick. Popping it now would lose it, since dispatch refuses it.
            too_new.push(top);
            continue;
        }
        let w = st.watchers.get_mut(id).expect("live");
        w.stamp = 0;
        if let Data::Repeat { interval_ns } = w.data {
            arm(st, id, next_deadline(top.deadline, interval_ns, now));
        }
        return Some(id);
    }
}
