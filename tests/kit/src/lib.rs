//! Fixtures shared by every test binary of the workspace (the reactor's unit tests, the
//! integration tests in `tests/`, the benchmarks): one seeded random number generator, so
//! that a failing random sequence is reproduced from its seed alone, wherever it ran.
//!
//! It depends on nothing, so the reactor can take it as a dev-dependency without a cycle.
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]

/// A seeded xorshift64* generator: reproducible random sequences without the `rand` crate.
/// Print the seed of a failing sequence and the same sequence runs again.
///
/// # Examples
///
/// ```
/// use ampere_testkit::Rng;
///
/// let (mut a, mut b) = (Rng::new(7), Rng::new(7));
/// assert_eq!(a.below(1000), b.below(1000));
/// let mut v = vec![1, 2, 3, 4];
/// a.shuffle(&mut v);
/// v.sort();
/// assert_eq!(v, [1, 2, 3, 4]);
/// ```
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value, zero included).
    pub fn new(seed: u64) -> Rng {
        // Spread small seeds over the state and keep it non-zero (xorshift's one fixed point).
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03 | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`). The modulo bias is irrelevant at test sizes.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// Shuffles `items` in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}
