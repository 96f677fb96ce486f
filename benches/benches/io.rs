//! I/O: ping-pong (1 byte each way over a socketpair, same thread) with 0 and 10k idle fds,
//! and libev's "many fds, few active" (N fds with a timeout each, reset on activity, a few
//! made readable per round). Against a raw mio loop, tokio, calloop and async-io.
//!
//! Ping-pong: one iteration is one round trip. Many fds: one iteration is one round. The fd
//! limit of this machine (20,000, hard) rules out libev's 100k socketpairs, so the many-fds
//! case uses eventfds (one fd each) at N = 1k and 10k; idle fds are eventfds too.

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream as StdUnixStream;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use ampere_benches::{eventfds, quick, raise_fd_limit, EventFd, Rng, TimerHeap};
use ampere_benches::{tokio_rt, tune};
use ampere_reactor::{Async, Reactor, WatcherId};
use calloop::generic::Generic;
use calloop::timer::{TimeoutAction, Timer};
use calloop::{Interest, Mode, PostAction, RegistrationToken};
use criterion::{BenchmarkId, Criterion};
use futures::io::{AsyncReadExt, AsyncWriteExt};
use mio::unix::SourceFd;
use mio::{Events, Poll as MioPoll, Token};

/// Idle fds registered next to the ping-pong pair.
const IDLE: [usize; 2] = ampere_benches::PING_PONG_IDLE;

/// Registers an eventfd with the current tokio runtime.
fn tokio_fd(fd: EventFd) -> tokio::io::unix::AsyncFd<EventFd> {
    // SAFETY: `EventFd` owns its fd (a `File`): it stays open and refers to the same eventfd
    // until the `AsyncFd` drops it.
    unsafe { tokio::io::unix::AsyncFd::register(fd) }.expect("register")
}

fn std_pair() -> (StdUnixStream, StdUnixStream) {
    let (a, b) = StdUnixStream::pair().expect("socketpair");
    a.set_nonblocking(true).expect("nonblocking");
    b.set_nonblocking(true).expect("nonblocking");
    (a, b)
}

/// Reads the one byte of a ping or a pong.
fn read1(mut s: &StdUnixStream) {
    let mut buf = [0u8; 1];
    assert_eq!(s.read(&mut buf).expect("read"), 1);
}

fn write1(mut s: &StdUnixStream) {
    assert_eq!(s.write(&[1]).expect("write"), 1);
}

