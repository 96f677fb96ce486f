//! Reading a response body by its [`Framing`]: a known length, chunked (decoded), or until
//! the server closes. Every path checks the size limit *before* buffering past it.

use httparse::Status;

use super::conn::Conn;
use super::head::Framing;
use super::types::FetchLimits;
use super::FetchError;

/// The longest chunk-size line accepted (size, extensions, CRLF): a size line that never
/// ends must not grow the buffer forever.
const MAX_CHUNK_LINE: usize = 4096;

/// The most a `Content-Length` body reserves before its bytes arrive. The announced length
/// is only a claim: reserving all of it lets a 60-byte response take 64 MiB (or, with the
/// limit lifted, abort the process on a failed allocation). Past this the buffer grows with
/// the data, by doubling, so a body that does arrive whole costs O(log n) reallocations.
const MAX_UP_FRONT: usize = 64 * 1024;

/// Reads the body that follows the head.
///
/// # Errors
///
/// [`FetchError::BodyTooLarge`], [`FetchError::TruncatedBody`] when the connection ends
/// early, [`FetchError::MalformedResponse`] for bad chunked framing, [`FetchError::Io`].
pub(super) async fn read_body(conn: &mut Conn, framing: Framing, limits: &FetchLimits) -> Result<Vec<u8>, FetchError> {
    let limit = limits.max_body_bytes;
    let too_large = FetchError::BodyTooLarge { limit };
    match framing {
        Framing::Length(n) => {
            // Refused before reading a byte of it.
            let n_usize = usize::try_from(n).ok().filter(|&n| n <= limit).ok_or(too_large)?;
            let mut body = Vec::with_capacity(n_usize.min(MAX_UP_FRONT));
            if !read_exact(conn, n_usize, &mut body).await? {
                return Err(FetchError::TruncatedBody { received: body.len(), expected: Some(n) });
            }
            Ok(body)
        }
        Framing::UntilClose => {
            let mut body = Vec::new();
            loop {
                conn.take_into(usize::MAX, &mut body);
                if body.len() > limit {
                    return Err(too_large);
                }
                if conn.fill().await? == 0 {
                    return Ok(body);
                }
            }
        }
        Framing::Chunked => read_chunked(conn, limits).await,
    }
}

/// Moves exactly `n` bytes into `body`, reading as needed. `Ok(false)` if the connection
/// ended first (what arrived is in `body`).
async fn read_exact(conn: &mut Conn, mut n: usize, body: &mut Vec<u8>) -> Result<bool, FetchError> {
    loop {
        n -= conn.take_into(n, body);
        if n == 0 {
            return Ok(true);
        }
        if conn.fill().await? == 0 {
            return Ok(false);
        }
    }
}

/// Decodes `chunk-size [; ext] CRLF data CRLF ... 0 CRLF [trailers] CRLF` (RFC 9112 §7.1).
/// Trailers are read and dropped.
async fn read_chunked(conn: &mut Conn, limits: &FetchLimits) -> Result<Vec<u8>, FetchError> {
    let malformed = |reason: &str| FetchError::MalformedResponse { reason: reason.to_owned() };
    let mut body = Vec::new();
    let truncated = |body: &Vec<u8>| FetchError::TruncatedBody { received: body.len(), expected: None };
    loop {
        let size = match httparse::parse_chunk_size(conn.buffered()) {
            Ok(Status::Complete((used, size))) => {
                conn.consume(used);
                size
            }
            Ok(Status::Partial) if conn.buffered().len() > MAX_CHUNK_LINE => {
                return Err(malformed("chunk size line too long"));
            }
            Ok(Status::Partial) => {
                if conn.fill().await? == 0 {
                    return Err(truncated(&body));
                }
                continue;
            }
            Err(httparse::InvalidChunkSize) => return Err(malformed("invalid chunk size")),
        };
        if size == 0 {
            break;
        }
        // `size` can be near u64::MAX: compare without adding to it.
        let room = limits.max_body_bytes - body.len();
        let size = usize::try_from(size).ok().filter(|&s| s <= room);
        let size = size.ok_or(FetchError::BodyTooLarge { limit: limits.max_body_bytes })?;
        if !read_exact(conn, size, &mut body).await? {
            return Err(truncated(&body));
        }
        while conn.buffered().len() < 2 {
            if conn.fill().await? == 0 {
                return Err(truncated(&body));
            }
        }
        if &conn.buffered()[..2] != b"\r\n" {
            return Err(malformed("chunk data longer than its size"));
        }
        conn.consume(2);
    }
    // The trailer section: header lines, then an empty line (just CRLF when there are none).
    loop {
        let mut slots = vec![httparse::EMPTY_HEADER; limits.max_headers];
        match httparse::parse_headers(conn.buffered(), &mut slots) {
            Ok(Status::Complete((used, _))) => {
                conn.consume(used);
                return Ok(body);
            }
            Ok(Status::Partial) if conn.buffered().len() >= limits.max_head_bytes => {
                return Err(FetchError::HeadTooLarge { limit: limits.max_head_bytes });
            }
            Ok(Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => {
                return Err(FetchError::TooManyHeaders { limit: limits.max_headers })
            }
            Err(e) => return Err(FetchError::MalformedResponse { reason: format!("trailer: {e}") }),
        }
        if conn.fill().await? == 0 {
            return Err(truncated(&body));
        }
    }
}
