//! Tasks: spawn and join, forks whose failures come out of `run`, abort, wakers (local and
//! cross-thread), block_on, spawn_blocking.

use std::future::{pending, poll_fn};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use ampere_reactor::{Error, JoinError, Reactor, WatcherKind};
use ampere_tests::{Counter, DropCounter, Instrumented, Log};

#[test]
fn spawned_tasks_run_in_spawn_order_and_join_handles_give_their_output() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let handles: Vec<_> = (0..5)
        .map(|n| {
            let l = log.clone();
            reactor.spawn(async move {
                l.push(format!("t{n}"));
                n * 10
            })
        })
        .collect();
    let outputs = reactor
        .block_on(async {
            let mut out = Vec::new();
            for h in handles {
                out.push(h.await.unwrap());
            }
            out
        })
        .unwrap();
    assert_eq!(outputs, [0, 10, 20, 30, 40]);
    assert_eq!(log.events(), ["t0", "t1", "t2", "t3", "t4"]);
}

#[test]
fn run_waits_for_tasks_and_dropping_a_handle_detaches_the_task() {
    let reactor = Reactor::new().unwrap();
    let done = Counter::new();
    let d = done.clone();
    drop(reactor.spawn(async move {
        ampere_reactor::sleep(Duration::from_millis(5)).await;
        d.bump();
    }));
    reactor.run().unwrap();
    assert_eq!(done.get(), 1, "the detached task ran to completion");
}

#[test]
fn a_failed_fork_surfaces_out_of_run_naming_the_task_and_where_it_was_forked() {
    let reactor = Reactor::new().unwrap();
    let task = reactor.fork(async {
        ampere_reactor::sleep(Duration::from_millis(1)).await;
        Err::<(), _>(std::io::Error::other("disk full"))
    });
    match reactor.run() {
        Err(Error::TaskFailed { task: t, spawned_at, error }) => {
            assert_eq!(t, task);
            assert!(spawned_at.file().ends_with("executor.rs"));
            assert_eq!(error.to_string(), "disk full");
        }
        other => panic!("expected TaskFailed, got {other:?}"),
    }
}

#[test]
fn a_panicking_fork_surfaces_out_of_block_on() {
    let reactor = Reactor::new().unwrap();
    reactor.fork(async {
        panic!("fork bug");
        #[allow(unreachable_code)]
        Ok::<(), std::io::Error>(())
    });
    let outcome = reactor.block_on(ampere_reactor::sleep(Duration::from_millis(50)));
    match outcome {
        Err(Error::TaskPanicked { message, .. }) => assert_eq!(message, "fork bug"),
        other => panic!("expected TaskPanicked, got {other:?}"),
    }
}

#[test]
fn fork_errors_go_to_the_error_handler_when_one_is_set() {
    let reactor = Reactor::new().unwrap();
    let errors = Log::new();
    let e = errors.clone();
    reactor.set_error_handler(move |err| e.push(err.to_string()));
    reactor.fork(async { Err::<(), _>("first") });
    reactor.fork(async { Err::<(), _>("second") });
    reactor.run().unwrap();
    assert_eq!(errors.events().len(), 2);
    assert!(errors.events()[1].ends_with("failed: second"), "{:?}", errors.events());
}

#[test]
fn fork_deferred_starts_on_the_next_tick() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let l = log.clone();
    reactor.defer(move |h, _| {
        let l2 = l.clone();
        h.fork_deferred(async move {
            l2.push("deferred fork");
            Ok::<(), std::io::Error>(())
        });
        let l3 = l.clone();
        h.fork(async move {
            l3.push("fork");
            Ok::<(), std::io::Error>(())
        });
        l.push("defer");
    });
    reactor.tick().unwrap();
    assert_eq!(log.events(), ["defer", "fork"], "a fork runs in the same tick's task phase");
    reactor.run().unwrap();
    assert_eq!(log.events(), ["defer", "fork", "deferred fork"]);
}

