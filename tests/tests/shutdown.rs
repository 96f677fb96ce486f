//! [`Shutdown`] (issue 16): one trigger wakes every waiter, `drained` waits for every tracked
//! task, and nothing it tracks outlives its reactor. (Triggering on a signal is a case of the
//! `signals` binary: signal dispositions are process-wide.)

use std::future::pending;
use std::time::Duration;

use ampere_reactor::{sleep, Handle, Reactor, Shutdown};
use ampere_tests::{Counter, DropCounter, Log};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[ampere_reactor::test]
async fn triggered_wakes_every_waiter() {
    let shutdown = Shutdown::new();
    let woken = Counter::new();
    let handle = Handle::current().unwrap();
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let (shutdown, woken) = (shutdown.clone(), woken.clone());
            handle.spawn(async move {
                shutdown.triggered().await;
                woken.bump();
            })
        })
        .collect();
    sleep(ms(2)).await;
    assert_eq!(woken.get(), 0, "nobody wakes before the trigger");
    shutdown.trigger();
    for waiter in waiters {
        waiter.await.unwrap();
    }
    assert_eq!(woken.get(), 3);
    // Late waiters complete at once; triggering twice changes nothing.
    shutdown.trigger();
    shutdown.triggered().await;
    assert!(shutdown.is_triggered());
}

#[ampere_reactor::test]
async fn drained_waits_for_every_tracked_task() {
    let shutdown = Shutdown::new();
    let log = Log::new();
    for n in [3, 1, 2] {
        let (stop, log) = (shutdown.clone(), log.clone());
        shutdown
            .spawn(async move {
                stop.triggered().await;
                sleep(ms(n)).await; // winding down takes a while
                log.push(format!("{n} done"));
            })
            .unwrap();
    }
    assert_eq!(shutdown.tracked(), 3);
    shutdown.trigger();
    shutdown.drained().await;
    let mut events = log.events();
    events.sort();
    assert_eq!(events, ["1 done", "2 done", "3 done"]);
    assert_eq!(shutdown.tracked(), 0);
}

#[ampere_reactor::test]
async fn drained_waits_for_the_trigger_even_with_no_tasks() {
    let shutdown = Shutdown::new();
    let drained = Counter::new();
    let (s, d) = (shutdown.clone(), drained.clone());
    let waiter = Handle::current().unwrap().spawn(async move {
        s.drained().await;
        d.bump();
    });
    sleep(ms(2)).await;
    assert_eq!(drained.get(), 0, "not drained before the trigger");
    shutdown.trigger();
    waiter.await.unwrap();
    assert_eq!(drained.get(), 1);
}

#[ampere_reactor::test]
async fn tasks_tracked_after_the_trigger_are_drained_too() {
    let shutdown = Shutdown::new();
    let blocker = Handle::current().unwrap().spawn(shutdown.track(sleep(ms(1))));
    shutdown.trigger();
    // Accepted just before the accept loop saw the trigger: still served to the end.
    let finished = Counter::new();
    let f = finished.clone();
    shutdown
        .spawn(async move {
            sleep(ms(3)).await;
            f.bump();
        })
        .unwrap();
    shutdown.drained().await;
    assert_eq!(finished.get(), 1);
    assert!(blocker.is_finished());
}

#[ampere_reactor::test]
async fn an_aborted_task_no_longer_holds_up_the_drain() {
    let shutdown = Shutdown::new();
    let drops = Counter::new();
    let guard = DropCounter(drops.clone());
    let stuck = shutdown
        .spawn(async move {
            let _guard = guard;
            pending::<()>().await;
        })
        .unwrap();
    shutdown.trigger();
    sleep(ms(1)).await;
    assert_eq!(shutdown.tracked(), 1);
    assert!(Handle::current().unwrap().abort(stuck));
    shutdown.drained().await;
    assert_eq!((drops.get(), shutdown.tracked()), (1, 0));
}

#[test]
fn tracked_tasks_and_waiters_are_dropped_with_their_reactor() {
    let shutdown = Shutdown::new();
    let drops = Counter::new();
    let reactor = Reactor::new().unwrap();
    reactor
        .block_on(async {
            let handle = Handle::current().unwrap();
            for _ in 0..3 {
                let guard = DropCounter(drops.clone());
                let stop = shutdown.clone();
                shutdown
                    .spawn(async move {
                        let _guard = guard;
                        stop.triggered().await; // never triggered
                    })
                    .unwrap();
            }
            // An untracked waiter too.
            let _waiter = handle.spawn(shutdown.drained());
            sleep(ms(1)).await;
        })
        .unwrap();
    assert_eq!((drops.get(), shutdown.tracked()), (0, 3));
    drop(reactor);
    assert_eq!((drops.get(), shutdown.tracked()), (3, 0));
}

#[test]
fn a_dropped_tracked_future_that_never_ran_is_uncounted() {
    let shutdown = Shutdown::new();
    let work = shutdown.track(async {});
    assert_eq!(shutdown.tracked(), 1);
    drop(work);
    assert_eq!(shutdown.tracked(), 0);
    shutdown.trigger();
    Reactor::new().unwrap().block_on(shutdown.drained()).unwrap();
}
