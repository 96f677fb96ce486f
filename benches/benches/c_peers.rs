//! The C reactors beside ampere: libuv and libev run the workloads of `defer.rs`,
//! `timers.rs`, `timer_reset.rs` and `io.rs` (ping-pong) through the C shim in `benches/c/`, under the same
//! criterion group names and parameters, as the functions `libuv` and `libev`. Built only
//! with the `c-peers` feature: `just bench-c` installs Debian's `libuv1-dev` and `libev-dev`
//! when missing and runs every bench, so ampere and the C peers share the session.
//!
//! Each C function runs `iters` batches and returns the nanoseconds of the timed part only
//! (`clock_gettime(CLOCK_MONOTONIC)`, what `Instant` reads), which `iter_custom` hands to
//! criterion: the same split between timed work and setup as the Rust benches make. The C
//! files say, workload by workload, how each mirrors its Rust counterpart.

use std::ffi::c_void;
use std::ptr::NonNull;
use std::time::Duration;

use ampere_benches::{
    far_delays, flat_group, near_offsets, raise_fd_limit, reset_order, reset_sizes, shuffled, timer_sizes as sizes,
    tune, ARM_CANCEL_LIVE, CHURN_LIVE as LIVE, CHURN_TIMEOUT as TIMEOUT, DEFER_N, PING_PONG_IDLE as IDLE,
    RESET_TIMEOUT, START_N,
};
use criterion::{BenchmarkId, Criterion, Throughput};

/// A shim function that creates a context (a loop and its watchers); it aborts on failure.
type NewFn = unsafe extern "C" fn() -> *mut c_void;
/// A shim function that creates a context sized by its argument.
type NewNFn = unsafe extern "C" fn(usize) -> *mut c_void;
/// A shim function that frees a context.
type FreeFn = unsafe extern "C" fn(*mut c_void);

extern "C" {
    fn shim_uv_defer_new() -> *mut c_void;
    fn shim_uv_defer_dispatch(ctx: *mut c_void, n: u32, iters: u64) -> u64;
    fn shim_uv_defer_chain(ctx: *mut c_void, n: u32, iters: u64) -> u64;
    fn shim_uv_defer_free(ctx: *mut c_void);
    fn shim_uv_timers_new(cap: usize) -> *mut c_void;
    fn shim_uv_timers_arm(ctx: *mut c_void, delay_ns: *const u64, n: usize);
    fn shim_uv_timers_stop_all(ctx: *mut c_void);
    fn shim_uv_timers_insert(ctx: *mut c_void, delay_ns: *const u64, n: usize, iters: u64) -> u64;
    fn shim_uv_timers_cancel(ctx: *mut c_void, delay_ns: *const u64, order: *const usize, n: usize, iters: u64) -> u64;
    fn shim_uv_timers_fire(ctx: *mut c_void, offset_ns: *const u64, n: usize, iters: u64) -> u64;
    fn shim_uv_timers_churn(ctx: *mut c_void, slot: usize, timeout_ns: u64, iters: u64) -> u64;
    fn shim_uv_timers_reset(ctx: *mut c_void, order: *const usize, n: usize, delay_ns: u64, iters: u64) -> u64;
    fn shim_uv_timers_start(ctx: *mut c_void, delay_ns: *const u64, order: *const usize, n: usize, iters: u64) -> u64;
    fn shim_uv_timers_free(ctx: *mut c_void);
    fn shim_uv_pp_new(idle: usize) -> *mut c_void;
    fn shim_uv_pp_run(ctx: *mut c_void, iters: u64) -> u64;
    fn shim_uv_pp_free(ctx: *mut c_void);

    fn shim_ev_defer_new() -> *mut c_void;
    fn shim_ev_defer_dispatch(ctx: *mut c_void, n: u32, iters: u64) -> u64;
    fn shim_ev_defer_chain(ctx: *mut c_void, n: u32, iters: u64) -> u64;
    fn shim_ev_defer_free(ctx: *mut c_void);
    fn shim_ev_timers_new(cap: usize) -> *mut c_void;
    fn shim_ev_timers_arm(ctx: *mut c_void, delay_ns: *const u64, n: usize);
    fn shim_ev_timers_stop_all(ctx: *mut c_void);
    fn shim_ev_timers_insert(ctx: *mut c_void, delay_ns: *const u64, n: usize, iters: u64) -> u64;
    fn shim_ev_timers_cancel(ctx: *mut c_void, delay_ns: *const u64, order: *const usize, n: usize, iters: u64) -> u64;
    fn shim_ev_timers_fire(ctx: *mut c_void, offset_ns: *const u64, n: usize, iters: u64) -> u64;
    fn shim_ev_timers_churn(ctx: *mut c_void, slot: usize, timeout_ns: u64, iters: u64) -> u64;
    fn shim_ev_timers_reset(ctx: *mut c_void, order: *const usize, n: usize, delay_ns: u64, iters: u64) -> u64;
    fn shim_ev_timers_start(ctx: *mut c_void, delay_ns: *const u64, order: *const usize, n: usize, iters: u64) -> u64;
    fn shim_ev_timers_free(ctx: *mut c_void);
    fn shim_ev_pp_new(idle: usize) -> *mut c_void;
    fn shim_ev_pp_run(ctx: *mut c_void, iters: u64) -> u64;
    fn shim_ev_pp_free(ctx: *mut c_void);
}

