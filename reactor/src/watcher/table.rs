//! The watcher table: a slab of watchers, addressed by generational ids.
//!
//! The table is the only place that knows whether an id is still live, and the only place that
//! flips the enabled and referenced flags, so it can keep the keep-alive count exact without a
//! scan: `run()` asks [`WatcherTable::alive`] once per tick.
//!
//! The table is generic over the callback `C` it stores, as a slab is over its `T`: the
//! callbacks take the reactor's handle, which owns this table, so naming their type here
//! would close an import loop. The reactor stores `core::callback::Callback<Handle>` (the
//! alias `Callback` in `core/state.rs`); monomorphized, that costs nothing.

use std::panic::Location;

use slab::Slab;

use crate::id::{Generations, WatcherId, WatcherKind, DEFER_TAG};

/// Kind-specific data of a watcher.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Data {
    /// `after_ns`: the full delay, restarted when the timer is re-enabled.
    Delay {
        after_ns: u64,
    },
    /// `interval`: the period; the first delay is only used at creation.
    Repeat {
        interval_ns: u64,
    },
    /// `fd_key`: the fd's entry in the I/O table; `writable` picks the direction.
    Io {
        fd_key: u32,
        fd: i32,
        writable: bool,
    },
    Signal {
        signo: i32,
    },
}

impl Data {
    pub(crate) fn kind(&self) -> WatcherKind {
        match self {
            Data::Delay { .. } => WatcherKind::Delay,
            Data::Repeat { .. } => WatcherKind::Repeat,
            Data::Io { writable: false, .. } => WatcherKind::Readable,
            Data::Io { writable: true, .. } => WatcherKind::Writable,
            Data::Signal { .. } => WatcherKind::Signal,
        }
    }
}

/// [`Watcher::state`]'s enabled flag.
const ENABLED: u64 = 1 << 63;
/// [`Watcher::state`]'s referenced flag.
const REFERENCED: u64 = 1 << 62;
/// [`Watcher::state`]'s enabling tick.
const TICK: u64 = REFERENCED - 1;

/// One watcher: 64 bytes, aligned to a cache line, so that the one watcher a timer's or an
/// fd's dispatch reads costs one cache miss, not two (an unaligned 64-byte slab entry
/// straddles two lines).
#[derive(Debug)]
#[repr(align(64))]
pub(crate) struct Watcher<C> {
    /// Unique within the reactor; half of the id.
    pub(crate) generation: u64,
    pub(crate) data: Data,
    /// The enabled flag (bit 63), the referenced flag (bit 62), and below them the tick in
    /// which the watcher was last enabled: one word instead of three fields, which keeps a
    /// watcher at 64 bytes, one cache line (a tick counter needs centuries to reach bit 62).
    /// Only [`WatcherTable::set_enabled`] and [`WatcherTable::set_referenced`] change the
    /// flags (the keep-alive count depends on them).
    ///
    /// The enabling tick: the watcher may fire only in a *later* tick, which is how "nothing
    /// fires in the tick it was created or enabled" is enforced for every kind with one
    /// comparison.
    state: u64,
    /// `None` only while the callback runs (it is taken out so it can borrow the reactor).
    pub(crate) callback: Option<C>,
    /// Where the user created it: reported by introspection and in panic errors.
    pub(crate) created_at: &'static Location<'static>,
}

impl<C> Watcher<C> {
    /// A new watcher, not yet in any table.
    pub(crate) fn new(data: Data, callback: C, created_at: &'static Location<'static>) -> Watcher<C> {
        Watcher { generation: 0, data, state: 0, callback: Some(callback), created_at }
    }

    pub(crate) fn is_enabled(&self) -> bool {
        self.state & ENABLED != 0
    }

    pub(crate) fn is_referenced(&self) -> bool {
        self.state & REFERENCED != 0
    }

    /// The tick in which it was last enabled.
    pub(crate) fn enabled_tick(&self) -> u64 {
        self.state & TICK
    }

    fn set_flag(&mut self, flag: u64, on: bool) {
        self.state = (self.state & !flag) | if on { flag } else { 0 };
    }

    fn set_enabled_tick(&mut self, tick: u64) {
        self.state = (self.state & !TICK) | (tick & TICK);
    }

    pub(crate) fn kind(&self) -> WatcherKind {
        self.data.kind()
    }
}

/// The id of the watcher stored at slab `key` with `generation`.
fn name(key: usize, generation: u64) -> WatcherId {
    // Keys with the top bit set name defers (see `defer_queue.rs`).
    let key = u32::try_from(key).ok().filter(|k| k & DEFER_TAG == 0);
    let key = key.expect("more than 2 billion live watchers");
    WatcherId { key, generation }
}

