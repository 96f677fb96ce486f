//! The tour: every capability of ampere, narrated, in a few seconds.
//!
//! ```sh
//! cargo run --release --example tour
//! ```
//!
//! It exits by itself. Each section prints what happens, with the time since the start.
//! Sections 7 to 11 (UDP, Unix sockets, `interval`, signal streams, `abort`) are in
//! `async_extras.rs`, written with the prelude as an application would be.

mod async_extras;

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ampere_combinators::{all, any, first, some, timeout, TimedOut};
use ampere_loops::{BoxError, GenericLoop, LoopHandle, Next, PeriodicLoop};
use ampere_reactor::{sleep, Error, Handle, Reactor, WatcherKind};
use futures::io::{AsyncReadExt, AsyncWriteExt};

thread_local! {
    static START: Instant = Instant::now();
}

/// Prints a line stamped with the time since the tour started.
fn say(what: impl std::fmt::Display) {
    let t = START.with(|s| s.elapsed());
    println!("  [{:>8.3} ms] {what}", t.as_secs_f64() * 1e3);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("AMPERE_TOUR_CHILD").is_some() {
        return child_reads_a_line();
    }
    START.with(|_| {});
    let reactor = Reactor::new()?;
    watchers_and_timers(&reactor)?;
    level_triggered_io(&reactor)?;
    signals(&reactor)?;
    panics_and_introspection(&reactor)?;
    tasks_and_forks(&reactor)?;
    tcp_echo(&reactor)?;
    async_extras::tour(&reactor)?;
    helpers(&reactor)?;
    loops(&reactor)?;
    combinators(&reactor)?;
    println!("\nThe tour is over: {:.1} ms.", START.with(|s| s.elapsed()).as_secs_f64() * 1e3);
    Ok(())
}

fn watchers_and_timers(reactor: &Reactor) -> Result<(), Error> {
    println!("== 1. defer, delay, repeat: the order things fire in");
    reactor.delay(Duration::from_millis(3), |_, _| say("delay(3 ms) fired (never early)"));
    reactor.defer(|h: &Handle, _| {
        say("defer ran in the first tick");
        h.defer(|_, _| say("a defer created by a defer ran in the next tick"));
    });
    let mut n = 0;
    reactor.repeat_after(Duration::from_millis(1), Duration::from_millis(1), move |h, id| {
        n += 1;
        say(format!("repeat #{n} (every 1 ms, drift-free)"));
        if n == 2 {
            h.cancel(id); // cancelling from inside its own callback is safe
        }
    });
    reactor.run()?;
    say("run() returned: nothing referenced is left");
    Ok(())
}

fn level_triggered_io(reactor: &Reactor) -> Result<(), Box<dyn std::error::Error>> {
    println!("\n== 2. level-triggered I/O: a readable watcher fires every tick while data is pending");
    let (mut a, mut b) = UnixStream::pair()?;
    b.set_nonblocking(true)?;
    a.write_all(b"hi!")?;
    drop(a); // then EOF
    let fd = b.as_raw_fd();
    reactor.on_readable(&fd, move |h, id, _fd| {
        let mut byte = [0u8; 1];
        match b.read(&mut byte) {
            Ok(1) => say(format!("read {:?}, left the rest for the next tick", byte[0] as char)),
            _ => {
                say("EOF is readable too: cancelling the watcher");
                h.cancel(id);
            }
        }
    })?;
    reactor.run()?;
    let (a, _b) = UnixStream::pair()?;
    let w = reactor.watch().disabled().on_writable(&a, |_, _, _| {})?;
    say(format!("a writable watcher is created disabled (enabled: {}), or it would spin", reactor.is_enabled(w)?));
    reactor.cancel(w);
    Ok(())
}

