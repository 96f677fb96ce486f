//! [`read_line`] and [`echo`]: standard input and output as async functions.
//!
//! # Never changing what other processes share
//!
//! A pipe or terminal on fd 0 or 1 is usually shared with other processes (the shell, the
//! rest of a pipeline), and `O_NONBLOCK` lives in the *open file description* they share:
//! setting it on our fd sets it for all of them (a shell that finds its terminal
//! non-blocking fails its next read with `EAGAIN`). So neither function ever sets it.
//! Instead each call picks a route by what the fd is (`fstat`):
//!
//! | fd 0 or 1 is            | how we wait                      | how one call stays non-blocking |
//! |-------------------------|----------------------------------|---------------------------------|
//! | pipe, FIFO, terminal    | our `Async` (edge-triggered)     | reopened through `/proc/self/fd/N`: a **new description** of the same pipe or device, non-blocking for us alone |
//! | socket                  | a one-shot readable/writable watcher | `MSG_DONTWAIT` (and `MSG_NOSIGNAL`) on that call |
//! | regular file, `/dev/null` | none: epoll refuses them, they never wait for a peer | the call runs on the [`spawn_blocking`](crate::spawn_blocking) pool (it may wait for the disk) |
//! | pipe or terminal that cannot be reopened | a one-shot watcher | one `read`/`write` (at most `PIPE_BUF` bytes) only after `poll(2)` says ready |
//!
//! The last row is the fallback (Linux without `/proc`, another user's terminal after `su`,
//! other Unixes where `/dev/fd/N` is a `dup`); it changes no flags either, but another
//! process reading the same pipe can take the data between the `poll` and the `read`, and
//! then that `read` blocks.
//!
//! Because waiting is a reactor registration, never a thread, dropping the future (or the
//! whole reactor) while it waits ends the wait at once: nothing is left blocked in
//! `read(2)`, unlike a runtime whose blocking stdin thread outlives its shutdown.
//!
//! # `SIGPIPE`
//!
//! Writing to a pipe whose reader is gone raises `SIGPIPE`, whose default action kills the
//! process. [`echo`] relies on it being ignored, so that the write fails with `EPIPE`
//! (`BrokenPipe`) instead. Rust binaries already start that way (std sets `SIG_IGN` before
//! `main`); for a process where it is still at the default action (a C `main`, a binary
//! built with `-Zon-broken-pipe=kill`), `echo` sets `SIG_IGN` itself, process-wide, and
//! leaves any handler someone installed alone. Sockets need none of this: they are written
//! with `MSG_NOSIGNAL`.
//!
//! # Buffering
//!
//! Bytes read past a newline are kept in one process-wide buffer (fd 0 is process-wide) for
//! the next [`read_line`]. Neither function shares buffers with `std::io::stdin()` or
//! `std::io::stdout()`.
//!
//! # Cost
//!
//! The route is chosen per call, so a call on a pipe or terminal costs an `fstat`, an
//! `open`, an `epoll_ctl` pair and a `close` on top of its reads or writes: nothing next to
//! a human typing, but not the way to stream megabytes (use [`Async`](crate::Async) on a
//! descriptor you own for that).

mod route;
mod stdin;
mod stdout;

pub use stdin::read_line;
pub use stdout::echo;
