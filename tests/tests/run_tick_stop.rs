//! `run`, `tick` and `stop`: when the loop ends, what one iteration does, re-entrance, panics,
//! stale ids and introspection.

use std::time::{Duration, Instant};

use ampere_reactor::{Error, Reactor, WatcherKind};
use ampere_tests::{Counter, DropCounter, Log};

#[test]
fn run_returns_at_once_when_nothing_is_referenced() {
    let reactor = Reactor::new().unwrap();
    let fired = Counter::new();
    let f = fired.clone();
    reactor.watch().unreferenced().repeat(Duration::from_millis(1), move |_, _| f.bump());
    reactor.watch().disabled().delay(Duration::ZERO, |_, _| panic!("disabled: never runs"));
    let start = Instant::now();
    reactor.run().unwrap();
    assert!(start.elapsed() < Duration::from_millis(500));
    assert_eq!(fired.get(), 0, "run returned before the unreferenced repeat could fire");
}

#[test]
fn run_goes_on_while_a_referenced_watcher_is_enabled() {
    let reactor = Reactor::new().unwrap();
    let fired = Counter::new();
    let f = fired.clone();
    let unref = reactor.watch().unreferenced().repeat(Duration::from_millis(1), move |_, _| f.bump());
    reactor.delay(Duration::from_millis(20), |_, _| {});
    reactor.run().unwrap();
    assert!(fired.get() >= 5, "the unreferenced repeat fired while the delay kept run going: {}", fired.get());
    reactor.cancel(unref);
}

#[test]
fn stop_ends_run_after_the_current_tick() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let l = log.clone();
    reactor.defer(move |h, _| {
        h.stop();
        l.push("first");
        let l = l.clone();
        h.defer(move |_, _| l.push("next tick"));
    });
    let l = log.clone();
    reactor.defer(move |_, _| l.push("same tick, after stop"));
    reactor.run().unwrap();
    assert_eq!(log.events(), ["first", "same tick, after stop"]);
    // Pending watchers carry over into the next run.
    reactor.run().unwrap();
    assert_eq!(log.events(), ["first", "same tick, after stop", "next tick"]);
}

#[test]
fn stop_outside_run_does_not_affect_the_next_run() {
    let reactor = Reactor::new().unwrap();
    let fired = Counter::new();
    let f = fired.clone();
    reactor.stop();
    reactor.defer(move |h, _| {
        let f = f.clone();
        h.defer(move |_, _| f.bump());
    });
    reactor.run().unwrap();
    assert_eq!(fired.get(), 1, "run went on past its first tick");
}

#[test]
fn tick_runs_exactly_one_iteration() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let l = log.clone();
    reactor.defer(move |h, _| {
        l.push("1");
        let l = l.clone();
        h.defer(move |h, _| {
            l.push("2");
            let l = l.clone();
            h.defer(move |_, _| l.push("3"));
        });
    });
    reactor.tick().unwrap();
    assert_eq!(log.events(), ["1"]);
    reactor.tick().unwrap();
    assert_eq!(log.events(), ["1", "2"]);
    reactor.tick().unwrap();
    assert_eq!(log.events(), ["1", "2", "3"]);
}

#[test]
fn tick_with_nothing_registered_returns_at_once() {
    let reactor = Reactor::new().unwrap();
    let start = Instant::now();
    reactor.tick().unwrap();
    assert!(start.elapsed() < Duration::from_millis(500));
}

#[test]
fn run_tick_and_block_on_from_a_callback_are_reentrant_errors() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let l = log.clone();
    reactor.defer(move |h, _| {
        l.push(format!("{:?}", h.run().unwrap_err()));
        l.push(format!("{:?}", h.tick().unwrap_err()));
        l.push(format!("{:?}", h.block_on(async {}).unwrap_err()));
        l.push(format!("{:?}", ampere_reactor::run().unwrap_err()));
    });
    reactor.run().unwrap();
    assert_eq!(log.events(), ["Reentrant"; 4]);
}

