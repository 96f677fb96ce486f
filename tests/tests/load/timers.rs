//! A million timers alive at once.

use super::*;

pub(crate) fn a_million_timers_alive_at_once_each_fire_once_and_never_early() {
    let n = scaled(1_000_000, 4_000_000, 100_000);
    let reactor = Reactor::new().unwrap();
    let rss_before = status_kib("VmRSS");
    let fired: Rc<RefCell<Vec<bool>>> = Rc::new(RefCell::new(vec![false; n]));
    let count = Counter::new();
    let started = Instant::now();
    for i in 0..n {
        // Deadlines spread over 2 ms, in an order unrelated to creation.
        let after = Duration::from_millis(20) + Duration::from_micros(((i * 7919) % 2000) as u64);
        let created = Instant::now();
        let (f, c) = (Rc::clone(&fired), count.clone());
        reactor.delay(after, move |_, _| {
            assert!(created.elapsed() >= after, "timer {i} fired early");
            let mut f = f.borrow_mut();
            assert!(!f[i], "timer {i} fired twice");
            f[i] = true;
            c.bump();
        });
    }
    let create_time = started.elapsed();
    let info = reactor.info();
    assert_eq!(info.of(ampere_reactor::WatcherKind::Delay).enabled, n, "all alive at once");
    assert_eq!(info.timer_heap_len, n);
    let rss_alive = status_kib("VmRSS");
    let fire_start = Instant::now();
    reactor.run().unwrap();
    let fire_time = fire_start.elapsed();
    assert_eq!(count.get(), n, "every timer fired");
    assert!(fired.borrow().iter().all(|f| *f));
    let info = reactor.info();
    assert_eq!((info.watchers(), info.timer_heap_len), (0, 0), "nothing left behind");
    figure("timers alive at once", n);
    figure(
        "creation time",
        format!("{create_time:.2?} ({:.0} ns per timer)", create_time.as_nanos() as f64 / n as f64),
    );
    figure("time to fire them all", format!("{fire_time:.2?} in {} ticks", info.ticks));
    figure(
        "resident memory while alive",
        format!(
            "+{} KiB ({} bytes per timer)",
            rss_alive.saturating_sub(rss_before),
            rss_alive.saturating_sub(rss_before) * 1024 / n as u64
        ),
    );
}
