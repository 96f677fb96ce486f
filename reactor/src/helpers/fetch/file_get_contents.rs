//! [`file_get_contents`]: a local file or an `http://` or `https://` URL, awaited.

use std::io;
use std::path::PathBuf;

use super::client::{self, Accept};
use super::types::FetchLimits;
use super::url::{self, Url};
use super::FetchError;

/// Reads a local file, or fetches an `http://` or `https://` URL, without blocking the reactor:
/// MadelineProto's `fileGetContents`, with [`FetchLimits::default()`].
///
/// `source` is a URL if it starts with `scheme://`, and a path otherwise. A path is read on
/// the [blocking pool](crate::spawn_blocking). A URL is fetched with a small HTTP/1.1 client
/// on [`TcpStream`](crate::net::TcpStream): the name is resolved on a helper thread, the
/// request is a `GET` with `Connection: close`, the body may be framed by `Content-Length`,
/// chunked, or the close, and up to 5 redirects are followed.
///
/// `https://` (the `tls` feature, on by default) runs TLS on rustls: the server's
/// certificate must chain to one of Mozilla's roots (compiled in), be valid now and name
/// the URL's host. [`FetchLimits::tls`] adds roots (a private CA) or replaces the whole
/// rustls configuration.
///
/// # Errors
///
/// A [`FetchError`] naming what went wrong: unlike MadelineProto, a status outside 2xx is
/// an error ([`FetchError::Status`], carrying the status; [`fetch_with`](crate::fetch_with)
/// returns the body of any status), and so is every malformed, oversized or cut-off
/// response. A fetch that takes longer than 30 s is [`FetchError::TimedOut`]. A TLS failure
/// is [`FetchError::Tls`], telling an untrusted CA, a certificate for another host, an
/// expired one and the server's alert apart. Schemes other than `http` and `https` are
/// [`FetchError::UnsupportedScheme`].
///
/// # Examples
///
/// A loopback server, for the example's sake:
///
/// ```
/// use std::io::{Read, Write};
///
/// let server = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let url = format!("http://{}/hello", server.local_addr()?);
/// std::thread::spawn(move || {
///     let (mut client, _) = server.accept().unwrap();
///     let mut request = [0; 1024];
///     let _ = client.read(&mut request).unwrap();
///     client.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello").unwrap();
/// });
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let body = reactor.block_on(ampere_reactor::file_get_contents(&url))??;
/// assert_eq!(body, b"hello");
///
/// let missing = reactor.block_on(ampere_reactor::file_get_contents("/nonexistent/file"))?;
/// assert!(matches!(missing, Err(ampere_reactor::FetchError::File { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Notes
///
/// The 30 s timeout ([`FetchLimits::timeout`]) is for the whole fetch, so that a server that
/// accepts and then says nothing cannot keep the future pending forever; pick another with
/// [`file_get_contents_with`]. Dropping the future also closes the connection.
pub async fn file_get_contents(source: &str) -> Result<Vec<u8>, FetchError> {
    file_get_contents_with(source, FetchLimits::default()).await
}

/// [`file_get_contents`] with other [`FetchLimits`].
///
/// # Errors
///
/// As for [`file_get_contents`]; the limits decide when [`FetchError::HeadTooLarge`],
/// [`FetchError::TooManyHeaders`], [`FetchError::BodyTooLarge`],
/// [`FetchError::TooManyRedirects`] and [`FetchError::TimedOut`] apply.
///
/// # Examples
///
/// ```
/// use ampere_reactor::{file_get_contents_with, FetchError, FetchLimits};
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let limits = FetchLimits { max_redirects: 0, ..FetchLimits::default() };
/// let err = reactor.block_on(file_get_contents_with("ftp://example.invalid/", limits))?.unwrap_err();
/// assert!(matches!(err, FetchError::UnsupportedScheme { scheme, .. } if scheme == "ftp"));
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub async fn file_get_contents_with(source: &str, limits: FetchLimits) -> Result<Vec<u8>, FetchError> {
    if url::scheme(source).is_some() {
        Ok(client::get(Url::parse(source)?, &limits, Accept::Success).await?.body)
    } else {
        read_local(PathBuf::from(source)).await
    }
}

/// `std::fs::read` on the blocking pool.
async fn read_local(path: PathBuf) -> Result<Vec<u8>, FetchError> {
    let job_path = path.clone();
    let read = match crate::spawn_blocking(move || std::fs::read(job_path)) {
        Ok(job) => job.await.map_err(io::Error::other).flatten(),
        Err(e) => Err(e.into()),
    };
    read.map_err(|source| FetchError::File { path, source })
}
