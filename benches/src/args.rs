//! What the command line asks for: the quick pass, and name filters for the plain `main`s.

/// Whether this run is `just bench-quick`: criterion was given a measurement time of at most
/// one second. The quick pass then leaves out the largest sizes and shortens the
/// latency runs, so that it finishes in a few minutes on two cores; the full run does all.
pub fn quick() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2).any(|w| w[0] == "--measurement-time" && w[1].parse::<f64>().is_ok_and(|s| s <= 1.0))
        || args.iter().any(|a| a == "--quick")
}

/// For the benches that are plain `main`s: whether a name filter given on the command line
/// (`cargo bench -- NAME`) selects `name`. No filter selects everything.
pub fn selected(name: &str) -> bool {
    let mut args = std::env::args().skip(1).peekable();
    let mut filters = Vec::new();
    while let Some(a) = args.next() {
        if a.starts_with("--") {
            // Criterion's options that take a value: skip the value too.
            if matches!(
                a.as_str(),
                "--warm-up-time" | "--measurement-time" | "--sample-size" | "--save-baseline" | "--baseline"
            ) {
                args.next();
            }
            continue;
        }
        filters.push(a);
    }
    filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
}
