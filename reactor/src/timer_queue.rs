//! The timer queue: a 4-ary min-heap of `(deadline, stamp)` with lazy cancellation.
//!
//! # Why four children per node
//!
//! With a million timers a binary heap is 20 levels deep, and every level of a pop is a cache
//! miss. A node with four children halves the depth; its children sit side by side (96 bytes,
//! two cache lines), so comparing them costs about what one binary level costs. libev made the
//! same choice ("4-heap") for the same reason. The heap lives in a plain `Vec` in the usual
//! implicit layout: the children of slot `i` are `4i + 1 ..= 4i + 4`.
//!
//! # Why a heap with tombstones
//!
//! Most timers are timeouts that never fire: they are armed and cancelled. Cancelling here is
//! O(1): the watcher forgets its stamp and the heap entry becomes a tombstone, dropped when it
//! reaches the top. So that churn cannot grow the heap without bound, the queue compacts itself
//! (an O(n) `retain`) once tombstones outnumber live entries; amortised, that is O(1) per
//! cancel and the heap never holds more than twice the live timers (plus a small floor).
//!
//! # Ordering
//!
//! Entries order on `(deadline, stamp)`. Stamps come from one counter that grows with every
//! arming, so timers with equal deadlines fire in the order they were armed.
//!
//! Deadlines are nanoseconds since the reactor's epoch (a `u64`, good for 584 years): an entry is
//! 24 bytes instead of the 32 an `Instant` would need, and comparisons are single integer ops.

use std::cmp::Ordering;

/// Compaction is not worth it below this many entries.
const COMPACT_FLOOR: usize = 64;

/// One armed timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    /// When it is due, in nanoseconds since the reactor's epoch.
    pub(crate) deadline: u64,
    /// The arming stamp: tie-breaker, and the check that the entry is still live.
    pub(crate) stamp: u64,
    /// The watcher's slab key.
    pub(crate) key: u32,
}