#[test]
fn a_panic_comes_out_of_run_and_the_next_run_continues_where_it_stopped() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let l = log.clone();
    reactor.defer(move |_, _| {
        l.push("panicking");
        panic!("boom");
    });
    let l = log.clone();
    reactor.defer(move |_, _| l.push("second defer"));
    match reactor.run() {
        Err(Error::CallbackPanicked { kind: WatcherKind::Defer, message, created_at, .. }) => {
            assert_eq!(message, "boom");
            assert!(created_at.file().ends_with("run_tick_stop.rs"), "{created_at}");
        }
        other => panic!("expected CallbackPanicked, got {other:?}"),
    }
    assert_eq!(log.events(), ["panicking"], "run returned right after the panicking callback");
    reactor.run().unwrap();
    assert_eq!(log.events(), ["panicking", "second defer"]);
}

#[test]
fn a_panicking_io_callback_does_not_lose_the_other_watchers_readiness() {
    let reactor = Reactor::new().unwrap();
    let (a, b) = ampere_tests::socket_pair();
    std::io::Write::write_all(&mut &a, b"x").unwrap();
    let ran = Counter::new();
    let first = reactor.on_readable(&b, |_, _, _| panic!("first reader")).unwrap();
    let r = ran.clone();
    let second = reactor.on_readable(&b, move |_, _, _| r.bump()).unwrap();
    assert!(matches!(reactor.tick(), Err(Error::CallbackPanicked { .. })));
    reactor.cancel(first);
    reactor.tick().unwrap();
    assert_eq!(ran.get(), 1, "the second reader still saw the pending data");
    reactor.cancel(second);
}

#[test]
fn with_an_error_handler_panics_are_handed_over_and_the_loop_goes_on() {
    let reactor = Reactor::new().unwrap();
    let errors = Log::new();
    let e = errors.clone();
    reactor.set_error_handler(move |err| e.push(err.to_string()));
    let calls = Counter::new();
    let c = calls.clone();
    reactor.repeat(Duration::from_millis(1), move |h, id| {
        c.bump();
        if c.get() == 3 {
            h.cancel(id);
        }
        panic!("repeat call {}", c.get());
    });
    reactor.run().unwrap();
    assert_eq!(calls.get(), 3, "the repeat kept firing after its panics");
    assert_eq!(errors.events().len(), 3);
    assert!(errors.events()[0].contains("repeat call 1"), "{:?}", errors.events());
}

#[test]
fn stale_ids_are_typed_errors_or_no_ops_and_never_reach_a_reused_slot() {
    let reactor = Reactor::new().unwrap();
    let old = reactor.delay(Duration::from_secs(60), |_, _| {});
    reactor.cancel(old);
    let fresh = reactor.delay(Duration::from_secs(60), |_, _| {});
    assert!(matches!(reactor.enable(old), Err(Error::InvalidWatcher(id)) if id == old));
    assert!(matches!(reactor.reference(old), Err(Error::InvalidWatcher(_))));
    assert!(matches!(reactor.is_enabled(old), Err(Error::InvalidWatcher(_))));
    reactor.disable(old);
    reactor.unreference(old);
    reactor.cancel(old);
    assert!(reactor.is_enabled(fresh).unwrap(), "operations on the stale id did not touch the new watcher");
    assert!(reactor.is_referenced(fresh).unwrap());
    reactor.cancel(fresh);
}

#[test]
fn one_shot_watchers_are_invalid_inside_their_own_callback() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let l = log.clone();
    reactor.defer(move |h, id| {
        h.cancel(id); // harmless
        l.push(format!("{:?}", h.enable(id).unwrap_err()));
    });
    reactor.run().unwrap();
    assert!(log.events()[0].starts_with("InvalidWatcher"), "{:?}", log.events());
}

