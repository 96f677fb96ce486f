//! Signal watchers. Signal dispositions are process-wide, so these cases run one after
//! another from `main` (`harness = false`), never in parallel with each other.

use std::cell::Cell;
use std::process::Command;
use std::rc::Rc;

use ampere_reactor::{Error, Reactor};
use signal_hook::low_level::raise;

fn several_watchers_each_run_once_per_delivery() {
    let reactor = Reactor::new().unwrap();
    let hits = Rc::new(Cell::new(0));
    let mut ids = Vec::new();
    for _ in 0..3 {
        let hits = hits.clone();
        ids.push(
            reactor
                .on_signal(libc::SIGUSR1, move |_, _, signo| {
                    assert_eq!(signo, libc::SIGUSR1);
                    hits.set(hits.get() + 1);
                })
                .unwrap(),
        );
    }
    raise(libc::SIGUSR1).unwrap();
    while hits.get() < 3 {
        reactor.tick().unwrap();
    }
    // Give a duplicate delivery every chance to show up: tick until a 20 ms timer fires.
    let done = Rc::new(Cell::new(false));
    let d = done.clone();
    reactor.delay(std::time::Duration::from_millis(20), move |_, _| d.set(true));
    while !done.get() {
        reactor.tick().unwrap();
    }
    assert_eq!(hits.get(), 3, "each watcher ran exactly once");
    for id in ids {
        reactor.cancel(id);
    }
}

fn uncatchable_and_invalid_signals_are_typed_errors() {
    let reactor = Reactor::new().unwrap();
    for signo in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, -1, 1000] {
        match reactor.on_signal(signo, |_, _, _| {}) {
            Err(Error::InvalidSignal(s)) => assert_eq!(s, signo),
            other => panic!("signal {signo}: expected InvalidSignal, got {other:?}"),
        }
    }
    assert_eq!(reactor.info().watchers(), 0, "nothing is left behind");
}

fn disabled_signal_watcher_does_not_run() {
    let reactor = Reactor::new().unwrap();
    let hits = Rc::new(Cell::new(0));
    let h = hits.clone();
    let id = reactor.on_signal(libc::SIGUSR2, move |_, _, _| h.set(h.get() + 1)).unwrap();
    let h = hits.clone();
    let witness = reactor.on_signal(libc::SIGUSR2, move |_, _, _| h.set(h.get() + 10)).unwrap();
    reactor.disable(id);
    raise(libc::SIGUSR2).unwrap();
    while hits.get() == 0 {
        reactor.tick().unwrap();
    }
    assert_eq!(hits.get(), 10, "only the enabled watcher ran");
    reactor.cancel(id);
    reactor.cancel(witness);
}

/// In a child process: watch SIGTERM, cancel the watcher, raise SIGTERM. The child must die
/// by the signal, as it would have without ever watching it.
fn child_restore_default() {
    let reactor = Reactor::new().unwrap();
    let id = reactor.on_signal(libc::SIGTERM, |_, _, _| {}).unwrap();
    reactor.cancel(id);
    raise(libc::SIGTERM).unwrap();
    // Still alive: the default action was not restored.
    std::process::exit(0);
}

fn cancelling_the_last_watcher_restores_the_default_action() {
    let exe = std::env::current_exe().unwrap();
    let status = Command::new(exe).env("AMPERE_SIGNALS_CHILD", "restore_default").status().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGTERM), "the child died of SIGTERM: {status:?}");
}

fn signal_stream_delivers_to_a_task() {
    let reactor = Reactor::new().unwrap();
    let got = reactor
        .block_on(async {
            let mut usr1 = ampere_reactor::signal(libc::SIGUSR1).unwrap();
            raise(libc::SIGUSR1).unwrap();
            let first = usr1.recv().await;
            raise(libc::SIGUSR1).unwrap();
            let second = usr1.recv().await;
            (first, second)
        })
        .unwrap();
    assert_eq!(got, (libc::SIGUSR1, libc::SIGUSR1));
    assert_eq!(reactor.info().watchers(), 0, "dropping the stream cancelled its watcher");
}

/// `ctrl_c()` completes on a SIGINT delivered after it started waiting, and then gives the
/// signal back (no watcher left).
fn ctrl_c_completes_on_the_next_sigint() {
    let reactor = Reactor::new().unwrap();
    reactor
        .block_on(async {
            let waiting = ampere_reactor::spawn(ampere_reactor::ctrl_c());
            ampere_reactor::sleep(std::time::Duration::from_millis(1)).await; // it is waiting now
            raise(libc::SIGINT).unwrap();
            waiting.await.unwrap().unwrap();
        })
        .unwrap();
    assert_eq!(reactor.info().watchers(), 0, "the SIGINT watcher is gone");
}

