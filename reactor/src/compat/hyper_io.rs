//! [`HyperIo`]: hyper's `Read`/`Write` over any futures-io stream, ampere's in particular.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use hyper::rt::ReadBufCursor;

/// A stream that hyper can serve or call over: hyper 1.x speaks its own `hyper::rt::Read` and
/// `hyper::rt::Write` traits, and this wrapper implements them for any futures-io stream —
/// [`net::TcpStream`](crate::net::TcpStream), [`net::UnixStream`](crate::net::UnixStream),
/// an [`Async<T>`](crate::Async) of a readable and writable `T`, or a reference to a stream.
///
/// Serving a connection is one line:
/// `http1::Builder::new().timer(AmpereTimer).serve_connection(HyperIo::new(stream), service)`.
///
/// # Examples
///
/// One HTTP/1.1 request over a socket pair, hyper's client on one end, hyper's server on the
/// other, both on the reactor:
///
/// ```
/// use ampere_reactor::compat::{AmpereTimer, HyperIo};
/// use ampere_reactor::net::UnixStream;
/// use hyper::{server::conn::http1, service::service_fn, Request, Response};
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let status = reactor.block_on(async {
///     let (server_end, client_end) = UnixStream::pair()?;
///     let hello = service_fn(|_req: Request<hyper::body::Incoming>| async {
///         Ok::<_, std::convert::Infallible>(Response::new(String::from("hello")))
///     });
///     let _server = ampere_reactor::spawn(
///         http1::Builder::new().timer(AmpereTimer).serve_connection(HyperIo::new(server_end), hello),
///     );
///     let (mut sender, conn) = hyper::client::conn::http1::handshake(HyperIo::new(client_end)).await?;
///     let _conn = ampere_reactor::spawn(conn);
///     let response = sender.send_request(Request::new(String::new())).await?;
///     Ok::<_, Box<dyn std::error::Error>>(response.status())
/// })??;
/// assert_eq!(status, 200);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HyperIo<T> {
    inner: T,
}

impl<T> HyperIo<T> {
    /// Wraps a stream.
    pub fn new(stream: T) -> HyperIo<T> {
        HyperIo { inner: stream }
    }

    /// The stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The stream, mutably (reading or writing around hyper's back corrupts its framing).
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the stream, say after an HTTP upgrade.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead + Unpin> hyper::rt::Read for HyperIo<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, mut buf: ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        let inner = &mut self.get_mut().inner;
        crate::sys::hyper_buf::read_into_cursor(&mut buf, |dst| Pin::new(inner).poll_read(cx, dst))
    }
}

impl<T: AsyncWrite + Unpin> hyper::rt::Write for HyperIo<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    /// futures-io's `poll_close`: for an ampere socket, a write shutdown (the peer reads end
    /// of stream), as hyper expects.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    // `is_write_vectored` stays `false`: futures-io cannot say whether a stream has a real
    // `writev`, and ampere's streams write the first buffer only. hyper then flattens small
    // writes into one buffer, which is what a single `write` wants.
}
