//! `timeout` and `timeout_with_default`.

use super::*;

#[test]
fn timeout_returns_the_output_and_releases_its_timer_when_the_future_finishes_first() {
    let reactor = Reactor::new().unwrap();
    let handle = reactor.handle();
    let start = Instant::now();
    let (out, timers) = reactor
        .block_on(async move {
            let out = timeout(
                async {
                    sleep(Duration::from_millis(2)).await;
                    "done"
                },
                Duration::from_secs(10),
            )
            .await;
            (out, handle.info().of(WatcherKind::Delay).enabled)
        })
        .unwrap();
    assert_eq!(out, Ok("done"));
    assert_eq!(timers, 0, "the 10 s timer is released the moment the future finishes");
    reactor.run().unwrap(); // nothing keeps it going
    assert!(start.elapsed() < LATE);
}

#[test]
fn timeout_expires_with_timed_out_and_drops_the_inner_future() {
    let reactor = Reactor::new().unwrap();
    let (stuck, c) = probe::<(), Oops>();
    let start = Instant::now();
    // Nothing but the timeout's own timer can wake this: `block_on` waits for it.
    let out = reactor.block_on(timeout(stuck, Duration::from_millis(20))).unwrap();
    let elapsed = start.elapsed();
    assert_eq!(out, Err(TimedOut));
    assert_eq!(c.drops(), 1, "the inner future is dropped on expiry");
    assert!(elapsed >= Duration::from_millis(20), "expired early: {elapsed:?}");
    assert!(elapsed < Duration::from_millis(20) + LATE, "expired late: {elapsed:?}");
    assert_eq!(reactor.info().of(WatcherKind::Delay).enabled, 0);

    // Without the timeout, nothing could wake it: `block_on` says so instead of hanging.
    let (stuck, _c) = probe::<(), Oops>();
    assert!(matches!(reactor.block_on(stuck), Err(ampere_reactor::Error::WouldNeverComplete)));
}

#[test]
fn timeout_never_fires_early() {
    let reactor = Reactor::new().unwrap();
    for ms in [1, 5, 10, 15] {
        let dur = Duration::from_millis(ms);
        let start = Instant::now();
        let out = reactor.block_on(timeout(pending::<()>(), dur)).unwrap();
        let elapsed = start.elapsed();
        assert_eq!(out, Err(TimedOut));
        assert!(elapsed >= dur, "{ms} ms timeout fired after {elapsed:?}");
        assert!(elapsed < dur + LATE, "{ms} ms timeout fired after {elapsed:?}");
    }
}

/// (In ampere an unfinished task keeps `run()` going by itself; the timer's own keep-alive is
/// what the `block_on` tests above rely on: without it, `block_on` of a future nothing will
/// wake fails with `WouldNeverComplete`.)
#[test]
fn a_timeout_around_a_pending_future_keeps_run_alive_until_it_expires() {
    let reactor = Reactor::new().unwrap();
    let start = Instant::now();
    let task = reactor.spawn(timeout(pending::<()>(), Duration::from_millis(25)));
    reactor.run().unwrap();
    let elapsed = start.elapsed();
    assert!(task.is_finished(), "run() returned before the timeout expired");
    assert!(elapsed >= Duration::from_millis(25), "run() returned after {elapsed:?}");
    assert_eq!(reactor.block_on(task).unwrap(), Ok(Err(TimedOut)));
}

#[test]
fn dropping_a_pending_timeout_releases_its_timer_and_the_future() {
    let reactor = Reactor::new().unwrap();
    let handle = reactor.handle();
    let (stuck, c) = probe::<(), Oops>();
    let timers = reactor
        .block_on(async move {
            let mut t = timeout(stuck, Duration::from_secs(10));
            assert!(futures::poll!(&mut t).is_pending());
            let armed = handle.info().of(WatcherKind::Delay).enabled;
            drop(t);
            (armed, handle.info().of(WatcherKind::Delay).enabled)
        })
        .unwrap();
    assert_eq!(timers, (1, 0));
    assert_eq!(c.drops(), 1);
}

#[test]
fn timeout_with_default_gives_the_default_on_expiry_and_the_output_otherwise() {
    let reactor = Reactor::new().unwrap();
    let start = Instant::now();
    let out = reactor.block_on(timeout_with_default(pending(), Duration::from_millis(10), "cached")).unwrap();
    assert_eq!(out, "cached");
    assert!(start.elapsed() >= Duration::from_millis(10));
    let out = reactor.block_on(timeout_with_default(ready("fresh"), Duration::from_secs(10), "cached")).unwrap();
    assert_eq!(out, "fresh");
}

#[test]
fn timeout_composes_with_all_and_first() {
    let reactor = Reactor::new().unwrap();
    let (inputs, c) = probes::<u32, Oops>(3);
    let out = reactor.block_on(timeout(all(inputs), Duration::from_millis(5))).unwrap();
    assert_eq!(out, Err(TimedOut));
    assert!(c.iter().all(|c| c.drops() == 1), "expiry drops the combinator and its inputs");

    // A per-input time limit inside a race: the first input gives up, the second wins.
    async fn fetch(ms: u64, limit_ms: u64) -> Result<u64, TimedOut> {
        timeout(sleep(Duration::from_millis(ms)), Duration::from_millis(limit_ms)).await.map(|()| ms)
    }
    let out = reactor.block_on(first_keyed([("slow", fetch(50_000, 1)), ("fast", fetch(3, 10_000))])).unwrap();
    assert_eq!(out, Ok(("fast", 3)));
    assert_eq!(reactor.info().of(WatcherKind::Delay).enabled, 0, "every timer released");
}
