//! One run: start a pinned server, load it from the other core, read back what it cost.

use std::error::Error;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// Where things are, and the run length.
pub(crate) struct Env {
    pub(crate) bin_dir: PathBuf,
    pub(crate) lua: PathBuf,
    pub(crate) duration: u64,
    pub(crate) clk_tck: u64,
}

/// What loads the server.
pub(crate) enum Generator {
    /// wrk, one thread; `pipeline`: requests per batch (the Lua script).
    Wrk { pipeline: Option<u32> },
    /// `echo_load`: 1 KB round trips.
    Echo,
}

/// A workload on the server and its load.
pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    /// The server's workload argument: http, echo, idle or hyper.
    pub(crate) workload: &'static str,
    /// The servers that run it: (binary, short name), the ratios' references among them.
    pub(crate) servers: &'static [(&'static str, &'static str)],
    pub(crate) conns: usize,
    pub(crate) generator: Generator,
}

/// The figures of one run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    pub(crate) requests: f64,
    pub(crate) rps: f64,
    pub(crate) p50_us: f64,
    pub(crate) p99_us: f64,
    /// Server CPU (user + system) per request.
    pub(crate) cpu_us_per_req: f64,
    pub(crate) load_start: f64,
    pub(crate) load_end: f64,
    /// Errors the generator reported (wrk's socket errors, non-2xx answers).
    pub(crate) errors: u64,
}

/// Kills the server however the run ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        if ampere_benches::terminate(self.0.id()).is_err() {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// Runs `bin` pinned to CPU 0 under the scenario's generator pinned to CPU 1.
pub(crate) fn run_once(env: &Env, bin: &str, sc: &Scenario) -> Result<Sample, Box<dyn Error>> {
    let child = Command::new("taskset")
        .args(["-c", "0"])
        .arg(env.bin_dir.join(bin))
        .args(["0", sc.workload]) // port 0: the server prints the one it got
        .stdout(Stdio::piped())
        .spawn()?;
    let mut server = Server(child);
    let pid = server.0.id();
    let mut ready = String::new();
    BufReader::new(server.0.stdout.take().ok_or("no server stdout")?).read_line(&mut ready)?;
    let port: u16 = field(&ready, "port=").ok_or_else(|| format!("{bin} did not start: {ready:?}"))?;

    let mut load = Command::new("taskset");
    load.args(["-c", "1"]);
    match sc.generator {
        Generator::Wrk { pipeline } => {
            load.arg("wrk").args(["-t1", "--latency", "--timeout", "10s"]);
            load.arg(format!("-c{}", sc.conns)).arg(format!("-d{}s", env.duration));
            if pipeline.is_some() {
                load.arg("-s").arg(&env.lua);
            }
            load.arg(format!("http://127.0.0.1:{port}/"));
            if let Some(depth) = pipeline {
                load.args(["--", &depth.to_string()]);
            }
        }
        Generator::Echo => {
            load.arg(env.bin_dir.join("echo_load"));
            load.args([port.to_string(), sc.conns.to_string(), env.duration.to_string()]);
        }
    }
    let load_start = load1()?;
    let cpu_start = cpu_ticks(pid)?;
    let out = load.output()?;
    let cpu_end = cpu_ticks(pid)?;
    let load_end = load1()?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("load generator failed: {}{}", text, String::from_utf8_lossy(&out.stderr)).into());
    }
    let Load { requests, seconds, p50_us, p99_us, errors } = match sc.generator {
        Generator::Wrk { .. } => parse_wrk(&text)?,
        Generator::Echo => parse_echo(&text)?,
    };
    if requests == 0.0 {
        return Err(format!("no request answered: {text}").into());
    }
    let cpu_us = (cpu_end - cpu_start) as f64 * 1e6 / env.clk_tck as f64;
    Ok(Sample {
        requests,
        rps: requests / seconds,
        p50_us,
        p99_us,
        cpu_us_per_req: cpu_us / requests,
        load_start,
        load_end,
        errors,
    })
}

/// utime + stime of `pid`, in clock ticks (fields 14 and 15 of `/proc/PID/stat`; the
/// command name before them is in parentheses and may hold spaces).
fn cpu_ticks(pid: u32) -> Result<u64, Box<dyn Error>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after_name = stat.rsplit_once(')').ok_or("bad /proc/PID/stat")?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // after the name: field 3 (state) is index 0, so utime (14) is 11 and stime (15) is 12
    Ok(fields[11].parse::<u64>()? + fields[12].parse::<u64>()?)
}

/// The 1-minute load average.
pub(crate) fn load1() -> Result<f64, Box<dyn Error>> {
    let s = std::fs::read_to_string("/proc/loadavg")?;
    Ok(s.split_whitespace().next().ok_or("empty /proc/loadavg")?.parse()?)
}

/// The value after `key` in a line of `key=value` words.
fn field<T: std::str::FromStr>(line: &str, key: &str) -> Option<T> {
    line.split_whitespace().find_map(|w| w.strip_prefix(key)).and_then(|v| v.parse().ok())
}

/// What the load generator reported.
struct Load {
    requests: f64,
    seconds: f64,
    p50_us: f64,
    p99_us: f64,
    errors: u64,
}

/// `echo_load`'s line: round trips, seconds, p50, p99.
fn parse_echo(text: &str) -> Result<Load, Box<dyn Error>> {
    let get = |k| field::<f64>(text, k).ok_or_else(|| format!("echo_load printed {text:?}"));
    Ok(Load {
        requests: get("round_trips=")?,
        seconds: get("seconds=")?,
        p50_us: get("p50_us=")?,
        p99_us: get("p99_us=")?,
        errors: 0,
    })
}

/// wrk's report: "N requests in 2.00s", the 50 % and 99 % lines of `--latency`, and the
/// error lines.
fn parse_wrk(text: &str) -> Result<Load, Box<dyn Error>> {
    let bad = || format!("unexpected wrk output: {text}");
    let mut requests = None;
    let mut p50 = None;
    let mut p99 = None;
    let mut errors = 0;
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [n, "requests", "in", secs, ..] => {
                let secs = secs.trim_end_matches(',').trim_end_matches('s');
                requests = Some((n.parse::<f64>()?, secs.parse::<f64>()?));
            }
            ["50%", v] => p50 = Some(micros(v).ok_or_else(bad)?),
            ["99%", v] => p99 = Some(micros(v).ok_or_else(bad)?),
            ["Socket", "errors:", rest @ ..] => {
                errors += rest.iter().filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok()).sum::<u64>();
            }
            ["Non-2xx", "or", "3xx", "responses:", n] => errors += n.parse::<u64>()?,
            _ => {}
        }
    }
    let (requests, seconds) = requests.ok_or_else(bad)?;
    // wrk now and then prints a percentile of 0 (its histogram lost count): no figure.
    let figure = |v: f64| if v > 0.0 { v } else { f64::NAN };
    Ok(Load { requests, seconds, p50_us: figure(p50.ok_or_else(bad)?), p99_us: figure(p99.ok_or_else(bad)?), errors })
}

/// wrk's "123.45us", "1.23ms", "2.00s" in µs.
fn micros(v: &str) -> Option<f64> {
    let (num, scale) = if let Some(n) = v.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1e3)
    } else if let Some(n) = v.strip_suffix('m') {
        (n, 60e6)
    } else {
        (v.strip_suffix('s')?, 1e6)
    };
    num.parse::<f64>().ok().map(|x| x * scale)
}
