//! Timers at N = 1e3 .. 1e6: insert N, cancel N in random order, fire N; and timeout churn
//! (arm then cancel) with 100k live timers. Against tokio `sleep`, async-io `Timer`, calloop
//! `Timer` (to 1e4) and a bare `BinaryHeap` with the same keys.
//!
//! Each iteration is one batch of N operations; everything else (building the N timers a
//! cancel needs, waiting for them to be due before a fire, tearing down) is outside the
//! timed section (`iter_custom`). Criterion reports the time per batch; the throughput line,
//! or the batch time divided by N, gives the cost per timer. Single-threaded CPU work: wall
//! time equals CPU time here. The quick pass (`just bench-quick`) leaves out N = 1e6.
//!
//! tokio runs under `tokio::task::unconstrained`: its cooperative budget would otherwise stop
//! a task after 128 timer polls, leaving most sleeps of a batch unregistered (or unfired)
//! until the next round of the scheduler, which is not what a batch of N measures.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use ampere_benches::{
    far_delays as far, flat_group, near_offsets as near, shuffled, timer_sizes as sizes, tokio_rt, tune, TimerHeap,
    CHURN_LIVE as LIVE, CHURN_TIMEOUT as TIMEOUT,
};
use ampere_reactor::Reactor;
use calloop::timer::{TimeoutAction, Timer};
use criterion::{BenchmarkId, Criterion, Throughput};
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::task::unconstrained;

/// calloop is measured up to this N: its timers are full event sources (a slotmap entry and
/// a dispatcher each), and the spec compares it only to 1e4.
const CALLOOP_MAX: usize = 10_000;

/// Waited past the last `near` deadline, so that every timer is due, tokio's millisecond
/// wheel (which rounds deadlines up) included.
const SETTLE: Duration = Duration::from_millis(3);

/// Polls every future of `v` once (registering tokio sleeps and async-io timers).
async fn poll_all<F: Future + Unpin>(v: &mut [Option<F>]) {
    std::future::poll_fn(|cx| {
        for f in v.iter_mut().flatten() {
            let _ = Pin::new(f).poll(cx);
        }
        Poll::Ready(())
    })
    .await
}

fn insert(c: &mut Criterion) {
    let mut g = flat_group(c, "timers::insert");
    for &n in sizes() {
        g.throughput(Throughput::Elements(n as u64));
        let delays = far(n);

        let reactor = Reactor::new().expect("reactor");
        g.bench_with_input(BenchmarkId::new("ampere", n), &delays, |b, delays| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                let mut ids = Vec::with_capacity(delays.len());
                for _ in 0..iters {
                    let t = Instant::now();
                    for &d in delays {
                        ids.push(reactor.delay(d, |_, _| {}));
                    }
                    timed += t.elapsed();
                    for id in ids.drain(..) {
                        reactor.cancel(id);
                    }
                }
                timed
            })
        });

        let rt = tokio_rt();
        g.bench_with_input(BenchmarkId::new("tokio", n), &delays, |b, delays| {
            b.iter_custom(|iters| {
                rt.block_on(unconstrained(async {
                    let mut timed = Duration::ZERO;
                    for _ in 0..iters {
                        let t = Instant::now();
                        let mut sleeps: Vec<_> =
                            delays.iter().map(|&d| Some(Box::pin(tokio::time::sleep(d)))).collect();
                        poll_all(&mut sleeps).await; // a tokio sleep registers when first polled
                        timed += t.elapsed();
                        drop(sleeps);
                    }
                    timed
                }))
            })
        });

        g.bench_with_input(BenchmarkId::new("async_io", n), &delays, |b, delays| {
            b.iter_custom(|iters| {
                async_io::block_on(async {
                    let mut timed = Duration::ZERO;
                    for _ in 0..iters {
                        let t = Instant::now();
                        let mut timers: Vec<_> = delays.iter().map(|&d| Some(async_io::Timer::after(d))).collect();
                        poll_all(&mut timers).await; // registers with the reactor
                        timed += t.elapsed();
                        drop(timers);
                    }
                    timed
                })
            })
        });

        if n <= CALLOOP_MAX {
            let ev: calloop::EventLoop<'static, ()> = calloop::EventLoop::try_new().expect("calloop");
            let handle = ev.handle();
            g.bench_with_input(BenchmarkId::new("calloop", n), &delays, |b, delays| {
                b.iter_custom(|iters| {
                    let mut timed = Duration::ZERO;
                    let mut tokens = Vec::with_capacity(delays.len());
                    for _ in 0..iters {
                        let t = Instant::now();
                        for &d in delays {
                            let timer = Timer::from_duration(d);
                            tokens.push(handle.insert_source(timer, |_, _, _| TimeoutAction::Drop).expect("insert"));
                        }
                        timed += t.elapsed();
                        for tok in tokens.drain(..) {
                            handle.remove(tok);
                        }
                    }
                    timed
                })
            });
        }

        let mut heap = TimerHeap::default();
        let keys: Vec<u64> = delays.iter().map(|d| d.as_nanos() as u64).collect();
        g.bench_with_input(BenchmarkId::new("bare_binaryheap", n), &keys, |b, keys| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                let mut handles = Vec::with_capacity(keys.len());
                for _ in 0..iters {
                    let t = Instant::now();
                    for &k in keys {
                        handles.push(heap.insert(k));
                    }
                    timed += t.elapsed();
                    for h in handles.drain(..) {
                        heap.cancel(h);
                    }
                }
                timed
            })
        });
    }
    g.finish();
}

