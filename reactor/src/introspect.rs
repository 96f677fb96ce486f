//! Introspection: what the reactor holds, and what keeps `run()` from returning.

use std::fmt;
use std::panic::Location;

use crate::core::state::Handle;
use crate::error::{Error, Result};
use crate::id::{is_defer, WatcherId, WatcherKind};

/// Counts of one watcher kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindCounts {
    /// Enabled watchers.
    pub enabled: usize,
    /// Disabled watchers.
    pub disabled: usize,
    /// Enabled and referenced: these keep `run()` going.
    pub referenced: usize,
}

/// A snapshot of a reactor's contents, from [`Handle::info`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReactorInfo {
    /// Per kind, indexed like [`WatcherKind::ALL`].
    pub kinds: [KindCounts; 6],
    /// Unfinished tasks (all keep `run()` going).
    pub tasks: usize,
    /// Entries in the timer heap: one per armed timer (enabled, with a finite deadline).
    pub timer_heap_len: usize,
    /// fds with at least one I/O watcher.
    pub watched_fds: usize,
    /// Ticks run so far: a reactor that should be idle and whose count climbs is spinning.
    pub ticks: u64,
    /// `epoll_ctl` calls made for the I/O watchers so far: registering an fd, changing or
    /// dropping its interest as watchers are enabled, disabled and cancelled, and checking
    /// that a watched fd number still names its file. A busy fd costs next to none once its
    /// watchers are set up (about one per thousand ticks it is ready in): a count that climbs
    /// with the traffic means watchers created, enabled or disabled per event.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let (mut peer, socket) = UnixStream::pair()?;
    /// let before = reactor.info().epoll_ctl_calls;
    /// let id = reactor.on_readable(&socket, |_, _, _| {})?; // registers the fd: one call
    /// peer.write_all(b"x")?;
    /// reactor.tick()?; // the watcher fires: no call
    /// assert_eq!(reactor.info().epoll_ctl_calls - before, 1);
    /// reactor.cancel(id);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub epoll_ctl_calls: u64,
}

impl ReactorInfo {
    /// The counts of one kind.
    pub fn of(&self, kind: WatcherKind) -> KindCounts {
        self.kinds[kind.index()]
    }

    /// All watchers, enabled or not.
    pub fn watchers(&self) -> usize {
        self.kinds.iter().map(|k| k.enabled + k.disabled).sum()
    }
}

/// One thing that keeps `run()` from returning, from [`Handle::keep_alive_report`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliveWatcher {
    /// The watcher.
    pub id: WatcherId,
    /// Its kind.
    pub kind: WatcherKind,
    /// Where it was created (`#[track_caller]`): for a [`Sleep`](crate::Sleep), the `sleep`
    /// call.
    pub created_at: &'static Location<'static>,
}

impl fmt::Display for AliveWatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} {:?} created at {}", self.kind, self.id, self.created_at)
    }
}

/// One live watcher and its state, from [`Handle::watchers`] (Revolt's `getIdentifiers`,
/// `getType`, `isEnabled` and `isReferenced` in one snapshot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatcherInfo {
    /// The watcher.
    pub id: WatcherId,
    /// Its kind.
    pub kind: WatcherKind,
    /// Whether it is enabled (may fire).
    pub enabled: bool,
    /// Whether it is referenced (keeps `run()` going while enabled).
    pub referenced: bool,
    /// Where it was created (`#[track_caller]`).
    pub created_at: &'static Location<'static>,
}

impl Handle {
    /// Every live watcher, enabled or disabled, referenced or not, defers included, oldest
    /// first (in creation order). A snapshot: the reactor may change right after.
    ///
    /// One-shot watchers (defers and delays) leave the list as they start running: inside
    /// its own callback, a one-shot watcher is not live any more.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ampere_reactor::WatcherKind;
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let timer = reactor.delay(Duration::from_secs(60), |_, _| {});
    /// let parked = reactor.watch().disabled().defer(|_, _| {});
    /// let all = reactor.watchers();
    /// assert_eq!(all.iter().map(|w| w.id).collect::<Vec<_>>(), [timer, parked]);
    /// assert_eq!((all[0].kind, all[0].enabled, all[0].referenced), (WatcherKind::Delay, true, true));
    /// assert_eq!((all[1].kind, all[1].enabled), (WatcherKind::Defer, false));
    /// assert_eq!(reactor.watcher_ids(), [timer, parked]);
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn watchers(&self) -> Vec<WatcherInfo> {
        let st = self.inner.state.borrow();
        let mut all = Vec::with_capacity(st.watchers.len());
        all.extend(st.watchers.iter().map(|(id, w)| WatcherInfo {
            id,
            kind: w.kind(),
            enabled: w.is_enabled(),
            referenced: w.is_referenced(),
            created_at: w.created_at,
        }));
        all.extend(st.defers.iter().map(|(id, enabled, d)| WatcherInfo {
            id,
            kind: WatcherKind::Defer,
            enabled,
            referenced: d.referenced,
            created_at: d.created_at,
        }));
        // Generations are handed out in creation order, to watchers and defers alike.
        all.sort_unstable_by_key(|w| w.id.generation);
        all
    }