/// Named signals work wherever a raw number does, with no `libc` in sight.
fn named_signals_are_accepted_by_signal_and_on_signal() {
    use ampere_reactor::Signal;
    let reactor = Reactor::new().unwrap();
    let seen = Rc::new(Cell::new(0));
    let s = Rc::clone(&seen);
    reactor
        .on_signal(Signal::User2, move |h, id, signo| {
            s.set(signo);
            h.cancel(id);
        })
        .unwrap();
    let got = reactor
        .block_on(async {
            let mut usr1 = ampere_reactor::signal(Signal::User1).unwrap();
            raise(Signal::User1.as_raw()).unwrap();
            raise(Signal::User2.as_raw()).unwrap();
            Signal::try_from(usr1.recv().await).unwrap()
        })
        .unwrap();
    reactor.run().unwrap();
    assert_eq!((got, seen.get()), (Signal::User1, libc::SIGUSR2));
}

/// A signal handled on another thread while the reactor blocks in the poll: the self-pipe
/// wakes the poll and the delivery arrives.
fn a_signal_from_another_thread_wakes_a_blocked_poll() {
    let reactor = Reactor::new().unwrap();
    let hits = Rc::new(Cell::new(0));
    let h = hits.clone();
    let id = reactor
        .on_signal(libc::SIGUSR2, move |handle, _, _| {
            h.set(h.get() + 1);
            handle.stop();
        })
        .unwrap();
    let sender = std::thread::spawn(|| {
        std::thread::sleep(std::time::Duration::from_millis(20));
        raise(libc::SIGUSR2).unwrap();
    });
    reactor.run().unwrap();
    sender.join().unwrap();
    assert_eq!(hits.get(), 1);
    reactor.cancel(id);
}

/// `Shutdown::trigger_on_signal` (issue 16): the signal triggers it, and either way the
/// trigger ends the listening task, so the signal's watcher is gone (its default action back).
fn shutdown_triggers_on_a_signal_and_then_stops_catching_it() {
    let reactor = Reactor::new().unwrap();
    let by_signal = ampere_reactor::Shutdown::new();
    reactor
        .block_on(async {
            by_signal.trigger_on_signal(libc::SIGUSR1)?;
            raise(libc::SIGUSR1)?;
            by_signal.triggered().await;
            Ok::<(), Error>(())
        })
        .unwrap()
        .unwrap();
    let by_hand = ampere_reactor::Shutdown::new();
    reactor.block_on(async { by_hand.trigger_on_signal(libc::SIGUSR2) }).unwrap().unwrap();
    assert_eq!(reactor.info().watchers(), 1, "listening for SIGUSR2");
    by_hand.trigger();
    reactor.run().unwrap(); // returns: the listener ended, nothing is left
    assert_eq!(reactor.info().watchers(), 0);
}

fn main() {
    if let Ok(which) = std::env::var("AMPERE_SIGNALS_CHILD") {
        match which.as_str() {
            "restore_default" => child_restore_default(),
            other => panic!("unknown child mode {other}"),
        }
        return;
    }
    let cases: &[(&str, fn())] = &[
        ("several_watchers_each_run_once_per_delivery", several_watchers_each_run_once_per_delivery),
        ("uncatchable_and_invalid_signals_are_typed_errors", uncatchable_and_invalid_signals_are_typed_errors),
        ("disabled_signal_watcher_does_not_run", disabled_signal_watcher_does_not_run),
        (
            "cancelling_the_last_watcher_restores_the_default_action",
            cancelling_the_last_watcher_restores_the_default_action,
        ),
        ("signal_stream_delivers_to_a_task", signal_stream_delivers_to_a_task),
        ("ctrl_c_completes_on_the_next_sigint", ctrl_c_completes_on_the_next_sigint),
        ("named_signals_are_accepted_by_signal_and_on_signal", named_signals_are_accepted_by_signal_and_on_signal),
        ("a_signal_from_another_thread_wakes_a_blocked_poll", a_signal_from_another_thread_wakes_a_blocked_poll),
        (
            "shutdown_triggers_on_a_signal_and_then_stops_catching_it",
            shutdown_triggers_on_a_signal_and_then_stops_catching_it,
        ),
    ];
    for (name, case) in cases {
        print!("test {name} ... ");
        case();
        println!("ok");
    }
    println!("\n{} passed, 0 failed", cases.len());
}
