//! GenericLoop's actions.

use super::*;

#[test]
fn generic_sleep_pauses_between_runs() {
    let reactor = Reactor::new().unwrap();
    let times = Rc::new(RefCell::new(Vec::new()));
    let t = times.clone();
    let lp = LoopHandle::new(GenericLoop::new("sleeper", async move |_| {
        t.borrow_mut().push(Instant::now());
        if t.borrow().len() == 3 {
            Next::Stop
        } else {
            Next::Sleep(ms(10))
        }
    }));
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
    let times = times.borrow();
    assert_eq!(times.len(), 3);
    for pair in times.windows(2) {
        assert_took(pair[1] - pair[0], ms(10));
    }
}

#[test]
fn generic_continue_runs_again_on_the_very_next_tick() {
    let reactor = Reactor::new().unwrap();
    let ticks = Rc::new(RefCell::new(Vec::new()));
    let t = ticks.clone();
    let lp = LoopHandle::new(GenericLoop::new("continuer", async move |_| {
        t.borrow_mut().push(Handle::current().unwrap().info().ticks);
        if t.borrow().len() == 5 {
            Next::Stop
        } else {
            Next::Continue
        }
    }));
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
    let ticks = ticks.borrow();
    assert_eq!(ticks.len(), 5);
    for pair in ticks.windows(2) {
        assert_eq!(pair[1], pair[0] + 1, "one tick between runs: {ticks:?}");
    }
}

#[test]
fn generic_continue_does_not_starve_timers_or_other_tasks() {
    let reactor = Reactor::new().unwrap();
    let runs = Counter::new();
    let r = runs.clone();
    let lp = LoopHandle::new(GenericLoop::new("spinner", async move |_| {
        r.bump();
        Next::Continue
    }));
    let done = lp.start_on(&reactor).unwrap();
    let other = Counter::new();
    let o = other.clone();
    let stopper = lp.clone();
    let start = Instant::now();
    let task = reactor.spawn(async move {
        for _ in 0..10 {
            sleep(ms(2)).await; // timers keep firing while the loop spins
            o.bump();
        }
        stopper.stop();
    });
    reactor.block_on(done).unwrap().unwrap();
    reactor.block_on(task).unwrap().unwrap();
    assert_eq!(other.get(), 10);
    assert_took(start.elapsed(), ms(20));
    assert!(runs.get() >= 10, "the loop kept running meanwhile ({} runs)", runs.get());
}

#[test]
fn generic_pause_waits_until_resumed() {
    let reactor = Reactor::new().unwrap();
    let runs = Counter::new();
    let r = runs.clone();
    let lp = LoopHandle::new(GenericLoop::new("pauser", async move |_| {
        r.bump();
        if r.get() == 2 {
            Next::Stop
        } else {
            Next::Pause
        }
    }));
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            sleep(ms(20)).await;
            assert_eq!((runs.get(), lp.state()), (1, LoopState::Paused { until: None }));
            assert!(lp.resume());
            done.await.unwrap();
        })
        .unwrap();
    assert_eq!(runs.get(), 2);
}

#[test]
fn generic_callback_returning_unit_means_pause() {
    let reactor = Reactor::new().unwrap();
    let runs = Counter::new();
    let r = runs.clone();
    let lp = LoopHandle::new(GenericLoop::new("unit", async move |_| r.bump()));
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            sleep(ms(10)).await;
            assert_eq!((runs.get(), lp.is_paused()), (1, true));
            assert!(lp.resume());
            turn().await;
            assert_eq!((runs.get(), lp.is_paused()), (2, true));
            lp.stop();
            done.await.unwrap();
        })
        .unwrap();
    assert_eq!(runs.get(), 2, "stopped while paused: the callback did not run again");
}

#[test]
fn generic_stop_ends_the_loop() {
    let reactor = Reactor::new().unwrap();
    let runs = Counter::new();
    let r = runs.clone();
    let lp = LoopHandle::new(GenericLoop::new("one-shot", async move |_| {
        r.bump();
        Next::Stop
    }));
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
    assert_eq!((runs.get(), lp.state()), (1, LoopState::Idle));
}

