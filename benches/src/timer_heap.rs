//! [`TimerHeap`]: the bare baseline for timers, a binary heap with lazy cancellation.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A timer in a [`TimerHeap`]: its slot and the sequence number of its current arming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerKey {
    slot: u32,
    seq: u64,
}

/// The least a heap-based timer design can do: `BinaryHeap` push and pop of
/// `(deadline, seq)` keys, cancellation by tombstone, compaction once tombstones outnumber
/// live entries. No callbacks, no ids beyond a slot and a sequence number. What ampere's timer
/// queue does minus the reactor around it: the "limit" column of the timer benches.
///
/// # Examples
///
/// ```
/// let mut heap = ampere_benches::TimerHeap::default();
/// let a = heap.insert(20);
/// let b = heap.insert(10);
/// heap.cancel(a);
/// let mut fired = Vec::new();
/// heap.fire_due(100, |key| fired.push(key));
/// assert_eq!(fired, [b]);
/// ```
#[derive(Debug, Default)]
pub struct TimerHeap {
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    /// The live arming of each slot (0: free or cancelled).
    slots: Vec<u64>,
    free: Vec<u32>,
    last_seq: u64,
    tombstones: usize,
}

impl TimerHeap {
    /// Arms a new timer at `deadline`.
    pub fn insert(&mut self, deadline: u64) -> TimerKey {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(0);
                (self.slots.len() - 1) as u32
            }
        };
        self.arm(slot, deadline)
    }

    /// Moves a live timer to `deadline` (a timeout reset on activity): the old entry becomes a
    /// tombstone. Returns the timer's new key.
    pub fn reset(&mut self, key: TimerKey, deadline: u64) -> TimerKey {
        if self.slots[key.slot as usize] == key.seq {
            self.bury();
        }
        self.arm(key.slot, deadline)
    }

    /// Cancels a timer; a no-op for one that fired or was cancelled.
    pub fn cancel(&mut self, key: TimerKey) {
        let slot = &mut self.slots[key.slot as usize];
        if *slot == key.seq {
            *slot = 0;
            self.free.push(key.slot);
            self.bury();
        }
    }

    /// Pops every entry due by `now`, calling `fire` with each live one, earliest first.
    pub fn fire_due(&mut self, now: u64, mut fire: impl FnMut(TimerKey)) {
        while let Some(&Reverse((deadline, seq, slot))) = self.heap.peek() {
            if deadline > now {
                break;
            }
            self.heap.pop();
            let live = &mut self.slots[slot as usize];
            if *live != seq {
                self.tombstones -= 1;
                continue;
            }
            *live = 0;
            self.free.push(slot);
            fire(TimerKey { slot, seq });
        }
    }

    /// Entries in the heap, tombstones included.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether the heap holds no entry at all.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    fn arm(&mut self, slot: u32, deadline: u64) -> TimerKey {
        self.last_seq += 1;
        self.slots[slot as usize] = self.last_seq;
        self.heap.push(Reverse((deadline, self.last_seq, slot)));
        TimerKey { slot, seq: self.last_seq }
    }

    /// One more tombstone; compacts when they outnumber the live entries.
    fn bury(&mut self) {
        self.tombstones += 1;
        if self.heap.len() >= 64 && self.tombstones * 2 > self.heap.len() {
            let slots = &self.slots;
            self.heap.retain(|Reverse((_, seq, slot))| slots[*slot as usize] == *seq);
            self.tombstones = 0;
        }
    }
}
