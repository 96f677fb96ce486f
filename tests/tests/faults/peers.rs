//! Misbehaving peers: resets in the middle of a write, half-closes both ways, peers that
//! vanish or go silent, and peers that send one byte at a time.

use super::*;

pub(crate) fn peers_that_reset_mid_write_give_typed_errors_and_other_connections_go_on() {
    let n = scaled(100, 2_000, 100);
    let reactor = Reactor::new().unwrap();
    let h = reactor.handle();
    let (resets, bystander) = reactor
        .block_on(async {
            let (listener, addr) = listener();
            // A well-behaved connection that must not notice anything.
            let (c, s) = connect_pair(&listener, addr).await?;
            let echo_task = h.spawn(echo(s));
            let bystander = h.spawn(echo_client(usize::MAX, c, 1 << 20));
            let mut writers = Vec::new();
            let mut rng = Rng::new(8);
            for i in 0..n {
                let (client, server) = connect_pair(&listener, addr).await?;
                // The server streams until the peer goes away.
                writers.push(h.spawn(async move {
                    let chunk = vec![0x5A; 64 * 1024];
                    let mut written = 0usize;
                    while written < 256 << 20 {
                        match (&server).write(&chunk).await {
                            Ok(k) => written += k,
                            Err(e) => return (e.kind(), written),
                        }
                    }
                    panic!("connection {i}: 256 MiB written to a peer that reset");
                }));
                // The client reads a little and closes with unread data: the kernel answers the
                // server with RST, in the middle of its writes.
                let take = 1 + rng.below(64 * 1024);
                drop(h.spawn(async move {
                    let mut buf = vec![0u8; take];
                    let _ = (&client).read_exact(&mut buf).await;
                    drop(client);
                }));
            }
            let mut kinds = Vec::new();
            for w in writers {
                kinds.push(w.await.expect("writer task").0);
            }
            let bystander = bystander.await.expect("bystander")?;
            echo_task.await.expect("echo task")?;
            Ok::<_, io::Error>((kinds, bystander))
        })
        .unwrap()
        .unwrap();
    for kind in &resets {
        assert!(matches!(kind, ErrorKind::ConnectionReset | ErrorKind::BrokenPipe), "a reset mid-write is {kind:?}");
    }
    assert_eq!(bystander, 1 << 20);
    assert_eq!((reactor.info().tasks, reactor.info().watchers()), (0, 0));
    injected("peers reset mid-write", n);
    figure("writes failing with ConnectionReset or BrokenPipe", resets.len());
}

pub(crate) fn half_closed_peers_get_their_whole_reply() {
    let n = scaled(200, 5_000, 200);
    let reactor = Reactor::new().unwrap();
    let h = reactor.handle();
    let checked = reactor
        .block_on(async {
            let (listener, addr) = listener();
            let mut tasks = Vec::new();
            for i in 0..n {
                let (client, server) = connect_pair(&listener, addr).await?;
                let len = 1 + (i * 37) % 16_384;
                if i.is_multiple_of(2) {
                    // The client half-closes after its request; the server answers after EOF.
                    drop(h.spawn(async move {
                        let mut request = Vec::new();
                        (&server).read_to_end(&mut request).await?;
                        assert_eq!(request, bytes_of(i, len), "request {i}");
                        let reply: Vec<u8> = request.iter().rev().chain(request.iter()).copied().collect();
                        (&server).write_all(&reply).await?;
                        (&server).close().await
                    }));
                    tasks.push(h.spawn(async move {
                        (&client).write_all(&bytes_of(i, len)).await?;
                        (&client).close().await?;
                        let mut reply = Vec::new();
                        (&client).read_to_end(&mut reply).await?;
                        let request = bytes_of(i, len);
                        let want: Vec<u8> = request.iter().rev().chain(request.iter()).copied().collect();
                        assert!(reply == want, "reply {i}");
                        Ok::<_, io::Error>(reply.len() + len)
                    }));
                } else {
                    // The server half-closes first; the client still sends afterwards.
                    drop(h.spawn(async move {
                        (&server).write_all(&bytes_of(i, len)).await?;
                        (&server).close().await?;
                        let mut late = Vec::new();
                        (&server).read_to_end(&mut late).await?;
                        assert_eq!(late, bytes_of(i + 1, len), "the late request {i}");
                        Ok::<_, io::Error>(())
                    }));
                    tasks.push(h.spawn(async move {
                        let mut greeting = Vec::new();
                        (&client).read_to_end(&mut greeting).await?;
                        assert_eq!(greeting, bytes_of(i, len), "greeting {i}");
                        (&client).write_all(&bytes_of(i + 1, len)).await?;
                        (&client).close().await?;
                        Ok::<_, io::Error>(2 * len)
                    }));
                }
            }
            let mut checked = 0;
            for t in tasks {
                checked += t.await.expect("client task")?;
            }
            Ok::<_, io::Error>(checked)
        })
        .unwrap()
        .unwrap();
    reactor.run().unwrap(); // the server halves finish
    assert_eq!((reactor.info().tasks, reactor.info().watchers()), (0, 0));
    injected("half-closed connections (both directions)", n);
    figure("bytes checked across half-closes", checked);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Eof,
    Reset,
    Silent,
    Served,
}

