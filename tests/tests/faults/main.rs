//! Faults: peers that reset mid-write, half-close, connect and vanish or send one byte at a
//! time; callbacks and tasks that panic; wakes from other threads racing with completion;
//! fds closed under a watcher; running out of fds. Each must end in a typed error or a
//! correct result, with nothing lost, nothing leaked, no spin and no hang.
//!
//! `harness = false`: the cases count the process's fds, change the fd limit and watch
//! signals, so they run one after another from `main`. `AMPERE_SOAK=1` scales them up.

use std::cell::{Cell, RefCell};
use std::future::{pending, poll_fn, Future};
use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use ampere_combinators::{timeout, TimedOut};
use ampere_reactor::net::{TcpListener, TcpStream};
use ampere_reactor::{sleep, Error, Handle, JoinError, Reactor, WatcherId};
use ampere_tests::{
    figure, run_cases, scaled, slowdown, socket_pair, status_kib, thread_cpu_time, Case, Counter, DropCounter, Rng,
    ON_PURPOSE,
};
use futures::{AsyncReadExt, AsyncWriteExt};

mod fds;
mod panics;
mod peers;
mod stale_fds;
mod wakes;

/// Faults injected by all cases (printed at the end).
static FAULTS: AtomicUsize = AtomicUsize::new(0);

fn injected(what: &str, n: usize) {
    FAULTS.fetch_add(n, Ordering::Relaxed);
    figure(&format!("faults injected: {what}"), n);
}

/// Byte `j` of stream `i`.
fn pattern(i: usize, j: usize) -> u8 {
    (i.wrapping_mul(97) ^ j.wrapping_mul(13) ^ (j >> 8)) as u8
}

fn bytes_of(i: usize, len: usize) -> Vec<u8> {
    (0..len).map(|j| pattern(i, j)).collect()
}

/// A future that gives the other tasks one turn.
async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}

/// A connected pair: the client end and the server end, made in lockstep so the listener's
/// backlog never overflows.
async fn connect_pair(listener: &TcpListener, addr: SocketAddr) -> io::Result<(TcpStream, TcpStream)> {
    let client = TcpStream::connect(addr).await?;
    let (server, _) = listener.accept().await?;
    Ok((client, server))
}

fn listener() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    (l, addr)
}

/// Echoes one connection until EOF; returns the bytes echoed.
async fn echo(stream: TcpStream) -> io::Result<usize> {
    let mut buf = vec![0u8; 8192];
    let mut total = 0;
    loop {
        let n = (&stream).read(&mut buf).await?;
        if n == 0 {
            (&stream).close().await?;
            return Ok(total);
        }
        (&stream).write_all(&buf[..n]).await?;
        total += n;
    }
}

/// Sends `len` bytes of pattern `i` through an echo and checks them on the way back.
async fn echo_client(i: usize, stream: TcpStream, len: usize) -> io::Result<usize> {
    let data = bytes_of(i, len);
    let send = async {
        (&stream).write_all(&data).await?;
        (&stream).close().await
    };
    let recv = async {
        let mut back = Vec::new();
        (&stream).read_to_end(&mut back).await?;
        Ok::<_, io::Error>(back)
    };
    let (sent, back) = futures::future::join(send, recv).await;
    sent?;
    let back = back?;
    assert!(back == data, "stream {i} came back intact");
    Ok(back.len())
}

/// `run` with a stop after `limit` (a timer), so a hang shows up as `Ok`.
fn timeout_run(reactor: &Reactor, limit: Duration) -> ampere_reactor::Result<()> {
    let stopper = reactor.watch().unreferenced().delay(limit, |h, _| h.stop());
    let out = reactor.run();
    reactor.cancel(stopper);
    out
}

/// Runs `f` on a thread of its own and gives up after `limit`: for cases that hang today.
fn on_a_thread_within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit).ok()
}

