//! Level-triggered readable and writable watchers on socketpairs, pipes and loopback TCP.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use ampere_reactor::{Error, Reactor};
use ampere_tests::{socket_pair, Counter};

/// Runs ticks until a 10 ms timer fires: long enough for any spurious event to show up.
fn settle(reactor: &Reactor) {
    let done = Counter::new();
    let d = done.clone();
    reactor.delay(Duration::from_millis(10), move |_, _| d.bump());
    while done.get() == 0 {
        reactor.tick().unwrap();
    }
}

/// Reads one byte per call, counting calls, cancelling itself when the data is gone.
fn one_byte_reader(reactor: &Reactor, mut source: UnixStream, calls: Counter) {
    let fd = source.as_raw_fd();
    reactor
        .on_readable(&fd, move |h, id, _fd| {
            calls.bump();
            let mut b = [0u8; 1];
            match source.read(&mut b) {
                Ok(1) => {}
                _ => h.cancel(id),
            }
        })
        .unwrap();
}

#[test]
fn readable_fires_every_tick_while_data_is_pending() {
    let reactor = Reactor::new().unwrap();
    let (mut a, b) = socket_pair();
    a.write_all(b"abc").unwrap();
    let calls = Counter::new();
    one_byte_reader(&reactor, b, calls.clone());
    for expected in 1..=3 {
        reactor.tick().unwrap();
        assert_eq!(calls.get(), expected, "one call per tick while bytes remain");
    }
    settle(&reactor);
    // The fourth call found the socket empty (WouldBlock) only if the level was reported
    // falsely; a correct emulation does not call again once the data is consumed.
    assert_eq!(calls.get(), 3, "no call after the data was consumed");
}

#[test]
fn eof_and_hang_up_count_as_readable() {
    let reactor = Reactor::new().unwrap();
    let (a, mut b) = socket_pair();
    drop(a);
    let got = Counter::new();
    let g = got.clone();
    let fd = b.as_raw_fd();
    reactor
        .on_readable(&fd, move |h, id, _| {
            let mut buf = [0u8; 8];
            assert_eq!(b.read(&mut buf).unwrap(), 0, "EOF");
            g.bump();
            h.cancel(id);
        })
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(got.get(), 1);
}

#[test]
fn readable_works_on_pipes() {
    let reactor = Reactor::new().unwrap();
    let (mut rx, mut tx) = std::io::pipe().unwrap();
    tx.write_all(b"pipe").unwrap();
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let s = seen.clone();
    let fd = rx.as_raw_fd();
    reactor
        .on_readable(&fd, move |h, id, _| {
            let mut buf = [0u8; 16];
            let n = rx.read(&mut buf).unwrap();
            s.borrow_mut().extend_from_slice(&buf[..n]);
            h.cancel(id);
        })
        .unwrap();
    reactor.run().unwrap();
    assert_eq!(&*seen.borrow(), b"pipe");
}

#[test]
fn readable_and_writable_work_on_loopback_tcp() {
    let reactor = Reactor::new().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    server.set_nonblocking(true).unwrap();
    let mut writer = server.try_clone().unwrap();
    reactor
        .on_writable(&server, move |h, id, _| {
            writer.write_all(b"from the reactor").unwrap();
            h.cancel(id);
        })
        .unwrap();
    reactor.run().unwrap();
    let mut buf = [0u8; 16];
    client.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"from the reactor");
}

#[test]
fn writable_fires_every_tick_while_writable() {
    let reactor = Reactor::new().unwrap();
    let (a, _b) = socket_pair();
    let calls = Counter::new();
    let c = calls.clone();
    let id = reactor.on_writable(&a, move |_, _, _| c.bump()).unwrap();
    for _ in 0..5 {
        reactor.tick().unwrap();
    }
    assert_eq!(calls.get(), 5);
    reactor.cancel(id);
}

#[test]
fn a_disabled_writable_watcher_does_not_spin() {
    let reactor = Reactor::new().unwrap();
    let (a, _b) = socket_pair();
    let id = reactor.watch().disabled().on_writable(&a, |_, _, _| panic!("disabled")).unwrap();
    let enabled_then_disabled = reactor.on_writable(&a, |h, id, _| h.disable(id)).unwrap();
    let before = reactor.info().ticks;
    reactor.delay(Duration::from_millis(30), |_, _| {});
    reactor.run().unwrap();
    let ticks = reactor.info().ticks - before;
    assert!(ticks <= 4, "{ticks} ticks in 30 ms with only disabled writable watchers");
    reactor.cancel(id);
    reactor.cancel(enabled_then_disabled);
}

