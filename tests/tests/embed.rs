//! Driving ampere from another event loop (issue 15): a host loop of its own (a mio `Poll`,
//! edge-triggered, the hardest case) waits on the reactor's fd with `next_timeout`, then
//! calls `tick_nowait`.

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::time::Duration;

use ampere_reactor::{sleep, Reactor};
use ampere_tests::{returns_in_time, socket_pair, Log};
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

const REACTOR: Token = Token(0);
const HOST_OWN: Token = Token(1);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A host poll that watches the reactor's fd.
fn host_of(reactor: &Reactor) -> Poll {
    let host = Poll::new().unwrap();
    host.registry().register(&mut SourceFd(&reactor.as_raw_fd()), REACTOR, Interest::READABLE).unwrap();
    host
}

#[test]
fn a_host_loop_drives_timers_tasks_fd_watchers_and_blocking_jobs_to_the_end() {
    let (log, rounds) = returns_in_time(|| {
        let reactor = Reactor::new().unwrap();
        let log = Log::new();
        // The host's own source, written by an ampere timer.
        let (mut host_end, ampere_end) = socket_pair();
        let mut host = host_of(&reactor);
        host.registry().register(&mut SourceFd(&host_end.as_raw_fd()), HOST_OWN, Interest::READABLE).unwrap();
        let l = log.clone();
        reactor.delay(ms(3), move |_, _| {
            (&ampere_end).write_all(b"!").unwrap();
            l.push("timer");
        });
        // A level-triggered watcher that reads one byte per tick: the level outlives the
        // edge the host saw, and the host must still come back for the rest.
        let (reader, mut writer) = socket_pair();
        writer.write_all(b"abc").unwrap();
        let l = log.clone();
        let read_end = reader.try_clone().unwrap();
        reactor
            .on_readable(&reader, move |h, id, _| {
                let mut byte = [0];
                (&read_end).read_exact(&mut byte).unwrap();
                l.push(format!("byte {}", byte[0] as char));
                if byte[0] == b'c' {
                    h.cancel(id);
                }
            })
            .unwrap();
        // A task woken by a sleep, then by a job on another thread.
        let l = log.clone();
        let h = reactor.handle();
        drop(reactor.spawn(async move {
            sleep(ms(1)).await;
            let job = h.spawn_blocking(|| std::thread::sleep(ms(2))).unwrap();
            job.await.unwrap();
            l.push("task");
        }));
        let mut events = Events::with_capacity(8);
        let mut rounds = 0;
        while reactor.is_alive() {
            rounds += 1;
            host.poll(&mut events, reactor.next_timeout().unwrap()).unwrap();
            for event in events.iter() {
                if event.token() == HOST_OWN {
                    let mut buf = [0; 8];
                    let n = host_end.read(&mut buf).unwrap();
                    log.push(format!("host read {n}"));
                }
            }
            reactor.tick_nowait().unwrap();
        }
        (log.events(), rounds)
    });
    for event in ["byte a", "byte b", "byte c", "timer", "host read 1", "task"] {
        assert!(log.contains(&event.to_owned()), "{event} missing from {log:?}");
    }
    let bytes: Vec<_> = log.iter().filter(|e| e.starts_with("byte")).collect();
    assert_eq!(bytes, ["byte a", "byte b", "byte c"]);
    assert!(rounds < 200, "the host loop spun: {rounds} rounds");
}

#[test]
fn the_reactor_fd_becomes_readable_when_a_timer_is_due() {
    let fired = returns_in_time(|| {
        let reactor = Reactor::new().unwrap();
        let fired = Log::new();
        let f = fired.clone();
        reactor.delay(ms(3), move |_, _| f.push("fired"));
        let mut host = host_of(&reactor);
        let mut events = Events::with_capacity(8);
        assert!(reactor.next_timeout().unwrap().is_some_and(|t| t <= ms(3)));
        // No timeout: only the fd can end this wait.
        host.poll(&mut events, None).unwrap();
        assert!(events.iter().any(|e| e.token() == REACTOR));
        reactor.tick_nowait().unwrap();
        fired.events()
    });
    assert_eq!(fired, ["fired"]);
}

#[test]
fn the_reactor_fd_becomes_readable_when_another_thread_wakes_a_task() {
    returns_in_time(|| {
        let reactor = Reactor::new().unwrap();
        let job = reactor.spawn(async { ampere_reactor::spawn_blocking(|| std::thread::sleep(ms(2))).unwrap().await });
        reactor.tick_nowait().unwrap(); // the task starts its job and waits
        let mut host = host_of(&reactor);
        let mut events = Events::with_capacity(8);
        while !job.is_finished() {
            host.poll(&mut events, reactor.next_timeout().unwrap()).unwrap();
            reactor.tick_nowait().unwrap();
        }
    });
}

#[test]
fn next_timeout_tells_queued_work_a_pending_timer_and_nothing_apart() {
    let reactor = Reactor::new().unwrap();
    assert_eq!(reactor.next_timeout().unwrap(), None, "nothing registered");
    let parked = reactor.watch().disabled().defer(|_, _| {});
    assert_eq!(reactor.next_timeout().unwrap(), None, "nothing could become due");
    reactor.enable(parked).unwrap();
    assert_eq!(reactor.next_timeout().unwrap(), Some(Duration::ZERO), "a queued defer");
    reactor.tick_nowait().unwrap();
    let timer = reactor.watch().unreferenced().delay(Duration::from_secs(60), |_, _| {});
    let wait = reactor.next_timeout().unwrap().expect("an unreferenced timer still counts");
    assert!(wait > Duration::from_secs(59) && wait <= Duration::from_secs(60), "{wait:?}");
    reactor.cancel(timer);
    assert_eq!(reactor.next_timeout().unwrap(), None);
}

#[test]
fn next_timeout_is_zero_while_a_level_triggered_fd_may_still_be_ready() {
    let (reader, mut writer) = socket_pair();
    let reactor = Reactor::new().unwrap();
    writer.write_all(b"xy").unwrap();
    let read_end = reader.try_clone().unwrap();
    reactor
        .on_readable(&reader, move |_, _, _| {
            (&read_end).read_exact(&mut [0]).unwrap(); // one byte per tick: the level stays
        })
        .unwrap();
    reactor.tick_nowait().unwrap(); // the watcher was created in this tick's turn: not yet
    reactor.tick_nowait().unwrap(); // reads "x"
    assert_eq!(reactor.next_timeout().unwrap(), Some(Duration::ZERO), "y is still there");
    reactor.tick_nowait().unwrap(); // reads "y"
    reactor.tick_nowait().unwrap(); // nothing ready any more
    assert_ne!(reactor.next_timeout().unwrap(), Some(Duration::ZERO));
}
