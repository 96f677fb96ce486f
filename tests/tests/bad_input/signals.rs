//! Signal numbers: invalid, reserved, common and real-time.

use super::*;

/// Signals that cannot be watched, and why.
fn invalid_signals() -> Vec<i32> {
    let mut v = vec![0, -1, i32::MIN, i32::MAX, 128, 1000, libc::SIGRTMAX() + 1];
    v.extend([libc::SIGKILL, libc::SIGSTOP, libc::SIGILL, libc::SIGFPE, libc::SIGSEGV]);
    v
}

pub(crate) fn invalid_signal_numbers_are_typed_errors_everywhere() {
    let reactor = Reactor::new().unwrap();
    for signo in invalid_signals() {
        let all = [
            reactor.on_signal(signo, |_, _, _| {}),
            reactor.watch().disabled().on_signal(signo, |_, _, _| {}),
            reactor.watch().unreferenced().on_signal(signo, |_, _, _| {}),
            ampere_reactor::on_signal(signo, |_, _, _| {}),
        ];
        for got in all {
            assert!(matches!(got, Err(Error::InvalidSignal(s)) if s == signo), "signal {signo}: {got:?}");
        }
        let stream = reactor.block_on(async { ampere_reactor::signal(signo).map(|_| ()) }).unwrap();
        assert!(matches!(stream, Err(Error::InvalidSignal(_))), "signal({signo}): {stream:?}");
    }
    assert_eq!(reactor.info().watchers(), 0);
    tried(5 * invalid_signals().len());
}

/// The C library keeps 32 and 33 for itself (thread cancellation, setxid): no application can
/// catch them, so they are invalid signals too.
pub(crate) fn signals_reserved_by_the_c_library_are_invalid_signal_errors() {
    let reactor = Reactor::new().unwrap();
    for signo in 32..libc::SIGRTMIN() {
        let got = reactor.watch().disabled().on_signal(signo, |_, _, _| {});
        assert!(matches!(got, Err(Error::InvalidSignal(s)) if s == signo), "signal {signo}: {got:?}");
    }
}

/// The signals programs watch in practice: created disabled and cancelled, so nothing is ever
/// delivered.
pub(crate) fn the_common_signals_can_be_watched() {
    let reactor = Reactor::new().unwrap();
    let common = [
        libc::SIGHUP,
        libc::SIGINT,
        libc::SIGQUIT,
        libc::SIGTRAP,
        libc::SIGABRT,
        libc::SIGBUS,
        libc::SIGUSR1,
        libc::SIGUSR2,
        libc::SIGPIPE,
        libc::SIGALRM,
        libc::SIGTERM,
        libc::SIGCHLD,
        libc::SIGCONT,
        libc::SIGTSTP,
        libc::SIGTTIN,
        libc::SIGTTOU,
        libc::SIGURG,
        libc::SIGXCPU,
        libc::SIGXFSZ,
        libc::SIGVTALRM,
        libc::SIGPROF,
        libc::SIGWINCH,
        libc::SIGIO,
        libc::SIGSYS,
    ];
    for signo in common {
        let id = reactor.watch().disabled().on_signal(signo, |_, _, _| {});
        reactor.cancel(id.unwrap_or_else(|e| panic!("signal {signo}: {e}")));
    }
    assert_eq!(reactor.info().watchers(), 0);
    figure("common signals watched", common.len());
    tried(common.len());
}

/// Every signal a process can catch (all but the five forbidden ones and the C library's two)
/// can be watched, the real-time ones included.
pub(crate) fn every_catchable_signal_can_be_watched() {
    let reactor = Reactor::new().unwrap();
    let mut refused = Vec::new();
    for signo in (1..32).chain(libc::SIGRTMIN()..=libc::SIGRTMAX()) {
        if invalid_signals().contains(&signo) {
            continue;
        }
        match reactor.watch().disabled().on_signal(signo, |_, _, _| {}) {
            Ok(id) => reactor.cancel(id),
            Err(e) => refused.push(format!("{signo}: {e}")),
        }
    }
    assert!(refused.is_empty(), "refused: {refused:#?}");
}