fn signals(reactor: &Reactor) -> Result<(), Box<dyn std::error::Error>> {
    println!("\n== 3. signals");
    reactor.on_signal(libc::SIGUSR1, |h, id, signo| {
        say(format!("signal {signo} (SIGUSR1) delivered to its watcher"));
        h.cancel(id); // the last watcher: SIGUSR1's default action is back
    })?;
    signal_hook::low_level::raise(libc::SIGUSR1)?;
    reactor.run()?;
    match reactor.on_signal(libc::SIGKILL, |_, _, _| {}) {
        Err(e) => say(format!("watching SIGKILL: {e}")),
        Ok(_) => say("unexpected: SIGKILL accepted"),
    }
    Ok(())
}

fn panics_and_introspection(reactor: &Reactor) -> Result<(), Error> {
    println!("\n== 4. a panicking callback is a typed error; introspection says what keeps run() alive");
    reactor.defer(|_, _| panic!("a bug in a callback"));
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    match reactor.run() {
        Err(e @ Error::CallbackPanicked { .. }) => say(format!("run() returned: {e}")),
        other => say(format!("unexpected: {other:?}")),
    }
    std::panic::set_hook(default_hook);
    let forgotten = reactor.delay(Duration::from_secs(3600), |_, _| {});
    for alive in reactor.keep_alive_report() {
        say(format!("keeps run() alive: {alive}"));
    }
    say(format!("enabled delays: {}", reactor.info().of(WatcherKind::Delay).enabled));
    reactor.cancel(forgotten);
    Ok(())
}

fn tasks_and_forks(reactor: &Reactor) -> Result<(), Box<dyn std::error::Error>> {
    println!("\n== 5. tasks: spawn, block_on, sleep, spawn_blocking, a failing fork");
    let task = reactor.spawn(async {
        sleep(Duration::from_millis(2)).await;
        "a task slept 2 ms"
    });
    say(reactor.block_on(task)??);
    let sum = reactor.spawn_blocking(|| (1..=1_000_000u64).sum::<u64>())?;
    say(format!("spawn_blocking summed on a helper thread: {}", reactor.block_on(sum)??));
    reactor.fork(async {
        sleep(Duration::from_millis(1)).await;
        Err::<(), _>("the fork could not reach its server")
    });
    match reactor.run() {
        Err(e) => say(format!("run() returned the fork's error: {e}")),
        Ok(()) => say("unexpected: the fork's error was lost"),
    }
    Ok(())
}

fn tcp_echo(reactor: &Reactor) -> Result<(), Box<dyn std::error::Error>> {
    println!("\n== 6. async sockets: a TCP echo exchange on loopback");
    reactor.block_on(async {
        let listener = ampere_reactor::net::TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let server = ampere_reactor::spawn(async move {
            let (mut conn, peer) = listener.accept().await?;
            say(format!("server accepted {peer}"));
            let mut buf = [0u8; 64];
            let n = conn.read(&mut buf).await?;
            conn.write_all(&buf[..n]).await?;
            Ok::<_, std::io::Error>(())
        });
        let mut client = ampere_reactor::net::TcpStream::connect(addr).await?;
        client.write_all(b"echo me").await?;
        let mut buf = [0u8; 64];
        let n = client.read(&mut buf).await?;
        server.await??;
        say(format!("client got back {:?}", String::from_utf8_lossy(&buf[..n])));
        Ok::<_, Box<dyn std::error::Error>>(())
    })??;
    Ok(())
}

/// The child half of section 12: its stdin is a pipe from the tour.
fn child_reads_a_line() -> Result<(), Box<dyn std::error::Error>> {
    let reactor = Reactor::new()?;
    reactor.block_on(async {
        let line = ampere_reactor::read_line("").await?;
        ampere_reactor::echo(format!("child: read_line from a pipe gave {line:?}\n")).await
    })??;
    Ok(())
}

