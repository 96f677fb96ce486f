//! [`FetchError`]: everything [`file_get_contents`](crate::file_get_contents) can fail with.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

#[cfg(feature = "tls")]
use crate::TlsError;

/// Why [`file_get_contents`](crate::file_get_contents) returned no body.
///
/// Each kind of bad input has its own variant, so callers can match on what went wrong
/// rather than parse a message. URLs in the variants are as we requested them (after
/// following redirects, the last one).
#[derive(Debug)]
#[non_exhaustive]
pub enum FetchError {
    /// Reading a local file failed: not found, a directory (`IsADirectory`), no permission.
    File {
        /// The path.
        path: PathBuf,
        /// The OS's error; its `kind()` tells which.
        source: io::Error,
    },
    /// The source looks like a URL but is not a well-formed `http[s]://host[:port][/path]`.
    InvalidUrl {
        /// The URL.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A scheme other than `http` and `https`: `ftp`, `file`, ... (and `https` itself in a
    /// build without the `tls` feature).
    UnsupportedScheme {
        /// The URL.
        url: String,
        /// Its scheme, lowercased.
        scheme: String,
    },
    /// The host name did not resolve (a nonexistent host, no DNS).
    Resolve {
        /// The host.
        host: String,
        /// The resolver's error.
        source: io::Error,
    },
    /// No address of the host accepted a connection.
    Connect {
        /// The host.
        host: String,
        /// The error of the last address tried (`ConnectionRefused`, ...).
        source: io::Error,
    },
    /// Sending the request or reading the response failed (`ConnectionReset`, ...). Over
    /// TLS, a server that closes without TLS's `close_notify` is `UnexpectedEof` here when
    /// only the close could end the body (a cut-off body must not pass for a whole one).
    Io(io::Error),
    /// An `https://` fetch failed in TLS: the server's certificate is untrusted
    /// ([`TlsError::UnknownIssuer`]), for another host ([`TlsError::WrongHostName`]),
    /// expired ([`TlsError::Expired`]) or otherwise bad, the server sent a fatal alert
    /// ([`TlsError::Alert`]), or an extra root in [`TlsOptions`](crate::TlsOptions) does
    /// not parse.
    #[cfg(feature = "tls")]
    Tls(TlsError),
    /// The response is not HTTP/1.x as we can read it: a bad status line or header, an
    /// invalid `Content-Length` or chunk size.
    MalformedResponse {
        /// What did not parse.
        reason: String,
    },
    /// The status line and headers are longer than the limit.
    HeadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The response has more headers (or trailers) than the limit.
    TooManyHeaders {
        /// The limit, in headers.
        limit: usize,
    },
    /// The body is longer than the limit (announced or actually sent).
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The server closed the connection before the end of the status line and headers.
    IncompleteHead {
        /// Bytes received before the close.
        received: usize,
    },
    /// The connection ended inside the body: fewer bytes than `Content-Length`, or a
    /// chunked body cut before its last chunk.
    TruncatedBody {
        /// Body bytes received.
        received: usize,
        /// The `Content-Length`, or `None` for a chunked body.
        expected: Option<u64>,
    },
    /// No complete answer within [`FetchLimits::timeout`](crate::FetchLimits::timeout): the
    /// name did not resolve, the server did not accept, or it accepted and then did not send
    /// (all) of its response in time. The connection is closed.
    TimedOut {
        /// The timeout that ran out (for the whole fetch, redirects included).
        timeout: Duration,
        /// The URL being fetched when it ran out.
        url: String,
    },
    /// The server answered with a status outside 2xx (redirects are followed first; a
    /// redirect without a `Location` ends here too).
    Status {
        /// The status code.
        status: u16,
        /// The reason phrase.
        reason: String,
        /// The URL that answered.
        url: String,
    },
    /// A redirect pointed back to a URL already visited in this fetch.
    RedirectLoop {
        /// The URL visited twice.
        url: String,
    },
    /// More redirects than the limit.
    TooManyRedirects {
        /// The limit.
        limit: usize,
        /// The redirect target that was not followed.
        url: String,
    },
}

impl FetchError {
    /// The HTTP status, for [`FetchError::Status`].
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::File { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            FetchError::InvalidUrl { url, reason } => write!(f, "invalid URL {url:?}: {reason}"),
            FetchError::UnsupportedScheme { url, scheme } => write!(f, "unsupported scheme {scheme:?} in {url}"),
            FetchError::Resolve { host, source } => write!(f, "cannot resolve {host}: {source}"),
            FetchError::Connect { host, source } => write!(f, "cannot connect to {host}: {source}"),
            FetchError::Io(e) => write!(f, "HTTP I/O error: {e}"),
            #[cfg(feature = "tls")]
            FetchError::Tls(e) => write!(f, "TLS: {e}"),
            FetchError::MalformedResponse { reason } => write!(f, "malformed HTTP response: {reason}"),
            FetchError::HeadTooLarge { limit } => write!(f, "HTTP response head over the limit of {limit} bytes"),
            FetchError::TooManyHeaders { limit } => write!(f, "more than {limit} HTTP response headers"),
            FetchError::BodyTooLarge { limit } => write!(f, "HTTP response body over the limit of {limit} bytes"),
            FetchError::IncompleteHead { received } => {
                write!(f, "connection closed inside the response head (after {received} bytes)")
            }
            FetchError::TruncatedBody { received, expected: Some(n) } => {
                write!(f, "connection closed after {received} of {n} body bytes")
            }
            FetchError::TruncatedBody { received, expected: None } => {
                write!(f, "chunked body cut off after {received} bytes")
            }
            FetchError::TimedOut { timeout, url } => write!(f, "no complete answer from {url} within {timeout:?}"),
            FetchError::Status { status, reason, url } => write!(f, "{url} answered {status} {reason}"),
            FetchError::RedirectLoop { url } => write!(f, "redirect loop back to {url}"),
            FetchError::TooManyRedirects { limit, url } => write!(f, "more than {limit} redirects (next: {url})"),
        }
    }
}

