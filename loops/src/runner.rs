//! The runner: how a body becomes a task, and how every way a run can end (return, error,
//! panic, dropped with its reactor) brings the loop back to `Idle` with its body at home.
//!
//! # Implementation notes
//!
//! The body value lives in a "home" cell while the loop is idle. `start` leases it to the
//! task; a [`Lease`] gives it back. That one guard covers all endings: a normal end calls
//! [`Lease::give_back`] with the result, and a task dropped unfinished (the reactor went away)
//! gives it back from `Drop`. Panics are caught here, around the body's own poll, rather than
//! left to the reactor: the body's future is then dropped while the lease still holds the
//! body, so the loop can be started again, and the log line can carry the panic message.

use std::cell::Cell;
use std::fmt;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::{Context, Poll};

use ampere_reactor::{panic_message, JoinError, JoinHandle};
use log::{error, info};

use crate::control::Control;
use crate::{Loop, LoopContext, LoopError};

/// A run of a body, type-erased so that a handle need not name the body's type.
pub(crate) type BodyFuture = Pin<Box<dyn Future<Output = Result<(), LoopError>>>>;

/// Leases the body out for one run: `None` if it is not at home (it is running).
pub(crate) type Launch<S> = dyn Fn(LoopContext<S>) -> Option<BodyFuture>;

/// Makes the launcher of `body`, which owns it from now on.
pub(crate) fn launcher<S: 'static, L: Loop<S>>(body: L) -> Rc<Launch<S>> {
    let home = Rc::new(Cell::new(Some(body)));
    Rc::new(move |this: LoopContext<S>| {
        let body = home.take()?;
        let lease = Lease { home: Rc::clone(&home), body: Some(body), control: Rc::clone(&this.control) };
        Some(Box::pin(drive(lease, this)) as BodyFuture)
    })
}

/// One run: the body's future, polled under `catch_unwind`.
async fn drive<S: 'static, L: Loop<S>>(mut lease: Lease<L, S>, this: LoopContext<S>) -> Result<(), LoopError> {
    let exit = {
        let body = lease.body.as_mut().expect("a lease holds its body until given back");
        let mut run = pin!(body.run(&this));
        poll_fn(|cx| match catch_unwind(AssertUnwindSafe(|| run.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(result)) => Poll::Ready(result.map_err(LoopError::Failed)),
            // The future is never polled again: it is dropped at the end of this block.
            Err(payload) => Poll::Ready(Err(LoopError::Panicked(panic_message(&*payload)))),
        })
        .await
    }; // the body's future (and any pause in it) is dropped here, before the loop goes idle
    lease.give_back(&exit);
    exit
}

/// A start made while the loop was stopping: waits for the old body to exit (the exit begins
/// this run and wakes the task), then launches the body and runs it.
pub(crate) fn after_exit<S: 'static>(
    control: Rc<Control<S>>,
    launch: Rc<Launch<S>>,
) -> impl Future<Output = Result<(), LoopError>> {
    // Made out here, not in the async block, so that even a task dropped before its first poll
    // (its reactor went away) drops it.
    let mut waiting = Waiting(Some(Rc::clone(&control)));
    async move {
        poll_fn(|cx| control.core.poll_begun(cx.waker())).await;
        // Begun: from here on the body's lease covers every ending.
        waiting.disarm();
        // The exit that began this run gave the body back first.
        let run = launch(LoopContext { control: Rc::clone(&control) }).expect("a begun run finds its body at home");
        info!("{}: started", control.core.name);
        run.await
    }
}

/// A waiting start's claim: until the body is launched, dropping it undoes the start.
struct Waiting<S>(Option<Rc<Control<S>>>);

