//! One random sequence against a fresh reactor, checked against the model after every step.

use super::*;

/// Turns a tick that blocks although the model expected work into a failure, not a hang: a
/// thread writes to a socketpair watched by an unreferenced reader in every sequence (left
/// out of the comparisons) when a tick has run for [`Insurance::PATIENCE`].
pub(crate) struct Insurance {
    /// The watched end.
    b: UnixStream,
    /// When the running tick started; `None` between ticks.
    ticking: Arc<Mutex<Option<Instant>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Insurance {
    const PATIENCE: Duration = Duration::from_secs(2);

    pub(crate) fn new() -> Insurance {
        let (a, b) = socket_pair();
        let ticking: Arc<Mutex<Option<Instant>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (t, s) = (Arc::clone(&ticking), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(20));
                let stuck = t.lock().unwrap().is_some_and(|since| since.elapsed() > Insurance::PATIENCE);
                if stuck {
                    let _ = (&a).write(b"!");
                    *t.lock().unwrap() = None;
                }
            }
        });
        Insurance { b, ticking, stop, thread: Some(thread) }
    }
}

impl Drop for Insurance {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One random sequence against one fresh reactor.
pub(crate) struct Sequence<'a> {
    insurance: &'a Insurance,
    /// Set by the insurance watcher: the last tick blocked.
    blocked: Rc<std::cell::Cell<bool>>,
    seed: u64,
    rng: Rng,
    reactor: Reactor,
    shared: Rc<Shared>,
    model: Model,
    history: Vec<String>,
    /// Figures.
    ticks: usize,
    fired: usize,
}

