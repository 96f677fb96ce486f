//! The arming window: timers armed relative to now while a tick runs its callbacks cost no
//! clock read each.
//!
//! # Why
//!
//! Arming a timer `after` from now (`Handle::reset`, libev's `ev_timer_again`; `enable`;
//! creating a delay or repeat) must not take the tick's cached `now` as "now": a timer reset
//! late in a long tick would fire before its full delay has passed. Reading the clock for
//! every arming is exact, but the read (some 20 ns) is most of what a reset costs, and a
//! server resets a timeout for every request. libev takes the cached time and lets timers
//! fire early; this takes one clock read per window instead, and never fires early.
//!
//! # The rule
//!
//! While a tick dispatches phases 2, 3, 4 (defers, I/O, signals) and 6 (tasks), the window
//! is open: an arming relative to now puts its timer at `base + after`, where `base` is a
//! time known to be at or before the call (the tick's `now` if it was read in this tick,
//! else one clock read, the first time the window needs it), and records the arming
//! (`TimerQueue::arm_pending`). At the next [`flush`] the clock is read once, `flush_now`,
//! at or after every recorded call, and every arming still in force moves `flush_now - base`
//! later: its deadline becomes `flush_now + after`, at or after `call + after`, so **never
//! early**; late by at most the time from the call to the flush, the rest of its phase
//! window. Timers armed in one window keep their order (one shift for all).
//!
//! Flushes happen before phase 5 (which then sees real deadlines: a timer reset in phase 3
//! never fires on its old deadline), when the tick ends, however it ends (the guard's drop,
//! so a callback's error returned early loses nothing), and before anything reads a deadline
//! (`timers::earliest_deadline`, so the poll's timeout and `next_timeout`) or moves a paused
//! clock (`advance`). Outside the window (user code between ticks, phase 5's timer
//! callbacks, the poll) arming reads the clock at once, as before: phase 5 pops what is due
//! and a timer moved there by another timer's callback must be in its real place.
//!
//! A paused (virtual) clock works the same way: its reads cost nothing, and the shift is
//! zero unless the clock moved, which [`flush`] before `advance` accounts for.

use super::state::{Handle, State};

/// The base of an arming relative to now: `Some` while the window is open (and the arming
/// must then be recorded with `TimerQueue::arm_pending`), `None` when the caller must read
/// the clock itself.
pub(crate) fn base(st: &mut State) -> Option<u64> {
    if !st.arm_window_open {
        return None;
    }
    if st.arm_base.is_none() {
        // The tick's `now`, read after the poll of this very tick, is in the past; failing
        // that, one read serves the rest of the window.
        st.arm_base = Some(if st.now_fresh { st.now_ns } else { st.clock_ns() });
    }
    st.arm_base
}

/// Shifts every pending arming by the time since its base (one clock read), putting each
/// timer at its real deadline. A no-op (no read) when nothing is pending.
pub(crate) fn flush(st: &mut State) {
    if !st.timers.has_pending() {
        return;
    }
    let base = st.arm_base.expect("armings are pending only with a base");
    let now = st.clock_ns();
    st.timers.shift_pending(now.saturating_sub(base));
    // What was just read is a base for the rest of the window (and dropped when it closes).
    st.arm_base = Some(now);
}

/// The open window of one tick, closed (and flushed) when dropped: every way out of the
/// tick, an error returned by a callback's dispatch included, shifts what is pending.
pub(crate) struct Window<'a>(&'a Handle);

impl<'a> Window<'a> {
    /// Opens the window (phases 2 to 4).
    pub(crate) fn open(h: &'a Handle) -> Window<'a> {
        set_open(&mut h.inner.state.borrow_mut(), true);
        Window(h)
    }

    /// Flushes and closes the window (before phase 5).
    pub(crate) fn close(&self) {
        set_open(&mut self.0.inner.state.borrow_mut(), false);
    }

    /// Opens it again (phase 6).
    pub(crate) fn reopen(&self) {
        set_open(&mut self.0.inner.state.borrow_mut(), true);
    }
}

impl Drop for Window<'_> {
    fn drop(&mut self) {
        // `try_borrow_mut` because a drop must not panic; no borrow of the state is held
        // across a phase, so this succeeds at every exit of the tick.
        if let Ok(mut st) = self.0.inner.state.try_borrow_mut() {
            set_open(&mut st, false);
        }
    }
}

/// Flushes, then opens or closes the window with no base: a new window takes a new one.
fn set_open(st: &mut State, open: bool) {
    flush(st);
    (st.arm_window_open, st.arm_base) = (open, None);
}
