//! Pause and resume, and their races.

use super::*;

#[test]
fn a_timed_pause_waits_at_least_its_duration() {
    let reactor = Reactor::new().unwrap();
    let took = Rc::new(Cell::new(Duration::ZERO));
    let t = took.clone();
    let lp = looped(async move |this| {
        let start = Instant::now();
        assert_eq!(this.pause(Some(ms(20))).await, Wakeup::Elapsed);
        t.set(start.elapsed());
        Ok(())
    });
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
    assert_took(took.get(), ms(20));
}

#[test]
fn a_zero_pause_returns_at_once_without_a_timer() {
    let reactor = Reactor::new().unwrap();
    let lp = looped(async |this| {
        let mut pause = pin!(this.pause(Some(Duration::ZERO)));
        assert_eq!(futures::poll!(pause.as_mut()), Poll::Ready(Wakeup::Elapsed), "ready on the first poll");
        assert_eq!(this.state(), LoopState::Running, "it never paused");
        assert_eq!(live_timers(), 0);
        Ok(())
    });
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
}

#[test]
fn a_pause_until_resumed_arms_no_timer_and_waits_for_resume() {
    let reactor = Reactor::new().unwrap();
    let woke = Log::new();
    let w = woke.clone();
    let lp = looped(async move |this| {
        w.push(format!("{:?}", this.pause(None).await));
        Ok(())
    });
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert_eq!(live_timers(), 0);
            sleep(ms(20)).await;
            assert!(lp.is_paused(), "still paused after 20 ms");
            assert!(lp.resume());
            done.await.unwrap();
        })
        .unwrap();
    assert_eq!(woke.events(), ["Resumed"]);
}

#[test]
fn resume_wakes_a_timed_pause_early() {
    let reactor = Reactor::new().unwrap();
    let woke = Log::new();
    let w = woke.clone();
    let lp = looped(async move |this| {
        w.push(format!("{:?}", this.pause(Some(Duration::from_secs(60))).await));
        assert_eq!(live_timers(), 0, "the early-ended pause cancelled its timer");
        Ok(())
    });
    let start = Instant::now();
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert!(lp.resume(), "it woke a pause");
            done.await.unwrap();
        })
        .unwrap();
    assert_eq!(woke.events(), ["Resumed"]);
    assert!(start.elapsed() < SLACK);
}

#[test]
fn resume_takes_effect_on_the_next_turn_not_inside_the_call() {
    let reactor = Reactor::new().unwrap();
    let after = Counter::new();
    let a = after.clone();
    let lp = looped(async move |this| {
        this.pause(None).await;
        a.bump();
        Ok(())
    });
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert!(lp.resume());
            assert_eq!(after.get(), 0, "the body did not run inside resume()");
            assert!(lp.is_paused(), "the pause ends when the body is polled");
            turn().await;
            assert_eq!(after.get(), 1, "it ran on the next turn");
            done.await.unwrap();
        })
        .unwrap();
}

#[test]
fn resume_before_start_is_ignored() {
    let reactor = Reactor::new().unwrap();
    let lp = looped(async |this| {
        let start = Instant::now();
        assert_eq!(this.pause(Some(ms(20))).await, Wakeup::Elapsed);
        assert_took(start.elapsed(), ms(20));
        Ok(())
    });
    assert!(!lp.resume());
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
}

#[test]
fn resume_after_exit_does_not_reach_the_next_run() {
    let reactor = Reactor::new().unwrap();
    let woke = Log::new();
    let w = woke.clone();
    let lp = looped(async move |this| {
        w.push(format!("{:?}", this.pause(Some(ms(10))).await));
        Ok(())
    });
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
    assert!(!lp.resume());
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
    assert_eq!(woke.events(), ["Elapsed", "Elapsed"]);
}

