//! Prints the latest criterion results as markdown tables: one row per case, one column per
//! peer, each cell the median time per item with its ratio to ampere.
//!
//! Run it after `just bench` (or any `cargo bench -p ampere-benches` run): `just bench-summary`,
//! or `cargo run -p ampere-benches --bin summary [target/criterion]`. It reads each case's
//! `new/benchmark.json` (the group, the peer and the throughput) and `new/estimates.json` (the
//! median), which criterion writes under `target/criterion/<group>/<peer>/<parameter>/`.
//!
//! A cell reads `23.4 ns (1.03×)`: the peer's median per item, and that median divided by
//! ampere's (**above 1, ampere is faster**). Bare baselines (`bare_*`, `raw_*`) are the limit
//! of the design instead, so their ratio is ampere's time divided by theirs (**× limit**).
//! Cases without a throughput are shown per iteration. Where a row has several ampere variants
//! (the ping-pong's async types and watchers), a cell gives one ratio per variant, in the order
//! of the ampere columns.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// One measured case.
struct Case {
    group: String,
    peer: String,
    parameter: String,
    /// Median time per item (per iteration divided by the throughput's element count), in ns.
    per_item_ns: f64,
}

fn main() {
    let root = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target/criterion"));
    let mut cases = Vec::new();
    collect(&root, &mut cases);
    if cases.is_empty() {
        eprintln!("no criterion results under {}: run `just bench` first", root.display());
        std::process::exit(1);
    }
    // group -> parameter -> peer -> ns
    let mut table: BTreeMap<String, BTreeMap<String, BTreeMap<String, f64>>> = BTreeMap::new();
    for c in cases {
        table.entry(c.group).or_default().entry(c.parameter).or_default().insert(c.peer, c.per_item_ns);
    }
    for (group, rows) in &table {
        let mut peers: Vec<&String> = rows.values().flat_map(|r| r.keys()).collect();
        peers.sort_by_key(|p| (!p.starts_with("ampere"), is_limit(p), p.to_string()));
        peers.dedup();
        println!("### {group}\n");
        println!("| case | {} |", peers.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(" | "));
        println!("| --- |{}", " --- |".repeat(peers.len()));
        for (parameter, by_peer) in sorted_numerically(rows) {
            let ours: Vec<f64> = by_peer.iter().filter(|(p, _)| p.starts_with("ampere")).map(|(_, ns)| *ns).collect();
            let cells: Vec<String> = peers.iter().map(|p| cell(by_peer.get(*p).copied(), &ours, p)).collect();
            let name = if parameter.is_empty() { "-" } else { parameter.as_str() };
            println!("| {name} | {} |", cells.join(" | "));
        }
        println!();
    }
}

/// Whether a peer is a bare baseline (the limit of the design) rather than a competitor.
fn is_limit(peer: &str) -> bool {
    peer.starts_with("bare") || peer.starts_with("raw")
}

/// A peer's cell: its time, and its ratio to each ampere variant of the row, in column order
/// (`ping_pong` has two: async types and watchers).
fn cell(ns: Option<f64>, ours: &[f64], peer: &str) -> String {
    let Some(ns) = ns else { return "—".into() };
    let time = human(ns);
    if peer.starts_with("ampere") || ours.is_empty() {
        return time;
    }
    let ratios: Vec<String> = match is_limit(peer) {
        true => ours.iter().map(|o| format!("{:.2}×", o / ns)).collect(),
        false => ours.iter().map(|o| format!("{:.2}×", ns / o)).collect(),
    };
    let what = if is_limit(peer) { " limit" } else { "" };
    format!("{time} ({}{what})", ratios.join(" / "))
}

fn human(ns: f64) -> String {
    match ns {
        ns if ns >= 1e6 => format!("{:.2} ms", ns / 1e6),
        ns if ns >= 1e3 => format!("{:.2} µs", ns / 1e3),
        ns => format!("{ns:.1} ns"),
    }
}

/// Rows in numeric order where the parameter starts with a number (1000 before 10000).
fn sorted_numerically(rows: &BTreeMap<String, BTreeMap<String, f64>>) -> Vec<(&String, &BTreeMap<String, f64>)> {
    let mut v: Vec<_> = rows.iter().collect();
    let lead = |s: &str| s.split(|c: char| !c.is_ascii_digit()).next().and_then(|d| d.parse::<u64>().ok());
    v.sort_by_key(|(p, _)| (lead(p), p.to_string()));
    v
}

/// Walks `dir` for `new/benchmark.json` files and reads each case.
fn collect(dir: &Path, out: &mut Vec<Case>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.ends_with("new") {
            if let Some(case) = read_case(&path) {
                out.push(case);
            }
        } else if path.is_dir() && !path.ends_with("report") && !path.ends_with("base") {
            collect(&path, out);
        }
    }
}

fn read_case(new: &Path) -> Option<Case> {
    let bench = fs::read_to_string(new.join("benchmark.json")).ok()?;
    let estimates = fs::read_to_string(new.join("estimates.json")).ok()?;
    let median = number_after(&estimates[estimates.find("\"median\"")?..], "\"point_estimate\":")?;
    let elements = bench.find("\"Elements\":").and_then(|i| number_after(&bench[i..], "\"Elements\":")).unwrap_or(1.0);
    // Some groups name their cases `peer/workload` (the combinators): the workload is then
    // part of the row, not of the peer.
    let function = string_after(&bench, "\"function_id\":")?;
    let (peer, workload) = function.split_once('/').unwrap_or((&function, ""));
    let value = string_after(&bench, "\"value_str\":").unwrap_or_default();
    let parameter = [workload, &value].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" ");
    Some(Case {
        group: string_after(&bench, "\"group_id\":")?,
        peer: peer.to_string(),
        parameter,
        per_item_ns: median / elements.max(1.0),
    })
}

/// The JSON string value following `key` (criterion's files hold no escaped quotes in these).
fn string_after(json: &str, key: &str) -> Option<String> {
    let rest = json[json.find(key)? + key.len()..].trim_start();
    let rest = rest.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

/// The JSON number following `key`.
fn number_after(json: &str, key: &str) -> Option<f64> {
    let rest = json[json.find(key)? + key.len()..].trim_start();
    let end = rest.find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c))).unwrap_or(rest.len());
    rest[..end].parse().ok()
}
