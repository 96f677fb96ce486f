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

// Reliability helpers (issue 8): seeded randomness, load scaling, process figures and the
// serial case runner of the `harness = false` binaries `model`, `load`, `faults` and
// `bad_input`.

/// Runs `f` on a helper thread and returns what it returns; fails the test if it has not
/// returned within five seconds (it hangs: the thread is left behind, the suite goes on). The
/// guard every test of a former hang uses, so that a regression fails instead of stalling CI.
pub fn returns_in_time<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(5)) {
        Ok(out) => out,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("did not return within 5 s: it hangs"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("the helper thread panicked"),
    }
}

pub use ampere_testkit::Rng;

/// Whether `AMPERE_SOAK` asks for the long runs (`just soak`).
pub fn soak() -> bool {
    std::env::var("AMPERE_SOAK").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Whether this process runs under valgrind (valgrind's preload library is present, or
/// `AMPERE_VALGRIND=1`; `AMPERE_VALGRIND=0` says no): load tests then shrink to what valgrind
/// can do in reasonable time.
pub fn under_valgrind() -> bool {
    match std::env::var("AMPERE_VALGRIND").as_deref() {
        Ok("0") => false,
        Ok(v) if !v.is_empty() => true,
        _ => std::env::var("LD_PRELOAD").is_ok_and(|v| v.contains("vgpreload")),
    }
}

/// How many times slower than native this process runs: CPU-time and wall-clock limits of
/// the reliability cases are multiplied by it (valgrind runs code some 50 times slower).
pub fn slowdown() -> u32 {
    if under_valgrind() {
        50
    } else {
        1
    }
}

/// `fast` normally, `soak` under `AMPERE_SOAK`, `valgrind` under valgrind.
pub fn scaled(fast: usize, soak_size: usize, valgrind: usize) -> usize {
    if under_valgrind() {
        valgrind
    } else if soak() {
        soak_size
    } else {
        fast
    }
}

/// A line of `/proc/self/status` in KiB (`VmRSS`: resident now; `VmHWM`: the peak so far).
pub fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Raises the soft `RLIMIT_NOFILE` towards `want` (never above the hard limit) and returns the
/// soft limit now in force.
pub fn raise_fd_limit(want: u64) -> u64 {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `lim` is a valid, writable `rlimit`.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return 0;
    }
    if lim.rlim_cur < want {
        let raised = libc::rlimit { rlim_cur: want.min(lim.rlim_max), rlim_max: lim.rlim_max };
        // SAFETY: `raised` is a valid `rlimit` whose soft limit does not exceed the hard one.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            lim.rlim_cur = raised.rlim_cur;
        }
    }
    lim.rlim_cur
}

/// Sets the soft `RLIMIT_NOFILE` to `soft` (lowering is always allowed); returns whether it
/// took.
pub fn set_fd_limit(soft: u64) -> bool {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `lim` is a valid, writable `rlimit`.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return false;
    }
    let new = libc::rlimit { rlim_cur: soft.min(lim.rlim_max), rlim_max: lim.rlim_max };
    // SAFETY: `new` is a valid `rlimit` whose soft limit does not exceed the hard one.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) == 0 }
}

/// Prints one measured figure as `figure: <name> = <value>` (collected into
/// `docs/reliability.md`).
pub fn figure(name: &str, value: impl std::fmt::Display) {
    println!("    figure: {name} = {value}");
}

/// Put this in the message of a panic a case causes on purpose: [`run_cases`] does not print
/// those.
pub const ON_PURPOSE: &str = "(on purpose)";

/// One case of a `harness = false` test binary.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// The behaviour it pins, as a test name.
    pub name: &'static str,
    /// The case; it panics to fail.
    pub run: fn(),
    /// `Some(why)`: a known reactor bug makes it fail today; it is skipped with this note
    /// unless `AMPERE_KNOWN_BUGS=1`.
    pub known_bug: Option<&'static str>,
}

impl Case {
    /// A case expected to pass.
    pub const fn new(name: &'static str, run: fn()) -> Case {
        Case { name, run, known_bug: None }
    }

    /// A case that fails today because of a reactor bug, described by `why`.
    pub const fn known_bug(name: &'static str, run: fn(), why: &'static str) -> Case {
        Case { name, run, known_bug: Some(why) }
    }
}

/// Runs `cases` one after another on this thread, as the `harness = false` binaries need:
/// each must leave the process's fd count as it found it (waiting briefly for fds that
/// helper threads close a moment late), and each gets `budget` before a watchdog ends the
/// process (a hang is a failure, never a stuck CI). Arguments that do not start with `-`
/// filter cases by name. Prints `N passed, M failed` and exits non-zero on any failure.
pub fn run_cases(cases: &[Case], budget: Duration) {
    // Panics the cases cause on purpose would bury the real failures in backtraces.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message =
            payload.downcast_ref::<&str>().copied().or_else(|| payload.downcast_ref::<String>().map(|s| s.as_str()));
        if !message.is_some_and(|m| m.contains(ON_PURPOSE)) {
            default_hook(info);
        }
    }));
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let run_known_bugs = std::env::var("AMPERE_KNOWN_BUGS").is_ok_and(|v| v == "1");
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for case in cases {
        if !filters.is_empty() && !filters.iter().any(|f| case.name.contains(f.as_str())) {
            continue;
        }
        if let (Some(why), false) = (case.known_bug, run_known_bugs) {
            println!("test {} ... skipped (known bug: {why}; AMPERE_KNOWN_BUGS=1 runs it)", case.name);
            skipped += 1;
            continue;
        }
        println!("test {} ...", case.name);
        let watchdog = Watchdog::start(case.name, budget);
        let fds_before = fd_count();
        let started = std::time::Instant::now();
        let outcome = std::panic::catch_unwind(case.run);
        let elapsed = started.elapsed();
        watchdog.disarm();
        let mut fds_after = fd_count();
        let settle = std::time::Instant::now();
        while fds_after != fds_before && settle.elapsed() < Duration::from_millis(500) {
            std::thread::sleep(Duration::from_millis(5));
            fds_after = fd_count();
        }
        match outcome {
            Ok(()) if fds_after == fds_before => {
                println!("    ok ({elapsed:.2?}, fds {fds_before} -> {fds_after})");
                passed += 1;
            }
            Ok(()) => {
                println!(
                    "    FAILED: fds {fds_before} -> {fds_after} (leaked {})",
                    fds_after as isize - fds_before as isize
                );
                failed += 1;
            }
            Err(_) => {
                println!("    FAILED (panicked, see above)");
                failed += 1;
            }
        }
    }
    println!("\n{passed} passed, {failed} failed, {skipped} skipped (known bugs)");
    if failed > 0 {
        std::process::exit(1);
    }
}

/// Ends the process if a case runs past its budget: a hang must fail, not stall CI.
#[derive(Debug)]
struct Watchdog {
    done: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Watchdog {
    fn start(name: &'static str, budget: Duration) -> Watchdog {
        let (done, rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(budget) {
                println!("    FAILED: {name} still running after {budget:?}: a hang; exiting");
                std::process::exit(2);
            }
        });
        Watchdog { done, thread }
    }

    fn disarm(self) {
        let _ = self.done.send(());
        let _ = self.thread.join();
    }
}
