//! [`UdpSocket`]: datagrams on [`Async`], public as `ampere_reactor::net::UdpSocket`.
//!
//! Addresses are taken as the TCP types take them ([`ToSocketAddrs`]): `bind` and `connect`
//! are synchronous, so they take literals only; `send_to` may resolve a name on the blocking
//! pool.

use std::io;
use std::net::SocketAddr;

use super::addr::{addrs, first_ok, literal_addrs, ToSocketAddrs};
use super::async_fd::Async;

/// A UDP socket.
///
/// # Examples
///
/// Two sockets on the loopback, each connected to the other, play ping-pong:
///
/// ```
/// use ampere_reactor::net::UdpSocket;
/// use ampere_reactor::Reactor;
///
/// Reactor::new()?.block_on_try(async {
///     let (a, b) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
///     a.connect(b.local_addr()?)?;
///     b.connect(a.local_addr()?)?;
///     let mut buf = [0; 16];
///     a.send(b"ping").await?;
///     let n = b.recv(&mut buf).await?;
///     assert_eq!(&buf[..n], b"ping");
///     b.send(b"pong").await?;
///     let n = a.recv(&mut buf).await?;
///     assert_eq!(&buf[..n], b"pong");
///     Ok::<_, std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct UdpSocket(Async<mio::net::UdpSocket>);

impl UdpSocket {
    /// Binds to `addr`, an IP literal or `localhost` (see [`TcpListener::bind`](crate::net::TcpListener::bind)).
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
