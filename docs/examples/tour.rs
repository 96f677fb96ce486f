//! The tour: every capability of ampere, narrated. `cargo run --release --example tour`.
//! It exits by itself in a few seconds.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ampere_reactor::{Error, Handle, Reactor, WatcherKind};

fn say(start: Instant, what: impl std::fmt::Display) {
    println!("[{:>7.3} ms] {what}", start.elapsed().as_secs_f64() * 1e3);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let reactor = Reactor::new()?;

    println!("== 1. defer, delay, repeat: the order things fire in");
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    reactor.delay(Duration::from_millis(3), move |_, _| l.borrow_mut().push("delay 3 ms"));
    let l = log.clone();
    reactor.defer(move |h: &Handle, _| {
        l.borrow_mut().push("defer");
        let l = l.clone();
        h.defer(move |_, _| l.borrow_mut().push("defer from a defer (next tick)"));
    });
    let l = log.clone();
    let mut n = 0;
    reactor.repeat_after(Duration::from_millis(1), Duration::from_millis(1), move |h, id| {
        n += 1;
        l.borrow_mut().push(if n == 1 { "repeat #1" } else { "repeat #2, cancels itself" });
        if n == 2 {
            h.cancel(id);
        }
    });
    reactor.run()?;
    for entry in log.borrow().iter() {
        say(start, entry);
    }

    println!("\n== 2. level-triggered I/O on a socketpair");
    let (mut a, b) = UnixStream::pair()?;
    a.write_all(b"hello")?;
    let mut b_reader = b.try_clone()?;
    b_reader.set_nonblocking(true)?;
    let got = Rc::new(RefCell::new(Vec::new()));
    let g = got.clone();
    reactor.on_readable(&b, move |h, id, _fd| {
        let mut byte = [0u8; 1];
        // Read one byte per tick: the watcher fires again while data is pending.
        if let Ok(1) = b_reader.read(&mut byte) {
            g.borrow_mut().push(byte[0]);
        }
        if g.borrow().len() == 5 {
            h.cancel(id);
        }
    })?;
    reactor.run()?;
    say(start, format!("read {:?} one byte per tick", String::from_utf8_lossy(&got.borrow())));

    println!("\n== 3. a panicking callback comes out of run() as a typed error");
    reactor.defer(|_, _| panic!("a bug in a callback"));
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    match reactor.run() {
        Err(e @ Error::CallbackPanicked { .. }) => say(start, format!("run() returned: {e}")),
        other => say(start, format!("unexpected: {other:?}")),
    }
    std::panic::set_hook(quiet);

    println!("\n== 4. introspection: what keeps run() going");
    let sleeper = reactor.delay(Duration::from_secs(3600), |_, _| {});
    for alive in reactor.keep_alive_report() {
        say(start, format!("alive: {alive}"));
    }
    say(start, format!("delay watchers enabled: {}", reactor.info().of(WatcherKind::Delay).enabled));
    reactor.cancel(sleeper);

    println!("\n== 5. tasks: spawn, fork, block_on, sleep");
    let task = reactor.spawn(async {
        ampere_reactor::sleep(Duration::from_millis(2)).await;
        "slept 2 ms"
    });
    say(start, format!("task says: {}", reactor.block_on(task)??));
    reactor.fork(async { Err::<(), _>("a fork failed") });
    match reactor.run() {
        Err(e) => say(start, format!("run() returned the fork's error: {e}")),
        Ok(()) => say(start, "unexpected: the fork error was lost"),
    }

    println!("\n== 6. a TCP echo exchange on loopback");
    let echoed = reactor.block_on(async {
        use futures_io::{AsyncRead, AsyncWrite};
        use std::future::poll_fn;
        use std::pin::Pin;
        let listener = ampere_reactor::net::TcpListener::bind("127.0.0.1:0".parse()?)?;
        let addr = listener.local_addr()?;
        let server = ampere_reactor::spawn(async move {
            let (mut conn, _) = listener.accept().await?;
            let mut buf = [0u8; 64];
            let n = poll_fn(|cx| Pin::new(&mut conn).poll_read(cx, &mut buf)).await?;
            poll_fn(|cx| Pin::new(&mut conn).poll_write(cx, &buf[..n])).await?;
            Ok::<_, std::io::Error>(())
        })?;
        let mut client = ampere_reactor::net::TcpStream::connect(addr).await?;
        poll_fn(|cx| Pin::new(&mut client).poll_write(cx, b"echo me")).await?;
        let mut buf = [0u8; 64];
        let n = poll_fn(|cx| Pin::new(&mut client).poll_read(cx, &mut buf)).await?;
        server.await??;
        Ok::<_, Box<dyn std::error::Error>>(String::from_utf8_lossy(&buf[..n]).into_owned())
    })??;
    say(start, format!("echoed: {echoed:?}"));

    println!("\ndone in {:.1} ms", start.elapsed().as_secs_f64() * 1e3);
    Ok(())
}
