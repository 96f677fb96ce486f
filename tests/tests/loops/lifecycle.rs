//! Starting, completion, restart, drop.

use super::*;

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

#[test]
fn a_loop_handle_displays_its_name() {
    let lp = LoopHandle::new(GenericLoop::new("my super loop", async |_| Next::Stop));
    assert_eq!(format!("{lp}"), "my super loop");
    assert_eq!(format!("{}", lp.clone()), lp.name());
    assert_eq!(format!("{lp:<15}|"), "my super loop  |", "width and alignment apply");
}
