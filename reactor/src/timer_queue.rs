//! The timer queue: a 4-ary min-heap of `(deadline, stamp, key)` that knows where each of its
//! entries is, so that an entry can be removed or moved in place.
//!
//! # Why four children per node
//!
//! With a million timers a binary heap is 20 levels deep, and every level of a pop is a cache
//! miss. A node with four children halves the depth; its children sit side by side, so
//! comparing them costs about what one binary level costs. libev made the same choice
//! ("4-heap") for the same reason. The heap lives in a plain `Vec` in the usual implicit
//! layout: the children of slot `i` are `4i + 1 ..= 4i + 4`.
//!
//! # Why every entry is live
//!
//! `pos[key]` is the heap slot of the entry of watcher `key` (its slab key), or [`NONE`]. Every
//! move of an entry writes its new slot there, as libev keeps a timer's heap index in the
//! timer. In exchange:
//!
//! - cancelling, disabling and re-arming remove or move the entry at once (sift up or down
//!   from its slot, O(log n)): no tombstones, no compaction pass, and the heap never holds
//!   more entries than there are armed timers;
//! - resetting a timeout (the operation servers do most) moves one entry in place instead of
//!   leaving a tombstone and pushing a new one;
//! - the fire path pops entries that are all live: it needs no liveness check, so the
//!   watcher slab is touched only for the callbacks that run.
//!
//! `pos` costs 4 bytes per slab slot, dense, so the lookup is one load from a compact array.
//!
//! # Moving a deadline later costs a store
//!
//! `due[key]` holds the timer's real `(deadline, stamp)`; its heap entry holds a lower bound
//! of it. Moving a timer earlier sifts its entry up at once. Moving it later (a timeout
//! pushed back, by far the most common reset) only writes `due[key]`: the entry stays where
//! it is, and when it reaches the top, [`TimerQueue::earliest`] finds it stale and sifts it
//! down to its real place. That is libev's "lazy" idle-timeout strategy (ev.pod, "Be smart
//! about timeouts"), kept inside the queue: a timeout reset a thousand times before it
//! expires is sifted once. It is exact all the same: every real key is at least its entry's,
//! so a top entry that is not stale is the earliest real key, and nothing fires early or out
//! of order.
//!
//! Which entries lag is kept in a bitset, `stale` (1 bit a key), with a count: the fire path
//! asks it whether the top lags, not `due`. With a million pending timers `due` is 16 MB and
//! each look at it a cache miss per fired timer; the bitset stays in cache, and while no
//! timer is moved later (the count is 0) not even it is read.
//!
//! # Prefetching the next level
//!
//! A pop walks a hole from the root to the bottom; with a million entries every level below
//! the top few misses the cache, and each level's load waits for the previous level's
//! comparisons. The walk therefore prefetches the child groups of all four children of the
//! slot it is at ([`prefetch_grandchildren`]): the next level's load is under way, whichever
//! child wins, while this level is compared. More memory traffic, fewer stalls.
//!
//! # Held entries
//!
//! Phase 5 sets aside the entries armed during the tick that are already due (they belong to
//! the next tick): [`TimerQueue::hold`]. A held entry stays armed (`pos` says where, with
//! [`HELD`] set) so that a disable, cancel or reset during the phase still finds it, and
//! [`TimerQueue::release`] puts the survivors back.
//!
//! # Ordering
//!
//! Entries order on `(deadline, stamp)`. Stamps come from one counter that grows with every
//! arming, so timers with equal deadlines fire in the order they were armed (or last reset).
//!
//! Deadlines are nanoseconds since the reactor's epoch (a `u64`, good for 584 years):
//! comparisons are single integer ops.

use std::cmp::Ordering;

use crate::sys::prefetch::prefetch;

/// `pos` of a key with no entry.
const NONE: u32 = u32::MAX;
/// Set in `pos` of a held entry: the rest is its index in `held`.
const HELD: u32 = 1 << 31;

/// One armed timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    /// When it is due, in nanoseconds since the reactor's epoch.
    pub(crate) deadline: u64,
    /// The arming stamp: the tie-breaker, and what tells phase 5 an entry armed this tick.
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

/// Starts loading the child groups of slot `i`'s children, one of which the walk visits next
/// (see "Prefetching the next level"): two cache lines a group, as 4 entries are 96 bytes.
fn prefetch_grandchildren(heap: &[Entry], i: usize) {
    let first = ARITY * (ARITY * i + 1) + 1;
    for g in (first..first + ARITY * ARITY).step_by(ARITY) {
        match heap.get(g..g + ARITY) {
            Some(group) => {
                prefetch(&group[0]);
                prefetch(&group[ARITY - 1]);
            }
            None => {
                if let Some(e) = heap.get(g) {
                    prefetch(e);
                }
                return;
            }
        }
    }
}

