//! [`read_line`]: one line of standard input, awaited.

use std::io;
use std::os::fd::AsFd;
use std::sync::{Mutex, MutexGuard};

use super::echo;
use super::route::Route;
use crate::sys::stdio as sys;

/// How much one read asks for.
const CHUNK: usize = 8 * 1024;

/// Bytes read from fd 0 but not yet returned: what came after the newline of the last line.
/// Process-wide, like fd 0 itself; locked only between awaits, never across one.
static PENDING: Mutex<Vec<u8>> = Mutex::new(Vec::new());

fn pending() -> MutexGuard<'static, Vec<u8>> {
    // The lock guards plain bytes with no invariant a panic could break.
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Writes `prompt` to standard output, then reads one line from standard input, without
/// blocking the reactor: other tasks keep running while it waits.
///
/// The line comes back without its `\n` (or `\r\n`). At end of input, an unterminated last
/// line is returned as it is, and after that `None`. Works when standard input is a
/// terminal, a pipe, a FIFO, a socket or a regular file; `helpers/stdio/mod.rs` says how,
/// and why the flags of a shared pipe or terminal are never changed.
///
/// # Errors
///
/// - `InvalidData` if the line is not UTF-8 (the line is consumed).
/// - The OS's errors reading fd 0 (closed, `EIO` for a background process group reading
///   its terminal), and [`echo`]'s errors writing the prompt.
///
/// # Examples
///
/// `no_run`: it waits for someone to type a line.
///
/// ```no_run
/// use ampere_reactor::{read_line, Reactor};
///
/// let reactor = Reactor::new()?;
/// reactor.block_on(async {
///     while let Some(line) = read_line("> ").await? {
///         ampere_reactor::echo(format!("you said {line:?}\n")).await?;
///     }
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Notes
///
/// - Cancel-safe: bytes read before the future is dropped stay buffered for the next call.
/// - Concurrent calls each get whole lines, in an unspecified assignment.
/// - It does not see what `std::io::stdin()`'s own buffer took; do not mix the two.
pub async fn read_line(prompt: &str) -> io::Result<Option<String>> {
    if !prompt.is_empty() {
        echo(prompt).await?;
    }
    let stdin = io::stdin();
    // Chosen (and the private description opened) only when the buffer holds no line.
    let mut route = None;
    let mut chunk = Vec::new();
    loop {
        if let Some(line) = take_line(false)? {
            return Ok(Some(line));
        }
        let route = match &route {
            Some(route) => route,
            None => route.insert(Route::for_fd(stdin.as_fd(), false)?),
        };
        let n = match route {
            Route::Blocking => read_blocking().await?,
            route => {
                chunk.resize(CHUNK, 0);
                let n = route.read(stdin.as_fd(), &mut chunk).await?;
                // In the poll that read them: a drop after this await loses nothing.
                pending().extend_from_slice(&chunk[..n]);
                n
            }
        };
        if n == 0 {
            return take_line(true);
        }
    }
}

/// Reads one chunk of fd 0 on the blocking pool (a regular file: fast, but it may wait for
/// the disk). The job appends to [`PENDING`] itself, so a cancelled `read_line` loses nothing.
async fn read_blocking() -> io::Result<usize> {
    let job = crate::spawn_blocking(|| {
        let stdin = io::stdin();
        let mut chunk = vec![0; CHUNK];
        let n = loop {
            match sys::read(stdin.as_fd(), &mut chunk) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => break res?,
            }
        };
        pending().extend_from_slice(&chunk[..n]);
        Ok(n)
    })?;
    job.await.map_err(io::Error::other)?
}

/// Takes the first line out of [`PENDING`]; at end of input, whatever is left.
fn take_line(at_eof: bool) -> io::Result<Option<String>> {
    let mut pending = pending();
    let end = match pending.iter().position(|&b| b == b'\n') {
        Some(newline) => newline + 1,
        None if at_eof && !pending.is_empty() => pending.len(),
        None => return Ok(None),
    };
    let mut line: Vec<u8> = pending.drain(..end).collect();
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    String::from_utf8(line).map(Some).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}
