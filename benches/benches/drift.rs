//! Repeat drift: a 1 ms periodic timer over 10k periods whose callback keeps the CPU busy for
//! 0 %, 30 % or 120 % of the period. ampere's `repeat` and `interval` against tokio's
//! `interval` and a calloop `Timer` re-armed at its previous deadline plus the period. A plain
//! `main` that prints a markdown table (criterion's harness is not used).
//!
//! From the instants the callbacks start, it reports:
//!
//! - **drift/period**: cumulative drift: how much later against the nominal ticks the last
//!   hundredth of the fires comes than the first hundredth (medians), divided by the periods
//!   in between, in µs. A drift-free timer scores ~0 however late each single fire is; one
//!   that re-arms at "now + period" scores its per-period lateness (as long as the total stays
//!   under half a period; grosser drift shows in the mean gap). A timer that skips missed
//!   periods is not charged for skipping. Meaningless at 120 % busy, where the callback, not
//!   the timer, sets the pace.
//! - **bursts**: fires that come less than half a period after the previous one *and* later
//!   than a tick by more than that gap: catching up, rather than a late fire followed by an
//!   on-time one. With the mean and the shortest gap between fires.
//! - **lateness**: how far past the last nominal tick (`start + k * period`) each fire came.
//!
//! The quick pass runs 300 periods per case instead of 10,000.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ampere_benches::{quick, selected, spin_for, Summary, Table};
use ampere_reactor::Reactor;
use calloop::timer::{TimeoutAction, Timer};
use tokio::time::MissedTickBehavior;

const PERIOD: Duration = Duration::from_millis(1);

/// One peer's run: `(fires, busy time per callback)`.
type RunFn = fn(usize, Duration) -> Run;

/// The fire instants of one run, and the instant the timer was created.
struct Run {
    start: Instant,
    fires: Vec<Instant>,
}

fn ampere_repeat(n: usize, busy: Duration) -> Run {
    let reactor = Reactor::new().expect("reactor");
    let fires = Rc::new(RefCell::new(Vec::with_capacity(n)));
    let f = fires.clone();
    let start = Instant::now();
    reactor.repeat(PERIOD, move |h, id| {
        f.borrow_mut().push(Instant::now());
        spin_for(busy);
        if f.borrow().len() == n {
            h.cancel(id);
        }
    });
    reactor.run().expect("run");
    let fires = fires.take();
    Run { start, fires }
}

fn ampere_interval(n: usize, busy: Duration) -> Run {
    let reactor = Reactor::new().expect("reactor");
    reactor
        .block_on(async {
            let start = Instant::now();
            let mut every = ampere_reactor::interval(PERIOD);
            let mut fires = Vec::with_capacity(n);
            for _ in 0..n {
                every.tick().await;
                fires.push(Instant::now());
                spin_for(busy);
            }
            Run { start, fires }
        })
        .expect("block_on")
}

fn tokio_interval(n: usize, busy: Duration) -> Run {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    rt.block_on(async {
        let start = Instant::now();
        // `interval_at`: the first tick one period from now, as for the others. `Skip`: the
        // default, `Burst`, would catch up on missed ticks in a burst.
        let mut every = tokio::time::interval_at((start + PERIOD).into(), PERIOD);
        every.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut fires = Vec::with_capacity(n);
        for _ in 0..n {
            every.tick().await;
            fires.push(Instant::now());
            spin_for(busy);
        }
        Run { start, fires }
    })
}

fn calloop_timer(n: usize, busy: Duration) -> Run {
    let mut ev: calloop::EventLoop<'static, Vec<Instant>> = calloop::EventLoop::try_new().expect("calloop");
    let mut fires = Vec::with_capacity(n);
    let start = Instant::now();
    ev.handle()
        .insert_source(Timer::from_duration(PERIOD), move |deadline, _, fires: &mut Vec<Instant>| {
            fires.push(Instant::now());
            spin_for(busy);
            if fires.len() == n {
                TimeoutAction::Drop
            } else {
                TimeoutAction::ToInstant(deadline + PERIOD) // drift-free re-arm
            }
        })
        .expect("insert");
    while fires.len() < n {
        ev.dispatch(None, &mut fires).expect("dispatch");
    }
    Run { start, fires }
}

