//! The timer queue against its rules: heap order, positions, lazy moves later, held entries,
//! and a seeded random walk against a model.

use super::*;
use std::collections::HashMap;

impl Entry {
    fn key_pair(&self) -> (u64, u64) {
        (self.deadline, self.stamp)
    }
}

impl TimerQueue {
    /// Every parent orders before its children, `pos` names every entry's slot, and no
    /// entry is later than its timer's real deadline.
    fn check(&self) {
        let h = &self.heap;
        assert!((1..h.len()).all(|i| h[(i - 1) / ARITY] <= h[i]), "every parent <= its children");
        for (i, e) in h.iter().enumerate() {
            assert_eq!(self.pos[e.key as usize], i as u32, "pos of key {}", e.key);
            assert!(self.due[e.key as usize] >= (e.deadline, e.stamp), "an entry is a lower bound");
        }
        for (k, &p) in self.pos.iter().enumerate() {
            let in_heap = p != NONE && p & HELD == 0;
            assert_eq!(self.due[k].1 != 0, in_heap, "due has a stamp exactly for entries in the heap");
        }
        for k in 0..self.pos.len() {
            let behind = self.due[k].1 != 0 && self.due[k] != self.heap[self.pos[k] as usize].key_pair();
            assert_eq!(self.is_stale(k as u32), behind, "the stale bit of key {k} says whether its entry lags");
        }
        let bits: u32 = self.stale.iter().map(|w| w.count_ones()).sum();
        assert_eq!(bits as usize, self.stale_count, "stale_count counts the stale bits");
        let armed = self.pos.iter().filter(|&&p| p != NONE).count();
        assert_eq!(armed, self.len(), "pos names exactly the armed entries");
    }
}

/// Drives the queue the way the reactor does (arm, re-arm, disarm, fire, hold) against a
/// map model, with a seeded generator.
#[test]
fn randomized_against_a_model() {
    let mut rng = ampere_testkit::Rng::new(0x2545_F491_4F6C_DD1D_u64);
    let mut next = move || rng.next_u64();
    let mut q = TimerQueue::default();
    let mut model: HashMap<u32, Entry> = HashMap::new();
    let (mut stamp, mut now) = (0, 0);
    for round in 0..50_000 {
        if round % 64 == 0 {
            q.check();
        }
        let key = (next() % 512) as u32;
        match next() % 5 {
            0 | 1 => {
                stamp += 1;
                let e = Entry { deadline: now + next() % 1000, stamp, key };
                q.set(e);
                model.insert(key, e);
            }
            2 => assert_eq!(q.remove(key), model.remove(&key).is_some()),
            3 => {
                // Hold a few, disturb them, release: what phase 5 does with entries
                // armed during the tick.
                for _ in 0..next() % 3 {
                    q.hold();
                }
                q.remove(key);
                model.remove(&key);
                q.release();
            }
            _ => {
                // Fire everything due, the way a tick does.
                now += next() % 300;
                let mut due: Vec<Entry> = model.values().copied().filter(|e| e.deadline <= now).collect();
                due.sort();
                model.retain(|_, e| e.deadline > now);
                let mut fired = Vec::new();
                while let Some(top) = q.earliest().filter(|e| e.deadline <= now) {
                    fired.push(q.pop().unwrap());
                    assert!(!q.contains(top.key));
                }
                assert_eq!(fired, due, "fires exactly the due timers, in (deadline, stamp) order");
            }
        }
        assert_eq!(q.len(), model.len(), "the heap holds exactly the armed timers");
        for (&k, _) in model.iter().take(4) {
            assert!(q.contains(k));
        }
    }
    q.check();
}

#[test]
fn a_large_shuffled_heap_pops_in_order() {
    let mut q = TimerQueue::default();
    let mut rng = ampere_testkit::Rng::new(0x9E37_79B9_7F4A_7C15);
    for stamp in 1..=10_000u64 {
        q.set(Entry { deadline: rng.next_u64() % 5_000, stamp, key: stamp as u32 });
    }
    q.check();
    let popped: Vec<Entry> = std::iter::from_fn(|| q.pop()).collect();
    assert_eq!(popped.len(), 10_000);
    assert!(popped.windows(2).all(|w| w[0] < w[1]), "strictly increasing (deadline, stamp)");
}

/// What a pending timer costs here, beside its 64-byte watcher: this entry, plus a `pos`
/// slot (4 bytes), a `due` slot (16 bytes) and a `stale` bit per slab key. The guide's complexity chapter
/// quotes the sum.
#[test]
fn an_entry_is_24_bytes() {
    assert_eq!(std::mem::size_of::<Entry>(), 24);
}

#[test]
fn ties_fire_in_arming_order() {
    let mut q = TimerQueue::default();
    for stamp in [3, 1, 2] {
        q.set(Entry { deadline: 5, stamp, key: stamp as u32 });
    }
    let order: Vec<u64> = std::iter::from_fn(|| q.pop()).map(|e| e.stamp).collect();
    assert_eq!(order, [1, 2, 3]);
}

