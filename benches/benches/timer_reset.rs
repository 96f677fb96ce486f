//! Timeouts that are pushed back rather than fired, the operations a server does most:
//!
//! - `timers::reset`: N pre-created idle timeouts (N = 1e3 .. 1e6); each iteration moves one
//!   of them, in random order, to `RESET_TIMEOUT` from now (later than every other deadline).
//!   ampere `Handle::reset`, ampere disable + enable (the way before `reset`), ampere
//!   `Sleep::reset`, tokio `Sleep::reset`; libev `ev_timer_again` and libuv `uv_timer_start`
//!   in `c_peers.rs` under the same group name.
//! - `timers::start_precreated`: start each of `START_N` pre-created stopped timers (ampere
//!   `enable`; libev `ev_timer_start`, libuv `uv_timer_start`); stopping them again is not
//!   timed.
//! - `timers::arm_cancel_churn`: arm a timeout and cancel it, beside `ARM_CANCEL_LIVE` live
//!   timers: ampere creating a watcher each time, or re-arming a pre-created one (reset +
//!   disable, enable + disable); tokio creating a sleep.
//!
//! Every ampere variant named `..._in_callback` does the same operations from inside a
//! defer, where a server does them (a request's callback pushing its timeout back): there
//! an arming reads no clock, the phase's armings being shifted by one read when it ends
//! (`core/arm_window.rs`). The whole `tick` is timed, that flush included. The variants
//! without the suffix run outside a tick and read the clock per arming. Ticking variants
//! run with every timer `FAR` later, in the same layout (see `push_back`): the plain
//! variants' timers, 1 s to 2 s out, would come due while a ticking one is measured.
//!
//! Each iteration is one operation (`iter_custom` times a run of them and leaves out the
//! setup), so criterion's figure is the time per operation. `just bench-reset` runs this file
//! and the C peers' side together.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use ampere_benches::{
    far_delays, flat_group, reset_order, reset_sizes, tokio_rt, ARM_CANCEL_LIVE, CHURN_TIMEOUT as TIMEOUT,
    RESET_TIMEOUT, START_N,
};
use ampere_reactor::{Handle, Reactor, WatcherId};
use criterion::{BenchmarkId, Criterion};
use tokio::task::unconstrained;

/// Polls `f` once with a waker that does nothing (arms a sleep's timer).
fn poll_once<F: Future + ?Sized>(f: Pin<&mut F>) {
    let _ = f.poll(&mut Context::from_waker(Waker::noop()));
}

/// `n` ampere timers that never fire while measured: a first deadline 1 s to 2 s out, then
/// every `RESET_TIMEOUT`, so that an `enable` restarts exactly what a `reset` sets.
fn idle_timers(reactor: &Reactor, n: usize, enabled: bool) -> Vec<WatcherId> {
    let w = |d| {
        match enabled {
            true => reactor.watch(),
            false => reactor.watch().disabled(),
        }
        .repeat_after(d, RESET_TIMEOUT, |_, _| {})
    };
    far_delays(n).into_iter().map(w).collect()
}

/// Runs `op` `iters` times inside one defer of one tick, and times the whole tick: the
/// callback's work and the flush at the end of its phase, plus one tick's overhead (a
/// zero-timeout poll) spread over the `iters` operations.
fn in_callback(reactor: &Reactor, iters: u64, mut op: impl FnMut(&Handle) + 'static) -> Duration {
    reactor.defer(move |h, _| {
        for _ in 0..iters {
            op(h);
        }
    });
    let t = Instant::now();
    reactor.tick().expect("a tick");
    t.elapsed()
}

/// The next index of a walk through `order` (shared with a callback).
fn step(order: &[usize], at: &Cell<usize>) -> usize {
    let i = if at.get() + 1 == order.len() { 0 } else { at.get() + 1 };
    at.set(i);
    order[i]
}

/// How far the variants that tick move everything: the timers of the variants that do not
/// tick start 1 s to 2 s out, and would come due while a ticking variant is measured.
const FAR: Duration = Duration::from_secs(3600);

