//! Socket addresses as the standard library takes them (`"127.0.0.1:8080"`,
//! `("localhost", 80)`, a `SocketAddr`), turned into addresses without ever blocking the
//! reactor: literal IPs are parsed on the spot, names are resolved on the blocking pool.
//!
//! [`ToSocketAddrs`] is sealed: it only sorts its argument into a literal or a name
//! ([`Target`]); the socket types decide what to do with a name (`bind` refuses one, since it
//! is synchronous; `connect` and `send_to` resolve it on a helper thread).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use sealed::{Sealed, Target};

/// Private to this file: outside code can neither implement [`ToSocketAddrs`] nor call
/// `target`.
mod sealed {
    use std::io;
    use std::net::SocketAddr;

    /// What an address argument turned out to be.
    #[derive(Debug)]
    pub enum Target {
        /// Literal addresses, in the caller's order.
        Addrs(Vec<SocketAddr>),
        /// A name to resolve, as `host:port`.
        Name(String),
    }

    /// The one method of [`ToSocketAddrs`](super::ToSocketAddrs), out of users' reach.
    pub trait Sealed {
        /// Sorts the argument into literal addresses or a name (no lookup here).
        fn target(&self) -> io::Result<Target>;
    }
}

/// What [`TcpListener::bind`](crate::net::TcpListener::bind),
/// [`TcpStream::connect`](crate::net::TcpStream::connect) and the [`UdpSocket`](crate::net::UdpSocket)
/// methods accept, as `std::net::ToSocketAddrs`: a [`SocketAddr`] (or its V4/V6 forms), an
/// `(IpAddr, u16)`-like pair, a `"host:port"` string, a `(host, port)` pair, or a slice of
/// addresses (tried in order).
///
/// A literal IP address is parsed without any lookup. `localhost` means the loopback
/// addresses (`127.0.0.1`, then `::1`), as RFC 6761 asks, also without a lookup. Any other name
/// is resolved on the blocking pool ([`resolve`]) by the async methods, and refused with
/// `InvalidInput` by the synchronous ones (`bind`, `UdpSocket::connect`): resolve it first.
///
/// Sealed: implemented here for the standard library's address types only.
///
/// # Examples
///
/// ```
/// use ampere_reactor::net::TcpListener;
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let a = TcpListener::bind("127.0.0.1:0")?;
/// let b = TcpListener::bind(("localhost", 0))?;
/// let c = TcpListener::bind(a.local_addr()?.ip().to_string() + ":0")?;
/// assert!(a.local_addr()?.ip().is_loopback() && b.local_addr()?.ip().is_loopback());
/// # drop((c, reactor));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait ToSocketAddrs: Sealed {}

impl<T: Sealed + ?Sized> ToSocketAddrs for T {}

/// Parses `host` and `port` without a lookup: an IP literal (IPv6 with or without brackets)
/// or `localhost`; `None` for any other name.
fn literal(host: &str, port: u16) -> Option<Vec<SocketAddr>> {
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Some(vec![SocketAddr::new(ip, port)]);
    }
    bare.eq_ignore_ascii_case("localhost").then(|| {
        vec![SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port), SocketAddr::new(Ipv6Addr::LOCALHOST.into(), port)]
    })
}

fn host_port(host: &str, port: u16) -> Target {
    match literal(host, port) {
        Some(addrs) => Target::Addrs(addrs),
        None => Target::Name(format!("{host}:{port}")),
    }
}

impl Sealed for str {
    fn target(&self) -> io::Result<Target> {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return Ok(Target::Addrs(vec![addr]));
        }
        let invalid = || io::Error::new(io::ErrorKind::InvalidInput, format!("{self:?}: expected host:port"));
        let (host, port) = self.rsplit_once(':').ok_or_else(invalid)?;
        let port = port.parse::<u16>().map_err(|_| invalid())?;
        Ok(host_port(host, port))
    }
}

impl Sealed for String {
    fn target(&self) -> io::Result<Target> {
        self.as_str().target()
    }
}

impl Sealed for (&str, u16) {
    fn target(&self) -> io::Result<Target> {
        Ok(host_port(self.0, self.1))
    }
}

impl Sealed for (String, u16) {
    fn target(&self) -> io::Result<Target> {
        Ok(host_port(&self.0, self.1))
    }
}

/// The address types that are literal already.
macro_rules! literal_impls {
    ($($t:ty),*) => {$(
        impl Sealed for $t {
            fn target(&self) -> io::Result<Target> {
                Ok(Target::Addrs(vec![SocketAddr::from(*self)]))
            }
        }
    )*};
}
literal_impls!(SocketAddr, SocketAddrV4, SocketAddrV6, (IpAddr, u16), (Ipv4Addr, u16), (Ipv6Addr, u16));

impl Sealed for [SocketAddr] {
    fn target(&self) -> io::Result<Target> {
        Ok(Target::Addrs(self.to_vec()))
    }
}

impl<T: Sealed + ?Sized> Sealed for &T {
    fn target(&self) -> io::Result<Target> {
        (**self).target()
    }
}

/// The addresses of `addr`, without a lookup: `InvalidInput` for a name (other than
/// `localhost`), which only the async methods may resolve.
pub(crate) fn literal_addrs(addr: &(impl ToSocketAddrs + ?Sized)) -> io::Result<Vec<SocketAddr>> {
    match addr.target()? {
        Target::Addrs(addrs) => non_empty(addrs),
        Target::Name(name) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name}: a name needs a lookup, which would block: pass an IP address or resolve it first (net::resolve)"),
        )),
    }
}

/// The addresses of `addr`: literal ones at once, a name resolved on the blocking pool.
pub(crate) async fn addrs(addr: &(impl ToSocketAddrs + ?Sized)) -> io::Result<Vec<SocketAddr>> {
    match addr.target()? {
        Target::Addrs(addrs) => non_empty(addrs),
        Target::Name(name) => resolve(&name).await,
    }
}

fn non_empty(addrs: Vec<SocketAddr>) -> io::Result<Vec<SocketAddr>> {
    match addrs.is_empty() {
        true => Err(io::Error::new(io::ErrorKind::InvalidInput, "no address given")),
        false => Ok(addrs),
    }
}

/// Tries `op` on each address in turn; the first success, or the last error.
pub(crate) fn first_ok<T>(addrs: &[SocketAddr], mut op: impl FnMut(SocketAddr) -> io::Result<T>) -> io::Result<T> {
    let mut last = None;
    for &addr in addrs {
        match op(addr) {
            Ok(t) => return Ok(t),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address given")))
}

/// Resolves `host:port` on a helper thread (name resolution blocks), so the reactor does not.
///
/// # Errors
///
/// The resolver's error, or [`io::ErrorKind::NotFound`] when the name has no address.
///
/// # Examples
///
/// ```
/// let reactor = ampere_reactor::Reactor::new()?;
/// let addrs = reactor.block_on(ampere_reactor::net::resolve("127.0.0.1:80"))??;
/// assert_eq!(addrs, ["127.0.0.1:80".parse()?]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn resolve(host_port: &str) -> io::Result<Vec<SocketAddr>> {
    use std::net::ToSocketAddrs as _;
    let query = host_port.to_owned();
    let job = crate::tasks::spawn_blocking(move || query.to_socket_addrs().map(|a| a.collect::<Vec<_>>()))?;
    let addrs = job.await.map_err(io::Error::other)??;
    if addrs.is_empty() {
        return Err(io::Error::new(io::ErrorKind::NotFound, format!("{host_port}: no address")));
    }
    Ok(addrs)
}
