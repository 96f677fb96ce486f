//! Behaviour at the edges (issue 15): `stop` outside `run`, the error handler's lifetime, a
//! tick with nothing that could ever become due.
//!
//! Each of these was a hang or a spin once: a case that could hang runs its reactor on a
//! helper thread and fails after a generous budget instead of hanging the suite.

use std::time::Duration;

use ampere_reactor::{sleep, Error, Handle, Reactor};
use ampere_tests::{returns_in_time, socket_pair, Counter, Log};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// 1. `stop` only affects a `run` in progress.

#[test]
fn stop_outside_run_does_not_cut_the_next_tick_short() {
    let reactor = Reactor::new().unwrap();
    let fired = Counter::new();
    let f = fired.clone();
    reactor.delay(ms(20), move |_, _| f.bump());
    reactor.stop();
    reactor.tick().unwrap();
    assert_eq!(fired.get(), 1, "tick returned before anything was due");
}

#[test]
fn stop_outside_run_does_not_make_block_on_spin() {
    let reactor = Reactor::new().unwrap();
    reactor.stop();
    reactor.block_on(sleep(ms(20))).unwrap();
    let ticks = reactor.info().ticks;
    assert!(ticks < 20, "block_on spun: {ticks} ticks for one sleep");
}

#[test]
fn stop_from_a_callback_of_tick_is_not_left_behind() {
    let reactor = Reactor::new().unwrap();
    reactor.defer(|h, _| h.stop());
    reactor.tick().unwrap(); // polls, then runs the defer
    let fired = Counter::new();
    let f = fired.clone();
    reactor.delay(ms(20), move |_, _| f.bump());
    reactor.tick().unwrap();
    assert_eq!(fired.get(), 1, "the stop made in the previous tick cut this one short");
}

#[test]
fn stop_from_inside_block_on_is_not_left_behind() {
    let reactor = Reactor::new().unwrap();
    reactor.block_on(async { Handle::current().unwrap().stop() }).unwrap();
    let before = reactor.info().ticks;
    reactor.block_on(sleep(ms(20))).unwrap();
    let ticks = reactor.info().ticks - before;
    assert!(ticks < 20, "block_on spun: {ticks} ticks for one sleep");
}

#[test]
fn a_run_ended_by_an_error_after_stop_leaves_no_stop_behind() {
    let reactor = Reactor::new().unwrap();
    reactor.defer(|h, _| {
        h.stop();
        panic!("after stop (on purpose)");
    });
    assert!(matches!(reactor.run(), Err(Error::CallbackPanicked { .. })));
    let fired = Counter::new();
    let f = fired.clone();
    reactor.delay(ms(20), move |_, _| f.bump());
    reactor.tick().unwrap();
    assert_eq!(fired.get(), 1, "the stop of the failed run cut this tick short");
}

#[test]
fn stop_inside_run_ends_it_after_the_current_tick_without_waiting() {
    let ran_after = returns_in_time(|| {
        let reactor = Reactor::new().unwrap();
        let fired = Counter::new();
        let f = fired.clone();
        reactor.delay(Duration::from_secs(60), move |_, _| f.bump());
        reactor.defer(|h, _| h.stop());
        reactor.run().unwrap();
        assert!(reactor.is_alive(), "the timer is still there");
        fired.get()
    });
    assert_eq!(ran_after, 0);
}

// 4. A tick with nothing that could ever become due returns.

#[test]
fn tick_returns_when_only_disabled_watchers_exist() {
    returns_in_time(|| {
        let reactor = Reactor::new().unwrap();
        reactor.watch().disabled().delay(ms(1), |_, _| {});
        reactor.watch().disabled().repeat(ms(1), |_, _| {});
        let (a, _b) = socket_pair();
        reactor.watch().disabled().on_readable(&a, |_, _, _| {}).unwrap();
        reactor.tick().unwrap();
    });
}

