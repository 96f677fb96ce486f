//! Defer dispatch: 10k callbacks queued and run in one tick, and defer-from-defer chains (one
//! hop per tick), against calloop's idles, tokio's `spawn_local` and a bare `VecDeque` drain.
//!
//! Every callback captures the same 8-byte reference, so each peer pays one small allocation
//! per callback, as the bare baseline does. Criterion reports the time per batch of 10k; the
//! throughput line gives callbacks per second.

use std::cell::Cell;
use std::collections::VecDeque;
use std::time::Duration;

use ampere_benches::{tokio_rt, tune};
use ampere_reactor::{Handle, Reactor};
use criterion::{Criterion, Throughput};
use tokio::task::LocalSet;

/// Callbacks per batch, and hops per chain.
const N: u32 = ampere_benches::DEFER_N;

fn counter() -> &'static Cell<u64> {
    Box::leak(Box::new(Cell::new(0)))
}

fn dispatch_10k(c: &mut Criterion) {
    let mut g = c.benchmark_group("defer::dispatch_10k");
    tune(&mut g);
    g.throughput(Throughput::Elements(N.into()));
    let count = counter();

    let reactor = Reactor::new().expect("reactor");
    g.bench_function("ampere", |b| {
        b.iter(|| {
            for _ in 0..N {
                reactor.defer(move |_, _| count.set(count.get() + 1));
            }
            reactor.tick().expect("tick");
        })
    });

    let mut ev: calloop::EventLoop<'static, ()> = calloop::EventLoop::try_new().expect("calloop");
    let handle = ev.handle();
    g.bench_function("calloop", |b| {
        b.iter(|| {
            for _ in 0..N {
                handle.insert_idle(move |_| count.set(count.get() + 1));
            }
            ev.dispatch(Some(Duration::ZERO), &mut ()).expect("dispatch");
        })
    });

    let rt = tokio_rt();
    let mut local = LocalSet::new();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            for _ in 0..N {
                drop(local.spawn_local(async move { count.set(count.get() + 1) }));
            }
            // A LocalSet, awaited, runs until its tasks are done.
            rt.block_on(&mut local);
        })
    });

    let mut queue: VecDeque<Box<dyn FnMut()>> = VecDeque::new();
    g.bench_function("bare_vecdeque", |b| {
        b.iter(|| {
            for _ in 0..N {
                queue.push_back(Box::new(move || count.set(count.get() + 1)));
            }
            while let Some(mut f) = queue.pop_front() {
                f();
            }
        })
    });
    g.finish();
}

/// One hop of an ampere chain: defers the next until `left` runs out.
fn ampere_hop(h: &Handle, left: u32) {
    if left > 0 {
        h.defer(move |h, _| ampere_hop(h, left - 1));
    }
}

/// calloop's loop data for a chain: idles get only `&mut Data`, so the handle lives there.
struct CalloopChain {
    handle: calloop::LoopHandle<'static, CalloopChain>,
    left: u32,
}

fn calloop_hop(d: &mut CalloopChain) {
    if d.left > 0 {
        d.left -= 1;
        d.handle.insert_idle(calloop_hop);
    }
}

fn tokio_hop(left: u32) {
    if left > 0 {
        drop(tokio::task::spawn_local(async move { tokio_hop(left - 1) }));
    }
}

/// The bare chain's queue.
type Jobs = VecDeque<Job>;

/// The bare chain: a job that may queue the next job.
struct Job(Box<dyn FnOnce(&mut Jobs)>);

fn bare_hop(q: &mut VecDeque<Job>, left: u32) {
    if left > 0 {
        q.push_back(Job(Box::new(move |q| bare_hop(q, left - 1))));
    }
}

fn chain_10k(c: &mut Criterion) {
    let mut g = c.benchmark_group("defer::chain_10k");
    tune(&mut g);
    g.throughput(Throughput::Elements(N.into()));

    let reactor = Reactor::new().expect("reactor");
    g.bench_function("ampere", |b| {
        b.iter(|| {
            ampere_hop(&reactor, N);
            reactor.run().expect("run");
        })
    });

    let mut ev: calloop::EventLoop<'static, CalloopChain> = calloop::EventLoop::try_new().expect("calloop");
    let mut data = CalloopChain { handle: ev.handle(), left: 0 };
    g.bench_function("calloop", |b| {
        b.iter(|| {
            data.left = N;
            calloop_hop(&mut data);
            while data.left > 0 {
                ev.dispatch(Some(Duration::ZERO), &mut data).expect("dispatch");
            }
            ev.dispatch(Some(Duration::ZERO), &mut data).expect("dispatch"); // the last hop
        })
    });

    let rt = tokio_rt();
    let mut local = LocalSet::new();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            drop(local.spawn_local(async { tokio_hop(N) }));
            rt.block_on(&mut local);
        })
    });

    let mut queue: VecDeque<Job> = VecDeque::new();
    g.bench_function("bare_vecdeque", |b| {
        b.iter(|| {
            bare_hop(&mut queue, N);
            while let Some(Job(f)) = queue.pop_front() {
                f(&mut queue);
            }
        })
    });
    g.finish();
}

fn main() {
    // What `criterion_group!`/`criterion_main!` expand to, minus an undocumented `pub fn`.
    let mut c = Criterion::default().sample_size(20).nresamples(20_000).configure_from_args();
    dispatch_10k(&mut c);
    chain_10k(&mut c);
    c.final_summary();
}
