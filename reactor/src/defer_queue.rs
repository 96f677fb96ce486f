//! The defer queue: where defers live, from creation to their one run.
//!
//! # Why defers are not in the watcher table
//!
//! A defer is the watcher with the shortest life: created, run once in the next tick, gone. A
//! reactor that defers work runs thousands of them per tick, so the cost to beat is the bare
//! minimum (`VecDeque<Box<dyn FnOnce>>`: push, pop, call). A full watcher slot (slab insert and
//! remove, flags, counters, a `(key, stamp)` entry in a separate queue) costs four times that.
//! So a defer lives *in* its queue slot, and its id names that slot:
//!
//! - **The id is the position.** Slots are numbered by a sequence number (`seq`) that grows by
//!   one per push, so slot `seq` is at `ring[seq - head]`. A defer's [`WatcherId`] carries its
//!   `seq` (in the key, tagged with [`DEFER_TAG`]) and a unique generation, which the slot
//!   repeats: a stale id finds another generation (or no slot) and is invalid.
//! - **Running is popping.** Phase 2 pops slots from the front up to the `seq` that was next
//!   when the phase began, so a defer created during the phase waits for the next tick.
//! - **Cancelling leaves a tombstone** (the slot's defer is taken). Tombstones at either end
//!   are trimmed at once, so create-and-cancel churn does not grow the ring; one in the middle
//!   is popped with the rest in the next tick.
//! - **The rare paths take a side table.** A defer created or made disabled leaves the ring
//!   and is *parked*; enabling it pushes it again, at a new `seq`. Both facts are recorded in
//!   `moved` (keyed by generation), consulted only when the id's own slot does not match.
//!
//! A defer's enabled state is "in the ring", and its referenced flag is stored with it, so
//! the queue keeps the counts `run()` and introspection need.
//!
//! The queue is generic over the callback `F` it stores, as the watcher table is (see
//! `watcher/table.rs`): the reactor stores `core::callback::OnceFn`.

use std::collections::{HashMap, VecDeque};
use std::panic::Location;

use crate::id::{WatcherId, DEFER_TAG};

/// The part of a defer id's key that holds its `seq` (modulo 2^31).
const SEQ_MASK: u64 = (DEFER_TAG - 1) as u64;

/// A defer waiting for its tick (in the ring) or for `enable` (parked).
pub(crate) struct Defer<F> {
    pub(crate) callback: F,
    pub(crate) created_at: &'static Location<'static>,
    /// The key of its id (which names the slot it was created at, or the one it was parked
    /// at): kept so that a defer that moved still gets its own id back in its callback.
    pub(crate) key: u32,
    pub(crate) referenced: bool,
}

/// One slot of the ring: the generation of the defer pushed there, and the defer until it
/// runs, is cancelled or is parked.
struct Slot<F> {
    generation: u64,
    defer: Option<Defer<F>>,
}

/// Where a defer that is not at its id's own slot is.
enum Moved<F> {
    /// Disabled: out of the ring, waiting for `enable`.
    Parked(Defer<F>),
    /// Enabled again: in the ring at this `seq`.
    Queued(u64),
}

/// Where a live defer was found.
#[derive(Clone, Copy)]
enum Place {
    /// In the ring at this `seq`.
    Ring(u64),
    /// Parked (disabled).
    Parked,
}

/// The queue, plus the counts introspection and `run()` read without a scan.
pub(crate) struct DeferQueue<F> {
    ring: VecDeque<Slot<F>>,
    /// The `seq` of `ring[0]`.
    head: u64,
    /// Slots below this `seq` belong to a phase 2 that has begun: the back of the ring is
    /// never trimmed below it, or a defer created during that phase would reuse a `seq` the
    /// phase is going to run.
    sealed: u64,
    /// Defers not at their id's own slot (see the module docs); usually empty.
    moved: HashMap<u64, Moved<F>>,
    /// Defers in the ring (enabled).
    enabled: usize,
    /// Enabled and referenced defers: what keeps `run()` going.
    alive: usize,
}

// Not derived: the derive would ask `F: Default`.
impl<F> Default for DeferQueue<F> {
    fn default() -> Self {
        DeferQueue { ring: VecDeque::new(), head: 0, sealed: 0, moved: HashMap::new(), enabled: 0, alive: 0 }
    }
}