fn main() {
    let budget = if ampere_tests::soak() { Duration::from_secs(3600) } else { Duration::from_secs(120) };
    let started = Instant::now();
    run_cases(
        &[
            Case::new(
                "peers_that_reset_mid_write_give_typed_errors_and_other_connections_go_on",
                peers::peers_that_reset_mid_write_give_typed_errors_and_other_connections_go_on,
            ),
            Case::new("half_closed_peers_get_their_whole_reply", peers::half_closed_peers_get_their_whole_reply),
            Case::new(
                "peers_that_connect_then_vanish_or_go_silent_are_dropped",
                peers::peers_that_connect_then_vanish_or_go_silent_are_dropped,
            ),
            Case::new(
                "a_peer_sending_one_byte_at_a_time_is_reassembled_exactly",
                peers::a_peer_sending_one_byte_at_a_time_is_reassembled_exactly,
            ),
            Case::new(
                "a_callback_that_panics_every_nth_call_loses_no_work",
                panics::a_callback_that_panics_every_nth_call_loses_no_work,
            ),
            Case::new(
                "a_task_that_panics_while_holding_watchers_releases_all_of_them",
                panics::a_task_that_panics_while_holding_watchers_releases_all_of_them,
            ),
            Case::new(
                "wakes_from_other_threads_racing_with_completion_are_harmless",
                wakes::wakes_from_other_threads_racing_with_completion_are_harmless,
            ),
            Case::new(
                "a_closed_fd_whose_file_lives_on_is_a_clear_error_not_a_spin",
                fds::a_closed_fd_whose_file_lives_on_is_a_clear_error_not_a_spin,
            ),
            Case::new(
                "a_closed_fd_whose_watcher_was_never_cancelled_is_a_clear_error_not_a_hang",
                fds::a_closed_fd_whose_watcher_was_never_cancelled_is_a_clear_error_not_a_hang,
            ),
            Case::new(
                "a_reused_fd_number_gives_a_working_watcher_or_a_clear_error",
                fds::a_reused_fd_number_gives_a_working_watcher_or_a_clear_error,
            ),
            Case::new(
                "a_watcher_left_on_a_closed_fd_is_an_error_not_a_callback_on_the_next_file",
                stale_fds::a_watcher_left_on_a_closed_fd_is_an_error_not_a_callback_on_the_next_file,
            ),
            Case::new(
                "a_watcher_left_on_a_closed_fd_goes_to_the_error_handler_and_the_loop_goes_on",
                stale_fds::a_watcher_left_on_a_closed_fd_goes_to_the_error_handler_and_the_loop_goes_on,
            ),
            Case::new(
                "a_watcher_left_on_a_closed_fd_whose_file_lives_on_is_an_error_too",
                stale_fds::a_watcher_left_on_a_closed_fd_whose_file_lives_on_is_an_error_too,
            ),
            Case::new(
                "a_disabled_watcher_left_on_a_closed_fd_never_watches_the_next_file",
                stale_fds::a_disabled_watcher_left_on_a_closed_fd_never_watches_the_next_file,
            ),
            Case::new(
                "cancelling_before_closing_lets_the_next_file_with_that_number_be_watched_without_error",
                stale_fds::cancelling_before_closing_lets_the_next_file_with_that_number_be_watched_without_error,
            ),
            Case::new(
                "accept_out_of_fds_is_a_typed_error_and_the_listener_recovers",
                fds::accept_out_of_fds_is_a_typed_error_and_the_listener_recovers,
            ),
            Case::new(
                "a_panicking_error_handler_is_an_error_out_of_run_and_the_reactor_stays_usable",
                panics::a_panicking_error_handler_is_an_error_out_of_run_and_the_reactor_stays_usable,
            ),
            Case::new(
                "block_on_a_future_that_yields_lets_tasks_and_watchers_run",
                wakes::block_on_a_future_that_yields_lets_tasks_and_watchers_run,
            ),
            Case::new(
                "block_on_waiting_only_on_a_socket_sleeps_instead_of_spinning",
                wakes::block_on_waiting_only_on_a_socket_sleeps_instead_of_spinning,
            ),
        ],
        budget,
    );
    figure("faults injected in total", FAULTS.load(Ordering::Relaxed));
    figure("peak RSS (VmHWM, KiB)", status_kib("VmHWM"));
    figure("elapsed", format!("{:.2?}", started.elapsed()));
}
