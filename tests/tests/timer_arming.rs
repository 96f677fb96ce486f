//! Timers armed relative to now from inside a tick's callbacks (issue 18): `reset`, `enable`
//! and creating a delay in a defer, I/O, signal or task callback cost no clock read each, yet
//! never fire before `call + delay`, however long the tick runs after the call; the deferred
//! shift is applied before the timers' phase, at the end of the tick, on an early return, and
//! before `next_timeout` or a paused clock's `advance`.

use std::cell::Cell;
use std::io::Write;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ampere_reactor::{Handle, Reactor, WatcherId};
use ampere_tests::{socket_pair, Counter};

/// How long a callback keeps the tick busy before it arms a timer: the arming comes late in
/// the tick, where the tick's cached time is this far in the past.
const BUSY: Duration = Duration::from_millis(30);
/// The delay armed after the busy wait.
const DELAY: Duration = Duration::from_millis(50);

/// Keeps the thread busy for `d` (a long callback), without sleeping.
fn busy_wait(d: Duration) {
    let until = Instant::now() + d;
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}

/// A delay that records when it fires.
fn recorder(reactor: &Reactor, after: Duration) -> (WatcherId, Rc<Cell<Option<Instant>>>) {
    let at = Rc::new(Cell::new(None));
    let a = at.clone();
    let id = reactor.delay(after, move |_, _| a.set(Some(Instant::now())));
    (id, at)
}

/// A defer that keeps the thread busy for `BUSY` (a long callback), records the time, resets
/// timer `id` to `DELAY` and then runs `after`. Returns the recorded time of the reset call.
fn defer_late_reset(reactor: &Reactor, id: WatcherId, after: fn()) -> Rc<Cell<Option<Instant>>> {
    let call = Rc::new(Cell::new(None));
    let c = call.clone();
    reactor.defer(move |h, _| {
        busy_wait(BUSY);
        c.set(Some(Instant::now()));
        h.reset(id, DELAY).unwrap();
        after();
    });
    call
}

/// Asserts the recorded fire came at least `DELAY` after the recorded call.
fn assert_not_early(call: &Cell<Option<Instant>>, fired: &Cell<Option<Instant>>) {
    let call = call.get().expect("the callback armed the timer");
    let fired = fired.get().expect("the timer fired");
    assert!(fired >= call + DELAY, "fired {:?} after the arming call, delay {DELAY:?}", fired - call);
}

#[test]
fn a_timer_reset_late_in_a_long_defer_never_fires_before_call_plus_delay() {
    let reactor = Reactor::new().unwrap();
    let (id, fired) = recorder(&reactor, Duration::from_secs(10));
    let call = defer_late_reset(&reactor, id, || {});
    reactor.run().unwrap();
    assert_not_early(&call, &fired);
}

#[test]
fn a_delay_created_late_in_a_long_defer_never_fires_before_call_plus_delay() {
    let reactor = Reactor::new().unwrap();
    let _keep_now_fresh = reactor.delay(Duration::from_secs(10), |_, _| {});
    let (call, fired) = (Rc::new(Cell::new(None)), Rc::new(Cell::new(None)));
    let (c, f) = (call.clone(), fired.clone());
    reactor.defer(move |h, _| {
        busy_wait(BUSY);
        c.set(Some(Instant::now()));
        h.delay(DELAY, move |h, _| {
            f.set(Some(Instant::now()));
            h.stop();
        });
    });
    reactor.run().unwrap();
    assert_not_early(&call, &fired);
}

#[test]
fn a_timer_enabled_late_in_a_long_io_callback_never_fires_before_call_plus_delay() {
    let reactor = Reactor::new().unwrap();
    let (id, fired) = recorder(&reactor, DELAY);
    reactor.disable(id);
    let _keep_now_fresh = reactor.watch().unreferenced().delay(Duration::from_secs(10), |_, _| {});
    let (mut a, b) = socket_pair();
    a.write_all(b"x").unwrap();
    let call = Rc::new(Cell::new(None));
    let c = call.clone();
    reactor
        .on_readable(&b, move |h, me, _| {
            h.cancel(me);
            busy_wait(BUSY);
            c.set(Some(Instant::now()));
            h.enable(id).unwrap();
        })
        .unwrap();
    reactor.run().unwrap();
    assert_not_early(&call, &fired);
}