#[test]
fn generic_stop_from_outside_during_the_callback_ends_after_it() {
    let reactor = Reactor::new().unwrap();
    let runs = Counter::new();
    let r = runs.clone();
    let lp = LoopHandle::new(GenericLoop::new("busy", async move |_| {
        r.bump();
        sleep(ms(10)).await;
        Next::Continue
    }));
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert!(lp.stop());
            done.await.unwrap();
        })
        .unwrap();
    assert_eq!(runs.get(), 1);
}

#[test]
fn generic_callback_error_fails_the_loop() {
    let reactor = Reactor::new().unwrap();
    let lp = LoopHandle::new(GenericLoop::new("failing", async |_| Err::<Next, _>("no route to host")));
    match reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap() {
        Err(LoopError::Failed(e)) => assert_eq!(e.to_string(), "no route to host"),
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[test]
fn generic_callback_can_wait_for_signals_and_stop_itself() {
    let reactor = Reactor::new().unwrap();
    let got = Log::new();
    let g = got.clone();
    let lp = LoopHandle::new(GenericLoop::with_signals("listener", async move |this: &LoopContext<&'static str>| {
        if let Outcome::Signal(word) = this.wait_signal(this.pause(None)).await? {
            g.push(word);
            if word == "bye" {
                this.stop();
            }
        }
        Ok::<_, BoxError>(Next::Continue)
    }));
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            for word in ["hi", "there", "bye"] {
                // Undelivered while the callback is between waits: the sender retries.
                let mut tries = 0;
                while let Err(Undelivered(_)) = lp.signal(word) {
                    tries += 1;
                    assert!(tries < 10, "the callback never waited again");
                    turn().await;
                }
            }
            done.await.unwrap();
        })
        .unwrap();
    assert_eq!(got.events(), ["hi", "there", "bye"]);
}

#[test]
fn generic_stop_ends_a_long_sleep_at_once() {
    let reactor = Reactor::new().unwrap();
    let lp = LoopHandle::new(GenericLoop::new("hourly", async |_| Next::Sleep(Duration::from_secs(3600))));
    let done = lp.start_on(&reactor).unwrap();
    let start = Instant::now();
    reactor
        .block_on(async {
            turn().await;
            assert!(lp.is_paused());
            assert!(lp.stop());
            done.await
        })
        .unwrap()
        .unwrap();
    assert!(start.elapsed() < SLACK, "ended by the stop, not the hour");
}

/// A generic loop with the `Stop` signal, waiting `next` between runs; counts its runs.
fn stoppable(runs: &Counter, next: Next) -> LoopHandle<Stop> {
    let r = runs.clone();
    LoopHandle::new(GenericLoop::with_signals("stoppable", async move |_: &LoopContext<Stop>| {
        r.bump();
        next
    }))
}

#[test]
fn generic_stop_signal_ends_a_sleeping_or_paused_loop_at_once() {
    for next in [Next::Sleep(Duration::from_secs(3600)), Next::Pause] {
        let reactor = Reactor::new().unwrap();
        let runs = Counter::new();
        let lp = stoppable(&runs, next);
        let done = lp.start_on(&reactor).unwrap();
        let start = Instant::now();
        reactor
            .block_on(async {
                turn().await;
                assert_eq!(lp.signal(Stop), Ok(()), "{next:?}: delivered while it waits");
                done.await
            })
            .unwrap()
            .unwrap();
        assert!(start.elapsed() < SLACK, "{next:?}: ended by the signal");
        assert_eq!(runs.get(), 1, "{next:?}: the callback did not run again");
        assert_eq!(lp.state(), LoopState::Idle);
    }
}

#[test]
fn generic_stop_signal_during_the_callback_is_handed_back() {
    let reactor = Reactor::new().unwrap();
    let lp = LoopHandle::new(GenericLoop::with_signals("busy", async |_: &LoopContext<Stop>| {
        sleep(ms(5)).await;
        Next::Stop
    }));
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert_eq!(lp.signal(Stop), Err(Undelivered(Stop)));
            done.await
        })
        .unwrap()
        .unwrap();
}

#[test]
fn generic_loop_with_another_signal_type_leaves_signals_to_its_callback() {
    let reactor = Reactor::new().unwrap();
    let lp = LoopHandle::new(GenericLoop::with_signals("numbers", async |_: &LoopContext<u32>| Next::Pause));
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert!(lp.is_paused());
            assert_eq!(lp.signal(7), Err(Undelivered(7)), "its pause between runs takes no signal");
            lp.stop();
            done.await
        })
        .unwrap()
        .unwrap();
}