/// The slab of watchers plus the counters derived from their flags.
#[derive(Debug)]
pub(crate) struct WatcherTable<C> {
    slab: Slab<Watcher<C>>,
    /// Where the generations of this reactor's watchers (defers included) come from.
    pub(crate) generations: Generations,
    /// Watchers that are enabled and referenced: while non-zero, `run()` goes on.
    alive: usize,
    /// Enabled watchers per kind (indexed by [`WatcherKind::index`]).
    enabled_by_kind: [usize; 6],
}

// Not derived: the derive would ask `C: Default`.
impl<C> Default for WatcherTable<C> {
    fn default() -> Self {
        WatcherTable { slab: Slab::new(), generations: Generations::default(), alive: 0, enabled_by_kind: [0; 6] }
    }
}

impl<C> WatcherTable<C> {
    /// Stores a watcher (disabled and unreferenced; the caller sets the flags) and names it.
    pub(crate) fn insert(&mut self, mut watcher: Watcher<C>) -> WatcherId {
        let generation = self.generations.next();
        watcher.generation = generation;
        let key = self.slab.insert(watcher);
        name(key, generation)
    }

    /// Stores a new watcher made of these parts with its flags already set (`enabled` in tick
    /// `tick`): one slab insert and the counters, for the creation paths that need nothing
    /// else (timers). The parts, not a `Watcher`: put together here, the 64 bytes are
    /// written once, into the slab's write, instead of copied down every frame from a
    /// caller's (each copy a store-forwarding stall: read back wide right after the
    /// narrow writes that built it).
    pub(crate) fn insert_with(
        &mut self,
        (data, callback, created_at): (Data, C, &'static Location<'static>),
        enabled: bool,
        referenced: bool,
        tick: u64,
    ) -> WatcherId {
        let generation = self.generations.next();
        let flags = if enabled { ENABLED } else { 0 } | if referenced { REFERENCED } else { 0 };
        if enabled {
            self.enabled_by_kind[data.kind().index()] += 1;
            self.alive += usize::from(referenced);
        }
        let state = flags | (tick & TICK);
        let key = self.slab.insert(Watcher { generation, data, state, callback: Some(callback), created_at });
        name(key, generation)
    }

    pub(crate) fn get(&self, id: WatcherId) -> Option<&Watcher<C>> {
        self.slab.get(id.key as usize).filter(|w| w.generation == id.generation)
    }

    pub(crate) fn get_mut(&mut self, id: WatcherId) -> Option<&mut Watcher<C>> {
        self.slab.get_mut(id.key as usize).filter(|w| w.generation == id.generation)
    }

    /// The watcher in slot `key`, whoever it is: for queues whose entries are removed with
    /// their watcher (the timer heap), so a key in them always names the right one.
    pub(crate) fn by_key(&self, key: u32) -> Option<(WatcherId, &Watcher<C>)> {
        self.slab.get(key as usize).map(|w| (WatcherId { key, generation: w.generation }, w))
    }

    /// Removes a watcher, keeping the counters exact. `None` for a stale id.
    pub(crate) fn remove(&mut self, id: WatcherId) -> Option<Watcher<C>> {
        self.get(id)?;
        let w = self.slab.remove(id.key as usize);
        if w.is_enabled() {
            self.enabled_by_kind[w.kind().index()] -= 1;
            self.alive -= usize::from(w.is_referenced());
        }
        Some(w)
    }

    /// Sets the enabled flag, recording `tick` as the enabling tick. Returns whether it changed.
    pub(crate) fn set_enabled(&mut self, id: WatcherId, enabled: bool, tick: u64) -> bool {
        let Some(w) = self.slab.get_mut(id.key as usize).filter(|w| w.generation == id.generation) else {
            return false;
        };
        if w.is_enabled() == enabled {
            return false;
        }
        w.set_flag(ENABLED, enabled);
        let kind = w.data.kind().index();
        if enabled {
            w.set_enabled_tick(tick);
            self.enabled_by_kind[kind] += 1;
        } else {
            self.enabled_by_kind[kind] -= 1;
        }
        if w.is_referenced() {
            if enabled {
                self.alive += 1;
            } else {
                self.alive -= 1;
            }
        }
        true
    }

