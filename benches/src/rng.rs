//! A seeded RNG and the random orders and delays drawn from it.

use std::time::Duration;

/// A small, seeded xorshift64* generator: the same sequence on every run and machine.
///
/// # Examples
///
/// ```
/// let mut a = ampere_benches::Rng::new(7);
/// let mut b = ampere_benches::Rng::new(7);
/// assert_eq!(a.below(1000), b.below(1000));
/// ```
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (0 is replaced by a fixed odd constant).
    pub fn new(seed: u64) -> Rng {
        Rng(if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`); the modulo bias is irrelevant at benchmark sizes.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Shuffles `items` in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

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
    (0..n).map(|_| base + Duration::from_nanos(rng.below(spread_ns))).collect()
}
