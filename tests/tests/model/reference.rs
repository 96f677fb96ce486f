//! The reference model: the documented semantics of watchers and ticks, written as plainly
//! as possible.

use super::*;

/// One watcher in the model.
#[derive(Debug, Clone)]
pub(crate) struct MWatcher {
    pub(crate) spec: Spec,
    pub(crate) action: Action,
    pub(crate) enabled: bool,
    pub(crate) referenced: bool,
    /// The tick it was last enabled in: due only in later ticks.
    pub(crate) enabled_tick: u64,
    /// Creation order (the order watchers of one fd or one signal fire in).
    pub(crate) order: u64,
    /// For an armed zero-deadline timer, its place in the next tick's timer phase: repeats
    /// rescheduled in the last tick (class 0, in firing order) come before timers armed by an
    /// enable (class 1, in enable order), since their deadline is that tick's `now` + 1 ns.
    pub(crate) due_key: Option<(u8, u64)>,
}

/// The reference model: the documented semantics, written as plainly as possible.
#[derive(Debug, Default)]
pub(crate) struct Model {
    pub(crate) tick: u64,
    pub(crate) live: BTreeMap<WatcherId, MWatcher>,
    /// Every id ever created, with its spec (to read the log of a tick).
    pub(crate) specs: BTreeMap<WatcherId, Spec>,
    pub(crate) dead: Vec<WatcherId>,
    /// Enabled defers, in enable order.
    pub(crate) defers: Vec<WatcherId>,
    /// Every defer ever created, in creation order (mirrors `Shared::defers`).
    pub(crate) all_defers: Vec<WatcherId>,
    pub(crate) pending: [bool; PAIRS],
    pub(crate) hup: [bool; PAIRS],
    pub(crate) raised: [bool; SIGNALS.len()],
    pub(crate) next_order: u64,
    pub(crate) next_arm: u64,
    /// The most timers that were ever live at once (bounds the heap's tombstones).
    pub(crate) peak_heap_live: usize,
}

impl Model {
    pub(crate) fn create(&mut self, id: WatcherId, spec: Spec, enabled: bool, referenced: bool, action: Action) {
        self.next_order += 1;
        let w = MWatcher {
            spec,
            action,
            enabled: false,
            referenced,
            enabled_tick: 0,
            order: self.next_order,
            due_key: None,
        };
        assert!(self.live.insert(id, w).is_none(), "{id:?} handed out twice");
        self.specs.insert(id, spec);
        if spec == Spec::Defer {
            self.all_defers.push(id);
        }
        if enabled {
            self.enable(id).expect("live");
            if spec == Spec::RepeatFirstZero {
                // Only creation uses the short first delay.
                self.next_arm += 1;
                self.live.get_mut(&id).expect("live").due_key = Some((1, self.next_arm));
            }
        }
    }

    pub(crate) fn enable(&mut self, id: WatcherId) -> Result<(), ()> {
        let tick = self.tick;
        let Some(w) = self.live.get_mut(&id) else { return Err(()) };
        if w.enabled {
            return Ok(()); // changes nothing, not even a place in a queue
        }
        w.enabled = true;
        w.enabled_tick = tick;
        match w.spec {
            Spec::Defer => self.defers.push(id),
            Spec::DelayZero | Spec::RepeatZero => {
                self.next_arm += 1;
                w.due_key = Some((1, self.next_arm));
            }
            _ => {}
        }
        Ok(())
    }

    pub(crate) fn disable(&mut self, id: WatcherId) {
        let Some(w) = self.live.get_mut(&id) else { return };
        if !w.enabled {
            return;
        }
        w.enabled = false;
        w.due_key = None;
        if w.spec == Spec::Defer {
            self.defers.retain(|d| *d != id);
        }
    }

    pub(crate) fn cancel(&mut self, id: WatcherId) {
        self.disable(id);
        if self.live.remove(&id).is_some() {
            self.dead.push(id);
        }
    }

    pub(crate) fn due(&self, id: WatcherId, tick: u64) -> bool {
        self.live.get(&id).is_some_and(|w| w.enabled && w.enabled_tick < tick)
    }

    /// Live watchers matching `f`, in creation order.
    pub(crate) fn in_creation_order(&self, f: impl Fn(&MWatcher) -> bool) -> Vec<WatcherId> {
        let mut v: Vec<(u64, WatcherId)> =
            self.live.iter().filter(|(_, w)| f(w)).map(|(id, w)| (w.order, *id)).collect();
        v.sort();
        v.into_iter().map(|(_, id)| id).collect()
    }

    pub(crate) fn anything_due(&self) -> bool {
        let t = self.tick + 1;
        self.live.iter().any(|(id, w)| {
            self.due(*id, t)
                && match w.spec {
                    Spec::Defer => true,
                    Spec::Readable(p) => self.pending[p] || self.hup[p],
                    Spec::Writable(_) => true,
                    Spec::Signal(s) => self.raised[s],
                    _ => w.due_key.is_some(),
                }
        })
    }

