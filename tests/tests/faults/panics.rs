//! Panics: callbacks that panic every few calls, tasks that panic while holding watchers,
//! and an error handler that panics itself.

use super::*;

pub(crate) fn a_callback_that_panics_every_nth_call_loses_no_work() {
    let bytes = scaled(1_000, 100_000, 1_000);
    let repeats = scaled(500, 50_000, 500);
    let defers = scaled(300, 30_000, 300);
    for with_handler in [false, true] {
        let reactor = Reactor::new().unwrap();
        let handled = Counter::new();
        if with_handler {
            let hd = handled.clone();
            reactor.set_error_handler(move |e| {
                assert!(matches!(e, Error::CallbackPanicked { .. }), "{e}");
                hd.bump();
            });
        }
        let drops = Counter::new();
        // A level-triggered reader, one byte per call, panicking every 7th call.
        let (a, b) = socket_pair();
        (&a).write_all(&bytes_of(1, bytes)).unwrap();
        let (read, guard) = (Counter::new(), DropCounter(drops.clone()));
        let r = read.clone();
        let fd = b.as_raw_fd();
        reactor
            .on_readable(&fd, move |h, id, _| {
                let _keep = (&guard, &a);
                let mut byte = [0u8; 1];
                (&b).read_exact(&mut byte).unwrap();
                assert_eq!(byte[0], pattern(1, r.get()), "no byte lost or repeated");
                r.bump();
                if r.get() == bytes {
                    h.cancel(id);
                }
                if r.get().is_multiple_of(7) {
                    panic!("reader call {} {ON_PURPOSE}", r.get());
                }
            })
            .unwrap();
        // A zero-interval repeat panicking every 5th call.
        let (fired, guard) = (Counter::new(), DropCounter(drops.clone()));
        let f = fired.clone();
        reactor.repeat(Duration::ZERO, move |h, id| {
            let _keep = &guard;
            f.bump();
            if f.get() == repeats {
                h.cancel(id);
            }
            if f.get().is_multiple_of(5) {
                panic!("repeat call {} {ON_PURPOSE}", f.get());
            }
        });
        // A chain of defers, each deferring the next, every 3rd panicking after it deferred.
        let deferred = Counter::new();
        fn chain(h: &Handle, left: usize, count: Counter, guard: Rc<DropCounter>) {
            if left == 0 {
                drop(guard); // the chain is over: its captures go
                return;
            }
            let c = count.clone();
            h.defer(move |h, _| {
                c.bump();
                chain(h, left - 1, c.clone(), guard);
                if c.get().is_multiple_of(3) {
                    panic!("defer {} {ON_PURPOSE}", c.get());
                }
            });
        }
        chain(&reactor, defers, deferred.clone(), Rc::new(DropCounter(drops.clone())));
        let mut errors = 0;
        loop {
            match reactor.run() {
                Ok(()) => break,
                Err(Error::CallbackPanicked { message, .. }) => {
                    assert!(
                        ["reader call", "repeat call", "defer"].iter().any(|p| message.starts_with(p)),
                        "{message}"
                    );
                    errors += 1;
                }
                Err(e) => panic!("unexpected {e}"),
            }
        }
        let want_panics = bytes / 7 + repeats / 5 + defers / 3;
        assert_eq!((read.get(), fired.get(), deferred.get()), (bytes, repeats, defers), "no work lost");
        assert_eq!(errors + handled.get(), want_panics, "every panic reported once");
        assert_eq!(drops.get(), 3, "every callback was dropped");
        assert_eq!(reactor.info().watchers(), 0);
        if !with_handler {
            injected("callback panics (every 7th/5th/3rd call)", want_panics);
        }
    }
}

/// Cancels a watcher when dropped: how a task holds a raw watcher.
struct WatcherGuard(Handle, WatcherId);

impl Drop for WatcherGuard {
    fn drop(&mut self) {
        self.0.cancel(self.1);
    }
}

