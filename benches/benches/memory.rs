//! Memory: bytes per pending timer, per idle task and per idle watcher, as the growth of the
//! peak resident set (`VmHWM`) while a million of them are created, divided by a million.
//! Against tokio, async-io, async-executor and calloop where they have the same object. A
//! plain `main` that prints a markdown table (criterion's harness is not used).
//!
//! Every case runs in a fresh child process (this binary re-executed with `--memory-case`),
//! so no case inherits another's freed heap. Each case builds its reactor or runtime and any
//! `Vec` that holds the objects *before* the first reading: what is counted is the objects
//! themselves, as their crates allocate them. Timers and tasks carry zero-sized closures and
//! futures, so everything counted is the library's own cost. I/O watchers are counted over
//! 10k eventfds (the fd limit here is 20,000), created before the first reading too.
//!
//! The quick pass counts 100k of each instead of a million.

use std::future::{pending, Future};
use std::pin::Pin;
use std::process::Command;
use std::task::Poll;
use std::time::Duration;

use ampere_benches::{eventfds, peak_rss_bytes, quick, raise_fd_limit, selected, tokio_rt, Table};
use ampere_reactor::Reactor;
use calloop::generic::Generic;
use calloop::timer::{TimeoutAction, Timer};
use calloop::{Interest, Mode, PostAction};

/// The cases: (object, peer).
const CASES: [(&str, &str); 14] = [
    ("timer", "ampere"),
    ("timer", "tokio"),
    ("timer", "async_io"),
    ("timer", "calloop"),
    ("task", "ampere"),
    ("task", "tokio"),
    ("task", "async_executor"),
    ("task", "calloop"),
    ("idle_watcher", "ampere"),
    ("io_watcher", "ampere"),
    ("io_watcher", "tokio"),
    ("io_watcher", "async_io"),
    ("io_watcher", "calloop"),
    ("io_watcher", "bare_eventfd"),
];

/// I/O watchers counted (bounded by the fd limit).
const FDS: usize = 10_000;

/// Far enough that no timer fires while it is counted.
const FAR: Duration = Duration::from_secs(3600);

/// Polls every future once (registers tokio sleeps and async-io timers).
async fn poll_all<F: Future + Unpin>(v: &mut [F]) {
    std::future::poll_fn(|cx| {
        for f in v.iter_mut() {
            let _ = Pin::new(f).poll(cx);
        }
        Poll::Ready(())
    })
    .await
}

/// Runs one case in this process: returns (objects, bytes of peak-RSS growth). The objects
/// live until the process exits.
fn run_case(object: &str, peer: &str, n: usize) -> (usize, u64) {
    let before = || peak_rss_bytes().expect("VmHWM");
    match (object, peer) {
        ("timer", "ampere") => {
            let reactor = Reactor::new().expect("reactor");
            let b = before();
            for _ in 0..n {
                reactor.delay(FAR, |_, _| {});
            }
            (n, peak_rss_bytes().expect("VmHWM") - b)
        }
        ("timer", "tokio") => {
            let rt = tokio_rt();
            let mut v = Vec::with_capacity(n);
            let b = before();
            rt.block_on(tokio::task::unconstrained(async {
                v.extend((0..n).map(|_| Box::pin(tokio::time::sleep(FAR))));
                poll_all(&mut v).await;
            }));
            (n, peak_rss_bytes().expect("VmHWM") - b)
        }
        ("timer", "async_io") => {
            let mut v = Vec::with_capacity(n);
            async_io::block_on(async { async_io::Timer::after(Duration::from_millis(1)).await });
            let b = before();
            async_io::block_on(async {
                v.extend((0..n).map(|_| async_io::Timer::after(FAR)));
                poll_all(&mut v).await;
            });
            // Timer registrations are queued; a turn of the reactor files them.
            async_io::block_on(async { async_io::Timer::after(Duration::from_millis(1)).await });
            (n, peak_rss_bytes().expect("VmHWM") - b)
        }
        ("timer", "calloop") => {
            let ev: calloop::EventLoop<'static, ()> = calloop::EventLoop::try_new().expect("calloop");
            let h = ev.handle();
            let mut v = Vec::with_capacity(n);
            let b = before();
            for _ in 0..n {
                v.push(h.insert_source(Timer::from_duration(FAR), |_, _, _| TimeoutAction::Drop).expect("insert"));
            }
            (n, peak_rss_bytes().expect("VmHWM") - b)
        }
        ("task", "ampere") => {
            let reactor = Reactor::new().expect("reactor");
            let b = before();
            for _ in 0..n {
                drop(reactor.spawn(pending::<()>())); // detached: the task lives on
            }
            // Poll each once (a tick polls up to 256), so that every task is idle.
            for _ in 0..n.div_ceil(256) {
                reactor.tick().expect("tick");
            }
            (n, peak_rss_bytes().expect("VmHWM") - b)
        }
        ("task", "tokio") => {
            let rt = tokio_rt();
            let local = tokio::task::LocalSet::new();
            let b = before();
            local.block_on(&rt, async {
                for _ in 0..n {
                    drop(tokio::task::spawn_local(pending::<()>()));
                }
                // A LocalSet polls up to 61 tasks per round; yield until each was polled once.
                for _ in 0..n.div_ceil(61) + 1 {
                    tokio::task::yield_now().await;
                }
            });
            (n, peak_rss_bytes().expect("VmHWM") - b)
        }
        ("task", "async_executor") => {
            let ex = async_executor::LocalExecutor::new();
            let b = before();
            for _ in 0..n {
                ex.spawn(pending::<()>()).detach();
            }
            while ex.try_tick() {}
            (n, peak_rss_bytes().expect("VmHWM") - b)
        }
        ("task", "calloop") => {
            let mut ev: calloop::EventLoop<'static, ()> = calloop::EventLoop::try_new().expect("calloop");
            let (exec, sched) = calloop::futures::executor::<()>().expect("executor");
            ev.handle().insert_source(exec, |_, _, _| {}).expect("insert");
            let b = before();
            for _ in 0..n {
                sched.schedule(pending::<()>()).expect("schedule");
            }
            ev.dispatch(Some(Duration::ZERO), &mut ()).expect("dispatch");
            (n, peak_rss_bytes().expect("VmHWM") - b)
        }
        ("idle_watcher", "ampere") => {
            let reactor = Reactor::new().expect("reactor");
            let b = before();
            for _ in 0..n {
                reactor.watch().disabled().repeat(FAR, |_, _| {});
            }
            (n, peak_rss_bytes().expect("VmHWM") - b)
        }
        ("io_watcher", peer) => io_watchers(peer),
        _ => unreachable!("unknown case {object}/{peer}"),
    }
}

