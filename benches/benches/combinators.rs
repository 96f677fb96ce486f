//! `all` and `first` over 10k futures, against `futures::future::join_all` /
//! `try_join_all` and `futures::future::select_ok`, on the same inputs in the same run.
//!
//! Each iteration builds the combinator over 10k inputs, drives it to completion with
//! `futures::executor::block_on` (the same executor for every contender, so the figures are
//! the combinators' own cost: construction, polling, dropping the losers) and returns the
//! output, which criterion drops outside the timed section. The inputs are made outside it
//! too. Input kinds:
//!
//! - `ready`: already complete (`future::ready`): pure construction and bookkeeping.
//! - `yield_once`: pending on the first poll (waking itself), complete on the second: every
//!   input goes through a waker, as with real I/O.
//! - `errors_then_ok` (`first` only): 9 999 ready failures, then the success last.
//! - `one_at_a_time`: all pending, then woken one by one in input order, one wake per
//!   executor poll (input 9 999 being the only success for `first`): what the cost of a
//!   single wake among 10k pending inputs adds up to.
//!
//! Criterion reports the time per batch of 10k inputs; the throughput line gives inputs per
//! second.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use criterion::{BatchSize, BenchmarkGroup, Criterion, SamplingMode, Throughput};
use futures::executor::block_on;
use futures::future::{join, join_all, ready, select_ok, try_join_all, Ready};

/// Inputs per combinator.
const N: u64 = 10_000;

type Group<'a> = BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// Pending on its first poll (after waking itself), ready on the second. `Unpin`, as
/// `select_ok` requires.
struct YieldOnce {
    yielded: bool,
    output: Option<Result<u64, u64>>,
}

impl Future for YieldOnce {
    type Output = Result<u64, u64>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if !self.yielded {
            self.yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(self.output.take().expect("polled after completion"))
    }
}

fn ready_ok() -> Vec<Ready<Result<u64, u64>>> {
    (0..N).map(|i| ready(Ok(i))).collect()
}

fn yield_once_ok() -> Vec<YieldOnce> {
    (0..N).map(|i| YieldOnce { yielded: false, output: Some(Ok(i)) }).collect()
}

/// Every input fails but the last.
fn errors_then_ok() -> Vec<Ready<Result<u64, u64>>> {
    (0..N).map(|i| ready(if i == N - 1 { Ok(i) } else { Err(i) })).collect()
}

/// Hands out turns: input `i` is ready once `turn > i`. The wakers of the inputs waiting
/// for their turn are kept here, one per input.
struct Clock {
    turn: Cell<usize>,
    wakers: RefCell<Vec<Option<Waker>>>,
}

/// An input that waits for its turn on the [`Clock`], then succeeds or fails.
struct Turn {
    index: usize,
    fail: bool,
    clock: Rc<Clock>,
}

impl Future for Turn {
    type Output = Result<u64, u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let index = self.index as u64;
        if self.clock.turn.get() > self.index {
            return Poll::Ready(if self.fail { Err(index) } else { Ok(index) });
        }
        let mut wakers = self.clock.wakers.borrow_mut();
        match &wakers[self.index] {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => wakers[self.index] = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

/// Gives the next turn on each poll and wakes the input it is for, until every input had
/// its turn. Polled next to the combinator by `join`, so each executor poll sees one wake.
struct Driver(Rc<Clock>);

impl Future for Driver {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let turn = self.0.turn.get();
        if turn == N as usize {
            return Poll::Ready(());
        }
        self.0.turn.set(turn + 1);
        match self.0.wakers.borrow_mut()[turn].take() {
            Some(w) => w.wake(),
            None => cx.waker().wake_by_ref(),
        }
        Poll::Pending
    }
}

/// Inputs that are ready one at a time, each failing if `fail(index)`, and their driver.
fn turns(fail: fn(u64) -> bool) -> (Vec<Turn>, Driver) {
    let clock = Rc::new(Clock { turn: Cell::new(0), wakers: RefCell::new((0..N).map(|_| None).collect()) });
    let inputs = (0..N).map(|i| Turn { index: i as usize, fail: fail(i), clock: Rc::clone(&clock) }).collect();
    (inputs, Driver(clock))
}

fn turns_ok() -> (Vec<Turn>, Driver) {
    turns(|_| false)
}

fn turns_errors_then_ok() -> (Vec<Turn>, Driver) {
    turns(|i| i != N - 1)
}

fn group<'a>(c: &'a mut Criterion, name: &str) -> Group<'a> {
    let mut g = c.benchmark_group(name);
    // Milliseconds per iteration (and far more for `select_ok` over 10k failures): a few
    // flat samples say enough, and keep the quick pass quick.
    g.sampling_mode(SamplingMode::Flat).sample_size(10).throughput(Throughput::Elements(N));
    g
}

