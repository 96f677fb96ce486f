//! HTTP GETs with `file_get_contents`: a plain body, a chunked one, a redirect, a 404 as a
//! typed error, and a server that never answers, cut short by a timeout.
//!
//! ```text
//! cargo run --release --example http_fetch                             # against its own loopback server
//! cargo run --release --example http_fetch -- http://example.com/      # any http:// URL: prints the body
//! ```
//!
//! With no argument it starts a tiny HTTP server on 127.0.0.1 (on the same reactor, so no
//! network is needed), fetches five paths from it and exits (well under a second). With a URL
//! it fetches that, writes the body to stdout and exits, giving up after 10 s.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ampere_combinators::timeout;
use ampere_reactor::net::{TcpListener, TcpStream};
use ampere_reactor::{file_get_contents, FetchError, Handle, Reactor};
use futures::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use futures::StreamExt;

fn main() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let reactor = Reactor::new()?;
    if let Some(url) = std::env::args().nth(1) {
        // `file_get_contents` gives up on its own after 30 s (`FetchLimits::timeout`); racing
        // it against a timer gives any other deadline, here 10 s.
        let outcome = reactor.block_on(timeout(file_get_contents(&url), Duration::from_secs(10)))?;
        return Ok(match outcome {
            Ok(Ok(body)) => {
                io::stdout().write_all(&body)?; // the reactor's part is done: plain std is fine
                ExitCode::SUCCESS
            }
            Ok(Err(e)) => {
                eprintln!("error: {e}"); // the typed error, in words
                ExitCode::FAILURE
            }
            Err(_timed_out) => {
                eprintln!("error: {url}: no complete answer within 10 s");
                ExitCode::FAILURE
            }
        });
    }

    let handle = reactor.handle();
    reactor.block_on(async move {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let base = format!("http://{}", listener.local_addr()?);
        println!("loopback server on {base}");
        // The server runs as a task beside the client below, on the same thread; it is
        // dropped, mid-accept, when the reactor is.
        drop(handle.spawn(serve(listener, handle.clone())));

        for path in ["/hello", "/chunked", "/old", "/missing", "/stall"] {
            let started = Instant::now();
            let outcome = timeout(file_get_contents(&format!("{base}{path}")), Duration::from_millis(200)).await;
            let took = started.elapsed().as_secs_f64() * 1e3;
            match outcome {
                Ok(Ok(body)) => println!("GET {path:<9} {} bytes in {took:.1} ms: {:?}", body.len(), lossy(&body)),
                // A status outside 2xx is an error, and a typed one: no parsing of messages.
                Ok(Err(FetchError::Status { status, .. })) => println!("GET {path:<9} failed with status {status}"),
                Ok(Err(e)) => println!("GET {path:<9} failed: {e}"),
                Err(_) => println!("GET {path:<9} gave up after {took:.0} ms: the server never answered"),
            }
        }
        Ok::<(), Box<dyn std::error::Error>>(())
    })??;
    Ok(ExitCode::SUCCESS)
}

/// The loopback server: accepts forever, one task per connection.
async fn serve(listener: TcpListener, handle: Handle) -> io::Result<()> {
    loop {
        let (stream, _peer) = listener.accept().await?;
        drop(handle.spawn(respond(stream)));
    }
}

/// Reads one request head and answers by path.
async fn respond(stream: TcpStream) -> io::Result<()> {
    let mut head = BufReader::new(&stream).lines();
    let request_line = head.next().await.transpose()?.unwrap_or_default();
    // The rest of the head, up to the blank line; a real server would look at the headers.
    while let Some(line) = head.next().await.transpose()? {
        if line.is_empty() {
            break;
        }
    }
    let path = request_line.split(' ').nth(1).unwrap_or("/");
    let response = match path {
        "/hello" => "HTTP/1.1 200 OK\r\nContent-Length: 31\r\n\r\nhello from the loopback server\n",
        // The body in three chunks (sizes in hex), ended by a zero-size chunk.
        "/chunked" => {
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nin thr\r\n4\r\nee c\r\n5\r\nhunks\r\n0\r\n\r\n"
        }
        // A relative Location, resolved against the URL that was asked for.
        "/old" => "HTTP/1.1 301 Moved Permanently\r\nLocation: /hello\r\nContent-Length: 0\r\n\r\n",
        "/stall" => return std::future::pending().await, // holds the connection, says nothing
        _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nnot found\n",
    };
    println!("  server: {request_line} -> {}", &response[9..12]);
    (&stream).write_all(response.as_bytes()).await?;
    Ok(()) // dropping the stream closes it: the client asked for `Connection: close`
}

/// The body as text, for printing.
fn lossy(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}
