//! Signal watchers: a fan-out from signal numbers to the watchers of each.
//!
//! Deliveries arrive through the reactor's self-pipe ([`crate::sys::signals::SignalPipe`]);
//! this table only says who to call. Enabling and disabling a signal watcher touches no process
//! state: the process-wide handler stays installed while any watcher of that signal exists in
//! any reactor of the process.

use crate::id::WatcherId;

/// Watchers per signal number.
#[derive(Debug, Default)]
pub(crate) struct SignalTable {
    /// Index: signal number. Each list is in creation order, the order watchers fire in.
    by_signo: Vec<Vec<WatcherId>>,
}

impl SignalTable {
    pub(crate) fn attach(&mut self, signo: i32, id: WatcherId) {
        let i = signo as usize;
        if self.by_signo.len() <= i {
            self.by_signo.resize_with(i + 1, Vec::new);
        }
        self.by_signo[i].push(id);
    }

    /// Removes watcher `id` from the list of `signo`.
    pub(crate) fn detach(&mut self, signo: i32, id: WatcherId) {
        self.by_signo[signo as usize].retain(|w| *w != id);
    }

    /// The watchers of `signo`, in firing order.
    pub(crate) fn watchers(&self, signo: i32) -> &[WatcherId] {
        self.by_signo.get(signo as usize).map_or(&[], |v| v.as_slice())
    }
}
