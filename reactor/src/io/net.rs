//! TCP, UDP and Unix-domain sockets on [`Async`], with `futures-io` traits.
//!
//! Each type is a thin shell over the matching `mio::net` socket (already non-blocking, with a
//! non-blocking `connect`). Errors are the OS's own `io::Error`s (connection refused, reset by
//! peer, broken pipe); none of them panics or disturbs other tasks.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsRawFd, RawFd};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::addr::{addrs, first_ok, literal_addrs};
pub use super::addr::{resolve, ToSocketAddrs};
use super::async_fd::Async;
use crate::source_table::Direction;

/// A TCP listening socket.
#[derive(Debug)]
pub struct TcpListener(Async<mio::net::TcpListener>);

impl TcpListener {
    /// Binds to `addr` (`SO_REUSEADDR` set, as mio does), trying each address in turn:
    /// `"127.0.0.1:8080"`, `("::", 0)`, `"localhost:8080"`, a [`SocketAddr`] (see
    /// [`ToSocketAddrs`]). Synchronous, so it takes no name that needs a lookup (only IP
    /// literals and `localhost`): resolve others first with [`resolve`].
    ///
    /// # Errors
    ///
    /// The OS's (address in use, permission denied); `InvalidInput` for a malformed address
    /// or a name that needs a lookup.
    ///
    /// # Examples
    ///
    /// ```
    /// use ampere_reactor::net::TcpListener;
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let listener = TcpListener::bind("127.0.0.1:0")?; // port 0: the OS picks one
    /// assert_ne!(listener.local_addr()?.port(), 0);
    /// # drop(reactor);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let listener = first_ok(&literal_addrs(&addr)?, mio::net::TcpListener::bind)?;
        Ok(TcpListener(Async::new(listener)?))
    }

    /// Binds to `addr` with `SO_REUSEPORT` (and `SO_REUSEADDR`) set, so that several
    /// listeners, typically one per reactor thread, share one port, and the kernel spreads
    /// incoming connections over them. The guide's "Scaling past one core" chapter is the
    /// recipe.
    ///
    /// Every listener of the group must be bound this way (a plain [`bind`](TcpListener::bind)
    /// on the port fails with `AddrInUse`), by a process with the same effective uid.
    ///
    /// # Errors
    ///
    /// The OS's: `AddrInUse` when the port is held by a socket without `SO_REUSEPORT` (or by
    /// another user), `PermissionDenied` below port 1024; a missing reactor; `Unsupported`
    /// outside Linux and Android.
    ///
    /// # Examples
    ///
    /// Two listeners on one port:
    ///
    /// ```
    /// use ampere_reactor::net::TcpListener;
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// reactor.block_on(async {
    ///     let first = TcpListener::bind_reuseport("127.0.0.1:0".parse()?)?;
    ///     let addr = first.local_addr()?; // the port the OS picked
    ///     let second = TcpListener::bind_reuseport(addr)?;
    ///     assert_eq!(second.local_addr()?, addr);
    ///     // A listener that did not opt in is refused the port.
    ///     assert!(TcpListener::bind(addr).is_err());
    ///     Ok::<(), Box<dyn std::error::Error>>(())
    /// })??;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Notes
    ///
    /// The kernel picks a listener by a hash of the connection's addresses and ports: a fair
    /// spread of many connections, blind to how busy each reactor is. The connections queued
    /// on a listener when it is closed are reset, not moved to the others (unless
    /// `net.ipv4.tcp_migrate_req` is set, Linux 5.14 and later): close a listener only when
    /// the whole service stops, or drain it first.
    ///
    /// # Portability
    ///
    /// Linux (3.9 and later) and Android. Other systems either lack `SO_REUSEPORT` or do not
    /// spread connections with it, and get `Unsupported`.
    pub fn bind_reuseport(addr: SocketAddr) -> io::Result<TcpListener> {
        let listener = crate::sys::socket::reuseport_listener(addr)?;
        Ok(TcpListener(Async::new(mio::net::TcpListener::from_std(listener))?))
    }

    /// Wraps a listener set up elsewhere (say, with `SO_REUSEPORT`).
    ///
    /// # Errors
    ///
    /// When it cannot be registered.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener(Async::new(mio::net::TcpListener::from_std(listener))?))
    }

    /// The bound address.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().local_addr()
    }

    /// Accepts a connection.
    ///
    /// # Errors
    ///
    /// The OS's (`EMFILE` when out of fds: the listener stays usable).
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, peer) = self.0.read_with(|l| l.accept()).await?;
        Ok((TcpStream(Async::new(stream)?), peer))
    }
}