#[test]
fn a_task_resetting_or_creating_a_timer_late_in_its_poll_never_fires_early() {
    let reactor = Reactor::new().unwrap();
    let (id, reset_fired) = recorder(&reactor, Duration::from_secs(10));
    let (call, created_fired) = (Rc::new(Cell::new(None)), Rc::new(Cell::new(None)));
    let (c, f) = (call.clone(), created_fired.clone());
    let h = reactor.handle();
    reactor.spawn(async move {
        busy_wait(BUSY);
        c.set(Some(Instant::now()));
        h.reset(id, DELAY).unwrap();
        h.delay(DELAY, move |_, _| f.set(Some(Instant::now())));
    });
    reactor.run().unwrap();
    assert_not_early(&call, &reset_fired);
    assert_not_early(&call, &created_fired);
}

#[test]
fn a_timer_reset_in_the_io_phase_does_not_fire_on_its_old_deadline_in_that_tick() {
    let reactor = Reactor::new().unwrap();
    let fired = Counter::new();
    let f = fired.clone();
    let id = reactor.delay(Duration::from_millis(1), move |_, _| f.bump());
    let (mut a, b) = socket_pair();
    reactor
        .on_readable(&b, move |h, me, _| {
            h.cancel(me);
            h.reset(id, Duration::from_secs(10)).unwrap();
        })
        .unwrap();
    std::thread::sleep(Duration::from_millis(5)); // the old deadline has passed
    a.write_all(b"x").unwrap();
    reactor.tick().unwrap(); // phase 3 resets it; phase 5 of the same tick sees the new deadline
    assert_eq!(fired.get(), 0, "fired on its old deadline");
    assert_eq!(reactor.info().timer_heap_len, 1);
    reactor.cancel(id);
}

#[test]
fn a_timer_reset_then_disabled_in_one_callback_stays_disabled() {
    let reactor = Reactor::new().unwrap();
    let fired = Counter::new();
    let f = fired.clone();
    let id = reactor.delay(Duration::from_secs(10), move |_, _| f.bump());
    reactor.defer(move |h, _| {
        h.reset(id, Duration::ZERO).unwrap();
        h.disable(id);
    });
    reactor.tick().unwrap();
    assert_eq!(reactor.info().timer_heap_len, 0, "the flush armed it again");
    assert!(!reactor.is_enabled(id).unwrap());
    std::thread::sleep(Duration::from_millis(2));
    reactor.tick_nowait().unwrap();
    reactor.tick_nowait().unwrap();
    assert_eq!(fired.get(), 0);
}

#[test]
fn a_timer_reset_cancelled_and_replaced_in_one_callback_fires_only_the_new_one_on_time() {
    let reactor = Reactor::new().unwrap();
    let old = Counter::new();
    let o = old.clone();
    let id = reactor.delay(Duration::from_secs(10), move |_, _| o.bump());
    let (call, fired) = (Rc::new(Cell::new(None)), Rc::new(Cell::new(None)));
    let (c, f) = (call.clone(), fired.clone());
    reactor.defer(move |h, _| {
        h.reset(id, Duration::ZERO).unwrap();
        h.cancel(id);
        busy_wait(BUSY);
        c.set(Some(Instant::now()));
        // The slab reuses the freed slot: the new watcher has the cancelled one's key.
        h.delay(DELAY, move |_, _| f.set(Some(Instant::now())));
    });
    reactor.tick().unwrap();
    assert_eq!(reactor.info().timer_heap_len, 1);
    reactor.run().unwrap();
    assert_eq!(old.get(), 0, "the cancelled timer fired");
    assert_not_early(&call, &fired);
}

