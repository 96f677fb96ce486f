//! hyper's HTTP/1.1 server on ampere: keep-alive, a header timeout, graceful shutdown.
//!
//! ```text
//! cargo run --release --example hyper_server             # demo: 5 requests of its own, then stops
//! cargo run --release --example hyper_server -- --serve  # serves 127.0.0.1:8080 (or `--serve PORT`)
//! curl -v http://127.0.0.1:8080/hi                       # then, in another terminal
//! ```
//!
//! The glue is one line: `http1::Builder::new().timer(AmpereTimer).serve_connection(
//! HyperIo::new(stream), service)`. `AmpereTimer` gives hyper its timeouts on the reactor's
//! timers; `HyperIo` gives it ampere's socket. Everything runs on one thread.
//!
//! Stopping is graceful: the accept loop ends, and each open connection finishes the request
//! in flight and closes. The demo stops after its own client's requests; `--serve` stops on
//! Ctrl-C.

use std::cell::Cell;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::pin;
use std::rc::Rc;
use std::time::Duration;

use ampere_reactor::compat::{AmpereTimer, HyperIo};
use ampere_reactor::net::{TcpListener, TcpStream};
use ampere_reactor::{spawn, Reactor};
use bytes::Bytes;
use futures::channel::oneshot;
use futures::future::{select, Either, FutureExt, Shared};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};

/// How many requests the demo's client sends, all over one kept-alive connection.
const DEMO_REQUESTS: usize = 5;

/// Resolves once the server is told to stop; every task holds a clone.
type Stop = Shared<oneshot::Receiver<()>>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let serve = args.next().as_deref() == Some("--serve");
    let port: u16 = if serve { args.next().map(|p| p.parse()).transpose()?.unwrap_or(8080) } else { 0 };

    let reactor = Reactor::new()?;
    reactor.block_on(async move {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
        let addr = listener.local_addr()?;
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let stop = stop_rx.shared();
        let hits = Rc::new(Cell::new(0u64));
        let server = spawn(accept_loop(listener, stop, hits.clone()));

        if serve {
            println!("serving http://{addr}/ (try `curl -v http://{addr}/hi`); Ctrl-C stops");
            let mut sigint = ampere_reactor::signal(libc::SIGINT)?;
            sigint.recv().await;
            println!("\nCtrl-C: finishing the requests in flight");
        } else {
            println!("serving http://{addr}/; the demo client sends {DEMO_REQUESTS} requests");
            client(addr).await?;
        }
        let _ = stop_tx.send(());
        server.await??;
        println!("stopped after {} requests", hits.get());
        Ok::<(), Box<dyn std::error::Error>>(())
    })??;
    Ok(())
}

/// Accepts connections until `stop`, then waits for every connection to close.
async fn accept_loop(listener: TcpListener, stop: Stop, hits: Rc<Cell<u64>>) -> std::io::Result<()> {
    let mut connections = Vec::new();
    loop {
        let accepted = match select(pin!(listener.accept()), stop.clone()).await {
            Either::Left((accepted, _)) => accepted,
            Either::Right(_) => break, // stop: accept no more
        };
        let (stream, peer) = accepted?;
        connections.push(spawn(connection(stream, peer, stop.clone(), hits.clone())));
        connections.retain(|task| !task.is_finished());
    }
    drop(listener); // new clients are refused from now on
    for task in connections {
        // A connection that failed (a client that timed out, say) is that client's problem.
        let _ = task.await;
    }
    Ok(())
}

/// Serves one connection until the client closes it, its header timeout strikes, or `stop`.
async fn connection(stream: TcpStream, peer: SocketAddr, stop: Stop, hits: Rc<Cell<u64>>) {
    let service = service_fn(move |req| hello(req, hits.clone()));
    // The one line of glue.
    let conn = http1::Builder::new()
        .timer(AmpereTimer)
        .header_read_timeout(Duration::from_secs(10))
        .keep_alive(true)
        .serve_connection(HyperIo::new(stream), service);
    let mut conn = pin!(conn);
    let result = match select(conn.as_mut(), stop).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => {
            // Finish the request in flight (if any), then close.
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        eprintln!("  {peer}: {e}");
    }
}

/// The service: says hello to the path, and counts.
async fn hello(req: Request<Incoming>, hits: Rc<Cell<u64>>) -> Result<Response<Full<Bytes>>, Infallible> {
    hits.set(hits.get() + 1);
    Ok(Response::new(Full::new(Bytes::from(format!("hello from ampere, {}\n", req.uri().path())))))
}

/// The demo's client: hyper's client on ampere too, several requests on one connection.
async fn client(addr: SocketAddr) -> Result<(), Box<dyn std::error::Error>> {
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(HyperIo::new(stream)).await?;
    let conn = spawn(conn);
    for n in 1..=DEMO_REQUESTS {
        sender.ready().await?;
        let req = Request::get(format!("/request/{n}")).body(Full::new(Bytes::new()))?;
        let response = sender.send_request(req).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        print!("  {status}: {}", String::from_utf8_lossy(&body));
    }
    drop(sender); // closes the connection: the client is done
    conn.await??;
    Ok(())
}