/// A TCP connection.
#[derive(Debug)]
pub struct TcpStream(Async<mio::net::TcpStream>);

impl TcpStream {
    /// Connects to `addr` (`"example.com:80"`, `("localhost", 8080)`, a [`SocketAddr`]: see
    /// [`ToSocketAddrs`]) without blocking the reactor: a name is resolved on the blocking
    /// pool, then each address is tried in turn until one connects.
    ///
    /// # Errors
    ///
    /// The resolver's; then the last address's `ConnectionRefused`, `TimedOut`, unreachable
    /// network, ... as the OS reports them.
    ///
    /// # Examples
    ///
    /// ```
    /// use ampere_reactor::net::{TcpListener, TcpStream};
    /// use ampere_reactor::prelude::*;
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let port = listener.local_addr()?.port();
    /// reactor.block_on(async move {
    ///     let server = spawn(async move { listener.accept().await?.0.write_all(b"hi").await });
    ///     let mut client = TcpStream::connect(("localhost", port)).await?;
    ///     let mut got = String::new();
    ///     client.read_to_string(&mut got).await?;
    ///     assert_eq!(got, "hi");
    ///     server.await.map_err(std::io::Error::other)?
    /// })??;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let mut last = None;
        for addr in addrs(&addr).await? {
            match TcpStream::connect_one(addr).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(last.expect("`addrs` gives at least one address"))
    }

    async fn connect_one(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = Async::new(mio::net::TcpStream::connect(addr)?)?;
        loop {
            // A connect in progress becomes writable when it succeeds *or* fails.
            stream.writable().await?;
            if let Some(e) = stream.get_ref().take_error()? {
                return Err(e);
            }
            match stream.get_ref().peer_addr() {
                Ok(_) => return Ok(TcpStream(stream)),
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    // Spurious edge: still connecting.
                    stream.clear_ready(Direction::Write);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Wraps a connected std stream.
    ///
    /// # Errors
    ///
    /// When it cannot be registered.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream(Async::new(mio::net::TcpStream::from_std(stream))?))
    }

    /// The remote address.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().local_addr()
    }

    /// Shuts down one or both halves.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.0.get_ref().shutdown(how)
    }

    /// Sets `TCP_NODELAY`.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.0.get_ref().set_nodelay(on)
    }
}

/// A UDP socket.
#[derive(Debug)]
pub struct UdpSocket(Async<mio::net::UdpSocket>);

impl UdpSocket {
    /// Binds to `addr`, an IP literal or `localhost` (see [`TcpListener::bind`]).
    ///
    /// # Errors
    ///
    /// The OS's; `InvalidInput` for a malformed address or a name that needs a lookup.
    ///
    /// # Examples
    ///
    /// ```
    /// use ampere_reactor::net::UdpSocket;
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let a = UdpSocket::bind("127.0.0.1:0")?;
    /// let b = UdpSocket::bind("127.0.0.1:0")?;
    /// let to = b.local_addr()?;
    /// reactor.block_on(async move {
    ///     a.send_to(b"ping", to).await?;
    ///     let mut buf = [0; 16];
    ///     let (n, from) = b.recv_from(&mut buf).await?;
    ///     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
    ///     Ok::<_, std::io::Error>(())
    /// })??;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let socket = first_ok(&literal_addrs(&addr)?, mio::net::UdpSocket::bind)?;
        Ok(UdpSocket(Async::new(socket)?))
    }

    /// The bound address.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().local_addr()
    }

    /// Sets the default peer for `send` and `recv`: an IP literal or `localhost` (synchronous,
    /// like [`bind`](UdpSocket::bind)).
    ///
    /// # Errors
    ///
    /// The OS's; `InvalidInput` for a malformed address or a name that needs a lookup.
    pub fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        first_ok(&literal_addrs(&addr)?, |a| self.0.get_ref().connect(a))
    }

    /// Sends one datagram to `addr` (its first address; a name is resolved on the blocking
    /// pool).
    ///
    /// # Errors
    ///
    /// The resolver's, or the OS's.
    pub async fn send_to(&self, buf: &[u8], addr: impl ToSocketAddrs) -> io::Result<usize> {
        let addr = addrs(&addr).await?[0];
        self.0.write_with(|s| s.send_to(buf, addr)).await
    }

    /// Receives one datagram.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.0.read_with(|s| s.recv_from(buf)).await
    }

    /// Sends to the connected peer.
    ///
    /// # Errors
    ///
    /// The OS's (`ConnectionRefused` after an ICMP port-unreachable).
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.0.write_with(|s| s.send(buf)).await
    }

    /// Receives from the connected peer.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read_with(|s| s.recv(buf)).await
    }
}