/// Moves the `idle_timers` `ids` `FAR` later than they were made (untimed), keeping their
/// layout (`far_delays` is deterministic), so that a ticking variant operates on the same
/// heap as the plain one, `FAR` later; then a tick settles the heap (no entry left stale).
fn push_back(reactor: &Reactor, ids: &[WatcherId]) {
    for (&id, d) in ids.iter().zip(far_delays(ids.len())) {
        reactor.reset(id, FAR + d).expect("a live timer");
    }
    reactor.tick_nowait().expect("a tick");
}

fn reset(c: &mut Criterion) {
    let mut g = flat_group(c, "timers::reset");
    for &n in reset_sizes() {
        let order = reset_order(n);
        let next = |i: &mut usize| {
            *i = if *i + 1 == n { 0 } else { *i + 1 };
            order[*i]
        };

        let reactor = Reactor::new().expect("reactor");
        let ids = idle_timers(&reactor, n, true);
        let mut at = 0;
        g.bench_function(BenchmarkId::new("ampere_reset", n), |b| {
            b.iter_custom(|iters| {
                let t = Instant::now();
                for _ in 0..iters {
                    reactor.reset(ids[next(&mut at)], RESET_TIMEOUT).expect("a live timer");
                }
                t.elapsed()
            })
        });
        g.bench_function(BenchmarkId::new("ampere_disable_enable", n), |b| {
            b.iter_custom(|iters| {
                let t = Instant::now();
                for _ in 0..iters {
                    let id = ids[next(&mut at)];
                    reactor.disable(id);
                    reactor.enable(id).expect("a live timer");
                }
                t.elapsed()
            })
        });
        push_back(&reactor, &ids);
        let (shared_ids, shared_order) = (Rc::new(ids.clone()), Rc::new(order.clone()));
        let shared_at = Rc::new(Cell::new(0));
        g.bench_function(BenchmarkId::new("ampere_reset_in_callback", n), |b| {
            b.iter_custom(|iters| {
                let (ids, order, at) = (shared_ids.clone(), shared_order.clone(), shared_at.clone());
                in_callback(&reactor, iters, move |h| {
                    h.reset(ids[step(&order, &at)], FAR + RESET_TIMEOUT).expect("a live timer");
                })
            })
        });
        assert_eq!(reactor.info().timer_heap_len, n, "one entry per timer");
        drop(reactor);

        // Sleeps bind to the thread's current reactor (its default one, here) when first polled.
        let mut sleeps: Vec<_> = far_delays(n).into_iter().map(ampere_reactor::sleep).collect();
        for s in &mut sleeps {
            poll_once(Pin::new(s));
        }
        g.bench_function(BenchmarkId::new("ampere_sleep_reset", n), |b| {
            b.iter_custom(|iters| {
                let t = Instant::now();
                for _ in 0..iters {
                    sleeps[next(&mut at)].reset(Instant::now() + RESET_TIMEOUT);
                }
                t.elapsed()
            })
        });
        assert_eq!(Handle::current().expect("reactor").info().timer_heap_len, n, "one entry per sleep");
        drop(sleeps);

        let rt = tokio_rt();
        let mut sleeps: Vec<_> = {
            let _entered = rt.enter();
            far_delays(n).into_iter().map(|d| Box::pin(tokio::time::sleep(d))).collect()
        };
        rt.block_on(async {
            for s in &mut sleeps {
                poll_once(s.as_mut());
            }
        });
        g.bench_function(BenchmarkId::new("tokio_sleep_reset", n), |b| {
            b.iter_custom(|iters| {
                rt.block_on(unconstrained(async {
                    let t = Instant::now();
                    for _ in 0..iters {
                        let deadline = tokio::time::Instant::now() + RESET_TIMEOUT;
                        sleeps[next(&mut at)].as_mut().reset(deadline);
                    }
                    t.elapsed()
                }))
            })
        });
    }
    g.finish();
}

