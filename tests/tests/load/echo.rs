//! A loopback TCP echo server holding every connection open at once, every byte checked.

use super::*;

/// Opens once every connection is established on both sides, so that all of them are held
/// at the same time before any byte flows.
#[derive(Default)]
struct Gate {
    connected: Cell<usize>,
    accepted: Cell<usize>,
    expected: usize,
    open: Cell<bool>,
    waiters: RefCell<Vec<Waker>>,
    /// The connector, waiting for the server to catch up.
    connector: RefCell<Option<Waker>>,
    /// Server-side connections open right now, and the most ever.
    live: Cell<usize>,
    peak: Cell<usize>,
}

impl Gate {
    fn update(&self) {
        if let Some(w) = self.connector.borrow_mut().take() {
            w.wake();
        }
        if self.connected.get() == self.expected && self.accepted.get() == self.expected && !self.open.get() {
            self.open.set(true);
            for w in self.waiters.borrow_mut().drain(..) {
                w.wake();
            }
        }
    }

    /// Waits until the server has accepted all but `backlog` of the connections made so far:
    /// the listener's backlog (128, as std's) must never overflow, or the kernel drops SYNs
    /// and the client retries a second later.
    async fn wait_accepts(&self, backlog: usize) {
        poll_fn(|cx| {
            if self.accepted.get() + backlog >= self.connected.get() {
                return Poll::Ready(());
            }
            *self.connector.borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }

    async fn wait(&self) {
        poll_fn(|cx| {
            if self.open.get() {
                return Poll::Ready(());
            }
            self.waiters.borrow_mut().push(cx.waker().clone());
            Poll::Pending
        })
        .await
    }
}

/// Echoes until EOF, then closes its write half. Returns the bytes echoed.
async fn echo(stream: TcpStream, gate: Rc<Gate>) -> std::io::Result<usize> {
    gate.live.set(gate.live.get() + 1);
    gate.peak.set(gate.peak.get().max(gate.live.get()));
    let mut buf = vec![0u8; 16 * 1024];
    let mut total = 0;
    let outcome = async {
        loop {
            let n = (&stream).read(&mut buf).await?;
            if n == 0 {
                break;
            }
            (&stream).write_all(&buf[..n]).await?;
            total += n;
        }
        (&stream).close().await
    }
    .await;
    gate.live.set(gate.live.get() - 1);
    outcome.map(|()| total)
}

/// Waits at the gate, then writes `bytes` of its pattern while reading the echo back and
/// checking every byte. Returns the bytes checked.
async fn client(conn: usize, stream: TcpStream, bytes: usize, gate: Rc<Gate>) -> std::io::Result<usize> {
    gate.wait().await;
    let writer = async {
        let mut chunk = Vec::with_capacity(8 * 1024);
        let mut offset = 0;
        while offset < bytes {
            chunk.clear();
            let end = (offset + 8 * 1024).min(bytes);
            chunk.extend((offset..end).map(|j| pattern(conn, j)));
            (&stream).write_all(&chunk).await?;
            offset = end;
        }
        (&stream).close().await // half-close: the server sees EOF after the last byte
    };
    let reader = async {
        let mut buf = vec![0u8; 16 * 1024];
        let mut got = 0;
        loop {
            let n = (&stream).read(&mut buf).await?;
            if n == 0 {
                return Ok::<_, std::io::Error>(got);
            }
            for (k, b) in buf[..n].iter().enumerate() {
                assert_eq!(*b, pattern(conn, got + k), "connection {conn}, byte {}", got + k);
            }
            got += n;
        }
    };
    let (written, read) = futures::future::join(writer, reader).await;
    written?;
    let got = read?;
    assert_eq!(got, bytes, "connection {conn} got its whole stream back");
    Ok(got)
}

pub(crate) fn a_loopback_echo_server_holds_a_thousand_connections_and_checks_every_byte() {
    let want = scaled(1_000, 10_000, 1_000);
    let bytes = scaled(32 * 1024, 256 * 1024, 32 * 1024);
    let limit = raise_fd_limit(2 * want as u64 + 256);
    let conns = want.min((limit as usize).saturating_sub(fd_count() + 128) / 2);
    if conns < want.min(1_000) {
        println!(
            "    SKIPPED: RLIMIT_NOFILE is {limit} and cannot be raised to the ~{} fds {want} connections need",
            2 * want + 256
        );
        return;
    }
    if conns < want {
        println!("    note: {want} connections wanted, {conns} fit under RLIMIT_NOFILE {limit}");
    }
    let reactor = Reactor::new().unwrap();
    let started = Instant::now();
    let gate = Rc::new(Gate { expected: conns, ..Gate::default() });
    let g = Rc::clone(&gate);
    let work = async move {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr: SocketAddr = listener.local_addr()?;
        let handle = Handle::current().unwrap();
        let (h, gs) = (handle.clone(), Rc::clone(&g));
        let server = handle.spawn(async move {
            let mut echoes = Vec::with_capacity(conns);
            for _ in 0..conns {
                let (stream, _) = listener.accept().await?;
                gs.accepted.set(gs.accepted.get() + 1);
                gs.update();
                echoes.push(h.spawn(echo(stream, Rc::clone(&gs))));
            }
            drop(listener);
            let mut echoed = 0;
            for e in echoes {
                echoed += e.await.expect("echo task")?;
            }
            Ok::<_, std::io::Error>(echoed)
        });
        // Connections are made by a task, not by this future: `block_on` polls its own future
        // without turning the reactor while it keeps waking itself.
        let (h, gc) = (handle.clone(), Rc::clone(&g));
        let connector = handle.spawn(async move {
            let mut clients = Vec::with_capacity(conns);
            for conn in 0..conns {
                gc.wait_accepts(64).await;
                let stream = TcpStream::connect(addr).await?;
                gc.connected.set(gc.connected.get() + 1);
                gc.update();
                clients.push(h.spawn(client(conn, stream, bytes, Rc::clone(&gc))));
            }
            Ok::<_, std::io::Error>((clients, started.elapsed()))
        });
        let (clients, connect_time) = connector.await.expect("connector task")?;
        let mut checked = 0;
        for c in clients {
            checked += c.await.expect("client task")?;
        }
        let echoed = server.await.expect("server task")?;
        Ok::<_, std::io::Error>((checked, echoed, connect_time))
    };
    let (checked, echoed, connect_time) =
        reactor.block_on(timeout(work, Duration::from_secs(600))).unwrap().expect("timed out").unwrap();
    assert_eq!(checked, conns * bytes);
    assert_eq!(echoed, conns * bytes);
    assert_eq!(gate.peak.get(), conns, "every connection was open at the same time");
    assert_eq!(reactor.info().tasks, 0);
    assert_eq!(reactor.info().watchers(), 0);
    figure("connections held at once", conns);
    figure("bytes sent and checked", format!("{checked} ({} KiB per connection)", bytes / 1024));
    figure("time to open all connections", format!("{connect_time:.2?}"));
    figure("total time", format!("{:.2?}", started.elapsed()));
    figure("reactor ticks", reactor.info().ticks);
    figure("peak RSS (VmHWM, KiB)", status_kib("VmHWM"));
}
