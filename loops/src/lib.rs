//! Background loops on the ampere reactor: MadelineProto's async loop APIs, without their races.
//!
//! A loop is a body (a [`Loop`]) that a [`LoopHandle`] runs as a task in the background. From
//! outside, the handle starts it, stops it, resumes it and sends it signals; inside, the body's
//! [`LoopContext`] pauses and waits for signals.
//!
//! # The loop family
//!
//! | The PHP original | Here |
//! |---|---|
//! | `Loop`: `start()`, `isRunning()`, `loop()`, `__toString()` | [`Loop`] (`run`, `name`) run by a [`LoopHandle`] ([`start`](LoopHandle::start) → [`Completion`]; `Display` prints the name) |
//! | `ResumableLoop`: `pause($time)`, `resume($postpone)` | [`LoopContext::pause`] → [`Wakeup`], [`LoopHandle::resume`], [`resume_postponed`](LoopHandle::resume_postponed) |
//! | `SignalLoop`: `waitSignal($promise)`, `signal($data)` | [`LoopContext::wait_signal`] → [`Outcome`], [`LoopHandle::signal`], [`signal_error`](LoopHandle::signal_error) |
//! | `ResumableSignalLoop` | every loop: pausing costs nothing unused, and `Loop<S>` picks the signal type (default [`NoSignal`]) |
//! | `GenericLoop` (`STOP`, `PAUSE`, `CONTINUE`, seconds) | [`GenericLoop`], its callback returning a [`Next`], stopped by the [`Stop`] signal too when that is its signal type |
//! | `PeriodicLoop` | [`PeriodicLoop`], stopped by its callback, [`stop`](LoopHandle::stop) or the [`Stop`] signal |
//!
//! # How pause, resume and signals compose
//!
//! - A loop is always in one [`LoopState`]: idle, running, paused or stopping (its docs draw
//!   the diagram). `start` on an idle loop starts it; on a stopping one it waits for the body
//!   to exit, then starts it; a start on a running or paused loop is refused and logged.
//! - `resume()`, `stop()` and `signal()` only record and wake: the body continues on the
//!   reactor's next pass over its tasks, never inside the call.
//! - No wake-up is lost: a `resume()` that finds the body running makes its next pause return
//!   at once, and a signal nobody waits for is given back as [`Undelivered`].
//! - Each pause owns its own timer, so a stale timer can never end a later pause.
//! - `wait_signal(pause(..))` is the PHP original's `waitSignal($this->pause(..))`: it ends on the
//!   timer, a resume, a stop or a signal, and says which.
//! - However the body ends (return, error, panic, its reactor dropped), the [`Completion`]
//!   says how, a log line says so too (through the [`log`] facade: "started", "exited",
//!   "pausing for ...", "pausing until resumed"), and the loop can be started again.
//!
//! # Examples
//!
//! The PHP original's `MySuperLoop`, a cron that a signal reconfigures or ends:
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//! use std::time::{Duration, Instant};
//! use ampere_loops::{BoxError, Loop, LoopContext, LoopHandle, Outcome};
//! use ampere_reactor::{sleep, Reactor};
//!
//! # async fn send_message(outbox: &RefCell<Vec<String>>, text: String) -> Result<(), BoxError> {
//! #     outbox.borrow_mut().push(text);
//! #     Ok(())
//! # }
//! struct MySuperLoop {
//!     outbox: Rc<RefCell<Vec<String>>>, // where `send_message` puts them
//!     timeout: Duration,
//! }
//!
//! impl Loop<Duration> for MySuperLoop {
//!     fn name(&self) -> String {
//!         "my cron signal loop".into()
//!     }
//!
//!     async fn run(&mut self, this: &LoopContext<Duration>) -> Result<(), BoxError> {
//!         loop {
//!             let t = Instant::now();
//!
//!             match this.wait_signal(this.pause(Some(self.timeout))).await? {
//!                 Outcome::Signal(result) if result.is_zero() => return Ok(()),
//!                 Outcome::Signal(result) => self.timeout = result,
//!                 Outcome::Completed(_timed_out_or_resumed) => {}
//!             }
//!
//!             let t = t.elapsed();
//!
//!             send_message(&self.outbox, format!("Resumed after {t:?} of timeout")).await?;
//!         }
//!     }
//! }
//!
//! let reactor = Reactor::new()?;
//! let outbox = Rc::new(RefCell::new(Vec::new()));
//! let cron = LoopHandle::new(MySuperLoop { outbox: outbox.clone(), timeout: Duration::from_secs(3600) });
//! let done = cron.start_on(&reactor)?;
//! reactor.block_on(async {
//!     sleep(Duration::from_millis(1)).await; // the body is paused for an hour now
//!     assert!(cron.resume()); // ... so it sends one message and pauses again
//!     sleep(Duration::from_millis(1)).await;
//!     cron.signal(Duration::from_millis(1)).unwrap(); // from now on, every millisecond
//!     sleep(Duration::from_millis(10)).await;
//!     cron.signal(Duration::ZERO).unwrap(); // and now, stop
//!     done.await
//! })??;
//! assert!(outbox.borrow().len() >= 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The PHP original's other examples are on their items: `MyLoop` on [`Loop`], and the
//! [`GenericLoop`] and [`PeriodicLoop`] ones on theirs.
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]

mod basic;
mod control;
mod error;
mod generic;
mod handle;
mod next_tick;
mod periodic;
pub mod resumable;
mod runner;
pub mod signal;
mod state;

pub use ampere_reactor::BoxError;
pub use basic::{Loop, LoopContext};
pub use error::{LoopError, Undelivered};
pub use generic::{GenericLoop, IntoNext, Next};
pub use handle::LoopHandle;
pub use periodic::{IntoStop, PeriodicLoop, Stop};
pub use resumable::{Pause, Wakeup};
pub use runner::Completion;
pub use signal::{NoSignal, Outcome, WaitSignal};
pub use state::LoopState;
