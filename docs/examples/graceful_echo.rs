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
//! `docs/Cargo.toml`). The server is `serve` and `echo_lines`, under 40 lines, written with
//! the prelude alone; the guide's first chapter ends with the same server.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use ampere_reactor::net::{TcpListener, TcpStream};
use ampere_reactor::prelude::*;
use ampere_reactor::Shutdown;

/// A connection quiet for this long is closed.
const IDLE: Duration = Duration::from_secs(10);

/// Accepts until the shutdown is triggered, then waits for the open connections to finish.
async fn serve(listener: TcpListener, shutdown: Shutdown) -> io::Result<()> {
    loop {
        let accept = async { Some(listener.accept().await) };
        let stop = async {
            shutdown.triggered().await;
            None
        };
        let Some(accepted) = accept.or(stop).await else { break };
        let (stream, peer) = accepted?;
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

/// Sends each line back, until the client hangs up (`None`) or stays quiet for `IDLE` (`Err`).
async fn echo_lines(stream: &TcpStream) -> io::Result<()> {
    let (mut lines, mut out) = (BufReader::new(stream).lines(), stream);
    while let Ok(Some(line)) = timeout(IDLE, lines.next()).await {
        out.write_all(format!("{}\n", line?).as_bytes()).await?;
    }
    Ok(())
}

#[ampere_reactor::main]
async fn main() -> io::Result<()> {
    let demo = std::env::args().nth(1).as_deref() != Some("--serve");
    let shutdown = Shutdown::new();
    shutdown.trigger_on_ctrl_c()?;
    let listener = TcpListener::bind(if demo { "127.0.0.1:0" } else { "127.0.0.1:7000" })?;
    let addr = listener.local_addr()?;
    println!("echoing lines on {addr}; Ctrl-C stops accepting and waits for open connections");
    if !demo {
        return serve(listener, shutdown).await;
    }
    let client = spawn(demo_client(addr));
    serve(listener, shutdown).await?; // returns once the client has hung up: the drain
    client.await.map_err(io::Error::other)??;
    println!("drained, bye");
    Ok(())
}

/// The demo's client: says hello, "presses Ctrl-C" while still connected, and is still served
/// until it hangs up, which is what the server's drain waits for.
async fn demo_client(addr: SocketAddr) -> io::Result<()> {
    let stream = TcpStream::connect(addr).await?;
    let (mut replies, mut reply) = (BufReader::new(&stream), String::new());
    for (n, text) in ["hello\n", "still served while draining\n"].into_iter().enumerate() {
        (&stream).write_all(text.as_bytes()).await?;
        reply.clear();
        replies.read_line(&mut reply).await?;
        assert_eq!(reply, text);
        println!("client: sent and got back {reply:?}");
        if n == 0 {
            signal_hook::low_level::raise(Signal::Interrupt.as_raw())?; // as if Ctrl-C were pressed
        }
    }
    Ok(()) // `stream` drops: the connection ends, and so does the drain
}

#[test]
fn the_demo_serves_a_client_through_a_ctrl_c_and_exits() {
    main().unwrap();
}