#[test]
fn a_panicking_task_gives_a_typed_error_to_its_awaiter() {
    let reactor = Reactor::new().unwrap();
    let task = reactor.spawn(async {
        panic!("task bug");
    });
    let out: Result<(), JoinError> = reactor.block_on(task).unwrap();
    assert_eq!(out, Err(JoinError::Panicked("task bug".into())));
}

#[test]
fn abort_drops_the_future_exactly_once_and_releases_its_timers() {
    let reactor = Reactor::new().unwrap();
    let drops = Counter::new();
    let guard = DropCounter(drops.clone());
    let task = reactor.spawn(async move {
        let _guard = guard;
        ampere_reactor::sleep(Duration::from_secs(60)).await;
    });
    reactor.tick().unwrap();
    assert_eq!(reactor.info().of(WatcherKind::Delay).enabled, 1, "the task's sleep is armed");
    assert!(task.abort());
    assert_eq!(drops.get(), 1);
    assert_eq!(reactor.info().of(WatcherKind::Delay).enabled, 0, "its timer went with it");
    assert!(!task.abort(), "a second abort does nothing");
    assert_eq!(reactor.block_on(task).unwrap(), Err(JoinError::Aborted));
    assert_eq!(drops.get(), 1);
    assert_eq!(reactor.info().tasks, 0);
}

#[test]
fn many_wakes_before_a_poll_cost_one_poll() {
    let reactor = Reactor::new().unwrap();
    let polls = Counter::new();
    let p = polls.clone();
    let task = reactor.spawn(poll_fn(move |cx| {
        p.bump();
        if p.get() == 1 {
            for _ in 0..100 {
                cx.waker().wake_by_ref();
            }
            return Poll::Pending;
        }
        Poll::Ready(())
    }));
    reactor.block_on(task).unwrap().unwrap();
    assert_eq!(polls.get(), 2, "a hundred wakes, one extra poll");
}

#[test]
fn waking_a_finished_task_is_harmless() {
    let reactor = Reactor::new().unwrap();
    let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
    let s = slot.clone();
    let task = reactor.spawn(poll_fn(move |cx| {
        *s.lock().unwrap() = Some(cx.waker().clone());
        Poll::Ready(7)
    }));
    assert_eq!(reactor.block_on(task).unwrap(), Ok(7));
    let waker = slot.lock().unwrap().take().unwrap();
    waker.wake_by_ref();
    std::thread::spawn(move || waker.wake()).join().unwrap();
    reactor.tick().unwrap();
    assert_eq!(reactor.info().tasks, 0);
}

