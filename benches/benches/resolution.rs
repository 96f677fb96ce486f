//! Timer resolution: how late a 50 µs, 100 µs, 1 ms and 10 ms timer fires (mean, median, p99,
//! max lateness, and how many fired early), for ampere's `delay`, tokio's `sleep`, async-io's
//! `Timer` and a bare blocking timerfd. A latency measurement, not a throughput one: a plain
//! `main` that prints a markdown table (criterion's harness is not used).
//!
//! The peers take turns sample by sample, so that noise from other processes is shared.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ampere_benches::{quick, selected, Summary, Table, TimerFd};
use ampere_reactor::Reactor;

/// Requests, with how many samples each gets in a full run.
const REQUESTS: [(Duration, usize); 4] = [
    (Duration::from_micros(50), 1_000),
    (Duration::from_micros(100), 1_000),
    (Duration::from_millis(1), 500),
    (Duration::from_millis(10), 100),
];

const PEERS: [&str; 4] = ["ampere", "tokio", "async_io", "bare_timerfd"];

/// Lateness of one sample: elapsed minus the request; `None` if it fired early.
fn late(elapsed: Duration, request: Duration) -> Option<Duration> {
    elapsed.checked_sub(request)
}

fn main() {
    if !selected("resolution") {
        return;
    }
    let reactor = Reactor::new().expect("reactor");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let mut timerfd = TimerFd::new().expect("timerfd");
    let fired = Rc::new(Cell::new(None::<Instant>));

    let table = Table::new(
        "resolution::lateness (µs past the request)",
        &["request", "peer", "samples", "early", "mean", "p50", "p99", "max"],
    );
    for (request, full) in REQUESTS {
        let samples = if quick() { full / 10 } else { full };
        let mut lateness: [Vec<Duration>; 4] = Default::default();
        let mut early = [0usize; 4];
        for _ in 0..samples {
            for (p, peer) in PEERS.iter().enumerate() {
                let elapsed = match *peer {
                    "ampere" => {
                        let f = fired.clone();
                        let t0 = Instant::now();
                        reactor.delay(request, move |_, _| f.set(Some(Instant::now())));
                        reactor.run().expect("run");
                        fired.take().expect("fired") - t0
                    }
                    "tokio" => rt.block_on(async {
                        let t0 = Instant::now();
                        tokio::time::sleep(request).await;
                        t0.elapsed()
                    }),
                    "async_io" => async_io::block_on(async {
                        let t0 = Instant::now();
                        async_io::Timer::after(request).await;
                        t0.elapsed()
                    }),
                    _ => {
                        let t0 = Instant::now();
                        timerfd.sleep(request).expect("timerfd");
                        t0.elapsed()
                    }
                };
                match late(elapsed, request) {
                    Some(l) => lateness[p].push(l),
                    None => early[p] += 1,
                }
            }
        }
        for (p, peer) in PEERS.iter().enumerate() {
            let s = Summary::of(&mut lateness[p]);
            let label = [format!("{request:?}"), (*peer).to_owned(), samples.to_string(), early[p].to_string()];
            let label: Vec<&str> = label.iter().map(String::as_str).collect();
            table.summary_row(&label, &s);
        }
    }
}