impl<F> DeferQueue<F> {
    /// Queues a defer created enabled; `generation` is unique. Returns its id. (The
    /// `defer.key` given is overwritten.)
    pub(crate) fn push(&mut self, generation: u64, mut defer: Defer<F>) -> WatcherId {
        let id = id_of(self.next_seq(), generation);
        defer.key = id.key;
        self.push_slot(generation, defer);
        id
    }

    /// Parks a defer created disabled. Returns its id, which names the slot the next push
    /// takes: that slot will hold another defer, so the id is resolved through `moved`.
    pub(crate) fn park(&mut self, generation: u64, mut defer: Defer<F>) -> WatcherId {
        let id = id_of(self.next_seq(), generation);
        defer.key = id.key;
        self.moved.insert(generation, Moved::Parked(defer));
        id
    }

    fn push_slot(&mut self, generation: u64, defer: Defer<F>) -> u64 {
        self.enabled += 1;
        self.alive += usize::from(defer.referenced);
        let seq = self.next_seq();
        self.ring.push_back(Slot { generation, defer: Some(defer) });
        seq
    }

    /// The `seq` the next push gets.
    pub(crate) fn next_seq(&self) -> u64 {
        self.head + self.ring.len() as u64
    }

    /// Finds live defer `id`.
    fn find(&self, id: WatcherId) -> Option<Place> {
        if id.key & DEFER_TAG == 0 {
            return None;
        }
        // The seq is stored modulo 2^31; the ring is far shorter, so its offset from `head`
        // modulo 2^31 tells it apart.
        let offset = u64::from(id.key).wrapping_sub(self.head) & SEQ_MASK;
        if let Some(slot) = self.ring.get(offset as usize) {
            if slot.generation == id.generation && slot.defer.is_some() {
                return Some(Place::Ring(self.head + offset));
            }
        }
        match self.moved.get(&id.generation)? {
            Moved::Parked(_) => Some(Place::Parked),
            Moved::Queued(seq) => Some(Place::Ring(*seq)),
        }
    }

    fn slot_mut(&mut self, seq: u64) -> &mut Slot<F> {
        &mut self.ring[(seq - self.head) as usize]
    }

    /// `(enabled, referenced, created_at)` of live defer `id`.
    pub(crate) fn state(&self, id: WatcherId) -> Option<(bool, bool, &'static Location<'static>)> {
        match self.find(id)? {
            Place::Ring(seq) => {
                let d = self.ring[(seq - self.head) as usize].defer.as_ref()?;
                Some((true, d.referenced, d.created_at))
            }
            Place::Parked => match self.moved.get(&id.generation)? {
                Moved::Parked(d) => Some((false, d.referenced, d.created_at)),
                Moved::Queued(_) => None,
            },
        }
    }

    /// Takes live defer `id` out, wherever it is: for `cancel`. The caller drops it after
    /// releasing the reactor's state (its captures may use the reactor).
    pub(crate) fn remove(&mut self, id: WatcherId) -> Option<Defer<F>> {
        let defer = match self.find(id)? {
            Place::Ring(seq) => self.take_from_ring(seq),
            Place::Parked => match self.moved.remove(&id.generation) {
                Some(Moved::Parked(d)) => Some(d),
                _ => None,
            },
        };
        // A defer enabled again, found in the ring through its `Queued` record: drop it too.
        if !self.moved.is_empty() {
            self.moved.remove(&id.generation);
        }
        self.trim();
        defer
    }

    fn take_from_ring(&mut self, seq: u64) -> Option<Defer<F>> {
        let defer = self.slot_mut(seq).defer.take()?;
        self.enabled -= 1;
        self.alive -= usize::from(defer.referenced);
        Some(defer)
    }

    /// Disables (parks) defer `id`. Returns whether it was enabled.
    pub(crate) fn disable(&mut self, id: WatcherId) -> bool {
        let Some(Place::Ring(seq)) = self.find(id) else { return false };
        let Some(defer) = self.take_from_ring(seq) else { return false };
        self.moved.insert(id.generation, Moved::Parked(defer));
        self.trim();
        true
    }

    /// Enables (queues again) defer `id`: it runs in the next tick that begins after this.
    /// `None` for a dead id; `Some(false)` when it was already enabled.
    pub(crate) fn enable(&mut self, id: WatcherId) -> Option<bool> {
        match self.find(id)? {
            Place::Ring(_) => Some(false),
            Place::Parked => {
                let Some(Moved::Parked(defer)) = self.moved.remove(&id.generation) else { return None };
                let seq = self.push_slot(id.generation, defer);
                self.moved.insert(id.generation, Moved::Queued(seq));
                Some(true)
            }
        }
    }

