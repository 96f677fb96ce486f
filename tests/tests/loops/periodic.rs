//! PeriodicLoop's schedule.

use super::*;

#[test]
fn periodic_runs_at_once_then_every_interval_until_the_callback_returns_true() {
    let reactor = Reactor::new().unwrap();
    let times = Rc::new(RefCell::new(Vec::new()));
    let t = times.clone();
    let lp = LoopHandle::new(PeriodicLoop::new("every 10 ms", ms(10), async move || {
        t.borrow_mut().push(Instant::now());
        t.borrow().len() == 3
    }));
    let start = Instant::now();
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
    let times = times.borrow();
    assert_eq!(times.len(), 3, "stopped by the third run's `true`");
    assert!(times[0] - start < SLACK, "the first run is at once");
    for pair in times.windows(2) {
        assert_took(pair[1] - pair[0], ms(10));
    }
}

#[test]
fn periodic_resume_runs_it_early_and_restarts_the_schedule() {
    let reactor = Reactor::new().unwrap();
    let times = Rc::new(RefCell::new(Vec::new()));
    let t = times.clone();
    let lp = LoopHandle::new(PeriodicLoop::new("every 40 ms", ms(40), async move || {
        t.borrow_mut().push(Instant::now());
        if t.borrow().len() == 3 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }));
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            sleep(ms(5)).await;
            assert!(lp.resume(), "it was waiting out its interval");
            done.await.unwrap();
        })
        .unwrap();
    let times = times.borrow();
    assert_eq!(times.len(), 3);
    assert!(times[1] - times[0] < ms(40), "the resume ran it early: {:?}", times[1] - times[0]);
    assert_took(times[2] - times[1], ms(40)); // a full interval from the early run
}

#[test]
fn periodic_stop_signal_ends_it_while_it_waits() {
    let reactor = Reactor::new().unwrap();
    let runs = Counter::new();
    let r = runs.clone();
    let lp = LoopHandle::new(PeriodicLoop::new("hourly", Duration::from_secs(3600), async move || {
        r.bump();
        sleep(ms(10)).await;
    }));
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert_eq!(lp.signal(Stop), Err(Undelivered(Stop)), "not delivered while the callback runs");
            sleep(ms(20)).await;
            assert_eq!(lp.signal(Stop), Ok(()));
            done.await.unwrap();
        })
        .unwrap();
    assert_eq!(runs.get(), 1);
}

#[test]
fn periodic_stop_from_outside_ends_it_while_it_waits() {
    let reactor = Reactor::new().unwrap();
    let runs = Counter::new();
    let r = runs.clone();
    let lp = LoopHandle::new(PeriodicLoop::new("hourly", Duration::from_secs(3600), async move || r.bump()));
    let done = lp.start_on(&reactor).unwrap();
    let start = Instant::now();
    reactor
        .block_on(async {
            turn().await;
            assert!(lp.stop());
            done.await.unwrap();
        })
        .unwrap();
    assert!(start.elapsed() < SLACK);
    assert_eq!((runs.get(), live_timers_of(&reactor)), (1, 0));
}

#[test]
fn periodic_callback_error_fails_the_loop() {
    let reactor = Reactor::new().unwrap();
    let lp = LoopHandle::new(PeriodicLoop::new("failing", ms(1), async || Err::<(), _>("the disk is full")));
    match reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap() {
        Err(LoopError::Failed(e)) => assert_eq!(e.to_string(), "the disk is full"),
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[test]
fn periodic_zero_interval_gives_the_reactor_a_turn_between_runs() {
    let reactor = Reactor::new().unwrap();
    let ticks = Rc::new(RefCell::new(Vec::new()));
    let t = ticks.clone();
    let lp = LoopHandle::new(PeriodicLoop::new("busy", Duration::ZERO, async move || {
        t.borrow_mut().push(Handle::current().unwrap().info().ticks);
        t.borrow().len() == 3
    }));
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
    let ticks = ticks.borrow();
    assert!(ticks.windows(2).all(|p| p[1] > p[0]), "one run per tick at most: {ticks:?}");
}
