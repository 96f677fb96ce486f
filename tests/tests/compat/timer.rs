//! `AmpereTimer`'s sleeps: never early, reset in place, and their reactor timer freed when
//! they are dropped, on the reactor's thread or on another.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use ampere_reactor::compat::{AmpereSleep, AmpereTimer};
use ampere_reactor::Reactor;
use hyper::rt::{Sleep, Timer};

use crate::HANG;

/// Polls `sleep` once and asserts it is pending, then lets a few ticks pass so that its
/// reactor-side timer is armed and parked.
async fn poll_once(sleep: &mut Pin<Box<dyn Sleep>>) {
    poll_fn(|cx| {
        assert!(sleep.as_mut().poll(cx).is_pending(), "not due yet");
        Poll::Ready(())
    })
    .await;
    ampere_reactor::sleep(Duration::from_millis(2)).await;
}

#[test]
fn hyper_sleeps_satisfy_hypers_bounds() {
    fn send_sync_unpin<T: Send + Sync + Unpin + 'static>() {}
    send_sync_unpin::<AmpereSleep>();
    send_sync_unpin::<AmpereTimer>();
}

#[test]
fn a_50ms_hyper_sleep_takes_at_least_50ms() {
    let reactor = Reactor::new().expect("reactor");
    let start = Instant::now();
    reactor.block_on(AmpereTimer.sleep(Duration::from_millis(50))).expect("block_on");
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(50), "never early: {waited:?}");
    assert!(waited < HANG, "{waited:?}");
}

#[test]
fn a_hyper_sleep_until_a_past_deadline_is_ready_at_once() {
    let reactor = Reactor::new().expect("reactor");
    let past = Instant::now();
    reactor.block_on(AmpereTimer.sleep_until(past)).expect("block_on");
}

#[test]
fn dropping_an_armed_hyper_sleep_frees_its_reactor_timer() {
    let reactor = Reactor::new().expect("reactor");
    reactor
        .block_on(async {
            let mut sleep = AmpereTimer.sleep(Duration::from_secs(60));
            poll_once(&mut sleep).await;
            drop(sleep);
        })
        .expect("block_on");
    // Were the 60 s timer (or its task) still there, `run` would wait for it.
    let start = Instant::now();
    reactor.run().expect("run");
    assert!(start.elapsed() < HANG, "nothing keeps the reactor alive");
}

#[test]
fn a_hyper_sleep_dropped_on_another_thread_frees_its_reactor_timer() {
    let reactor = Reactor::new().expect("reactor");
    let mut sleep = AmpereTimer.sleep(Duration::from_secs(60));
    reactor.block_on(poll_once(&mut sleep)).expect("block_on");
    std::thread::spawn(move || drop(sleep)).join().expect("the dropping thread");
    let start = Instant::now();
    reactor.run().expect("run");
    assert!(start.elapsed() < HANG, "the drop reached the reactor's timer");
}

#[test]
fn reset_moves_a_pending_hyper_sleep_and_wakes_its_waiter() {
    let reactor = Reactor::new().expect("reactor");
    let waited = reactor
        .block_on(async {
            let mut sleep = AmpereTimer.sleep(Duration::from_secs(60));
            poll_once(&mut sleep).await;
            let start = Instant::now();
            AmpereTimer.reset(&mut sleep, start + Duration::from_millis(20));
            assert!(sleep.as_mut().downcast_mut_pin::<AmpereSleep>().is_some(), "reset in place");
            sleep.await;
            start.elapsed()
        })
        .expect("block_on");
    assert!(waited >= Duration::from_millis(20), "never early: {waited:?}");
    assert!(waited < HANG, "the new deadline, not the old one: {waited:?}");
}
