//! The request/response exchange and the redirect loop.

use super::body::read_body;
use super::conn::Conn;
use super::head::read_head;
use super::url::Url;
use super::{FetchError, FetchLimits};

/// More 1xx responses before the final one than any server sends.
const MAX_INTERIM_RESPONSES: usize = 8;

/// What one exchange ended with.
#[derive(Debug)]
enum Answer {
    /// A 2xx response's body.
    Body(Vec<u8>),
    /// A redirect, with its `Location` as sent.
    Redirect(String),
}

/// GETs `url`, following redirects, and returns the final 2xx body.
///
/// # Errors
///
/// Any [`FetchError`]; [`FetchError::RedirectLoop`] when a redirect leads back to a URL of
/// this fetch, [`FetchError::TooManyRedirects`] past `limits.max_redirects`.
pub(super) async fn get(mut url: Url, limits: &FetchLimits) -> Result<Vec<u8>, FetchError> {
    let mut visited = Vec::new();
    loop {
        let location = match exchange(&url, limits).await? {
            Answer::Body(body) => return Ok(body),
            Answer::Redirect(location) => location,
        };
        let next = url.join(&location)?;
        visited.push(url);
        // Without cookies or state, a URL seen twice will redirect the same way again.
        if visited.contains(&next) {
            return Err(FetchError::RedirectLoop { url: next.to_string() });
        }
        // `visited.len()` redirects received: the limit-th one is still followed.
        if visited.len() > limits.max_redirects {
            return Err(FetchError::TooManyRedirects { limit: limits.max_redirects, url: next.to_string() });
        }
        url = next;
    }
}

/// One connection, one request, one response. `Connection: close` makes the server's close
/// the end of the exchange (and of an unframed body); the body of a redirect or an error is
/// not read at all.
async fn exchange(url: &Url, limits: &FetchLimits) -> Result<Answer, FetchError> {
    let mut conn = Conn::connect(url).await?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: ampere/{}\r\nAccept: */*\r\nAccept-Encoding: identity\r\n\
         Connection: close\r\n\r\n",
        url.target(),
        url.authority(),
        env!("CARGO_PKG_VERSION"),
    );
    conn.write_all(request.as_bytes()).await?;
    let mut interim = 0;
    let head = loop {
        let head = read_head(&mut conn, limits).await?;
        // Interim responses (100 Continue, 103 Early Hints) come before the real one;
        // 101 would switch protocols, which we did not ask for: it is an error below.
        if !(100..200).contains(&head.status) || head.status == 101 {
            break head;
        }
        interim += 1;
        if interim > MAX_INTERIM_RESPONSES {
            return Err(FetchError::MalformedResponse { reason: "endless interim (1xx) responses".to_owned() });
        }
    };
    let is_redirect = matches!(head.status, 301 | 302 | 303 | 307 | 308);
    match head.location {
        _ if (200..300).contains(&head.status) => Ok(Answer::Body(read_body(&mut conn, head.framing, limits).await?)),
        Some(location) if is_redirect => Ok(Answer::Redirect(location)),
        _ => Err(FetchError::Status { status: head.status, reason: head.reason, url: url.to_string() }),
    }
}