/// One C reactor: its name in the reports and its shim's entry points.
struct Peer {
    name: &'static str,
    defer_new: NewFn,
    defer_dispatch: unsafe extern "C" fn(*mut c_void, u32, u64) -> u64,
    defer_chain: unsafe extern "C" fn(*mut c_void, u32, u64) -> u64,
    defer_free: FreeFn,
    timers_new: NewNFn,
    timers_arm: unsafe extern "C" fn(*mut c_void, *const u64, usize),
    timers_stop_all: unsafe extern "C" fn(*mut c_void),
    timers_insert: unsafe extern "C" fn(*mut c_void, *const u64, usize, u64) -> u64,
    timers_cancel: unsafe extern "C" fn(*mut c_void, *const u64, *const usize, usize, u64) -> u64,
    timers_fire: unsafe extern "C" fn(*mut c_void, *const u64, usize, u64) -> u64,
    timers_churn: unsafe extern "C" fn(*mut c_void, usize, u64, u64) -> u64,
    timers_reset: unsafe extern "C" fn(*mut c_void, *const usize, usize, u64, u64) -> u64,
    timers_start: unsafe extern "C" fn(*mut c_void, *const u64, *const usize, usize, u64) -> u64,
    timers_free: FreeFn,
    pp_new: NewNFn,
    pp_run: unsafe extern "C" fn(*mut c_void, u64) -> u64,
    pp_free: FreeFn,
}

const PEERS: [Peer; 2] = [
    Peer {
        name: "libuv",
        defer_new: shim_uv_defer_new,
        defer_dispatch: shim_uv_defer_dispatch,
        defer_chain: shim_uv_defer_chain,
        defer_free: shim_uv_defer_free,
        timers_new: shim_uv_timers_new,
        timers_arm: shim_uv_timers_arm,
        timers_stop_all: shim_uv_timers_stop_all,
        timers_insert: shim_uv_timers_insert,
        timers_cancel: shim_uv_timers_cancel,
        timers_fire: shim_uv_timers_fire,
        timers_churn: shim_uv_timers_churn,
        timers_reset: shim_uv_timers_reset,
        timers_start: shim_uv_timers_start,
        timers_free: shim_uv_timers_free,
        pp_new: shim_uv_pp_new,
        pp_run: shim_uv_pp_run,
        pp_free: shim_uv_pp_free,
    },
    Peer {
        name: "libev",
        defer_new: shim_ev_defer_new,
        defer_dispatch: shim_ev_defer_dispatch,
        defer_chain: shim_ev_defer_chain,
        defer_free: shim_ev_defer_free,
        timers_new: shim_ev_timers_new,
        timers_arm: shim_ev_timers_arm,
        timers_stop_all: shim_ev_timers_stop_all,
        timers_insert: shim_ev_timers_insert,
        timers_cancel: shim_ev_timers_cancel,
        timers_fire: shim_ev_timers_fire,
        timers_churn: shim_ev_timers_churn,
        timers_reset: shim_ev_timers_reset,
        timers_start: shim_ev_timers_start,
        timers_free: shim_ev_timers_free,
        pp_new: shim_ev_pp_new,
        pp_run: shim_ev_pp_run,
        pp_free: shim_ev_pp_free,
    },
];

/// A context made by one of a peer's `*_new` functions, freed by the matching `*_free`.
struct Ctx {
    ptr: NonNull<c_void>,
    free: FreeFn,
}

impl Ctx {
    fn new(ptr: *mut c_void, free: FreeFn) -> Ctx {
        Ctx { ptr: NonNull::new(ptr).expect("the C shim returned no context"), free }
    }

    fn ptr(&self) -> *mut c_void {
        self.ptr.as_ptr()
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from the `*_new` function that `free` matches, and is freed
        // only here, once.
        unsafe { (self.free)(self.ptr.as_ptr()) }
    }
}

/// A defer workload of a peer: `(ctx, n, iters)` to timed nanoseconds.
type DeferRun = unsafe extern "C" fn(*mut c_void, u32, u64) -> u64;