fn io_watchers(peer: &str) -> (usize, u64) {
    let fds = eventfds(FDS).expect("eventfds");
    let before = || peak_rss_bytes().expect("VmHWM");
    match peer {
        "ampere" => {
            let reactor = Reactor::new().expect("reactor");
            let b = before();
            for fd in &fds {
                reactor.on_readable(fd, |_, _, _| {}).expect("watch");
            }
            (FDS, peak_rss_bytes().expect("VmHWM") - b)
        }
        "tokio" => {
            let rt = tokio_rt();
            let _entered = rt.enter();
            let mut v = Vec::with_capacity(FDS);
            let b = before();
            for fd in fds {
                // SAFETY: `EventFd` owns its fd, open and unchanged until the AsyncFd drops it.
                v.push(unsafe { tokio::io::unix::AsyncFd::register(fd) }.expect("register"));
            }
            (FDS, peak_rss_bytes().expect("VmHWM") - b)
        }
        "async_io" => {
            let mut v = Vec::with_capacity(FDS);
            async_io::block_on(async { async_io::Timer::after(Duration::from_millis(1)).await });
            let b = before();
            for fd in fds {
                v.push(async_io::Async::new(fd).expect("register"));
            }
            (FDS, peak_rss_bytes().expect("VmHWM") - b)
        }
        "calloop" => {
            let ev: calloop::EventLoop<'static, ()> = calloop::EventLoop::try_new().expect("calloop");
            let h = ev.handle();
            let mut v = Vec::with_capacity(FDS);
            let b = before();
            for fd in fds {
                let source = Generic::new(fd, Interest::READ, Mode::Level);
                v.push(h.insert_source(source, |_, _, _| Ok(PostAction::Continue)).expect("insert"));
            }
            (FDS, peak_rss_bytes().expect("VmHWM") - b)
        }
        // The floor: the fds alone, registered with a bare epoll through mio.
        _ => {
            let poll = mio::Poll::new().expect("poll");
            let b = before();
            for (i, fd) in fds.iter().enumerate() {
                let source = &mut mio::unix::SourceFd(&std::os::fd::AsRawFd::as_raw_fd(fd));
                poll.registry().register(source, mio::Token(i), mio::Interest::READABLE).expect("register");
            }
            (FDS, peak_rss_bytes().expect("VmHWM") - b)
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--memory-case") {
        raise_fd_limit();
        let n: usize = args[i + 3].parse().expect("count");
        let (count, bytes) = run_case(&args[i + 1], &args[i + 2], n);
        println!("{count} {bytes}");
        return;
    }
    if !selected("memory") {
        return;
    }
    let n = if quick() { 100_000 } else { 1_000_000 };
    let exe = std::env::current_exe().expect("current exe");
    let table = Table::new(
        &format!("memory::bytes_per_item (peak RSS growth / items; {n} timers, tasks and idle watchers, {FDS} fds)"),
        &["object", "peer", "items", "bytes per item"],
    );
    for (object, peer) in CASES {
        let out = Command::new(&exe).args(["--memory-case", object, peer, &n.to_string()]).output().expect("child");
        let text = String::from_utf8_lossy(&out.stdout);
        let cells = match text.split_whitespace().map(str::parse::<u64>).collect::<Result<Vec<_>, _>>() {
            Ok(v) if out.status.success() && v.len() == 2 => {
                [object.to_owned(), peer.to_owned(), v[0].to_string(), format!("{:.1}", v[1] as f64 / v[0] as f64)]
            }
            _ => {
                let err = String::from_utf8_lossy(&out.stderr);
                let why = err.lines().find(|l| l.contains("panicked") || l.contains("error")).unwrap_or("failed");
                [object.to_owned(), peer.to_owned(), "-".to_owned(), format!("failed: {why}")]
            }
        };
        table.row(&cells);
    }
}
