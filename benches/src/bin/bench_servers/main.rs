//! `just bench-servers`: five servers that differ only in their reactor, and hyper on ampere
//! and on tokio, under a load generator, on two pinned cores.
//!
//! # What it measures
//!
//! The same small server (`benches/src/server.rs`: HTTP/1.1 keep-alive plaintext parsed with
//! httparse and answered with a fixed `200 OK`, pipelined requests answered in one write; or
//! a 1 KB echo) on each reactor: raw mio (`server_mio`, one edge-triggered `Poll` loop: the
//! physical limit), ampere watchers (`server_watchers`), ampere async (`server_async`), tokio
//! current-thread (`server_tokio`) and async-io + `LocalExecutor` (`server_async_io`).
//! The server runs on CPU 0, the load generator on CPU 1 (`taskset -c`); each run starts a
//! fresh server. Scenarios:
//!
//! - `http-64`, `http-512`: wrk, 64 / 512 keep-alive connections, one request at a time;
//! - `http-64-pipe16`, `http-512-pipe16`: the same with 16 pipelined requests per batch
//!   (`benches/servers/pipeline.lua`);
//! - `echo-64`, `echo-512`: `echo_load` (wrk speaks only HTTP), each connection sending 1 KB
//!   and reading it back in a loop;
//! - `idle-10k`: wrk with 10,000 connections on the `idle` server, where every connection
//!   has a 30 s idle timeout reset on every request (raw mio keeps a bare binary heap);
//! - `hyper-50`, `hyper-500`: wrk, 50 / 500 keep-alive connections, one request at a time, on
//!   the `hyper` workload: the same hyper 1.x HTTP/1.1 service (`ampere_benches::hyper_service`:
//!   a fixed `200 OK`, keep-alive, a 30 s `header_read_timeout` on the runtime's timer) served
//!   by `server_hyper_ampere` (the reactor's `hyper` feature: `HyperIo`, `AmpereTimer`, a
//!   spawned task per connection) and `server_hyper_tokio` (tokio current-thread, a
//!   `spawn_local` task per connection on a `LocalSet`, hyper-util's `TokioIo` and
//!   `TokioTimer`). Only those two run it.
//!
//! Per run: requests/s and p50/p99 latency as the generator saw them, and the **server's CPU
//! time per request**: utime + stime of the server's pid (`/proc/PID/stat`, in
//! `sysconf(_SC_CLK_TCK)` ticks) before and after the run, divided by the requests answered.
//! With one core for the generator, wrk saturates before most servers do, so requests/s
//! ties; CPU per request is what tells the reactors apart. load1 (`/proc/loadavg`) is sampled
//! at the start and end of each run: a figure taken above ~1.0 shares the machine.
//!
//! # How to run
//!
//! `just bench-servers` (installs wrk from Debian when missing, builds in release, runs this).
//! Environment: `DURATION` seconds per run (default 10), `RUNS` per server and scenario
//! (default 1; above 1 each figure is the median of the runs), `SERVERS` and `SCENARIOS`
//! (comma-separated names to keep, e.g. `SERVERS=mio,tokio SCENARIOS=http-64`; the hyper
//! servers are `hyper-ampere` and `hyper-tokio`, and `SCENARIOS=hyper-50,hyper-500` runs
//! the hyper workload alone; a scenario none of whose servers is kept is left out),
//! `IDLE_CONNS` (default 10000; the fd limit must allow it twice, server and generator).
//!
//! # How to read the table
//!
//! One table per scenario, a row per server. `CPU µs/req ÷ mio` is the server's CPU per
//! request over raw mio's (1.00 = as lean as the limit; 1.10 = 10 % more CPU per request);
//! `÷ tokio` the same over tokio's (below 1 = leaner than tokio). With pipelining, wrk's
//! latency is that of a batch of 16, and wrk 4.1 often prints its p99 as 0 (its percentile
//! walk loses count): a latency shown as "—" is one wrk printed as 0. `errors` sums wrk's socket errors and non-2xx
//! answers. Compare rows of one table only, and only when load1 stayed low.
//!
//! The hyper tables have no mio row: each figure of a row is divided by `hyper-tokio`'s, so
//! the `hyper-ampere` row reads as ampere ÷ tokio for req/s (above 1: ampere serves more),
//! p99 and CPU µs/req (below 1: ampere answers sooner, spends less).

mod measure;
mod report;

use std::error::Error;
use std::path::PathBuf;

use measure::{Generator, Scenario};

