//! A start on a stopping loop waits for the body to exit, then starts it (danog/loop 1.0.3)
//! (#15).

use super::*;

/// A loop whose stop takes a while to land: the body waits on plain sleeps (not pauses), and
/// cleans up for a few milliseconds after seeing the stop. Logs `is_stopping` as each run
/// begins.
fn slow_to_stop(runs: &Log) -> LoopHandle {
    let r = runs.clone();
    looped(async move |this| {
        r.push(format!("run, stopping: {}", this.is_stopping()));
        while !this.is_stopping() {
            sleep(ms(1)).await;
        }
        sleep(ms(5)).await;
        Ok(())
    })
}

#[test]
fn start_on_a_stopping_loop_waits_for_the_old_body_then_runs_it_again() {
    let reactor = Reactor::new().unwrap();
    let runs = Log::new();
    let lp = slow_to_stop(&runs);
    let first = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert!(lp.stop());
            let second = lp.start_on(&reactor).expect("a stopping loop takes a start");
            assert_eq!(lp.state(), LoopState::Stopping, "the old body is still finishing");
            first.await.unwrap();
            assert!(lp.is_running(), "the exit handed the loop straight to the waiting start");
            assert!(matches!(lp.start_on(&reactor), Err(LoopError::AlreadyRunning)), "nobody slips in between");
            turn().await;
            assert_eq!(runs.events().len(), 2, "the body ran again");
            assert!(lp.stop());
            second.await.unwrap();
        })
        .unwrap();
    assert_eq!(runs.events(), ["run, stopping: false", "run, stopping: false"]);
    assert_eq!(lp.state(), LoopState::Idle);
}

#[test]
fn a_second_start_while_one_waits_is_refused() {
    let reactor = Reactor::new().unwrap();
    let runs = Log::new();
    let lp = slow_to_stop(&runs);
    let first = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            lp.stop();
            let second = lp.start_on(&reactor).unwrap();
            assert!(matches!(lp.start_on(&reactor), Err(LoopError::AlreadyRunning)));
            first.await.unwrap();
            turn().await;
            lp.stop();
            second.await.unwrap();
        })
        .unwrap();
    assert_eq!(runs.events().len(), 2, "one run per accepted start");
}

#[test]
fn a_stop_while_a_start_waits_is_kept_for_the_new_run() {
    let reactor = Reactor::new().unwrap();
    let runs = Log::new();
    let lp = slow_to_stop(&runs);
    let first = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert!(lp.stop());
            let second = lp.start_on(&reactor).unwrap();
            assert!(lp.stop(), "asks the waiting start's run to stop");
            assert!(!lp.stop(), "already asked");
            first.await.unwrap();
            second.await.unwrap();
        })
        .unwrap();
    assert_eq!(runs.events(), ["run, stopping: false", "run, stopping: true"]);
    assert_eq!(lp.state(), LoopState::Idle);
}

#[test]
fn a_waiting_start_whose_reactor_is_dropped_is_forgotten() {
    let reactor = Reactor::new().unwrap();
    let other = Reactor::new().unwrap();
    let runs = Log::new();
    let lp = slow_to_stop(&runs);
    let first = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            lp.stop();
            drop(lp.start_on(&other).unwrap()); // waits on a reactor nobody drives ...
            drop(other); // ... which goes away
            first.await.unwrap();
        })
        .unwrap();
    assert_eq!(lp.state(), LoopState::Idle, "the forgotten start did not take the loop");
    assert_eq!(runs.events().len(), 1);
}

#[test]
fn a_begun_start_whose_reactor_is_dropped_before_its_first_poll_leaves_the_loop_idle() {
    let reactor = Reactor::new().unwrap();
    let other = Reactor::new().unwrap();
    let runs = Log::new();
    let lp = slow_to_stop(&runs);
    let first = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            lp.stop();
            drop(lp.start_on(&other).unwrap());
            first.await.unwrap();
            assert!(lp.is_running(), "begun for the start waiting on `other`");
        })
        .unwrap();
    drop(other); // its task never launched the body
    assert_eq!(lp.state(), LoopState::Idle);
    let third = lp.start_on(&reactor).expect("startable again");
    lp.stop();
    reactor.block_on(third).unwrap().unwrap();
    assert_eq!(runs.events(), ["run, stopping: false", "run, stopping: true"], "the first run and the third");
}
