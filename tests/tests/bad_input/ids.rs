//! Stale and foreign watcher and task ids.

use super::*;

pub(crate) fn stale_ids_of_every_kind_are_typed_errors_or_no_ops() {
    let reactor = Reactor::new().unwrap();
    let (a, b) = socket_pair();
    let mut stale: Vec<(WatcherId, &str)> = Vec::new();
    // Cancelled, of every kind.
    let made = [
        (reactor.defer(|_, _| {}), "defer"),
        (reactor.delay(Duration::from_secs(60), |_, _| {}), "delay"),
        (reactor.repeat(Duration::from_secs(60), |_, _| {}), "repeat"),
        (reactor.on_readable(&b, |_, _, _| {}).unwrap(), "readable"),
        (reactor.on_writable(&a, |_, _, _| {}).unwrap(), "writable"),
        (reactor.watch().disabled().on_signal(libc::SIGUSR2, |_, _, _| {}).unwrap(), "signal"),
    ];
    for (id, what) in made {
        reactor.cancel(id);
        stale.push((id, what));
    }
    // Finished one-shots.
    stale.push((reactor.defer(|_, _| {}), "fired defer"));
    stale.push((reactor.delay(Duration::ZERO, |_, _| {}), "fired delay"));
    reactor.run().unwrap();
    // Fresh watchers now sit in the reused slots.
    let fresh: Vec<WatcherId> = (0..stale.len()).map(|_| reactor.delay(Duration::from_secs(60), |_, _| {})).collect();
    for (id, what) in &stale {
        let invalid = |r: ampere_reactor::Result<()>| matches!(r, Err(Error::InvalidWatcher(x)) if x == *id);
        assert!(invalid(reactor.enable(*id)), "enable({what})");
        assert!(invalid(reactor.reference(*id)), "reference({what})");
        assert!(invalid(reactor.is_enabled(*id).map(|_| ())), "is_enabled({what})");
        assert!(invalid(reactor.is_referenced(*id).map(|_| ())), "is_referenced({what})");
        assert!(invalid(reactor.kind(*id).map(|_| ())), "kind({what})");
        assert!(invalid(reactor.created_at(*id).map(|_| ())), "created_at({what})");
        reactor.disable(*id);
        reactor.unreference(*id);
        reactor.cancel(*id);
    }
    for id in &fresh {
        assert!(reactor.is_enabled(*id).unwrap() && reactor.is_referenced(*id).unwrap(), "a stale id reached {id:?}");
        reactor.cancel(*id);
    }
    // The free functions, on the thread's default reactor, with ids it never issued.
    let default_id = ampere_reactor::defer(|_, _| {}).unwrap();
    ampere_reactor::cancel(default_id).unwrap();
    assert!(matches!(ampere_reactor::enable(default_id), Err(Error::InvalidWatcher(_))));
    assert!(matches!(ampere_reactor::reference(default_id), Err(Error::InvalidWatcher(_))));
    ampere_reactor::disable(default_id).unwrap();
    ampere_reactor::unreference(default_id).unwrap();
    tried(9 * stale.len() + 4);
}

pub(crate) fn ids_from_another_reactor_are_invalid_there() {
    let first = Reactor::new().unwrap();
    let second = Reactor::new().unwrap();
    let foreign = first.delay(Duration::from_secs(60), |_, _| {});
    let mine = second.delay(Duration::from_secs(60), |_, _| {});
    second.disable(foreign);
    second.unreference(foreign);
    second.cancel(foreign);
    assert!(matches!(second.enable(foreign), Err(Error::InvalidWatcher(_))), "enable of a foreign id");
    assert!(second.is_enabled(mine).is_ok_and(|e| e), "a foreign id reached {mine:?} ({foreign:?})");
    assert!(first.is_enabled(foreign).unwrap());
}

pub(crate) fn task_ids_from_another_reactor_do_not_abort_its_tasks() {
    let first = Reactor::new().unwrap();
    let second = Reactor::new().unwrap();
    let foreign = first.spawn(pending::<()>());
    let mine = second.spawn(pending::<()>());
    assert!(!second.abort(foreign.id()), "abort of a foreign task id ({:?}) hit {:?}", foreign.id(), mine.id());
    assert!(!mine.is_finished());
}

pub(crate) fn abort_of_finished_and_stale_task_ids_is_false() {
    let reactor = Reactor::new().unwrap();
    let done = reactor.spawn(ready(1));
    let id = done.id();
    assert_eq!(reactor.block_on(done).unwrap(), Ok(1));
    assert!(!reactor.abort(id), "a finished task");
    let aborted = reactor.spawn(pending::<()>());
    let stale = aborted.id();
    assert!(aborted.abort());
    assert!(!aborted.abort(), "twice");
    assert!(!reactor.abort(stale), "an aborted task's id");
    let fresh = reactor.spawn(pending::<()>()); // reuses the slot
    assert!(!reactor.abort(stale), "a stale id never reaches the task in its slot");
    assert!(!fresh.is_finished());
    assert!(fresh.abort());
    tried(4);
}
