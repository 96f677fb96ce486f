//! A `timerfd` registered with the poller, for timer precision below the poll timeout's
//! millisecond.
//!
//! `epoll_wait` takes its timeout in whole milliseconds, so a timer due in 100 µs would fire
//! up to a millisecond late if the poll timeout were all we had (and 0 ms would spin). Before
//! blocking, the reactor arms this timerfd at the earliest deadline with nanosecond precision;
//! the poll's millisecond timeout, rounded *up*, is only the safety net. Arming costs one
//! `timerfd_settime`, and only when the earliest deadline changed since the last arming.
//!
//! The fd is registered edge-triggered and never read: re-arming resets its expiration count,
//! and every expiration wakes epoll again.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

use super::syscall;

/// A monotonic-clock timerfd.
#[derive(Debug)]
pub(crate) struct TimerFd {
    fd: OwnedFd,
    /// The relative timeout last armed, to skip re-arming for the same deadline.
    armed_for: Option<u64>,
}

impl TimerFd {
    pub(crate) fn new() -> io::Result<TimerFd> {
        let raw = syscall!(timerfd_create(libc::CLOCK_MONOTONIC, libc::TFD_NONBLOCK | libc::TFD_CLOEXEC))?;
        // SAFETY: `raw` is a fresh fd we own; nothing else will close it.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        Ok(TimerFd { fd, armed_for: None })
    }

    /// Whether the timer is armed for the deadline `key` already (see [`TimerFd::arm`]).
    pub(crate) fn is_armed_for(&self, key: u64) -> bool {
        self.armed_for == Some(key)
    }

    /// Arms the timer to expire after `after`; `key` identifies the absolute deadline so
    /// re-arming for the same one is skipped.
    pub(crate) fn arm(&mut self, key: u64, after: Duration) -> io::Result<()> {
        if self.armed_for == Some(key) {
            return Ok(());
        }
        // A zero `it_value` would disarm the timer: the earliest possible expiry is 1 ns.
        let after = after.max(Duration::from_nanos(1));
        let spec = libc::itimerspec {
            it_interval: libc::timespec { tv_sec: 0, tv_nsec: 0 },
            it_value: libc::timespec {
                tv_sec: after.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
                tv_nsec: after.subsec_nanos() as libc::c_long,
            },
        };
        // SAFETY: the fd is a live timerfd; `spec` is a valid itimerspec and the old-value
        // pointer may be null.
        syscall!(timerfd_settime(self.fd.as_raw_fd(), 0, &spec, std::ptr::null_mut()))?;
        self.armed_for = Some(key);
        Ok(())
    }
}

impl AsRawFd for TimerFd {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}
