//! The loop family: starting and restarting, the state machine, pause/resume races, signals,
//! GenericLoop's actions and PeriodicLoop's schedule.
//!
//! Timing tests assert lower bounds exactly (never early) and upper bounds with [`SLACK`],
//! because the machine is shared with compilers.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::ops::ControlFlow;
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

use ampere_loops::{
    BoxError, GenericLoop, Loop, LoopContext, LoopError, LoopHandle, LoopState, Next, Outcome, PeriodicLoop, Stop,
    Undelivered, Wakeup,
};
use ampere_reactor::{sleep, Handle, Reactor, WatcherKind};
use ampere_tests::{Counter, DropCounter, Log};

/// How late a timed event may be before a test fails.
const SLACK: Duration = Duration::from_millis(300);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Asserts `elapsed` is at least `at_least`, and not absurdly more.
#[track_caller]
fn assert_took(elapsed: Duration, at_least: Duration) {
    assert!(elapsed >= at_least, "took {elapsed:?}, less than {at_least:?}");
    assert!(elapsed < at_least + SLACK, "took {elapsed:?}, far more than {at_least:?}");
}

/// A loop whose body is an async closure: what most tests need.
struct Body<F>(F);

impl<S: 'static, F> Loop<S> for Body<F>
where
    F: AsyncFnMut(&LoopContext<S>) -> Result<(), BoxError> + 'static,
{
    fn name(&self) -> String {
        "test loop".into()
    }

    async fn run(&mut self, this: &LoopContext<S>) -> Result<(), BoxError> {
        (self.0)(this).await
    }
}

fn looped<F>(body: F) -> LoopHandle
where
    F: AsyncFnMut(&LoopContext) -> Result<(), BoxError> + 'static,
{
    LoopHandle::new(Body(body))
}

fn signalled<S: 'static, F>(body: F) -> LoopHandle<S>
where
    F: AsyncFnMut(&LoopContext<S>) -> Result<(), BoxError> + 'static,
{
    LoopHandle::new(Body(body))
}

/// Lets the reactor run one full tick. A body woken before the call has been polled when it
/// returns (the tick's task phase comes after its defer phase).
async fn turn() {
    let ran = Rc::new(Cell::new(false));
    let mut deferred = false;
    poll_fn(|cx| {
        if ran.get() {
            return Poll::Ready(());
        }
        if !deferred {
            deferred = true;
            let (ran, waker) = (ran.clone(), cx.waker().clone());
            ampere_reactor::defer(move |_, _| {
                ran.set(true);
                waker.wake();
            })
            .unwrap();
        }
        Poll::Pending
    })
    .await;
}

/// Enabled delay timers on the current reactor (each armed `Sleep` is one).
fn live_timers() -> usize {
    live_timers_of(&Handle::current().unwrap())
}

fn live_timers_of(reactor: &Handle) -> usize {
    reactor.info().of(WatcherKind::Delay).enabled
}

// ---- start, completion, restart --------------------------------------------------------

#[test]
fn start_runs_the_body_in_the_background_and_the_completion_resolves_when_it_ends() {
    let reactor = Reactor::new().unwrap();
    let runs = Counter::new();
    let r = runs.clone();
    let lp = looped(async move |_| {
        r.bump();
        Ok(())
    });
    assert_eq!(lp.state(), LoopState::Idle);
    let done = lp.start_on(&reactor).unwrap();
    assert_eq!(lp.state(), LoopState::Running, "running from start() on");
    assert_eq!(runs.get(), 0, "spawned, not run inside start()");
    reactor.block_on(done).unwrap().unwrap();
    assert_eq!(runs.get(), 1);
    assert_eq!(lp.state(), LoopState::Idle);
}

#[test]
fn starting_a_running_loop_is_refused_and_does_not_disturb_it() {
    let reactor = Reactor::new().unwrap();
    let runs = Counter::new();
    let r = runs.clone();
    let lp = looped(async move |this| {
        r.bump();
        this.pause(Some(ms(20))).await;
        Ok(())
    });
    let start = Instant::now();
    let done = lp.start_on(&reactor).unwrap();
    assert!(matches!(lp.start_on(&reactor), Err(LoopError::AlreadyRunning)), "refused before the first poll");
    let second = reactor.block_on(async {
        turn().await;
        assert!(lp.is_paused());
        let second = lp.start(); // also refused while paused, through the current reactor
        assert!(lp.is_paused(), "the running body is undisturbed");
        (second, done.await)
    });
    let (second, first) = second.unwrap();
    assert!(matches!(second, Err(LoopError::AlreadyRunning)));
    first.unwrap();
    assert_took(start.elapsed(), ms(20));
    assert_eq!(runs.get(), 1, "the body ran once");
}

/// A body that counts its own runs in a field: state kept across runs, and across a panic.
struct Counting {
    runs: u32,
    seen: Rc<Cell<u32>>,
    fail_on: Option<u32>,
    panic_on: Option<u32>,
}