/// The heap, where each key's entry is, and the entries held back during phase 5.
#[derive(Debug, Default)]
pub(crate) struct TimerQueue {
    /// A min-heap in implicit layout: `heap[0]` is the earliest entry.
    heap: Vec<Entry>,
    /// Per slab key: the heap slot of its entry, `HELD | i` for `held[i]`, or `NONE`.
    pos: Vec<u32>,
    /// Per slab key with an entry in the heap: its real `(deadline, stamp)`, at or after the
    /// entry's; a stamp of 0 otherwise (stamps start at 1), so that the common reset, a move
    /// later, reads this one slot and nothing else.
    due: Vec<(u64, u64)>,
    /// Per slab key, one bit: set while the key's heap entry is strictly below `due[key]`
    /// (moved later, not yet sifted).
    stale: Vec<u64>,
    /// Bits set in `stale`: while 0, the top entry is exact without looking at anything.
    stale_count: usize,
    /// Entries set aside until the end of phase 5; a removed one has key `NONE`.
    held: Vec<Entry>,
    /// Live entries in `held`.
    held_live: usize,
    /// Armings to be shifted later by [`TimerQueue::shift_pending`]: `(key, whether its
    /// entry was exact, stamp)`.
    pending: Vec<(u32, bool, u64)>,
}

impl TimerQueue {
    /// Arms timer `e.key` at `e.deadline`, or moves it there if it is armed: a move later is
    /// recorded and left for [`TimerQueue::earliest`] to apply. Returns whether the key's
    /// entry now holds `e` exactly (false: a stale lower bound), which the branch taken knows
    /// and [`TimerQueue::arm_pending`] needs (reading it back would be a heap miss).
    pub(crate) fn set(&mut self, e: Entry) -> bool {
        debug_assert!(e.stamp != 0, "stamps start at 1");
        let k = e.key as usize;
        if k >= self.pos.len() {
            self.pos.resize(k + 1, NONE);
            self.due.resize(k + 1, (0, 0));
            self.stale.resize(k / 64 + 1, 0);
        }
        let real = (e.deadline, e.stamp);
        if self.due[k].1 != 0 && real >= self.due[k] {
            self.due[k] = real; // in the heap, and moving later: the common reset
            self.mark_stale(e.key);
            return false;
        }
        match self.pos[k] {
            NONE => self.push(e),
            p if p & HELD != 0 => {
                self.unhold(p);
                self.push(e);
            }
            p => {
                // Earlier than the real key; later than the entry's lower bound is still a store.
                self.due[k] = real;
                if e.key() < self.heap[p as usize].key() {
                    self.clear_stale(e.key);
                    self.sift(p as usize, e);
                } else {
                    self.mark_stale(e.key);
                    return false;
                }
            }
        }
        true
    }

    /// Adds an entry for a key that has none.
    fn push(&mut self, e: Entry) {
        debug_assert!(!self.is_stale(e.key), "a key without an entry has no stale bit");
        self.due[e.key as usize] = (e.deadline, e.stamp);
        self.heap.push(e);
        self.sift_up(self.heap.len() - 1, e);
    }

    /// Whether timer `key` is armed (in the heap or held).
    #[cfg(test)]
    pub(crate) fn contains(&self, key: u32) -> bool {
        self.pos.get(key as usize).is_some_and(|&p| p != NONE)
    }

    /// Disarms timer `key`; returns whether it was armed.
    pub(crate) fn remove(&mut self, key: u32) -> bool {
        let Some(&p) = self.pos.get(key as usize) else { return false };
        match p {
            NONE => return false,
            p if p & HELD != 0 => self.unhold(p),
            p => {
                self.pos[key as usize] = NONE;
                self.due[key as usize].1 = 0;
                self.clear_stale(key);
                let last = self.heap.pop().expect("an entry is in the heap");
                if (p as usize) < self.heap.len() {
                    self.sift(p as usize, last);
                }
            }
        }
        true
    }

    /// The earliest entry, exact: a top entry whose timer was moved later is first sifted
    /// down to its real place, as often as needed.
    ///
    /// Whether the top is stale is read from the `stale` bits (in cache), not from `due` (a
    /// miss per fired timer with a million of them pending); with no timer moved later, not
    /// even that.
    pub(crate) fn earliest(&mut self) -> Option<Entry> {
        loop {
            let top = *self.heap.first()?;
            if self.stale_count == 0 || !self.is_stale(top.key) {
                return Some(top);
            }
            self.clear_stale(top.key);
            let (deadline, stamp) = self.due[top.key as usize];
            self.sift_down(0, Entry { deadline, stamp, key: top.key });
        }
    }

