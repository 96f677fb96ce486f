//! Shared fixtures for the criterion benchmarks in `benches/benches/`.
//!
//! Everything a bench file needs besides the crates it measures: a seeded [`Rng`], fds that
//! can be made readable on demand ([`EventFd`]), a bare [`TimerFd`] and [`TimerHeap`] (the
//! baselines that stand for the physical limit of a design), a self-waking future, latency
//! summaries and peak-RSS readings. The peers themselves (tokio, calloop, async-io) appear only
//! in the bench files and the server binaries, never here.
//!
//! [`server`] holds what the servers of `just bench-servers` share (`benches/src/bin/server_*.rs`),
//! [`hyper_service`] the one hyper service of its `hyper` workload.
//!
//! The bench files that are plain `main`s (resolution, drift, memory) print markdown tables;
//! `docs/benchmarks.md` explains how every figure was taken.
#![deny(unsafe_code)]
#![doc(test(attr(deny(warnings))))]

mod args;
pub mod hyper_service;
#[allow(unsafe_code)]
mod os;
mod rng;
pub mod server;
mod stats;
mod task;
mod timer_heap;
mod workloads;

pub use args::{quick, selected};
pub use os::{
    clock_ticks_per_second, eventfds, exit_on_termination, peak_rss_bytes, raise_fd_limit, raise_signal, terminate,
    EventFd, TimerFd,
};
pub use rng::{random_delays, shuffled, Rng};
pub use stats::{Summary, Table};
pub use task::{spin_for, RemoteWaker, RoundTrip, YieldNow};
pub use timer_heap::{TimerHeap, TimerKey};
pub use workloads::{
    far_delays, flat_group, near_offsets, reset_order, reset_sizes, timer_sizes, tokio_rt, tune, ARM_CANCEL_LIVE,
    CHURN_LIVE, CHURN_TIMEOUT, DEFER_N, PING_PONG_IDLE, RESET_TIMEOUT, START_N,
};
