//! An echo server: whatever a client sends comes straight back.
//!
//! ```text
//! cargo run --release --example echo_server             # demo: serves 3 clients of its own, exits
//! cargo run --release --example echo_server -- --serve  # listens on 127.0.0.1:7000 (or `--serve PORT`)
//! nc 127.0.0.1 7000                                     # then, in another terminal: type, read it back
//! ```
//!
//! The demo starts three clients on the same reactor as the server and exits once it has served
//! them (well under a second). `--serve` runs until Ctrl-C.
//!
//! One task per connection, all on one thread: a quiet client's task is parked on the reactor
//! and costs no thread and no CPU until its socket has something to say.

use std::net::SocketAddr;

use ampere_reactor::net::{TcpListener, TcpStream};
use ampere_reactor::prelude::*;
use ampere_reactor::Reactor;

/// How many clients the demo starts (and the server serves before it exits).
const DEMO_CLIENTS: usize = 3;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let serve = args.next().as_deref() == Some("--serve");
    let port: u16 = if serve { args.next().map(|p| p.parse()).transpose()?.unwrap_or(7000) } else { 0 };

    let reactor = Reactor::new()?;
    // Made before `block_on`, and that is fine: a socket registers with the thread's current
    // reactor, which is `reactor`, the newest one made on this thread.
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let addr = listener.local_addr()?;
    // `block_on_try` drives the reactor until the future is done, and folds the reactor's
    // errors into the future's own: one `?`.
    reactor.block_on_try(async move {
        if serve {
            println!("echoing on {addr}: try `nc {} {}`; stop with Ctrl-C", addr.ip(), addr.port());
            loop {
                let (stream, peer) = listener.accept().await?;
                // Detached: the task lives as long as its connection, and the accept loop goes
                // straight back to waiting. One client's error (a reset) is reported, not fatal.
                spawn(async move {
                    if let Err(e) = echo(stream, peer).await {
                        eprintln!("  server: {peer}: {e}");
                    }
                });
            }
        }

        println!("echoing on {addr}; starting {DEMO_CLIENTS} clients");
        let clients: Vec<_> = (1..=DEMO_CLIENTS).map(|n| spawn(client(n, addr))).collect();
        let mut served = Vec::new();
        for _ in 0..DEMO_CLIENTS {
            let (stream, peer) = listener.accept().await?;
            served.push(spawn(echo(stream, peer)));
        }
        // Every join is awaited, so a failed client or server task fails the demo.
        for task in clients.into_iter().chain(served) {
            task.await??;
        }
        println!("served {DEMO_CLIENTS} clients, bye");
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    Ok(())
}

/// Serves one connection: copies what it reads back to the same socket until EOF.
async fn echo(stream: TcpStream, peer: SocketAddr) -> std::io::Result<()> {
    // `&TcpStream` is both `AsyncRead` and `AsyncWrite`: one half reads while the other writes,
    // with no split and no lock. `copy` returns at EOF, when the client shuts down its side.
    let bytes = futures::io::copy(&stream, &mut &stream).await?;
    println!("  server: {peer} said goodbye after {bytes} bytes");
    Ok(())
    // `stream` drops here: the fd is deregistered and closed.
}

/// A demo client: sends a few lines, checks each comes back, then hangs up.
async fn client(n: usize, addr: SocketAddr) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(addr).await?;
    for word in ["hello", "from", "client"] {
        let line = format!("{word} {n}\n");
        stream.write_all(line.as_bytes()).await?;
        // TCP is a byte stream: read exactly what we sent, however the OS chunks it.
        let mut back = vec![0; line.len()];
        stream.read_exact(&mut back).await?;
        assert_eq!(back, line.as_bytes());
        println!("client {n}: sent and got back {:?}", line.trim_end());
    }
    // Shutting down our write half is the EOF the server's `copy` waits for.
    stream.close().await?;
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await?; // the server closes its side in turn
    assert!(rest.is_empty());
    Ok(())
}