impl<S> Waiting<S> {
    /// The body is launched: the claim is over.
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl<S> Drop for Waiting<S> {
    fn drop(&mut self) {
        if let Some(control) = self.0.take() {
            control.core.abandon_start();
        }
    }
}

/// The body, out of its home for one run.
struct Lease<L, S> {
    home: Rc<Cell<Option<L>>>,
    /// `Some` until given back.
    body: Option<L>,
    control: Rc<Control<S>>,
}

impl<L, S> Lease<L, S> {
    /// Home first, then `Idle`: a `start` that sees the loop idle always finds the body home.
    fn give_back(&mut self, exit: &Result<(), LoopError>) {
        self.home.set(self.body.take());
        self.control.finish();
        let name = &self.control.core.name;
        match exit {
            Ok(()) => info!("{name}: exited"),
            Err(e) => error!("{name}: exited: {e}"),
        }
    }
}

impl<L, S> Drop for Lease<L, S> {
    fn drop(&mut self) {
        if self.body.is_some() {
            // Dropped unfinished: the task was dropped (its reactor is gone).
            self.give_back(&Err(LoopError::Aborted));
        }
    }
}

/// The end of one run of a loop: resolves with how the body ended.
///
/// `Ok(())` when the body returned `Ok`; [`LoopError::Failed`] or [`LoopError::Panicked`]
/// when it failed or panicked; [`LoopError::Aborted`] when its reactor was dropped first.
/// Either way the loop is idle again by then, and can be restarted.
///
/// Dropping a `Completion` does not stop the loop: the body runs on, and how it ends is only
/// logged.
#[must_use = "dropping a Completion detaches it: the loop runs on, and how it ends is only logged"]
pub struct Completion {
    pub(crate) task: JoinHandle<Result<(), LoopError>>,
}

impl Completion {
    /// Whether the run has ended (awaiting the completion would not wait).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

impl Future for Completion {
    type Output = Result<(), LoopError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.task).poll(cx).map(|joined| match joined {
            Ok(exit) => exit,
            // Panics are caught inside the task; this is a panic in the runner itself.
            Err(JoinError::Panicked(message)) => Err(LoopError::Panicked(message)),
            Err(_) => Err(LoopError::Aborted),
        })
    }
}

impl fmt::Debug for Completion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Completion").field("task", &self.task.id()).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    //! The log lines a user greps for. A unit test rather than an integration one: it needs
    //! the `log` crate's logger hook, and a capturing logger per thread keeps parallel tests
    //! apart.

    use std::cell::RefCell;
    use std::sync::Once;
    use std::time::Duration;

    use ampere_reactor::Reactor;
    use log::{LevelFilter, Log, Metadata, Record};

    use crate::{BoxError, GenericLoop, LoopHandle, Next};

    thread_local! {
        static LINES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    }

    /// Keeps each thread's lines for that thread.
    struct Capture;

    impl Log for Capture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }

        fn log(&self, record: &Record<'_>) {
            LINES.with(|l| l.borrow_mut().push(format!("{} {}", record.level(), record.args())));
        }

        fn flush(&self) {}
    }

    fn captured() -> Vec<String> {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            log::set_logger(&Capture).expect("no other logger in this test binary");
            log::set_max_level(LevelFilter::Debug);
        });
        LINES.with(|l| l.borrow_mut().drain(..).collect())
    }

    #[test]
    fn a_loop_logs_start_pauses_a_refused_start_and_exit_under_its_name() {
        captured();
        let reactor = Reactor::new().unwrap();
        let lp = LoopHandle::new(GenericLoop::new("logged", async |this| {
            this.pause(Some(Duration::from_millis(1))).await;
            this.pause(None).await;
            Next::Stop
        }));
        let done = lp.start_on(&reactor).unwrap();
        assert!(lp.start_on(&reactor).is_err());
        reactor
            .block_on(async {
                // Past the 1 ms pause, into the one that waits for this resume.
                ampere_reactor::sleep(Duration::from_millis(5)).await;
                assert!(lp.resume());
                done.await.unwrap();
            })
            .unwrap();
        assert_eq!(
            captured(),
            [
                "INFO logged: started",
                "ERROR logged: start() refused: the loop is already running",
                "DEBUG logged: pausing for 1ms",
                "DEBUG logged: pausing until resumed",
                "INFO logged: exited",
            ]
        );
    }

    #[test]
    fn a_failed_or_panicked_run_is_logged_as_an_error_with_its_cause() {
        captured();
        let reactor = Reactor::new().unwrap();
        let failing = LoopHandle::new(GenericLoop::new("failing", async |_| Err::<Next, BoxError>("boom".into())));
        let panicking = LoopHandle::new(GenericLoop::new("panicking", async |_| -> Next { panic!("oops") }));
        assert!(reactor.block_on(failing.start_on(&reactor).unwrap()).unwrap().is_err());
        assert!(reactor.block_on(panicking.start_on(&reactor).unwrap()).unwrap().is_err());
        assert_eq!(
            captured(),
            [
                "INFO failing: started",
                "ERROR failing: exited: the loop failed: boom",
                "INFO panicking: started",
                "ERROR panicking: exited: the loop panicked: oops",
            ]
        );
    }
}
