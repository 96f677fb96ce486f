//! A paused reactor's clock (`Reactor::builder().paused()`): pausing it, moving it by hand,
//! and the `Instant`s it hands out.
//!
//! A paused reactor keeps its time in `State::virtual_ns` (nanoseconds since its epoch) and
//! `State::clock_ns` returns it, so everything that compares with the clock (the tick's
//! `now`, arming a timer, `Handle::now`, `Sleep`) follows the virtual clock with no other
//! change. It moves in two ways only: [`advance`], by hand; and phase 1's auto-advance
//! (`core/poll.rs`, `paused_wait`): when the reactor would block until a deadline and a
//! zero-timeout poll finds nothing ready, it jumps to that deadline. It never moves backwards,
//! and a jump goes to the earliest deadline exactly: never past it, so no timer fires early
//! or out of order.
//!
//! Its `Instant`s are `epoch + virtual ns`. The real `Instant::now()` keeps running apart
//! from them (behind after a jump, ahead while time stands still), which is why deadlines of
//! a paused reactor are computed from [`now_instant`] (`Handle::now`), never from
//! `Instant::now()`.

use std::time::{Duration, Instant};

use super::arm_window;
use super::state::Handle;
use crate::deadline::saturating_ns;
use crate::error::{Error, Result};

/// Pauses `h`'s clock where it stands (a fresh reactor: at its epoch).
pub(crate) fn pause(h: &Handle) {
    let mut st = h.inner.state.borrow_mut();
    let at = st.now_ns;
    st.virtual_ns = Some(at);
}

/// Whether `h` runs on a paused clock.
pub(crate) fn is_paused(h: &Handle) -> bool {
    h.inner.state.borrow().virtual_ns.is_some()
}

/// Now on `h`'s clock, as an `Instant`: `epoch + virtual ns` when paused, else the real
/// `Instant::now()` (not a conversion of the monotonic reading: that would be a few
/// nanoseconds behind it, and a real-clock deadline computed from it a little early by
/// `Instant`'s measure).
pub(crate) fn now_instant(h: &Handle) -> Instant {
    let st = h.inner.state.borrow();
    match st.virtual_ns {
        Some(ns) => st.epoch + Duration::from_nanos(ns),
        None => Instant::now(),
    }
}

/// Moves a paused clock forward by `by`; the next tick fires whatever became due, in
/// (deadline, arming order). The tick's cached `now` moves too, so `Handle::now` shows the
/// new time at once.
pub(crate) fn advance(h: &Handle, by: Duration) -> Result<()> {
    let mut st = h.inner.state.borrow_mut();
    let st = &mut *st;
    let Some(ns) = st.virtual_ns else {
        return Err(Error::ClockNotPaused);
    };
    // Armings pending in the window take their deadlines from the time before the move.
    arm_window::flush(st);
    let to = ns.saturating_add(saturating_ns(by));
    st.virtual_ns = Some(to);
    st.now_ns = st.now_ns.max(to);
    st.now_fresh = true;
    Ok(())
}