fn start_precreated(c: &mut Criterion) {
    let mut g = flat_group(c, "timers::start_precreated");
    let reactor = Reactor::new().expect("reactor");
    let ids = idle_timers(&reactor, START_N, false);
    let order = reset_order(START_N);
    g.bench_function(BenchmarkId::new("ampere_enable", START_N), |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            let mut done = 0;
            while done < iters {
                let batch = &order[..(iters - done).min(START_N as u64) as usize];
                let t = Instant::now();
                for &i in batch {
                    reactor.enable(ids[i]).expect("a live timer");
                }
                timed += t.elapsed();
                for &i in batch {
                    reactor.disable(ids[i]);
                }
                done += batch.len() as u64;
            }
            timed
        })
    });
    let shared_ids = Rc::new(ids.clone());
    g.bench_function(BenchmarkId::new("ampere_enable_in_callback", START_N), |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            let mut done = 0;
            while done < iters {
                let batch = &order[..(iters - done).min(START_N as u64) as usize];
                let (ids, todo) = (shared_ids.clone(), Rc::new(batch.to_vec()));
                let at = Cell::new(0);
                timed += in_callback(&reactor, batch.len() as u64, move |h| {
                    h.enable(ids[todo[at.replace(at.get() + 1)]]).expect("a live timer");
                });
                for &i in batch {
                    reactor.disable(shared_ids[i]);
                }
                done += batch.len() as u64;
            }
            timed
        })
    });
    g.finish();
}

fn arm_cancel_churn(c: &mut Criterion) {
    let mut g = flat_group(c, "timers::arm_cancel_churn");
    let n = ARM_CANCEL_LIVE;
    let reactor = Reactor::new().expect("reactor");
    let live = idle_timers(&reactor, n, true);
    let spare = reactor.watch().disabled().delay(TIMEOUT, |_, _| {});
    g.bench_function(BenchmarkId::new("ampere_create_cancel", n), |b| {
        b.iter(|| {
            let id = reactor.delay(TIMEOUT, |_, _| {});
            reactor.cancel(id);
        })
    });
    g.bench_function(BenchmarkId::new("ampere_reset_disable", n), |b| {
        b.iter(|| {
            reactor.reset(spare, TIMEOUT).expect("a live timer");
            reactor.disable(spare);
        })
    });
    g.bench_function(BenchmarkId::new("ampere_enable_disable", n), |b| {
        b.iter(|| {
            reactor.enable(spare).expect("a live timer");
            reactor.disable(spare);
        })
    });
    push_back(&reactor, &live);
    let far_spare = reactor.watch().disabled().delay(FAR + TIMEOUT, |_, _| {});
    g.bench_function(BenchmarkId::new("ampere_create_cancel_in_callback", n), |b| {
        b.iter_custom(|iters| {
            in_callback(&reactor, iters, |h| {
                let id = h.delay(FAR + TIMEOUT, |_, _| {});
                h.cancel(id);
            })
        })
    });
    g.bench_function(BenchmarkId::new("ampere_reset_disable_in_callback", n), |b| {
        b.iter_custom(|iters| {
            in_callback(&reactor, iters, move |h| {
                h.reset(spare, FAR + TIMEOUT).expect("a live timer");
                h.disable(spare);
            })
        })
    });
    g.bench_function(BenchmarkId::new("ampere_enable_disable_in_callback", n), |b| {
        b.iter_custom(|iters| {
            in_callback(&reactor, iters, move |h| {
                h.enable(far_spare).expect("a live timer");
                h.disable(far_spare);
            })
        })
    });
    assert_eq!(reactor.info().timer_heap_len, n, "nothing left behind");

    let rt = tokio_rt();
    let mut live: Vec<_> = {
        let _entered = rt.enter();
        far_delays(n).into_iter().map(|d| Box::pin(tokio::time::sleep(d))).collect()
    };
    rt.block_on(async {
        for s in &mut live {
            poll_once(s.as_mut());
        }
    });
    g.bench_function(BenchmarkId::new("tokio", n), |b| {
        b.iter_custom(|iters| {
            rt.block_on(unconstrained(async {
                let t = Instant::now();
                for _ in 0..iters {
                    let mut sleep = std::pin::pin!(tokio::time::sleep(TIMEOUT));
                    poll_once(sleep.as_mut()); // registered; dropped (cancelled) here
                }
                t.elapsed()
            }))
        })
    });
    g.finish();
}

fn main() {
    // What `criterion_group!`/`criterion_main!` expand to, minus an undocumented `pub fn`.
    let mut c = Criterion::default().configure_from_args();
    reset(&mut c);
    start_precreated(&mut c);
    arm_cancel_churn(&mut c);
    c.final_summary();
}
