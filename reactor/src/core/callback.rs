//! The callback a watcher carries, one variant per calling convention.
//!
//! The types are generic over the handle `H` a callback is called with, so that this file
//! need not import `core/state.rs`, whose state stores the callbacks: the type-level loop
//! every reactor has (its state holds callbacks that take its handle) is closed by the aliases
//! in `core/state.rs` (`Callback = callback::Callback<Handle>`), not by an import loop. There
//! is one `H`, so monomorphization leaves the exact code a concrete type would.

use std::fmt;
use std::os::fd::RawFd;
use std::task::Waker;

use crate::id::WatcherId;

/// A one-shot callback (defer, delay).
pub(crate) type OnceFn<H> = Box<dyn FnOnce(&H, WatcherId)>;
/// A repeat's callback.
pub(crate) type RepeatFn<H> = Box<dyn FnMut(&H, WatcherId)>;
/// An I/O watcher's callback: also gets the fd.
pub(crate) type IoFn<H> = Box<dyn FnMut(&H, WatcherId, RawFd)>;
/// A signal watcher's callback: also gets the signal number.
pub(crate) type SignalFn<H> = Box<dyn FnMut(&H, WatcherId, i32)>;

/// A watcher's callback.
///
/// One-shot watchers (defer, delay) hold an `FnOnce`, so users can move values into them; the
/// others are `FnMut` and are taken out of the table while they run (so the callback may use
/// the reactor freely) and put back afterwards if the watcher still exists.
pub(crate) enum Callback<H> {
    /// Defer and delay. `None` once called.
    Once(Option<OnceFn<H>>),
    /// Repeat.
    Repeat(RepeatFn<H>),
    /// Readable and writable: also gets the fd.
    Io(IoFn<H>),
    /// Signal: also gets the signal number.
    Signal(SignalFn<H>),
    /// A delay whose action is waking a task: what [`Sleep`](crate::Sleep) uses, so a sleep
    /// costs no closure allocation.
    Wake(Option<Waker>),
}

/// What a callback is called with, besides the handle and its id.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Arg {
    None,
    Fd(RawFd),
    Signo(i32),
}

impl<H> Callback<H> {
    /// Calls the callback by `&mut`, so a panicking `FnMut` survives its own panic and the
    /// watcher keeps a callback (it goes on firing once the error is handled).
    pub(crate) fn call(&mut self, handle: &H, id: WatcherId, arg: Arg) {
        match (self, arg) {
            (Callback::Once(f), _) => {
                if let Some(f) = f.take() {
                    f(handle, id);
                }
            }
            (Callback::Repeat(f), _) => f(handle, id),
            (Callback::Io(f), Arg::Fd(fd)) => f(handle, id, fd),
            (Callback::Signal(f), Arg::Signo(signo)) => f(handle, id, signo),
            (Callback::Wake(waker), _) => {
                if let Some(w) = waker.take() {
                    w.wake();
                }
            }
            // The table pairs each watcher kind with its argument; nothing else is reachable.
            (Callback::Io(_) | Callback::Signal(_), _) => {}
        }
    }
}

impl<H> fmt::Debug for Callback<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Callback::Once(_) => "Callback::Once(..)",
            Callback::Repeat(_) => "Callback::Repeat(..)",
            Callback::Io(_) => "Callback::Io(..)",
            Callback::Signal(_) => "Callback::Signal(..)",
            Callback::Wake(_) => "Callback::Wake(..)",
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::core::state::Callback;
    use crate::watcher::table::Watcher;

    #[test]
    fn a_watcher_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<Watcher<Callback>>(), 64);
        assert_eq!(std::mem::align_of::<Watcher<Callback>>(), 64);
        // The slab's entry (an enum of a free-list link and the watcher) uses a niche of the
        // watcher: no tag word, still one line.
        #[allow(dead_code)]
        enum SlabEntry {
            Vacant(usize),
            Occupied(Watcher<Callback>),
        }
        assert_eq!(std::mem::size_of::<SlabEntry>(), 64);
    }
}
