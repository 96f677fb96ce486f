//! The values a fetch takes and gives: [`FetchLimits`] (with [`TlsOptions`]) and
//! [`FetchResponse`].

#[cfg(feature = "tls")]
use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "tls")]
use rustls::{pki_types::CertificateDer, ClientConfig};

/// The limits [`file_get_contents_with`](crate::file_get_contents_with) and [`fetch_with`](crate::fetch_with) enforce on
/// HTTP fetches (local files are read whole, without a timeout).
/// [`FetchLimits::default()`] is what [`file_get_contents`](crate::file_get_contents) uses.
///
/// Build one with `..FetchLimits::default()`, so that limits added later get their defaults.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ampere_reactor::FetchLimits;
///
/// let strict = FetchLimits {
///     max_redirects: 0,
///     max_body_bytes: 1 << 20,
///     timeout: Some(Duration::from_secs(5)),
///     ..FetchLimits::default()
/// };
/// assert_eq!(strict.max_headers, FetchLimits::default().max_headers);
/// assert_eq!(FetchLimits::default().timeout, Some(Duration::from_secs(30)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchLimits {
    /// Redirects followed at most (default 5); one more is [`FetchError::TooManyRedirects`](crate::FetchError::TooManyRedirects).
    pub max_redirects: usize,
    /// The longest status line plus headers, in bytes (default 32 KiB).
    pub max_head_bytes: usize,
    /// The most headers in a response (default 100).
    pub max_headers: usize,
    /// The largest body, in bytes (default 64 MiB). A larger `Content-Length` or chunk
    /// size is refused before any of it is read. Within the limit, memory follows the bytes
    /// that actually arrive, not the announced length: a body cut short is
    /// [`FetchError::TruncatedBody`](crate::FetchError::TruncatedBody), even with the limit lifted to `usize::MAX`.
    pub max_body_bytes: usize,
    /// How long the whole fetch may take (default 30 s): resolving, connecting, every
    /// redirect, the head and the body, under one deadline set when the fetch starts. When
    /// it passes, the connection is closed and the fetch is [`FetchError::TimedOut`](crate::FetchError::TimedOut).
    /// `None` waits as long as the server does; a large body over a slow link needs a
    /// larger value. A timeout too large to add to the clock is the same as `None`.
    pub timeout: Option<Duration>,
    /// Whom `https://` fetches trust (the `tls` feature): by default Mozilla's roots.
    #[cfg(feature = "tls")]
    pub tls: TlsOptions,
}

impl Default for FetchLimits {
    fn default() -> FetchLimits {
        FetchLimits {
            max_redirects: 5,
            max_head_bytes: 32 * 1024,
            max_headers: 100,
            max_body_bytes: 64 << 20,
            timeout: Some(Duration::from_secs(30)),
            #[cfg(feature = "tls")]
            tls: TlsOptions::default(),
        }
    }
}

/// How `https://` fetches verify servers: [`FetchLimits::tls`] (the `tls` feature).
///
/// The default trusts Mozilla's roots (compiled in) and checks every server's certificate
/// chain, validity dates and host name; there is no switch to turn verification off.
///
/// # Examples
///
/// Trusting a private CA besides Mozilla's roots (`ca_der` is the CA's certificate, DER):
///
/// ```
/// use ampere_reactor::rustls::pki_types::CertificateDer;
/// use ampere_reactor::{FetchLimits, TlsOptions};
///
/// # let ca_der: Vec<u8> = Vec::new();
/// let limits = FetchLimits {
///     tls: TlsOptions { extra_roots: vec![CertificateDer::from(ca_der)], ..TlsOptions::default() },
///     ..FetchLimits::default()
/// };
/// assert_eq!(limits.tls.extra_roots.len(), 1);
/// ```
#[cfg(feature = "tls")]
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// Certificates trusted as roots besides Mozilla's, DER-encoded: a private CA, or a
    /// self-signed server. One that does not parse fails the fetch with
    /// [`FetchError::Tls`](crate::FetchError::Tls).
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// A whole rustls client configuration, used as it is instead of Mozilla's roots and
    /// `extra_roots` (another root store, a client certificate, a custom verifier). Build it
    /// with [`ampere_reactor::rustls`](crate::rustls), the same version ampere uses.
    pub config: Option<Arc<ClientConfig>>,
}

/// Equal when the roots are equal and both use the default, or the same, configuration.
#[cfg(feature = "tls")]
impl PartialEq for TlsOptions {
    fn eq(&self, other: &TlsOptions) -> bool {
        let same_config = match (&self.config, &other.config) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        same_config && self.extra_roots == other.extra_roots
    }
}

#[cfg(feature = "tls")]
impl Eq for TlsOptions {}

/// The final response of [`fetch_with`](crate::fetch_with), after redirects.
///
/// # Examples
///
/// See [`fetch_with`](crate::fetch_with).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchResponse {
    /// The status code: any but 1xx (interim responses are skipped; 101 is an error).
    pub status: u16,
    /// The reason phrase as the server sent it (possibly empty).
    pub reason: String,
    /// The URL that answered: the requested one, or the last redirect's target.
    pub url: String,
    /// The body, decoded from chunked framing if it was chunked.
    pub body: Vec<u8>,
}

impl FetchResponse {
    /// Whether the status is 2xx.
    ///
    /// # Examples
    ///
    /// See [`fetch_with`](crate::fetch_with).
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}