/// A Unix-domain listening socket.
#[derive(Debug)]
pub struct UnixListener(Async<mio::net::UnixListener>);

impl UnixListener {
    /// Binds to `path`.
    ///
    /// # Errors
    ///
    /// The OS's (the path exists, permission denied).
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        Ok(UnixListener(Async::new(mio::net::UnixListener::bind(path)?)?))
    }

    /// Accepts a connection.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub async fn accept(&self) -> io::Result<UnixStream> {
        let (stream, _addr) = self.0.read_with(|l| l.accept()).await?;
        Ok(UnixStream(Async::new(stream)?))
    }
}

/// A Unix-domain stream.
#[derive(Debug)]
pub struct UnixStream(Async<mio::net::UnixStream>);

impl UnixStream {
    /// Connects to the socket at `path`.
    ///
    /// # Errors
    ///
    /// `NotFound`, `ConnectionRefused`, ... as the OS reports them.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let stream = Async::new(mio::net::UnixStream::connect(path)?)?;
        stream.writable().await?;
        if let Some(e) = stream.get_ref().take_error()? {
            return Err(e);
        }
        Ok(UnixStream(stream))
    }

    /// A connected pair.
    ///
    /// # Errors
    ///
    /// The OS's (out of fds).
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        Ok((UnixStream(Async::new(a)?), UnixStream(Async::new(b)?)))
    }

    /// Shuts down one or both halves.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.0.get_ref().shutdown(how)
    }
}

/// Reads from a stream socket. A short read means the socket's receive queue was drained, so
/// the read readiness is cleared right away: the next read waits for the next edge instead of
/// spending a syscall to learn `WouldBlock` (the trick tokio uses on epoll too). Only valid for
/// stream sockets: a terminal, say, may return a short read with more data still queued.
fn stream_read<T>(io: &Async<T>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>
where
    T: AsRawFd,
    for<'a> &'a T: Read,
{
    let res = io.poll_op(Direction::Read, cx, |mut s| s.read(buf));
    if let Poll::Ready(Ok(n)) = res {
        if n > 0 && n < buf.len() {
            io.clear_ready(Direction::Read);
        }
    }
    res
}

/// Writes to a stream socket; a short write means the send buffer is full (see `stream_read`).
fn stream_write<T>(io: &Async<T>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>
where
    T: AsRawFd,
    for<'a> &'a T: Write,
{
    let res = io.poll_op(Direction::Write, cx, |mut s| s.write(buf));
    if let Poll::Ready(Ok(n)) = res {
        if n < buf.len() {
            io.clear_ready(Direction::Write);
        }
    }
    res
}

/// `AsyncRead`/`AsyncWrite` for a stream type and for a shared reference to it (so one task
/// can read while another writes).
macro_rules! stream_traits {
    ($ty:ty) => {
        impl AsyncRead for $ty {
            fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                stream_read(&self.0, cx, buf)
            }
        }

        impl AsyncRead for &$ty {
            fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                stream_read(&self.0, cx, buf)
            }
        }

        impl AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                stream_write(&self.0, cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(())) // sockets have no user-space buffer
            }

            fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(self.0.get_ref().shutdown(Shutdown::Write))
            }
        }

        impl AsyncWrite for &$ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                stream_write(&self.0, cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(self.0.get_ref().shutdown(Shutdown::Write))
            }
        }

        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.0.as_raw_fd()
            }
        }
    };
}

stream_traits!(TcpStream);
stream_traits!(UnixStream);
