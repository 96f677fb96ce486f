//! The thread's current reactor, and the free functions that act on it (Amp's global API).
//!
//! "Current" means, first match wins (the rule is documented on [`Handle::current`]):
//!
//! 1. the reactor this thread is driving right now (inside `run`, `tick` or `block_on`), so
//!    code in a callback or a task reaches the reactor that called it;
//! 2. the innermost [`Handle::enter`] guard's reactor;
//! 3. the innermost live [`Reactor`] made on this thread (`enter.rs` keeps the list), so a
//!    socket made between `Reactor::new` and `block_on` lands on that reactor, not on a
//!    hidden one;
//! 4. else the thread's default reactor, created on first use, so a plain `fn main` can use
//!    the free functions (`defer(..)`, then `run()`) without creating anything.
//!
//! # Thread exit
//!
//! The default reactor lives in a thread-local and is dropped (its watchers cancelled, its
//! tasks dropped) when the thread exits. Values dropped late in that teardown that try to use
//! the reactor get [`Error::ReactorGone`], never a panic or an abort.

use std::cell::RefCell;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use crate::core::driving::driving_handle;
use crate::core::state::Handle;
use crate::enter::innermost;
use crate::error::{Error, Result};
use crate::id::WatcherId;
use crate::reactor::Reactor;
use crate::watch::Watch;

thread_local! {
    /// The thread's default reactor, created on first use.
    static DEFAULT: RefCell<Option<Reactor>> = const { RefCell::new(None) };
}

impl Handle {
    /// The thread's current reactor: what the free functions ([`defer`](crate::defer),
    /// [`spawn`](crate::spawn), [`run`](crate::run), ...) act on and what sockets,
    /// [`Async`](crate::Async) values and signal streams register with when they are made.
    /// The first of these that exists:
    ///
    /// 1. the reactor this thread is driving (inside its `run`, `tick` or `block_on`: every
    ///    callback and task);
    /// 2. the reactor of the innermost live [`enter`](Handle::enter) guard;
    /// 3. the innermost live [`Reactor`] created on this thread (the newest not yet dropped);
    /// 4. the thread's default reactor, created on first use (Amp's global loop: a program
    ///    that never calls `Reactor::new` uses this one throughout).
    ///
    /// So making a socket before `block_on` is fine: it registers with the reactor you made.
    ///
    /// # Examples
    ///
    /// ```
    /// use ampere_reactor::{net::{TcpListener, TcpStream}, Reactor};
    ///
    /// let reactor = Reactor::new()?;
    /// let listener = TcpListener::bind("127.0.0.1:0")?; // registers with `reactor`
    /// let addr = listener.local_addr()?;
    /// reactor.block_on(async move {
    ///     let (_client, (_server, _)) = futures_lite::future::try_zip(TcpStream::connect(addr), listener.accept()).await?;
    ///     Ok::<_, std::io::Error>(())
    /// })??;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::ReactorGone`] during thread teardown; [`Error::Io`] if the default reactor
    /// cannot be created.
    pub fn current() -> Result<Handle> {
        if let Some(h) = driving_handle().or_else(innermost) {
            return Ok(h);
        }
        DEFAULT
            .try_with(|d| {
                let mut d = d.try_borrow_mut().map_err(|_| Error::ReactorGone)?;
                if d.is_none() {
                    *d = Some(Reactor::new()?);
                }
                Ok(d.as_ref().expect("set above").handle())
            })
            .unwrap_or(Err(Error::ReactorGone))
    }
}

/// [`Handle::watch`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`].
pub fn watch() -> Result<Watch> {
    Ok(Handle::current()?.watch())
}

/// [`Handle::defer`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`].
///
/// # Examples
///
/// ```
/// ampere_reactor::defer(|_, _| println!("next tick"))?;
/// ampere_reactor::run()?;
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
#[track_caller]
pub fn defer(callback: impl FnOnce(&Handle, WatcherId) + 'static) -> Result<WatcherId> {
    Ok(Handle::current()?.defer(callback))
}

/// [`Handle::delay`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`].
#[track_caller]
pub fn delay(after: Duration, callback: impl FnOnce(&Handle, WatcherId) + 'static) -> Result<WatcherId> {
    Ok(Handle::current()?.delay(after, callback))
}

/// [`Handle::repeat`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`].
#[track_caller]
pub fn repeat(interval: Duration, callback: impl FnMut(&Handle, WatcherId) + 'static) -> Result<WatcherId> {
    Ok(Handle::current()?.repeat(interval, callback))
}

/// [`Handle::repeat_after`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`].
#[track_caller]
pub fn repeat_after(
    first: Duration,
    interval: Duration,
    callback: impl FnMut(&Handle, WatcherId) + 'static,
) -> Result<WatcherId> {
    Ok(Handle::current()?.repeat_after(first, interval, callback))
}

/// [`Handle::on_readable`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`] and [`Handle::on_readable`].
#[track_caller]
pub fn on_readable(fd: &impl AsRawFd, callback: impl FnMut(&Handle, WatcherId, RawFd) + 'static) -> Result<WatcherId> {
    Handle::current()?.on_readable(fd, callback)
}

/// [`Handle::on_writable`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`] and [`Handle::on_writable`].
#[track_caller]
pub fn on_writable(fd: &impl AsRawFd, callback: impl FnMut(&Handle, WatcherId, RawFd) + 'static) -> Result<WatcherId> {
    Handle::current()?.on_writable(fd, callback)
}

/// [`Handle::on_signal`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`] and [`Handle::on_signal`].
#[track_caller]
pub fn on_signal(signo: impl Into<i32>, callback: impl FnMut(&Handle, WatcherId, i32) + 'static) -> Result<WatcherId> {
    Handle::current()?.on_signal(signo, callback)
}

/// [`Handle::enable`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`] and [`Handle::enable`].
pub fn enable(id: WatcherId) -> Result<()> {
    Handle::current()?.enable(id)
}

/// [`Handle::disable`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`].
pub fn disable(id: WatcherId) -> Result<()> {
    Handle::current()?.disable(id);
    Ok(())
}

/// [`Handle::cancel`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`].
pub fn cancel(id: WatcherId) -> Result<()> {
    Handle::current()?.cancel(id);
    Ok(())
}

/// [`Handle::reference`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`] and [`Handle::reference`].
pub fn reference(id: WatcherId) -> Result<()> {
    Handle::current()?.reference(id)
}

/// [`Handle::unreference`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`].
pub fn unreference(id: WatcherId) -> Result<()> {
    Handle::current()?.unreference(id);
    Ok(())
}

/// [`Handle::run`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`] and [`Handle::run`].
pub fn run() -> Result<()> {
    Handle::current()?.run()
}

/// [`Handle::tick`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`] and [`Handle::tick`].
pub fn tick() -> Result<()> {
    Handle::current()?.tick()
}

/// [`Handle::stop`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`].
pub fn stop() -> Result<()> {
    Handle::current()?.stop();
    Ok(())
}
