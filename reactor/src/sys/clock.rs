//! The monotonic clock, read directly.
//!
//! The reactor reads the clock once per tick and once per timer armed, so the read is on the
//! hot path of every benchmark. `Instant::now()` followed by `duration_since` and a `u128`
//! conversion costs about a hundred instructions; one `clock_gettime` (a vDSO call, no
//! syscall) returning nanoseconds costs a third of that. Both read `CLOCK_MONOTONIC`, which is
//! what `Instant` uses on Linux, so the two agree (see `State::clock_ns` for the one place
//! they meet).

/// Nanoseconds on `CLOCK_MONOTONIC` (since an unspecified start, typically boot).
pub(crate) fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always exists, so the call
    // cannot fail (and if it somehow did, `ts` would stay zero: a clock that stands still
    // makes timers late, never early).
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(ts.tv_nsec as u64)
}
