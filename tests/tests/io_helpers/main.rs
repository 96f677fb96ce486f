//! The async helpers (issue 4): `read_line` and `echo` on real pipes, files, sockets and a
//! terminal (in a child process, `src/bin/io_helpers_child.rs`, whose fds 0 and 1 we set
//! up); `flock` contention between tasks and between processes; `file_get_contents` against
//! a misbehaving loopback server, one bad input at a time.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant};

use ampere_reactor::{
    fetch_with, file_get_contents, file_get_contents_with, flock, sleep, spawn, FetchError, FetchLimits, FlockError,
    LockMode, Reactor,
};
use futures::future::{select, Either};

// ---------------------------------------------------------------- shared helpers

/// The child program, with `args`.
fn child_cmd(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_io_helpers_child"));
    command.args(args);
    command
}

/// Waits for `child` to exit, killing it (and failing) if it takes longer than `limit`.
fn wait_within(child: &mut Child, limit: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("the child hung for {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A fresh directory of this test, under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ampere-io-helpers-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether the open file description behind `fd` has `O_NONBLOCK`.
fn nonblocking(fd: &impl AsRawFd) -> bool {
    // SAFETY: F_GETFL only reads the flags of an fd we hold open.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    assert_ne!(flags, -1);
    flags & libc::O_NONBLOCK != 0
}

/// Reads exactly `n` bytes (the prompt, which has no newline).
fn read_n(reader: &mut impl Read, n: usize) -> String {
    let mut buf = vec![0; n];
    reader.read_exact(&mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

/// Runs the `read-lines` child with `stdin`, feeding it with `feed` once its first prompt
/// appears, and returns its stdout after the first prompt. What `feed` returns is kept
/// until the child has exited.
fn read_lines_child<K>(stdin: impl Into<Stdio>, feed: impl FnOnce() -> K) -> String {
    let mut child = child_cmd(&["read-lines"]).stdin(stdin).stdout(Stdio::piped()).spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    assert_eq!(read_n(&mut out, 2), "> ", "the prompt is written before the wait");
    let _keep = feed();
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(wait_within(&mut child, Duration::from_secs(10)).success());
    rest
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    Reactor::new().unwrap().block_on(future).unwrap()
}

mod fetch;
mod locks;
mod stdio;
