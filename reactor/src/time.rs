//! Time as futures: [`sleep`], [`sleep_until`] and the drift-free [`interval`].
//!
//! A [`Sleep`] is a delay watcher whose action is waking a task, armed on first poll and
//! cancelled on drop: dropping a sleep (say, the losing side of a timeout) frees its timer at
//! once. It keeps `run()` alive while armed, like any referenced timer, unless it is
//! unreferenced ([`Sleep::unreference`], Amp v2's `Delayed::unreference`).
//!
//! Time here is the clock of the reactor driving the thread: on a paused reactor (see
//! [`Builder::paused`](crate::Builder::paused)) `sleep(d)` is `d` of virtual time from the
//! virtual now, and a sleep's readiness is checked against the virtual clock, never
//! `Instant::now()`. On the real clock, the same code reads `Instant::now()` as before.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::core::driving::driving_handle;
use crate::core::paused;
use crate::core::state::Handle;
use crate::core::timers;
use crate::deadline::{nanos_since, next_deadline, saturating_ns};
use crate::id::WatcherId;

/// Now on the clock of the reactor this thread is driving (virtual when it is paused), or
/// the real clock outside any.
fn clock_now() -> Instant {
    driving_handle().map_or_else(Instant::now, |h| paused::now_instant(&h))
}

/// Waits until `duration` has passed. See [`Sleep`].
///
/// The duration counts from now on the clock of the reactor being driven (a paused one's
/// virtual now). Created outside any reactor (before `block_on`, say), it counts from the
/// real now, or, if the reactor that first polls it is paused, from that reactor's virtual
/// now at that poll.
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let driving = driving_handle();
    let now = driving.as_ref().map_or_else(Instant::now, paused::now_instant);
    let relative = if driving.is_none() { Some(duration) } else { None };
    Sleep {
        deadline: now.checked_add(duration),
        relative,
        timer: None,
        referenced: true,
        created_at: Location::caller(),
    }
}

/// Waits until `deadline`. See [`Sleep`].
///
/// On a paused reactor, compute `deadline` from [`Handle::now`] (virtual), not from
/// `Instant::now()` (real): see [`Builder::paused`](crate::Builder::paused).
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep { deadline: Some(deadline), relative: None, timer: None, referenced: true, created_at: Location::caller() }
}

/// A future that completes at a deadline: never before it.
///
/// It binds to the reactor that first polls it. A duration too large to represent never
/// completes.
///
/// # Panics
///
/// Polling it on a thread whose reactor is gone (thread teardown) panics.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Sleep {
    /// `None`: never.
    deadline: Option<Instant>,
    /// The duration of a `sleep` created outside any reactor, until it is first armed: a
    /// paused reactor that arms it counts it from its virtual now instead.
    relative: Option<Duration>,
    /// The timer, once armed.
    timer: Option<(Handle, WatcherId)>,
    /// Whether the timer keeps `run()` going; applied to the timer whenever it is armed.
    referenced: bool,
    created_at: &'static Location<'static>,
}

impl Sleep {
    /// When it completes (`None`: never), on the clock of its reactor: on a paused one, an
    /// `Instant` of virtual time, comparable with [`Handle::now`].
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Moves the deadline, earlier or later. An armed sleep's timer moves in place (no new
    /// timer, nothing left behind), so a timeout pushed back on every request costs one heap
    /// adjustment; a sleep not yet polled, or already complete, is armed on its next poll.
    /// Either way it completes at the new deadline, never before, and once.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// reactor.block_on(async {
    ///     let mut timeout = ampere_reactor::sleep(Duration::from_secs(30));
    ///     // ... activity: push the timeout back; here, forward, to finish the example.
    ///     let deadline = Instant::now() + Duration::from_millis(1);
    ///     timeout.reset(deadline);
    ///     timeout.await;
    ///     assert!(Instant::now() >= deadline);
    /// })?;
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.relative = None;
        self.move_to(Some(deadline));
    }

    /// Moves the deadline (`None`: never), and the timer with it.
    fn move_to(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
        if let Some((h, id)) = &self.timer {
            if !timers::move_wake(h, *id, self.deadline) {
                self.timer = None; // it fired: a new one on the next poll
            }
        }
    }

    /// Lets `run()` return while this sleep is pending (Amp v2's `Delayed::unreference`):
    /// its timer no longer keeps the reactor alive, like an unreferenced watcher. It still
    /// fires if the reactor runs until then. Kept across [`Sleep::reset`].
    ///
    /// This is about the timer alone. An unfinished task keeps `run()` going whatever it
    /// awaits, so in a spawned task this changes nothing for `run`; it matters for a sleep
    /// awaited by [`block_on`](crate::block_on), which returns
    /// [`Error::WouldNeverComplete`](crate::Error::WouldNeverComplete) when nothing else can
    /// wake it (as Amp's `wait()` fails when the loop stops first), for a sleep polled by
    /// hand, and for [`Handle::is_alive`] and [`Handle::keep_alive_report`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let result = reactor.block_on(async {
    ///     let mut nap = ampere_reactor::sleep(Duration::from_secs(60));
    ///     nap.unreference();
    ///     nap.await
    /// });
    /// // Nothing referenced is left to wait for: block_on returns at once.
    /// assert!(matches!(result, Err(ampere_reactor::Error::WouldNeverComplete)));
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn unreference(&mut self) {
        self.set_referenced(false);
    }

    /// Makes this sleep keep `run()` going again while it is pending (the default).
    pub fn reference(&mut self) {
        self.set_referenced(true);
    }

    /// Whether this sleep keeps `run()` going while it is pending.
    pub fn is_referenced(&self) -> bool {
        self.referenced
    }

    fn set_referenced(&mut self, referenced: bool) {
        self.referenced = referenced;
        if let Some((h, id)) = &self.timer {
            match referenced {
                // An error means the timer fired: nothing is left to keep alive.
                true => drop(h.reference(*id)),
                false => h.unreference(*id),
            }
        }
    }

    fn cancel(&mut self) {
        if let Some((h, id)) = self.timer.take() {
            h.cancel(id);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(d) = self.relative.take() {
            // Created outside any reactor: a paused one counts it from its virtual now.
            if let Some(h) = driving_handle().filter(paused::is_paused) {
                self.deadline = paused::now_instant(&h).checked_add(d);
            }
        }
        if let Some(deadline) = self.deadline {
            // The bound reactor's clock (or the driving one's, before binding): a paused
            // reactor's virtual time is not `Instant::now()`.
            let now = match &self.timer {
                Some((h, _)) => paused::now_instant(h),
                None => clock_now(),
            };
            if now >= deadline {
                self.cancel();
                return Poll::Ready(());
            }
        }
        match &self.timer {
            Some((h, id)) if timers::set_timer_waker(h, *id, cx.waker()) => {}
            _ => {
                let h = Handle::current().expect("Sleep polled after the thread's reactor was destroyed");
                let id =
                    timers::insert_wake_at(&h, self.deadline, cx.waker().clone(), self.referenced, self.created_at);
                self.timer = Some((h, id));
            }
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("referenced", &self.referenced)
            .finish_non_exhaustive()
    }
}

/// A drift-free periodic timer: ticks at `start + n * period`. See [`Interval`].
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    let start = clock_now();
    Interval { start, period_ns: saturating_ns(period), next_ns: saturating_ns(period), sleep: None, referenced: true }
}

