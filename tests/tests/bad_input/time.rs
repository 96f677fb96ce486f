//! Durations at their edges: zero, one nanosecond, a century, forever; for watchers, sleeps,
//! intervals, timeouts and loops.

use super::*;

/// Polls `f` once on the reactor (inside `block_on`, so it binds to it) and returns whether it
/// was ready, dropping it.
fn ready_at_first_poll<F: Future>(reactor: &Reactor, f: F) -> bool {
    reactor
        .block_on(async {
            let mut f = pin!(f);
            poll_fn(|cx| Poll::Ready(f.as_mut().poll(cx).is_ready())).await
        })
        .unwrap()
}

pub(crate) fn zero_tiny_and_huge_durations_are_accepted_by_every_timer() {
    let reactor = Reactor::new().unwrap();
    let fired = Counter::new();
    // Due at once: they fire in the first tick (never in the one they were created in).
    for after in [Duration::ZERO, Duration::from_nanos(1)] {
        let f = fired.clone();
        reactor.delay(after, move |_, _| f.bump());
    }
    let f = fired.clone();
    reactor.repeat_after(Duration::ZERO, Duration::ZERO, move |h, id| {
        f.bump();
        h.cancel(id);
    });
    reactor.tick().unwrap();
    assert_eq!(fired.get(), 3, "zero and 1 ns fire in the next tick");
    // Beyond what the clock can represent: never, with no heap entry and no overflow.
    let never = [
        Duration::MAX,
        Duration::from_nanos(u64::MAX),
        Duration::new(u64::MAX, 999_999_999),
        Duration::from_secs(1 << 40),
    ];
    let mut ids = Vec::new();
    let heap = reactor.info().timer_heap_len; // the cancelled repeat's tombstone
    for after in never {
        ids.push(reactor.delay(after, |_, _| panic!("a delay of forever fired")));
        ids.push(reactor.repeat(after, |_, _| panic!("a repeat of forever fired")));
        ids.push(reactor.repeat_after(after, Duration::ZERO, |_, _| panic!("a first delay of forever ended")));
        ids.push(ampere_reactor::delay(after, |_, _| {}).unwrap());
        ampere_reactor::cancel(*ids.last().unwrap()).unwrap();
    }
    assert_eq!(reactor.info().timer_heap_len, heap, "nothing can be scheduled for never");
    // Long but representable (100 years; 584 years, just under u64 nanoseconds): scheduled,
    // and they do not fire.
    ids.push(reactor.delay(Duration::from_secs(100 * 365 * 86_400), |_, _| panic!("100 years passed")));
    ids.push(reactor.delay(Duration::from_secs(u64::MAX / 1_000_000_000), |_, _| panic!("584 years passed")));
    assert_eq!(reactor.info().timer_heap_len, heap + 2);
    // A first delay of zero, then never again: fires once, stays enabled, never overflows.
    let once = Counter::new();
    let o = once.clone();
    let first_only = reactor.repeat_after(Duration::ZERO, Duration::MAX, move |_, _| o.bump());
    // A 1 ns repeat runs at most once per tick, however late the tick.
    let per_tick = Counter::new();
    let p = per_tick.clone();
    let fast = reactor.repeat(Duration::from_nanos(1), move |_, _| p.bump());
    for n in 1..=3 {
        std::thread::sleep(Duration::from_millis(2));
        reactor.tick().unwrap();
        assert_eq!(per_tick.get(), n, "a 1 ns repeat fires once per tick, not once per missed period");
    }
    assert_eq!(once.get(), 1);
    assert!(reactor.is_enabled(first_only).unwrap());
    for id in ids.into_iter().chain([first_only, fast]) {
        reactor.cancel(id);
    }
    assert_eq!(reactor.info().watchers(), 0);
    tried(3 + 4 * never.len() + 4);
}

