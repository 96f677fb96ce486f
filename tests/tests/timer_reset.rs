//! Resetting timers (`Handle::reset`, `Sleep::reset`, `Interval::reset`): a reset timer fires
//! at its new deadline and never before, once, from the timer's one heap entry; stale ids and
//! watchers of other kinds get typed errors.

use std::cell::Cell;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use ampere_reactor::{Error, Reactor, WatcherKind};
use ampere_tests::{Counter, Log};

/// Records when a delay fires.
fn fired_at(reactor: &Reactor, after: Duration) -> (ampere_reactor::WatcherId, Rc<Cell<Option<Instant>>>) {
    let at = Rc::new(Cell::new(None));
    let a = at.clone();
    let id = reactor.delay(after, move |_, _| a.set(Some(Instant::now())));
    (id, at)
}

#[test]
fn a_timeout_reset_later_fires_at_the_new_deadline_not_the_old_one() {
    let reactor = Reactor::new().unwrap();
    let (id, at) = fired_at(&reactor, Duration::from_millis(5));
    let reset_at = Instant::now();
    reactor.reset(id, Duration::from_millis(30)).unwrap();
    reactor.run().unwrap();
    let fired = at.get().expect("it fired");
    assert!(fired >= reset_at + Duration::from_millis(30), "fired {:?} after the reset", fired - reset_at);
    assert_eq!(reactor.info().timer_heap_len, 0);
}

#[test]
fn a_timeout_reset_earlier_fires_at_the_new_deadline() {
    let reactor = Reactor::new().unwrap();
    let (id, at) = fired_at(&reactor, Duration::from_secs(60));
    let reset_at = Instant::now();
    reactor.reset(id, Duration::from_millis(2)).unwrap();
    let started = Instant::now();
    reactor.run().unwrap(); // would hang for a minute if the old deadline stood
    let fired = at.get().expect("it fired");
    assert!(fired >= reset_at + Duration::from_millis(2));
    assert!(started.elapsed() < Duration::from_secs(30), "the old deadline was kept");
}

#[test]
fn a_reset_repeat_fires_after_the_reset_delay_then_every_interval() {
    let reactor = Reactor::new().unwrap();
    let times = Rc::new(std::cell::RefCell::new(Vec::new()));
    let t = times.clone();
    let id = reactor.repeat(Duration::from_millis(3), move |h, id| {
        t.borrow_mut().push(Instant::now());
        if t.borrow().len() == 3 {
            h.cancel(id);
        }
    });
    let reset_at = Instant::now();
    reactor.reset(id, Duration::from_millis(20)).unwrap();
    reactor.run().unwrap();
    let times = times.borrow();
    assert_eq!(times.len(), 3);
    let first = reset_at + Duration::from_millis(20);
    for (n, t) in times.iter().enumerate() {
        // Drift-free from the reset deadline: first + n * interval, never before.
        assert!(*t >= first + Duration::from_millis(3 * n as u64), "tick {n} early");
    }
}

#[test]
fn a_repeat_can_reset_itself_from_its_own_callback() {
    let reactor = Reactor::new().unwrap();
    let times = Rc::new(std::cell::RefCell::new(Vec::<Instant>::new()));
    let t = times.clone();
    reactor.repeat(Duration::from_millis(1), move |h, id| {
        t.borrow_mut().push(Instant::now());
        match t.borrow().len() {
            1 => h.reset(id, Duration::from_millis(25)).unwrap(),
            _ => h.cancel(id),
        }
    });
    reactor.run().unwrap();
    let times = times.borrow();
    assert_eq!(times.len(), 2);
    assert!(times[1] - times[0] >= Duration::from_millis(25), "the reset inside the callback held");
}

#[test]
fn a_delay_is_dead_inside_its_own_callback_so_resetting_it_errors() {
    let reactor = Reactor::new().unwrap();
    let got = Rc::new(Cell::new(None));
    let g = got.clone();
    reactor.delay(Duration::ZERO, move |h, id| {
        g.set(Some(matches!(h.reset(id, Duration::ZERO), Err(Error::InvalidWatcher(x)) if x == id)))
    });
    reactor.run().unwrap();
    assert_eq!(got.get(), Some(true));
}

#[test]
fn reset_of_a_dead_id_is_invalid_watcher_and_of_another_kind_is_not_a_timer() {
    let reactor = Reactor::new().unwrap();
    let delay = reactor.delay(Duration::from_secs(60), |_, _| {});
    reactor.cancel(delay);
    assert!(matches!(reactor.reset(delay, Duration::ZERO), Err(Error::InvalidWatcher(x)) if x == delay));
    let defer = reactor.defer(|_, _| {});
    assert!(matches!(
        reactor.reset(defer, Duration::ZERO),
        Err(Error::NotATimer { watcher, kind: WatcherKind::Defer }) if watcher == defer
    ));
    reactor.cancel(defer);
    assert!(matches!(reactor.reset(defer, Duration::ZERO), Err(Error::InvalidWatcher(_))));
    let (a, _b) = UnixStream::pair().unwrap();
    let io = reactor.on_readable(&a, |_, _, _| {}).unwrap();
    assert!(matches!(
        reactor.reset(io, Duration::ZERO),
        Err(Error::NotATimer { watcher, kind: WatcherKind::Readable }) if watcher == io
    ));
    assert!(reactor.is_enabled(io).unwrap(), "a refused reset changes nothing");
    reactor.cancel(io);
    assert_eq!(reactor.info().timer_heap_len, 0);
}

