//! The values a fetch takes and gives: [`FetchLimits`] and [`FetchResponse`].

use std::time::Duration;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

impl Default for FetchLimits {
    fn default() -> FetchLimits {
        FetchLimits {
            max_redirects: 5,
            max_head_bytes: 32 * 1024,
            max_headers: 100,
            max_body_bytes: 64 << 20,
            timeout: Some(Duration::from_secs(30)),
        }
    }
}

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
