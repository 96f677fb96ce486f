//! HTTP/1.1: hyper's server and client on ampere sockets, keep-alive and the header timeout.

use std::cell::Cell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ampere_reactor::compat::{AmpereTimer, HyperIo};
use ampere_reactor::net::{TcpListener, TcpStream, UnixListener};
use ampere_reactor::{spawn, Async, Reactor};
use futures::AsyncReadExt;
use hyper::server::conn::http1;
use hyper::service::service_fn;

use crate::{get, hello, text, HANG};

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().expect("an address")
}

#[test]
fn hyper_server_answers_several_requests_on_one_kept_alive_connection() {
    let reactor = Reactor::new().expect("reactor");
    let bodies = reactor
        .block_on(async {
            let listener = TcpListener::bind(loopback())?;
            let addr = listener.local_addr()?;
            let accepted = Rc::new(Cell::new(0));
            let counted = accepted.clone();
            let server = spawn(async move {
                loop {
                    let (stream, _) = listener.accept().await.expect("accept");
                    counted.set(counted.get() + 1);
                    let _conn = spawn(
                        http1::Builder::new()
                            .timer(AmpereTimer)
                            .header_read_timeout(Duration::from_secs(2))
                            .keep_alive(true)
                            .serve_connection(HyperIo::new(stream), service_fn(hello)),
                    );
                }
            });

            let stream = TcpStream::connect(addr).await?;
            let (mut sender, conn) = hyper::client::conn::http1::handshake(HyperIo::new(stream)).await?;
            let _conn = spawn(conn);
            let mut bodies = Vec::new();
            for path in ["/a", "/b", "/c"] {
                sender.ready().await?;
                bodies.push(text(sender.send_request(get(path)).await?).await);
            }
            server.abort();
            assert_eq!(accepted.get(), 1, "all three requests came over the one connection");
            Ok::<_, Box<dyn std::error::Error>>(bodies)
        })
        .expect("block_on")
        .expect("the exchange");
    assert_eq!(bodies, ["hello /a", "hello /b", "hello /c"]);
}

#[test]
fn header_read_timeout_on_ampere_timer_closes_a_silent_connection_not_before_it() {
    let reactor = Reactor::new().expect("reactor");
    let (waited, served, eof) = reactor
        .block_on(async {
            let listener = TcpListener::bind(loopback())?;
            let addr = listener.local_addr()?;
            let server = spawn(async move {
                let (stream, _) = listener.accept().await.expect("accept");
                http1::Builder::new()
                    .timer(AmpereTimer)
                    .header_read_timeout(Duration::from_millis(50))
                    .serve_connection(HyperIo::new(stream), service_fn(hello))
                    .await
            });
            // A client that connects and never sends a request head.
            let mut silent = TcpStream::connect(addr).await?;
            let start = Instant::now();
            let served = server.await?;
            let waited = start.elapsed();
            let mut buf = [0u8; 64];
            let eof = silent.read(&mut buf).await?;
            Ok::<_, Box<dyn std::error::Error>>((waited, served, eof))
        })
        .expect("block_on")
        .expect("the exchange");
    assert!(served.is_err_and(|e| e.is_timeout()), "hyper reports the header timeout");
    assert_eq!(eof, 0, "the server closed the connection");
    assert!(waited >= Duration::from_millis(50), "never early: {waited:?}");
    assert!(waited < HANG, "the timeout fired: {waited:?}");
}

#[test]
fn hyper_runs_over_a_unix_stream_and_an_async_std_socket() {
    let path = std::env::temp_dir().join(format!("ampere-compat-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let reactor = Reactor::new().expect("reactor");
    let body = reactor
        .block_on(async {
            let listener = UnixListener::bind(&path)?;
            // The client end as any `Async<T>` (a std socket: connecting to a listening
            // socket does not block), the server end as ampere's `UnixStream`.
            let client_end = std::os::unix::net::UnixStream::connect(&path)?;
            client_end.set_nonblocking(true)?;
            let client_end = Async::new(client_end)?;
            let server_end = listener.accept().await?;
            let _server = spawn(
                http1::Builder::new().timer(AmpereTimer).serve_connection(HyperIo::new(server_end), service_fn(hello)),
            );
            let (mut sender, conn) = hyper::client::conn::http1::handshake(HyperIo::new(client_end)).await?;
            let _conn = spawn(conn);
            let body = text(sender.send_request(get("/unix")).await?).await;
            Ok::<_, Box<dyn std::error::Error>>(body)
        })
        .expect("block_on");
    let _ = std::fs::remove_file(&path);
    assert_eq!(body.expect("the exchange"), "hello /unix");
}