impl Entry {
    /// The order of entries as one integer: deadline first, then arming order. One 128-bit
    /// comparison instead of two branches, in the loops that do little else.
    fn key(&self) -> u128 {
        (u128::from(self.deadline) << 64) | u128::from(self.stamp)
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Children per node.
const ARITY: usize = 4;

/// The smallest child of slot `i` and its index; `None` for a leaf. A node with all four
/// children (every node but the last parent) takes the tournament path: two pairs, then
/// their winners, three comparisons that compile to conditional moves rather than branches
/// (which children win is as good as random, so branches would mispredict half the time).
fn min_child(heap: &[Entry], i: usize) -> Option<(usize, Entry)> {
    let first = ARITY * i + 1;
    if let Some(k) = heap.get(first..first + ARITY) {
        let a = usize::from(k[1].key() < k[0].key());
        let b = 2 + usize::from(k[3].key() < k[2].key());
        let m = if k[b].key() < k[a].key() { b } else { a };
        return Some((first + m, k[m]));
    }
    let kids = heap.get(first..)?;
    let (mut at, mut best) = (0, *kids.first()?);
    for (k, c) in kids.iter().enumerate().skip(1) {
        if c.key() < best.key() {
            (at, best) = (k, *c);
        }
    }
    Some((first + at, best))
}

/// The heap plus its tombstone count.
#[derive(Debug, Default)]
pub(crate) struct TimerQueue {
    /// A min-heap in implicit layout: `heap[0]` is the earliest entry.
    heap: Vec<Entry>,
    /// Entries in `heap` whose watcher was cancelled, disabled or re-armed. Exact: the callers
    /// report each entry they invalidate exactly once ([`TimerQueue::invalidate`]).
    tombstones: usize,
}

impl TimerQueue {
    /// Arms a timer.
    pub(crate) fn push(&mut self, entry: Entry) {
        self.heap.push(entry);
        self.sift_up(self.heap.len() - 1);
    }

    /// The earliest entry, live or not.
    pub(crate) fn peek(&self) -> Option<Entry> {
        self.heap.first().copied()
    }

    /// Removes the earliest entry. The caller says whether it was a tombstone.
    pub(crate) fn pop(&mut self, was_tombstone: bool) -> Option<Entry> {
        let last = self.heap.pop()?;
        let top = match self.heap.is_empty() {
            true => last,
            false => {
                let top = self.heap[0];
                self.sift_down_from_root(last);
                top
            }
        };
        if was_tombstone {
            self.tombstones -= 1;
        }
        Some(top)
    }

    /// Moves `heap[i]` up to its place.
    fn sift_up(&mut self, mut i: usize) {
        let e = self.heap[i];
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if self.heap[parent].key() <= e.key() {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = e;
    }

    /// Puts `e` (the former last entry) where the popped root was. Floyd's trick, as in std's
    /// `BinaryHeap::pop`: walk the hole down along the smallest children to the bottom without
    /// comparing against `e` (the last entry almost always belongs near the bottom), then sift
    /// `e` up from there. About half the comparisons of the textbook sift-down.
    fn sift_down_from_root(&mut self, e: Entry) {
        let mut hole = 0;
        while let Some((min, child)) = min_child(&self.heap, hole) {
            self.heap[hole] = child;
            hole = min;
        }
        self.heap[hole] = e;
        self.sift_up(hole);
    }

    /// Restores the heap order of the whole vector, bottom-up (Floyd's O(n) heapify).
    fn heapify(&mut self) {
        let len = self.heap.len();
        if len < 2 {
            return;
        }
        for start in (0..=(len - 2) / ARITY).rev() {
            let mut i = start;
            let e = self.heap[i];
            while let Some((min, child)) = min_child(&self.heap, i).filter(|(_, c)| c.key() < e.key()) {
                self.heap[i] = child;
                i = min;
            }
            self.heap[i] = e;
        }
    }

    /// Records that one entry still in the heap is no longer live, and compacts the heap
    /// when tombstones outnumber live entries. `is_live` tells a live entry from a tombstone.
    pub(crate) fn invalidate(&mut self, is_live: impl FnMut(&Entry) -> bool) {
        self.tombstones += 1;
        if self.heap.len() >= COMPACT_FLOOR && self.tombstones * 2 > self.heap.len() {
            self.heap.retain(is_live);
            self.heapify();
            self.tombstones = 0;
            // A heap that once held a burst keeps its capacity; give it back once it is
            // mostly empty, so memory follows the live count.
            if self.heap.capacity() > 4 * self.heap.len().max(COMPACT_FLOOR) {
                self.heap.shrink_to(2 * self.heap.len());
            }
        }
    }

    /// Entries that may still fire.
    #[cfg(test)]
    pub(crate) fn live(&self) -> usize {
        self.heap.len() - self.tombstones
    }

    /// All entries, tombstones included: what the heap costs in memory.
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Drives the queue the way the reactor does (a set of live stamps stands for the
    /// watcher table) against a sorted `Vec` model, with a seeded generator.
    #[test]
    fn randomized_against_a_sorted_vec() {
        let mut rng = ampere_testkit::Rng::new(0x2545_F491_4F6C_DD1D_u64);
        let mut next = move || rng.next_u64();
        let mut q = TimerQueue::default();
        let mut live: HashSet<u64> = HashSet::new();
        let mut model: Vec<Entry> = Vec::new();
        let mut stamp = 0;
        let mut now = 0;
        for _ in 0..50_000 {
            match next() % 4 {
                0 | 1 => {
                    stamp += 1;
                    let e = Entry { deadline: now + next() % 1000, stamp, key: 0 };
                    q.push(e);
                    live.insert(stamp);
                    model.push(e);
                }
                2 if !model.is_empty() => {
                    let i = (next() as usize) % model.len();
                    let e = model.remove(i);
                    live.remove(&e.stamp);
                    q.invalidate(|e| live.contains(&e.stamp));
                }
                _ => {
                    // Fire everything due, the way a tick does.
                    now += next() % 300;
                    model.sort();
                    let due: Vec<Entry> = model.iter().copied().filter(|e| e.deadline <= now).collect();
                    model.retain(|e| e.deadline > now);
                    let mut fired = Vec::new();
                    while let Some(top) = q.peek().filter(|e| e.deadline <= now) {
                        let tomb = !live.contains(&top.stamp);
                        q.pop(tomb);
                        if !tomb {
                            live.remove(&top.stamp);
                            fired.push(top);
                        }
                    }
                    assert_eq!(fired, due, "fires exactly the due timers, in (deadline, stamp) order");
                }
            }
            assert_eq!(q.live(), model.len());
            assert!(q.len() <= 2 * model.len() + COMPACT_FLOOR, "tombstones stay bounded");
            let h = &q.heap;
            assert!((1..h.len()).all(|i| h[(i - 1) / ARITY] <= h[i]), "every parent <= its children");
        }
    }

    #[test]
    fn a_large_shuffled_heap_pops_in_order() {
        let mut q = TimerQueue::default();
        let mut rng = ampere_testkit::Rng::new(0x9E37_79B9_7F4A_7C15);
        for stamp in 1..=10_000u64 {
            q.push(Entry { deadline: rng.next_u64() % 5_000, stamp, key: 0 });
        }
        let popped: Vec<Entry> = std::iter::from_fn(|| q.pop(false)).collect();
        assert_eq!(popped.len(), 10_000);
        assert!(popped.windows(2).all(|w| w[0] < w[1]), "strictly increasing (deadline, stamp)");
    }

    #[test]
    fn ties_fire_in_arming_order() {
        let mut q = TimerQueue::default();
        for stamp in [3, 1, 2] {
            q.push(Entry { deadline: 5, stamp, key: 0 });
        }
        let order: Vec<u64> = std::iter::from_fn(|| q.pop(false)).map(|e| e.stamp).collect();
        assert_eq!(order, [1, 2, 3]);
    }

    #[test]
    fn churn_keeps_memory_flat() {
        let mut q = TimerQueue::default();
        let mut live = HashSet::new();
        for stamp in 1..=100_000u64 {
            q.push(Entry { deadline: stamp, stamp, key: 0 });
            live.insert(stamp);
            live.remove(&stamp);
            q.invalidate(|e| live.contains(&e.stamp));
        }
        assert_eq!(q.live(), 0);
        assert!(q.len() <= COMPACT_FLOOR);
        assert!(q.heap.capacity() <= 4 * COMPACT_FLOOR, "capacity {}", q.heap.capacity());
    }
}