impl StdError for FetchError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            FetchError::File { source, .. }
            | FetchError::Resolve { source, .. }
            | FetchError::Connect { source, .. }
            | FetchError::Io(source) => Some(source),
            #[cfg(feature = "tls")]
            FetchError::Tls(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for FetchError {
    /// [`FetchError::Tls`] when the I/O error carries a TLS error (futures-rustls reports
    /// them so), [`FetchError::Io`] otherwise.
    fn from(e: io::Error) -> FetchError {
        #[cfg(feature = "tls")]
        if let Some(tls) = TlsError::from_io(&e) {
            return FetchError::Tls(tls);
        }
        FetchError::Io(e)
    }
}

impl From<FetchError> for io::Error {
    fn from(e: FetchError) -> io::Error {
        let kind = match &e {
            FetchError::File { source, .. } | FetchError::Connect { source, .. } | FetchError::Io(source) => {
                source.kind()
            }
            FetchError::Resolve { .. } => io::ErrorKind::NotFound,
            FetchError::InvalidUrl { .. } => io::ErrorKind::InvalidInput,
            FetchError::UnsupportedScheme { .. } => io::ErrorKind::Unsupported,
            FetchError::MalformedResponse { .. } => io::ErrorKind::InvalidData,
            #[cfg(feature = "tls")]
            FetchError::Tls(_) => io::ErrorKind::InvalidData,
            FetchError::HeadTooLarge { .. } | FetchError::TooManyHeaders { .. } | FetchError::BodyTooLarge { .. } => {
                io::ErrorKind::FileTooLarge
            }
            FetchError::IncompleteHead { .. } | FetchError::TruncatedBody { .. } => io::ErrorKind::UnexpectedEof,
            FetchError::TimedOut { .. } => io::ErrorKind::TimedOut,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, e)
    }
}