pub(crate) fn sleep_interval_and_timeout_accept_zero_past_and_huge_values() {
    let reactor = Reactor::new().unwrap();
    let delays = |r: &Reactor| r.info().of(WatcherKind::Delay).enabled;
    assert!(ready_at_first_poll(&reactor, sleep(Duration::ZERO)), "sleep(ZERO) is ready at once");
    let past = Instant::now().checked_sub(Duration::from_secs(1)).unwrap_or_else(Instant::now);
    assert!(ready_at_first_poll(&reactor, sleep_until(past)), "a deadline in the past is ready at once");
    assert_eq!(delays(&reactor), 0, "and arms no timer");
    for forever in [sleep(Duration::MAX), sleep_until(Instant::now() + Duration::from_secs(100 * 365 * 86_400))] {
        assert!(!ready_at_first_poll(&reactor, forever));
        assert_eq!(delays(&reactor), 0, "a dropped sleep releases its timer");
    }
    // Reset to the past: ready at the next poll.
    let mut nap = Box::pin(sleep(Duration::MAX));
    reactor
        .block_on(async {
            assert!(poll_fn(|cx| Poll::Ready(nap.as_mut().poll(cx).is_pending())).await);
            nap.as_mut().reset(past);
            nap.as_mut().await;
        })
        .unwrap();
    // interval(ZERO) ticks at once, monotonically; interval(MAX) never ticks.
    let ticks = reactor
        .block_on(async {
            let mut every = interval(Duration::ZERO);
            let mut last = every.tick().await;
            for _ in 0..1000 {
                let t = every.tick().await;
                assert!(t >= last);
                last = t;
            }
            1000
        })
        .unwrap();
    assert_eq!(ticks, 1000);
    let mut rare = interval(Duration::MAX);
    assert!(!ready_at_first_poll(&reactor, rare.tick()));
    drop(rare);
    assert_eq!(delays(&reactor), 0);
    // timeout: zero lets finished work win and times out pending work; MAX never expires.
    let out = reactor.block_on(timeout(ready(7), Duration::ZERO)).unwrap();
    assert_eq!(out, Ok(7));
    let out = reactor.block_on(timeout(pending::<()>(), Duration::ZERO)).unwrap();
    assert_eq!(out, Err(TimedOut));
    assert!(!ready_at_first_poll(&reactor, timeout(pending::<()>(), Duration::MAX)));
    assert_eq!(reactor.block_on(timeout_with_default(pending(), Duration::ZERO, 5)).unwrap(), 5);
    assert_eq!(reactor.info().watchers(), 0, "every timer was released");
    tried(13);
}

pub(crate) fn loops_accept_empty_names_and_zero_and_huge_pauses() {
    let reactor = Reactor::new().unwrap();
    // An empty name, a pause of forever (ended by resume) and a sleep of forever (ended by stop).
    let step = Rc::new(Cell::new(0));
    let s = Rc::clone(&step);
    let lp = LoopHandle::new(GenericLoop::new("", async move |this| {
        assert_eq!(this.pause(Some(Duration::ZERO)).await, Wakeup::Elapsed);
        s.set(1);
        assert_eq!(this.pause(Some(Duration::MAX)).await, Wakeup::Resumed);
        s.set(2);
        Next::Sleep(Duration::MAX)
    }));
    assert_eq!(lp.name(), "");
    assert!(format!("{lp:?}").contains("\"\""), "{lp:?}");
    let done = lp.start_on(&reactor).unwrap();
    let h = reactor.handle();
    let driver = lp.clone();
    let outcome = reactor
        .block_on(async move {
            let paused_at = |n| step.get() == n && matches!(driver.state(), LoopState::Paused { until: None });
            while !paused_at(1) {
                sleep(Duration::from_millis(1)).await;
            }
            assert_eq!(h.info().of(WatcherKind::Delay).enabled, 0, "a pause of forever arms no timer");
            assert!(driver.resume());
            while !paused_at(2) {
                sleep(Duration::from_millis(1)).await;
            }
            assert_eq!(h.info().of(WatcherKind::Delay).enabled, 0, "a sleep of forever arms no timer");
            assert!(driver.stop());
            done.await
        })
        .unwrap();
    assert!(outcome.is_ok(), "{outcome:?}");
    // A periodic loop with an interval of forever runs once and waits until stopped.
    let runs = Counter::new();
    let r = runs.clone();
    let periodic = LoopHandle::new(PeriodicLoop::new("x".repeat(1 << 16), Duration::MAX, async move || {
        r.bump();
        false
    }));
    let done = periodic.start_on(&reactor).unwrap();
    let p = periodic.clone();
    reactor
        .block_on(async move {
            sleep(Duration::from_millis(5)).await;
            assert!(p.stop());
            done.await
        })
        .unwrap()
        .unwrap();
    assert_eq!(runs.get(), 1);
    assert_eq!(reactor.info().watchers(), 0);
    tried(6);
}