pub(crate) fn peers_that_connect_then_vanish_or_go_silent_are_dropped() {
    let per_kind = scaled(50, 1_000, 50);
    let reactor = Reactor::new().unwrap();
    let h = reactor.handle();
    let started = Instant::now();
    let endings = reactor
        .block_on(async {
            let (listener, addr) = listener();
            let mut servers = Vec::new();
            let mut silent_clients = Vec::new();
            for i in 0..4 * per_kind {
                let (client, server) = connect_pair(&listener, addr).await?;
                let greeted = Rc::new(Cell::new(false));
                let g = Rc::clone(&greeted);
                servers.push(h.spawn(async move {
                    // Greet, then serve requests; a peer silent for 100 ms is dropped.
                    (&server).write_all(&[b'>'; 1024]).await?;
                    g.set(true);
                    let mut buf = [0u8; 64];
                    let mut got = 0;
                    loop {
                        match timeout((&server).read(&mut buf), Duration::from_millis(100)).await {
                            Ok(Ok(0)) if got == 4 => return Ok::<_, io::Error>(Ending::Served),
                            Ok(Ok(0)) => return Ok(Ending::Eof),
                            Ok(Ok(k)) => got += k,
                            Ok(Err(e)) if e.kind() == ErrorKind::ConnectionReset => return Ok(Ending::Reset),
                            Ok(Err(e)) => return Err(e),
                            Err(TimedOut) => return Ok(Ending::Silent),
                        }
                    }
                }));
                match i % 4 {
                    0 => drop(client), // connect, then vanish politely (FIN)
                    1 => drop(h.spawn(async move {
                        // Send half a request, then vanish with the greeting unread (RST).
                        while !greeted.get() {
                            yield_now().await;
                        }
                        (&client).write_all(b"ha").await.unwrap();
                        drop(client);
                    })),
                    2 => silent_clients.push(client), // connect, then say nothing
                    _ => drop(h.spawn(async move {
                        let mut greeting = [0u8; 1024];
                        (&client).read_exact(&mut greeting).await.unwrap();
                        (&client).write_all(b"full").await.unwrap();
                        (&client).close().await.unwrap();
                    })),
                }
            }
            let mut endings = Vec::new();
            for s in servers {
                endings.push(s.await.expect("server task")?);
            }
            // The server dropped the silent ones: they read the greeting, then EOF.
            for c in silent_clients {
                let mut all = Vec::new();
                (&c).read_to_end(&mut all).await?;
                assert_eq!(all.len(), 1024, "a dropped silent peer sees the greeting, then EOF");
            }
            Ok::<_, io::Error>(endings)
        })
        .unwrap()
        .unwrap();
    reactor.run().unwrap();
    for (i, e) in endings.iter().enumerate() {
        let want = [Ending::Eof, Ending::Reset, Ending::Silent, Ending::Served][i % 4];
        assert_eq!(*e, want, "connection {i}");
    }
    assert_eq!((reactor.info().tasks, reactor.info().watchers()), (0, 0));
    injected("peers that connect and vanish (FIN), vanish (RST) or go silent", 3 * per_kind);
    figure("well-behaved peers served meanwhile", per_kind);
    figure("time", format!("{:.2?}", started.elapsed()));
}

