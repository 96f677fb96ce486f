//! The executor: spawn + join of empty tasks, one task waking itself, and a task woken from
//! another thread. Against tokio's `LocalSet`, async-executor's `LocalExecutor` and calloop's
//! executor source.
//!
//! One iteration of `spawn_join` is a batch of 1e3 to 1e6 tasks, all spawned before any is
//! joined (reported per task); of the others, one self-wake or one cross-thread round trip.

use std::time::{Duration, Instant};

use ampere_benches::{tokio_rt, tune};
use ampere_benches::{RemoteWaker, YieldNow};
use ampere_reactor::Reactor;
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use tokio::task::LocalSet;

/// The batch sizes of `executor::spawn_join`: tasks spawned before the first join. The
/// quick pass stops at 1e5.
fn batch_sizes() -> &'static [u64] {
    if ampere_benches::quick() {
        &[1_000, 10_000, 100_000]
    } else {
        &[1_000, 10_000, 100_000, 1_000_000]
    }
}

/// Runs `batch()` `iters` times and sums what each reports as its timed part.
fn batches(iters: u64, mut batch: impl FnMut() -> Duration) -> Duration {
    (0..iters).map(|_| batch()).sum()
}

/// calloop's executor: a source whose callback receives each finished task's output.
fn calloop_executor<T: 'static>(ev: &calloop::EventLoop<'static, u64>) -> calloop::futures::Scheduler<T> {
    let (exec, sched) = calloop::futures::executor::<T>().expect("executor");
    ev.handle().insert_source(exec, |_, _, done: &mut u64| *done += 1).expect("insert");
    sched
}

/// One iteration is a batch of `n` empty tasks, all spawned before the first is joined; the
/// throughput line gives the time per task. Each peer keeps its executor across iterations,
/// so that from the second batch on its tables have their full size (the steady state).
fn spawn_join(c: &mut Criterion) {
    let mut g = c.benchmark_group("executor::spawn_join");
    tune(&mut g);
    g.sampling_mode(SamplingMode::Flat);

    let reactor = Reactor::new().expect("reactor");
    let h = reactor.handle();
    let rt = tokio_rt();
    let local = LocalSet::new();
    let ex = async_executor::LocalExecutor::new();
    let mut ev: calloop::EventLoop<'static, u64> = calloop::EventLoop::try_new().expect("calloop");
    let sched = calloop_executor::<()>(&ev);
    for &n in batch_sizes() {
        g.throughput(Throughput::Elements(n));
        g.bench_function(BenchmarkId::new("ampere", n), |b| {
            b.iter_custom(|iters| {
                batches(iters, || {
                    let t = Instant::now();
                    reactor
                        .block_on(async {
                            let joins: Vec<_> = (0..n).map(|_| h.spawn(async {})).collect();
                            for j in joins {
                                j.await.expect("join");
                            }
                        })
                        .expect("block_on");
                    t.elapsed()
                })
            })
        });

        g.bench_function(BenchmarkId::new("tokio", n), |b| {
            b.iter_custom(|iters| {
                batches(iters, || {
                    let t = Instant::now();
                    local.block_on(&rt, async {
                        let joins: Vec<_> = (0..n).map(|_| tokio::task::spawn_local(async {})).collect();
                        for j in joins {
                            j.await.expect("join");
                        }
                    });
                    t.elapsed()
                })
            })
        });

        g.bench_function(BenchmarkId::new("async_executor", n), |b| {
            b.iter_custom(|iters| {
                batches(iters, || {
                    let t = Instant::now();
                    futures_lite::future::block_on(ex.run(async {
                        let joins: Vec<_> = (0..n).map(|_| ex.spawn(async {})).collect();
                        for j in joins {
                            j.await;
                        }
                    }));
                    t.elapsed()
                })
            })
        });

        g.bench_function(BenchmarkId::new("calloop", n), |b| {
            b.iter_custom(|iters| {
                batches(iters, || {
                    let t = Instant::now();
                    for _ in 0..n {
                        sched.schedule(async {}).expect("schedule");
                    }
                    let mut done = 0;
                    while done < n {
                        ev.dispatch(Some(Duration::ZERO), &mut done).expect("dispatch");
                    }
                    t.elapsed()
                })
            })
        });
    }
    g.finish();
}