impl Loop for Counting {
    fn name(&self) -> String {
        "counting".into()
    }

    async fn run(&mut self, _this: &LoopContext) -> Result<(), BoxError> {
        self.runs += 1;
        self.seen.set(self.runs);
        if self.fail_on == Some(self.runs) {
            return Err("the disk is full".into());
        }
        if self.panic_on == Some(self.runs) {
            panic!("kaboom in run {}", self.runs);
        }
        Ok(())
    }
}

#[test]
fn a_finished_loop_can_be_started_again_and_keeps_its_body() {
    let reactor = Reactor::new().unwrap();
    let seen = Rc::new(Cell::new(0));
    let lp = LoopHandle::new(Counting { runs: 0, seen: seen.clone(), fail_on: None, panic_on: None });
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
    assert_eq!(seen.get(), 2, "the second run saw the first one's field");
}

#[test]
fn a_body_error_comes_out_of_the_completion_and_the_loop_can_restart() {
    let reactor = Reactor::new().unwrap();
    let seen = Rc::new(Cell::new(0));
    let lp = LoopHandle::new(Counting { runs: 0, seen: seen.clone(), fail_on: Some(1), panic_on: None });
    match reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap() {
        Err(LoopError::Failed(e)) => assert_eq!(e.to_string(), "the disk is full"),
        other => panic!("expected Failed, got {other:?}"),
    }
    assert_eq!(lp.state(), LoopState::Idle);
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
    assert_eq!(seen.get(), 2);
}

#[test]
fn a_body_panic_comes_out_of_the_completion_and_the_loop_can_restart_with_its_body() {
    let reactor = Reactor::new().unwrap();
    let seen = Rc::new(Cell::new(0));
    let lp = LoopHandle::new(Counting { runs: 0, seen: seen.clone(), fail_on: None, panic_on: Some(1) });
    // The panic belongs to the completion, not to the reactor: block_on itself is Ok.
    match reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap() {
        Err(LoopError::Panicked(message)) => assert_eq!(message, "kaboom in run 1"),
        other => panic!("expected Panicked, got {other:?}"),
    }
    assert_eq!(lp.state(), LoopState::Idle);
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
    assert_eq!(seen.get(), 2, "the body survived the panic");
}

#[test]
fn a_loop_dropped_with_its_reactor_reports_aborted_and_can_start_on_another() {
    let runs = Counter::new();
    let r = runs.clone();
    let lp = looped(async move |this| {
        r.bump();
        this.pause(Some(Duration::from_secs(60))).await;
        Ok(())
    });
    let first = Reactor::new().unwrap();
    let done = lp.start_on(&first).unwrap();
    first.block_on(turn()).unwrap();
    assert!(lp.is_paused());
    drop(first); // drops the paused body's task, and its timer
    assert_eq!(lp.state(), LoopState::Idle, "idle again, with its body back home");
    let second = Reactor::new().unwrap();
    assert!(matches!(second.block_on(done).unwrap(), Err(LoopError::Aborted)));
    let again = lp.start_on(&second).unwrap();
    second
        .block_on(async {
            turn().await;
            assert!(lp.is_paused(), "restarted on the new reactor");
            lp.stop();
            again.await.unwrap();
        })
        .unwrap();
    assert_eq!(runs.get(), 2);
}

#[test]
fn the_body_is_dropped_once_when_idle_and_the_last_handle_goes() {
    let reactor = Reactor::new().unwrap();
    let drops = Counter::new();
    let guard = DropCounter(drops.clone());
    let lp = looped(async move |this| {
        let _keep = &guard;
        this.pause(Some(ms(5))).await;
        Ok(())
    });
    let done = lp.start_on(&reactor).unwrap();
    drop(lp); // no handle left, but the body runs on
    assert_eq!(drops.get(), 0);
    reactor.block_on(done).unwrap().unwrap();
    assert_eq!(drops.get(), 1, "dropped when the run ended, with no handle to restart it");

    let drops = Counter::new();
    let guard = DropCounter(drops.clone());
    let lp = looped(async move |_| {
        let _keep = &guard;
        Ok(())
    });
    let copy = lp.clone();
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
    drop(lp);
    assert_eq!(drops.get(), 0, "a clone still holds it");
    drop(copy);
    assert_eq!(drops.get(), 1);
}

#[test]
fn debug_output_names_the_loop_and_its_state() {
    let lp = looped(async |_| Ok(()));
    assert_eq!(format!("{lp:?}"), r#"LoopHandle { name: "test loop", state: Idle, .. }"#);
}

// ---- the state machine and stop -------------------------------------------------------------

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

// ---- pause and resume -----------------------------------------------------------------------

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

// ---- signals --------------------------------------------------------------------------------

#[test]
fn a_signal_ends_the_wait_and_comes_out_as_its_outcome() {
    let reactor = Reactor::new().unwrap();
    let got = Rc::new(Cell::new(0));
    let g = got.clone();
    let lp: LoopHandle<u32> = signalled(async move |this| {
        match this.wait_signal(this.pause(None)).await? {
            Outcome::Signal(n) => g.set(n),
            Outcome::Completed(w) => panic!("the pause ended first: {w:?}"),
        }
        Ok(())
    });
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            lp.signal(7).unwrap();
            done.await.unwrap();
        })
        .unwrap();
    assert_eq!(got.get(), 7);
}

