//! Deadlines, as nanoseconds since a reactor's epoch: converting durations and instants to
//! them, and a repeat's next one.

use std::time::{Duration, Instant};

/// Nanoseconds from `epoch` to `t` (0 if `t` is earlier), saturating at `u64::MAX`.
pub(crate) fn nanos_since(epoch: Instant, t: Instant) -> u64 {
    u64::try_from(t.saturating_duration_since(epoch).as_nanos()).unwrap_or(u64::MAX)
}

/// `d` in nanoseconds, saturating: durations beyond `u64` nanoseconds (584 years) mean never.
pub(crate) fn saturating_ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// A repeat's next deadline after firing for `deadline` at tick time `now`: one interval
/// later, or, when that is already past (a slow callback, a long block), the first multiple
/// of the interval after `now`, so missed periods are skipped rather than burst. `None` when
/// it overflows (never fires again).
pub(crate) fn next_deadline(deadline: u64, interval: u64, now: u64) -> Option<u64> {
    if interval == 0 {
        // Once per tick: due at the next tick's `now`, which is later than this one's.
        return now.checked_add(1);
    }
    let next = deadline.checked_add(interval)?;
    if next > now {
        return Some(next);
    }
    let missed = (now - deadline) / interval;
    deadline.checked_add(interval.checked_mul(missed + 1)?)
}

#[cfg(test)]
mod tests {
    use super::next_deadline;

    #[test]
    fn next_deadline_is_drift_free_and_skips_missed_periods() {
        assert_eq!(next_deadline(100, 10, 100), Some(110), "on time: one period later");
        assert_eq!(next_deadline(100, 10, 105), Some(110), "late by less than a period");
        assert_eq!(next_deadline(100, 10, 110), Some(120), "exactly one period late: skip it");
        assert_eq!(next_deadline(100, 10, 137), Some(140), "missed periods are skipped");
        assert_eq!(next_deadline(100, 0, 137), Some(138), "zero interval: next tick");
        assert_eq!(next_deadline(u64::MAX - 1, 10, 0), None, "overflow means never");
    }
}