fn cancel(c: &mut Criterion) {
    let mut g = flat_group(c, "timers::cancel");
    for &n in sizes() {
        g.throughput(Throughput::Elements(n as u64));
        let delays = far(n);
        let order = shuffled(n, 13);

        let reactor = Reactor::new().expect("reactor");
        g.bench_with_input(BenchmarkId::new("ampere", n), &delays, |b, delays| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let ids: Vec<_> = delays.iter().map(|&d| reactor.delay(d, |_, _| {})).collect();
                    let t = Instant::now();
                    for &i in &order {
                        reactor.cancel(ids[i]);
                    }
                    timed += t.elapsed();
                }
                timed
            })
        });

        let rt = tokio_rt();
        g.bench_with_input(BenchmarkId::new("tokio", n), &delays, |b, delays| {
            b.iter_custom(|iters| {
                rt.block_on(unconstrained(async {
                    let mut timed = Duration::ZERO;
                    for _ in 0..iters {
                        let mut sleeps: Vec<_> =
                            delays.iter().map(|&d| Some(Box::pin(tokio::time::sleep(d)))).collect();
                        poll_all(&mut sleeps).await;
                        let t = Instant::now();
                        for &i in &order {
                            sleeps[i] = None; // dropping a registered sleep removes it from the wheel
                        }
                        timed += t.elapsed();
                    }
                    timed
                }))
            })
        });

        g.bench_with_input(BenchmarkId::new("async_io", n), &delays, |b, delays| {
            b.iter_custom(|iters| {
                async_io::block_on(async {
                    let mut timed = Duration::ZERO;
                    for _ in 0..iters {
                        let mut timers: Vec<_> = delays.iter().map(|&d| Some(async_io::Timer::after(d))).collect();
                        poll_all(&mut timers).await;
                        let t = Instant::now();
                        for &i in &order {
                            timers[i] = None;
                        }
                        timed += t.elapsed();
                    }
                    timed
                })
            })
        });

        if n <= CALLOOP_MAX {
            let ev: calloop::EventLoop<'static, ()> = calloop::EventLoop::try_new().expect("calloop");
            let handle = ev.handle();
            g.bench_with_input(BenchmarkId::new("calloop", n), &delays, |b, delays| {
                b.iter_custom(|iters| {
                    let mut timed = Duration::ZERO;
                    for _ in 0..iters {
                        let tokens: Vec<_> = delays
                            .iter()
                            .map(|&d| {
                                let timer = Timer::from_duration(d);
                                handle.insert_source(timer, |_, _, _| TimeoutAction::Drop).expect("insert")
                            })
                            .collect();
                        let t = Instant::now();
                        for &i in &order {
                            handle.remove(tokens[i]);
                        }
                        timed += t.elapsed();
                    }
                    timed
                })
            });
        }

        let mut heap = TimerHeap::default();
        g.bench_with_input(BenchmarkId::new("bare_binaryheap", n), &delays, |b, delays| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let keys: Vec<_> = delays.iter().map(|d| heap.insert(d.as_nanos() as u64)).collect();
                    let t = Instant::now();
                    for &i in &order {
                        heap.cancel(keys[i]);
                    }
                    timed += t.elapsed();
                }
                timed
            })
        });
    }
    g.finish();
}

/// When a fire batch's timers are due: far enough ahead that building the batch is over by
/// then (a tokio sleep or async-io timer already due when first polled would complete during
/// the setup, outside the timed section), and no further, to keep the waiting short.
struct Schedule {
    margin: Duration,
}