fn ping_pong(c: &mut Criterion) {
    let mut g = c.benchmark_group("io::ping_pong");
    tune(&mut g);
    for idle in IDLE {
        // raw mio: edge-triggered, two epoll_waits, two reads and two writes per round trip.
        {
            let mut poll = MioPoll::new().expect("poll");
            let mut events = Events::with_capacity(1024);
            let (a, b) = std_pair();
            let reg = poll.registry();
            reg.register(&mut SourceFd(&a.as_raw_fd()), Token(0), mio::Interest::READABLE).expect("register");
            reg.register(&mut SourceFd(&b.as_raw_fd()), Token(1), mio::Interest::READABLE).expect("register");
            let fds = eventfds(idle).expect("eventfds");
            for (i, fd) in fds.iter().enumerate() {
                reg.register(&mut SourceFd(&fd.as_raw_fd()), Token(2 + i), mio::Interest::READABLE).expect("register");
            }
            let mut wait = |token: Token| loop {
                poll.poll(&mut events, None).expect("poll");
                if events.iter().any(|e| e.token() == token) {
                    return;
                }
            };
            g.bench_function(BenchmarkId::new("raw_mio", idle), |bench| {
                bench.iter(|| {
                    write1(&a);
                    wait(Token(1));
                    read1(&b);
                    write1(&b);
                    wait(Token(0));
                    read1(&a);
                })
            });
        }

        // ampere, readable watchers (level-triggered: each callback re-arms its fd).
        {
            let reactor = Reactor::new().expect("reactor");
            let (a, b) = std_pair();
            let kick = a.try_clone().expect("dup");
            let left = Rc::new(Cell::new(0u64));
            let b_fd = b.as_raw_fd();
            reactor
                .on_readable(&b_fd, move |_, _, _| {
                    read1(&b);
                    write1(&b);
                })
                .expect("watch");
            let l = left.clone();
            let a_fd = a.as_raw_fd();
            reactor
                .on_readable(&a_fd, move |h, _, _| {
                    read1(&a);
                    l.set(l.get() - 1);
                    if l.get() == 0 {
                        h.stop();
                    } else {
                        write1(&a);
                    }
                })
                .expect("watch");
            let fds = eventfds(idle).expect("eventfds");
            for fd in &fds {
                reactor.on_readable(fd, |_, _, _| {}).expect("watch");
            }
            g.bench_function(BenchmarkId::new("ampere_watchers", idle), |bench| {
                bench.iter_custom(|iters| {
                    left.set(iters);
                    let t = Instant::now();
                    write1(&kick);
                    reactor.run().expect("run");
                    t.elapsed()
                })
            });
        }

        // ampere, async UnixStream tasks (edge-triggered sources).
        {
            let reactor = Reactor::new().expect("reactor");
            let (a, b, _idle) = reactor
                .block_on(async {
                    let (a, b) = ampere_reactor::net::UnixStream::pair()?;
                    let idle: Vec<Async<EventFd>> =
                        eventfds(idle)?.into_iter().map(Async::new).collect::<std::io::Result<_>>()?;
                    Ok::<_, std::io::Error>((Rc::new(a), Rc::new(b), idle))
                })
                .expect("reactor")
                .expect("pair");
            g.bench_function(BenchmarkId::new("ampere_async", idle), |bench| {
                bench.iter_custom(|iters| {
                    let b = b.clone();
                    let echo = reactor.spawn(async move {
                        let (mut b, mut buf) = (&*b, [0u8; 1]);
                        for _ in 0..iters {
                            b.read_exact(&mut buf).await.expect("read");
                            b.write_all(&buf).await.expect("write");
                        }
                    });
                    let t = Instant::now();
                    reactor
                        .block_on(async {
                            let (mut a, mut buf) = (&*a, [0u8; 1]);
                            for _ in 0..iters {
                                a.write_all(&[1]).await.expect("write");
                                a.read_exact(&mut buf).await.expect("read");
                            }
                            echo.await.expect("echo");
                        })
                        .expect("block_on");
                    t.elapsed()
                })
            });
        }

        // tokio: the echo task spawned, the client in block_on.
        {
            use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
            let rt = tokio_rt();
            let (mut a, b, _idle) = {
                let _entered = rt.enter();
                let (a, b) = tokio::net::UnixStream::pair().expect("pair");
                let idle: Vec<_> = eventfds(idle).expect("eventfds").into_iter().map(tokio_fd).collect();
                (a, b, idle)
            };
            // The echo end moves into its task and comes back out of it after each run.
            let mut b = Some(b);
            g.bench_function(BenchmarkId::new("tokio", idle), |bench| {
                bench.iter_custom(|iters| {
                    let mut echo_end = b.take().expect("b");
                    let echo = rt.spawn(async move {
                        let mut buf = [0u8; 1];
                        for _ in 0..iters {
                            echo_end.read_exact(&mut buf).await.expect("read");
                            echo_end.write_all(&buf).await.expect("write");
                        }
                        echo_end
                    });
                    let t = Instant::now();
                    let back = rt.block_on(async {
                        let mut buf = [0u8; 1];
                        for _ in 0..iters {
                            a.write_all(&[1]).await.expect("write");
                            a.read_exact(&mut buf).await.expect("read");
                        }
                        echo.await.expect("echo")
                    });
                    let elapsed = t.elapsed();
                    b = Some(back);
                    elapsed
                })
            });
        }

        // async-io with async-executor's LocalExecutor.
        {
            let (a, b) = async_io::Async::<StdUnixStream>::pair().expect("pair");
            let (a, b) = (Rc::new(a), Rc::new(b));
            let _idle: Vec<_> = eventfds(idle)
                .expect("eventfds")
                .into_iter()
                .map(|fd| async_io::Async::new(fd).expect("register"))
                .collect();
            let ex = async_executor::LocalExecutor::new();
            g.bench_function(BenchmarkId::new("async_io", idle), |bench| {
                bench.iter_custom(|iters| {
                    let b = b.clone();
                    let echo = ex.spawn(async move {
                        let (mut b, mut buf) = (&*b, [0u8; 1]);
                        for _ in 0..iters {
                            b.read_exact(&mut buf).await.expect("read");
                            b.write_all(&buf).await.expect("write");
                        }
                    });
                    let t = Instant::now();
                    async_io::block_on(ex.run(async {
                        let (mut a, mut buf) = (&*a, [0u8; 1]);
                        for _ in 0..iters {
                            a.write_all(&[1]).await.expect("write");
                            a.read_exact(&mut buf).await.expect("read");
                        }
                        echo.await;
                    }));
                    t.elapsed()
                })
            });
        }

        // calloop: two level-triggered Generic sources.
        {
            let mut ev: calloop::EventLoop<'static, u64> = calloop::EventLoop::try_new().expect("calloop");
            let h = ev.handle();
            let (a, b) = std_pair();
            let kick = a.try_clone().expect("dup");
            h.insert_source(Generic::new(b, Interest::READ, Mode::Level), |_, b, _| {
                read1(b);
                write1(b);
                Ok(PostAction::Continue)
            })
            .expect("insert");
            h.insert_source(Generic::new(a, Interest::READ, Mode::Level), |_, a, left: &mut u64| {
                read1(a);
                *left -= 1;
                if *left > 0 {
                    write1(a);
                }
                Ok(PostAction::Continue)
            })
            .expect("insert");
            let idle_tokens: Vec<RegistrationToken> = eventfds(idle)
                .expect("eventfds")
                .into_iter()
                .map(|fd| {
                    h.insert_source(Generic::new(fd, Interest::READ, Mode::Level), |_, _, _| Ok(PostAction::Continue))
                        .expect("insert")
                })
                .collect();
            g.bench_function(BenchmarkId::new("calloop", idle), |bench| {
                bench.iter_custom(|iters| {
                    let mut left = iters;
                    let t = Instant::now();
                    write1(&kick);
                    while left > 0 {
                        ev.dispatch(None, &mut left).expect("dispatch");
                    }
                    t.elapsed()
                })
            });
            for tok in idle_tokens {
                h.remove(tok);
            }
        }
    }
    g.finish();
}

