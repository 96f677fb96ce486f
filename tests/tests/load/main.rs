//! Load: a loopback TCP echo server holding 1,000+ concurrent connections with every byte
//! checked, a signal storm while timers and I/O run, and a million timers alive at once.
//!
//! `harness = false`: the cases raise the fd limit, change signal dispositions and count the
//! process's fds, so they run one after another from `main`. `AMPERE_SOAK=1` scales them up
//! (10,000 connections, 100,000 paced signals, 4 million timers); under valgrind the million
//! timers shrink to 100,000.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use ampere_combinators::timeout;
use ampere_reactor::net::{TcpListener, TcpStream, UnixStream};
use ampere_reactor::{Handle, Reactor};
use ampere_tests::{
    fd_count, figure, raise_fd_limit, run_cases, scaled, slowdown, socket_pair, status_kib, Case, Counter,
};
use futures::{AsyncReadExt, AsyncWriteExt};

mod echo;
mod storm;
mod timers;

/// The byte at `offset` of connection `conn`'s stream: every connection sends different data,
/// so a byte delivered to the wrong connection or out of order is caught.
fn pattern(conn: usize, offset: usize) -> u8 {
    (conn.wrapping_mul(131) ^ offset.wrapping_mul(7) ^ (offset >> 9)) as u8
}

fn main() {
    let budget = if ampere_tests::soak() { Duration::from_secs(3600) } else { Duration::from_secs(300) };
    run_cases(
        &[
            Case::new(
                "a_loopback_echo_server_holds_a_thousand_connections_and_checks_every_byte",
                echo::a_loopback_echo_server_holds_a_thousand_connections_and_checks_every_byte,
            ),
            Case::new(
                "a_signal_storm_leaves_every_watcher_consistent",
                storm::a_signal_storm_leaves_every_watcher_consistent,
            ),
            Case::new(
                "a_million_timers_alive_at_once_each_fire_once_and_never_early",
                timers::a_million_timers_alive_at_once_each_fire_once_and_never_early,
            ),
        ],
        budget,
    );
}