impl Schedule {
    fn new(n: usize) -> Schedule {
        Schedule { margin: Duration::from_micros(1_000 + 5 * n as u64) }
    }

    /// The instant the batch's offsets count from, for a setup that starts now.
    fn base(&self) -> Instant {
        Instant::now() + self.margin
    }

    /// After the setup: adapts the margin to it, then sleeps until every timer is due.
    fn settle(&mut self, started: Instant, base: Instant) {
        self.settle_until(started, base, base + Duration::from_millis(1));
    }

    /// [`Schedule::settle`] for timers whose latest deadline is `due` (later than the base
    /// plus one millisecond when they were armed with relative delays and the thread was
    /// preempted between reading the clock and arming one).
    fn settle_until(&mut self, started: Instant, base: Instant, due: Instant) {
        let setup = started.elapsed();
        if started + setup > base {
            eprintln!("warning: setup overran the timers' deadlines by {:?}", started + setup - base);
        }
        self.margin = setup + setup / 4 + Duration::from_millis(1);
        let until = due.max(base + Duration::from_millis(1)) + SETTLE;
        std::thread::sleep(until.saturating_duration_since(Instant::now()));
    }
}

fn fire(c: &mut Criterion) {
    let mut g = flat_group(c, "timers::fire");
    for &n in sizes() {
        g.throughput(Throughput::Elements(n as u64));
        let offsets = near(n);

        let reactor = Reactor::new().expect("reactor");
        g.bench_with_input(BenchmarkId::new("ampere", n), &offsets, |b, offsets| {
            let fired = Box::leak(Box::new(std::cell::Cell::new(0usize)));
            let mut schedule = Schedule::new(n);
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let (started, base) = (Instant::now(), schedule.base());
                    // `delay` takes a relative time: the deadline is when it is armed plus
                    // `after`, which a preemption right before arming pushes back.
                    let mut due = base;
                    for &d in offsets {
                        let after = (base + d).saturating_duration_since(Instant::now());
                        reactor.delay(after, |_, _| fired.set(fired.get() + 1));
                        due = due.max(Instant::now() + after);
                    }
                    schedule.settle_until(started, base, due);
                    fired.set(0);
                    let t = Instant::now();
                    reactor.tick().expect("tick"); // one tick fires every due timer
                    let mut ticks = 1;
                    while fired.get() < offsets.len() {
                        reactor.tick().expect("tick");
                        ticks += 1;
                    }
                    timed += t.elapsed();
                    if ticks > 1 {
                        eprintln!("warning: {} timers took {ticks} ticks", offsets.len());
                    }
                }
                timed
            })
        });

        let rt = tokio_rt();
        g.bench_with_input(BenchmarkId::new("tokio", n), &offsets, |b, offsets| {
            let mut schedule = Schedule::new(n);
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let (started, base) = (Instant::now(), schedule.base());
                    // A FuturesUnordered polls only the sleeps whose wakers fired.
                    let entered = rt.enter(); // sleeps are created in a runtime's context
                    let mut sleeps: FuturesUnordered<_> =
                        offsets.iter().map(|&d| tokio::time::sleep_until((base + d).into())).collect();
                    drop(entered);
                    rt.block_on(unconstrained(async {
                        while let Poll::Ready(Some(())) = futures::poll!(sleeps.next()) {}
                    }));
                    schedule.settle(started, base);
                    let t = Instant::now();
                    rt.block_on(unconstrained(async { while sleeps.next().await.is_some() {} }));
                    timed += t.elapsed();
                }
                timed
            })
        });

        g.bench_with_input(BenchmarkId::new("async_io", n), &offsets, |b, offsets| {
            let mut schedule = Schedule::new(n);
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let (started, base) = (Instant::now(), schedule.base());
                    let mut timers: FuturesUnordered<_> =
                        offsets.iter().map(|&d| async_io::Timer::at(base + d)).collect();
                    async_io::block_on(async { while let Poll::Ready(Some(_)) = futures::poll!(timers.next()) {} });
                    schedule.settle(started, base);
                    let t = Instant::now();
                    async_io::block_on(async { while timers.next().await.is_some() {} });
                    timed += t.elapsed();
                }
                timed
            })
        });

        if n <= CALLOOP_MAX {
            let mut ev: calloop::EventLoop<'static, usize> = calloop::EventLoop::try_new().expect("calloop");
            let handle = ev.handle();
            g.bench_with_input(BenchmarkId::new("calloop", n), &offsets, |b, offsets| {
                let mut schedule = Schedule::new(n);
                b.iter_custom(|iters| {
                    let mut timed = Duration::ZERO;
                    for _ in 0..iters {
                        let (started, base) = (Instant::now(), schedule.base());
                        for &d in offsets {
                            let timer = Timer::from_deadline(base + d);
                            let fire = |_, _: &mut (), fired: &mut usize| {
                                *fired += 1;
                                TimeoutAction::Drop
                            };
                            handle.insert_source(timer, fire).expect("insert");
                        }
                        schedule.settle(started, base);
                        let mut fired = 0;
                        let t = Instant::now();
                        while fired < offsets.len() {
                            ev.dispatch(Some(Duration::ZERO), &mut fired).expect("dispatch");
                        }
                        timed += t.elapsed();
                    }
                    timed
                })
            });
        }

        let mut heap = TimerHeap::default();
        g.bench_with_input(BenchmarkId::new("bare_binaryheap", n), &offsets, |b, offsets| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    for d in offsets {
                        heap.insert(d.as_nanos() as u64);
                    }
                    let mut fired = 0usize;
                    let t = Instant::now();
                    heap.fire_due(u64::MAX, |_| fired += 1);
                    timed += t.elapsed();
                    assert_eq!(fired, offsets.len());
                }
                timed
            })
        });
    }
    g.finish();
}