#[test]
fn wait_signal_gives_the_future_output_when_no_signal_comes() {
    let reactor = Reactor::new().unwrap();
    let lp: LoopHandle<u32> = signalled(async |this| {
        assert_eq!(this.wait_signal(this.pause(Some(ms(5)))).await?, Outcome::Completed(Wakeup::Elapsed));
        assert_eq!(this.wait_signal(async { 42 }).await?, Outcome::Completed(42));
        Ok(())
    });
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
}

#[test]
fn an_error_signal_makes_wait_signal_fail() {
    let reactor = Reactor::new().unwrap();
    let lp: LoopHandle<u32> = signalled(async |this| {
        this.wait_signal(this.pause(None)).await?; // the error ends the body here
        panic!("wait_signal should have failed");
    });
    let done = lp.start_on(&reactor).unwrap();
    let exit = reactor
        .block_on(async {
            turn().await;
            lp.signal_error("cancelled by the user").unwrap();
            done.await
        })
        .unwrap();
    match exit {
        Err(LoopError::Failed(e)) => assert_eq!(e.to_string(), "cancelled by the user"),
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[test]
fn a_signal_nobody_waits_for_is_given_back() {
    let reactor = Reactor::new().unwrap();
    let lp: LoopHandle<String> = signalled(async |this| {
        this.pause(None).await; // paused, but not waiting for a signal
        Ok(())
    });
    assert_eq!(lp.signal("idle".into()), Err(Undelivered("idle".to_owned())), "before start");
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert_eq!(lp.signal("busy".into()).unwrap_err().into_inner(), "busy");
            let back = lp.signal_error("no one to fail").unwrap_err().into_inner();
            assert_eq!(back.to_string(), "no one to fail");
            lp.resume();
            done.await.unwrap();
        })
        .unwrap();
    assert!(lp.signal("after exit".into()).is_err());
}

#[test]
fn a_second_signal_before_the_body_takes_the_first_is_given_back() {
    let reactor = Reactor::new().unwrap();
    let got = Log::new();
    let g = got.clone();
    let lp: LoopHandle<u32> = signalled(async move |this| {
        g.push(format!("{:?}", this.wait_signal(this.pause(None)).await?));
        Ok(())
    });
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert_eq!(lp.signal(1), Ok(()));
            assert_eq!(lp.signal(2), Err(Undelivered(2)));
            done.await.unwrap();
        })
        .unwrap();
    assert_eq!(got.events(), ["Signal(1)"]);
}

#[test]
fn a_signal_and_a_resume_in_one_turn_lose_nothing() {
    let reactor = Reactor::new().unwrap();
    let got = Log::new();
    let g = got.clone();
    let lp: LoopHandle<u32> = signalled(async move |this| {
        g.push(format!("{:?}", this.wait_signal(this.pause(None)).await?));
        // The pause was resumed, but the signal won: the resume goes to the next pause.
        g.push(format!("{:?}", this.pause(Some(Duration::from_secs(60))).await));
        Ok(())
    });
    let done = lp.start_on(&reactor).unwrap();
    reactor
        .block_on(async {
            turn().await;
            assert!(lp.resume());
            assert_eq!(lp.signal(9), Ok(()));
            done.await.unwrap();
        })
        .unwrap();
    assert_eq!(got.events(), ["Signal(9)", "Resumed"]);
}

#[test]
fn a_delivered_signal_whose_wait_is_dropped_goes_to_the_next_wait() {
    let reactor = Reactor::new().unwrap();
    let me: Rc<RefCell<Option<LoopHandle<u32>>>> = Rc::default();
    let m = me.clone();
    let lp: LoopHandle<u32> = signalled(async move |this| {
        let handle = m.borrow_mut().take().unwrap();
        {
            let mut wait = pin!(this.wait_signal(this.pause(None)));
            assert!(futures::poll!(wait.as_mut()).is_pending());
            assert_eq!(handle.signal(5), Ok(()));
        } // dropped before it could return the signal
        assert_eq!(this.wait_signal(std::future::pending::<()>()).await?, Outcome::Signal(5));
        Ok(())
    });
    *me.borrow_mut() = Some(lp.clone());
    reactor.block_on(lp.start_on(&reactor).unwrap()).unwrap().unwrap();
}

// ---- GenericLoop ----------------------------------------------------------------------------

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

// ---- PeriodicLoop ---------------------------------------------------------------------------

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
