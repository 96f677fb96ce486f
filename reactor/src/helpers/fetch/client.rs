//! The request/response exchange, the redirect loop, and the deadline over both.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use super::body::read_body;
use super::conn::Conn;
use super::head::read_head;
use super::types::{FetchLimits, FetchResponse};
use super::url::Url;
use super::FetchError;

/// More 1xx responses before the final one than any server sends.
const MAX_INTERIM_RESPONSES: usize = 8;

/// Which final responses the caller takes the body of; the others are [`FetchError::Status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Accept {
    /// 2xx only ([`file_get_contents`](super::file_get_contents)).
    Success,
    /// Any status but 101 ([`fetch_with`](super::fetch_with)): a protocol switch we never
    /// asked for is not followed by an HTTP body.
    AnyStatus,
}

/// What one exchange ended with.
#[derive(Debug)]
enum Answer {
    /// A final response, with its body.
    Final { status: u16, reason: String, body: Vec<u8> },
    /// A redirect, with its `Location` as sent.
    Redirect(String),
}

/// GETs `url`, following redirects, and returns the final response: a 2xx one, or any one
/// under [`Accept::AnyStatus`].
///
/// `limits.timeout` bounds the whole of it (every resolution, connection and redirect):
/// one deadline, taken now.
///
/// # Errors
///
/// Any [`FetchError`]; [`FetchError::RedirectLoop`] when a redirect leads back to a URL of
/// this fetch, [`FetchError::TooManyRedirects`] past `limits.max_redirects`,
/// [`FetchError::TimedOut`] at the deadline.
pub(super) async fn get(mut url: Url, limits: &FetchLimits, accept: Accept) -> Result<FetchResponse, FetchError> {
    // A timeout too large for an `Instant` is no deadline at all.
    let deadline = limits.timeout.and_then(|timeout| Some((Instant::now().checked_add(timeout)?, timeout)));
    let mut visited = Vec::new();
    loop {
        let location = match before(deadline, &url, exchange(&url, limits, accept)).await? {
            Answer::Final { status, reason, body } => {
                return Ok(FetchResponse { status, reason, url: url.to_string(), body })
            }
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

/// Runs `exchange` to its end, or until the deadline (the instant, and the timeout it was
/// taken from). Dropping the exchange on time-out closes its connection.
async fn before<T>(
    deadline: Option<(Instant, Duration)>,
    url: &Url,
    exchange: impl Future<Output = Result<T, FetchError>>,
) -> Result<T, FetchError> {
    let Some((at, timeout)) = deadline else { return exchange.await };
    let mut exchange = pin!(exchange);
    let mut timer = pin!(crate::sleep_until(at));
    poll_fn(|cx| {
        // The exchange first: an answer that is complete when the timer fires still counts.
        if let Poll::Ready(answer) = exchange.as_mut().poll(cx) {
            return Poll::Ready(answer);
        }
        timer.as_mut().poll(cx).map(|()| Err(FetchError::TimedOut { timeout, url: url.to_string() }))
    })
    .await
}

/// One connection, one request, one response. `Connection: close` makes the server's close
/// the end of the exchange (and of an unframed body); the body of a redirect, or of a
/// status `accept` does not take, is not read at all.
async fn exchange(url: &Url, limits: &FetchLimits, accept: Accept) -> Result<Answer, FetchError> {
    let mut conn = Conn::connect(url, limits).await?;
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
    let taken = match accept {
        Accept::Success => (200..300).contains(&head.status),
        Accept::AnyStatus => head.status != 101,
    };
    match head.location {
        Some(location) if is_redirect => Ok(Answer::Redirect(location)),
        _ if taken => {
            let body = read_body(&mut conn, head.framing, limits).await?;
            Ok(Answer::Final { status: head.status, reason: head.reason, body })
        }
        _ => Err(FetchError::Status { status: head.status, reason: head.reason, url: url.to_string() }),
    }
}