/// The timeout every fd carries, reset whenever the fd is active. It never expires here.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The fds made readable in each round: a seeded random sequence, cycled.
fn schedule(n: usize, active: usize) -> Vec<Vec<usize>> {
    let mut rng = Rng::new(17);
    (0..64).map(|_| (0..active).map(|_| rng.below(n)).collect()).collect()
}

/// One round: make each fd of `round` readable (an fd drawn twice counts once). Returns how
/// many distinct fds that is.
fn activate(fds: &[EventFd], round: &[usize], seen: &mut [bool]) -> usize {
    let fds: Vec<&EventFd> = round.iter().map(|&i| &fds[i]).collect();
    activate_picked(&fds, round, seen)
}

/// [`activate`] for fds held by reference.
fn activate_refs(fds: &[&EventFd], round: &[usize], seen: &mut [bool]) -> usize {
    let picked: Vec<&EventFd> = round.iter().map(|&i| fds[i]).collect();
    activate_picked(&picked, round, seen)
}

/// `picked[k]` is the fd of `round[k]`.
fn activate_picked(picked: &[&EventFd], round: &[usize], seen: &mut [bool]) -> usize {
    let mut distinct = 0;
    for (&i, fd) in round.iter().zip(picked) {
        if !seen[i] {
            seen[i] = true;
            distinct += 1;
            fd.signal();
        }
    }
    for &i in round {
        seen[i] = false;
    }
    distinct
}