/// The servers of the plain workloads, raw mio first (the ratios' reference); binary name,
/// then short name.
const SERVERS: &[(&str, &str)] = &[
    ("server_mio", "mio"),
    ("server_watchers", "watchers"),
    ("server_async", "async"),
    ("server_tokio", "tokio"),
    ("server_async_io", "async-io"),
];

/// The short name of hyper on tokio: the reference of the hyper tables' ratios.
const TOKIO_HYPER: &str = "hyper-tokio";

/// The servers of the `hyper` workload: one hyper service on each runtime.
const HYPER_SERVERS: &[(&str, &str)] = &[("server_hyper_ampere", "hyper-ampere"), ("server_hyper_tokio", TOKIO_HYPER)];

fn env_number(name: &str, default: u64) -> Result<u64, Box<dyn Error>> {
    match std::env::var(name) {
        Ok(v) => Ok(v.parse().map_err(|_| format!("{name}={v:?}: not a whole number"))?),
        Err(_) => Ok(default),
    }
}

fn keep(filter: &Option<String>, name: &str) -> bool {
    filter.as_ref().is_none_or(|f| f.split(',').any(|w| w.trim() == name))
}

fn scenarios(idle_conns: usize) -> Vec<Scenario> {
    let wrk = |name: &'static str, conns, pipeline| Scenario {
        name,
        workload: "http",
        servers: SERVERS,
        conns,
        generator: Generator::Wrk { pipeline },
    };
    let hyper = |name: &'static str, conns| Scenario {
        name,
        workload: "hyper",
        servers: HYPER_SERVERS,
        conns,
        generator: Generator::Wrk { pipeline: None },
    };
    vec![
        wrk("http-64", 64, None),
        wrk("http-512", 512, None),
        wrk("http-64-pipe16", 64, Some(16)),
        wrk("http-512-pipe16", 512, Some(16)),
        Scenario { name: "echo-64", workload: "echo", servers: SERVERS, conns: 64, generator: Generator::Echo },
        Scenario { name: "echo-512", workload: "echo", servers: SERVERS, conns: 512, generator: Generator::Echo },
        Scenario {
            name: "idle-10k",
            workload: "idle",
            servers: SERVERS,
            conns: idle_conns,
            generator: Generator::Wrk { pipeline: None },
        },
        hyper("hyper-50", 50),
        hyper("hyper-500", 500),
    ]
}

fn main() -> Result<(), Box<dyn Error>> {
    let duration = env_number("DURATION", 10)?;
    let runs = env_number("RUNS", 1)?.max(1);
    let idle_conns = env_number("IDLE_CONNS", 10_000)? as usize;
    let server_filter = std::env::var("SERVERS").ok();
    let scenario_filter = std::env::var("SCENARIOS").ok();
    let bin_dir: PathBuf = std::env::current_exe()?.parent().ok_or("no binary directory")?.to_path_buf();
    let lua = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("servers/pipeline.lua");
    if std::process::Command::new("wrk").arg("--version").output().is_err() {
        return Err("wrk is not installed: `just bench-servers` installs it (apt-get install wrk)".into());
    }
    let fd_limit = ampere_benches::raise_fd_limit(); // the children inherit it

    let env = measure::Env { bin_dir, lua, duration, clk_tck: ampere_benches::clock_ticks_per_second() };
    println!("{}", report::header(duration, runs, fd_limit));
    for scenario in scenarios(idle_conns) {
        if !keep(&scenario_filter, scenario.name) || !scenario.servers.iter().any(|(_, n)| keep(&server_filter, n)) {
            continue; // left out, or none of its servers is selected
        }
        if scenario.conns as u64 + 64 > fd_limit {
            println!(
                "\n### {}\n\nleft out: the fd limit is {fd_limit}, too low for {} connections\n",
                scenario.name, scenario.conns
            );
            continue;
        }
        let mut rows = Vec::new();
        for &(bin, name) in scenario.servers {
            if !keep(&server_filter, name) {
                continue;
            }
            let mut samples = Vec::new();
            for run in 1..=runs {
                eprintln!("{} / {name}: run {run} of {runs} ({duration} s)", scenario.name);
                match measure::run_once(&env, bin, &scenario) {
                    Ok(sample) => samples.push(sample),
                    Err(e) => eprintln!("{} / {name}: run {run} failed: {e}", scenario.name),
                }
            }
            if let Some(row) = report::Row::median(name, &samples) {
                rows.push(row);
            }
        }
        println!("{}", report::table(&scenario, &rows));
    }
    Ok(())
}
