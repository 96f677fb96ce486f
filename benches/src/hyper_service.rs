//! The one hyper service of the `hyper` workload, and the connection settings, shared by
//! `server_hyper_ampere` and `server_hyper_tokio` so that the two differ only in the runtime
//! glue (the socket wrapper and the timer).

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::{Request, Response};

/// The body of every answer (the plain servers' [`RESPONSE`](crate::server::RESPONSE) body).
pub const BODY: &[u8] = b"Hello, World!";

/// How long hyper waits for a request's headers. Set so that every request arms and disarms
/// a timer through the runtime's `hyper::rt::Timer`: the timer path is part of the figure.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The service: `200 OK`, [`BODY`] as text/plain, whatever the request (hyper adds
/// `content-length` and `date`, and keeps the connection alive).
///
/// # Errors
///
/// Never (`Infallible`): the signature is what `hyper::service::service_fn` asks for.
pub async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut response = Response::new(Full::new(Bytes::from_static(BODY)));
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    Ok(response)
}

/// The HTTP/1.1 settings of both servers, on a builder that already has its runtime's timer:
/// keep-alive and [`HEADER_READ_TIMEOUT`].
pub fn configure(builder: &mut http1::Builder) -> &mut http1::Builder {
    builder.keep_alive(true).header_read_timeout(HEADER_READ_TIMEOUT)
}