#[test]
fn a_callback_that_panics_after_a_reset_still_leaves_the_timer_never_early() {
    let reactor = Reactor::new().unwrap();
    let (id, fired) = recorder(&reactor, Duration::from_secs(10));
    // Not `panic!`: the panic hook (a backtrace) could take longer than `BUSY` and hide an
    // early deadline; `resume_unwind` unwinds the same way without calling it.
    let call = defer_late_reset(&reactor, id, || std::panic::resume_unwind(Box::new("after the reset")));
    assert!(reactor.tick().is_err(), "the panic is the tick's error");
    reactor.run().unwrap();
    assert_not_early(&call, &fired);
}

#[test]
fn next_timeout_after_a_tick_counts_a_reset_from_the_call_not_the_tick_start() {
    let reactor = Reactor::new().unwrap();
    let (id, _fired) = recorder(&reactor, Duration::from_secs(10));
    let call = defer_late_reset(&reactor, id, || {});
    reactor.tick().unwrap();
    let timeout = reactor.next_timeout().unwrap().expect("a timer is pending");
    let call = call.get().unwrap();
    assert!(Instant::now() + timeout >= call + DELAY, "the timeout ends before call + delay");
    reactor.cancel(id);
}

#[test]
fn next_timeout_inside_a_callback_sees_the_reset_deadline() {
    let reactor = Reactor::new().unwrap();
    let (id, _fired) = recorder(&reactor, Duration::ZERO);
    let seen = Rc::new(Cell::new(None));
    let s = seen.clone();
    reactor.defer(move |h: &Handle, _| {
        busy_wait(BUSY);
        let call = Instant::now();
        h.reset(id, DELAY).unwrap();
        let timeout = h.next_timeout().unwrap().expect("a timer is pending");
        s.set(Some(Instant::now() + timeout >= call + DELAY));
    });
    reactor.tick().unwrap();
    assert_eq!(seen.get(), Some(true));
    reactor.cancel(id);
}

#[test]
fn on_a_paused_clock_resets_in_callbacks_keep_exact_virtual_deadlines() {
    let reactor = Reactor::builder().paused().build().unwrap();
    let start = reactor.now();
    let times = Rc::new(std::cell::RefCell::new(Vec::new()));
    let record = |name: &'static str| {
        let t = times.clone();
        move |h: &Handle, _| t.borrow_mut().push((name, h.now() - start))
    };
    let a = reactor.delay(Duration::from_secs(100), record("a"));
    let b = reactor.delay(Duration::from_secs(100), record("b"));
    reactor.defer(move |h, _| {
        h.reset(a, Duration::from_millis(50)).unwrap(); // before the move: from start
        h.advance(Duration::from_millis(10)).unwrap();
        h.reset(b, Duration::from_millis(50)).unwrap(); // after it: from start + 10 ms
        h.delay(Duration::from_millis(5), |_, _| {}); // from start + 10 ms
    });
    reactor.run().unwrap();
    assert_eq!(*times.borrow(), [("a", Duration::from_millis(50)), ("b", Duration::from_millis(60))]);
}

#[test]
fn many_resets_in_one_callback_keep_one_heap_entry_per_timer() {
    let reactor = Reactor::new().unwrap();
    let ids: Vec<WatcherId> = (0..100).map(|_| reactor.delay(Duration::from_secs(10), |_, _| {})).collect();
    let list = ids.clone();
    reactor.defer(move |h, _| {
        for round in 0..10u64 {
            for &id in &list {
                h.reset(id, Duration::from_secs(20 + round)).unwrap();
            }
        }
    });
    reactor.tick().unwrap();
    assert_eq!(reactor.info().timer_heap_len, ids.len());
    let timeout = reactor.next_timeout().unwrap().expect("timers are pending");
    assert!(timeout > Duration::from_secs(20), "the last reset wins: {timeout:?}");
    for id in ids {
        reactor.cancel(id);
    }
}
