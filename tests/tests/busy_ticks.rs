//! Busy ticks (`reactor/src/core/busy.rs`): `run` and `block_on` may leave the kernel poll
//! out while only queued work waits, but never for long: an fd that becomes ready is
//! dispatched within the documented bound (60 ticks in a row, 61 callbacks and task polls,
//! plus the tick that crosses it),
//! timers still fire, never early, and an explicit `tick` always polls.

use std::cell::Cell;
use std::future::poll_fn;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

use ampere_reactor::{Handle, Reactor};
use ampere_tests::{socket_pair, Counter};

/// How much later than in a tick that polls an fd may be dispatched: the bound of `busy.rs`
/// (61 callbacks), plus the tick that notices it.
const BOUND: usize = 62;

/// The same for a task that wakes itself: a tick polls up to 256 tasks, so the tick that
/// crosses the bound may add that many.
const TASK_BOUND: usize = BOUND + 256;

/// Gives up on a chain after this many hops: a starved fd would otherwise hang the test.
const GIVE_UP: usize = 100_000;

/// A defer chain that runs until `done` is set (or [`GIVE_UP`]), counting its hops; with
/// `write`, it writes a byte into the socket at the hop given.
fn chain(h: &Handle, hops: Rc<Cell<usize>>, done: Rc<Cell<bool>>, write: Option<(Rc<UnixStream>, usize)>) {
    h.defer(move |h, _| {
        if done.get() || hops.get() >= GIVE_UP {
            return;
        }
        hops.set(hops.get() + 1);
        if let Some((writer, at)) = &write {
            if hops.get() == *at {
                (&**writer).write_all(b"x").unwrap();
            }
        }
        chain(h, hops, done, write);
    });
}

#[test]
fn an_endless_defer_chain_does_not_starve_an_fd_that_becomes_readable() {
    let reactor = Reactor::new().unwrap();
    let (a, b) = socket_pair();
    let (hops, done, seen_at) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(false)), Rc::new(Cell::new(0)));
    let (d, s, hp) = (Rc::clone(&done), Rc::clone(&seen_at), Rc::clone(&hops));
    reactor
        .on_readable(&b, move |h, id, _| {
            s.set(hp.get());
            d.set(true);
            h.cancel(id);
        })
        .unwrap();
    let write_at = 1_000;
    chain(&reactor, Rc::clone(&hops), done, Some((Rc::new(a), write_at)));
    reactor.run().unwrap();
    assert!(seen_at.get() > 0, "the fd was never dispatched during {GIVE_UP} hops");
    let late = seen_at.get() - write_at;
    assert!(late <= BOUND, "the fd was dispatched {late} hops after it became readable (bound {BOUND})");
}

#[test]
fn a_task_waking_itself_in_block_on_does_not_starve_a_readable_fd() {
    let reactor = Reactor::new().unwrap();
    let (mut a, b) = socket_pair();
    a.write_all(b"x").unwrap();
    let seen = Rc::new(Cell::new(false));
    let s = Rc::clone(&seen);
    reactor
        .on_readable(&b, move |h, id, _| {
            s.set(true);
            h.cancel(id);
        })
        .unwrap();
    let polls = Counter::new();
    let p = polls.clone();
    let spinner = reactor.spawn(poll_fn(move |cx| {
        p.bump();
        if seen.get() || p.get() >= GIVE_UP {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }));
    reactor.block_on(spinner).unwrap().unwrap();
    assert!(polls.get() <= TASK_BOUND, "the fd waited {} task polls (bound {TASK_BOUND})", polls.get());
}

#[test]
fn a_timer_fires_during_an_endless_defer_chain_and_never_early() {
    let reactor = Reactor::new().unwrap();
    let done = Rc::new(Cell::new(false));
    let d = Rc::clone(&done);
    let start = Instant::now();
    let fired_after = Rc::new(Cell::new(None));
    let f = Rc::clone(&fired_after);
    reactor.delay(Duration::from_millis(5), move |_, _| {
        f.set(Some(start.elapsed()));
        d.set(true);
    });
    let hops = Rc::new(Cell::new(0));
    chain(&reactor, Rc::clone(&hops), done, None);
    reactor.run().unwrap(); // the timer keeps it going if the chain gives up first
    let after = fired_after.get().expect("the timer fired");
    assert!(after >= Duration::from_millis(5), "the timer fired early: {after:?}");
}

#[test]
fn an_explicit_tick_polls_the_kernel_even_with_defers_queued() {
    let reactor = Reactor::new().unwrap();
    let (mut a, b) = socket_pair();
    let seen = Counter::new();
    let s = seen.clone();
    reactor.on_readable(&b, move |_, _, _| s.bump()).unwrap();
    let (hops, done) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(false)));
    chain(&reactor, hops, Rc::clone(&done), None);
    for _ in 0..5 {
        reactor.tick().unwrap(); // defers queued at every tick
    }
    a.write_all(b"x").unwrap();
    reactor.tick().unwrap();
    assert_eq!(seen.get(), 1, "the tick right after the write dispatched the fd");
    done.set(true);
}
