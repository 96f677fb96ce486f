//! fds that cannot be watched, addresses that cannot be used, and empty buffers.

use super::*;

/// fds that name nothing a poller can watch.
fn bad_fds() -> Vec<(&'static str, RawFd, i32)> {
    vec![
        ("-1", -1, libc::EBADF),
        ("i32::MIN", i32::MIN, libc::EBADF),
        ("i32::MAX", i32::MAX, libc::EBADF),
        ("a closed fd", 1_000_000, libc::EBADF),
    ]
}

pub(crate) fn invalid_fds_are_typed_errors_for_every_watcher_kind_and_leave_nothing_behind() {
    let reactor = Reactor::new().unwrap();
    let file = std::fs::File::open("/proc/self/status").unwrap();
    let dir = std::fs::File::open("/").unwrap();
    let null = std::fs::File::open("/dev/null").unwrap();
    let mut cases = bad_fds();
    cases.push(("a regular file", file.as_raw_fd(), libc::EPERM));
    cases.push(("a directory", dir.as_raw_fd(), libc::EPERM));
    cases.push(("/dev/null", null.as_raw_fd(), libc::EPERM));
    for (what, fd, errno) in &cases {
        for writable in [false, true] {
            let watch = reactor.watch().unreferenced();
            let got = if writable { watch.on_writable(fd, |_, _, _| {}) } else { watch.on_readable(fd, |_, _, _| {}) };
            match got {
                Err(Error::Io(e)) => assert_eq!(e.raw_os_error(), Some(*errno), "{what}: {e}"),
                other => panic!("{what} (writable: {writable}): {other:?}"),
            }
            let free = if writable {
                ampere_reactor::on_writable(fd, |_, _, _| {})
            } else {
                ampere_reactor::on_readable(fd, |_, _, _| {})
            };
            assert!(matches!(free, Err(Error::Io(_))), "{what} via the free function: {free:?}");
        }
    }
    let info = reactor.info();
    assert_eq!((info.watchers(), info.watched_fds), (0, 0), "failed creations leave nothing behind");
    tried(4 * cases.len());
}

pub(crate) fn a_watcher_created_disabled_on_a_bad_fd_fails_at_enable_and_stays_disabled() {
    let reactor = Reactor::new().unwrap();
    for (what, fd, errno) in bad_fds() {
        // Created disabled, the watcher does not touch the poller: creation succeeds.
        let id = reactor.watch().disabled().on_readable(&fd, |_, _, _| panic!("fired")).unwrap();
        match reactor.enable(id) {
            Err(Error::Io(e)) => assert_eq!(e.raw_os_error(), Some(errno), "{what}: {e}"),
            other => panic!("{what}: enable gave {other:?}"),
        }
        assert!(!reactor.is_enabled(id).unwrap(), "{what}: it stays disabled");
        assert!(!reactor.is_alive(), "{what}: and keeps nothing alive");
        reactor.cancel(id);
    }
    assert_eq!((reactor.info().watchers(), reactor.info().watched_fds), (0, 0));
    tried(bad_fds().len());
}

pub(crate) fn async_io_and_sockets_refuse_bad_fds_and_addresses_with_typed_errors() {
    let reactor = Reactor::new().unwrap();
    let h = reactor.handle();
    for (what, fd, errno) in bad_fds() {
        match Async::with_handle(&h, fd) {
            Err(e) => assert_eq!(e.raw_os_error(), Some(errno), "{what}: {e}"),
            Ok(_) => panic!("Async::with_handle({what}) succeeded"),
        }
    }
    let file = std::fs::File::open("/proc/self/status").unwrap();
    let e = Async::with_handle(&h, file).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EPERM), "{e}");
    reactor
        .block_on(async {
            // Addresses: not local, in use, nothing listening, empty and over-long paths.
            let e = TcpListener::bind("192.0.2.1:0").unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::AddrNotAvailable, "{e}");
            let taken = TcpListener::bind("127.0.0.1:0").unwrap();
            let e = TcpListener::bind(taken.local_addr().unwrap()).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::AddrInUse, "{e}");
            assert!(TcpStream::connect("127.0.0.1:0").await.is_err());
            let e = UnixStream::connect("/nonexistent/ampere.sock").await.unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::NotFound, "{e}");
            let long = format!("/tmp/{}", "x".repeat(200));
            assert!(UnixListener::bind(&long).is_err(), "a path longer than sun_path");
            assert!(UnixStream::connect(&long).await.is_err());
            assert!(UnixListener::bind("/nonexistent/dir/ampere.sock").is_err());
            let e = UdpSocket::bind("192.0.2.1:0").unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::AddrNotAvailable, "{e}");
        })
        .unwrap();
    assert_eq!(reactor.info().watchers(), 0);
    tried(bad_fds().len() + 9);
}

pub(crate) fn empty_buffers_and_datagrams_are_handled_without_false_eof_or_spin() {
    let reactor = Reactor::new().unwrap();
    reactor
        .block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            // Writing nothing is done at once.
            assert_eq!((&a).write(&[]).await.unwrap(), 0);
            (&a).write_all(&[]).await.unwrap();
            assert_eq!((&server).write(&[]).await.unwrap(), 0);
            // Reading into nothing on an open, idle socket: no `Ok(0)`, which would read as EOF
            // (the kernel says "would block"); it completes once the peer has gone.
            let cpu = ampere_tests::thread_cpu_time();
            assert!(matches!(timeout((&b).read(&mut []), Duration::from_millis(20)).await, Err(TimedOut)));
            assert!(matches!(timeout((&client).read(&mut []), Duration::from_millis(20)).await, Err(TimedOut)));
            assert!(
                ampere_tests::thread_cpu_time() - cpu < Duration::from_millis(30) * slowdown(),
                "waiting did not spin"
            );
            drop(a);
            assert_eq!((&b).read(&mut []).await.unwrap(), 0);
            // An empty datagram is a datagram.
            let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
            udp.connect(udp.local_addr().unwrap()).unwrap();
            assert_eq!(udp.send(&[]).await.unwrap(), 0);
            assert_eq!(udp.recv(&mut [0u8; 8]).await.unwrap(), 0);
            let (n, from) = {
                udp.send_to(&[], udp.local_addr().unwrap()).await.unwrap();
                udp.recv_from(&mut []).await.unwrap()
            };
            assert_eq!((n, from), (0, udp.local_addr().unwrap()));
            ampere_reactor::echo(b"").await.unwrap();
        })
        .unwrap();
    assert_eq!(reactor.info().watchers(), 0);
    tried(10);
}