    /// Sets the referenced flag. Returns whether it changed.
    pub(crate) fn set_referenced(&mut self, id: WatcherId, referenced: bool) -> bool {
        let Some(w) = self.slab.get_mut(id.key as usize).filter(|w| w.generation == id.generation) else {
            return false;
        };
        if w.is_referenced() == referenced {
            return false;
        }
        w.set_flag(REFERENCED, referenced);
        if w.is_enabled() {
            if referenced {
                self.alive += 1;
            } else {
                self.alive -= 1;
            }
        }
        true
    }

    /// Enabled, referenced watchers: what keeps `run()` going.
    pub(crate) fn alive(&self) -> usize {
        self.alive
    }

    /// Enabled watchers of one kind.
    pub(crate) fn enabled_of(&self, kind: WatcherKind) -> usize {
        self.enabled_by_kind[kind.index()]
    }

    /// All live watchers.
    pub(crate) fn len(&self) -> usize {
        self.slab.len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (WatcherId, &Watcher<C>)> + '_ {
        self.slab.iter().map(|(key, w)| (WatcherId { key: key as u32, generation: w.generation }, w))
    }

    /// Empties the table, handing the watchers back so the caller can drop their callbacks
    /// *after* releasing its borrow of the reactor (a callback's captures may use it).
    pub(crate) fn drain(&mut self) -> Vec<Watcher<C>> {
        self.alive = 0;
        self.enabled_by_kind = [0; 6];
        self.slab.drain().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The table never looks at its callbacks: the tests store none.
    fn watcher(data: Data) -> Watcher<()> {
        Watcher::new(data, (), Location::caller())
    }

    #[test]
    fn stale_id_never_reaches_a_reused_slot() {
        let mut t = WatcherTable::default();
        let a = t.insert(watcher(Data::Delay { after_ns: 0 }));
        assert!(t.remove(a).is_some());
        let b = t.insert(watcher(Data::Delay { after_ns: 0 }));
        assert_eq!(a.key, b.key, "the slot is reused");
        assert!(t.get(a).is_none());
        assert!(t.remove(a).is_none());
        assert!(t.get(b).is_some());
    }

    #[test]
    fn alive_counts_enabled_and_referenced_only() {
        let mut t = WatcherTable::default();
        let a = t.insert(watcher(Data::Delay { after_ns: 0 }));
        assert_eq!(t.alive(), 0);
        t.set_enabled(a, true, 1);
        assert_eq!(t.alive(), 0, "enabled but unreferenced");
        t.set_referenced(a, true);
        assert_eq!(t.alive(), 1);
        t.set_enabled(a, false, 1);
        assert_eq!(t.alive(), 0);
        t.set_enabled(a, true, 1);
        t.remove(a);
        assert_eq!(t.alive(), 0);
        assert_eq!(t.enabled_of(WatcherKind::Delay), 0);
    }

    /// A seeded random walk of inserts, removes and flag flips against a `HashMap` model.
    #[test]
    fn randomized_against_a_model() {
        let mut rng = ampere_testkit::Rng::new(0x9E37_79B9_7F4A_7C15_u64);
        let mut next = move || rng.next_u64();
        let mut t = WatcherTable::default();
        let mut model: HashMap<WatcherId, (bool, bool)> = HashMap::new();
        let mut dead: Vec<WatcherId> = Vec::new();
        for _ in 0..20_000 {
            let ids: Vec<WatcherId> = model.keys().copied().collect();
            let pick = |n: u64| ids[(n as usize) % ids.len()];
            match next() % 5 {
                0 | 1 => {
                    let id = t.insert(watcher(Data::Delay { after_ns: 0 }));
                    assert!(model.insert(id, (false, false)).is_none(), "ids are unique");
                }
                2 if !ids.is_empty() => {
                    let id = pick(next());
                    assert!(t.remove(id).is_some());
                    model.remove(&id);
                    dead.push(id);
                }
                3 if !ids.is_empty() => {
                    let id = pick(next());
                    let on = next() % 2 == 0;
                    t.set_enabled(id, on, 0);
                    model.get_mut(&id).unwrap().0 = on;
                }
                4 if !ids.is_empty() => {
                    let id = pick(next());
                    let on = next() % 2 == 0;
                    t.set_referenced(id, on);
                    model.get_mut(&id).unwrap().1 = on;
                }
                _ => {}
            }
            if let Some(&id) = dead.last() {
                assert!(t.get(id).is_none(), "a removed id stays invalid");
            }
            assert_eq!(t.len(), model.len());
            assert_eq!(t.alive(), model.values().filter(|(e, r)| *e && *r).count());
            assert_eq!(t.enabled_of(WatcherKind::Delay), model.values().filter(|(e, _)| *e).count());
        }
    }
}
