//! The other process of `tests/tests/io_helpers.rs`: standard streams and locks can only be
//! tested from a process whose fds 0 and 1 the test sets up, or which holds a lock the test
//! contends for. A binary of its own keeps the test harness's output off its stdout.
//!
//! Usage: `io_helpers_child <mode> [args]`; the modes are the functions below.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use ampere_reactor::{echo, file_get_contents, flock, read_line, sleep, spawn, LockMode, Reactor};

/// Counts ticks of a 1 ms timer in a background task: proof that the reactor kept running.
fn ticker() -> Rc<Cell<u32>> {
    let ticks = Rc::new(Cell::new(0));
    let t = Rc::clone(&ticks);
    let _detached = spawn(async move {
        loop {
            sleep(Duration::from_millis(1)).await;
            t.set(t.get() + 1);
        }
    });
    ticks
}

/// Whether fd `fd`'s open file description has `O_NONBLOCK`.
fn nonblocking(fd: i32) -> bool {
    // SAFETY: F_GETFL only reads the flags of `fd`; a bad fd is an error return, not UB.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    flags != -1 && flags & libc::O_NONBLOCK != 0
}

/// Echoes each line read as `line:<line>`, then how often the ticker ticked while the first
/// `read_line` waited, and whether fds 0 and 1 ended up non-blocking.
fn read_lines() {
    let reactor = Reactor::new().unwrap();
    reactor
        .block_on(async {
            let ticks = ticker();
            let mut ticks_during_first = None;
            while let Some(line) = read_line("> ").await? {
                ticks_during_first.get_or_insert(ticks.get());
                echo(format!("line:{line}\n")).await?;
            }
            echo("eof\n").await?;
            echo(format!("ticks:{}\n", ticks_during_first.unwrap_or(0))).await?;
            echo(format!("nonblocking:{}:{}\n", nonblocking(0), nonblocking(1))).await
        })
        .unwrap()
        .unwrap();
}

/// Starts a `read_line` that never gets input, lets the reactor run, drops it, and says so.
fn shutdown_while_reading() {
    let reactor = Reactor::new().unwrap();
    reactor
        .block_on(async {
            let _reader = spawn(read_line(""));
            sleep(Duration::from_millis(20)).await;
        })
        .unwrap();
    drop(reactor);
    println!("dropped");
}

/// Echoes `len` bytes of a pattern and reports the result and the ticks on stderr. With
/// `sigpipe-default`, SIGPIPE is first put back to its default (deadly) action.
fn echo_bytes(len: usize, sigpipe_default: bool) {
    if sigpipe_default {
        // SAFETY: restoring a signal's default action; no handler code is involved.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    }
    let text: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
    let reactor = Reactor::new().unwrap();
    let (result, ticks) = reactor
        .block_on(async {
            let ticks = ticker();
            let result = echo(&text).await;
            (result, ticks.get())
        })
        .unwrap();
    eprintln!("result:{:?} ticks:{ticks}", result.map_err(|e| e.kind()));
}

/// Takes the lock, says `locked`, holds it until stdin ends, and says `unlocked`.
fn hold_lock(path: &str, mode: &str) {
    let mode = if mode == "exclusive" { LockMode::Exclusive } else { LockMode::Shared };
    let reactor = Reactor::new().unwrap();
    reactor
        .block_on(async {
            let lock = flock(path, mode, Duration::from_millis(1)).await?;
            echo("locked\n").await?;
            while read_line("").await?.is_some() {}
            lock.unlock()?;
            echo("unlocked\n").await
        })
        .unwrap()
        .unwrap();
}

/// Prints the errors of `flock` and `file_get_contents` on `path` (run as a user who may
/// not open it).
fn denied(path: &str) {
    let reactor = Reactor::new().unwrap();
    reactor
        .block_on(async {
            println!("flock:{:?}", flock(path, LockMode::Shared, None).await.map(drop));
            println!("read:{:?}", file_get_contents(path).await.map(drop));
        })
        .unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args[..] {
        ["read-lines"] => read_lines(),
        ["shutdown-while-reading"] => shutdown_while_reading(),
        ["echo", len] => echo_bytes(len.parse().unwrap(), false),
        ["echo-sigpipe-default", len] => echo_bytes(len.parse().unwrap(), true),
        ["hold-lock", path, mode] => hold_lock(path, mode),
        ["denied", path] => denied(path),
        _ => panic!("unknown mode {args:?}"),
    }
}
