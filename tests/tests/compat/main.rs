//! The ecosystem on ampere (issue 17): hyper's HTTP/1.1 and HTTP/2 server and client over
//! `HyperIo`, hyper's timeouts on `AmpereTimer`, and a tokio-util codec over ampere sockets
//! with no tokio runtime.

mod http1;
mod http2;
mod timer;
mod tokio_io;

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};

/// An upper bound that only catches hangs.
const HANG: Duration = Duration::from_secs(5);

/// A hello service's answer: the request's path after "hello ".
async fn hello(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from(format!("hello {}", req.uri().path())))))
}

/// A GET of `path`, with an empty body.
fn get(path: &str) -> Request<Full<Bytes>> {
    Request::get(path).body(Full::new(Bytes::new())).expect("a valid request")
}

/// The body of a response, as text.
async fn text(response: Response<Incoming>) -> String {
    let body = response.into_body().collect().await.expect("a whole body").to_bytes();
    String::from_utf8(body.to_vec()).expect("utf-8")
}