/// One task that yields `n` times.
async fn yields(n: u64) {
    for _ in 0..n {
        YieldNow::new().await;
    }
}

fn self_wake(c: &mut Criterion) {
    let mut g = c.benchmark_group("executor::self_wake");
    tune(&mut g);

    let reactor = Reactor::new().expect("reactor");
    g.bench_function("ampere", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            let task = reactor.spawn(yields(iters));
            reactor.block_on(task).expect("block_on").expect("join");
            t.elapsed()
        })
    });

    let rt = tokio_rt();
    let local = LocalSet::new();
    g.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            local.block_on(&rt, async { tokio::task::spawn_local(yields(iters)).await }).expect("join");
            t.elapsed()
        })
    });

    let ex = async_executor::LocalExecutor::new();
    g.bench_function("async_executor", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            futures_lite::future::block_on(ex.run(ex.spawn(yields(iters))));
            t.elapsed()
        })
    });

    let mut ev: calloop::EventLoop<'static, u64> = calloop::EventLoop::try_new().expect("calloop");
    let sched = calloop_executor::<()>(&ev);
    g.bench_function("calloop", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            sched.schedule(yields(iters)).expect("schedule");
            let mut done = 0;
            while done == 0 {
                ev.dispatch(None, &mut done).expect("dispatch");
            }
            t.elapsed()
        })
    });
    g.finish();
}

/// One task that waits for `n` wakes from the helper thread, one after the other.
async fn remote_wakes(remote: RemoteWaker, n: u64) {
    for _ in 0..n {
        remote.round_trip().await;
    }
}

fn cross_thread_wake(c: &mut Criterion) {
    let mut g = c.benchmark_group("executor::cross_thread_wake");
    tune(&mut g);
    let remote = RemoteWaker::start();

    let reactor = Reactor::new().expect("reactor");
    g.bench_function("ampere", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            // `run`, not `block_on`: a future woken only by a thread of our own would be
            // `WouldNeverComplete` to `block_on`; `run` goes on while a task is unfinished.
            let _detached = reactor.spawn(remote_wakes(remote.clone(), iters));
            reactor.run().expect("run");
            t.elapsed()
        })
    });

    let rt = tokio_rt();
    let local = LocalSet::new();
    g.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            let remote = remote.clone();
            local.block_on(&rt, async { tokio::task::spawn_local(remote_wakes(remote, iters)).await }).expect("join");
            t.elapsed()
        })
    });

    let ex = async_executor::LocalExecutor::new();
    g.bench_function("async_executor", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            futures_lite::future::block_on(ex.run(ex.spawn(remote_wakes(remote.clone(), iters))));
            t.elapsed()
        })
    });

    let mut ev: calloop::EventLoop<'static, u64> = calloop::EventLoop::try_new().expect("calloop");
    let sched = calloop_executor::<()>(&ev);
    g.bench_function("calloop", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            sched.schedule(remote_wakes(remote.clone(), iters)).expect("schedule");
            let mut done = 0;
            while done == 0 {
                ev.dispatch(None, &mut done).expect("dispatch");
            }
            t.elapsed()
        })
    });
    g.finish();
}

fn main() {
    // What `criterion_group!`/`criterion_main!` expand to, minus an undocumented `pub fn`.
    let mut c = Criterion::default().sample_size(20).nresamples(20_000).configure_from_args();
    spawn_join(&mut c);
    self_wake(&mut c);
    cross_thread_wake(&mut c);
    c.final_summary();
}