/// A stream of ticks, one per period, on the same rule as [`Handle::repeat`]: each deadline
/// is the previous one plus the period (no drift), and if the consumer falls behind by whole
/// periods, the missed ticks are skipped rather than delivered in a burst. The first tick
/// comes one period after creation.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// reactor.block_on(async {
///     let start = Instant::now();
///     let mut every = ampere_reactor::interval(Duration::from_millis(2));
///     for n in 1..=3 {
///         every.tick().await;
///         assert!(start.elapsed() >= Duration::from_millis(2 * n));
///     }
/// })?;
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
#[derive(Debug)]
pub struct Interval {
    start: Instant,
    period_ns: u64,
    /// The next deadline, in nanoseconds since `start`.
    next_ns: u64,
    sleep: Option<Sleep>,
    /// Whether its timer keeps `run()` going (see [`Sleep::unreference`]).
    referenced: bool,
}

impl Interval {
    /// Lets `run()` return while this interval waits for its next tick: its timer no longer
    /// keeps the reactor alive. The same rule as [`Sleep::unreference`], for every tick
    /// from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let result = reactor.block_on(async {
    ///     let mut every = ampere_reactor::interval(Duration::from_secs(60));
    ///     every.unreference();
    ///     every.tick().await
    /// });
    /// assert!(matches!(result, Err(ampere_reactor::Error::WouldNeverComplete)));
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn unreference(&mut self) {
        self.set_referenced(false);
    }

    /// Makes this interval keep `run()` going again (the default).
    pub fn reference(&mut self) {
        self.set_referenced(true);
    }

    /// Whether this interval keeps `run()` going while it waits.
    pub fn is_referenced(&self) -> bool {
        self.referenced
    }

    fn set_referenced(&mut self, referenced: bool) {
        self.referenced = referenced;
        if let Some(sleep) = &mut self.sleep {
            sleep.set_referenced(referenced);
        }
    }

    /// Restarts the period from now: the next tick comes one period from now, and the ones
    /// after it every period from that one, drift-free. A tick being waited for moves its
    /// timer in place (see [`Sleep::reset`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// reactor.block_on(async {
    ///     let mut every = ampere_reactor::interval(Duration::from_millis(2));
    ///     every.tick().await;
    ///     let reset_at = Instant::now();
    ///     every.reset();
    ///     let at = every.tick().await;
    ///     assert!(at >= reset_at + Duration::from_millis(2));
    /// })?;
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn reset(&mut self) {
        let now = nanos_since(self.start, Instant::now());
        self.next_ns = now.saturating_add(self.period_ns);
        if let Some(sleep) = &mut self.sleep {
            sleep.move_to(self.start.checked_add(Duration::from_nanos(self.next_ns)));
        }
    }

    /// Waits for the next tick and returns its scheduled time.
    pub fn tick(&mut self) -> Tick<'_> {
        Tick { interval: self }
    }

    /// [`Interval::tick`] as a poll function, for hand-written futures.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        let at = self.start.checked_add(Duration::from_nanos(self.next_ns));
        let referenced = self.referenced;
        let sleep = self.sleep.get_or_insert_with(|| {
            let mut next = match at {
                Some(at) => sleep_until(at),
                None => sleep(Duration::MAX),
            };
            next.referenced = referenced;
            next
        });
        if Pin::new(sleep).poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.sleep = None;
        let now = nanos_since(self.start, clock_now());
        let due = self.next_ns;
        self.next_ns = next_deadline(due, self.period_ns, now).unwrap_or(u64::MAX);
        Poll::Ready(self.start + Duration::from_nanos(due))
    }
}

/// The future of [`Interval::tick`].
#[must_use = "futures do nothing unless you .await or poll them"]
#[derive(Debug)]
pub struct Tick<'a> {
    interval: &'a mut Interval,
}

impl Future for Tick<'_> {
    type Output = Instant;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Instant> {
        self.interval.poll_tick(cx)
    }
}