fn helpers(reactor: &Reactor) -> Result<(), Box<dyn std::error::Error>> {
    println!("\n== 12. helpers: read_line, echo, flock, file_get_contents");
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .env("AMPERE_TOUR_CHILD", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    child.stdin.take().expect("piped").write_all(b"a line through a pipe\n")?;
    let out = child.wait_with_output()?;
    say(String::from_utf8_lossy(&out.stdout).trim_end());
    reactor.block_on(ampere_reactor::echo("  (echo wrote this line without blocking the reactor)\n"))??;

    let path = std::env::temp_dir().join(format!("ampere-tour-{}.lock", std::process::id()));
    reactor.block_on(async {
        let lock = ampere_reactor::flock(&path, ampere_reactor::LockMode::Exclusive, None).await?;
        say(format!("took an exclusive lock on {}", lock.path().display()));
        lock.unlock()?;
        say("released it");
        Ok::<_, Box<dyn std::error::Error>>(())
    })??;
    let _ = std::fs::remove_file(&path);

    let server = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}/tour", server.local_addr()?);
    std::thread::spawn(move || {
        if let Ok((mut conn, _)) = server.accept() {
            let mut request = [0u8; 1024];
            let _ = conn.read(&mut request);
            let _ = conn.write_all(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\ntour!\r\n0\r\n\r\n",
            );
        }
    });
    let body = reactor.block_on(ampere_reactor::file_get_contents(&url))??;
    say(format!("fetched {url}: {:?} (a chunked body)", String::from_utf8_lossy(&body)));
    Ok(())
}

fn loops(reactor: &Reactor) -> Result<(), Box<dyn std::error::Error>> {
    println!("\n== 13. loops: a GenericLoop and a PeriodicLoop, resumed and stopped");
    let generic = LoopHandle::new(GenericLoop::new("generic", async |_this| {
        say("generic loop body ran; next: sleep an hour");
        Ok::<_, BoxError>(Next::Sleep(Duration::from_secs(3600)))
    }));
    let runs = Rc::new(Cell::new(0));
    let r = runs.clone();
    let periodic = LoopHandle::new(PeriodicLoop::new("periodic", Duration::from_millis(2), async move || {
        r.set(r.get() + 1);
        say(format!("periodic loop run #{} (every 2 ms)", r.get()));
    }));
    let (g_done, p_done) = (generic.start_on(reactor)?, periodic.start_on(reactor)?);
    reactor.block_on(async {
        sleep(Duration::from_millis(1)).await;
        say(format!("resume() woke the sleeping generic loop: {}", generic.resume()));
        sleep(Duration::from_millis(5)).await;
        generic.stop();
        periodic.stop();
        g_done.await?;
        p_done.await?;
        say(format!("both loops stopped; is_running: {} / {}", generic.is_running(), periodic.is_running()));
        Ok::<_, Box<dyn std::error::Error>>(())
    })??;
    Ok(())
}

fn combinators(reactor: &Reactor) -> Result<(), Error> {
    println!("\n== 14. combinators: all, any, some, first, timeout");
    async fn job(ms: u64, ok: bool) -> Result<u64, String> {
        sleep(Duration::from_millis(ms)).await;
        if ok {
            Ok(ms)
        } else {
            Err(format!("job {ms} failed"))
        }
    }
    let log = RefCell::new(Vec::new());
    reactor.block_on(async {
        let v = all([job(3, true), job(1, true), job(2, true)]).await;
        log.borrow_mut().push(format!("all: {v:?} (input order, not completion order)"));
        let (errors, values) = any([job(1, false), job(2, true)]).await;
        log.borrow_mut().push(format!("any: errors {errors:?}, values {values:?}"));
        let s = some([job(1, true), job(2, false), job(3, true), job(400, true)], 2).await;
        log.borrow_mut().push(format!("some(_, 2): {s:?} (the 400 ms job was dropped)"));
        let f = first([job(2, false), job(3, true), job(500, true)]).await;
        log.borrow_mut().push(format!("first: {f:?}"));
        let t = timeout(job(500, true), Duration::from_millis(5)).await;
        log.borrow_mut().push(format!("timeout(500 ms job, 5 ms): {:?}", t.map_err(|TimedOut| "TimedOut")));
    })?;
    for line in log.into_inner() {
        say(line);
    }
    Ok(())
}
