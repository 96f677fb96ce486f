//! The hand-off between a `spawn_blocking` job and the reactor, hammered (issue 15, item 5).
//!
//! A job that finishes wakes its task, and stops counting as "in flight". If the reactor can
//! see the one without the other, `run()` waits forever for a job that is gone, or `block_on`
//! gives up (`WouldNeverComplete`) on a task that was just woken. The windows are a few
//! instructions wide, so each test runs thousands of short rounds while busy threads compete
//! for the CPU (a helper thread preempted inside the window is what opens it). Each round runs
//! on its own thread under a watchdog, so a hang fails the test instead of hanging it. The
//! exhaustive check of the same protocol is the loom models (`just loom`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use ampere_reactor::Reactor;

/// Rounds per test, at most; the test also stops after [`MAX_TIME`].
const ROUNDS: usize = 5_000;
const MAX_TIME: Duration = Duration::from_secs(8);
/// A round takes well under a millisecond: this only tells a hang from a slow machine.
const WATCHDOG: Duration = Duration::from_secs(10);

/// Threads that spin until dropped: the competing CPU load.
struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Load {
    fn start(n: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..n)
            .map(|_| {
                let stop = Arc::clone(&stop);
                thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::hint::spin_loop();
                    }
                })
            })
            .collect();
        Load { stop, threads }
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Runs `round` up to [`ROUNDS`] times on a thread of its own, under a competing load, and
/// fails if one round does not finish within [`WATCHDOG`] or returns an error.
fn hammer(what: &str, round: fn() -> Result<(), String>) {
    let _load = Load::start(2);
    let (tx, rx) = mpsc::channel();
    let deadline = Instant::now() + MAX_TIME;
    // The worker stops by itself; if a round hangs it stays blocked, and the test fails here.
    thread::spawn(move || {
        for n in 0..ROUNDS {
            if tx.send((n, round())).is_err() || Instant::now() > deadline {
                return;
            }
        }
    });
    let mut done = 0;
    loop {
        match rx.recv_timeout(WATCHDOG) {
            Ok((n, Ok(()))) => done = n + 1,
            Ok((n, Err(e))) => panic!("{what}: round {n} failed: {e}"),
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: round {done} hung (after {done} good rounds)"),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    assert!(done > 0, "{what}: no round ran");
}

#[test]
fn run_returns_after_the_last_blocking_job_finishes_under_cpu_load() {
    hammer("run", || {
        let reactor = Reactor::new().map_err(|e| e.to_string())?;
        let job = reactor.spawn_blocking(|| thread::sleep(Duration::from_micros(200))).map_err(|e| e.to_string())?;
        drop(job); // detached: only the job itself keeps `run` going
        reactor.run().map_err(|e| e.to_string())
    });
}

#[test]
fn run_returns_after_a_blocking_job_whose_task_was_aborted_finishes() {
    hammer("run, task aborted", || {
        let reactor = Reactor::new().map_err(|e| e.to_string())?;
        let job = reactor.spawn_blocking(|| thread::sleep(Duration::from_micros(50))).map_err(|e| e.to_string())?;
        job.abort(); // nobody will be woken: the job's end alone must release `run`
        reactor.run().map_err(|e| e.to_string())
    });
}

#[test]
fn block_on_waits_for_a_blocking_job_that_is_finishing() {
    hammer("block_on", || {
        let reactor = Reactor::new().map_err(|e| e.to_string())?;
        // An instant job: it finishes while `block_on` is making its first progress check.
        let job = reactor.spawn_blocking(|| 7).map_err(|e| e.to_string())?;
        match reactor.block_on(job) {
            Ok(Ok(7)) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    });
}
