//! A busy fd costs no syscall per event beyond the reads and writes its callbacks make, and a
//! closed fd whose file lives on in a dup is still caught (#18).
//!
//! On a busy connection the socket is ready again in nearly every tick (the peer's next
//! message arrives while the tick serves the last one), which is also what a closed fd kept
//! open by a dup looks like: a level reported tick after tick. Only a syscall tells them
//! apart, so the reactor checks such repeats at a rate that falls as the fd passes checks.
//! `ReactorInfo::epoll_ctl_calls` counts what that costs.

use std::cell::RefCell;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::rc::Rc;

use ampere_reactor::{Error, Reactor, WatcherId};
use ampere_tests::{socket_pair, Counter};

/// Round trips per case: the old rule made one `epoll_ctl` per round trip or more.
const ROUNDS: usize = 10_000;

/// The most `epoll_ctl` calls a busy fd may make over [`ROUNDS`] round trips: a few while it
/// earns trust, then about one per thousand ticks it is ready in.
const BUDGET: u64 = (ROUNDS / 200) as u64;

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\n\r\n";
const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

/// Reads everything `s` holds: the bytes read, `None` at EOF or an error.
fn drain(mut s: &UnixStream) -> Option<usize> {
    let (mut buf, mut total) = ([0u8; 256], 0);
    loop {
        match s.read(&mut buf) {
            Ok(0) => return None,
            Ok(n) => total += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Some(total),
            Err(_) => return None,
        }
    }
}

/// A readable watcher on `server` that reads everything, then (standing in for a peer that
/// answers at once) sends the next request from `client`: the fd is ready in every tick, a
/// new level each time, for [`ROUNDS`] round trips. Returns the watcher and the round trips
/// made so far.
fn busy_reader(
    reactor: &Reactor,
    server: &Rc<RefCell<Option<UnixStream>>>,
    client: UnixStream,
) -> (WatcherId, Counter) {
    let rounds = Counter::new();
    let r = rounds.clone();
    let fd = server.borrow().as_ref().unwrap().as_raw_fd();
    let s = server.clone();
    (&client).write_all(REQUEST).unwrap();
    let id = reactor
        .on_readable(&fd, move |_, _, _| {
            // Once the test closed the server end, nothing here can consume the level.
            let Some(Some(n)) = s.borrow().as_ref().map(drain) else { return };
            if n > 0 && r.get() < ROUNDS {
                r.bump();
                (&client).write_all(REQUEST).unwrap();
            }
        })
        .unwrap();
    (id, rounds)
}

#[test]
fn a_busy_readable_fd_makes_no_epoll_ctl_per_event() {
    let reactor = Reactor::new().unwrap();
    let (client, server) = socket_pair();
    let before = reactor.info();
    let (_, rounds) = busy_reader(&reactor, &Rc::new(RefCell::new(Some(server))), client);
    while rounds.get() < ROUNDS {
        reactor.tick().unwrap();
    }
    let info = reactor.info();
    let ticks = info.ticks - before.ticks;
    assert!(ticks >= ROUNDS as u64, "the fd was ready in {ticks} consecutive ticks");
    let calls = info.epoll_ctl_calls - before.epoll_ctl_calls;
    assert!(calls <= BUDGET, "{calls} epoll_ctl calls over {ROUNDS} round trips of a busy fd");
}

/// Ping-pong with a peer on another thread: the reactor waits in every tick, and each wake
/// is the fd again (the tick right after the last), with a level the callback has not seen.
#[test]
fn ping_pong_with_a_peer_thread_makes_no_epoll_ctl_per_round_trip() {
    let reactor = Reactor::new().unwrap();
    let (client, server) = socket_pair();
    client.set_nonblocking(false).unwrap();
    let peer = std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        // Echoes until the reactor's end closes.
        while let Ok(n @ 1..) = (&client).read(&mut buf) {
            (&client).write_all(&buf[..n]).unwrap();
        }
    });
    let before = reactor.info();
    let rounds = Counter::new();
    let r = rounds.clone();
    let server = Rc::new(server);
    let s = server.clone();
    let id = reactor
        .on_readable(&server.as_raw_fd(), move |h, id, _| {
            if drain(&s).is_some_and(|n| n > 0) {
                r.bump();
                match r.get() < ROUNDS {
                    true => (&*s).write_all(b"ping").unwrap(),
                    false => h.cancel(id),
                }
            }
        })
        .unwrap();
    (&*server).write_all(b"ping").unwrap();
    reactor.run().unwrap();
    let calls = reactor.info().epoll_ctl_calls - before.epoll_ctl_calls;
    assert_eq!(rounds.get(), ROUNDS);
    assert!(calls <= BUDGET, "{calls} epoll_ctl calls over {ROUNDS} round trips with a peer thread");
    reactor.cancel(id);
    drop(server);
    peer.join().unwrap();
}

