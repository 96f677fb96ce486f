//! A line-echo server with an idle timeout per connection and a graceful shutdown on Ctrl-C:
//! it stops accepting, lets open connections finish, then exits.
//!
//! ```text
//! cargo run --example graceful_echo             # demo: serves a client of its own, "presses"
//!                                               # Ctrl-C mid-connection, drains, exits 0
//! cargo run --example graceful_echo -- --serve  # listens on 127.0.0.1:7000 until Ctrl-C
//! ```
//!
//! `cargo test` runs the demo too (this example is built with the test harness: see
//! `docs/Cargo.toml`). The server is `serve` and `echo_lines`, under 40 lines.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use ampere_combinators::timeout;
use ampere_reactor::net::{TcpListener, TcpStream};
use ampere_reactor::Shutdown;
use futures::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use futures::{select, FutureExt};

/// A connection quiet for this long is closed.
const IDLE: Duration = Duration::from_secs(10);

/// Accepts until the shutdown is triggered, then waits for the open connections to finish.
async fn serve(listener: TcpListener, shutdown: Shutdown) -> io::Result<()> {
    let mut stop = shutdown.triggered().fuse();
    loop {
        let (stream, peer) = select! {
            accepted = listener.accept().fuse() => accepted?,
            () = stop => break,
        };
        // One client's error is that client's problem: report it, keep serving the others.
        shutdown.spawn(async move {
            if let Err(e) = echo_lines(&stream).await {
                eprintln!("{peer}: {e}");
            }
        })?;
    }
    drop(listener); // new clients are refused from now on, not left waiting
    shutdown.drained().await;
    Ok(())
}

/// Sends each line back, until the client hangs up or stays quiet for `IDLE`.
async fn echo_lines(stream: &TcpStream) -> io::Result<()> {
    let (mut lines, mut line) = (BufReader::new(stream), String::new());
    loop {
        line.clear();
        match timeout(lines.read_line(&mut line), IDLE).await {
            Ok(Ok(0)) | Err(_) => return Ok(()), // end of input, or idle
            Ok(read) => read?,
        };
        (&mut &*stream).write_all(line.as_bytes()).await?;
    }
}

#[ampere_reactor::main]
async fn main() -> io::Result<()> {
    let demo = std::env::args().nth(1).as_deref() != Some("--serve");
    let shutdown = Shutdown::new();
    shutdown.trigger_on_ctrl_c()?;
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], if demo { 0 } else { 7000 })))?;
    let addr = listener.local_addr()?;
    println!("echoing lines on {addr}; Ctrl-C stops accepting and waits for open connections");
    if !demo {
        return serve(listener, shutdown).await;
    }
    futures::try_join!(serve(listener, shutdown), demo_client(addr))?;
    println!("drained, bye");
    Ok(())
}

/// The demo's client: says hello, "presses Ctrl-C" while still connected, and is still served
/// until it hangs up, which is what the server's drain waits for.
async fn demo_client(addr: SocketAddr) -> io::Result<()> {
    let stream = TcpStream::connect(addr).await?;
    let (mut replies, mut reply) = (BufReader::new(&stream), String::new());
    for (n, text) in ["hello\n", "still served while draining\n"].into_iter().enumerate() {
        (&mut &stream).write_all(text.as_bytes()).await?;
        reply.clear();
        replies.read_line(&mut reply).await?;
        assert_eq!(reply, text);
        println!("client: sent and got back {reply:?}");
        if n == 0 {
            signal_hook::low_level::raise(libc::SIGINT)?; // as if Ctrl-C were pressed
        }
    }
    Ok(()) // `stream` drops: the connection ends, and so does the drain
}

#[test]
fn the_demo_serves_a_client_through_a_ctrl_c_and_exits() {
    main().unwrap();
}
