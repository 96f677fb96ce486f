//! HTTP/2: hyper's server and client tasks spawned by `AmpereExecutor`, `!Send` service
//! included.

use std::cell::Cell;
use std::convert::Infallible;
use std::rc::Rc;

use ampere_reactor::compat::{AmpereExecutor, AmpereTimer, HyperIo};
use ampere_reactor::net::UnixStream;
use ampere_reactor::{spawn, Reactor};
use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http2;
use hyper::service::service_fn;
use hyper::Response;

use crate::{get, text};

#[test]
fn http2_streams_run_concurrently_on_the_ampere_executor_with_a_non_send_service() {
    let reactor = Reactor::new().expect("reactor");
    let (mut bodies, served) = reactor
        .block_on(async {
            let (server_end, client_end) = UnixStream::pair()?;
            // An `Rc` in the service: its futures are `!Send`, which only a local executor takes.
            let served = Rc::new(Cell::new(0));
            let counter = served.clone();
            let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let counter = counter.clone();
                async move {
                    counter.set(counter.get() + 1);
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(format!("h2 {}", req.uri().path())))))
                }
            });
            let _server = spawn(
                http2::Builder::new(AmpereExecutor)
                    .timer(AmpereTimer)
                    .serve_connection(HyperIo::new(server_end), service),
            );
            let (sender, conn) =
                hyper::client::conn::http2::handshake(AmpereExecutor, HyperIo::new(client_end)).await?;
            let _conn = spawn(conn);
            let requests = ["/1", "/2", "/3"].map(|path| {
                let mut sender = sender.clone();
                async move { text(sender.send_request(get(path)).await.expect("a response")).await }
            });
            let bodies = futures::future::join_all(requests).await;
            Ok::<_, Box<dyn std::error::Error>>((bodies, served.get()))
        })
        .expect("block_on")
        .expect("the exchange");
    bodies.sort();
    assert_eq!(bodies, ["h2 /1", "h2 /2", "h2 /3"]);
    assert_eq!(served, 3);
}