/// What one run shows.
struct Analysis {
    /// Cumulative drift, in µs per period.
    drift_us: f64,
    /// Fires that came right after the previous one instead of at a tick (catching up).
    bursts: usize,
    /// The shortest gap between two fires.
    min_gap: Duration,
    /// Per fire: how far past the last nominal tick it came.
    lateness: Vec<Duration>,
}

/// How far past the last nominal tick (`start + k * period`) `t` is.
fn grid_lateness(start: Instant, t: Instant) -> Duration {
    Duration::from_nanos(((t - start).as_nanos() % PERIOD.as_nanos()) as u64)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn analyse(run: &Run) -> Analysis {
    let p = PERIOD.as_secs_f64();
    let (mut bursts, mut min_gap) = (0, Duration::MAX);
    for w in run.fires.windows(2) {
        let gap = w[1] - w[0];
        min_gap = min_gap.min(gap);
        // A burst fire comes right after the previous one, not at a tick: it is later than a
        // tick by more than the gap. (A late fire followed by a prompt, on-time one is not.)
        if gap < PERIOD / 2 && grid_lateness(run.start, w[1]) >= gap {
            bursts += 1;
        }
    }
    // Cumulative drift: how much later, relative to the ticks, the last hundredth of the run
    // fires than the first hundredth (medians, so that a scheduling hiccup does not count),
    // spread over the periods in between. Valid while the total stays under half a period;
    // grosser drift shows in the mean gap.
    let late: Vec<f64> = run.fires.iter().map(|t| grid_lateness(run.start, *t).as_secs_f64()).collect();
    let k = (late.len() / 100).max(1);
    let (head, tail) = (median(&mut late[..k].to_vec()), median(&mut late[late.len() - k..].to_vec()));
    let span = (run.fires[run.fires.len() - k / 2 - 1] - run.fires[k / 2]).as_secs_f64();
    let drift_us = (tail - head) / (span / p).round() * 1e6;
    let lateness = run.fires.iter().map(|t| grid_lateness(run.start, *t)).collect();
    Analysis { drift_us, bursts, min_gap, lateness }
}

fn main() {
    if !selected("drift") {
        return;
    }
    let n = if quick() { 300 } else { 10_000 };
    let peers: [(&str, RunFn); 4] = [
        ("ampere_repeat", ampere_repeat),
        ("ampere_interval", ampere_interval),
        ("tokio_interval", tokio_interval),
        ("calloop_timer", calloop_timer),
    ];
    let table = Table::new(
        &format!("drift::repeat_1ms ({n} fires; lateness in µs past the last nominal tick)"),
        &[
            "busy",
            "peer",
            "fires",
            "mean gap µs",
            "min gap µs",
            "bursts",
            "drift µs/period",
            "late mean",
            "p50",
            "p99",
            "max",
        ],
    );
    for busy_pct in [0u32, 30, 120] {
        let busy = PERIOD * busy_pct / 100;
        for (name, run) in peers {
            let r = run(n, busy);
            let mut a = analyse(&r);
            let mean_gap = (r.fires[n - 1] - r.fires[0]) / (n as u32 - 1);
            let s = Summary::of(&mut a.lateness);
            // Past 100 % the callback, not the timer, sets the pace: drift means nothing there.
            let drift = if busy_pct < 100 { format!("{:+.3}", a.drift_us) } else { "n/a".to_owned() };
            let cells = [
                format!("{busy_pct}%"),
                name.to_owned(),
                n.to_string(),
                format!("{:.1}", mean_gap.as_secs_f64() * 1e6),
                format!("{:.1}", a.min_gap.as_secs_f64() * 1e6),
                a.bursts.to_string(),
                drift,
            ];
            let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
            table.summary_row(&cells, &s);
        }
    }
}
