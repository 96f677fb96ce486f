//! Armings at a provisional deadline, relative to a base in the past, moved later all by one
//! delta at the flush (`core/arm_window.rs` has the why).
//!
//! A timer moved later by its arming (a reset) already has a stale entry, a lower bound: its
//! real key in `due` changes, nothing else. One whose entry is exact (a new timer, an enable,
//! a move earlier) has its entry moved as well (sifted down, from where it is): left stale,
//! it would be sifted down from the top by `earliest` instead, and a batch of new timers all
//! earlier than the rest would each take a full descent there.

use super::{Entry, TimerQueue, HELD, NONE};

impl TimerQueue {
    /// Records that timer `key` was just armed ([`TimerQueue::set`]) with `stamp` at a
    /// provisional deadline that [`TimerQueue::shift_pending`] moves later. `exact` is what
    /// that `set` returned (whether the entry holds the real key), so that nothing but the
    /// list is touched: reading the heap slot back would be a cache miss per reset with many
    /// timers. Debug builds check it against the slot.
    pub(crate) fn arm_pending(&mut self, key: u32, stamp: u64, exact: bool) {
        debug_assert_eq!(exact, self.holds_exactly(key, stamp), "set's answer is the entry's state");
        self.pending.push((key, exact, stamp));
    }

    /// Whether timer `key`'s entry is in the heap with `stamp`: it holds the real key.
    fn holds_exactly(&self, key: u32, stamp: u64) -> bool {
        match self.pos.get(key as usize) {
            Some(&p) if p != NONE && p & HELD == 0 => self.heap[p as usize].stamp == stamp,
            _ => false,
        }
    }

    /// Whether armings wait for [`TimerQueue::shift_pending`].
    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Moves every pending arming still in force `delta_ns` later and forgets them all. One
    /// that was disarmed, re-armed or cancelled since (the key's stamp is no longer the one
    /// recorded: stamps are unique) is left alone. Keeps the list's buffer for the next ones.
    pub(crate) fn shift_pending(&mut self, delta_ns: u64) {
        let mut pending = std::mem::take(&mut self.pending);
        // Latest armings first: timers armed in a row sit below one another, and moving a
        // parent down after its children (already moved) keeps it in place.
        for &(key, exact, stamp) in pending.iter().rev() {
            let k = key as usize;
            if self.due[k].1 != stamp {
                continue;
            }
            self.due[k].0 = self.due[k].0.saturating_add(delta_ns);
            // An inexact entry was marked stale when it was armed (`set`'s move later):
            // its new `due` only makes it lag more, and the bit stands.
            if exact {
                // The entry held the real key since its arming (same stamp): an increase-key.
                let (deadline, p) = (self.due[k].0, self.pos[k] as usize);
                self.sift_down(p, Entry { deadline, stamp, key });
            }
        }
        pending.clear();
        self.pending = pending;
    }
}