/// A keep-alive connection: the server end has a readable watcher (reads the request, queues
/// the response) and a writable one left enabled (writes what is queued; a socket with room
/// is writable in every tick, a level that really persists); the client end a readable
/// watcher that reads the response and sends the next request.
#[test]
fn a_keep_alive_connection_with_readable_and_writable_watchers_makes_no_epoll_ctl_per_request() {
    let reactor = Reactor::new().unwrap();
    let (client, server) = socket_pair();
    let before = reactor.info();
    let (server, client) = (Rc::new(server), Rc::new(client));
    let out = Rc::new(RefCell::new(Vec::new()));
    let (s, o) = (server.clone(), out.clone());
    let reader = reactor
        .on_readable(&server.as_raw_fd(), move |_, _, _| {
            if drain(&s).is_some_and(|n| n > 0) {
                o.borrow_mut().extend_from_slice(RESPONSE);
            }
        })
        .unwrap();
    let (s, o) = (server.clone(), out.clone());
    let writer = reactor
        .on_writable(&server.as_raw_fd(), move |_, _, _| {
            let mut o = o.borrow_mut();
            if !o.is_empty() {
                let n = (&*s).write(&o).unwrap();
                o.drain(..n);
            }
        })
        .unwrap();
    let rounds = Counter::new();
    let (c, r) = (client.clone(), rounds.clone());
    let answers = reactor
        .on_readable(&client.as_raw_fd(), move |_, _, _| {
            if drain(&c).is_some_and(|n| n > 0) && r.get() < ROUNDS {
                r.bump();
                (&*c).write_all(REQUEST).unwrap();
            }
        })
        .unwrap();
    (&*client).write_all(REQUEST).unwrap();
    while rounds.get() < ROUNDS {
        reactor.tick().unwrap();
    }
    let info = reactor.info();
    let calls = info.epoll_ctl_calls - before.epoll_ctl_calls;
    // Setting up: one registration per fd, and one change when the writer joins the reader.
    assert!(calls <= BUDGET + 3, "{calls} epoll_ctl calls over {ROUNDS} keep-alive requests");
    for id in [reader, writer, answers] {
        reactor.cancel(id);
    }
}

/// The case the checks exist for, after the fd earned the reactor's trust: closed while a
/// dup keeps its file open with data pending, so epoll goes on reporting it under the
/// watcher's token and the callback can never consume the level.
#[test]
fn a_busy_fd_closed_while_a_dup_keeps_its_file_open_is_still_caught() {
    let reactor = Reactor::new().unwrap();
    let (client, server) = socket_pair();
    let peer = client.try_clone().unwrap();
    let server = Rc::new(RefCell::new(Some(server)));
    let fd = server.borrow().as_ref().unwrap().as_raw_fd();
    let (id, rounds) = busy_reader(&reactor, &server, client);
    while rounds.get() < ROUNDS {
        reactor.tick().unwrap();
    }
    let dup = server.borrow().as_ref().unwrap().try_clone().unwrap();
    drop(server.borrow_mut().take()); // closed without cancelling its watcher: the user error
    (&peer).write_all(b"pending").unwrap();
    let mut ticks = 0;
    let err = loop {
        ticks += 1;
        // A generous bound: the checks of an fd that passed many come once per 1024 repeats.
        assert!(ticks <= 2 * 1024, "the closed fd spun {ticks} ticks without being caught");
        match reactor.tick() {
            Ok(()) => {}
            Err(Error::Io(e)) => break e.to_string(),
            Err(e) => panic!("expected an I/O error naming fd {fd}, got {e}"),
        }
    };
    assert!(err.contains(&format!("fd {fd}")) && err.contains("closed"), "{err}");
    assert!(!reactor.is_enabled(id).unwrap(), "its watcher was disabled");
    reactor.run().unwrap(); // nothing keeps it alive any more: returns, no spin
    reactor.cancel(id);
    drop((dup, peer));
}
