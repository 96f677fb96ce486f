//! [`signal`]: deliveries of a signal as an async stream; [`ctrl_c`], the next Ctrl-C.

use std::cell::RefCell;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::core::state::Handle;
use crate::error::Result;
use crate::id::WatcherId;
use crate::signo::Signal;

#[derive(Debug, Default)]
struct Pending {
    deliveries: usize,
    waiter: Option<Waker>,
}

/// Deliveries of one signal, received with [`SignalStream::recv`]. While it exists it keeps
/// `run()` going, like the watcher it holds; dropping it cancels that watcher (and, if it was
/// the process's last for this signal, restores the default action).
///
/// # Examples
///
/// ```
/// let reactor = ampere_reactor::Reactor::new()?;
/// reactor.block_on(async {
///     let mut usr1 = ampere_reactor::signal(ampere_reactor::Signal::User1)?;
///     signal_hook::low_level::raise(libc::SIGUSR1)?;
///     assert_eq!(usr1.recv().await, libc::SIGUSR1);
///     Ok::<(), ampere_reactor::Error>(())
/// })??;
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
#[derive(Debug)]
pub struct SignalStream {
    signo: i32,
    pending: Rc<RefCell<Pending>>,
    watcher: WatcherId,
    handle: Handle,
}

/// Starts receiving signal `signo` (a [`Signal`] or a raw number) on the current reactor. Deliveries between two `recv`s are
/// counted, not lost (but the OS coalesces deliveries that arrive between two ticks).
///
/// # Errors
///
/// [`Error::InvalidSignal`](crate::Error::InvalidSignal) for signals that cannot be caught.
#[track_caller]
pub fn signal(signo: impl Into<i32>) -> Result<SignalStream> {
    let signo = signo.into();
    let handle = Handle::current()?;
    let pending = Rc::new(RefCell::new(Pending::default()));
    let shared = Rc::clone(&pending);
    // Referenced: a task waiting for a signal is waiting for something real, and `block_on`
    // must not call that "would never complete".
    let watcher = handle.on_signal(signo, move |_, _, _| {
        let waiter = {
            let mut p = shared.borrow_mut();
            p.deliveries += 1;
            p.waiter.take()
        };
        if let Some(w) = waiter {
            w.wake();
        }
    })?;
    Ok(SignalStream { signo, pending, watcher, handle })
}

impl SignalStream {
    /// Waits for the next delivery and returns the signal number.
    pub async fn recv(&mut self) -> i32 {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// [`SignalStream::recv`] as a poll function.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<i32> {
        let mut p = self.pending.borrow_mut();
        if p.deliveries > 0 {
            p.deliveries -= 1;
            return Poll::Ready(self.signo);
        }
        p.waiter = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for SignalStream {
    fn drop(&mut self) {
        self.handle.cancel(self.watcher);
    }
}

/// Completes on the next Ctrl-C (`SIGINT`) after it is first polled, as tokio's
/// `signal::ctrl_c`. While it waits, the reactor catches `SIGINT` (it no longer kills the
/// process); once it completes or is dropped, the default action is back (unless other
/// watchers of `SIGINT` remain).
///
/// # Errors
///
/// As for [`signal`].
///
/// # Examples
///
/// ```no_run
/// # fn main() -> Result<(), ampere_reactor::Error> {
/// let reactor = ampere_reactor::Reactor::new()?;
/// reactor.block_on(async {
///     ampere_reactor::ctrl_c().await?;
///     println!("bye");
///     Ok::<(), ampere_reactor::Error>(())
/// })??;
/// # Ok(()) }
/// ```
pub async fn ctrl_c() -> Result<()> {
    signal(Signal::Interrupt)?.recv().await;
    Ok(())
}
