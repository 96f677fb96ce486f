//! Everything that talks to the operating system directly, and the only module allowed
//! `unsafe`. The rest of the crate sees safe functions that return `io::Result`.

pub(crate) mod clock;
pub(crate) mod epoll;
pub(crate) mod fd;
pub(crate) mod flock;
#[cfg(feature = "hyper")]
pub(crate) mod hyper_buf;
pub(crate) mod prefetch;
pub(crate) mod signals;
pub(crate) mod socket;
pub(crate) mod stdio;
pub(crate) mod timerfd;

/// Calls a libc function and turns a `-1` return into `io::Error::last_os_error()`.
macro_rules! syscall {
    ($fn:ident ( $($arg:expr),* $(,)? )) => {{
        #[allow(unused_unsafe)]
        // SAFETY: each call site documents why its arguments are valid for `$fn`.
        let res = unsafe { libc::$fn($($arg),*) };
        if res == -1 {
            Err(std::io::Error::last_os_error())
        } else {
            Ok(res)
        }
    }};
}
pub(crate) use syscall;
