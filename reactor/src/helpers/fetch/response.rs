//! [`fetch_with`]: an HTTP GET that hands over the final response whatever its status, as
//! MadelineProto's `fileGetContents` does, with the status beside the body.

use super::client::{self, Accept};
use super::types::{FetchLimits, FetchResponse};
use super::url::Url;
use super::FetchError;

/// GETs an `http://` or `https://` URL with `limits` and returns the final response, whatever its status:
/// a 404 page, a 500's error report. Like [`file_get_contents_with`](crate::file_get_contents_with)
/// otherwise: redirects are followed (a redirect status without `Location` is a final
/// response), the body is read under the same limits, the whole fetch under
/// [`FetchLimits::timeout`].
///
/// # Errors
///
/// As for [`file_get_contents_with`](crate::file_get_contents_with), except that a status
/// outside 2xx is not an error. Still errors: a `101 Switching Protocols` (never asked for,
/// and not followed by an HTTP body) is [`FetchError::Status`], and a source that is not a
/// URL is [`FetchError::InvalidUrl`] (local paths are for `file_get_contents`).
///
/// # Examples
///
/// A loopback server that answers 404, for the example's sake:
///
/// ```
/// use std::io::{Read, Write};
/// use ampere_reactor::{fetch_with, FetchLimits};
///
/// let server = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let url = format!("http://{}/missing", server.local_addr()?);
/// std::thread::spawn(move || {
///     let (mut client, _) = server.accept().unwrap();
///     let mut request = [0; 1024];
///     let _ = client.read(&mut request).unwrap();
///     client.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 7\r\n\r\nno page").unwrap();
/// });
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let response = reactor.block_on(fetch_with(&url, FetchLimits::default()))??;
/// assert_eq!((response.status, response.is_success()), (404, false));
/// assert_eq!(response.body, b"no page");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn fetch_with(url: &str, limits: FetchLimits) -> Result<FetchResponse, FetchError> {
    client::get(Url::parse(url)?, &limits, Accept::AnyStatus).await
}
