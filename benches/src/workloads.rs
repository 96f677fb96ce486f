//! What the bench files share: the quick-pass settings and the workloads that several files
//! (the Rust peers' and the C peers') must run identically, so that their figures compare.

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode};

use crate::{quick, random_delays, shuffled};

/// The quick pass (`just bench-quick`) gives each case a tenth of a second of warm-up and
/// 0.4 s of measurement, whatever the command line says, so that the whole suite fits in
/// three minutes on two cores; the full run uses criterion's settings.
pub fn tune(g: &mut BenchmarkGroup<'_, WallTime>) {
    if quick() {
        g.warm_up_time(Duration::from_millis(100)).measurement_time(Duration::from_millis(400));
    }
}

/// A group of batch cases (each iteration milliseconds long): [`tune`]d, ten flat samples.
pub fn flat_group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    tune(&mut g);
    g.sampling_mode(SamplingMode::Flat).sample_size(10);
    g
}

/// The peer every Rust bench measures against: tokio's current-thread runtime, timers and
/// I/O enabled.
pub fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
}

/// Callbacks per `defer::dispatch_10k` batch, and hops per `defer::chain_10k` chain.
pub const DEFER_N: u32 = 10_000;

/// Idle fds registered beside the two ends of `io::ping_pong`.
pub const PING_PONG_IDLE: [usize; 2] = [0, 10_000];

/// The numbers of timers of the `timers::*` sweeps (the quick pass stops at 1e5).
pub fn timer_sizes() -> &'static [usize] {
    if quick() {
        &[1_000, 10_000, 100_000]
    } else {
        &[1_000, 10_000, 100_000, 1_000_000]
    }
}

/// Far deadlines for timers that must not fire: 1 s to 2 s from now, in random order.
pub fn far_delays(n: usize) -> Vec<Duration> {
    random_delays(n, Duration::from_secs(1), Duration::from_secs(1), 7)
}

/// Offsets for timers that are about to be fired: within one millisecond of a base instant.
pub fn near_offsets(n: usize) -> Vec<Duration> {
    random_delays(n, Duration::ZERO, Duration::from_millis(1), 11)
}

/// Live timers during `timers::churn_100k_live`.
pub const CHURN_LIVE: usize = 100_000;

/// The timeout armed and cancelled by each churn iteration.
pub const CHURN_TIMEOUT: Duration = Duration::from_millis(1500);

/// The idle timeout of `timers::reset`: each reset moves a timer this far from now, later
/// than every deadline armed before (the timers start 1 s to 2 s out, [`far_delays`]).
pub const RESET_TIMEOUT: Duration = Duration::from_secs(30);

/// The numbers of pre-created timers of `timers::reset` (the quick pass stops at 1e5).
pub fn reset_sizes() -> &'static [usize] {
    timer_sizes()
}

/// The order in which `timers::reset` and `timers::start_precreated` visit their timers: a
/// random permutation (the connections of a server see requests in no particular order).
pub fn reset_order(n: usize) -> Vec<usize> {
    shuffled(n, 17)
}

/// Pre-created timers started by `timers::start_precreated`.
pub const START_N: usize = 10_000;

/// Live timers beside the one armed and cancelled by `timers::arm_cancel_churn`.
pub const ARM_CANCEL_LIVE: usize = 10_000;
