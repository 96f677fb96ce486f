//! Reading a response head (status line and headers) with `httparse`, and what it says about
//! the body that follows.

use httparse::Status;

use super::conn::Conn;
use super::types::FetchLimits;
use super::FetchError;

/// How the body of a response is delimited (RFC 9112 §6.3, for a response to a `GET`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    /// Exactly this many bytes (`Content-Length`; 0 for 1xx, 204 and 304).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Until the server closes the connection (neither of the above).
    UntilClose,
}

/// The parts of a response head the client acts on.
#[derive(Debug)]
pub(super) struct Head {
    pub(super) status: u16,
    pub(super) reason: String,
    pub(super) framing: Framing,
    /// The `Location` header, trimmed.
    pub(super) location: Option<String>,
}

/// Reads one response head from `conn`, leaving whatever follows it buffered.
///
/// The head is re-parsed from its start after each read: simple, and bounded by the head
/// limit.
///
/// # Errors
///
/// [`FetchError::MalformedResponse`] (status line, header syntax, `Content-Length`),
/// [`FetchError::HeadTooLarge`], [`FetchError::TooManyHeaders`],
/// [`FetchError::IncompleteHead`] if the server closes first, [`FetchError::Io`].
pub(super) async fn read_head(conn: &mut Conn, limits: &FetchLimits) -> Result<Head, FetchError> {
    loop {
        // Per attempt: the slots borrow the buffer, which `fill` needs mutably in between.
        let mut slots = vec![httparse::EMPTY_HEADER; limits.max_headers];
        let mut response = httparse::Response::new(&mut slots);
        match response.parse(conn.buffered()) {
            Ok(Status::Complete(len)) if len > limits.max_head_bytes => {
                return Err(FetchError::HeadTooLarge { limit: limits.max_head_bytes });
            }
            Ok(Status::Complete(len)) => {
                let head = Head::from_parsed(&response)?;
                conn.consume(len);
                return Ok(head);
            }
            // Everything buffered is head so far: `>=` because the limit itself is reached
            // without the head being complete.
            Ok(Status::Partial) if conn.buffered().len() >= limits.max_head_bytes => {
                return Err(FetchError::HeadTooLarge { limit: limits.max_head_bytes });
            }
            Ok(Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => {
                return Err(FetchError::TooManyHeaders { limit: limits.max_headers });
            }
            Err(e) => return Err(FetchError::MalformedResponse { reason: e.to_string() }),
        }
        let received = conn.buffered().len();
        if conn.fill().await? == 0 {
            return Err(FetchError::IncompleteHead { received });
        }
    }
}

impl Head {
    fn from_parsed(response: &httparse::Response<'_, '_>) -> Result<Head, FetchError> {
        let malformed = |reason: &str| FetchError::MalformedResponse { reason: reason.to_owned() };
        let status = response.code.expect("a complete response has a status");
        let mut content_length = None;
        let mut transfer_encoding: Option<&[u8]> = None;
        let mut location = None;
        for header in response.headers.iter() {
            let name = header.name;
            if name.eq_ignore_ascii_case("content-length") {
                let n = parse_length(header.value).ok_or_else(|| malformed("invalid Content-Length"))?;
                if content_length.is_some_and(|m| m != n) {
                    return Err(malformed("conflicting Content-Length headers"));
                }
                content_length = Some(n);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                transfer_encoding = Some(header.value); // the last one names the final coding
            } else if name.eq_ignore_ascii_case("location") {
                location = Some(String::from_utf8_lossy(header.value).trim().to_owned());
            }
        }
        let framing = if (100..200).contains(&status) || status == 204 || status == 304 {
            Framing::Length(0)
        } else if let Some(codings) = transfer_encoding {
            // Transfer-Encoding overrides Content-Length; chunked must be the last coding,
            // and any other last coding is delimited by the close.
            let last = codings.rsplit(|&b| b == b',').next().unwrap_or_default().trim_ascii();
            if last.eq_ignore_ascii_case(b"chunked") {
                Framing::Chunked
            } else {
                Framing::UntilClose
            }
        } else {
            content_length.map_or(Framing::UntilClose, Framing::Length)
        };
        let reason = response.reason.unwrap_or_default().to_owned();
        Ok(Head { status, reason, framing, location })
    }
}

/// A `Content-Length` value: ASCII digits only (`u64::from_str` would also take `+5`).
fn parse_length(value: &[u8]) -> Option<u64> {
    let value = value.trim_ascii();
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}