pub(crate) fn a_task_that_panics_while_holding_watchers_releases_all_of_them() {
    let m = scaled(100, 5_000, 100);
    let reactor = Reactor::new().unwrap();
    let go = Rc::new(Cell::new(false));
    let parked = Rc::new(RefCell::new(Vec::<Waker>::new()));
    let drops = Counter::new();
    // The reactor's signal self-pipe (two fds) lives as long as the reactor: open it first.
    reactor.cancel(reactor.on_signal(libc::SIGUSR2, |_, _, _| {}).unwrap());
    let fds_before = ampere_tests::fd_count();
    let mut handles = Vec::new();
    let mut forks = 0;
    for i in 0..m {
        let (go, parked, guard) = (Rc::clone(&go), Rc::clone(&parked), DropCounter(drops.clone()));
        let body = async move {
            let _guard = guard;
            let h = Handle::current().unwrap();
            let _raw = WatcherGuard(h.clone(), h.repeat(Duration::from_secs(3600), |_, _| {}));
            let (left, right) = ampere_reactor::net::UnixStream::pair().unwrap();
            let _signals = ampere_reactor::signal(libc::SIGUSR2).unwrap();
            let mut every = ampere_reactor::interval(Duration::from_millis(1));
            every.tick().await;
            let mut nap = pin!(sleep(Duration::from_secs(3600)));
            let mut stuck = pin!(timeout(pending::<()>(), Duration::from_secs(3600)));
            let mut read = [0u8; 1];
            let mut reader = &right;
            let mut reading = pin!(reader.read(&mut read));
            poll_fn(|cx| {
                assert!(nap.as_mut().poll(cx).is_pending());
                assert!(stuck.as_mut().poll(cx).is_pending());
                assert!(reading.as_mut().poll(cx).is_pending());
                if go.get() {
                    return Poll::Ready(());
                }
                parked.borrow_mut().push(cx.waker().clone());
                Poll::Pending
            })
            .await;
            drop(left);
            panic!("task {i} gives up while holding its watchers {ON_PURPOSE}");
        };
        if i.is_multiple_of(2) {
            handles.push(reactor.spawn(body));
        } else {
            reactor.fork(async move {
                body.await;
                Ok::<(), io::Error>(())
            });
            forks += 1;
        }
    }
    // Let every task park, holding a raw watcher, a socket pair, a signal stream, an interval,
    // a sleep, a timeout and a pending read.
    let deadline = Instant::now() + Duration::from_secs(30);
    while parked.borrow().len() < m {
        assert!(Instant::now() < deadline, "tasks did not park");
        reactor.tick().unwrap();
    }
    let held = reactor.info();
    assert!(held.watchers() >= 4 * m, "{held:?}");
    assert!(ampere_tests::fd_count() >= fds_before + 2 * m);
    go.set(true);
    for w in parked.borrow_mut().drain(..) {
        w.wake();
    }
    let mut fork_panics = 0;
    loop {
        match reactor.run() {
            Ok(()) => break,
            Err(Error::TaskPanicked { message, .. }) => {
                assert!(message.contains("gives up while holding its watchers"), "{message}");
                fork_panics += 1;
            }
            Err(e) => panic!("unexpected {e}"),
        }
    }
    for h in handles {
        match reactor.block_on(h).unwrap() {
            Err(JoinError::Panicked(message)) => assert!(message.contains("gives up"), "{message}"),
            other => panic!("a panicked task's handle gave {other:?}"),
        }
    }
    assert_eq!(fork_panics, forks, "every fork's panic came out of run");
    assert_eq!(drops.get(), m, "every task's future was dropped exactly once");
    let info = reactor.info();
    assert_eq!((info.watchers(), info.tasks, info.watched_fds), (0, 0, 0), "{info:?}");
    assert!(info.timer_heap_len <= 64, "the heap kept {} tombstones", info.timer_heap_len);
    assert_eq!(ampere_tests::fd_count(), fds_before, "their sockets were closed");
    injected("tasks panicking while holding 7 resources each", m);
    figure("watchers released by panicking tasks", held.watchers());
}

pub(crate) fn a_panicking_error_handler_is_an_error_out_of_run_and_the_reactor_stays_usable() {
    let reactor = Reactor::new().unwrap();
    reactor.set_error_handler(|e| panic!("the handler itself fails on: {e} {ON_PURPOSE}"));
    let ran = Counter::new();
    reactor.defer(|_, _| panic!("first {ON_PURPOSE}"));
    let r = ran.clone();
    reactor.defer(move |_, _| r.bump());
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reactor.run()));
    // Issue 15 changed this from "the handler's panic propagates": it is a typed error now.
    assert!(
        matches!(unwound, Ok(Err(ampere_reactor::Error::ErrorHandlerPanicked { .. }))),
        "a panicking handler's panic is a typed error out of run: {unwound:?}"
    );
    // The reactor is not poisoned: not driving any more, and the second defer still runs.
    reactor.clear_error_handler();
    reactor.run().unwrap();
    assert_eq!(ran.get(), 1);
    assert_eq!(reactor.info().watchers(), 0);
    injected("error handler panics", 1);
}
