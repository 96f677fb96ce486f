//! `resume_postponed`: a resume on the reactor's next tick (danog/loop 1.1.0's
//! `resume(postpone: true)`) (#15).

use super::*;

/// A body that pauses until resumed, again and again, logging each wake-up but the stop.
fn waiter(log: &Log) -> LoopHandle {
    let l = log.clone();
    looped(async move |this| loop {
        match this.pause(None).await {
            Wakeup::Stopped => return Ok(()),
            wakeup => l.push(format!("{wakeup:?}")),
        }
    })
}

/// Starts `waiter`, runs `poke` in a timer callback once the body is paused, then queues a
/// defer that logs "defer"; returns the log once both have happened and the loop is stopped.
fn poke_then_defer(poke: impl Fn(&LoopHandle, &Handle) + 'static) -> Vec<String> {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let lp = waiter(&log);
    let done = lp.start_on(&reactor).unwrap();
    let (l, p) = (log.clone(), lp.clone());
    reactor.delay(ms(1), move |h, _| {
        poke(&p, h);
        h.defer(move |_, _| l.push("defer"));
    });
    reactor
        .block_on(async {
            // Turn by turn, so that the stop cannot overtake the resume on a slow machine.
            for _ in 0..10_000 {
                if log.events().len() >= 2 {
                    break;
                }
                turn().await;
            }
            lp.stop();
            done.await
        })
        .unwrap()
        .unwrap();
    log.events()
}

#[test]
fn resume_postponed_lets_the_current_tick_finish_before_the_body_runs() {
    // The control: a plain resume runs the body in this tick, before the next tick's defers.
    assert_eq!(poke_then_defer(|lp, _| assert!(lp.resume())), ["Resumed", "defer"]);
    assert_eq!(poke_then_defer(|lp, _| assert!(lp.resume_postponed())), ["defer", "Resumed"]);
}

#[test]
fn resume_postponed_takes_over_a_resume_the_body_has_not_seen() {
    let events = poke_then_defer(|lp, _| {
        assert!(lp.resume());
        assert!(lp.resume_postponed());
    });
    assert_eq!(events, ["defer", "Resumed"], "postponed with it, and delivered once");
}

#[test]
fn repeated_postponed_resumes_keep_one_defer_and_wake_the_body_once() {
    let events = poke_then_defer(|lp, h| {
        let defers = || h.info().of(WatcherKind::Defer).enabled;
        let before = defers();
        for _ in 0..3 {
            assert!(lp.resume_postponed());
        }
        assert_eq!(defers(), before + 1, "each newer one replaced the older");
    });
    assert_eq!(events, ["defer", "Resumed"]);
}

#[test]
fn resume_postponed_on_an_idle_or_stopping_loop_schedules_nothing() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let lp = waiter(&log);
    assert!(!lp.resume_postponed(), "idle");
    let done = lp.start_on(&reactor).unwrap();
    lp.stop();
    assert!(!lp.resume_postponed(), "stopping");
    assert_eq!(reactor.info().of(WatcherKind::Defer).enabled, 0);
    reactor.block_on(done).unwrap().unwrap();
    assert_eq!(log.events(), Vec::<String>::new());
}

#[test]
fn a_postponed_resume_while_the_body_runs_is_remembered_by_its_next_pause() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let l = log.clone();
    let lp = looped(async move |this| {
        sleep(ms(5)).await; // busy, not paused
        l.push(format!("{:?}", this.pause(None).await));
        Ok(())
    });
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert!(lp.resume_postponed());
            done.await
        })
        .unwrap()
        .unwrap();
    assert_eq!(log.events(), ["Resumed"]);
}

#[test]
fn a_postponed_resume_never_reaches_the_next_run() {
    let reactor = Reactor::new().unwrap();
    let log = Log::new();
    let lp = waiter(&log);
    let first = lp.start_on(&reactor).unwrap();
    let (p, second) = (lp.clone(), Rc::new(RefCell::new(None)));
    let s = second.clone();
    reactor.delay(ms(1), move |h, _| {
        assert!(p.resume_postponed()); // for the first run, next tick ...
        assert!(p.stop()); // ... which ends in this one
        *s.borrow_mut() = Some(p.start_on(h).unwrap()); // and a second run begins
    });
    reactor
        .block_on(async {
            first.await.unwrap();
            sleep(ms(10)).await;
            assert!(lp.is_paused(), "the second run's pause was not resumed");
            lp.stop();
            let second = second.borrow_mut().take().unwrap();
            second.await
        })
        .unwrap()
        .unwrap();
    assert_eq!(log.events(), Vec::<String>::new());
}