#[test]
fn moving_entries_keeps_one_entry_per_timer() {
    let mut q = TimerQueue::default();
    let mut stamp = 0;
    for key in 0..1_000u32 {
        stamp += 1;
        q.set(Entry { deadline: u64::from(key), stamp, key });
    }
    for round in 1..=100u64 {
        for key in 0..1_000u32 {
            stamp += 1;
            // Later and earlier, in turn.
            let deadline = if key % 2 == 0 { round * 10_000 + u64::from(key) } else { u64::from(key) / 2 };
            q.set(Entry { deadline, stamp, key });
        }
        assert_eq!(q.len(), 1_000, "no entry left behind by a move");
    }
    q.check();
    let popped: Vec<Entry> = std::iter::from_fn(|| q.pop()).collect();
    assert!(popped.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn a_held_entry_can_be_moved_or_removed() {
    let mut q = TimerQueue::default();
    for key in 0..3u32 {
        q.set(Entry { deadline: 1, stamp: u64::from(key) + 1, key });
    }
    q.hold();
    q.hold();
    assert_eq!(q.len(), 3);
    assert!(q.contains(0) && q.contains(1));
    assert!(q.remove(0));
    q.set(Entry { deadline: 9, stamp: 10, key: 1 });
    q.release();
    q.check();
    let keys: Vec<u32> = std::iter::from_fn(|| q.pop()).map(|e| e.key).collect();
    assert_eq!(keys, [2, 1]);
}

#[test]
fn shift_pending_moves_only_the_armings_still_in_force() {
    let mut q = TimerQueue::default();
    q.set(Entry { deadline: 5, stamp: 1, key: 0 }); // armed before: not pending
    for key in 1..4u32 {
        let stamp = u64::from(key) + 1;
        let exact = q.set(Entry { deadline: 1, stamp, key });
        q.arm_pending(key, stamp, exact);
    }
    assert!(q.remove(2)); // disarmed since
    q.set(Entry { deadline: 2, stamp: 9, key: 3 }); // re-armed since (not pending)
    q.shift_pending(10);
    assert!(!q.has_pending());
    q.check();
    let popped: Vec<(u32, u64)> = std::iter::from_fn(|| q.pop()).map(|e| (e.key, e.deadline)).collect();
    assert_eq!(popped, [(3, 2), (0, 5), (1, 11)]);
}

#[test]
fn shift_pending_keeps_the_heap_exact_for_new_and_moved_entries() {
    let mut q = TimerQueue::default();
    let mut stamp = 0;
    let mut arm = |q: &mut TimerQueue, key: u32, deadline: u64, pending: bool| {
        stamp += 1;
        let exact = q.set(Entry { deadline, stamp, key });
        if pending {
            q.arm_pending(key, stamp, exact);
        }
    };
    for key in 0..200u32 {
        arm(&mut q, key, 1_000 + u64::from(key * 7 % 200), false); // armed before the window
    }
    for key in 200..400u32 {
        arm(&mut q, key, 1_000 + u64::from(key % 13), true); // new timers, exact entries
    }
    for key in (0..200u32).step_by(3) {
        arm(&mut q, key, 5_000, true); // moved later: stale entries
    }
    for key in (1..200u32).step_by(5) {
        arm(&mut q, key, 10, true); // moved earlier: exact entries
    }
    q.shift_pending(50);
    q.check();
    let popped: Vec<Entry> = std::iter::from_fn(|| q.pop()).collect();
    assert_eq!(popped.len(), 400);
    assert!(popped.windows(2).all(|w| w[0] < w[1]), "popped in (deadline, stamp) order");
    assert!(popped.iter().filter(|e| e.key >= 200).all(|e| e.deadline >= 1_050));
}

/// A timer moved later is not fired at its old deadline, even when nothing else is stale
/// once it has been sifted (the fast path of `earliest` that skips `due`).
#[test]
fn a_timer_moved_later_fires_at_its_new_deadline() {
    let mut q = TimerQueue::default();
    q.set(Entry { deadline: 10, stamp: 1, key: 0 });
    q.set(Entry { deadline: 20, stamp: 2, key: 1 });
    q.set(Entry { deadline: 30, stamp: 3, key: 0 }); // a reset: later, recorded lazily
    q.check();
    assert_eq!(q.earliest().map(|e| e.key), Some(1), "key 0 no longer fires at 10");
    q.check();
    assert_eq!(q.stale_count, 0, "sifting the stale top settles it");
    let order: Vec<(u32, u64)> = std::iter::from_fn(|| q.pop()).map(|e| (e.key, e.deadline)).collect();
    assert_eq!(order, [(1, 20), (0, 30)]);
}
