//! Virtual time (issue 16): a reactor on a paused clock (`Reactor::builder().paused()`,
//! `#[ampere_reactor::test(paused)]`) jumps to the next deadline when nothing else is ready,
//! moves by hand with `advance`, never fires early, fires in the real clock's order, and still
//! handles real I/O and blocking jobs.

use std::cell::Cell;
use std::future::pending;
use std::io::{Read, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

use ampere_combinators::{timeout, TimedOut};
use ampere_reactor::{sleep, sleep_until, Error, Handle, Reactor};
use ampere_tests::{figure, socket_pair, Log};

/// A generous bound that only catches a paused clock waiting in real time (an hour) or a
/// hang; the work itself takes milliseconds.
const WALL_BOUND: Duration = Duration::from_secs(1);

fn paused() -> Reactor {
    Reactor::builder().paused().build().expect("reactor")
}

#[test]
fn an_hour_of_one_second_sleeps_passes_in_under_a_second_of_wall_time() {
    let reactor = paused();
    let wall = Instant::now();
    let start = reactor.now();
    let h = reactor.handle();
    let woke_at = reactor
        .block_on(async move {
            let mut woke_at = Vec::new();
            for _ in 0..3600 {
                sleep(Duration::from_secs(1)).await;
                woke_at.push(h.now() - start);
            }
            woke_at
        })
        .unwrap();
    let elapsed = wall.elapsed();
    figure("paused_time: 3600 x 1 s sleeps, wall time", format!("{elapsed:?}"));
    // Each wake-up at its deadline exactly: a virtual clock is never early, and never late.
    let expected: Vec<_> = (1..=3600).map(Duration::from_secs).collect();
    assert_eq!(woke_at, expected);
    assert!(elapsed < WALL_BOUND, "an hour of virtual time took {elapsed:?} of wall time");
}

/// A mix of the ways to wait, over 100 `unit`s: a task on absolute deadlines (every 10
/// units), a task on relative sleeps (15, 35, 55, 75, 95), a chain of delay callbacks each
/// arming the next (5, 25, 45), and a repeat cancelled after two ticks (65, 85). Every event is
/// at least 5 units from every other, so that a real-clock run of it, late by a few
/// milliseconds here and there, still fires in the ideal order. Logs `label@units`.
fn workload(reactor: &Reactor, unit: Duration) -> Vec<String> {
    let log = Log::new();
    let h = reactor.handle();
    let start = h.now();
    let units = move |h: &Handle| (h.now() - start).as_nanos() / unit.as_nanos();
    let at = move |n: u32| start + unit * n;

    let (l, hh) = (log.clone(), h.clone());
    let absolute = h.spawn(async move {
        for k in 1..=10 {
            sleep_until(at(10 * k)).await;
            l.push(format!("A{k}@{}", units(&hh)));
        }
    });
    let (l, hh) = (log.clone(), h.clone());
    let relative = h.spawn(async move {
        for (k, d) in [15, 20, 20, 20, 20].into_iter().enumerate() {
            sleep(unit * d).await;
            l.push(format!("B{}@{}", k + 1, units(&hh)));
        }
    });
    let l = log.clone();
    h.delay(unit * 5, move |h, _| {
        l.push(format!("C1@{}", units(h)));
        let l = l.clone();
        h.delay(unit * 20, move |h, _| {
            l.push(format!("C2@{}", units(h)));
            let l = l.clone();
            h.delay(unit * 20, move |h, _| l.push(format!("C3@{}", units(h))));
        });
    });
    let (l, n) = (log.clone(), Cell::new(0));
    h.repeat_after(unit * 65, unit * 20, move |h, id| {
        n.set(n.get() + 1);
        l.push(format!("D{}@{}", n.get(), units(h)));
        if n.get() == 2 {
            h.cancel(id);
        }
    });
    reactor.run().unwrap();
    assert!(absolute.is_finished() && relative.is_finished());
    log.events()
}

/// The labels of a log, in order, without the times.
fn labels(log: &[String]) -> Vec<&str> {
    log.iter().map(|e| e.split('@').next().unwrap()).collect()
}

#[test]
fn mixed_timers_fire_in_the_real_clocks_order_at_their_exact_virtual_deadlines() {
    // 100 units of 36 s: an hour.
    let wall = Instant::now();
    let virtual_log = workload(&paused(), Duration::from_secs(36));
    let elapsed = wall.elapsed();
    figure("paused_time: mixed one-hour workload, wall time", format!("{elapsed:?}"));
    assert!(elapsed < WALL_BOUND, "an hour of virtual time took {elapsed:?} of wall time");

    let real_log = workload(&Reactor::new().unwrap(), Duration::from_millis(3));
    assert_eq!(labels(&virtual_log), labels(&real_log), "virtual {virtual_log:?}\nreal {real_log:?}");

    // And each event at its deadline exactly, in units.
    let expected = [
        "C1@5", "A1@10", "B1@15", "A2@20", "C2@25", "A3@30", "B2@35", "A4@40", "C3@45", "A5@50", "B3@55", "A6@60",
        "D1@65", "A7@70", "B4@75", "A8@80", "D2@85", "A9@90", "B5@95", "A10@100",
    ];
    assert_eq!(virtual_log, expected);
}

#[test]
fn a_thirty_second_timeout_on_a_never_ready_future_times_out_in_virtual_time() {
    let reactor = paused();
    let wall = Instant::now();
    let start = reactor.now();
    let outcome = reactor.block_on(timeout(pending::<()>(), Duration::from_secs(30))).unwrap();
    assert_eq!(outcome, Err(TimedOut));
    assert_eq!(reactor.now() - start, Duration::from_secs(30));
    assert!(wall.elapsed() < WALL_BOUND);
}

#[test]
fn a_timer_is_never_early_and_advance_fires_exactly_what_became_due() {
    let reactor = paused();
    let log = Log::new();
    for s in [1, 2, 3, 10] {
        let l = log.clone();
        reactor.delay(Duration::from_secs(s), move |_, _| l.push(format!("{s}s")));
    }
    let start = reactor.now();
    reactor.advance(Duration::from_secs(3)).unwrap();
    assert_eq!(reactor.now() - start, Duration::from_secs(3), "now shows the advance at once");
    reactor.tick_nowait().unwrap();
    assert_eq!(log.events(), ["1s", "2s", "3s"]);

    reactor.advance(Duration::from_nanos(6_999_999_999)).unwrap(); // 9.999999999 s
    reactor.tick_nowait().unwrap();
    assert_eq!(log.events(), ["1s", "2s", "3s"], "the 10 s timer fired early");
    reactor.advance(Duration::from_nanos(1)).unwrap();
    reactor.tick_nowait().unwrap();
    assert_eq!(log.events(), ["1s", "2s", "3s", "10s"]);
}

#[test]
fn tick_nowait_never_moves_a_paused_clock() {
    let reactor = paused();
    let fired = Rc::new(Cell::new(false));
    let f = fired.clone();
    reactor.delay(Duration::from_secs(1), move |_, _| f.set(true));
    let start = reactor.now();
    for _ in 0..3 {
        reactor.tick_nowait().unwrap();
    }
    assert!(!fired.get());
    assert_eq!(reactor.now(), start);
    reactor.tick().unwrap(); // a blocking tick jumps instead of waiting
    assert!(fired.get());
    assert_eq!(reactor.now() - start, Duration::from_secs(1));
}

#[test]
fn ready_io_is_handled_before_the_clock_jumps_to_a_pending_deadline() {
    const ROUNDS: usize = 50;
    let reactor = paused();
    let start = reactor.now();
    let log = Log::new();
    let l = log.clone();
    reactor.delay(Duration::from_secs(10), move |h, _| l.push(format!("timer@{:?}", h.now() - start)));

    let (client, server) = socket_pair();
    // The server echoes whatever it reads.
    let mut srv = server.try_clone().unwrap();
    let echo = reactor
        .on_readable(&server, move |_, _, _| {
            let mut buf = [0; 64];
            if let Ok(n @ 1..) = srv.read(&mut buf) {
                srv.write_all(&buf[..n]).unwrap();
            }
        })
        .unwrap();
    // The client sends the next byte each time its echo comes back, ROUNDS times, logging the
    // virtual time of each echo: it must not have moved.
    let mut cli = client.try_clone().unwrap();
    let (l, rounds) = (log.clone(), Cell::new(0));
    reactor
        .on_readable(&client, move |h, id, _| {
            let mut buf = [0; 64];
            if let Ok(1..) = cli.read(&mut buf) {
                rounds.set(rounds.get() + 1);
                l.push(format!("echo@{:?}", h.now() - start));
                if rounds.get() == ROUNDS {
                    h.cancel(id);
                    h.cancel(echo);
                } else {
                    cli.write_all(b"x").unwrap();
                }
            }
        })
        .unwrap();
    (&client).write_all(b"x").unwrap();
    let wall = Instant::now();
    reactor.run().unwrap();
    assert!(wall.elapsed() < WALL_BOUND);

    let mut expected = vec!["echo@0ns".to_owned(); ROUNDS];
    expected.push("timer@10s".to_owned());
    assert_eq!(log.events(), expected);
}

#[test]
fn a_blocking_job_in_flight_is_waited_for_in_real_time_not_timed_out() {
    let reactor = paused();
    let start = reactor.now();
    let job = reactor
        .spawn_blocking(|| {
            std::thread::sleep(Duration::from_millis(20));
            7
        })
        .unwrap();
    let outcome = reactor.block_on(timeout(job, Duration::from_secs(30))).unwrap();
    assert_eq!(outcome, Ok(Ok(7)), "the timeout fired while the job was running");
    assert_eq!(reactor.now(), start, "the clock moved while a job was in flight");
}

#[test]
fn advance_on_the_real_clock_is_a_typed_error() {
    let reactor = Reactor::new().unwrap();
    assert!(!reactor.is_paused());
    assert!(matches!(reactor.advance(Duration::from_secs(1)), Err(Error::ClockNotPaused)));
    assert!(paused().is_paused());
}

#[test]
fn deadlines_from_now_and_interval_ticks_are_virtual_instants() {
    let reactor = paused();
    let h = reactor.handle();
    let start = reactor.now();
    let ticks = reactor
        .block_on(async move {
            let nap = sleep(Duration::from_secs(5));
            assert_eq!(nap.deadline(), Some(start + Duration::from_secs(5)));
            nap.await;
            sleep_until(h.now() + Duration::from_secs(5)).await;
            let mut every = ampere_reactor::interval(Duration::from_secs(60));
            let mut ticks = Vec::new();
            for _ in 0..3 {
                ticks.push(every.tick().await - start);
            }
            ticks
        })
        .unwrap();
    let minutes = |m: u64| Duration::from_secs(10 + 60 * m);
    assert_eq!(ticks, [minutes(1), minutes(2), minutes(3)]);
    assert_eq!(reactor.now() - start, minutes(3));
}

#[ampere_reactor::test(paused)]
async fn the_test_attribute_runs_an_hour_long_sleep_on_a_paused_clock() {
    let h = Handle::current().unwrap();
    assert!(h.is_paused());
    let (wall, start) = (Instant::now(), h.now());
    sleep(Duration::from_secs(3600)).await;
    assert_eq!(h.now() - start, Duration::from_secs(3600));
    assert!(wall.elapsed() < WALL_BOUND);
}
