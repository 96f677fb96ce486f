//! Signals into a loop.

use super::*;

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
