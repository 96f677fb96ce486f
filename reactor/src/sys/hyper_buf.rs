//! hyper's read cursor filled by a reader that wants `&mut [u8]`: the one `unsafe` that the
//! `hyper` feature needs.
//!
//! hyper hands its readers a [`ReadBufCursor`] over possibly uninitialized memory, and the only
//! way to mark bytes as read without copying them is the `unsafe` [`ReadBufCursor::advance`].
//! futures-io readers (every ampere stream) need initialized memory, so the cursor is
//! initialized first, through hyper's own safe `initialize_unfilled_to`.

use std::io;
use std::task::{ready, Poll};

use hyper::rt::ReadBufCursor;

/// At most this many bytes are offered to one read. hyper's cursor can be far larger (its
/// adaptive read strategy grows up to hundreds of KiB) and every byte offered must be zeroed
/// first; the cap bounds that cost per read. A short read is always allowed.
const MAX_READ: usize = 64 * 1024;

/// Lends the unfilled part of `cursor` (at most [`MAX_READ`] bytes) to `read`, and marks the
/// bytes it says it read as filled. `Ok(())` with nothing filled is end of stream, as hyper
/// expects.
pub(crate) fn read_into_cursor(
    cursor: &mut ReadBufCursor<'_>,
    read: impl FnOnce(&mut [u8]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<()>> {
    let len = cursor.remaining().min(MAX_READ);
    let n = ready!(read(cursor.initialize_unfilled_to(len)))?;
    // A reader claiming more than it was lent breaks its contract; never mark bytes it
    // cannot have written as filled.
    let n = n.min(len);
    // SAFETY: `initialize_unfilled_to(len)` initialized the first `len` unfilled bytes, and
    // `n <= len`: `advance` only marks initialized bytes as filled.
    unsafe { cursor.advance(n) };
    Poll::Ready(Ok(()))
}