#[test]
fn introspection_counts_watchers_and_reports_what_keeps_run_alive() {
    let reactor = Reactor::new().unwrap();
    let d = reactor.delay(Duration::from_secs(60), |_, _| {});
    let r = reactor.watch().unreferenced().repeat(Duration::from_secs(60), |_, _| {});
    let f = reactor.watch().disabled().defer(|_, _| {});
    let info = reactor.info();
    assert_eq!(info.of(WatcherKind::Delay).enabled, 1);
    assert_eq!(info.of(WatcherKind::Delay).referenced, 1);
    assert_eq!(info.of(WatcherKind::Repeat).enabled, 1);
    assert_eq!(info.of(WatcherKind::Repeat).referenced, 0);
    assert_eq!(info.of(WatcherKind::Defer).disabled, 1);
    assert_eq!(info.watchers(), 3);
    assert_eq!(reactor.kind(r).unwrap(), WatcherKind::Repeat);
    let alive = reactor.keep_alive_report();
    assert_eq!(alive.len(), 1);
    assert_eq!(alive[0].id, d);
    assert!(alive[0].created_at.file().ends_with("run_tick_stop.rs"));
    assert!(reactor.is_alive());
    for id in [d, r, f] {
        reactor.cancel(id);
    }
    assert_eq!(reactor.info().watchers(), 0);
    assert!(!reactor.is_alive());
}

#[test]
fn cancel_frees_the_callback_at_once_and_one_shots_free_themselves_after_running() {
    let reactor = Reactor::new().unwrap();
    let drops = Counter::new();
    let guard = DropCounter(drops.clone());
    let id = reactor.delay(Duration::from_secs(60), move |_, _| drop(guard));
    reactor.cancel(id);
    assert_eq!(drops.get(), 1, "cancel dropped the closure");
    let guard = DropCounter(drops.clone());
    reactor.defer(move |_, _| {
        let _keep = &guard;
    });
    reactor.run().unwrap();
    assert_eq!(drops.get(), 2, "the defer's closure was dropped after it ran");
    assert_eq!(reactor.info().watchers(), 0);
}

#[test]
fn dropping_the_reactor_drops_every_callback() {
    let drops = Counter::new();
    {
        let reactor = Reactor::new().unwrap();
        for _ in 0..3 {
            let guard = DropCounter(drops.clone());
            let handle = reactor.handle(); // a cycle: the callback holds the reactor
            reactor.repeat(Duration::from_secs(60), move |_, _| {
                let _keep = (&guard, &handle);
            });
        }
    }
    assert_eq!(drops.get(), 3);
}

#[test]
fn an_idle_reactor_really_sleeps() {
    let reactor = Reactor::new().unwrap();
    let start = Instant::now();
    reactor.delay(Duration::from_millis(150), |_, _| {});
    let cpu = ampere_tests::thread_cpu_time();
    reactor.run().unwrap();
    assert!(start.elapsed() >= Duration::from_millis(150));
    let used = ampere_tests::thread_cpu_time() - cpu;
    assert!(used <= Duration::from_millis(40), "waiting 150 ms cost {used:?} of CPU");
    assert!(reactor.info().ticks <= 3, "{} ticks for one timer", reactor.info().ticks);
}

#[test]
fn free_functions_use_the_threads_default_reactor() {
    std::thread::spawn(|| {
        let log = Log::new();
        let l = log.clone();
        ampere_reactor::defer(move |_, _| l.push("defer")).unwrap();
        let l = log.clone();
        let id = ampere_reactor::delay(Duration::ZERO, move |_, _| l.push("delay")).unwrap();
        ampere_reactor::disable(id).unwrap();
        ampere_reactor::enable(id).unwrap();
        ampere_reactor::run().unwrap();
        assert_eq!(log.events(), ["defer", "delay"]);
    })
    .join()
    .unwrap();
}

#[test]
fn values_dropped_during_thread_teardown_get_a_typed_error_not_a_crash() {
    struct UsesReactorOnDrop(std::sync::mpsc::Sender<String>);
    impl Drop for UsesReactorOnDrop {
        fn drop(&mut self) {
            let outcome = ampere_reactor::defer(|_, _| {});
            let _ = self.0.send(format!("{:?}", outcome.map(|_| ())));
        }
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let guard = UsesReactorOnDrop(tx);
        // The default reactor owns the closure; it is dropped when the thread-local is.
        ampere_reactor::delay(Duration::from_secs(60), move |_, _| drop(guard)).unwrap();
    })
    .join()
    .expect("thread teardown did not panic");
    let outcome = rx.recv().unwrap();
    assert!(outcome == "Err(ReactorGone)" || outcome == "Ok(())", "{outcome}");
}