fn many_fds(c: &mut Criterion) {
    let mut g = c.benchmark_group("io::many_fds");
    tune(&mut g);
    let cases: &[(usize, usize)] =
        if quick() { &[(1_000, 100), (10_000, 100)] } else { &[(1_000, 1), (1_000, 100), (10_000, 1), (10_000, 100)] };
    for &(n, active) in cases {
        let param = format!("{n}_fds_{active}_active");
        let rounds = schedule(n, active);
        let mut seen = vec![false; n];

        // raw mio + the bare timer heap.
        {
            let fds = eventfds(n).expect("eventfds");
            let mut poll = MioPoll::new().expect("poll");
            let mut events = Events::with_capacity(1024);
            for (i, fd) in fds.iter().enumerate() {
                let source = &mut SourceFd(&fd.as_raw_fd());
                poll.registry().register(source, Token(i), mio::Interest::READABLE).expect("register");
            }
            let epoch = Instant::now();
            let now_ns = || epoch.elapsed().as_nanos() as u64;
            let mut heap = TimerHeap::default();
            let mut keys: Vec<_> = (0..n).map(|_| heap.insert(now_ns() + TIMEOUT.as_nanos() as u64)).collect();
            let mut r = 0;
            g.bench_function(BenchmarkId::new("raw_mio_heap", &param), |bench| {
                bench.iter(|| {
                    r = (r + 1) % rounds.len();
                    let mut left = activate(&fds, &rounds[r], &mut seen);
                    while left > 0 {
                        poll.poll(&mut events, None).expect("poll");
                        let now = now_ns();
                        for e in events.iter() {
                            let i = e.token().0;
                            fds[i].drain();
                            keys[i] = heap.reset(keys[i], now + TIMEOUT.as_nanos() as u64);
                            left -= 1;
                        }
                        heap.fire_due(now, |_| {});
                    }
                })
            });
        }

        // ampere: a readable watcher and a repeat per fd; a reset is disable + enable.
        {
            let reactor = Reactor::new().expect("reactor");
            let fds = Rc::new(eventfds(n).expect("eventfds"));
            let left = Rc::new(Cell::new(0usize));
            let timers: Vec<WatcherId> = (0..n).map(|_| reactor.repeat(TIMEOUT, |_, _| {})).collect();
            for (i, &timer) in timers.iter().enumerate() {
                let (fds2, left) = (fds.clone(), left.clone());
                reactor
                    .on_readable(&fds[i], move |h, _, _| {
                        fds2[i].drain();
                        h.disable(timer);
                        h.enable(timer).expect("enable");
                        left.set(left.get() - 1);
                        if left.get() == 0 {
                            h.stop();
                        }
                    })
                    .expect("watch");
            }
            let mut r = 0;
            g.bench_function(BenchmarkId::new("ampere", &param), |bench| {
                bench.iter(|| {
                    r = (r + 1) % rounds.len();
                    left.set(activate(&fds, &rounds[r], &mut seen));
                    reactor.run().expect("run");
                })
            });
        }

        // tokio: a task per fd, selecting between readiness and its sleep.
        {
            let rt = tokio_rt();
            let local = tokio::task::LocalSet::new();
            let left = Rc::new(Cell::new(0usize));
            let waiter: Rc<RefCell<Option<Waker>>> = Rc::new(RefCell::new(None));
            let mut fds_raw = Vec::with_capacity(n);
            local.block_on(&rt, async {
                for fd in eventfds(n).expect("eventfds") {
                    let fd = Rc::new(tokio_fd(fd));
                    fds_raw.push(fd.clone());
                    let (left, waiter) = (left.clone(), waiter.clone());
                    tokio::task::spawn_local(async move {
                        let sleep = tokio::time::sleep(TIMEOUT);
                        tokio::pin!(sleep);
                        loop {
                            tokio::select! {
                                guard = fd.readable() => {
                                    let mut guard = guard.expect("readable");
                                    fd.get_ref().drain();
                                    guard.clear_ready();
                                    sleep.as_mut().reset(tokio::time::Instant::now() + TIMEOUT);
                                    left.set(left.get() - 1);
                                    if left.get() == 0 {
                                        if let Some(w) = waiter.borrow_mut().take() {
                                            w.wake();
                                        }
                                    }
                                }
                                () = &mut sleep => sleep.as_mut().reset(tokio::time::Instant::now() + TIMEOUT),
                            }
                        }
                    });
                }
                tokio::task::yield_now().await; // let every task register
            });
            let writers: Vec<&EventFd> = fds_raw.iter().map(|fd| fd.get_ref()).collect();
            let mut r = 0;
            g.bench_function(BenchmarkId::new("tokio", &param), |bench| {
                bench.iter(|| {
                    r = (r + 1) % rounds.len();
                    left.set(activate_refs(&writers, &rounds[r], &mut seen));
                    local.block_on(
                        &rt,
                        std::future::poll_fn(|cx| {
                            if left.get() == 0 {
                                return Poll::Ready(());
                            }
                            *waiter.borrow_mut() = Some(cx.waker().clone());
                            Poll::Pending
                        }),
                    );
                })
            });
            drop(writers);
            drop(fds_raw);
            drop(local);
        }

        // calloop: a level-triggered Generic and a Timer per fd; a reset is remove + insert.
        {
            struct Data {
                handle: calloop::LoopHandle<'static, Data>,
                timers: Vec<RegistrationToken>,
                left: usize,
            }
            fn timeout(handle: &calloop::LoopHandle<'static, Data>) -> RegistrationToken {
                handle
                    .insert_source(Timer::from_duration(TIMEOUT), |_, _, _| TimeoutAction::ToDuration(TIMEOUT))
                    .expect("timer")
            }
            let mut ev: calloop::EventLoop<'static, Data> = calloop::EventLoop::try_new().expect("calloop");
            let handle = ev.handle();
            // The loop owns each source's fd; an `Rc` lets the bench write to it too.
            let fds: Vec<Rc<EventFd>> = eventfds(n).expect("eventfds").into_iter().map(Rc::new).collect();
            let writers: Vec<&EventFd> = fds.iter().map(|fd| &**fd).collect();
            let mut data = Data { handle: handle.clone(), timers: Vec::with_capacity(n), left: 0 };
            for (i, fd) in fds.iter().cloned().enumerate() {
                data.timers.push(timeout(&handle));
                handle
                    .insert_source(Generic::new(fd, Interest::READ, Mode::Level), move |_, fd, d: &mut Data| {
                        fd.drain();
                        d.handle.remove(d.timers[i]);
                        d.timers[i] = timeout(&d.handle);
                        d.left -= 1;
                        Ok(PostAction::Continue)
                    })
                    .expect("insert");
            }
            let mut r = 0;
            g.bench_function(BenchmarkId::new("calloop", &param), |bench| {
                bench.iter(|| {
                    r = (r + 1) % rounds.len();
                    data.left = activate_refs(&writers, &rounds[r], &mut seen);
                    while data.left > 0 {
                        ev.dispatch(None, &mut data).expect("dispatch");
                    }
                })
            });
        }
    }
    g.finish();
}

fn main() {
    let limit = raise_fd_limit();
    assert!(limit >= 12_000, "the io benches need 12,000 fds; the limit is {limit}");
    // What `criterion_group!`/`criterion_main!` expand to, minus an undocumented `pub fn`.
    let mut c = Criterion::default().sample_size(20).nresamples(20_000).configure_from_args();
    ping_pong(&mut c);
    many_fds(&mut c);
    c.final_summary();
}