#[test]
fn tick_returns_when_only_disabled_defers_exist() {
    returns_in_time(|| {
        let reactor = Reactor::new().unwrap();
        reactor.watch().disabled().defer(|_, _| {});
        reactor.tick().unwrap();
    });
}

#[test]
fn tick_still_waits_for_an_unreferenced_timer() {
    let fired = returns_in_time(|| {
        let reactor = Reactor::new().unwrap();
        let fired = Counter::new();
        let f = fired.clone();
        reactor.watch().unreferenced().delay(ms(20), move |_, _| f.bump());
        reactor.watch().disabled().defer(|_, _| {});
        reactor.tick().unwrap();
        fired.get()
    });
    assert_eq!(fired, 1, "an unreferenced timer can become due: the tick waits for it");
}

// 2. The error handler stays set until replaced or cleared.

#[test]
fn an_error_handler_cleared_inside_itself_stays_cleared() {
    let reactor = Reactor::new().unwrap();
    let seen = Log::new();
    let (s, h) = (seen.clone(), reactor.handle());
    reactor.set_error_handler(move |e| {
        s.push(e.to_string());
        h.clear_error_handler();
    });
    reactor.defer(|_, _| panic!("one (on purpose)"));
    reactor.defer(|_, _| panic!("two (on purpose)"));
    match reactor.run() {
        Err(Error::CallbackPanicked { message, .. }) => assert_eq!(message, "two (on purpose)"),
        other => panic!("the second panic had no handler: {other:?}"),
    }
    assert_eq!(seen.events().len(), 1, "{:?}", seen.events());
}

#[test]
fn an_error_handler_replaced_inside_itself_hands_on_to_the_new_one() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let (l, h) = (log.clone(), reactor.handle());
    reactor.set_error_handler(move |_| {
        l.push("first");
        let l = l.clone();
        h.set_error_handler(move |_| l.push("second"));
    });
    for _ in 0..3 {
        reactor.defer(|_, _| panic!("on purpose"));
    }
    reactor.run().unwrap();
    assert_eq!(log.events(), ["first", "second", "second"]);
}

#[test]
fn a_panicking_error_handler_is_a_typed_error_and_stays_installed() {
    let reactor = Reactor::new().unwrap();
    let seen = Log::new();
    let s = seen.clone();
    reactor.set_error_handler(move |e| {
        s.push(e.to_string());
        if s.events().len() == 1 {
            panic!("the handler fails once (on purpose)");
        }
    });
    reactor.defer(|_, _| panic!("one (on purpose)"));
    reactor.defer(|_, _| panic!("two (on purpose)"));
    match reactor.run() {
        Err(Error::ErrorHandlerPanicked { message }) => {
            assert_eq!(message, "the handler fails once (on purpose)")
        }
        other => panic!("expected the handler's panic as an error: {other:?}"),
    }
    // Still installed: the second panic goes to it, and `run` finishes normally.
    reactor.run().unwrap();
    let events = seen.events();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events[1].contains("two (on purpose)"), "{events:?}");
}

#[test]
fn take_error_handler_gives_back_the_installed_handler() {
    let reactor = Reactor::new().unwrap();
    assert!(reactor.take_error_handler().is_none());
    let log = Log::new();
    let l = log.clone();
    reactor.set_error_handler(move |e| l.push(format!("original: {e}")));
    let mut original = reactor.take_error_handler().expect("it was set");
    // Taken means removed: a panic comes out of run again.
    reactor.defer(|_, _| panic!("unhandled (on purpose)"));
    assert!(matches!(reactor.run(), Err(Error::CallbackPanicked { .. })));
    // The handler taken is the one installed, and can be put back, wrapped.
    let l = log.clone();
    reactor.set_error_handler(move |e| {
        l.push("wrapper");
        original(e);
    });
    reactor.defer(|_, _| panic!("handled (on purpose)"));
    reactor.run().unwrap();
    let events = log.events();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0], "wrapper");
    assert!(events[1].starts_with("original: ") && events[1].contains("handled (on purpose)"), "{events:?}");
}
