//! Defers and timers: ordering, never early, drift-free repeat, skipping missed periods,
//! enable/disable timing and bounded memory under churn.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ampere_reactor::{Reactor, WatcherKind};
use ampere_tests::{Counter, Log};

#[test]
fn defers_run_fifo_in_the_next_tick_and_a_defer_created_in_a_tick_waits_for_the_next() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    for n in 0..3 {
        let l = log.clone();
        reactor.defer(move |h, _| {
            l.push(format!("d{n}"));
            let l = l.clone();
            h.defer(move |_, _| l.push(format!("d{n}.child")));
        });
    }
    reactor.tick().unwrap();
    assert_eq!(log.events(), ["d0", "d1", "d2"]);
    reactor.tick().unwrap();
    assert_eq!(log.events()[3..], ["d0.child", "d1.child", "d2.child"]);
}

#[test]
fn defers_run_in_enable_order() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let l = log.clone();
    let a = reactor.watch().disabled().defer(move |_, _| l.push("a"));
    let l = log.clone();
    reactor.defer(move |_, _| l.push("b"));
    reactor.enable(a).unwrap();
    reactor.run().unwrap();
    assert_eq!(log.events(), ["b", "a"]);
}

#[test]
fn order_across_kinds_within_one_tick_is_defers_io_timers() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let (a, b) = ampere_tests::socket_pair();
    std::io::Write::write_all(&mut &a, b"x").unwrap();
    let l = log.clone();
    reactor.delay(Duration::ZERO, move |_, _| l.push("timer"));
    let l = log.clone();
    reactor
        .on_readable(&b, move |h, id, _| {
            l.push("io");
            h.cancel(id);
        })
        .unwrap();
    let l = log.clone();
    reactor.defer(move |_, _| l.push("defer"));
    reactor.tick().unwrap();
    assert_eq!(log.events(), ["defer", "io", "timer"]);
}

#[test]
fn nothing_fires_in_the_tick_it_was_created_in() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let l = log.clone();
    reactor.defer(move |h, _| {
        l.push("tick 1");
        let l2 = l.clone();
        h.delay(Duration::ZERO, move |_, _| l2.push("delay(0)"));
        let l3 = l.clone();
        h.repeat(Duration::ZERO, move |h, id| {
            l3.push("repeat(0)");
            h.cancel(id);
        });
    });
    reactor.tick().unwrap();
    assert_eq!(log.events(), ["tick 1"]);
    reactor.tick().unwrap();
    assert_eq!(log.events(), ["tick 1", "delay(0)", "repeat(0)"]);
}

#[test]
fn disable_takes_effect_at_once_even_for_a_watcher_due_this_tick() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let victim_log = log.clone();
    let victim = Rc::new(RefCell::new(None));
    let v = victim.clone();
    let l = log.clone();
    reactor.delay(Duration::ZERO, move |h, _| {
        l.push("first");
        h.disable(v.borrow().unwrap());
    });
    *victim.borrow_mut() = Some(reactor.delay(Duration::ZERO, move |_, _| victim_log.push("victim")));
    std::thread::sleep(Duration::from_millis(1));
    reactor.tick().unwrap();
    assert_eq!(log.events(), ["first"], "both were due; the disabled one was skipped");
    assert!(!reactor.is_enabled(victim.borrow().unwrap()).unwrap());
}

#[test]
fn timers_never_fire_early() {
    let reactor = Reactor::new().unwrap();
    let late = Rc::new(RefCell::new(Vec::new()));
    for us in [0u64, 50, 100, 300, 700, 1_000, 2_500, 5_000] {
        let want = Duration::from_micros(us);
        let created = Instant::now();
        let late = late.clone();
        reactor.delay(want, move |_, _| late.borrow_mut().push((want, created.elapsed())));
    }
    reactor.run().unwrap();
    let late = late.borrow();
    assert_eq!(late.len(), 8);
    for (want, got) in late.iter() {
        assert!(got >= want, "asked {want:?}, fired after {got:?}");
        assert!(*got < *want + Duration::from_millis(200), "asked {want:?}, fired after {got:?}");
    }
}

#[test]
fn equal_delays_fire_in_creation_order() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    for n in 0..20 {
        let l = log.clone();
        reactor.delay(Duration::from_millis(2), move |_, _| l.push(n.to_string()));
    }
    reactor.run().unwrap();
    let expected: Vec<String> = (0..20).map(|n| n.to_string()).collect();
    assert_eq!(log.events(), expected);
}

#[test]
fn a_huge_duration_saturates_to_never_instead_of_overflowing() {
    let reactor = Reactor::new().unwrap();
    let never = reactor.delay(Duration::MAX, |_, _| panic!("fired"));
    let also_never = reactor.repeat_after(Duration::MAX, Duration::MAX, |_, _| panic!("fired"));
    assert!(reactor.is_enabled(never).unwrap());
    reactor.delay(Duration::from_millis(5), |h, _| h.stop());
    reactor.run().unwrap(); // stopped by the short timer: the long ones keep it alive
    assert!(reactor.is_alive());
    reactor.cancel(never);
    reactor.cancel(also_never);
    assert!(!reactor.is_alive());
}

