//! Signals: the per-reactor self-pipe (signal-hook-mio) and the process-wide bookkeeping
//! that gives a signal its previous behaviour back when its last watcher is gone.
//!
//! # The special problem of process-global handlers
//!
//! A signal disposition belongs to the process, not to a reactor. signal-hook installs its
//! handler on first use and never uninstalls it (other code may have chained to it), and once
//! installed it does *not* run the default action: a program that watched `SIGINT` once would
//! ignore Ctrl-C forever after (tokio users know this bug). So, per signal and process-wide, we
//! count live watchers across all reactors. On the first watcher we look at the disposition
//! the process had before us; if it was the default, we register signal-hook's
//! "conditional default" action, guarded by a flag that is false while watchers exist. When
//! the count drops to zero the flag goes true, and the next delivery runs the default action
//! (terminate, stop, ignore, ... as the signal's table says), from inside the handler, even if
//! no reactor is running. A disposition that was not the default (ignored, or someone else's
//! handler) is left to signal-hook, which keeps calling that previous handler.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use mio::{Interest, Registry, Token};
use signal_hook_mio::v1_0::Signals;

/// One reactor's signal pipe.
pub(crate) struct SignalPipe {
    signals: Signals,
    /// Bit `n` set: signal `n` was added to `signals` (they cannot be removed one by one).
    added: u128,
}

impl SignalPipe {
    pub(crate) fn new(registry: &Registry, token: Token) -> io::Result<SignalPipe> {
        let mut signals = Signals::new(std::iter::empty::<i32>())?;
        registry.register(&mut signals, token, Interest::READABLE)?;
        Ok(SignalPipe { signals, added: 0 })
    }

    /// Starts receiving `signo` (valid by [`is_watchable`]).
    pub(crate) fn add(&mut self, signo: i32) -> io::Result<()> {
        let bit = 1u128 << signo;
        if self.added & bit == 0 {
            self.signals.add_signal(signo)?;
            self.added |= bit;
        }
        Ok(())
    }

    /// Appends the signals delivered since the last call. Several deliveries of one signal
    /// between two calls arrive as one, as with any Unix signal.
    pub(crate) fn drain_into(&mut self, out: &mut impl Extend<i32>) {
        out.extend(self.signals.pending());
    }
}

impl std::fmt::Debug for SignalPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalPipe").field("added", &format_args!("{:#x}", self.added)).finish_non_exhaustive()
    }
}

/// Whether `signo` names a signal that can be caught.
pub(crate) fn is_watchable(signo: i32) -> bool {
    // 32 and 33 (between the classic signals and SIGRTMIN) are reserved by the C library for
    // its threads: sigaction refuses them.
    let reserved = signo > 31 && signo < libc::SIGRTMIN();
    signo > 0 && signo <= libc::SIGRTMAX() && !reserved && !signal_hook::consts::FORBIDDEN.contains(&signo)
}

/// The process-wide state of one signal.
#[derive(Debug)]
struct Global {
    /// Live watchers of this signal, across all reactors of the process.
    watchers: usize,
    /// Raised to run the default action on delivery; only registered (and only raised) when
    /// the disposition before us was the default one.
    run_default: Option<Arc<AtomicBool>>,
}

static GLOBAL: Mutex<Option<HashMap<i32, Global>>> = Mutex::new(None);

/// Counts a new watcher of `signo`, installing the default-restoring action on first use.
pub(crate) fn watch(signo: i32) -> io::Result<()> {
    let mut guard = GLOBAL.lock().unwrap_or_else(|e| e.into_inner());
    let map = guard.get_or_insert_with(HashMap::new);
    if let Some(g) = map.get_mut(&signo) {
        g.watchers += 1;
        if let Some(flag) = &g.run_default {
            flag.store(false, Ordering::SeqCst);
        }
        return Ok(());
    }
    let run_default = if disposition_is_default(signo)? {
        let flag = Arc::new(AtomicBool::new(false));
        // signal-hook only emulates the defaults it has a table entry for (not SIGSTKFLT,
        // SIGPWR or the real-time signals): for those the handler stays installed and a
        // delivery with no watcher left is ignored. Documented under `on_signal`.
        signal_hook::flag::register_conditional_default(signo, Arc::clone(&flag)).ok().map(|_| flag)
    } else {
        None
    };
    map.insert(signo, Global { watchers: 1, run_default });
    Ok(())
}

/// Uncounts a watcher of `signo`; the last one out restores the default action.
pub(crate) fn unwatch(signo: i32) {
    let mut guard = GLOBAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(g) = guard.as_mut().and_then(|m| m.get_mut(&signo)) else { return };
    g.watchers -= 1;
    if g.watchers == 0 {
        if let Some(flag) = &g.run_default {
            flag.store(true, Ordering::SeqCst);
        }
    }
}

/// Whether the process's current action for `signo` is `SIG_DFL`.
fn disposition_is_default(signo: i32) -> io::Result<bool> {
    // SAFETY: an all-zero `sigaction` is a valid value to be overwritten.
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: a null new action only queries; `old` is a valid out-pointer.
    super::syscall!(sigaction(signo, std::ptr::null(), &mut old))?;
    Ok(old.sa_sigaction == libc::SIG_DFL)
}
