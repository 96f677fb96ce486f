//! The callback a watcher carries, one variant per calling convention.

use std::fmt;
use std::os::fd::RawFd;
use std::task::Waker;

use crate::core::state::Handle;
use crate::id::WatcherId;

/// A one-shot callback (defer, delay).
pub(crate) type OnceFn = Box<dyn FnOnce(&Handle, WatcherId)>;
/// A repeat's callback.
pub(crate) type RepeatFn = Box<dyn FnMut(&Handle, WatcherId)>;
/// An I/O watcher's callback: also gets the fd.
pub(crate) type IoFn = Box<dyn FnMut(&Handle, WatcherId, RawFd)>;
/// A signal watcher's callback: also gets the signal number.
pub(crate) type SignalFn = Box<dyn FnMut(&Handle, WatcherId, i32)>;

/// A watcher's callback.
///
/// One-shot watchers (defer, delay) hold an `FnOnce`, so users can move values into them; the
/// others are `FnMut` and are taken out of the table while they run (so the callback may use
/// the reactor freely) and put back afterwards if the watcher still exists.
pub(crate) enum Callback {
    /// Defer and delay. `None` once called.
    Once(Option<OnceFn>),
    /// Repeat.
    Repeat(RepeatFn),
    /// Readable and writable: also gets the fd.
    Io(IoFn),
    /// Signal: also gets the signal number.
    Signal(SignalFn),
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

impl Callback {
    /// Calls the callback by `&mut`, so a panicking `FnMut` survives its own panic and the
    /// watcher keeps a callback (it goes on firing once the error is handled).
    pub(crate) fn call(&mut self, handle: &Handle, id: WatcherId, arg: Arg) {
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

impl fmt::Debug for Callback {
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