#[test]
fn resume_while_the_body_runs_is_remembered_by_its_next_pause() {
    let reactor = Reactor::new().unwrap();
    let woke = Log::new();
    let w = woke.clone();
    let lp = looped(async move |this| {
        sleep(ms(10)).await; // busy, not paused
        let start = Instant::now();
        w.push(format!("{:?}", this.pause(Some(Duration::from_secs(60))).await));
        assert!(start.elapsed() < SLACK, "returned at once");
        w.push(format!("{:?}", this.pause(Some(ms(10))).await));
        Ok(())
    });
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert_eq!(lp.state(), LoopState::Running);
            assert!(!lp.resume(), "no pause to wake");
            done.await.unwrap();
        })
        .unwrap();
    assert_eq!(woke.events(), ["Resumed", "Elapsed"], "remembered once, for one pause");
}

#[test]
fn resume_between_start_and_the_first_poll_is_remembered() {
    let reactor = Reactor::new().unwrap();
    let lp = looped(async |this| {
        assert_eq!(this.pause(None).await, Wakeup::Resumed);
        Ok(())
    });
    let done = lp.start_on(&reactor).unwrap();
    assert!(!lp.resume());
    reactor.block_on(done).unwrap().unwrap();
}

#[test]
fn resume_twice_during_one_pause_wakes_it_once() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let l = log.clone();
    let lp = looped(async move |this| {
        l.push(format!("{:?}", this.pause(None).await));
        let start = Instant::now();
        l.push(format!("{:?}", this.pause(Some(ms(20))).await));
        assert_took(start.elapsed(), ms(20));
        Ok(())
    });
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert!(lp.resume());
            assert!(!lp.resume(), "merged with the first: the body has not run in between");
            done.await.unwrap();
        })
        .unwrap();
    assert_eq!(log.events(), ["Resumed", "Elapsed"]);
}

#[test]
fn a_stale_timer_cannot_wake_a_later_pause() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let l = log.clone();
    let lp = looped(async move |this| {
        l.push(format!("{:?}", this.pause(Some(ms(30))).await));
        l.push(format!("{:?}", this.pause(None).await));
        Ok(())
    });
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert_eq!(live_timers(), 1);
            assert!(lp.resume()); // ends the 30 ms pause early
            turn().await;
            assert_eq!(lp.state(), LoopState::Paused { until: None }, "in the second pause");
            assert_eq!(live_timers(), 0, "the first pause's timer is gone");
            sleep(ms(60)).await; // well past the first pause's deadline
            assert!(lp.is_paused(), "nothing woke the second pause");
            assert_eq!(log.events(), ["Resumed"]);
            assert!(lp.resume());
            done.await.unwrap();
        })
        .unwrap();
    assert_eq!(log.events(), ["Resumed", "Resumed"]);
}

#[test]
fn a_resumed_pause_dropped_before_it_returns_passes_the_wake_up_on() {
    let reactor = Reactor::new().unwrap();
    let me: Rc<RefCell<Option<LoopHandle>>> = Rc::default();
    let m = me.clone();
    let lp = looped(async move |this| {
        let handle = m.borrow_mut().take().unwrap();
        {
            let mut pause = pin!(this.pause(None));
            assert!(futures::poll!(pause.as_mut()).is_pending());
            assert!(handle.resume(), "it woke the pause");
        } // ... which is dropped (say, it lost a select) before it could return Resumed
        assert_eq!(this.pause(Some(Duration::from_secs(60))).await, Wakeup::Resumed);
        Ok(())
    });
    *me.borrow_mut() = Some(lp.clone());
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
}

#[test]
fn of_two_pauses_awaited_at_once_the_newer_is_the_one_resume_wakes() {
    let reactor = Reactor::new().unwrap();
    let lp = looped(async |this| {
        let older = pin!(this.pause(Some(Duration::from_secs(60))));
        let newer = pin!(this.pause(None));
        match futures::future::select(older, newer).await {
            futures::future::Either::Right((wakeup, _older)) => assert_eq!(wakeup, Wakeup::Resumed),
            futures::future::Either::Left((wakeup, _)) => panic!("the older pause ended: {wakeup:?}"),
        }
        assert_eq!(this.state(), LoopState::Running);
        Ok(())
    });
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert!(lp.resume());
            done.await.unwrap();
        })
        .unwrap();
}
