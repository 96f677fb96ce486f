//! A storm of SIGUSR1 while timers, level-triggered watchers and async I/O run.

use super::*;

/// Sends SIGUSR1 to the process from another thread: to the reactor thread itself (which then
/// interrupts its `epoll_wait` with `EINTR`) or to the sending thread.
fn send_sigusr1(reactor_thread: libc::pthread_t, to_reactor: bool) {
    if to_reactor {
        // SAFETY: `reactor_thread` is the main thread, which joins this thread before it
        // returns, so the id is valid; SIGUSR1 has a handler installed by the reactor.
        let rc = unsafe { libc::pthread_kill(reactor_thread, libc::SIGUSR1) };
        assert_eq!(rc, 0, "pthread_kill");
    } else {
        signal_hook::low_level::raise(libc::SIGUSR1).unwrap();
    }
}

pub(crate) fn a_signal_storm_leaves_every_watcher_consistent() {
    let paced = scaled(2_000, 100_000, 2_000);
    let flood = scaled(20_000, 2_000_000, 20_000);
    let reactor = Reactor::new().unwrap();
    let started = Instant::now();
    // Two watchers and a stream of one signal, and a disabled watcher that must see nothing.
    let ack = Arc::new(AtomicUsize::new(0));
    let (a, b, d, streamed) = (Counter::new(), Counter::new(), Counter::new(), Counter::new());
    let (a2, ack2) = (a.clone(), Arc::clone(&ack));
    let wa = reactor
        .on_signal(libc::SIGUSR1, move |_, _, signo| {
            assert_eq!(signo, libc::SIGUSR1);
            a2.bump();
            ack2.store(a2.get(), Ordering::Release);
        })
        .unwrap();
    let b2 = b.clone();
    let wb = reactor.on_signal(libc::SIGUSR1, move |_, _, _| b2.bump()).unwrap();
    let d2 = d.clone();
    let wd = reactor.watch().disabled().on_signal(libc::SIGUSR1, move |_, _, _| d2.bump()).unwrap();
    let s2 = streamed.clone();
    let stream_task = reactor.spawn(async move {
        let mut usr1 = ampere_reactor::signal(libc::SIGUSR1).unwrap();
        loop {
            assert_eq!(usr1.recv().await, libc::SIGUSR1);
            s2.bump();
        }
    });
    // A 1 ms timer, which may be late under the storm but never early, and never more often.
    let fires = Counter::new();
    let f2 = fires.clone();
    let timer_start = Instant::now();
    let wt = reactor.repeat(Duration::from_millis(1), move |_, _| {
        f2.bump();
        assert!(timer_start.elapsed() >= Duration::from_millis(f2.get() as u64), "a repeat fired early");
    });
    // A byte bounced between two level-triggered readers, counting up; every bounce checked.
    // Bytes written into `y` arrive at `x` (even values) and the other way round (odd ones).
    let (x, y) = socket_pair();
    (&y).write_all(&[0]).unwrap(); // the serve
    let bounces = Counter::new();
    let mut ids = vec![wa, wb, wd, wt];
    for (mine, parity) in [(x, 0u8), (y, 1u8)] {
        let c = bounces.clone();
        let fd = mine.as_raw_fd();
        let id = reactor
            .on_readable(&fd, move |_, _, _| {
                let mut byte = [0u8; 1];
                (&mine).read_exact(&mut byte).unwrap();
                assert_eq!(byte[0] % 2, parity, "bytes alternate between the ends");
                assert_eq!(byte[0], c.get() as u8, "no bounce lost or repeated");
                c.bump();
                (&mine).write_all(&[byte[0].wrapping_add(1)]).unwrap();
            })
            .unwrap();
        ids.push(id);
    }
    // A stream of bytes between two tasks over an async socketpair, checked at the far end.
    let streamed_bytes = 1 << 20;
    let copy_task = reactor.spawn(async move {
        // Created inside the task: `pair` registers with the reactor driving this thread.
        let (left, right) = UnixStream::pair().unwrap();
        let send = async {
            let data: Vec<u8> = (0..streamed_bytes).map(|j| pattern(7, j)).collect();
            (&left).write_all(&data).await.unwrap();
            (&left).close().await.unwrap();
        };
        let recv = async {
            let mut got = Vec::new();
            (&right).read_to_end(&mut got).await.unwrap();
            assert!(got.iter().enumerate().all(|(j, b)| *b == pattern(7, j)), "the stream arrived intact");
            got.len()
        };
        futures::future::join(send, recv).await.1
    });

    // One tick first: the stream task creates its watcher when first polled, and must not miss
    // the first delivery.
    reactor.tick().unwrap();
    // SAFETY: pthread_self has no preconditions.
    let me = unsafe { libc::pthread_self() };
    let done = Arc::new(AtomicBool::new(false));
    let (ack3, done2) = (Arc::clone(&ack), Arc::clone(&done));
    let sender = std::thread::spawn(move || {
        let wait_ack = |n: usize| {
            let since = Instant::now();
            while ack3.load(Ordering::Acquire) < n {
                assert!(since.elapsed() < Duration::from_secs(10) * slowdown(), "delivery {n} was never observed");
                std::thread::yield_now();
            }
        };
        let mut sent = 0;
        for k in 1..=paced {
            send_sigusr1(me, k.is_multiple_of(2));
            sent += 1;
            wait_ack(k);
        }
        for k in 0..flood {
            send_sigusr1(me, k.is_multiple_of(2));
            sent += 1;
        }
        // The storm is over: one more, and it must still arrive.
        let before = ack3.load(Ordering::Acquire);
        std::thread::sleep(Duration::from_millis(20));
        let settled = ack3.load(Ordering::Acquire).max(before);
        send_sigusr1(me, true);
        sent += 1;
        wait_ack(settled + 1);
        done2.store(true, Ordering::Release);
        send_sigusr1(me, true); // wake the reactor to see `done`
        sent + 1
    });
    let mut ticks = 0u64;
    while !done.load(Ordering::Acquire) {
        reactor.tick().unwrap();
        ticks += 1;
    }
    let sent = sender.join().unwrap();
    // Let the stream task and the copy task catch up.
    let deadline = Instant::now() + Duration::from_secs(10) * slowdown();
    while (streamed.get() < a.get() || !copy_task.is_finished()) && Instant::now() < deadline {
        reactor.tick().unwrap();
    }
    let elapsed = timer_start.elapsed();
    assert_eq!(a.get(), b.get(), "each delivery ran every enabled watcher once");
    assert_eq!(streamed.get(), a.get(), "the stream saw every delivery");
    assert_eq!(d.get(), 0, "the disabled watcher saw nothing");
    assert!(a.get() > paced, "every paced signal was observed: {} of {paced}", a.get());
    assert!(a.get() <= sent, "no delivery out of thin air: {} > {sent}", a.get());
    assert!(fires.get() >= 1 && fires.get() as u128 <= elapsed.as_millis() + 1, "timer fired {}", fires.get());
    assert!(bounces.get() > 100, "the I/O rally went on during the storm: {} bounces", bounces.get());
    assert_eq!(reactor.block_on(copy_task).unwrap(), Ok(streamed_bytes));
    stream_task.abort();
    for id in ids {
        reactor.cancel(id);
    }
    reactor.tick().unwrap();
    assert_eq!(reactor.info().watchers(), 0);
    assert_eq!(reactor.info().tasks, 0);
    figure("SIGUSR1 sent (paced + flood + 2)", sent);
    figure("deliveries observed by each watcher", a.get());
    figure("paced deliveries, each acknowledged before the next", paced);
    figure("1 ms timer fires during the storm", format!("{} in {elapsed:.2?}", fires.get()));
    figure("I/O bounces during the storm, each checked", bounces.get());
    figure("bytes streamed over an async socketpair during the storm", streamed_bytes);
    figure("reactor ticks", ticks);
    figure("storm time", format!("{:.2?}", started.elapsed()));
}