    /// The ids of every live watcher, oldest first: [`Handle::watchers`] without the state.
    pub fn watcher_ids(&self) -> Vec<WatcherId> {
        self.watchers().into_iter().map(|w| w.id).collect()
    }

    /// Counts watchers by kind and state, tasks, timer-heap entries and watched fds.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ampere_reactor::WatcherKind;
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// reactor.watch().unreferenced().delay(Duration::from_secs(60), |_, _| {});
    /// let info = reactor.info();
    /// assert_eq!(info.of(WatcherKind::Delay).enabled, 1);
    /// assert_eq!(info.of(WatcherKind::Delay).referenced, 0);
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn info(&self) -> ReactorInfo {
        let st = self.inner.state.borrow();
        let mut info = ReactorInfo {
            tasks: self.inner.executor.task_count(),
            timer_heap_len: st.timers.len(),
            watched_fds: st.io.len(),
            ticks: st.tick,
            epoll_ctl_calls: st.io.ctl_calls(),
            ..ReactorInfo::default()
        };
        let watchers = st.watchers.iter().map(|(_, w)| (w.kind(), w.is_enabled(), w.is_referenced()));
        let defers = st.defers.iter().map(|(_, enabled, d)| (WatcherKind::Defer, enabled, d.referenced));
        for (kind, enabled, referenced) in watchers.chain(defers) {
            let k = &mut info.kinds[kind.index()];
            if enabled {
                k.enabled += 1;
                if referenced {
                    k.referenced += 1;
                }
            } else {
                k.disabled += 1;
            }
        }
        info
    }

    /// The enabled, referenced watchers: what keeps `run()` going besides tasks. The tool
    /// for "why does `run()` never return?".
    pub fn keep_alive_report(&self) -> Vec<AliveWatcher> {
        let st = self.inner.state.borrow();
        let watchers = st
            .watchers
            .iter()
            .filter(|(_, w)| w.is_enabled() && w.is_referenced())
            .map(|(id, w)| AliveWatcher { id, kind: w.kind(), created_at: w.created_at });
        let defers = st
            .defers
            .iter()
            .filter(|(_, enabled, d)| *enabled && d.referenced)
            .map(|(id, _, d)| AliveWatcher { id, kind: WatcherKind::Defer, created_at: d.created_at });
        watchers.chain(defers).collect()
    }

    /// `(enabled, referenced, kind, created_at)` of live watcher `id`, wherever it lives.
    fn view(&self, id: WatcherId) -> Result<(bool, bool, WatcherKind, &'static Location<'static>)> {
        let st = self.inner.state.borrow();
        let found = match is_defer(id) {
            true => st.defers.state(id).map(|(e, r, at)| (e, r, WatcherKind::Defer, at)),
            false => st.watchers.get(id).map(|w| (w.is_enabled(), w.is_referenced(), w.kind(), w.created_at)),
        };
        found.ok_or(Error::InvalidWatcher(id))
    }

    /// Whether watcher `id` is enabled.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidWatcher`] if `id` is not live.
    pub fn is_enabled(&self, id: WatcherId) -> Result<bool> {
        self.view(id).map(|v| v.0)
    }

    /// Whether watcher `id` is referenced.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidWatcher`] if `id` is not live.
    pub fn is_referenced(&self, id: WatcherId) -> Result<bool> {
        self.view(id).map(|v| v.1)
    }

    /// The kind of watcher `id`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidWatcher`] if `id` is not live.
    pub fn kind(&self, id: WatcherId) -> Result<WatcherKind> {
        self.view(id).map(|v| v.2)
    }

    /// Where watcher `id` was created.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidWatcher`] if `id` is not live.
    pub fn created_at(&self, id: WatcherId) -> Result<&'static Location<'static>> {
        self.view(id).map(|v| v.3)
    }
}