#[test]
fn reset_enables_a_disabled_timer_from_the_next_tick_on() {
    let reactor = Reactor::new().unwrap();
    let fired = Counter::new();
    let f = fired.clone();
    let id = reactor.watch().disabled().delay(Duration::from_secs(60), move |_, _| f.bump());
    reactor.reset(id, Duration::ZERO).unwrap();
    assert!(reactor.is_enabled(id).unwrap());
    reactor.run().unwrap();
    assert_eq!(fired.get(), 1);
}

#[test]
fn a_zero_reset_inside_a_tick_waits_for_the_next_tick() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let l = log.clone();
    let timer = reactor.delay(Duration::from_secs(60), move |_, _| l.push("timer"));
    let l = log.clone();
    reactor.defer(move |h, _| {
        h.reset(timer, Duration::ZERO).unwrap();
        l.push("defer");
    });
    reactor.tick().unwrap();
    assert_eq!(log.events(), ["defer"], "nothing fires in the tick it was reset in");
    reactor.run().unwrap();
    assert_eq!(log.events(), ["defer", "timer"]);
}

#[test]
fn timers_reset_to_the_same_deadline_fire_in_reset_order() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let ids: Vec<_> = (0..3)
        .map(|n| {
            let l = log.clone();
            reactor.delay(Duration::from_secs(60), move |_, _| l.push(format!("t{n}")))
        })
        .collect();
    // Reset in reverse, all due at once by the time the reactor looks.
    for &id in ids.iter().rev() {
        reactor.reset(id, Duration::ZERO).unwrap();
    }
    std::thread::sleep(Duration::from_millis(1));
    reactor.run().unwrap();
    assert_eq!(log.events(), ["t2", "t1", "t0"]);
}

#[test]
fn a_hundred_thousand_resets_keep_one_heap_entry_per_timer() {
    let reactor = Reactor::new().unwrap();
    let ids: Vec<_> = (0..1_000).map(|_| reactor.delay(Duration::from_secs(60), |_, _| {})).collect();
    for n in 0..100_000usize {
        let id = ids[n.wrapping_mul(7919) % ids.len()];
        reactor.reset(id, Duration::from_secs(30 + (n % 60) as u64)).unwrap();
        if n % 10_000 == 0 {
            assert_eq!(reactor.info().timer_heap_len, ids.len());
        }
    }
    assert_eq!(reactor.info().timer_heap_len, ids.len(), "the heap stays flat");
    for id in ids {
        reactor.cancel(id);
    }
    assert_eq!(reactor.info().timer_heap_len, 0);
}

#[test]
fn disable_and_cancel_take_the_entry_out_of_the_heap_at_once() {
    let reactor = Reactor::new().unwrap();
    let a = reactor.delay(Duration::from_secs(60), |_, _| {});
    let b = reactor.repeat(Duration::from_secs(60), |_, _| {});
    assert_eq!(reactor.info().timer_heap_len, 2);
    reactor.disable(a);
    assert_eq!(reactor.info().timer_heap_len, 1);
    reactor.cancel(b);
    assert_eq!(reactor.info().timer_heap_len, 0);
    reactor.enable(a).unwrap();
    assert_eq!(reactor.info().timer_heap_len, 1);
    reactor.cancel(a);
}

/// Polls `f` once by hand with a no-op waker.
fn poll_once<F: std::future::Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    std::pin::Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn a_sleep_reset_many_times_fires_once_at_the_last_deadline() {
    let reactor = Reactor::new().unwrap();
    let done = reactor
        .block_on(async {
            let mut nap = ampere_reactor::sleep(Duration::from_secs(60));
            assert!(poll_once(&mut nap).is_pending()); // armed
            let mut last = Instant::now();
            for n in 0..1_000u64 {
                last = Instant::now() + Duration::from_millis(5 + n % 7);
                nap.reset(last);
                assert!(poll_once(&mut nap).is_pending());
            }
            assert_eq!(ampere_reactor::Handle::current().unwrap().info().timer_heap_len, 1, "one timer, moved");
            nap.await;
            (Instant::now(), last)
        })
        .unwrap();
    assert!(done.0 >= done.1, "completed {:?} early", done.1 - done.0);
    assert_eq!(reactor.info().timer_heap_len, 0);
}

#[test]
fn a_sleep_reset_after_its_timer_fired_waits_for_the_new_deadline() {
    let reactor = Reactor::new().unwrap();
    reactor
        .block_on(async {
            let mut nap = ampere_reactor::sleep(Duration::from_millis(1));
            assert!(poll_once(&mut nap).is_pending());
            ampere_reactor::sleep(Duration::from_millis(3)).await; // the nap's timer fires meanwhile
            let deadline = Instant::now() + Duration::from_millis(5);
            nap.reset(deadline);
            nap.await;
            assert!(Instant::now() >= deadline);
        })
        .unwrap();
}

#[test]
fn an_interval_reset_restarts_its_period_from_now() {
    let reactor = Reactor::new().unwrap();
    reactor
        .block_on(async {
            let mut every = ampere_reactor::interval(Duration::from_millis(20));
            let mut tick = every.tick();
            assert!(poll_once(&mut tick).is_pending()); // the first tick's timer is armed
            std::thread::sleep(Duration::from_millis(10));
            let reset_at = Instant::now();
            every.reset();
            let first = every.tick().await;
            assert!(first >= reset_at + Duration::from_millis(20), "the reset pushed the tick back");
            assert!(Instant::now() >= first);
            let second = every.tick().await;
            assert_eq!(second - first, Duration::from_millis(20), "drift-free from the reset");
            assert_eq!(ampere_reactor::Handle::current().unwrap().info().timer_heap_len, 0);
        })
        .unwrap();
}
