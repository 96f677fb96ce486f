//! `TlsConnector` and `TlsAcceptor` over ampere's `TcpStream`: a user's own protocol.

use std::net::SocketAddr;

use ampere_reactor::net::TcpStream;
use ampere_reactor::{spawn, TlsConnector, TlsError};
use futures::{AsyncReadExt, AsyncWriteExt};

use super::pki::{Ca, Validity};
use super::{block_on, listen};

/// Bytes 0, 1, ... 250, 0, 1, ...: a pattern a lost or reordered record would break.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

#[test]
fn a_tls_stream_echoes_a_megabyte_both_ways_at_once() {
    const LEN: usize = 1 << 20;
    let ca = Ca::new("ampere test CA");
    let acceptor = ca.acceptor(&["echo.test"], Validity::Current);
    let connector = TlsConnector::with_extra_roots([ca.root()]).expect("a valid root");
    let echoed = block_on(async move {
        let (listener, port) = listen();
        let server = spawn(async move {
            let (tcp, _) = listener.accept().await?;
            let tls = acceptor.accept(tcp).await?;
            let (mut reader, mut writer) = tls.split();
            futures::io::copy(&mut reader, &mut writer).await?;
            writer.close().await
        });
        let tcp = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).await.expect("connect");
        let tls = connector.connect("echo.test", tcp).await.expect("the handshake");
        let (mut reader, mut writer) = tls.split();
        // Write and read at once: the echo of a megabyte does not fit in the socket buffers.
        let send = async {
            for chunk in pattern(LEN).chunks(64 * 1024) {
                writer.write_all(chunk).await.expect("write");
            }
            writer.close().await.expect("close_notify");
        };
        let mut echoed = Vec::new();
        let receive = reader.read_to_end(&mut echoed);
        let ((), received) = futures::join!(send, receive);
        received.expect("read to the server's close_notify");
        server.await.expect("the server task").expect("the server's side");
        echoed
    });
    assert_eq!(echoed.len(), LEN);
    assert!(echoed == pattern(LEN), "the echo differs from what was sent");
}

#[test]
fn a_failed_handshake_is_an_io_error_carrying_the_tls_error() {
    let ca = Ca::new("ampere test CA");
    let acceptor = ca.acceptor(&["echo.test"], Validity::Current);
    let (client, server) = block_on(async move {
        let (listener, port) = listen();
        let server = spawn(async move {
            let (tcp, _) = listener.accept().await?;
            acceptor.accept(tcp).await.map(drop)
        });
        let tcp = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).await.expect("connect");
        // Mozilla's roots only: our CA is unknown.
        let client = TlsConnector::default().connect("echo.test", tcp).await.map(drop);
        (client, server.await.expect("the server task"))
    });
    let client = client.unwrap_err();
    assert_eq!(client.kind(), std::io::ErrorKind::InvalidData);
    assert!(matches!(TlsError::from_io(&client), Some(TlsError::UnknownIssuer)), "{client:?}");
    // The server's handshake fails too (how it sees it, an alert or the close, depends on
    // what reaches it before the client's socket closes).
    assert!(server.is_err());
}

#[test]
fn a_server_name_that_is_no_name_is_invalid_input() {
    let err = block_on(async {
        let (_listener, port) = listen();
        let tcp = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).await.expect("connect");
        TlsConnector::default().connect("not a name!", tcp).await.map(drop)
    })
    .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
}
