//! fds gone wrong: closed under a live watcher, reused by a new socket, or run out of.

use super::*;

/// The watcher's fd is closed, but the file lives on in a dup: epoll keeps reporting it.
pub(crate) fn a_closed_fd_whose_file_lives_on_is_a_clear_error_not_a_spin() {
    let reactor = Reactor::new().unwrap();
    let (a, b) = socket_pair();
    let keep = b.try_clone().unwrap();
    let fd = b.as_raw_fd();
    (&a).write_all(b"x").unwrap();
    let calls = Counter::new();
    let c = calls.clone();
    let id = reactor.on_readable(&b, move |_, _, _| c.bump()).unwrap();
    drop(b);
    let cpu = thread_cpu_time();
    let err = match timeout_run(&reactor, Duration::from_secs(3)) {
        Err(Error::Io(e)) => e.to_string(),
        other => panic!("expected an I/O error naming fd {fd}, got {other:?}"),
    };
    assert!(err.contains(&format!("fd {fd}")) && err.contains("closed"), "{err}");
    assert!(!reactor.is_enabled(id).unwrap(), "its watcher was disabled");
    reactor.run().unwrap(); // nothing keeps it alive any more: returns, no hang
    let used = thread_cpu_time() - cpu;
    assert!(used < Duration::from_millis(200) * slowdown(), "{used:?} of CPU: a spin");
    assert!(calls.get() <= 1);
    reactor.cancel(id);
    drop((a, keep));
    injected("fds closed under a live watcher (file kept open elsewhere)", 1);
    figure("error", err);
}

/// The watcher's fd is closed and nothing else holds the file: epoll forgets it silently.
pub(crate) fn a_closed_fd_whose_watcher_was_never_cancelled_is_a_clear_error_not_a_hang() {
    let outcome = on_a_thread_within(Duration::from_secs(5), || {
        let reactor = Reactor::new().unwrap();
        let (a, b) = socket_pair();
        let fd = b.as_raw_fd();
        (&a).write_all(b"x").unwrap();
        reactor.on_readable(&b, |_, _, _| {}).unwrap();
        drop(b);
        let out = reactor.run();
        (fd, format!("{out:?}"), reactor.is_alive())
    });
    let (fd, out, alive) = outcome.expect("run() never returned: a watched fd closed without cancel hangs the loop");
    assert!(out.contains(&format!("fd {fd}")), "run() returned {out}, which does not name fd {fd}");
    assert!(!alive, "the dead watcher no longer keeps the loop alive");
}

/// The watcher's fd is closed and the number reused by a new socket.
pub(crate) fn a_reused_fd_number_gives_a_working_watcher_or_a_clear_error() {
    let reactor = Reactor::new().unwrap();
    let (a, b) = socket_pair();
    let old = reactor.on_readable(&b, |_, _, _| {}).unwrap();
    let fd = b.as_raw_fd();
    drop((a, b));
    let (c, d) = socket_pair();
    let reused = if c.as_raw_fd() == fd { &c } else { &d };
    assert_eq!(reused.as_raw_fd(), fd, "the number was reused");
    let other = if c.as_raw_fd() == fd { &d } else { &c };
    let fired = Counter::new();
    let f = fired.clone();
    match reactor.on_readable(reused, move |_, _, _| f.bump()) {
        Ok(id) => {
            other.try_clone().unwrap().write_all(b"x").unwrap();
            // The watcher left on the closed fd (`old`) comes out of the next tick first
            // (#15, see `stale_fds.rs`); then the new watcher fires.
            let stale = reactor.tick().expect_err("the stale watcher is reported").to_string();
            assert!(stale.contains(&format!("fd {fd}")), "{stale}");
            reactor.tick().unwrap();
            assert_eq!(fired.get(), 1, "the new watcher works");
            reactor.cancel(id);
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains(&format!("fd {fd}")), "a watcher on a reused fd number failed with {msg:?}");
        }
    }
    reactor.cancel(old);
}

/// Restores the soft fd limit when dropped.
struct FdLimit(u64);

impl Drop for FdLimit {
    fn drop(&mut self) {
        assert!(ampere_tests::set_fd_limit(self.0));
    }
}

pub(crate) fn accept_out_of_fds_is_a_typed_error_and_the_listener_recovers() {
    if ampere_tests::under_valgrind() {
        // Valgrind keeps fds of its own at the top of the range and emulates the limit.
        println!("    SKIPPED under valgrind: it emulates RLIMIT_NOFILE itself");
        return;
    }
    let reactor = Reactor::new().unwrap();
    let clients = 5;
    let accepted = reactor
        .block_on(async {
            let (listener, addr) = listener();
            // Connections wait in the backlog; the kernel completed their handshakes.
            let waiting: Vec<std::net::TcpStream> =
                (0..clients).map(|_| std::net::TcpStream::connect(addr).unwrap()).collect();
            let soft = ampere_tests::raise_fd_limit(0);
            let lowest_free = std::fs::File::open("/dev/null").unwrap().as_raw_fd() as u64;
            let errors = {
                let _restore = FdLimit(soft);
                assert!(ampere_tests::set_fd_limit(lowest_free), "lowering the fd limit");
                let mut errors = Vec::new();
                for _ in 0..3 {
                    match listener.accept().await {
                        Err(e) => errors.push(e.raw_os_error()),
                        Ok(_) => panic!("accepted with no fd to spare"),
                    }
                    sleep(Duration::from_millis(1)).await;
                }
                // Other fd-creating calls fail typed, too.
                assert!(matches!(Reactor::new(), Err(Error::Io(_))));
                assert!(TcpStream::connect(addr).await.is_err());
                errors
            };
            assert!(errors.iter().all(|e| *e == Some(libc::EMFILE)), "{errors:?}");
            let mut accepted = Vec::new();
            for _ in 0..clients {
                accepted.push(listener.accept().await?);
            }
            drop(waiting);
            Ok::<_, io::Error>(accepted.len())
        })
        .unwrap()
        .unwrap();
    assert_eq!(accepted, clients, "every waiting connection was accepted once fds were back");
    injected("accepts and connects out of fds (EMFILE)", 5);
}
