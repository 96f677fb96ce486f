//! The state machine and stop.

use super::*;

#[test]
fn the_state_goes_idle_running_paused_running_stopping_idle() {
    let reactor = Reactor::new().unwrap();
    let states = Log::new();
    let s = states.clone();
    let lp = looped(async move |this| {
        s.push(format!("{:?}", this.state()));
        this.pause(None).await;
        s.push(format!("{:?}", this.state()));
        this.pause(Some(Duration::from_secs(60))).await;
        s.push(format!("{:?}", this.state()));
        Ok(())
    });
    assert_eq!(lp.state(), LoopState::Idle);
    let done = lp.start_on(&reactor).unwrap();
    assert_eq!(lp.state(), LoopState::Running);
    reactor
        .block_on(async {
            turn().await;
            assert_eq!(lp.state(), LoopState::Paused { until: None });
            assert!(lp.resume());
            assert!(lp.is_paused(), "resume takes effect on the next turn");
            let before = Instant::now();
            turn().await;
            match lp.state() {
                LoopState::Paused { until: Some(until) } => {
                    assert!(
                        until >= before + Duration::from_secs(60) && until < Instant::now() + Duration::from_secs(60)
                    )
                }
                other => panic!("expected a timed pause, got {other:?}"),
            }
            assert!(lp.stop());
            assert_eq!(lp.state(), LoopState::Stopping);
            assert!(lp.is_running(), "stopping is still running");
            assert!(!lp.stop(), "already stopping");
            done.await.unwrap();
        })
        .unwrap();
    assert_eq!(lp.state(), LoopState::Idle);
    assert_eq!(states.events(), ["Running", "Running", "Stopping"]);
}

#[test]
fn stop_wakes_a_pause_until_resumed_and_the_body_exits() {
    let reactor = Reactor::new().unwrap();
    let wakeups = Log::new();
    let w = wakeups.clone();
    let lp = looped(async move |this| {
        while !this.is_stopping() {
            w.push(format!("{:?}", this.pause(None).await));
        }
        Ok(())
    });
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert!(lp.stop());
            done.await.unwrap();
        })
        .unwrap();
    assert_eq!(wakeups.events(), ["Stopped"]);
    assert!(!lp.stop(), "stop on an idle loop does nothing");
}

#[test]
fn stop_during_a_timed_pause_ends_it_at_once_and_cancels_its_timer() {
    let reactor = Reactor::new().unwrap();
    let lp = looped(async |this| {
        assert_eq!(this.pause(Some(Duration::from_secs(60))).await, Wakeup::Stopped);
        assert_eq!(live_timers(), 0, "the pause's timer went with it");
        Ok(())
    });
    let done = lp.start_on(&reactor).unwrap();
    let start = Instant::now();
    reactor
        .block_on(async {
            turn().await;
            assert_eq!(live_timers(), 1);
            lp.stop();
            done.await.unwrap();
        })
        .unwrap();
    assert!(start.elapsed() < SLACK);
}

#[test]
fn stop_from_inside_the_body_lets_it_finish_the_iteration() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let l = log.clone();
    let lp = looped(async move |this| {
        for n in 0.. {
            if this.is_stopping() {
                break;
            }
            l.push(format!("iteration {n}"));
            if n == 1 {
                assert!(this.stop());
                l.push("rest of the iteration");
            }
            l.push(format!("{:?}", this.pause(Some(ms(1))).await));
        }
        Ok(())
    });
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
    assert_eq!(log.events(), ["iteration 0", "Elapsed", "iteration 1", "rest of the iteration", "Stopped"]);
}

#[test]
fn stop_before_start_does_not_reach_the_run() {
    let reactor = Reactor::new().unwrap();
    let lp = looped(async |this| {
        assert_eq!(this.pause(Some(ms(1))).await, Wakeup::Elapsed);
        Ok(())
    });
    assert!(!lp.stop());
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
}
