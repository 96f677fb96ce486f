//! hyper's HTTP/1.1 client on ampere: a GET and a POST against a local server it starts itself.
//!
//! ```text
//! cargo run --example hyper_client
//! ```
//!
//! The client's glue is one line: `hyper::client::conn::http1::handshake(HyperIo::new(stream))`,
//! then the connection future is spawned on the reactor and requests go through the sender.
//! (The server is the same one line as in `hyper_server`; it echoes what it is sent.)

use std::net::SocketAddr;

use ampere_reactor::compat::{AmpereTimer, HyperIo};
use ampere_reactor::net::{TcpListener, TcpStream};
use ampere_reactor::{spawn, Reactor};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let reactor = Reactor::new()?;
    reactor.block_on(async {
        // The local server: one connection, then it is done.
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let addr = listener.local_addr()?;
        let server = spawn(async move {
            let (stream, _) = listener.accept().await?;
            http1::Builder::new().timer(AmpereTimer).serve_connection(HyperIo::new(stream), service_fn(echo)).await?;
            Ok::<(), Box<dyn std::error::Error>>(())
        });

        // The client.
        let stream = TcpStream::connect(addr).await?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(HyperIo::new(stream)).await?;
        let conn = spawn(conn);

        let get = Request::get("/status").header("host", addr.to_string()).body(Full::new(Bytes::new()))?;
        show(sender.send_request(get).await?).await?;

        sender.ready().await?; // the connection is free again: keep-alive
        let post = Request::post("/echo")
            .header("host", addr.to_string())
            .header("content-type", "text/plain")
            .body(Full::new(Bytes::from_static(b"ampere says hi")))?;
        show(sender.send_request(post).await?).await?;

        drop(sender); // closes the connection; the server's connection ends with it
        conn.await??;
        server.await??;
        Ok::<(), Box<dyn std::error::Error>>(())
    })??;
    Ok(())
}

/// Prints a response's status, one header and its body.
async fn show(response: Response<Incoming>) -> Result<(), hyper::Error> {
    let status = response.status();
    let length = response.headers().get("content-length").cloned();
    let body = response.into_body().collect().await?.to_bytes();
    println!("{status} (content-length {length:?}): {}", String::from_utf8_lossy(&body));
    Ok(())
}

/// The local server's service: echoes a POST's body, describes anything else.
async fn echo(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let body = match *req.method() {
        Method::POST => req.into_body().collect().await?.to_bytes(),
        _ => Bytes::from(format!("{} {}: ok", req.method(), req.uri().path())),
    };
    Ok(Response::new(Full::new(body)))
}
