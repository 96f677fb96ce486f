//! The OS edge of the fixtures: eventfds, a bare timerfd, the fd limit, signals, peak RSS.
//! The only module allowed `unsafe`; each block says why its call is sound.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// Turns a libc `-1` return into the OS error.
fn check(res: libc::c_int) -> io::Result<libc::c_int> {
    if res == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(res)
    }
}

/// A non-blocking eventfd: one fd that becomes readable when written to, so a bench can
/// watch N fds with N fds (a socketpair needs two, and the fd limit here is 20,000).
#[derive(Debug)]
pub struct EventFd(File);

impl EventFd {
    /// A fresh eventfd with a zero counter (not readable).
    ///
    /// # Errors
    ///
    /// The OS's (out of fds).
    pub fn new() -> io::Result<EventFd> {
        // SAFETY: eventfd takes no pointers; the flags are valid constants.
        let raw = check(unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) })?;
        // SAFETY: `raw` is a fresh fd that nothing else owns.
        Ok(EventFd(File::from(unsafe { OwnedFd::from_raw_fd(raw) })))
    }

    /// Makes the fd readable (adds 1 to the counter).
    pub fn signal(&self) {
        (&self.0).write_all(&1u64.to_ne_bytes()).expect("eventfd write");
    }

    /// Reads the counter back to zero; returns whether it was readable.
    pub fn drain(&self) -> bool {
        let mut buf = [0u8; 8];
        (&self.0).read(&mut buf).is_ok()
    }
}

impl AsRawFd for EventFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

impl AsFd for EventFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

/// `n` fresh eventfds.
///
/// # Errors
///
/// The OS's (out of fds: see [`raise_fd_limit`]).
pub fn eventfds(n: usize) -> io::Result<Vec<EventFd>> {
    (0..n).map(|_| EventFd::new()).collect()
}

/// Raises the soft fd limit to the hard one and returns the limit now in force.
pub fn raise_fd_limit() -> u64 {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `lim` is a valid, writable rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return 1024;
    }
    let soft = lim.rlim_cur;
    lim.rlim_cur = lim.rlim_max;
    // SAFETY: `lim` is a valid rlimit; failing leaves the limit as it was.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
        return soft;
    }
    lim.rlim_cur
}

/// Sends `signo` to this process (`kill(getpid(), signo)`), as another process would.
pub fn raise_signal(signo: i32) {
    // SAFETY: kill takes no pointers; sending a signal we handle to ourselves is harmless.
    let res = unsafe { libc::kill(libc::getpid(), signo) };
    assert_eq!(res, 0, "kill({signo}) failed: {}", io::Error::last_os_error());
}

/// A bare monotonic timerfd, read blockingly: the resolution bench's baseline.
#[derive(Debug)]
pub struct TimerFd(File);

impl TimerFd {
    /// A disarmed, blocking timerfd.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub fn new() -> io::Result<TimerFd> {
        // SAFETY: no pointers; valid clock id and flags.
        let raw = check(unsafe { libc::timerfd_create(libc::CLOCK_MONOTONIC, libc::TFD_CLOEXEC) })?;
        // SAFETY: `raw` is a fresh fd that nothing else owns.
        Ok(TimerFd(File::from(unsafe { OwnedFd::from_raw_fd(raw) })))
    }

    /// Arms the timer for `d` from now and blocks until it expires.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub fn sleep(&mut self, d: Duration) -> io::Result<()> {
        let d = d.max(Duration::from_nanos(1)); // zero would disarm
        let spec = libc::itimerspec {
            it_interval: libc::timespec { tv_sec: 0, tv_nsec: 0 },
            it_value: libc::timespec { tv_sec: d.as_secs() as libc::time_t, tv_nsec: d.subsec_nanos() as _ },
        };
        // SAFETY: the fd is a live timerfd, `spec` a valid itimerspec, the old value may be null.
        check(unsafe { libc::timerfd_settime(self.0.as_raw_fd(), 0, &spec, std::ptr::null_mut()) })?;
        let mut expirations = [0u8; 8];
        self.0.read_exact(&mut expirations)
    }
}

/// The process's peak resident set so far (`VmHWM` in `/proc/self/status`), in bytes.
///
/// # Errors
///
/// When `/proc` is not there (not Linux).
pub fn peak_rss_bytes() -> io::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no VmHWM in /proc/self/status"))?;
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, line.to_owned()))?;
    Ok(kib * 1024)
}

/// The SIGTERM/SIGINT handler of the servers: leave at once, with status 0. `_exit` is
/// async-signal-safe; a server holds nothing that needs flushing.
extern "C" fn exit_now(_signo: libc::c_int) {
    // SAFETY: `_exit` is async-signal-safe and takes no pointers.
    unsafe { libc::_exit(0) }
}

/// Makes SIGTERM and SIGINT end the process with status 0 (the servers' clean exit).
///
/// # Errors
///
/// The OS's.
pub fn exit_on_termination() -> io::Result<()> {
    for signo in [libc::SIGTERM, libc::SIGINT] {
        // SAFETY: `exit_now` has the signature of a plain handler and only calls `_exit`.
        if unsafe { libc::signal(signo, exit_now as *const () as libc::sighandler_t) } == libc::SIG_ERR {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`): the unit of utime and stime in
/// `/proc/PID/stat`.
pub fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf takes no pointers.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as u64
    } else {
        100 // Linux's USER_HZ everywhere
    }
}

/// Sends SIGTERM to process `pid` (a server of `just bench-servers`).
///
/// # Errors
///
/// The OS's (no such process).
pub fn terminate(pid: u32) -> io::Result<()> {
    // SAFETY: kill takes no pointers; the pid is a child this process started.
    check(unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) }).map(drop)
}