#[test]
fn self_waking_tasks_share_the_thread_fairly() {
    let reactor = Reactor::new().unwrap();
    let timer_fired = Counter::new();
    let t = timer_fired.clone();
    reactor.delay(Duration::from_millis(2), move |_, _| t.bump());
    // Spins (waking itself) until the timer has fired; a starving executor would spin forever,
    // so give up after ten million polls.
    let polls = Counter::new();
    let p = polls.clone();
    let spinner = reactor.spawn(poll_fn(move |cx| {
        p.bump();
        if timer_fired.get() > 0 || p.get() >= 10_000_000 {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }));
    reactor.block_on(spinner).unwrap().unwrap();
    assert!(polls.get() < 10_000_000, "the timer never fired while a task kept waking itself");
}

#[test]
fn an_instrumented_future_is_polled_once_per_wake() {
    let reactor = Reactor::new().unwrap();
    let f = Instrumented { polls: Counter::new(), drops: DropCounter(Counter::new()), ready_after: 1_000 };
    let (polls, drops) = (f.polls.clone(), f.drops.0.clone());
    let task = reactor.spawn(f);
    assert_eq!(reactor.block_on(task).unwrap(), Ok(1_001));
    assert_eq!(polls.get(), 1_001);
    assert_eq!(drops.get(), 1, "dropped exactly once, when it completed");
}

#[test]
fn wakes_from_other_threads_reach_the_reactor() {
    let reactor = Reactor::new().unwrap();
    const THREADS: usize = 4;
    const PER_THREAD: usize = 250;
    let finished = Counter::new();
    let parked = Counter::new();
    let mut wakers = Vec::new();
    for _ in 0..THREADS * PER_THREAD {
        let flag = Arc::new(Mutex::new((false, None::<Waker>)));
        wakers.push(flag.clone());
        let f = finished.clone();
        let p = parked.clone();
        drop(reactor.spawn(async move {
            poll_fn(|cx| {
                let mut g = flag.lock().unwrap();
                if g.0 {
                    Poll::Ready(())
                } else {
                    if g.1.is_none() {
                        p.bump();
                    }
                    g.1 = Some(cx.waker().clone());
                    Poll::Pending
                }
            })
            .await;
            f.bump();
        }));
    }
    // Task polls are batched per tick: tick until every task has stored its waker.
    while parked.get() < THREADS * PER_THREAD {
        reactor.tick().unwrap();
    }
    let chunks: Vec<Vec<_>> = wakers.chunks(PER_THREAD).map(|c| c.to_vec()).collect();
    let threads: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            std::thread::spawn(move || {
                for flag in chunk {
                    let waker = {
                        let mut g = flag.lock().unwrap();
                        g.0 = true;
                        g.1.take()
                    };
                    waker.expect("stored").wake();
                }
            })
        })
        .collect();
    reactor.run().unwrap();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(finished.get(), THREADS * PER_THREAD);
}

#[test]
fn block_on_a_future_nothing_can_wake_is_an_error_not_a_hang() {
    let reactor = Reactor::new().unwrap();
    assert!(matches!(reactor.block_on(pending::<()>()), Err(Error::WouldNeverComplete)));
    // An unreferenced timer does not count either...
    reactor.watch().unreferenced().delay(Duration::from_secs(60), |_, _| {});
    assert!(matches!(reactor.block_on(pending::<()>()), Err(Error::WouldNeverComplete)));
    // ...but a sleep inside the future does.
    reactor.block_on(ampere_reactor::sleep(Duration::from_millis(2))).unwrap();
}

#[test]
fn block_on_inside_a_task_is_a_reentrant_error() {
    let reactor = Reactor::new().unwrap();
    let inner = reactor.handle();
    let task = reactor.spawn(async move { inner.block_on(async {}).map(|_| ()) });
    assert!(matches!(reactor.block_on(task).unwrap(), Ok(Err(Error::Reentrant))));
}

#[test]
fn spawn_blocking_returns_the_result_and_reports_a_panic() {
    let reactor = Reactor::new().unwrap();
    let (sum, bad) = reactor
        .block_on(async {
            let sum = ampere_reactor::spawn_blocking(|| {
                std::thread::sleep(Duration::from_millis(5));
                (1..=10u64).sum::<u64>()
            })
            .unwrap();
            let bad = ampere_reactor::spawn_blocking(|| -> u8 { panic!("blocking bug") }).unwrap();
            (sum.await, bad.await)
        })
        .unwrap();
    assert_eq!(sum, Ok(55));
    assert_eq!(bad, Err(JoinError::Panicked("blocking bug".into())));
}

#[test]
fn other_tasks_keep_running_while_a_blocking_job_runs() {
    let reactor = Reactor::new().unwrap();
    let ticks = Counter::new();
    let t = ticks.clone();
    let ticker = reactor.spawn(async move {
        let mut every = ampere_reactor::interval(Duration::from_millis(1));
        for _ in 0..5 {
            every.tick().await;
            t.bump();
        }
    });
    let slow = reactor.spawn_blocking(|| std::thread::sleep(Duration::from_millis(40))).unwrap();
    reactor.block_on(slow).unwrap().unwrap();
    assert_eq!(ticks.get(), 5, "the ticker finished while the blocking job slept");
    reactor.block_on(ticker).unwrap().unwrap();
}