    /// Records that `key`'s heap entry is now below its real key.
    fn mark_stale(&mut self, key: u32) {
        let (w, b) = (key as usize / 64, 1u64 << (key % 64));
        if self.stale[w] & b == 0 {
            self.stale[w] |= b;
            self.stale_count += 1;
        }
    }

    /// Records that `key`'s heap entry (if any) equals its real key.
    fn clear_stale(&mut self, key: u32) {
        let (w, b) = (key as usize / 64, 1u64 << (key % 64));
        if self.stale[w] & b != 0 {
            self.stale[w] &= !b;
            self.stale_count -= 1;
        }
    }

    /// Whether `key`'s heap entry is below its real key.
    fn is_stale(&self, key: u32) -> bool {
        self.stale[key as usize / 64] & (1u64 << (key % 64)) != 0
    }

    /// The top entry as it stands: a lower bound of the earliest deadline, exact right after
    /// [`TimerQueue::earliest`].
    pub(crate) fn peek(&self) -> Option<Entry> {
        self.heap.first().copied()
    }

    /// Removes the earliest entry.
    pub(crate) fn pop(&mut self) -> Option<Entry> {
        let top = self.earliest()?;
        self.pos[top.key as usize] = NONE;
        self.due[top.key as usize].1 = 0;
        let last = self.heap.pop().expect("not empty");
        if !self.heap.is_empty() {
            self.sift_down_from_root(last);
        }
        Some(top)
    }

    /// Moves the earliest entry to `e` (same key): a repeat re-armed as it fires, one sift
    /// instead of a pop and a push.
    pub(crate) fn replace_top(&mut self, e: Entry) {
        debug_assert_eq!(self.heap.first().map(|t| t.key), Some(e.key));
        self.due[e.key as usize] = (e.deadline, e.stamp);
        self.sift(0, e);
    }

    /// Pops the earliest entry and sets it aside until [`TimerQueue::release`]: still armed,
    /// but out of this phase's way.
    pub(crate) fn hold(&mut self) {
        let Some(top) = self.pop() else { return };
        self.pos[top.key as usize] = HELD | self.held.len() as u32;
        self.held.push(top);
        self.held_live += 1;
    }

    /// Puts the held entries still armed back in the heap.
    pub(crate) fn release(&mut self) {
        let held = std::mem::take(&mut self.held);
        self.held_live = 0;
        for e in &held {
            if e.key != NONE {
                self.pos[e.key as usize] = NONE;
                self.set(*e);
            }
        }
        self.held = held;
        self.held.clear();
    }

    /// Forgets held entry `p` (a `pos` with `HELD` set).
    fn unhold(&mut self, p: u32) {
        let e = &mut self.held[(p & !HELD) as usize];
        self.pos[e.key as usize] = NONE;
        e.key = NONE;
        self.held_live -= 1;
    }

    /// Armed timers: what the queue costs in entries.
    pub(crate) fn len(&self) -> usize {
        self.heap.len() + self.held_live
    }

    /// Writes `e` at slot `i`, recording where it is.
    fn put(&mut self, i: usize, e: Entry) {
        self.heap[i] = e;
        self.pos[e.key as usize] = i as u32;
    }

    /// Places `e` at slot `i` (whose old entry is gone), up or down as its key requires.
    fn sift(&mut self, i: usize, e: Entry) {
        if i > 0 && e.key() < self.heap[(i - 1) / ARITY].key() {
            self.sift_up(i, e);
        } else {
            self.sift_down(i, e);
        }
    }

    /// Moves `e`, meant for slot `i`, up to its place.
    fn sift_up(&mut self, mut i: usize, e: Entry) {
        while i > 0 {
            let parent = (i - 1) / ARITY;
            let p = self.heap[parent];
            if p.key() <= e.key() {
                break;
            }
            self.put(i, p);
            i = parent;
        }
        self.put(i, e);
    }

    /// Moves `e`, meant for slot `i`, down to its place.
    fn sift_down(&mut self, mut i: usize, e: Entry) {
        while let Some((min, child)) = min_child(&self.heap, i).filter(|(_, c)| c.key() < e.key()) {
            self.put(i, child);
            i = min;
        }
        self.put(i, e);
    }

    /// Puts `e` (the former last entry) where the popped root was. Floyd's trick, as in std's
    /// `BinaryHeap::pop`: walk the hole down along the smallest children to the bottom without
    /// comparing against `e` (the last entry almost always belongs near the bottom), then sift
    /// `e` up from there. About half the comparisons of the textbook sift-down.
    fn sift_down_from_root(&mut self, e: Entry) {
        let mut hole = 0;
        while let Some((min, child)) = min_child(&self.heap, hole) {
            prefetch_grandchildren(&self.heap, hole);
            self.put(hole, child);
            hole = min;
        }
        self.sift_up(hole, e);
    }
}

mod pending;
#[cfg(test)]
mod tests;
