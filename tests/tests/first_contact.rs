//! The traps a new user met (issue 16), each shown closed: sockets made before `block_on`,
//! detached tasks' panics, one client's reset, addresses as strings, timeouts in tokio's
//! order.

use std::cell::RefCell;
use std::io;
use std::time::Duration;

use ampere_reactor::net::{TcpListener, TcpStream, UdpSocket};
use ampere_reactor::prelude::*;
use ampere_reactor::{Error, Handle, Reactor, TimedOut};

// ---- a logger that keeps each thread's records to itself (tests run in parallel) ----

struct Capture;

thread_local! {
    static RECORDS: RefCell<Vec<(log::Level, String)>> = const { RefCell::new(Vec::new()) };
}

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let _ = RECORDS.try_with(|r| r.borrow_mut().push((record.level(), record.args().to_string())));
    }
    fn flush(&self) {}
}

/// Installs the capturing logger (once per process) and empties this thread's records.
fn capture_logs() {
    static LOGGER: Capture = Capture;
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(log::LevelFilter::Trace);
    RECORDS.with(|r| r.borrow_mut().clear());
}

fn errors_logged() -> Vec<String> {
    RECORDS.with(|r| r.borrow().iter().filter(|(l, _)| *l == log::Level::Error).map(|(_, m)| m.clone()).collect())
}

// ---- 1. no silent default reactor ----

#[test]
fn socket_made_before_block_on_registers_with_the_reactor_made_first() {
    let reactor = Reactor::new().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = reactor
        .block_on(async move {
            let client = spawn(TcpStream::connect(addr));
            let (_server_side, _) = listener.accept().await?;
            client.await.map_err(io::Error::other)??;
            Ok::<_, io::Error>(true)
        })
        .expect("not WouldNeverComplete: the listener is on this reactor")
        .unwrap();
    assert!(accepted);
}

#[test]
fn the_newest_live_reactor_is_current_until_it_is_dropped() {
    let outer = Reactor::new().unwrap();
    let inner = Reactor::new().unwrap();
    assert!(Handle::current().unwrap().same_reactor(&inner));
    drop(inner);
    assert!(Handle::current().unwrap().same_reactor(&outer));
}

#[test]
fn an_enter_guard_makes_its_reactor_current_while_it_lives() {
    let first = Reactor::new().unwrap();
    let second = Reactor::new().unwrap();
    {
        let _guard = first.enter();
        assert!(Handle::current().unwrap().same_reactor(&first));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        first
            .block_on(async move {
                let client = spawn(TcpStream::connect(addr));
                listener.accept().await.unwrap();
                client.await.unwrap().unwrap();
            })
            .unwrap();
    }
    assert!(Handle::current().unwrap().same_reactor(&second));
}

#[test]
fn free_functions_without_any_reactor_use_the_threads_default_one() {
    std::thread::spawn(|| {
        let ran = std::rc::Rc::new(std::cell::Cell::new(false));
        let r = ran.clone();
        ampere_reactor::defer(move |_, _| r.set(true)).unwrap();
        ampere_reactor::run().unwrap();
        assert!(ran.get());
    })
    .join()
    .unwrap();
}

#[test]
fn would_never_complete_names_another_reactor_as_the_likely_cause() {
    let other = Reactor::new().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap(); // on `other`
    let driven = Reactor::new().unwrap();
    let err = driven.block_on(async move { listener.accept().await }).unwrap_err();
    assert!(matches!(err, Error::WouldNeverComplete));
    assert!(err.to_string().contains("another reactor"), "{err}");
    drop(other);
}

// ---- 2. no lost errors ----

#[test]
fn a_detached_tasks_panic_is_logged_with_where_it_was_spawned_and_run_goes_on() {
    capture_logs();
    let reactor = Reactor::new().unwrap();
    let line = line!() + 1;
    let task = reactor.spawn(async { panic!("lost in the dark") });
    drop(task); // detached
    let after = reactor.spawn(async { 7 });
    assert_eq!(reactor.block_on(after).unwrap(), Ok(7), "the reactor went on");
    let errors = errors_logged();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("lost in the dark"), "{}", errors[0]);
    assert!(errors[0].contains(&format!("{}:{line}", file!())), "{}", errors[0]);
}

#[test]
fn a_detached_tasks_panic_goes_to_the_error_handler_when_one_is_set() {
    capture_logs();
    let reactor = Reactor::new().unwrap();
    let seen = std::rc::Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    reactor.set_error_handler(move |e| s.borrow_mut().push(e.to_string()));
    drop(reactor.spawn(async { panic!("handled") }));
    reactor.run().unwrap();
    assert_eq!(seen.borrow().len(), 1);
    assert!(seen.borrow()[0].contains("handled"));
    assert!(errors_logged().is_empty(), "the handler took it: nothing logged");
}

