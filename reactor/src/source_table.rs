//! The table of async I/O sources (`Async`, `net`) and their readiness: two flags and a
//! waiter per source and direction. Its tokens are odd (see `token.rs`).

use std::task::{Context, Poll, Waker};

use slab::Slab;

/// Which way an operation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

/// One direction of one source.
#[derive(Debug, Default)]
struct Side {
    /// Set by an edge, cleared by a `WouldBlock` (or a short socket read).
    ready: bool,
    /// The peer closed this direction (EOF / hang-up). Sticky: the close comes as one edge,
    /// often together with the last data, and no other edge follows, so clearing `ready`
    /// after reading that data must not hide the EOF behind it.
    closed: bool,
    /// The waker of the task that last waited on this side (one per direction: the last to
    /// wait wins). Kept after it is woken: the same task usually waits again right away, and
    /// finding its waker already here spares a clone and a drop (two atomic operations on
    /// the waker's count) per wait.
    waiter: Option<Waker>,
    /// Whether `waiter` waits for the next edge (it is kept, not waiting, once woken).
    waiting: bool,
}

#[derive(Debug, Default)]
struct Source {
    read: Side,
    write: Side,
}

impl Source {
    fn side(&mut self, dir: Direction) -> &mut Side {
        match dir {
            Direction::Read => &mut self.read,
            Direction::Write => &mut self.write,
        }
    }
}

/// All sources of one reactor.
#[derive(Debug, Default)]
pub(crate) struct SourceTable {
    slab: Slab<Source>,
    /// Sides with a waiter: tasks that an edge will wake, which `block_on` counts as progress.
    waiting: usize,
}

impl SourceTable {
    /// A new source, optimistically ready both ways: the first operation is simply tried.
    pub(crate) fn insert(&mut self) -> u32 {
        let side = || Side { ready: true, closed: false, waiter: None, waiting: false };
        let source = Source { read: side(), write: side() };
        u32::try_from(self.slab.insert(source)).expect("more than 4 billion sources")
    }

    pub(crate) fn remove(&mut self, key: u32) {
        if let Some(s) = self.slab.try_remove(key as usize) {
            self.waiting -= usize::from(s.read.waiting) + usize::from(s.write.waiting);
        }
    }

    /// Ready now, or the waker is stored for the next edge.
    pub(crate) fn poll_ready(&mut self, key: u32, dir: Direction, cx: &mut Context<'_>) -> Poll<()> {
        let Some(source) = self.slab.get_mut(key as usize) else { return Poll::Ready(()) };
        let side = source.side(dir);
        if side.ready {
            return Poll::Ready(());
        }
        match &mut side.waiter {
            Some(w) if w.will_wake(cx.waker()) => {}
            Some(w) => *w = cx.waker().clone(),
            slot @ None => *slot = Some(cx.waker().clone()),
        }
        if !side.waiting {
            side.waiting = true;
            self.waiting += 1;
        }
        Poll::Pending
    }

    /// Puts woken wakers back into their sides (unless a new one arrived meanwhile), for the
    /// next wait of the same task.
    pub(crate) fn keep(&mut self, key: usize, wakers: [Option<Waker>; 2]) {
        let Some(source) = self.slab.get_mut(key) else { return };
        for (waker, side) in wakers.into_iter().zip([&mut source.read, &mut source.write]) {
            if side.waiter.is_none() {
                side.waiter = waker;
            }
        }
    }

    /// The operation hit `WouldBlock`: wait for the next edge.
    pub(crate) fn clear_ready(&mut self, key: u32, dir: Direction) {
        if let Some(source) = self.slab.get_mut(key as usize) {
            let side = source.side(dir);
            side.ready = side.closed;
        }
    }

    /// An edge arrived for source `key`. Returns the wakers to wake, taken out of
    /// their sides: the caller wakes them after releasing the table (a waker may run anything)
    /// and hands them back with [`SourceTable::keep`].
    pub(crate) fn ready(&mut self, key: usize, event: &mio::event::Event) -> [Option<Waker>; 2] {
        let Some(source) = self.slab.get_mut(key) else { return [None, None] };
        // Errors and hang-ups make both directions "ready": the next operation reports them.
        let readable = event.is_readable() || event.is_read_closed() || event.is_error();
        let writable = event.is_writable() || event.is_write_closed() || event.is_error();
        source.read.closed |= event.is_read_closed() || event.is_error();
        source.write.closed |= event.is_write_closed() || event.is_error();
        let mut wake = [None, None];
        for (slot, (hit, side)) in wake.iter_mut().zip([(readable, &mut source.read), (writable, &mut source.write)]) {
            if hit {
                side.ready = true;
                if std::mem::take(&mut side.waiting) {
                    *slot = side.waiter.take();
                }
            }
        }
        self.waiting -= wake.iter().filter(|w| w.is_some()).count();
        wake
    }

    /// Registered sources (each may still get an edge).
    pub(crate) fn len(&self) -> usize {
        self.slab.len()
    }

    /// Sides with a task waiting on them.
    pub(crate) fn waiting(&self) -> usize {
        self.waiting
    }
}
