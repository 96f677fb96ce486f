//! Wakes and waits: wakes from other threads racing with completion and abort, and what
//! `block_on` does while its own future waits.

use super::*;

/// Sets its flag when dropped: a task's future tells the waking threads it is gone (finished
/// or aborted).
struct DoneOnDrop(Arc<AtomicBool>);

impl Drop for DoneOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

pub(crate) fn wakes_from_other_threads_racing_with_completion_are_harmless() {
    let m = scaled(2_000, 200_000, 2_000);
    let threads = 4;
    let reactor = Reactor::new().unwrap();
    let finished = Arc::new(AtomicUsize::new(0));
    let wakes = Arc::new(AtomicUsize::new(0));
    let mut senders = Vec::new();
    let mut joins = Vec::new();
    for t in 0..threads {
        let (tx, rx) = mpsc::channel::<(Waker, Arc<AtomicBool>)>();
        senders.push(tx);
        let wakes = Arc::clone(&wakes);
        joins.push(std::thread::spawn(move || {
            let mut rng = Rng::new(t as u64);
            let mut held: Vec<(Waker, Arc<AtomicBool>, usize)> = Vec::new();
            let mut open = true;
            while open || !held.is_empty() {
                match rx.try_recv() {
                    Ok((w, done)) => held.push((w, done, 0)),
                    Err(mpsc::TryRecvError::Disconnected) => open = false,
                    Err(mpsc::TryRecvError::Empty) => {}
                }
                if held.is_empty() {
                    std::thread::yield_now();
                    continue;
                }
                // Wake a random held waker; keep waking for a while after its task is done,
                // racing with the completion and hitting the finished task.
                let i = rng.below(held.len());
                held[i].0.wake_by_ref();
                wakes.fetch_add(1, Ordering::Relaxed);
                if held[i].1.load(Ordering::Acquire) {
                    held[i].2 += 1;
                    if held[i].2 > 3 {
                        held.swap_remove(i);
                    }
                }
            }
        }));
    }
    let polls = Counter::new();
    let mut handles = Vec::new();
    let drops = Counter::new();
    for i in 0..m {
        let tx = senders[i % threads].clone();
        let done = Arc::new(AtomicBool::new(false));
        let (p, guard, gone) = (polls.clone(), DropCounter(drops.clone()), DoneOnDrop(Arc::clone(&done)));
        let target = 1 + i % 5;
        let mut n = 0;
        let finished = Arc::clone(&finished);
        let body = poll_fn(move |cx| {
            let _keep = (&guard, &gone);
            p.bump();
            n += 1;
            if n == 1 {
                tx.send((cx.waker().clone(), Arc::clone(&done))).unwrap();
            }
            if n > target {
                finished.fetch_add(1, Ordering::Relaxed);
                return Poll::Ready(i);
            }
            Poll::Pending
        });
        handles.push(reactor.spawn(body));
    }
    drop(senders);
    // Only other threads wake these tasks: a referenced watcher tells `block_on` to wait for
    // them rather than report that nothing could ever complete the future.
    let keep_waiting = reactor.delay(Duration::from_secs(3600), |_, _| {});
    // Abort every 10th task while the threads are waking it.
    let mut aborted = 0;
    for (i, h) in handles.iter().enumerate() {
        if i % 10 == 9 && h.abort() {
            aborted += 1;
        }
    }
    let mut outputs = 0;
    for (i, h) in handles.into_iter().enumerate() {
        match reactor.block_on(h).unwrap() {
            Ok(v) => {
                assert_eq!(v, i);
                outputs += 1;
            }
            Err(JoinError::Aborted) => assert_eq!(i % 10, 9),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(outputs + aborted, m);
    assert_eq!(finished.load(Ordering::Relaxed), outputs, "each task finished once");
    reactor.cancel(keep_waiting);
    // The aborted tasks' wakers are still being woken: stale wakes must cost nothing.
    let ticks = reactor.info().ticks;
    let cpu = thread_cpu_time();
    reactor.block_on(sleep(Duration::from_millis(30))).unwrap();
    let idle_ticks = reactor.info().ticks - ticks;
    let idle_cpu = thread_cpu_time() - cpu;
    drop(reactor); // wakes after the reactor is gone are harmless too
    for j in joins {
        j.join().expect("a waking thread panicked");
    }
    assert_eq!(drops.get(), m, "every future dropped exactly once");
    assert!(idle_ticks <= 4, "{idle_ticks} ticks in 30 ms while stale wakes came in: a spin");
    assert!(idle_cpu <= Duration::from_millis(20) * slowdown(), "{idle_cpu:?} CPU in 30 ms idle");
    injected("tasks finishing while other threads wake them", outputs);
    injected("tasks aborted while other threads wake them", aborted);
    figure("remote wakes (racing with completion, abort and reactor drop)", wakes.load(Ordering::Relaxed));
    figure("tasks", format!("{m} ({outputs} finished, {aborted} aborted)"));
    figure("polls", polls.get());
}

pub(crate) fn block_on_a_future_that_yields_lets_tasks_and_watchers_run() {
    let outcome = on_a_thread_within(Duration::from_secs(3), || {
        let reactor = Reactor::new().unwrap();
        let (task_ran, defer_ran) = (Rc::new(Cell::new(false)), Rc::new(Cell::new(false)));
        let (t, d) = (Rc::clone(&task_ran), Rc::clone(&defer_ran));
        drop(reactor.spawn(async move { t.set(true) }));
        reactor.defer(move |_, _| d.set(true));
        reactor
            .block_on(async {
                let mut yields = 0u64;
                while !(task_ran.get() && defer_ran.get()) {
                    yield_now().await;
                    yields += 1;
                }
                yields
            })
            .unwrap()
    });
    let yields = outcome.expect("block_on's future yielded forever: tasks and watchers never ran");
    assert!(yields <= 2, "{yields} yields before a task and a defer ran");
}

/// `block_on` of a future that waits only for a socket: the poll must sleep until data comes.
/// (It used to spin: with no watcher and no task the poll timeout was zero.)
pub(crate) fn block_on_waiting_only_on_a_socket_sleeps_instead_of_spinning() {
    let reactor = Reactor::new().unwrap();
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    let a = ampere_reactor::Async::with_handle(&reactor.handle(), a).unwrap();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        (&b).write_all(b"x").unwrap();
        b
    });
    let (cpu, ticks) = (thread_cpu_time(), reactor.info().ticks);
    let n = reactor.block_on(a.read_with(|mut s| s.read(&mut [0u8; 8]))).unwrap().unwrap();
    let (cpu, ticks) = (thread_cpu_time() - cpu, reactor.info().ticks - ticks);
    drop(writer.join().unwrap());
    assert_eq!(n, 1);
    assert!(
        ticks <= 5 && cpu < Duration::from_millis(50) * slowdown(),
        "waiting 200 ms took {ticks} ticks and {cpu:?} of CPU"
    );
}