fn churn(c: &mut Criterion) {
    let mut g = c.benchmark_group("timers::churn_100k_live");
    tune(&mut g);
    g.throughput(Throughput::Elements(1));
    let delays = far(LIVE);

    let reactor = Reactor::new().expect("reactor");
    let live: Vec<_> = delays.iter().map(|&d| reactor.delay(d, |_, _| {})).collect();
    g.bench_function("ampere", |b| {
        b.iter(|| {
            let id = reactor.delay(TIMEOUT, |_, _| {});
            reactor.cancel(id);
        })
    });
    // Memory stays flat: the heap holds the live timers plus at most as many tombstones.
    println!("ampere timer heap after the churn: {} entries for {LIVE} live timers", reactor.info().timer_heap_len);
    for id in live {
        reactor.cancel(id);
    }

    let rt = tokio_rt();
    g.bench_function("tokio", |b| {
        let mut live: Vec<_> = {
            let _entered = rt.enter();
            delays.iter().map(|&d| Some(Box::pin(tokio::time::sleep(d)))).collect()
        };
        rt.block_on(unconstrained(poll_all(&mut live)));
        b.iter_custom(|iters| {
            rt.block_on(unconstrained(async {
                let t = Instant::now();
                for _ in 0..iters {
                    let mut sleep = std::pin::pin!(tokio::time::sleep(TIMEOUT));
                    let _ = futures::poll!(sleep.as_mut()); // registered; dropped (cancelled) below
                }
                t.elapsed()
            }))
        });
    });

    g.bench_function("async_io", |b| {
        let mut live: Vec<_> = delays.iter().map(|&d| Some(async_io::Timer::after(d))).collect();
        async_io::block_on(poll_all(&mut live));
        b.iter_custom(|iters| {
            async_io::block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    let mut timer = async_io::Timer::after(TIMEOUT);
                    let _ = futures::poll!(&mut timer);
                }
                t.elapsed()
            })
        });
    });

    let ev: calloop::EventLoop<'static, ()> = calloop::EventLoop::try_new().expect("calloop");
    let handle = ev.handle();
    let live: Vec<_> = delays
        .iter()
        .map(|&d| handle.insert_source(Timer::from_duration(d), |_, _, _| TimeoutAction::Drop).expect("insert"))
        .collect();
    g.bench_function("calloop", |b| {
        b.iter(|| {
            let tok = handle.insert_source(Timer::from_duration(TIMEOUT), |_, _, _| TimeoutAction::Drop);
            handle.remove(tok.expect("insert"));
        })
    });
    for tok in live {
        handle.remove(tok);
    }

    let mut heap = TimerHeap::default();
    for d in &delays {
        heap.insert(d.as_nanos() as u64);
    }
    let mut now = 0u64;
    g.bench_function("bare_binaryheap", |b| {
        b.iter(|| {
            now += 1;
            let key = heap.insert(now + TIMEOUT.as_nanos() as u64);
            heap.cancel(key);
        })
    });
    g.finish();
}

fn main() {
    // What `criterion_group!`/`criterion_main!` expand to, minus an undocumented `pub fn`.
    let mut c = Criterion::default().nresamples(20_000).configure_from_args();
    insert(&mut c);
    cancel(&mut c);
    fire(&mut c);
    churn(&mut c);
    c.final_summary();
}