    /// Sets the referenced flag of defer `id`. `None` for a dead id, else whether it changed.
    pub(crate) fn set_referenced(&mut self, id: WatcherId, referenced: bool) -> Option<bool> {
        let place = self.find(id)?;
        let defer = match place {
            Place::Ring(seq) => self.slot_mut(seq).defer.as_mut()?,
            Place::Parked => match self.moved.get_mut(&id.generation)? {
                Moved::Parked(d) => d,
                Moved::Queued(_) => return None,
            },
        };
        if defer.referenced == referenced {
            return Some(false);
        }
        defer.referenced = referenced;
        if let Place::Ring(_) = place {
            if referenced {
                self.alive += 1;
            } else {
                self.alive -= 1;
            }
        }
        Some(true)
    }

    /// Begins phase 2: returns the `seq` limit (defers below it run in this phase).
    pub(crate) fn begin_phase(&mut self) -> u64 {
        self.sealed = self.next_seq();
        self.sealed
    }

    /// Pops the next defer due before `limit`, skipping tombstones, with its id.
    pub(crate) fn pop_due(&mut self, limit: u64) -> Option<(WatcherId, Defer<F>)> {
        while self.head < limit {
            let slot = self.ring.pop_front()?;
            self.head += 1;
            let Some(defer) = slot.defer else { continue };
            self.enabled -= 1;
            self.alive -= usize::from(defer.referenced);
            if !self.moved.is_empty() {
                // A defer enabled again ran from another slot than its id names.
                self.moved.remove(&slot.generation);
            }
            return Some((WatcherId { key: defer.key, generation: slot.generation }, defer));
        }
        None
    }

    /// Drops tombstones at both ends of the ring (not below `sealed` at the back).
    fn trim(&mut self) {
        while self.ring.front().is_some_and(|s| s.defer.is_none()) {
            self.ring.pop_front();
            self.head += 1;
        }
        while self.next_seq() > self.sealed.max(self.head) && self.ring.back().is_some_and(|s| s.defer.is_none()) {
            self.ring.pop_back();
        }
        // A ring that held a burst gives its memory back once mostly empty.
        if self.ring.capacity() > 1024 && self.ring.len() < self.ring.capacity() / 8 {
            self.ring.shrink_to(self.ring.len() * 2);
        }
    }

    /// Whether a defer is queued for a coming phase 2.
    pub(crate) fn has_queued(&self) -> bool {
        self.enabled > 0
    }

    /// Enabled, referenced defers.
    pub(crate) fn alive(&self) -> usize {
        self.alive
    }

    /// Live defers, with their ids, `enabled` and `referenced` flags and creation sites.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (WatcherId, bool, &Defer<F>)> + '_ {
        let queued = self.ring.iter().filter_map(|slot| {
            let defer = slot.defer.as_ref()?;
            Some((WatcherId { key: defer.key, generation: slot.generation }, true, defer))
        });
        let parked = self.moved.iter().filter_map(|(generation, m)| match m {
            Moved::Parked(d) => Some((WatcherId { key: d.key, generation: *generation }, false, d)),
            Moved::Queued(_) => None,
        });
        queued.chain(parked)
    }

    /// Empties the queue, handing the defers back to be dropped outside the state borrow.
    pub(crate) fn drain(&mut self) -> Vec<Defer<F>> {
        self.head = self.next_seq(); // no seq is ever handed out twice
        let mut all: Vec<Defer<F>> = self.ring.drain(..).filter_map(|s| s.defer).collect();
        all.extend(self.moved.drain().filter_map(|(_, m)| match m {
            Moved::Parked(d) => Some(d),
            Moved::Queued(_) => None,
        }));
        self.enabled = 0;
        self.alive = 0;
        all
    }
}

impl<F> std::fmt::Debug for DeferQueue<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeferQueue")
            .field("head", &self.head)
            .field("len", &self.ring.len())
            .field("enabled", &self.enabled)
            .field("alive", &self.alive)
            .field("moved", &self.moved.len())
            .finish()
    }
}

/// The id of the defer created at `seq`.
fn id_of(seq: u64, generation: u64) -> WatcherId {
    WatcherId { key: DEFER_TAG | (seq & SEQ_MASK) as u32, generation }
}

#[cfg(test)]
mod tests;
