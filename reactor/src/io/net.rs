//! TCP, UDP and Unix-domain sockets on [`Async`], with `futures-io` traits.
//!
//! Each type is a thin shell over the matching `mio::net` socket (already non-blocking, with a
//! non-blocking `connect`). Errors are the OS's own `io::Error`s (connection refused, reset by
//! peer, broken pipe); none of them panics or disturbs other tasks.
//!
//! A socket registers with the thread's current reactor when it is made (the crate docs'
//! "Which reactor" gives the rule): make it inside `block_on`, or after `Reactor::new()`.
//!
//! This file defines the TCP types; [`UdpSocket`] and the Unix types are defined beside it
//! (`udp.rs`, `unix.rs`) and public here only.

use std::io;
use std::net::{Shutdown, SocketAddr};

use super::addr::{addrs, first_ok, literal_addrs};
pub use super::addr::{resolve, ToSocketAddrs};
use super::async_fd::Async;
use super::stream::stream_traits;
pub use super::udp::UdpSocket;
pub use super::unix::{UnixListener, UnixStream};
use crate::source_table::Direction;

/// A TCP listening socket.
///
/// # Examples
///
/// A server on a port the OS picks answers one client of its own, then the program goes on:
///
/// ```
/// use ampere_reactor::net::{TcpListener, TcpStream};
/// use ampere_reactor::prelude::*;
/// use ampere_reactor::Reactor;
///
/// Reactor::new()?.block_on_try(async {
///     let listener = TcpListener::bind("127.0.0.1:0")?; // port 0: the OS picks one
///     let addr = listener.local_addr()?;
///     let server = spawn(async move {
///         let (mut stream, peer) = listener.accept().await?;
///         stream.write_all(format!("hello, {}", peer.ip()).as_bytes()).await
///     });
///     let mut greeting = String::new();
///     TcpStream::connect(addr).await?.read_to_string(&mut greeting).await?;
///     assert_eq!(greeting, "hello, 127.0.0.1");
///     server.await.map_err(std::io::Error::other)?
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
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

/// A TCP connection: `futures-io`'s `AsyncRead` and `AsyncWrite`, also on `&TcpStream` (so one
/// task can read while another writes).
///
/// # Examples
///
/// A client sends a line to an echo server and reads it back:
///
/// ```
/// use ampere_reactor::net::{TcpListener, TcpStream};
/// use ampere_reactor::prelude::*;
/// use ampere_reactor::Reactor;
///
/// Reactor::new()?.block_on_try(async {
///     let listener = TcpListener::bind("127.0.0.1:0")?;
///     let port = listener.local_addr()?.port();
///     spawn(async move {
///         let (stream, _) = listener.accept().await?;
///         let mut line = String::new();
///         BufReader::new(&stream).read_line(&mut line).await?;
///         (&stream).write_all(line.as_bytes()).await // one line, echoed
///     });
///     let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
///     stream.write_all(b"hello\n").await?;
///     let mut line = String::new();
///     BufReader::new(&stream).read_line(&mut line).await?;
///     assert_eq!(line, "hello\n");
///     Ok::<_, std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
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

stream_traits!(TcpStream);
