//! The random orders and delays the benchmarks draw from the shared seeded RNG.

use std::time::Duration;

pub use ampere_testkit::Rng;

/// `0..n` in a seeded random order: the order in which timers are cancelled.
pub fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    Rng::new(seed).shuffle(&mut v);
    v
}

/// `n` durations in `[base, base + spread)`, seeded: timer deadlines in random order.
pub fn random_delays(n: usize, base: Duration, spread: Duration, seed: u64) -> Vec<Duration> {
    let mut rng = Rng::new(seed);
    let spread_ns = spread.as_nanos().max(1) as u64;
    (0..n).map(|_| base + Duration::from_nanos(rng.next_u64() % spread_ns)).collect()
}
