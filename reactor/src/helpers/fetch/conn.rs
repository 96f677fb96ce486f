//! [`Conn`]: one connection of the client (plain or TLS), with the read buffer the parsers
//! work on.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;

use futures_io::{AsyncRead, AsyncWrite};

use super::stream::Stream;
use super::types::FetchLimits;
use super::url::Url;
use super::FetchError;
use crate::net::{self, TcpStream};
#[cfg(feature = "tls")]
use crate::TlsConnector;

/// How much one read asks for.
const READ_SIZE: usize = 16 * 1024;

/// A connected socket and the bytes received but not yet parsed.
pub(super) struct Conn {
    stream: Stream,
    /// Received bytes; those before `start` are consumed. Compacted by [`Conn::fill`] once
    /// the consumed part is at least half, so each byte moves O(1) times on average.
    buf: Vec<u8>,
    start: usize,
}

impl Conn {
    /// Resolves the URL's host on a helper thread, tries its addresses in order, and for an
    /// `https` URL runs the TLS handshake on the first that accepts, verifying the server's
    /// certificate against `limits.tls` and the URL's host.
    ///
    /// # Errors
    ///
    /// [`FetchError::Resolve`], [`FetchError::Connect`] with the last address's error, or
    /// [`FetchError::Tls`] when the handshake fails.
    pub(super) async fn connect(url: &Url, limits: &FetchLimits) -> Result<Conn, FetchError> {
        let tcp = Conn::connect_tcp(url).await?;
        let stream = if url.is_https() { tls_handshake(url, limits, tcp).await? } else { Stream::Plain(tcp) };
        Ok(Conn { stream, buf: Vec::new(), start: 0 })
    }

    /// The TCP connection to the first address of the host that accepts.
    async fn connect_tcp(url: &Url) -> Result<TcpStream, FetchError> {
        let host = || url.host().to_owned();
        let addrs =
            net::resolve(&url.socket_query()).await.map_err(|source| FetchError::Resolve { host: host(), source })?;
        let mut last_error = io::Error::new(io::ErrorKind::NotFound, "no address");
        for addr in addrs {
            match TcpStream::connect(addr).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last_error = e,
            }
        }
        Err(FetchError::Connect { host: host(), source: last_error })
    }

    /// Sends all of `data`, and flushes it: TLS may hold written bytes in its buffer.
    pub(super) async fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            match poll_fn(|cx| Pin::new(&mut self.stream).poll_write(cx, data)).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => data = &data[n..],
            }
        }
        poll_fn(|cx| Pin::new(&mut self.stream).poll_flush(cx)).await
    }

    /// The bytes received and not yet consumed.
    pub(super) fn buffered(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Marks the first `n` buffered bytes as used.
    pub(super) fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.buffered().len());
        self.start += n;
    }

    /// Moves up to `n` buffered bytes to the end of `out`, and returns how many it moved.
    pub(super) fn take_into(&mut self, n: usize, out: &mut Vec<u8>) -> usize {
        let n = n.min(self.buffered().len());
        out.extend_from_slice(&self.buffered()[..n]);
        self.consume(n);
        n
    }

    /// Receives more bytes (waiting for them without blocking the reactor); `Ok(0)` when the
    /// server has closed its side.
    pub(super) async fn fill(&mut self) -> io::Result<usize> {
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let old_len = self.buf.len();
        self.buf.resize(old_len + READ_SIZE, 0);
        let Conn { stream, buf, .. } = self;
        let read = poll_fn(|cx| Pin::new(&mut *stream).poll_read(cx, &mut buf[old_len..])).await;
        self.buf.truncate(old_len + read.as_ref().map_or(0, |n| *n));
        read
    }
}

/// The client side of TLS over `tcp`, with the host of `url` as the name to verify.
#[cfg(feature = "tls")]
async fn tls_handshake(url: &Url, limits: &FetchLimits, tcp: TcpStream) -> Result<Stream, FetchError> {
    let connector = match &limits.tls.config {
        Some(config) => TlsConnector::new(config.clone()),
        None => TlsConnector::with_extra_roots(limits.tls.extra_roots.iter().cloned()).map_err(FetchError::Tls)?,
    };
    // A handshake failure is an `io::Error` carrying rustls's error: `From` sorts it into
    // `FetchError::Tls`.
    Ok(Stream::Tls(Box::new(connector.connect(url.host(), tcp).await?)))
}

/// Without the `tls` feature an `https` URL does not parse, so this is never reached.
#[cfg(not(feature = "tls"))]
async fn tls_handshake(_: &Url, _: &FetchLimits, tcp: TcpStream) -> Result<Stream, FetchError> {
    Ok(Stream::Plain(tcp))
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conn").field("stream", &self.stream).field("buffered", &self.buffered().len()).finish()
    }
}
