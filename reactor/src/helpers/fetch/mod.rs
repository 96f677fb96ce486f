//! [`file_get_contents`]: local files, and `http://` and `https://` URLs through a small
//! HTTP/1.1 client.
//!
//! The client is deliberately small: one `GET` per connection (`Connection: close`), TLS
//! through [`TlsConnector`](crate::TlsConnector) (the `tls` feature), no proxies, no compression, no cookies. What it does do, it does strictly: a status
//! outside 2xx (unless [`fetch_with`] takes any), a malformed or oversized head, a body that
//! is too large or cut off, a redirect loop and a fetch past its timeout are each a typed
//! [`FetchError`]. Parsing is `httparse`'s; the files split the job:
//!
//! - `url.rs`: `http://host[:port]/path`, and resolving `Location` against it;
//! - `conn.rs`: resolve (on a helper thread), connect, the TLS handshake, and a read buffer;
//! - `stream.rs`: the connection's socket, plain or TLS;
//! - `head.rs`: status line and headers, and how the body is framed;
//! - `body.rs`: `Content-Length`, chunked and read-until-close bodies;
//! - `client.rs`: the request, interim responses, the redirect loop and the timeout;
//! - `response.rs`: [`fetch_with`], for the body of any status.

mod body;
mod client;
mod conn;
mod error;
mod file_get_contents;
mod head;
mod response;
mod stream;
mod types;
mod url;

pub use error::FetchError;
pub use file_get_contents::{file_get_contents, file_get_contents_with};
pub use response::fetch_with;
#[cfg(feature = "tls")]
pub use types::TlsOptions;
pub use types::{FetchLimits, FetchResponse};