    /// Runs one tick of the model and returns the ids that fire, in order. The reactor's
    /// log of the same tick supplies what the model leaves open: the order in which epoll
    /// reports fds and signal-hook reports signals, and the ids of defers created inside
    /// callbacks.
    pub(crate) fn tick(&mut self, actual: &[WatcherId], created: &[WatcherId]) -> Result<Vec<WatcherId>, String> {
        self.tick += 1;
        let t = self.tick;
        let readable: Vec<bool> = (0..PAIRS).map(|p| self.pending[p] || self.hup[p]).collect();
        let raised = std::mem::take(&mut self.raised);
        let mut out = Vec::new();
        let mut created = created.iter().copied();

        // Defers: those queued when the tick began, in enable order.
        for id in self.defers.clone() {
            if self.due(id, t) {
                self.fire(id, &mut out, &mut created)?;
            }
        }
        // I/O: fd by fd in the order epoll reported them; per fd, readers then writers, each in
        // creation order. The watched end of a socketpair is always writable.
        for p in self.order_seen(actual, |s| s.pair(), PAIRS) {
            let mut ids = Vec::new();
            if readable[p] {
                ids.extend(self.in_creation_order(|w| w.spec == Spec::Readable(p)));
            }
            ids.extend(self.in_creation_order(|w| w.spec == Spec::Writable(p)));
            for id in ids {
                if self.due(id, t) {
                    self.fire(id, &mut out, &mut created)?;
                }
            }
        }
        // Signals: every watcher of each raised signal, once, in creation order.
        let signal_of = |s: Spec| if let Spec::Signal(i) = s { Some(i) } else { None };
        for s in self.order_seen(actual, signal_of, SIGNALS.len()) {
            if raised[s] {
                for id in self.in_creation_order(|w| w.spec == Spec::Signal(s)) {
                    if self.due(id, t) {
                        self.fire(id, &mut out, &mut created)?;
                    }
                }
            }
        }
        // Timers: every zero-deadline timer armed before this tick.
        let mut timers: Vec<((u8, u64), WatcherId)> = self
            .live
            .iter()
            .filter(|(id, _)| self.due(**id, t))
            .filter_map(|(id, w)| Some((w.due_key?, *id)))
            .collect();
        timers.sort();
        for (key, id) in timers {
            if self.due(id, t) && self.live[&id].due_key == Some(key) {
                self.fire(id, &mut out, &mut created)?;
            }
        }
        Ok(out)
    }

    /// `0..n` ordered by first appearance in `actual` (through `index`), the rest after.
    pub(crate) fn order_seen(
        &self,
        actual: &[WatcherId],
        index: impl Fn(Spec) -> Option<usize>,
        n: usize,
    ) -> Vec<usize> {
        let mut order: Vec<usize> = Vec::new();
        for i in actual.iter().filter_map(|id| index(*self.specs.get(id)?)).chain(0..n) {
            if !order.contains(&i) {
                order.push(i);
            }
        }
        order
    }

    pub(crate) fn fire(
        &mut self,
        id: WatcherId,
        out: &mut Vec<WatcherId>,
        created: &mut impl Iterator<Item = WatcherId>,
    ) -> Result<(), String> {
        out.push(id);
        let w = self.live.get_mut(&id).expect("due means live");
        let (spec, action) = (w.spec, w.action);
        match spec {
            s if s.one_shot() => {
                // One-shots free themselves before their callback runs.
                self.defers.retain(|d| *d != id);
                self.live.remove(&id);
                self.dead.push(id);
            }
            Spec::RepeatZero => {
                self.next_arm += 1;
                w.due_key = Some((0, self.next_arm));
            }
            Spec::RepeatFirstZero => w.due_key = None,
            _ => {}
        }
        match action {
            Action::Nothing => {}
            Action::DisableSelf => self.disable(id),
            Action::CancelSelf => self.cancel(id),
            Action::DeferNew => {
                let Some(new) = created.next() else {
                    return Err(format!("{id:?} should have created a defer; the reactor ran fewer callbacks"));
                };
                self.create(new, Spec::Defer, true, true, Action::Nothing);
            }
            Action::Disable(x) => self.disable(x),
            Action::Cancel(x) => self.cancel(x),
            Action::Enable(x) => {
                let _ = self.enable(x);
            }
            Action::Drain(p) => self.pending[p] = false,
            Action::CancelDefers(from, to) => {
                let range = self.all_defers.get(from..to.min(self.all_defers.len())).unwrap_or_default().to_vec();
                for d in range {
                    self.cancel(d);
                }
            }
        }
        Ok(())
    }

    pub(crate) fn heap_live(&self) -> usize {
        self.live.values().filter(|w| w.enabled && w.spec.in_heap()).count()
    }
}
