//! [`Builder`]: a reactor made with options, today one: a paused clock for tests
//! ([`Builder::paused`]); and that clock's controls on the handle ([`Handle::advance`],
//! [`Handle::is_paused`]).

use std::time::Duration;

use crate::core::paused;
use crate::core::state::Handle;
use crate::error::Result;
use crate::reactor::Reactor;

/// Options for a new [`Reactor`], from [`Reactor::builder`].
///
/// `Reactor::builder().build()` is [`Reactor::new`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let reactor = ampere_reactor::Reactor::builder().paused().build()?;
/// let start = reactor.now();
/// reactor.block_on(ampere_reactor::sleep(Duration::from_secs(3600)))?; // at once
/// assert_eq!(reactor.now() - start, Duration::from_secs(3600));
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "a builder does nothing until .build()"]
pub struct Builder {
    paused: bool,
}

impl Reactor {
    /// A [`Builder`], for a reactor with options.
    pub fn builder() -> Builder {
        Builder::default()
    }
}

impl Builder {
    /// Gives the reactor a **paused clock**: virtual time, for tests. A test of a 30-second
    /// timeout then runs in microseconds, and the same way every time.
    ///
    /// The clock starts at the reactor's creation and moves only in two ways:
    ///
    /// - **By itself, when the reactor is idle.** Where a reactor on the real clock would
    ///   block until the earliest timer deadline, a paused one first polls the OS without
    ///   waiting; if nothing at all is ready (no fd, signal, async I/O, task or wake from
    ///   another thread), the clock jumps to that deadline and the timers due then fire.
    ///   Real I/O keeps working: whatever is ready is handled first, at the current virtual
    ///   time. A `spawn_blocking` job in flight is waited for in real time instead (its
    ///   result is coming without time passing), so a timeout around it does not fire
    ///   spuriously. This happens in `run`, `tick` and `block_on`; `tick_nowait` never moves
    ///   the clock.
    /// - **By hand**, with [`Handle::advance`].
    ///
    /// Timers fire exactly as on the real clock, only without the wait: never before their
    /// deadline (a jump goes to the earliest deadline, never past it), in (deadline, arming
    /// order), each in a tick of its own time. On a virtual clock they are also never late:
    /// [`Handle::now`] in a timer's callback is its deadline exactly.
    ///
    /// **Deadlines come from [`Handle::now`]**, which gives the virtual time as an `Instant`
    /// (the reactor's epoch plus the virtual time). [`sleep`](crate::sleep),
    /// [`interval`](crate::interval) and the timeouts built on them do this themselves when
    /// created inside the reactor (in a task, a callback, a `block_on` future). But
    /// `Instant::now()` stays the real clock: `sleep_until(Instant::now() + d)` mixes the two
    /// clocks (after a jump, that deadline lies in the virtual past). Write
    /// `sleep_until(handle.now() + d)`.
    ///
    /// What a paused clock cannot know: work that will arrive from outside the process or
    /// from another thread without a wake already pending. The clock jumps past it (a peer
    /// that answers in a real millisecond loses against a virtual minute-long timeout), as in
    /// tokio's paused time; move the clock by hand, or use the real clock, for such tests.
    /// The idle audit of fd watchers (closed-fd detection) stays on the real clock.
    ///
    /// # Examples
    ///
    /// Thirty seconds pass, in virtual time, while a task waits for something that never
    /// comes:
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use ampere_reactor::{sleep, Reactor};
    ///
    /// let reactor = Reactor::builder().paused().build()?;
    /// let wall = Instant::now();
    /// let start = reactor.now();
    /// let _stuck = reactor.spawn(std::future::pending::<()>());
    /// reactor.block_on(sleep(Duration::from_secs(30)))?;
    /// assert_eq!(reactor.now() - start, Duration::from_secs(30));
    /// assert!(wall.elapsed() < Duration::from_secs(5)); // a generous bound: microseconds
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn paused(mut self) -> Builder {
        self.paused = true;
        self
    }

    /// Makes the reactor.
    ///
    /// # Errors
    ///
    /// As for [`Reactor::new`].
    pub fn build(self) -> Result<Reactor> {
        let reactor = Reactor::new()?;
        if self.paused {
            paused::pause(&reactor);
        }
        Ok(reactor)
    }
}

impl Handle {
    /// Moves a paused clock (see [`Builder::paused`]) forward by `by`. Nothing fires inside
    /// this call: the next tick fires every timer that became due, in (deadline, arming
    /// order), as if that much time had passed. [`Handle::now`] shows the new time at once.
    ///
    /// # Errors
    ///
    /// [`Error::ClockNotPaused`](crate::Error::ClockNotPaused) on a reactor running on the
    /// real clock.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// use std::time::Duration;
    ///
    /// let reactor = ampere_reactor::Reactor::builder().paused().build()?;
    /// let fired = Rc::new(Cell::new(false));
    /// let flag = fired.clone();
    /// reactor.delay(Duration::from_secs(10), move |_, _| flag.set(true));
    /// reactor.advance(Duration::from_millis(9_999))?;
    /// reactor.tick_nowait()?; // never moves the clock by itself
    /// assert!(!fired.get(), "not due yet: never early");
    /// reactor.advance(Duration::from_millis(1))?;
    /// reactor.tick_nowait()?;
    /// assert!(fired.get());
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn advance(&self, by: Duration) -> Result<()> {
        paused::advance(self, by)
    }

    /// Whether this reactor runs on a paused clock (see [`Builder::paused`]).
    pub fn is_paused(&self) -> bool {
        paused::is_paused(self)
    }
}
