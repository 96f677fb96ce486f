//! Listening sockets with the options std and mio do not expose: `SO_REUSEPORT`, for
//! [`TcpListener::bind_reuseport`](crate::net::TcpListener::bind_reuseport).
//!
//! std's `TcpListener::bind` creates, binds and listens in one call, so there is no moment to
//! set an option before `bind(2)`, which is when `SO_REUSEPORT` must be set. Hence the five
//! calls by hand here; the result is an ordinary `std::net::TcpListener`.
// Only Linux and Android get the real thing (see the fallback below).
#![cfg_attr(not(any(target_os = "linux", target_os = "android")), allow(dead_code, unused_imports))]

use std::io;
use std::mem::size_of;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::syscall;

/// The accept queue's length. The kernel caps it at `net.core.somaxconn` (4096 on Linux 5.4
/// and later, 128 before); a burst of connects beyond it is dropped (the client retries its
/// SYN a second later), so a generous queue is the cheap choice.
const BACKLOG: libc::c_int = 1024;

/// A non-blocking, close-on-exec TCP socket with `SO_REUSEADDR` and `SO_REUSEPORT` set,
/// bound to `addr` and listening.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn reuseport_listener(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let domain = match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    };
    // Non-blocking and close-on-exec from birth: no window in which a fork+exec elsewhere in
    // the process could inherit it.
    let raw = syscall!(socket(domain, libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0))?;
    // SAFETY: `raw` was just returned by a successful socket(2): it is open, and nothing else
    // owns it, so the `OwnedFd` may close it (it does so on every error path below).
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    set_flag(&fd, libc::SO_REUSEADDR)?;
    // Every socket of the group must set it before its bind, and have the same effective
    // uid: the kernel's guard against another user hijacking the port.
    set_flag(&fd, libc::SO_REUSEPORT)?;
    bind(&fd, addr)?;
    // `fd` is an open, bound socket for as long as the borrow lasts.
    syscall!(listen(fd.as_raw_fd(), BACKLOG))?;
    Ok(std::net::TcpListener::from(fd))
}

/// Elsewhere `SO_REUSEPORT` exists (macOS, the BSDs) but does not spread connections over the
/// sockets sharing a port (FreeBSD's `SO_REUSEPORT_LB` does; nobody has needed it yet), and
/// spreading them is the only reason to ask for it here.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn reuseport_listener(_addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "SO_REUSEPORT does not balance connections on this OS"))
}

/// Sets a boolean `SOL_SOCKET` option to 1.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_flag(fd: &OwnedFd, option: libc::c_int) -> io::Result<()> {
    let on: libc::c_int = 1;
    // `fd` is open; `&on` points to a live `c_int` and the length passed is its size.
    syscall!(setsockopt(
        fd.as_raw_fd(),
        libc::SOL_SOCKET,
        option,
        (&on as *const libc::c_int).cast::<libc::c_void>(),
        socklen_of::<libc::c_int>(),
    ))
    .map(drop)
}

/// `bind(2)` with `addr` spelled as the C structure of its family.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn bind(fd: &OwnedFd, addr: SocketAddr) -> io::Result<()> {
    match addr {
        SocketAddr::V4(v4) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                // Network byte order for both; `octets()` is already in it.
                sin_port: v4.port().to_be(),
                sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(v4.ip().octets()) },
                sin_zero: [0; 8],
            };
            // `fd` is open; `&sin` points to a live `sockaddr_in` and the length is its size.
            syscall!(bind(
                fd.as_raw_fd(),
                (&sin as *const libc::sockaddr_in).cast::<libc::sockaddr>(),
                socklen_of::<libc::sockaddr_in>(),
            ))
            .map(drop)
        }
        SocketAddr::V6(v6) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: v6.port().to_be(),
                // std keeps the flow info in host order; the kernel wants network order.
                sin6_flowinfo: v6.flowinfo().to_be(),
                sin6_addr: libc::in6_addr { s6_addr: v6.ip().octets() },
                sin6_scope_id: v6.scope_id(),
            };
            // `fd` is open; `&sin6` points to a live `sockaddr_in6` and the length is its size.
            syscall!(bind(
                fd.as_raw_fd(),
                (&sin6 as *const libc::sockaddr_in6).cast::<libc::sockaddr>(),
                socklen_of::<libc::sockaddr_in6>(),
            ))
            .map(drop)
        }
    }
}

/// `size_of::<T>()` as a `socklen_t` (every `T` here is a few dozen bytes).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn socklen_of<T>() -> libc::socklen_t {
    size_of::<T>() as libc::socklen_t
}