/// Times `run` over fresh inputs from `make`, leaving input construction and output drop out.
fn case<I, O>(g: &mut Group<'_>, name: &str, make: fn() -> I, run: impl Fn(I) -> O) {
    g.bench_function(name, |b| b.iter_batched(make, &run, BatchSize::PerIteration));
}

fn all(c: &mut Criterion) {
    let mut g = group(c, "combinators::all");
    case(&mut g, "ampere/ready", ready_ok, |v| block_on(ampere_combinators::all(v)));
    case(&mut g, "join_all/ready", ready_ok, |v| block_on(join_all(v)));
    case(&mut g, "try_join_all/ready", ready_ok, |v| block_on(try_join_all(v)));
    case(&mut g, "ampere/yield_once", yield_once_ok, |v| block_on(ampere_combinators::all(v)));
    case(&mut g, "join_all/yield_once", yield_once_ok, |v| block_on(join_all(v)));
    case(&mut g, "try_join_all/yield_once", yield_once_ok, |v| block_on(try_join_all(v)));
    case(&mut g, "ampere/one_at_a_time", turns_ok, |(v, d)| block_on(join(ampere_combinators::all(v), d)).0);
    case(&mut g, "join_all/one_at_a_time", turns_ok, |(v, d)| block_on(join(join_all(v), d)).0);
    case(&mut g, "try_join_all/one_at_a_time", turns_ok, |(v, d)| block_on(join(try_join_all(v), d)).0);
    g.finish();
}

fn first(c: &mut Criterion) {
    let mut g = group(c, "combinators::first");
    // `select_ok` also hands back the losers; they are dropped inside the timed closure (as
    // `_rest`), since `first` drops its losers before returning.
    case(&mut g, "ampere/ready", ready_ok, |v| block_on(ampere_combinators::first(v)));
    case(&mut g, "select_ok/ready", ready_ok, |v| block_on(select_ok(v)).map(|(x, _rest)| x));
    case(&mut g, "ampere/yield_once", yield_once_ok, |v| block_on(ampere_combinators::first(v)));
    case(&mut g, "select_ok/yield_once", yield_once_ok, |v| block_on(select_ok(v)).map(|(x, _rest)| x));
    case(&mut g, "ampere/errors_then_ok", errors_then_ok, |v| block_on(ampere_combinators::first(v)));
    case(&mut g, "select_ok/errors_then_ok", errors_then_ok, |v| block_on(select_ok(v)).map(|(x, _rest)| x));
    case(&mut g, "ampere/one_at_a_time", turns_errors_then_ok, |(v, d)| {
        block_on(join(ampere_combinators::first(v), d)).0
    });
    case(&mut g, "select_ok/one_at_a_time", turns_errors_then_ok, |(v, d)| {
        block_on(join(select_ok(v), d)).0.map(|(x, _rest)| x)
    });
    g.finish();
}

fn main() {
    // What `criterion_group!`/`criterion_main!` expand to, minus an undocumented `pub fn`.
    let mut c = Criterion::default().configure_from_args();
    all(&mut c);
    first(&mut c);
    c.final_summary();
}
