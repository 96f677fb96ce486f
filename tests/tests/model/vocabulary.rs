//! What a sequence is made of: watcher specs, the actions callbacks take, and the callbacks
//! themselves.

use super::*;

/// What a watcher is, as far as the model cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spec {
    Defer,
    /// `delay(ZERO)`: due in the next tick.
    DelayZero,
    DelayLong,
    /// `delay(Duration::MAX)`: never, and no timer-heap entry.
    DelayNever,
    /// `repeat(ZERO)`: every tick while enabled.
    RepeatZero,
    RepeatLong,
    /// `repeat_after(ZERO, LONG)`: once soon after its creation, then hourly. Re-enabling
    /// restarts the full interval, so after a re-enable it is hourly only.
    RepeatFirstZero,
    Readable(usize),
    Writable(usize),
    Signal(usize),
}

impl Spec {
    pub(crate) fn kind(self) -> WatcherKind {
        match self {
            Spec::Defer => WatcherKind::Defer,
            Spec::DelayZero | Spec::DelayLong | Spec::DelayNever => WatcherKind::Delay,
            Spec::RepeatZero | Spec::RepeatLong | Spec::RepeatFirstZero => WatcherKind::Repeat,
            Spec::Readable(_) => WatcherKind::Readable,
            Spec::Writable(_) => WatcherKind::Writable,
            Spec::Signal(_) => WatcherKind::Signal,
        }
    }

    pub(crate) fn one_shot(self) -> bool {
        matches!(self.kind(), WatcherKind::Defer | WatcherKind::Delay)
    }

    /// A timer with a finite deadline: one entry in the heap while enabled.
    pub(crate) fn in_heap(self) -> bool {
        matches!(self.kind(), WatcherKind::Delay | WatcherKind::Repeat) && self != Spec::DelayNever
    }

    pub(crate) fn pair(self) -> Option<usize> {
        match self {
            Spec::Readable(p) | Spec::Writable(p) => Some(p),
            _ => None,
        }
    }
}

/// What a callback does besides recording that it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Nothing,
    DisableSelf,
    CancelSelf,
    /// Creates a defer (due in the next tick, not this one).
    DeferNew,
    Disable(WatcherId),
    Cancel(WatcherId),
    Enable(WatcherId),
    /// Reads everything pending on pair `p`'s watched end.
    Drain(usize),
    /// Cancels the defers created `from..to`-th in the sequence (enough of them compacts the
    /// reactor's defer queue in the middle of the defer phase).
    CancelDefers(usize, usize),
}

/// What the callbacks share with the test.
pub(crate) struct Shared {
    /// Ids of the callbacks that ran, in order.
    pub(crate) log: RefCell<Vec<WatcherId>>,
    /// Ids of the defers that `DeferNew` callbacks created, in order.
    pub(crate) created: RefCell<Vec<WatcherId>>,
    /// Every defer ever created in the sequence, in creation order (for `CancelDefers`).
    pub(crate) defers: RefCell<Vec<WatcherId>>,
    pub(crate) pairs: RefCell<Vec<Pair>>,
}

pub(crate) struct Pair {
    /// Written by the test; `None` after a hang-up.
    pub(crate) a: Option<UnixStream>,
    /// Watched.
    pub(crate) b: UnixStream,
}

pub(crate) fn new_pair() -> Pair {
    let (a, b) = socket_pair();
    Pair { a: Some(a), b }
}

/// The body of every callback.
pub(crate) fn act(h: &Handle, me: WatcherId, action: Action, shared: &Rc<Shared>) {
    shared.log.borrow_mut().push(me);
    match action {
        Action::Nothing => {}
        Action::DisableSelf => h.disable(me),
        Action::CancelSelf => h.cancel(me),
        Action::DeferNew => {
            let s = Rc::clone(shared);
            let id = h.defer(move |h, id| act(h, id, Action::Nothing, &s));
            shared.created.borrow_mut().push(id);
            shared.defers.borrow_mut().push(id);
        }
        Action::Disable(x) => h.disable(x),
        Action::Cancel(x) => h.cancel(x),
        Action::Enable(x) => {
            let _ = h.enable(x); // InvalidWatcher for a dead target: the model agrees
        }
        Action::Drain(p) => drain(&shared.pairs.borrow()[p].b),
        Action::CancelDefers(from, to) => {
            let all = shared.defers.borrow().clone();
            for id in all.get(from..to.min(all.len())).unwrap_or_default() {
                h.cancel(*id);
            }
        }
    }
}

pub(crate) fn drain(mut b: &UnixStream) {
    let mut buf = [0u8; 256];
    while let Ok(n) = b.read(&mut buf) {
        if n == 0 {
            break;
        }
    }
}