pub(crate) fn a_peer_sending_one_byte_at_a_time_is_reassembled_exactly() {
    let clients = scaled(20, 200, 20);
    let len = scaled(1_000, 10_000, 1_000);
    let reactor = Reactor::new().unwrap();
    let h = reactor.handle();
    let ticks_before = reactor.info().ticks;
    // Async sockets: a length-prefixed message written one byte per write, read with an odd
    // buffer size.
    let total = reactor
        .block_on(async {
            let (listener, addr) = listener();
            let mut servers = Vec::new();
            for i in 0..clients {
                let (client, server) = connect_pair(&listener, addr).await?;
                client.set_nodelay(true)?;
                drop(h.spawn(async move {
                    let mut message = (len as u32).to_be_bytes().to_vec();
                    message.extend(bytes_of(i, len));
                    for byte in message {
                        (&client).write_all(&[byte]).await.unwrap();
                        yield_now().await;
                    }
                    let mut ok = [0u8; 2];
                    (&client).read_exact(&mut ok).await.unwrap();
                    assert_eq!(&ok, b"ok");
                }));
                servers.push(h.spawn(async move {
                    let mut got = Vec::new();
                    let mut buf = [0u8; 3];
                    let mut reads = 0;
                    while got.len() < 4 || got.len() < 4 + u32::from_be_bytes(got[..4].try_into().unwrap()) as usize {
                        let k = (&server).read(&mut buf).await?;
                        assert!(k > 0, "EOF in the middle of message {i}");
                        got.extend_from_slice(&buf[..k]);
                        reads += 1;
                    }
                    assert_eq!(&got[4..], &bytes_of(i, len)[..], "message {i} reassembled");
                    (&server).write_all(b"ok").await?;
                    Ok::<_, io::Error>((got.len(), reads))
                }));
            }
            let mut total = (0, 0);
            for s in servers {
                let (bytes, reads) = s.await.expect("server task")?;
                total = (total.0 + bytes, total.1 + reads);
            }
            Ok::<_, io::Error>(total)
        })
        .unwrap()
        .unwrap();
    reactor.run().unwrap();
    // Watchers: a writer writing one byte per tick, a level-triggered reader reading one byte
    // per call: one call per byte, in order, then EOF.
    let (a, b) = socket_pair();
    let n = len;
    let written = Counter::new();
    let w = written.clone();
    let fd = a.as_raw_fd();
    reactor
        .on_writable(&fd, move |h, id, _| {
            (&a).write_all(&[pattern(3, w.get())]).unwrap();
            w.bump();
            if w.get() == n {
                h.cancel(id); // drops `a`: the reader sees EOF next
            }
        })
        .unwrap();
    let (read, calls) = (Counter::new(), Counter::new());
    let (r, c) = (read.clone(), calls.clone());
    let fd = b.as_raw_fd();
    reactor
        .on_readable(&fd, move |h, id, _| {
            c.bump();
            let mut byte = [0u8; 1];
            match (&b).read(&mut byte) {
                Ok(1) => {
                    assert_eq!(byte[0], pattern(3, r.get()), "byte {} in order", r.get());
                    r.bump();
                }
                Ok(_) => h.cancel(id), // EOF: drops `b`
                Err(e) => panic!("{e}"),
            }
        })
        .unwrap();
    reactor.run().unwrap();
    assert_eq!((written.get(), read.get()), (n, n));
    assert!(calls.get() <= 2 * n + 2, "{} reader calls for {n} bytes: no spurious spin", calls.get());
    injected("messages sent one byte per write (async) and one byte per tick (watchers)", clients + 1);
    figure("one-byte writes reassembled", total.0 + n);
    figure("reads needed (3-byte buffer)", total.1);
    figure("reactor ticks", reactor.info().ticks - ticks_before);
}