impl<'a> Sequence<'a> {
    pub(crate) fn new(seed: u64, insurance: &'a Insurance) -> Sequence<'a> {
        let shared = Rc::new(Shared {
            log: RefCell::default(),
            created: RefCell::default(),
            defers: RefCell::default(),
            pairs: RefCell::new((0..PAIRS).map(|_| new_pair()).collect()),
        });
        let reactor = Reactor::new().unwrap();
        let blocked = Rc::new(std::cell::Cell::new(false));
        let flag = Rc::clone(&blocked);
        let b = Rc::new(insurance.b.try_clone().unwrap());
        let watched = Rc::clone(&b);
        reactor
            .watch()
            .unreferenced()
            .on_readable(&*b, move |_, _, _| {
                flag.set(true);
                drain(&watched);
            })
            .unwrap();
        Sequence {
            insurance,
            blocked,
            seed,
            rng: Rng::new(seed),
            reactor,
            shared,
            model: Model::default(),
            history: Vec::new(),
            ticks: 0,
            fired: 0,
        }
    }

    fn fail(&self, what: String) -> ! {
        let steps: Vec<String> = self.history.iter().enumerate().map(|(i, s)| format!("  {i:>3}: {s}")).collect();
        panic!(
            "model mismatch, seed {} (replay: AMPERE_SEED={}):\n{what}\nsteps:\n{}",
            self.seed,
            self.seed,
            steps.join("\n")
        );
    }

    /// A live id (mostly) or a dead one (sometimes): stale ids are part of the input.
    fn pick_id(&mut self) -> Option<WatcherId> {
        if !self.model.dead.is_empty() && (self.model.live.is_empty() || self.rng.chance(20)) {
            let i = self.rng.below(self.model.dead.len());
            return Some(self.model.dead[i]);
        }
        if self.model.live.is_empty() {
            return None;
        }
        let i = self.rng.below(self.model.live.len());
        self.model.live.keys().nth(i).copied()
    }

    fn random_spec(&mut self) -> Spec {
        match self.rng.below(100) {
            0..15 => Spec::Defer,
            15..27 => Spec::DelayZero,
            27..33 => Spec::DelayLong,
            33..37 => Spec::DelayNever,
            37..47 => Spec::RepeatZero,
            47..52 => Spec::RepeatLong,
            52..58 => Spec::RepeatFirstZero,
            58..74 => Spec::Readable(self.rng.below(PAIRS)),
            74..84 => Spec::Writable(self.rng.below(PAIRS)),
            _ => Spec::Signal(self.rng.below(SIGNALS.len())),
        }
    }

    fn random_action(&mut self, spec: Spec) -> Action {
        let roll = self.rng.below(100);
        let other = |s: &mut Sequence<'_>, f: fn(WatcherId) -> Action| s.pick_id().map_or(Action::Nothing, f);
        match roll {
            0..8 => Action::DisableSelf,
            8..16 => Action::CancelSelf,
            16..26 => Action::DeferNew,
            26..34 => other(self, Action::Disable),
            34..42 => other(self, Action::Cancel),
            42..52 => other(self, Action::Enable),
            52..60 => match spec {
                Spec::Readable(p) | Spec::Writable(p) => Action::Drain(p),
                _ => Action::Nothing,
            },
            _ => Action::Nothing,
        }
    }

    fn create(&mut self, spec: Spec, disabled: bool, unreferenced: bool, action: Action) {
        let mut watch = self.reactor.watch();
        if disabled {
            watch = watch.disabled();
        }
        if unreferenced {
            watch = watch.unreferenced();
        }
        let s = Rc::clone(&self.shared);
        let id = match spec {
            Spec::Defer => watch.defer(move |h, id| act(h, id, action, &s)),
            Spec::DelayZero => watch.delay(Duration::ZERO, move |h, id| act(h, id, action, &s)),
            Spec::DelayLong => watch.delay(LONG, move |h, id| act(h, id, action, &s)),
            Spec::DelayNever => watch.delay(Duration::MAX, move |h, id| act(h, id, action, &s)),
            Spec::RepeatZero => watch.repeat(Duration::ZERO, move |h, id| act(h, id, action, &s)),
            Spec::RepeatLong => watch.repeat(LONG, move |h, id| act(h, id, action, &s)),
            Spec::RepeatFirstZero => watch.repeat_after(Duration::ZERO, LONG, move |h, id| act(h, id, action, &s)),
            Spec::Readable(p) => {
                let pairs = self.shared.pairs.borrow();
                watch.on_readable(&pairs[p].b, move |h, id, _| act(h, id, action, &s)).unwrap()
            }
            Spec::Writable(p) => {
                let pairs = self.shared.pairs.borrow();
                watch.on_writable(&pairs[p].b, move |h, id, _| act(h, id, action, &s)).unwrap()
            }
            Spec::Signal(i) => watch.on_signal(SIGNALS[i], move |h, id, _| act(h, id, action, &s)).unwrap(),
        };
        if spec == Spec::Defer {
            self.shared.defers.borrow_mut().push(id);
        }
        self.model.create(id, spec, !disabled, !unreferenced, action);
        self.history.push(format!(
            "create {spec:?}{}{} -> {id:?}, action {action:?}",
            if disabled { " disabled" } else { "" },
            if unreferenced { " unreferenced" } else { "" }
        ));
    }

    pub(crate) fn step(&mut self) {
        let roll = self.rng.below(100);
        match roll {
            0..28 if self.model.live.len() < MAX_LIVE => {
                let spec = self.random_spec();
                let (disabled, unreferenced) = (self.rng.chance(25), self.rng.chance(25));
                let action = self.random_action(spec);
                self.create(spec, disabled, unreferenced, action);
            }
            28..37 => {
                let Some(id) = self.pick_id() else { return };
                let got = self.reactor.enable(id);
                let want = self.model.enable(id);
                self.history.push(format!("enable {id:?} -> {got:?}"));
                match (got, want) {
                    (Ok(()), Ok(())) => {}
                    (Err(Error::InvalidWatcher(x)), Err(())) if x == id => {}
                    (got, want) => self.fail(format!("enable {id:?}: reactor {got:?}, model {want:?}")),
                }
            }
            37..46 => {
                let Some(id) = self.pick_id() else { return };
                self.reactor.disable(id);
                self.model.disable(id);
                self.history.push(format!("disable {id:?}"));
            }
            46..53 => {
                let Some(id) = self.pick_id() else { return };
                self.reactor.cancel(id);
                self.model.cancel(id);
                self.history.push(format!("cancel {id:?}"));
            }
            53..57 => {
                let Some(id) = self.pick_id() else { return };
                let got = self.reactor.reference(id);
                let live = self.model.live.contains_key(&id);
                self.history.push(format!("reference {id:?} -> {got:?}"));
                match (got, live) {
                    (Ok(()), true) => self.model.live.get_mut(&id).expect("live").referenced = true,
                    (Err(Error::InvalidWatcher(_)), false) => {}
                    (got, live) => self.fail(format!("reference {id:?}: reactor {got:?}, model live {live}")),
                }
            }
            57..61 => {
                let Some(id) = self.pick_id() else { return };
                self.reactor.unreference(id);
                if let Some(w) = self.model.live.get_mut(&id) {
                    w.referenced = false;
                }
                self.history.push(format!("unreference {id:?}"));
            }
            61..67 => {
                let p = self.rng.below(PAIRS);
                let pairs = self.shared.pairs.borrow();
                if let Some(mut a) = pairs[p].a.as_ref() {
                    a.write_all(b"x").unwrap();
                    drop(pairs);
                    self.model.pending[p] = true;
                    self.history.push(format!("write pair {p}"));
                }
            }
            67..70 => {
                let p = self.rng.below(PAIRS);
                drain(&self.shared.pairs.borrow()[p].b);
                self.model.pending[p] = false;
                self.history.push(format!("drain pair {p}"));
            }
            70 => {
                let p = self.rng.below(PAIRS);
                self.shared.pairs.borrow_mut()[p].a = None;
                self.model.hup[p] = true;
                self.history.push(format!("hang up pair {p}"));
            }
            71..73 => {
                let p = self.rng.below(PAIRS);
                if self.model.live.values().all(|w| w.spec.pair() != Some(p)) {
                    self.shared.pairs.borrow_mut()[p] = new_pair();
                    self.model.pending[p] = false;
                    self.model.hup[p] = false;
                    self.history.push(format!("replace pair {p}"));
                }
            }
            73..77 => {
                let s = self.rng.below(SIGNALS.len());
                if self.model.live.values().any(|w| w.spec == Spec::Signal(s)) {
                    signal_hook::low_level::raise(SIGNALS[s]).unwrap();
                    self.model.raised[s] = true;
                    self.history.push(format!("raise signal {}", SIGNALS[s]));
                }
            }
            77..79 if self.model.live.len() < MAX_LIVE => {
                // A burst of defers. In some, the first defer creates a defer and the second
                // cancels the rest of the burst: that compacts the defer queue in the middle of
                // the defer phase (this pattern once lost the new defer, and hung `run()`).
                let n = 60 + self.rng.below(40);
                let first = self.model.all_defers.len();
                let compaction = self.rng.chance(30);
                for i in 0..n {
                    let action = match i {
                        0 if compaction => Action::DeferNew,
                        1 if compaction => Action::CancelDefers(first + 2, first + n),
                        _ if self.rng.chance(10) => self.random_action(Spec::Defer),
                        _ => Action::Nothing,
                    };
                    let disabled = self.rng.chance(10);
                    self.create(Spec::Defer, disabled, false, action);
                }
            }
            _ => self.tick(),
        }
        self.check();
    }

    fn tick(&mut self) {
        self.shared.log.borrow_mut().clear();
        self.shared.created.borrow_mut().clear();
        let due = self.model.anything_due();
        if !due {
            // Nothing should fire, so the poll would block: a finished-at-once task makes it
            // return (and lets a wrongly due watcher show up instead of hanging).
            drop(self.reactor.spawn(async {}));
        }
        *self.insurance.ticking.lock().unwrap() = Some(Instant::now());
        let outcome = self.reactor.tick();
        *self.insurance.ticking.lock().unwrap() = None;
        if let Err(e) = outcome {
            self.fail(format!("tick {} failed: {e}", self.model.tick + 1));
        }
        if self.blocked.take() {
            let log = self.shared.log.borrow().clone();
            self.fail(format!(
                "tick {} blocked for {:?} although the model expected work; it ran {log:?}",
                self.model.tick + 1,
                Insurance::PATIENCE
            ));
        }
        let actual = self.shared.log.borrow().clone();
        let created = self.shared.created.borrow().clone();
        let expected = match self.model.tick(&actual, &created) {
            Ok(expected) => expected,
            Err(e) => self.fail(e),
        };
        self.history.push(format!("tick {} -> fired {actual:?}", self.model.tick));
        if actual != expected {
            self.fail(format!("tick {}: fired {actual:?}\n  model expected {expected:?}", self.model.tick));
        }
        self.ticks += 1;
        self.fired += actual.len();
    }

    /// Everything the reactor says about itself agrees with the model.
    fn check(&mut self) {
        let info = self.reactor.info();
        for kind in WatcherKind::ALL {
            let of = |f: &dyn Fn(&MWatcher) -> bool| {
                self.model.live.values().filter(|w| w.spec.kind() == kind && f(w)).count()
            };
            let want = (of(&|w| w.enabled), of(&|w| !w.enabled), of(&|w| w.enabled && w.referenced));
            let mut got = info.of(kind);
            if kind == WatcherKind::Readable {
                got.enabled -= 1; // the insurance watcher
            }
            if (got.enabled, got.disabled, got.referenced) != want {
                self.fail(format!("{kind:?} counts: reactor {got:?}, model (enabled, disabled, referenced) {want:?}"));
            }
        }
        let fds = (0..PAIRS).filter(|p| self.model.live.values().any(|w| w.spec.pair() == Some(*p))).count();
        if info.watched_fds != fds + 1 || info.tasks != 0 {
            self.fail(format!("watched fds {} (model {fds} + 1), tasks {} (model 0)", info.watched_fds, info.tasks));
        }
        let alive: Vec<WatcherId> =
            self.model.live.iter().filter(|(_, w)| w.enabled && w.referenced).map(|(id, _)| *id).collect();
        let mut report: Vec<WatcherId> = self.reactor.keep_alive_report().iter().map(|a| a.id).collect();
        report.sort();
        if report != alive || self.reactor.is_alive() == alive.is_empty() {
            self.fail(format!(
                "keep-alive: reactor {report:?} (is_alive {}), model {alive:?}",
                self.reactor.is_alive()
            ));
        }
        for (id, w) in &self.model.live {
            let got = (self.reactor.is_enabled(*id), self.reactor.is_referenced(*id), self.reactor.kind(*id));
            if !matches!(got, (Ok(e), Ok(r), Ok(k)) if e == w.enabled && r == w.referenced && k == w.spec.kind()) {
                self.fail(format!("{id:?}: reactor (enabled, referenced, kind) {got:?}, model {w:?}"));
            }
        }
        for id in self.model.dead.iter().rev().take(3) {
            if !matches!(self.reactor.is_enabled(*id), Err(Error::InvalidWatcher(x)) if x == *id) {
                self.fail(format!("dead {id:?} is not InvalidWatcher"));
            }
        }
        let live_timers = self.model.heap_live();
        self.model.peak_heap_live = self.model.peak_heap_live.max(live_timers);
        let bound = 2 * self.model.peak_heap_live + 64;
        if info.timer_heap_len < live_timers || info.timer_heap_len > bound {
            self.fail(format!("timer heap {} entries; live timers {live_timers}, bound {bound}", info.timer_heap_len));
        }
    }

    /// Cancels what is left and checks that every callback was dropped.
    pub(crate) fn finish(mut self) -> (usize, usize, usize) {
        let ids: Vec<WatcherId> = self.model.live.keys().copied().collect();
        for id in ids {
            self.reactor.cancel(id);
            self.model.cancel(id);
        }
        self.check();
        assert_eq!(self.reactor.info().watchers(), 1, "seed {}: only the insurance watcher is left", self.seed);
        drop(self.reactor);
        self.shared.pairs.borrow_mut().clear();
        assert_eq!(Rc::strong_count(&self.shared), 1, "seed {}: a callback outlived its watcher", self.seed);
        (self.ticks, self.fired, self.history.len())
    }
}
