//! Helpers shared by the integration tests in `tests/tests/`: recorders, counting futures,
//! socket pairs, and process-level measurements (fd count, CPU time).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// An ordered log of events, shared between callbacks.
#[derive(Debug, Clone, Default)]
pub struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    /// A new, empty log.
    pub fn new() -> Log {
        Log::default()
    }

    /// Appends an event.
    pub fn push(&self, event: impl Into<String>) {
        self.0.borrow_mut().push(event.into());
    }

    /// The events so far.
    pub fn events(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
}

/// A shared counter.
#[derive(Debug, Clone, Default)]
pub struct Counter(Rc<Cell<usize>>);

impl Counter {
    /// A counter at zero.
    pub fn new() -> Counter {
        Counter::default()
    }

    /// Adds one.
    pub fn bump(&self) {
        self.0.set(self.0.get() + 1);
    }

    /// The count.
    pub fn get(&self) -> usize {
        self.0.get()
    }
}

/// Bumps its counter when dropped: put one in a closure or future to count drops exactly.
#[derive(Debug)]
pub struct DropCounter(pub Counter);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.bump();
    }
}

/// A future that counts its polls and drops and is pending until `ready_after` polls.
#[derive(Debug)]
pub struct Instrumented {
    /// Polls so far.
    pub polls: Counter,
    /// Bumped on drop.
    pub drops: DropCounter,
    /// How many polls return `Pending` before it is ready (each one wakes itself).
    pub ready_after: usize,
}

impl Future for Instrumented {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        self.polls.bump();
        if self.polls.get() > self.ready_after {
            Poll::Ready(self.polls.get())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// A connected, non-blocking Unix socket pair.
pub fn socket_pair() -> (UnixStream, UnixStream) {
    let (a, b) = UnixStream::pair().expect("socketpair");
    a.set_nonblocking(true).unwrap();
    b.set_nonblocking(true).unwrap();
    (a, b)
}

/// Open fds of this process.
pub fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

/// Threads of this process.
pub fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0)
}

/// CPU time (user + system) this *thread* has used.
pub fn thread_cpu_time() -> Duration {
    // /proc/thread-self/stat fields 14 and 15 are utime and stime in clock ticks.
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum();
    Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux
}