/// The registrations are level-triggered: a reader disabled while its data is still unread
/// must leave epoll, or the pending level would wake every poll; enabled again, it must see
/// the level that is still there.
#[test]
fn a_reader_disabled_with_data_pending_does_not_wake_the_loop() {
    let reactor = Reactor::new().unwrap();
    let (mut a, b) = socket_pair();
    a.write_all(b"unread").unwrap();
    let fired = Counter::new();
    let f = fired.clone();
    let reader = reactor
        .on_readable(&b, move |h, id, _| {
            f.bump();
            h.disable(id); // leaves the data unread
        })
        .unwrap();
    let before = reactor.info().ticks;
    reactor.delay(Duration::from_millis(30), |_, _| {});
    reactor.run().unwrap();
    let ticks = reactor.info().ticks - before;
    assert_eq!(fired.get(), 1, "fired once, then disabled");
    assert!(ticks <= 4, "{ticks} ticks in 30 ms with only a disabled reader on a readable fd");
    reactor.enable(reader).unwrap();
    reactor.tick().unwrap();
    reactor.tick().unwrap();
    assert_eq!(fired.get(), 2, "enabled again, the level is still there and is reported");
    reactor.cancel(reader);
}

#[test]
fn several_watchers_share_one_fd_and_fire_in_creation_order() {
    let reactor = Reactor::new().unwrap();
    let (mut a, b) = socket_pair();
    a.write_all(b"x").unwrap();
    let log = ampere_tests::Log::new();
    let mut ids = Vec::new();
    for n in 0..3 {
        let l = log.clone();
        ids.push(reactor.on_readable(&b, move |_, _, _| l.push(format!("r{n}"))).unwrap());
    }
    assert_eq!(reactor.info().watched_fds, 1, "one registration for the fd");
    reactor.tick().unwrap();
    assert_eq!(log.events(), ["r0", "r1", "r2"]);
    reactor.cancel(ids[1]);
    reactor.tick().unwrap();
    assert_eq!(log.events()[3..], ["r0", "r2"], "level-triggered: the byte is still there");
    reactor.cancel(ids[0]);
    reactor.cancel(ids[2]);
    assert_eq!(reactor.info().watched_fds, 0, "the last watcher out deregistered the fd");
}

#[test]
fn a_disabled_reader_misses_nothing_once_enabled_again() {
    let reactor = Reactor::new().unwrap();
    let (mut a, b) = socket_pair();
    let calls = Counter::new();
    let c = calls.clone();
    let id = reactor.on_readable(&b, move |_, _, _| c.bump()).unwrap();
    reactor.disable(id);
    a.write_all(b"while disabled").unwrap();
    settle(&reactor);
    assert_eq!(calls.get(), 0);
    reactor.enable(id).unwrap();
    reactor.tick().unwrap();
    assert_eq!(calls.get(), 1, "the data that arrived while disabled is reported");
    reactor.cancel(id);
}

#[test]
fn fds_the_poller_refuses_are_typed_errors() {
    let reactor = Reactor::new().unwrap();
    let file = std::fs::File::open("/proc/self/stat").or_else(|_| std::fs::File::open("Cargo.toml")).unwrap();
    match reactor.on_readable(&file, |_, _, _| {}) {
        Err(Error::Io(e)) => assert_eq!(e.raw_os_error(), Some(libc::EPERM), "{e}"),
        other => panic!("regular file: {other:?}"),
    }
    let closed: i32 = 1_000_000; // far above any open fd
    assert!(matches!(reactor.on_readable(&closed, |_, _, _| {}), Err(Error::Io(_))));
    assert_eq!(reactor.info().watchers(), 0, "failed creations leave nothing behind");
    assert_eq!(reactor.info().watched_fds, 0);
}

#[test]
fn cancel_then_close_leaves_no_registration_behind() {
    let reactor = Reactor::new().unwrap();
    for _ in 0..100 {
        let (a, b) = socket_pair();
        let r = reactor.on_readable(&b, |_, _, _| {}).unwrap();
        let w = reactor.on_writable(&a, |_, _, _| {}).unwrap();
        reactor.tick().unwrap();
        reactor.cancel(r);
        reactor.cancel(w);
        drop((a, b));
    }
    // The fd numbers were reused a hundred times: each new watcher registered cleanly.
    assert_eq!(reactor.info().watched_fds, 0);
}

#[test]
fn closing_a_watched_fd_is_a_clear_error_not_a_hang() {
    let reactor = Reactor::new().unwrap();
    let (mut a, b) = socket_pair();
    a.write_all(b"x").unwrap();
    let fd = b.as_raw_fd();
    let mut b = Some(b);
    let id = reactor
        .on_readable(&fd, move |_, _, _| {
            drop(b.take()); // closes the fd without cancelling the watcher
        })
        .unwrap();
    match reactor.run() {
        Err(Error::Io(e)) => assert!(e.to_string().contains("closed while watched"), "{e}"),
        other => panic!("expected a clear I/O error, got {other:?}"),
    }
    assert!(!reactor.is_enabled(id).unwrap(), "the watcher was disabled");
    reactor.run().unwrap(); // and nothing keeps the reactor alive any more
    reactor.cancel(id);
}
