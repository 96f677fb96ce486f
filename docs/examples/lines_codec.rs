//! A line protocol with tokio-util's `LinesCodec`, over ampere's `TcpStream`, with no tokio
//! runtime: the `tokio-io` feature implements tokio's `AsyncRead`/`AsyncWrite` on ampere's
//! streams, so a crate written against tokio's traits takes them as they are.
//!
//! ```text
//! cargo run --example lines_codec
//! ```
//!
//! A server that answers each line with its length, and a client sending three lines; it exits
//! when the client is done. (With futures-io codec crates, such as asynchronous-codec, no
//! feature is needed at all: ampere's streams implement futures-io.)

use std::net::SocketAddr;

use ampere_reactor::net::{TcpListener, TcpStream};
use ampere_reactor::{spawn, Reactor};
use futures::{SinkExt, StreamExt};
use tokio_util::codec::{Framed, LinesCodec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let reactor = Reactor::new()?;
    reactor.block_on(async {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let addr = listener.local_addr()?;
        let server = spawn(async move {
            let (stream, peer) = listener.accept().await?;
            // The one line: an ampere stream in a tokio-util codec.
            let mut lines = Framed::new(stream, LinesCodec::new_with_max_length(1024));
            while let Some(line) = lines.next().await {
                let line = line?;
                lines.send(format!("{peer} sent {} bytes", line.len())).await?;
            }
            Ok::<(), Box<dyn std::error::Error>>(())
        });

        let mut lines = Framed::new(TcpStream::connect(addr).await?, LinesCodec::new());
        for text in ["hello", "ampere runs tokio-util codecs", "bye"] {
            lines.send(text).await?;
            let reply = lines.next().await.ok_or("the server hung up")??;
            println!("> {text}\n< {reply}");
        }
        drop(lines); // end of stream: the server's loop ends
        server.await??;
        println!("done, and no tokio runtime was ever started");
        Ok::<(), Box<dyn std::error::Error>>(())
    })??;
    Ok(())
}
