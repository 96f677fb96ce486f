//! Summaries of latency samples, and the markdown tables the plain-`main` benches print.

use std::fmt::Write as _;
use std::time::Duration;

/// Mean and percentiles of a set of durations.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Summary {
    /// Samples.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: Duration,
    /// Median.
    pub p50: Duration,
    /// 99th percentile (nearest rank).
    pub p99: Duration,
    /// Smallest sample.
    pub min: Duration,
    /// Largest sample.
    pub max: Duration,
}

impl Summary {
    /// Summarises `samples` (sorting them). All zero for no samples.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut s: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
    /// let sum = ampere_benches::Summary::of(&mut s);
    /// assert_eq!(sum.p99, Duration::from_micros(99));
    /// assert_eq!(sum.max, Duration::from_micros(100));
    /// ```
    pub fn of(samples: &mut [Duration]) -> Summary {
        if samples.is_empty() {
            return Summary::default();
        }
        samples.sort_unstable();
        let n = samples.len();
        // Nearest rank: the smallest sample with at least p% of the samples at or below it.
        let rank = |p: usize| samples[(n * p).div_ceil(100).clamp(1, n) - 1];
        let total: Duration = samples.iter().sum();
        Summary { n, mean: total / n as u32, p50: rank(50), p99: rank(99), min: samples[0], max: samples[n - 1] }
    }
}

/// Formats a duration in microseconds with two decimals.
pub(crate) fn micros(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e6)
}

/// A markdown table, printed to stdout as it is built.
#[derive(Debug)]
pub struct Table {
    columns: usize,
}

impl Table {
    /// Prints a title line and the header row.
    pub fn new(title: &str, header: &[&str]) -> Table {
        println!("\n{title}\n");
        println!("| {} |", header.join(" | "));
        println!("|{}", " --- |".repeat(header.len()));
        Table { columns: header.len() }
    }

    /// Prints one row (padded with empty cells to the header's width).
    pub fn row(&self, cells: &[String]) {
        let mut line = String::from("|");
        for i in 0..self.columns {
            let _ = write!(line, " {} |", cells.get(i).map_or("", String::as_str));
        }
        println!("{line}");
    }

    /// A row that starts with `label` and continues with a summary in µs: mean, p50, p99, max.
    pub fn summary_row(&self, label: &[&str], s: &Summary) {
        let mut cells: Vec<String> = label.iter().map(|l| (*l).to_owned()).collect();
        cells.extend([micros(s.mean), micros(s.p50), micros(s.p99), micros(s.max)]);
        self.row(&cells);
    }
}
