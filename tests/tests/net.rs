//! Async sockets: a TCP echo server with many concurrent clients, UDP, Unix streams, the errors
//! a network service meets, and fd hygiene.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;

use ampere_reactor::net::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};
use ampere_reactor::{spawn, Reactor};
use futures_io::{AsyncRead, AsyncWrite};

async fn read(mut s: impl AsyncRead + Unpin, buf: &mut [u8]) -> io::Result<usize> {
    poll_fn(|cx| Pin::new(&mut s).poll_read(cx, buf)).await
}

async fn write_all(mut s: impl AsyncWrite + Unpin, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        let n = poll_fn(|cx| Pin::new(&mut s).poll_write(cx, buf)).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        buf = &buf[n..];
    }
    Ok(())
}

async fn read_exact(s: &TcpStream, mut buf: &mut [u8]) -> io::Result<()> {
    while !buf.is_empty() {
        let n = read(s, buf).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
    }
    Ok(())
}

/// Echoes every connection until the peer closes it.
async fn echo_server(listener: TcpListener, connections: usize) -> io::Result<()> {
    let mut served = Vec::new();
    for _ in 0..connections {
        let (conn, _) = listener.accept().await?;
        served.push(spawn(async move {
            let mut buf = [0u8; 4096];
            loop {
                let n = read(&conn, &mut buf).await?;
                if n == 0 {
                    return Ok::<_, io::Error>(());
                }
                write_all(&conn, &buf[..n]).await?;
            }
        }));
    }
    for s in served {
        s.await.map_err(io::Error::other)??;
    }
    Ok(())
}

#[test]
fn a_tcp_echo_server_serves_many_concurrent_clients_byte_for_byte() {
    const CLIENTS: usize = 200;
    let reactor = Reactor::new().unwrap();
    reactor
        .block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0")?;
            let addr = listener.local_addr()?;
            let server = spawn(echo_server(listener, CLIENTS));
            let clients: Vec<_> = (0..CLIENTS)
                .map(|n| {
                    spawn(async move {
                        let stream = TcpStream::connect(addr).await?;
                        let msg: Vec<u8> = (0..10_000u32).map(|i| (i as usize * 31 + n) as u8).collect();
                        write_all(&stream, &msg).await?;
                        let mut back = vec![0u8; msg.len()];
                        read_exact(&stream, &mut back).await?;
                        assert_eq!(back, msg, "client {n} got its own bytes back");
                        Ok::<_, io::Error>(())
                    })
                })
                .collect();
            for c in clients {
                c.await.unwrap()?;
            }
            server.await.unwrap()
        })
        .unwrap()
        .unwrap();
}

#[test]
fn connection_refused_is_a_typed_error() {
    let reactor = Reactor::new().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap(); // now closed
    let err = reactor.block_on(TcpStream::connect(port)).unwrap().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
}

#[test]
fn eof_and_reset_by_peer_are_errors_not_panics_and_other_tasks_go_on() {
    let reactor = Reactor::new().unwrap();
    reactor
        .block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0")?;
            let addr = listener.local_addr()?;
            let client = TcpStream::connect(addr).await?;
            let (server_side, _) = listener.accept().await?;
            // Closing a socket with unread data makes the kernel answer with RST, not FIN.
            write_all(&client, b"unread").await?;
            ampere_reactor::sleep(std::time::Duration::from_millis(5)).await;
            drop(server_side);
            let mut buf = [0u8; 16];
            let outcome = read(&client, &mut buf).await;
            assert!(matches!(&outcome, Err(e) if e.kind() == io::ErrorKind::ConnectionReset), "{outcome:?}");
            let (a, b) = UnixStream::pair()?;
            drop(b);
            assert_eq!(read(&a, &mut buf).await?, 0, "EOF");
            let broken = write_all(&a, b"into the void").await.unwrap_err();
            assert_eq!(broken.kind(), io::ErrorKind::BrokenPipe);
            Ok::<_, io::Error>(())
        })
        .unwrap()
        .unwrap();
}

#[test]
fn udp_round_trip() {
    let reactor = Reactor::new().unwrap();
    reactor
        .block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0")?;
            let b = UdpSocket::bind("127.0.0.1:0")?;
            a.send_to(b"ping", b.local_addr()?).await?;
            let mut buf = [0u8; 16];
            let (n, from) = b.recv_from(&mut buf).await?;
            assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
            b.connect(from)?;
            b.send(b"pong").await?;
            let (n, _) = a.recv_from(&mut buf).await?;
            assert_eq!(&buf[..n], b"pong");
            Ok::<_, io::Error>(())
        })
        .unwrap()
        .unwrap();
}

#[test]
fn unix_streams_pair_and_listener() {
    let reactor = Reactor::new().unwrap();
    let dir = std::env::temp_dir().join(format!("ampere-net-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sock");
    let _ = std::fs::remove_file(&path);
    reactor
        .block_on(async {
            let (a, b) = UnixStream::pair()?;
            write_all(&a, b"pair").await?;
            let mut buf = [0u8; 4];
            assert_eq!(read(&b, &mut buf).await?, 4);
            let listener = UnixListener::bind(&path)?;
            let p = path.clone();
            let client = spawn(async move {
                let c = UnixStream::connect(&p).await?;
                write_all(&c, b"hello").await
            });
            let conn = listener.accept().await?;
            let mut buf = [0u8; 5];
            assert_eq!(read(&conn, &mut buf).await?, 5);
            assert_eq!(&buf, b"hello");
            client.await.unwrap()
        })
        .unwrap()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn eof_that_arrives_with_the_last_data_is_not_lost() {
    // The peer's data and its close arrive as one edge; the short read of the data must not
    // hide the EOF behind it (regression: a read after the short read waited forever).
    let reactor = Reactor::new().unwrap();
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    let peer = std::thread::spawn(move || {
        let (mut conn, _) = server.accept().unwrap();
        std::io::Write::write_all(&mut conn, b"pong\n").unwrap();
    });
    let got = reactor
        .block_on(ampere_combinators::timeout(
            async {
                let stream = TcpStream::connect(addr).await?;
                ampere_reactor::sleep(std::time::Duration::from_millis(30)).await; // data + FIN queue up
                let mut all = Vec::new();
                let mut buf = [0u8; 64];
                loop {
                    match read(&stream, &mut buf).await? {
                        0 => return Ok::<_, io::Error>(all),
                        n => all.extend_from_slice(&buf[..n]),
                    }
                }
            },
            std::time::Duration::from_secs(5),
        ))
        .unwrap()
        .expect("EOF was seen within 5 s")
        .unwrap();
    assert_eq!(got, b"pong\n");
    peer.join().unwrap();
}

#[test]
fn block_on_waiting_only_on_a_socket_sleeps_instead_of_spinning() {
    let reactor = Reactor::new().unwrap();
    let listener = reactor.block_on(async { TcpListener::bind("127.0.0.1:0") }).unwrap().unwrap();
    let addr = listener.local_addr().unwrap();
    let client = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(100));
        std::net::TcpStream::connect(addr).unwrap()
    });
    let before = reactor.info().ticks;
    reactor.block_on(listener.accept()).unwrap().unwrap();
    let ticks = reactor.info().ticks - before;
    assert!(ticks <= 5, "{ticks} ticks while waiting 100 ms for a connection");
    client.join().unwrap();
}
