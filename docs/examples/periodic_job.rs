//! A periodic job that shuts down gracefully on Ctrl-C, on `ampere-loops`' `PeriodicLoop`.
//!
//! ```text
//! cargo run --release --example periodic_job               # 5 runs, then exits (about 2 s)
//! cargo run --release --example periodic_job -- --forever  # runs until Ctrl-C
//! ```
//!
//! Ctrl-C (SIGINT), in either mode, lets the run in progress finish, stops the loop and exits
//! with status 0 and a summary. A second Ctrl-C quits at once (status 130), for a job that
//! hangs.
//!
//! "Graceful" is the loop's stop semantics: `LoopHandle::stop` never interrupts the body, it
//! ends the wait between runs, or keeps the next one from starting.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ampere_loops::{LoopHandle, PeriodicLoop};
use ampere_reactor::{sleep, Reactor};

/// The pause between the end of one run and the start of the next.
const INTERVAL: Duration = Duration::from_millis(300);
/// How long one run's (pretend) work takes.
const WORK: Duration = Duration::from_millis(150);
/// Runs before the demo stops by itself.
const DEMO_RUNS: u32 = 5;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let forever = std::env::args().nth(1).as_deref() == Some("--forever");
    let start = Instant::now();
    let stamp = move || format!("[{:>6.3} s]", start.elapsed().as_secs_f64());

    let reactor = Reactor::new()?;
    let runs = Rc::new(Cell::new(0u32));
    let counter = runs.clone();
    let job = LoopHandle::new(PeriodicLoop::new("report job", INTERVAL, async move || {
        let n = counter.get() + 1;
        counter.set(n);
        println!("{} job #{n}: started", stamp());
        // Stands in for real async work (a query, an upload): the reactor keeps serving
        // signals and timers meanwhile, so Ctrl-C is noticed mid-run.
        sleep(WORK).await;
        println!("{} job #{n}: done", stamp());
        !forever && n == DEMO_RUNS // `true` ends the loop after this run
    }));
    let done = job.start_on(&reactor)?;

    let interrupted = Rc::new(Cell::new(false));
    let flag = interrupted.clone();
    let stopper = job.clone();
    // A task, not a plain watcher, so it reads top to bottom: first Ctrl-C, second Ctrl-C.
    // It is created before the first run and dropped with the reactor at the end, which gives
    // SIGINT its default action back.
    drop(reactor.spawn(async move {
        let mut sigint = match ampere_reactor::signal(libc::SIGINT) {
            Ok(stream) => stream,
            Err(e) => return eprintln!("Ctrl-C will not be graceful: {e}"),
        };
        sigint.recv().await;
        flag.set(true);
        println!("\n{} Ctrl-C: finishing the current run, then stopping (Ctrl-C again to quit now)", stamp());
        stopper.stop();
        sigint.recv().await;
        println!("{} second Ctrl-C: quitting now", stamp());
        std::process::exit(130);
    }));

    // Runs until the loop ends: by its own choice (demo), or by `stop()` after a Ctrl-C.
    reactor.block_on(done)??;
    let why = if interrupted.get() { "on Ctrl-C" } else { "after the demo's runs" };
    println!("{} stopped {why}, after {} runs", stamp(), runs.get());
    Ok(())
}
