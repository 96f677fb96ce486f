//! Watchers as data: the table of watchers and the fan-outs from fds and signals to their
//! watchers. (What a watcher is and the states it moves through:
//! [`WatcherId`](crate::id::WatcherId); the callback it carries: `core/callback.rs`.)

pub(crate) mod io;
pub(crate) mod signal;
pub(crate) mod table;