#[test]
fn an_awaited_tasks_panic_is_its_awaiters_not_logged() {
    capture_logs();
    let reactor = Reactor::new().unwrap();
    let task = reactor.spawn(async { panic!("mine") });
    assert!(reactor.block_on(task).unwrap().is_err());
    assert!(errors_logged().is_empty());
}

/// The server of the docs (`spawn`'s example): each connection's error is logged, the
/// server keeps accepting.
async fn handle(stream: TcpStream) -> io::Result<()> {
    let mut lines = BufReader::new(&stream).lines();
    while let Some(line) = lines.next().await {
        (&stream).write_all(format!("{}\n", line?).as_bytes()).await?;
    }
    Ok(())
}

async fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        spawn(async move {
            if let Err(e) = handle(stream).await {
                log::warn!("{peer}: {e}");
            }
        });
    }
}

async fn echo_once(addr: std::net::SocketAddr, text: &str) -> io::Result<String> {
    let mut client = TcpStream::connect(addr).await?;
    client.write_all(format!("{text}\n").as_bytes()).await?;
    let mut reply = String::new();
    BufReader::new(&mut client).read_line(&mut reply).await?;
    Ok(reply)
}

#[test]
fn a_reset_client_does_not_end_a_server_written_as_the_docs_show() {
    let reactor = Reactor::new().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = reactor.spawn(serve(listener));
    reactor
        .block_on(async move {
            // Leave the echo unread and close: the kernel resets the connection.
            let mut rude = TcpStream::connect(addr).await?;
            rude.write_all(b"first\nsecond\n").await?;
            sleep(Duration::from_millis(5)).await;
            drop(rude);
            sleep(Duration::from_millis(5)).await;
            assert_eq!(echo_once(addr, "still here").await?, "still here\n");
            Ok::<_, io::Error>(())
        })
        .unwrap()
        .unwrap();
    assert!(!server.is_finished(), "the server is still accepting");
    server.abort();
}

// ---- 4. addresses like the standard library ----

#[test]
fn bind_and_connect_take_strings_and_host_port_pairs() {
    let reactor = Reactor::new().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = reactor.spawn(serve(listener));
    reactor
        .block_on(async move {
            let by_string = TcpStream::connect(format!("localhost:{port}")).await?;
            let by_pair = TcpStream::connect(("127.0.0.1", port)).await?;
            assert_eq!(by_string.peer_addr()?.port(), port);
            assert_eq!(by_pair.peer_addr()?.port(), port);
            Ok::<_, io::Error>(())
        })
        .unwrap()
        .unwrap();
    server.abort();
}

#[test]
fn bind_refuses_a_name_that_needs_a_lookup_with_invalid_input() {
    let _reactor = Reactor::new().unwrap();
    let e = TcpListener::bind("example.invalid:80").unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    let e = UdpSocket::bind("no port here").unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn udp_send_to_takes_a_string_address() {
    let reactor = Reactor::new().unwrap();
    let a = UdpSocket::bind(("127.0.0.1", 0)).unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = format!("localhost:{}", b.local_addr().unwrap().port());
    let got = reactor
        .block_on(async move {
            a.send_to(b"hi", to.as_str()).await?;
            let mut buf = [0; 4];
            let (n, _) = b.recv_from(&mut buf).await?;
            Ok::<_, io::Error>(buf[..n].to_vec())
        })
        .unwrap()
        .unwrap();
    assert_eq!(got, b"hi");
}

// ---- 6. timeouts in tokio's order ----

#[test]
fn timeout_takes_the_duration_first_and_times_out_into_an_io_error() {
    let reactor = Reactor::new().unwrap();
    let out = reactor.block_on(timeout(Duration::from_millis(1), std::future::pending::<()>())).unwrap();
    assert_eq!(out, Err(TimedOut));
    let as_io: io::Error = out.unwrap_err().into();
    assert_eq!(as_io.kind(), io::ErrorKind::TimedOut);
    let fast = reactor.block_on(async { 5 }.timeout(Duration::from_secs(60))).unwrap();
    assert_eq!(fast, Ok(5));
    let amp_order = reactor.block_on(ampere_combinators::timeout(std::future::pending::<()>(), Duration::ZERO));
    let e: io::Error = amp_order.unwrap().unwrap_err().into();
    assert_eq!(e.kind(), io::ErrorKind::TimedOut);
}

// ---- 8. the free spawn returns a JoinHandle ----

#[test]
fn the_free_spawn_returns_a_join_handle() {
    let reactor = Reactor::new().unwrap();
    let out = reactor.block_on(async { spawn(async { 6 * 7 }).await }).unwrap();
    assert_eq!(out, Ok(42));
}
