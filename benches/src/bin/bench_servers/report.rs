//! The markdown the driver prints: the machine, then one table per scenario.

use std::fmt::Write;

use crate::measure::{Sample, Scenario};
use crate::TOKIO_HYPER;

/// One server's figures in one scenario: the medians of its runs.
pub(crate) struct Row {
    name: &'static str,
    runs: usize,
    median: Sample,
    /// The lowest and highest load1 seen at any run's start or end.
    load: (f64, f64),
    errors: u64,
}

impl Row {
    /// The medians of `samples`; `None` when every run failed.
    pub(crate) fn median(name: &'static str, samples: &[Sample]) -> Option<Row> {
        let first = *samples.first()?;
        let med = |f: fn(&Sample) -> f64| {
            // NaN: a figure the generator did not give; the median of the others.
            let mut v: Vec<f64> = samples.iter().map(f).filter(|x| !x.is_nan()).collect();
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
        };
        let loads = samples.iter().flat_map(|s| [s.load_start, s.load_end]);
        Some(Row {
            name,
            runs: samples.len(),
            median: Sample {
                requests: med(|s| s.requests),
                rps: med(|s| s.rps),
                p50_us: med(|s| s.p50_us),
                p99_us: med(|s| s.p99_us),
                cpu_us_per_req: med(|s| s.cpu_us_per_req),
                ..first
            },
            load: loads.fold((f64::MAX, f64::MIN), |(lo, hi), l| (lo.min(l), hi.max(l))),
            errors: samples.iter().map(|s| s.errors).sum(),
        })
    }
}

/// The machine and the settings, before the tables.
pub(crate) fn header(duration: u64, runs: u64, fd_limit: u64) -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, m)| m.trim()))
        .unwrap_or("unknown CPU");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = crate::measure::load1().unwrap_or(f64::NAN);
    format!(
        "## Servers under a load generator\n\n\
         CPU: {model} ({cores} CPUs online); server on CPU 0, load generator on CPU 1.\n\
         {duration} s per run, {runs} run(s) per figure (medians); fd limit {fd_limit}; load1 {load:.2} at start.\n\
         CPU µs/req: server user+system time per request; ÷ mio / ÷ tokio: that figure over raw mio's / tokio's \
         (hyper tables: each figure over hyper-tokio's, so the hyper-ampere row is ampere ÷ tokio)."
    )
}

/// One scenario's table, a row per server: the hyper layout for the hyper servers, else the
/// CPU ratios to raw mio and tokio.
pub(crate) fn table(sc: &Scenario, rows: &[Row]) -> String {
    if sc.workload == "hyper" {
        return hyper_table(sc, rows);
    }
    let cpu_of = |name| rows.iter().find(|r| r.name == name).map(|r| r.median.cpu_us_per_req);
    let ratio = |cpu: f64, base: Option<f64>| base.map_or("—".to_owned(), |b| format!("{:.2}", cpu / b));
    let mut out = format!("\n### {} ({} connections, workload {})\n\n", sc.name, sc.conns, sc.workload);
    out.push_str("| server | req/s | p50 µs | p99 µs | CPU µs/req | ÷ mio | ÷ tokio | load1 | runs | errors |\n");
    out.push_str("| --- | --: | --: | --: | --: | --: | --: | --- | --: | --: |\n");
    for r in rows {
        let m = &r.median;
        let _ = writeln!(
            out,
            "| {} | {:.0} | {} | {} | {:.2} | {} | {} | {:.2}–{:.2} | {} | {} |",
            r.name,
            m.rps,
            us(m.p50_us),
            us(m.p99_us),
            m.cpu_us_per_req,
            ratio(m.cpu_us_per_req, cpu_of("mio")),
            ratio(m.cpu_us_per_req, cpu_of("tokio")),
            r.load.0,
            r.load.1,
            r.runs,
            r.errors,
        );
    }
    if rows.is_empty() {
        out.push_str("| (every run failed: see the messages above) | | | | | | | | | |\n");
    }
    out
}

/// The hyper workload's table: every figure of a row over hyper-on-tokio's, so the
/// hyper-ampere row reads as ampere ÷ tokio (req/s: above 1 is better; p99 and CPU: below).
fn hyper_table(sc: &Scenario, rows: &[Row]) -> String {
    let tokio = rows.iter().find(|r| r.name == TOKIO_HYPER).map(|r| r.median);
    let ratio = |f: fn(&Sample) -> f64, m: &Sample| match tokio {
        Some(t) if !f(m).is_nan() && !f(&t).is_nan() => format!("{:.2}", f(m) / f(&t)),
        _ => "—".to_owned(),
    };
    let mut out = format!("\n### {} ({} connections, workload {})\n\n", sc.name, sc.conns, sc.workload);
    out.push_str(
        "| server | req/s | req/s ÷ tokio | p50 µs | p99 µs | p99 ÷ tokio | CPU µs/req | CPU ÷ tokio | load1 | runs | errors |\n",
    );
    out.push_str("| --- | --: | --: | --: | --: | --: | --: | --: | --- | --: | --: |\n");
    for r in rows {
        let m = &r.median;
        let _ = writeln!(
            out,
            "| {} | {:.0} | {} | {} | {} | {} | {:.2} | {} | {:.2}–{:.2} | {} | {} |",
            r.name,
            m.rps,
            ratio(|s| s.rps, m),
            us(m.p50_us),
            us(m.p99_us),
            ratio(|s| s.p99_us, m),
            m.cpu_us_per_req,
            ratio(|s| s.cpu_us_per_req, m),
            r.load.0,
            r.load.1,
            r.runs,
            r.errors,
        );
    }
    if rows.is_empty() {
        out.push_str("| (every run failed: see the messages above) | | | | | | | | | | |\n");
    }
    out
}

/// A latency in whole µs, "—" when the generator gave none.
fn us(v: f64) -> String {
    if v.is_nan() {
        "—".to_owned()
    } else {
        format!("{v:.0}")
    }
}
