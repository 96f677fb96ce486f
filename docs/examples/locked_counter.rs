//! A counter in a file, shared by several processes, each incrementing it under an exclusive
//! `flock`: no increment is lost.
//!
//! ```text
//! cargo run --release --example locked_counter            # 4 processes x 100 increments
//! cargo run --release --example locked_counter -- 8 250   # 8 processes x 250
//! ```
//!
//! It starts copies of itself (`--worker`), waits for them, checks that the file holds the
//! total, removes the file and exits: about a second for the default run.
//!
//! The lock is advisory: it protects the read-modify-write *protocol*, not the bytes. Every
//! process agrees to take it before touching the file, and the file itself is read and written
//! through other descriptors than the locked one.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use ampere_reactor::{file_get_contents, flock, sleep, LockMode, Reactor};

/// How often a waiting process retries the lock. `flock` has no "wake me when free", so the
/// helper polls it with a non-blocking `flock(LOCK_NB)`; 1 ms is its floor.
const RETRY: Duration = Duration::from_millis(1);

fn main() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, path, increments, id] = args.as_slice() {
        if flag == "--worker" {
            worker(Path::new(path), increments.parse()?, id)?;
            return Ok(ExitCode::SUCCESS);
        }
    }
    let workers: u32 = args.first().map(|a| a.parse()).transpose()?.unwrap_or(4);
    let increments: u32 = args.get(1).map(|a| a.parse()).transpose()?.unwrap_or(100);

    let path = std::env::temp_dir().join(format!("ampere-locked-counter-{}", std::process::id()));
    std::fs::write(&path, "0")?;
    println!("{workers} processes x {increments} increments of {}", path.display());
    let start = Instant::now();
    // Plain processes: each has its own reactor, and only the file lock connects them.
    let children = (1..=workers)
        .map(|id| {
            Command::new(std::env::current_exe()?)
                .args(["--worker", &path.to_string_lossy(), &increments.to_string(), &id.to_string()])
                .spawn()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut all_ok = true;
    for mut child in children {
        all_ok &= child.wait()?.success();
    }
    let total: u64 = std::fs::read_to_string(&path)?.trim().parse()?;
    std::fs::remove_file(&path)?;
    let expected = u64::from(workers) * u64::from(increments);
    println!("the file says {total}, expected {expected}, in {:.0} ms", start.elapsed().as_secs_f64() * 1e3);
    Ok(if all_ok && total == expected {
        println!("no increment lost");
        ExitCode::SUCCESS
    } else {
        println!("MISMATCH: the lock did not hold");
        ExitCode::FAILURE
    })
}

/// One process: `increments` times, lock, read, add one, write, unlock.
fn worker(path: &Path, increments: u32, id: &str) -> Result<(), Box<dyn std::error::Error>> {
    let path: PathBuf = path.to_owned();
    let reactor = Reactor::new()?;
    let (waited, longest) = reactor.block_on(async move {
        let (mut waited, mut longest) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..increments {
            let asked = Instant::now();
            // The guard holds the lock until it drops, at the end of this iteration. A
            // waiting `flock` future sleeps between tries: this process's reactor is free for
            // other work meanwhile.
            let lock = flock(&path, LockMode::Exclusive, RETRY).await?;
            let wait = asked.elapsed();
            (waited, longest) = (waited + wait, longest.max(wait));

            let text = file_get_contents(&path.to_string_lossy()).await?; // read on the blocking pool
            let value: u64 = String::from_utf8(text)?.trim().parse()?;
            // A few bytes to a local file: quick enough to write on the reactor thread.
            std::fs::write(&path, (value + 1).to_string())?;
            drop(lock);

            // Some work between increments, without the lock. Without it the process that
            // just unlocked re-locks at once, and the others (polling every millisecond)
            // rarely get a turn: `flock` promises exclusion, not fairness.
            sleep(Duration::from_micros(500)).await;
        }
        Ok::<_, Box<dyn std::error::Error>>((waited, longest))
    })??;
    println!(
        "  worker {id}: {increments} increments; waited {:.0} ms in all for the lock, {:.1} ms at most",
        waited.as_secs_f64() * 1e3,
        longest.as_secs_f64() * 1e3
    );
    Ok(())
}
