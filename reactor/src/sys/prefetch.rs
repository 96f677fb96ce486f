//! A cache prefetch hint: asks the CPU to start loading a value's cache line while other work
//! goes on, so that a later read of it does not stall on main memory.
//!
//! The timer queue's pop uses it on the next level of the heap: with a million pending timers
//! the heap is far larger than the caches, and starting the next level's loads while this
//! level is compared overlaps misses that would otherwise be paid one after the other.
//!
//! A hint only: it never faults (the address comes from a reference anyway), never changes
//! what any read returns, and compiles to nothing on targets without the instruction.

/// Hints that `value` will be read soon.
#[inline(always)]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` requires SSE, which every x86_64 CPU has (it is part of the
    // x86_64 baseline); a prefetch has no memory effect and the pointer comes from a live
    // reference, so nothing is read or written through it.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
