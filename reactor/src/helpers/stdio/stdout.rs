//! [`echo`]: standard output, awaited.

use std::io;
use std::os::fd::AsFd;

use super::route::Route;
use crate::sys::stdio as sys;

/// Writes all of `text` to standard output without blocking the reactor: partial writes and
/// a full pipe (`EAGAIN`) are waited out while other tasks run.
///
/// The bytes go straight to fd 1, past `std::io::stdout()`'s line buffer: flush that first
/// if you mix `print!` and `echo`.
///
/// # Errors
///
/// - `BrokenPipe` when the reader of standard output is gone. This is an error, not a
///   crash: `SIGPIPE` is ignored (see `helpers/stdio/mod.rs`).
/// - `WriteZero` if the OS accepts no bytes; the OS's other errors (`ENOSPC`, a closed fd).
///
/// # Examples
///
/// ```
/// let reactor = ampere_reactor::Reactor::new()?;
/// reactor.block_on(ampere_reactor::echo("Hello\n"))??;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Notes
///
/// Dropping the future midway leaves a prefix of `text` written (to a regular file: all of
/// it, since that write is already on a helper thread). Two tasks echoing at once may
/// interleave at partial-write boundaries, as two processes would.
pub async fn echo(text: impl AsRef<[u8]>) -> io::Result<()> {
    let mut rest = text.as_ref();
    if rest.is_empty() {
        return Ok(());
    }
    sys::ignore_sigpipe_if_default()?;
    let stdout = io::stdout();
    let route = Route::for_fd(stdout.as_fd(), true)?;
    if let Route::Blocking = route {
        return write_blocking(rest.to_vec()).await;
    }
    while !rest.is_empty() {
        match route.write(stdout.as_fd(), rest).await? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            n => rest = &rest[n..],
        }
    }
    Ok(())
}

/// Writes all of `text` to fd 1 on the blocking pool (a regular file or a device).
async fn write_blocking(text: Vec<u8>) -> io::Result<()> {
    let job = crate::spawn_blocking(move || {
        let stdout = io::stdout();
        let mut rest = &text[..];
        while !rest.is_empty() {
            match sys::write(stdout.as_fd(), rest) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => rest = &rest[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    })?;
    job.await.map_err(io::Error::other)?
}