fn defer(c: &mut Criterion) {
    for (group, chain) in [("defer::dispatch_10k", false), ("defer::chain_10k", true)] {
        let mut g = c.benchmark_group(group);
        tune(&mut g);
        g.sample_size(20); // defer.rs's setting
        g.throughput(Throughput::Elements(DEFER_N.into()));
        for peer in &PEERS {
            // SAFETY: the `*_new` functions take no arguments and return a fresh context.
            let ctx = Ctx::new(unsafe { (peer.defer_new)() }, peer.defer_free);
            let run: DeferRun = if chain { peer.defer_chain } else { peer.defer_dispatch };
            g.bench_function(peer.name, |b| {
                b.iter_custom(|iters| {
                    // SAFETY: `ctx` is a live defer context of this peer.
                    let ns = unsafe { run(ctx.ptr(), DEFER_N, iters) };
                    Duration::from_nanos(ns)
                })
            });
        }
        g.finish();
    }
}

/// Nanoseconds, as the shim takes delays.
fn nanos(v: &[Duration]) -> Vec<u64> {
    v.iter().map(|d| d.as_nanos() as u64).collect()
}

/// timers.rs's far deadlines: 1 s to 2 s from now, in random order (the same seed).
fn far(n: usize) -> Vec<u64> {
    nanos(&far_delays(n))
}

/// timers.rs's offsets for timers about to be fired: within one millisecond (the same seed).
fn near(n: usize) -> Vec<u64> {
    nanos(&near_offsets(n))
}

/// timers.rs's group settings: flat sampling, 10 samples.

fn timers(c: &mut Criterion) {
    let mut g = flat_group(c, "timers::insert");
    for &n in sizes() {
        g.throughput(Throughput::Elements(n as u64));
        let delays = far(n);
        for peer in &PEERS {
            // SAFETY: any capacity is valid; the shim allocates `n` timers.
            let ctx = Ctx::new(unsafe { (peer.timers_new)(n) }, peer.timers_free);
            g.bench_with_input(BenchmarkId::new(peer.name, n), &delays, |b, delays| {
                b.iter_custom(|iters| {
                    // SAFETY: `delays` holds `n` values; the context has `n` timers.
                    let ns = unsafe { (peer.timers_insert)(ctx.ptr(), delays.as_ptr(), n, iters) };
                    Duration::from_nanos(ns)
                })
            });
        }
    }
    g.finish();

    let mut g = flat_group(c, "timers::cancel");
    for &n in sizes() {
        g.throughput(Throughput::Elements(n as u64));
        let delays = far(n);
        let order = shuffled(n, 13); // timers.rs's cancel order
        for peer in &PEERS {
            // SAFETY: any capacity is valid; the shim allocates `n` timers.
            let ctx = Ctx::new(unsafe { (peer.timers_new)(n) }, peer.timers_free);
            g.bench_with_input(BenchmarkId::new(peer.name, n), &delays, |b, delays| {
                b.iter_custom(|iters| {
                    // SAFETY: `delays` and `order` hold `n` values, `order` a permutation of
                    // `0..n`; the context has `n` timers.
                    let ns = unsafe { (peer.timers_cancel)(ctx.ptr(), delays.as_ptr(), order.as_ptr(), n, iters) };
                    Duration::from_nanos(ns)
                })
            });
        }
    }
    g.finish();

    let mut g = flat_group(c, "timers::fire");
    for &n in sizes() {
        g.throughput(Throughput::Elements(n as u64));
        let offsets = near(n);
        for peer in &PEERS {
            // SAFETY: any capacity is valid; the shim allocates `n` timers.
            let ctx = Ctx::new(unsafe { (peer.timers_new)(n) }, peer.timers_free);
            g.bench_with_input(BenchmarkId::new(peer.name, n), &offsets, |b, offsets| {
                b.iter_custom(|iters| {
                    // SAFETY: `offsets` holds `n` values; the context has `n` timers.
                    let ns = unsafe { (peer.timers_fire)(ctx.ptr(), offsets.as_ptr(), n, iters) };
                    Duration::from_nanos(ns)
                })
            });
        }
    }
    g.finish();
}

fn churn(c: &mut Criterion) {
    let mut g = c.benchmark_group("timers::churn_100k_live");
    tune(&mut g);
    g.throughput(Throughput::Elements(1));
    let delays = far(LIVE);
    for peer in &PEERS {
        // SAFETY: any capacity is valid: `LIVE` live timers plus the one that churns.
        let ctx = Ctx::new(unsafe { (peer.timers_new)(LIVE + 1) }, peer.timers_free);
        // SAFETY: `delays` holds `LIVE` values; the context has `LIVE + 1` timers.
        unsafe { (peer.timers_arm)(ctx.ptr(), delays.as_ptr(), LIVE) };
        g.bench_function(peer.name, |b| {
            b.iter_custom(|iters| {
                // SAFETY: slot `LIVE` exists and is not one of the live timers.
                let ns = unsafe { (peer.timers_churn)(ctx.ptr(), LIVE, TIMEOUT.as_nanos() as u64, iters) };
                Duration::from_nanos(ns)
            })
        });
        // SAFETY: a live timers context.
        unsafe { (peer.timers_stop_all)(ctx.ptr()) };
    }
    g.finish();
}

