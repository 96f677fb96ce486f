//! tokio's I/O traits on ampere's streams: a tokio-util codec and tokio's extension methods
//! work on ampere sockets, and no tokio runtime exists meanwhile.

use std::net::SocketAddr;

use ampere_reactor::net::{TcpListener, TcpStream};
use ampere_reactor::{spawn, Async, Reactor};
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::codec::{Framed, LinesCodec};

#[test]
fn tokio_util_lines_codec_runs_over_ampere_tcp_without_a_tokio_runtime() {
    let reactor = Reactor::new().expect("reactor");
    let replies = reactor
        .block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0".parse::<SocketAddr>()?)?;
            let addr = listener.local_addr()?;
            // An echo server that shouts, written against tokio's traits only.
            let server = spawn(async move {
                let (stream, _) = listener.accept().await.expect("accept");
                assert!(tokio::runtime::Handle::try_current().is_err(), "no tokio runtime in the server");
                let mut lines = Framed::new(stream, LinesCodec::new());
                while let Some(line) = lines.next().await {
                    lines.send(line.expect("a line").to_uppercase()).await.expect("send");
                }
            });
            assert!(tokio::runtime::Handle::try_current().is_err(), "no tokio runtime in the client");
            let mut lines = Framed::new(TcpStream::connect(addr).await?, LinesCodec::new());
            let mut replies = Vec::new();
            for word in ["one", "two", "three"] {
                lines.send(word).await?;
                replies.push(lines.next().await.expect("a reply")?);
            }
            drop(lines); // end of stream: the server's loop ends
            server.await?;
            Ok::<_, Box<dyn std::error::Error>>(replies)
        })
        .expect("block_on")
        .expect("the exchange");
    assert_eq!(replies, ["ONE", "TWO", "THREE"]);
}

#[test]
fn tokio_read_and_write_helpers_work_on_an_async_socket_and_shutdown_ends_the_stream() {
    let reactor = Reactor::new().expect("reactor");
    let (got, after) = reactor
        .block_on(async {
            let (a, b) = std::os::unix::net::UnixStream::pair()?;
            a.set_nonblocking(true)?;
            b.set_nonblocking(true)?;
            let (mut a, mut b) = (Async::new(a)?, Async::new(b)?);
            a.write_all(b"ping").await?;
            // `Async<T>`'s shutdown is a flush: shut the socket down through the std value.
            a.get_ref().shutdown(std::net::Shutdown::Write)?;
            let mut got = [0u8; 4];
            b.read_exact(&mut got).await?;
            let mut after = Vec::new();
            b.read_to_end(&mut after).await?;
            Ok::<_, std::io::Error>((got, after))
        })
        .expect("block_on")
        .expect("the exchange");
    assert_eq!(&got, b"ping");
    assert!(after.is_empty(), "end of stream after the write shutdown");
}

#[test]
fn tokio_shutdown_of_an_ampere_tcp_stream_is_a_write_shutdown() {
    let reactor = Reactor::new().expect("reactor");
    let echoed = reactor
        .block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0".parse::<SocketAddr>()?)?;
            let addr = listener.local_addr()?;
            let server = spawn(async move {
                let (mut stream, _) = listener.accept().await.expect("accept");
                let mut all = Vec::new();
                stream.read_to_end(&mut all).await.expect("read to the end");
                stream.write_all(&all).await.expect("echo");
            });
            let mut client = TcpStream::connect(addr).await?;
            client.write_all(b"whole message").await?;
            // The inherent `shutdown(how)` shadows the trait method: call it by its path.
            AsyncWriteExt::shutdown(&mut client).await?; // the server sees the end; we still read
            let mut echoed = String::new();
            client.read_to_string(&mut echoed).await?;
            server.await?;
            Ok::<_, Box<dyn std::error::Error>>(echoed)
        })
        .expect("block_on")
        .expect("the exchange");
    assert_eq!(echoed, "whole message");
}
