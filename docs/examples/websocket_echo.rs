//! A WebSocket echo server and client on ampere, with async-tungstenite: it speaks
//! futures-io, which ampere's `TcpStream` implements, so no adapter or feature is needed.
//!
//! ```text
//! cargo run --example websocket_echo
//! ```
//!
//! The server echoes every text and binary message; the client sends a text message and a
//! 1 MiB binary one, checks both echoes, and closes with a close frame. It exits when the
//! client is done. For `wss://`, run the handshake over a `TlsConnector`/`TlsAcceptor`
//! stream instead of the bare `TcpStream` (see `tls_echo`).

use std::net::SocketAddr;

use ampere_reactor::net::{TcpListener, TcpStream};
use ampere_reactor::{spawn, Reactor};
use async_tungstenite::tungstenite::Message;
use futures::StreamExt;

type BoxError = Box<dyn std::error::Error>;

fn main() -> Result<(), BoxError> {
    let reactor = Reactor::new()?;
    reactor.block_on(async {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let addr = listener.local_addr()?;

        let server = spawn(async move {
            let (tcp, _) = listener.accept().await?;
            // The one line: the WebSocket handshake over an ampere socket.
            let mut ws = async_tungstenite::accept_async(tcp).await?;
            while let Some(message) = ws.next().await {
                // Pings are answered by tungstenite itself, and so is a close frame, after
                // which the stream ends.
                if let echo @ (Message::Text(_) | Message::Binary(_)) = message? {
                    ws.send(echo).await?;
                }
            }
            Ok::<(), BoxError>(())
        });

        let tcp = TcpStream::connect(addr).await?;
        let (mut ws, response) = async_tungstenite::client_async(format!("ws://{addr}/echo"), tcp).await?;
        println!("handshake: {}", response.status());

        ws.send(Message::text("hello over WebSocket")).await?;
        let reply = ws.next().await.ok_or("the server hung up")??;
        println!("< {}", reply.to_text()?);

        let big: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
        ws.send(Message::binary(big.clone())).await?;
        let reply = ws.next().await.ok_or("the server hung up")??;
        assert_eq!(reply.into_data().as_ref(), &big[..], "the 1 MiB frame came back intact");
        println!("< 1 MiB binary frame, intact");

        ws.close(None).await?;
        // Read until the server's close frame ends the stream.
        while let Some(message) = ws.next().await {
            message?;
        }
        server.await??;
        println!("done");
        Ok::<(), BoxError>(())
    })??;
    Ok(())
}

#[test]
fn the_demo_echoes_text_and_a_megabyte_and_exits() {
    main().unwrap();
}