#[test]
fn repeat_keeps_to_its_schedule_without_drift() {
    let reactor = Reactor::new().unwrap();
    let period = Duration::from_millis(3);
    let created = Instant::now();
    let fires = Rc::new(RefCell::new(Vec::new()));
    let f = fires.clone();
    reactor.repeat(period, move |h, id| {
        f.borrow_mut().push(created.elapsed());
        if f.borrow().len() == 30 {
            h.cancel(id);
        }
    });
    reactor.run().unwrap();
    for (k, at) in fires.borrow().iter().enumerate() {
        let due = period * (k as u32 + 1);
        assert!(*at >= due, "fire {k} at {at:?}, due {due:?}: early");
    }
    // With "now + interval" rescheduling, each fire's lateness would push all later ones back;
    // here the 30th fire is late only by its own lateness.
    let last = fires.borrow()[29];
    assert!(last < period * 30 + Duration::from_millis(40), "30th fire at {last:?}: drift accumulated");
}

#[test]
fn a_stalled_repeat_skips_missed_periods_instead_of_bursting() {
    let reactor = Reactor::new().unwrap();
    let period = Duration::from_millis(2);
    let fires = Rc::new(RefCell::new(Vec::new()));
    let f = fires.clone();
    reactor.repeat(period, move |h, id| {
        f.borrow_mut().push(Instant::now());
        let n = f.borrow().len();
        if n == 1 {
            std::thread::sleep(Duration::from_millis(20)); // miss about ten periods
        }
        if n == 5 {
            h.cancel(id);
        }
    });
    reactor.run().unwrap();
    let fires = fires.borrow();
    // Fire 2 is the late one. A burst would deliver the ~10 missed periods back to back;
    // skipping resumes the schedule, so fires 3 to 5 take at least another period.
    let after_stall = fires[4] - fires[1];
    assert!(after_stall >= period, "fires 2 to 5 came within {after_stall:?}: a burst");
}

#[test]
fn repeat_zero_runs_once_per_tick() {
    let reactor = Reactor::new().unwrap();
    let calls = Counter::new();
    let c = calls.clone();
    let id = reactor.repeat(Duration::ZERO, move |_, _| c.bump());
    for _ in 0..5 {
        reactor.tick().unwrap();
    }
    assert_eq!(calls.get(), 5);
    reactor.cancel(id);
}

#[test]
fn re_enabling_a_timer_restarts_its_full_delay() {
    let reactor = Reactor::new().unwrap();
    let created = Instant::now();
    let fired_at = Rc::new(RefCell::new(None));
    let f = fired_at.clone();
    let timer = reactor.delay(Duration::from_millis(30), move |_, _| *f.borrow_mut() = Some(created.elapsed()));
    reactor.delay(Duration::from_millis(15), move |h, _| {
        h.disable(timer);
        h.enable(timer).unwrap();
    });
    reactor.run().unwrap();
    let at = fired_at.borrow().expect("fired");
    assert!(at >= Duration::from_millis(45), "fired after {at:?}; the delay did not restart");
}

#[test]
fn memory_stays_flat_under_100k_create_cancel_cycles() {
    let reactor = Reactor::new().unwrap();
    let live: Vec<_> = (0..1_000).map(|_| reactor.delay(Duration::from_secs(60), |_, _| {})).collect();
    for _ in 0..100_000 {
        let t = reactor.delay(Duration::from_secs(30), |_, _| {});
        reactor.cancel(t);
        let d = reactor.defer(|_, _| {});
        reactor.cancel(d);
    }
    let info = reactor.info();
    assert_eq!(info.watchers(), 1_000);
    assert!(info.timer_heap_len <= 2 * 1_000 + 64, "timer heap holds {} entries", info.timer_heap_len);
    assert_eq!(info.of(WatcherKind::Defer).enabled, 0, "no cancelled defer is left queued");
    for t in live {
        reactor.cancel(t);
    }
    assert_eq!(reactor.info().of(WatcherKind::Delay).enabled, 0);
    reactor.run().unwrap(); // nothing left: returns at once
}

#[test]
fn interval_is_drift_free_and_never_early() {
    let reactor = Reactor::new().unwrap();
    reactor
        .block_on(async {
            let period = Duration::from_millis(2);
            let start = Instant::now();
            let mut every = ampere_reactor::interval(period);
            let mut last: Option<Instant> = None;
            for k in 1..=25u32 {
                let scheduled = every.tick().await;
                assert!(Instant::now() >= scheduled, "tick {k} early");
                if let Some(prev) = last {
                    // Exactly one period later, or several if the machine stalled us (missed
                    // ticks are skipped, never delivered late in a burst).
                    let gap = (scheduled - prev).as_nanos();
                    assert!(gap > 0 && gap % period.as_nanos() == 0, "tick {k}: {gap} ns after the last");
                }
                last = Some(scheduled);
            }
            assert!(start.elapsed() >= period * 25);
        })
        .unwrap();
}

#[test]
fn sleep_never_completes_early_and_its_timer_is_released_on_drop() {
    let reactor = Reactor::new().unwrap();
    reactor
        .block_on(async {
            for ms in [0u64, 1, 3] {
                let start = Instant::now();
                ampere_reactor::sleep(Duration::from_millis(ms)).await;
                assert!(start.elapsed() >= Duration::from_millis(ms));
            }
        })
        .unwrap();
    // A sleep dropped while pending leaves no timer behind.
    let handle = reactor.handle();
    reactor
        .block_on(async move {
            let mut long = Box::pin(ampere_reactor::sleep(Duration::from_secs(60)));
            let _ = futures::poll!(long.as_mut());
            assert_eq!(handle.info().of(WatcherKind::Delay).enabled, 1);
            drop(long);
            assert_eq!(handle.info().of(WatcherKind::Delay).enabled, 0);
        })
        .unwrap();
}
