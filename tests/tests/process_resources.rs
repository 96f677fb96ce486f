//! Process-wide resources: fds and threads. These counts are per process, so the cases run
//! one after another from `main` (`harness = false`), with nothing else running.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::time::Duration;

use ampere_reactor::net::{TcpListener, TcpStream};
use ampere_reactor::Reactor;
use ampere_tests::{fd_count, thread_count};
use futures_io::AsyncWrite;

fn no_thread_is_started_that_the_user_did_not_ask_for() {
    let before = thread_count();
    let reactor = Reactor::new().unwrap();
    reactor.delay(Duration::from_millis(1), |_, _| {});
    reactor.block_on(ampere_reactor::sleep(Duration::from_millis(2))).unwrap();
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    let id = reactor.on_readable(&b, |_, _, _| {}).unwrap();
    reactor.cancel(id);
    drop((a, b));
    assert_eq!(ampere_reactor::blocking_threads(), 0);
    assert_eq!(thread_count(), before, "watchers, timers, tasks and I/O run on the caller's thread");
    // spawn_blocking starts helper threads on demand, and only then.
    let job = reactor.spawn_blocking(|| 1).unwrap();
    assert_eq!(reactor.block_on(job).unwrap(), Ok(1));
    assert!(ampere_reactor::blocking_threads() >= 1);
}

fn ten_thousand_connections_leak_no_fds() {
    let reactor = Reactor::new().unwrap();
    let before = fd_count();
    reactor
        .block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0")?;
            let addr = listener.local_addr()?;
            for _ in 0..10_000 {
                let mut client = TcpStream::connect(addr).await?;
                let (server_side, _) = listener.accept().await?;
                poll_fn(|cx| Pin::new(&mut client).poll_write(cx, b"x")).await?;
                drop(client);
                drop(server_side);
            }
            Ok::<_, io::Error>(())
        })
        .unwrap()
        .unwrap();
    assert_eq!(fd_count(), before, "every fd was closed");
}

fn dropping_a_reactor_closes_its_fds() {
    let before = fd_count();
    for _ in 0..100 {
        let reactor = Reactor::new().unwrap();
        reactor.on_signal(libc::SIGUSR2, |_, _, _| {}).unwrap();
        reactor.delay(Duration::from_secs(1), |_, _| {});
    }
    assert_eq!(fd_count(), before, "epoll, waker, timerfd and signal pipe fds were closed");
}

fn main() {
    let cases: &[(&str, fn())] = &[
        ("ten_thousand_connections_leak_no_fds", ten_thousand_connections_leak_no_fds),
        ("dropping_a_reactor_closes_its_fds", dropping_a_reactor_closes_its_fds),
        // Last: a blocking job's closure (holding the reactor's waker fd) is dropped on the
        // helper thread a moment after its result arrives, which would skew fd counts above.
        ("no_thread_is_started_that_the_user_did_not_ask_for", no_thread_is_started_that_the_user_did_not_ask_for),
    ];
    for (name, case) in cases {
        print!("test {name} ... ");
        case();
        println!("ok");
    }
    println!("\n{} passed, 0 failed", cases.len());
}