/// timer_reset.rs's workloads: resetting pre-created idle timeouts to a later deadline,
/// starting pre-created stopped timers, and arm+cancel beside `ARM_CANCEL_LIVE` live timers.
fn reset(c: &mut Criterion) {
    let mut g = flat_group(c, "timers::reset");
    for &n in reset_sizes() {
        let (delays, order) = (far(n), reset_order(n));
        for peer in &PEERS {
            // SAFETY: any capacity is valid; the shim allocates `n` timers.
            let ctx = Ctx::new(unsafe { (peer.timers_new)(n) }, peer.timers_free);
            // SAFETY: `delays` holds `n` values; the context has `n` timers.
            unsafe { (peer.timers_arm)(ctx.ptr(), delays.as_ptr(), n) };
            g.bench_function(BenchmarkId::new(peer.name, n), |b| {
                b.iter_custom(|iters| {
                    // SAFETY: `order` is a permutation of `0..n`; timers `0..n` are armed.
                    let ns = unsafe {
                        (peer.timers_reset)(ctx.ptr(), order.as_ptr(), n, RESET_TIMEOUT.as_nanos() as u64, iters)
                    };
                    Duration::from_nanos(ns)
                })
            });
        }
    }
    g.finish();

    let mut g = flat_group(c, "timers::start_precreated");
    let (delays, order) = (far(START_N), reset_order(START_N));
    for peer in &PEERS {
        // SAFETY: any capacity is valid; the shim allocates `START_N` timers, stopped.
        let ctx = Ctx::new(unsafe { (peer.timers_new)(START_N) }, peer.timers_free);
        g.bench_function(BenchmarkId::new(peer.name, START_N), |b| {
            b.iter_custom(|iters| {
                // SAFETY: `delays` and `order` hold `START_N` values, `order` a permutation.
                let ns = unsafe { (peer.timers_start)(ctx.ptr(), delays.as_ptr(), order.as_ptr(), START_N, iters) };
                Duration::from_nanos(ns)
            })
        });
    }
    g.finish();

    let mut g = flat_group(c, "timers::arm_cancel_churn");
    let delays = far(ARM_CANCEL_LIVE);
    for peer in &PEERS {
        // SAFETY: any capacity is valid: the live timers plus the one that churns.
        let ctx = Ctx::new(unsafe { (peer.timers_new)(ARM_CANCEL_LIVE + 1) }, peer.timers_free);
        // SAFETY: `delays` holds `ARM_CANCEL_LIVE` values; the context has one timer more.
        unsafe { (peer.timers_arm)(ctx.ptr(), delays.as_ptr(), ARM_CANCEL_LIVE) };
        g.bench_function(BenchmarkId::new(peer.name, ARM_CANCEL_LIVE), |b| {
            b.iter_custom(|iters| {
                // SAFETY: slot `ARM_CANCEL_LIVE` exists and is not one of the live timers.
                let ns = unsafe { (peer.timers_churn)(ctx.ptr(), ARM_CANCEL_LIVE, TIMEOUT.as_nanos() as u64, iters) };
                Duration::from_nanos(ns)
            })
        });
    }
    g.finish();
}

/// Idle fds registered next to the ping-pong pair (io.rs).
fn ping_pong(c: &mut Criterion) {
    let mut g = c.benchmark_group("io::ping_pong");
    tune(&mut g);
    g.sample_size(20); // io.rs's setting
    for idle in IDLE {
        for peer in &PEERS {
            // SAFETY: any count is valid; the shim aborts if it runs out of fds.
            let ctx = Ctx::new(unsafe { (peer.pp_new)(idle) }, peer.pp_free);
            g.bench_function(BenchmarkId::new(peer.name, idle), |b| {
                b.iter_custom(|iters| {
                    // SAFETY: `ctx` is a live ping-pong context of this peer.
                    let ns = unsafe { (peer.pp_run)(ctx.ptr(), iters) };
                    Duration::from_nanos(ns)
                })
            });
        }
    }
    g.finish();
}

fn main() {
    let limit = raise_fd_limit();
    assert!(limit >= 12_000, "the ping-pong benches need 12,000 fds; the limit is {limit}");
    // What `criterion_group!`/`criterion_main!` expand to, minus an undocumented `pub fn`.
    let mut c = Criterion::default().nresamples(20_000).configure_from_args();
    defer(&mut c);
    timers(&mut c);
    churn(&mut c);
    reset(&mut c);
    ping_pong(&mut c);
    c.final_summary();
}
