//! The API the peers' users reach for (issue 15): the live watchers with their state,
//! `is_running`, the tick's cached time, a tick that never blocks, unreferenced timers.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Context;
use std::time::{Duration, Instant};

use ampere_reactor::{interval, sleep, Error, Handle, Reactor, Sleep, WatcherKind};
use ampere_tests::{returns_in_time, socket_pair, Counter, Log};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn watchers_lists_every_live_watcher_with_its_state_oldest_first() {
    let reactor = Reactor::new().unwrap();
    let (a, _b) = socket_pair();
    let timer = reactor.delay(Duration::from_secs(60), |_, _| {});
    let repeat = reactor.watch().disabled().repeat(ms(1), |_, _| {});
    let defer = reactor.watch().unreferenced().defer(|_, _| {});
    let parked = reactor.watch().disabled().defer(|_, _| {});
    let reader = reactor.on_readable(&a, |_, _, _| {}).unwrap();
    let state: Vec<_> = reactor.watchers().iter().map(|w| (w.id, w.kind, w.enabled, w.referenced)).collect();
    assert_eq!(
        state,
        [
            (timer, WatcherKind::Delay, true, true),
            (repeat, WatcherKind::Repeat, false, true),
            (defer, WatcherKind::Defer, true, false),
            (parked, WatcherKind::Defer, false, true),
            (reader, WatcherKind::Readable, true, true),
        ]
    );
    assert!(reactor.watchers().iter().all(|w| w.created_at.file().ends_with("edges_api.rs")));
    reactor.cancel(repeat);
    reactor.cancel(reader);
    reactor.tick().unwrap(); // the enabled defer runs and is gone
    assert_eq!(reactor.watcher_ids(), [timer, parked]);
}

#[test]
fn is_running_is_true_inside_run_tick_and_block_on_only() {
    let reactor = Reactor::new().unwrap();
    let seen = Log::new();
    assert!(!reactor.is_running());
    let s = seen.clone();
    reactor.defer(move |h, _| s.push(format!("run {}", h.is_running())));
    reactor.run().unwrap();
    let s = seen.clone();
    reactor.defer(move |h, _| s.push(format!("tick {}", h.is_running())));
    reactor.tick().unwrap();
    let running = reactor.block_on(async { Handle::current().unwrap().is_running() }).unwrap();
    seen.push(format!("block_on {running}"));
    assert!(!reactor.is_running());
    assert_eq!(seen.events(), ["run true", "tick true", "block_on true"]);
}

#[test]
fn now_is_the_ticks_time_and_never_earlier_than_the_tick() {
    let reactor = Reactor::new().unwrap();
    let before_new = Instant::now();
    let first = reactor.now();
    assert!(first >= before_new && first <= Instant::now(), "before the first tick: the clock");
    reactor.tick().unwrap(); // nothing registered: no clock read at the poll
    std::thread::sleep(ms(2));
    // A tick with no timer pending skips the clock read: now() must not report a stale time.
    let before_tick = Instant::now();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    reactor.defer(move |h, _| s.borrow_mut().extend([h.now(), h.now()]));
    reactor.tick().unwrap();
    let inside = seen.borrow().clone();
    assert!(inside[0] >= before_tick, "now() was older than the tick it was read in");
    assert_eq!(inside[0], inside[1], "the same time for the whole tick");
    // A timer's tick: the time the poll sampled, by which the timer was due.
    let armed = Instant::now();
    let s = seen.clone();
    reactor.delay(ms(3), move |h, _| s.borrow_mut().push(h.now()));
    reactor.run().unwrap();
    let fired_at = *seen.borrow().last().unwrap();
    assert!(fired_at >= armed + ms(3), "timers fire by the tick's time, never early");
    assert!(reactor.now() >= fired_at, "between ticks: the last tick's time, never going back");
}

#[test]
fn tick_nowait_runs_what_is_due_and_never_blocks() {
    let fired = returns_in_time(|| {
        let reactor = Reactor::new().unwrap();
        let fired = Log::new();
        let (f1, f2) = (fired.clone(), fired.clone());
        reactor.delay(Duration::from_secs(60), |_, _| panic!("not due"));
        reactor.delay(ms(1), move |_, _| f1.push("timer"));
        reactor.defer(move |_, _| f2.push("defer"));
        reactor.tick_nowait().unwrap();
        std::thread::sleep(ms(2));
        reactor.tick_nowait().unwrap();
        reactor.tick_nowait().unwrap(); // nothing due: returns at once
        fired.events()
    });
    assert_eq!(fired, ["defer", "timer"]);
}

/// Polls `sleep` once, by hand, on the reactor whose callback this is: it arms its timer.
fn arm(sleep: &mut Sleep) {
    let waker = futures::task::noop_waker();
    assert!(Pin::new(sleep).poll(&mut Context::from_waker(&waker)).is_pending());
}

#[test]
fn an_unreferenced_sleep_does_not_keep_run_alive() {
    returns_in_time(|| {
        let reactor = Reactor::new().unwrap();
        let slot = Rc::new(RefCell::new(None));
        let s = slot.clone();
        reactor.defer(move |_, _| {
            let mut nap = sleep(Duration::from_secs(60));
            nap.unreference();
            arm(&mut nap);
            *s.borrow_mut() = Some(nap);
        });
        reactor.run().unwrap(); // returns though the sleep is pending
        let delays = reactor.info().of(WatcherKind::Delay);
        assert_eq!((delays.enabled, delays.referenced), (1, 0), "pending, but unreferenced");
        assert!(!reactor.is_alive());
        slot.borrow_mut().as_mut().unwrap().reference();
        assert!(reactor.is_alive(), "referenced again: it keeps run going");
        drop(slot.borrow_mut().take()); // cancels the timer
        assert!(!reactor.is_alive());
    });
}

#[test]
fn an_unreferenced_sleep_still_fires_while_something_else_keeps_the_reactor_running() {
    let reactor = Reactor::new().unwrap();
    // Alone, it cannot complete block_on: nothing referenced is left.
    let alone = reactor.block_on(async {
        let mut nap = sleep(ms(2));
        nap.unreference();
        nap.await
    });
    assert!(matches!(alone, Err(Error::WouldNeverComplete)), "{alone:?}");
    // With a referenced timer keeping the reactor going, it fires on time.
    let kept = Counter::new();
    let k = kept.clone();
    reactor.delay(ms(50), move |_, _| k.bump());
    reactor
        .block_on(async {
            let mut nap = sleep(ms(2));
            nap.unreference();
            assert!(!nap.is_referenced());
            nap.await
        })
        .unwrap();
    assert_eq!(kept.get(), 0, "the sleep fired before the keeper");
}

#[test]
fn an_unreferenced_interval_does_not_keep_the_reactor_alive_and_can_be_referenced_again() {
    let reactor = Reactor::new().unwrap();
    let result = reactor.block_on(async {
        let mut every = interval(ms(2));
        every.unreference();
        every.tick().await
    });
    assert!(matches!(result, Err(Error::WouldNeverComplete)), "{result:?}");
    reactor
        .block_on(async {
            let mut every = interval(ms(2));
            every.unreference();
            every.reference();
            assert!(every.is_referenced());
            every.tick().await;
            every.tick().await;
        })
        .unwrap();
}
