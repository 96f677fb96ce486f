#!/usr/bin/env bash
# `just bench-servers`: installs wrk from Debian when missing, builds the servers, the echo
# load generator and the driver in release, and runs the driver (benches/src/bin/bench_servers/,
# whose top comment explains the figures). Settings come from the environment, e.g.
# `DURATION=3 RUNS=1 SERVERS=mio,tokio SCENARIOS=http-64,idle-10k just bench-servers`.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v wrk >/dev/null 2>&1; then
    sudo=""; if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update
    $sudo apt-get install -y wrk
fi
command -v taskset >/dev/null 2>&1 || { echo "taskset (util-linux) is missing" >&2; exit 1; }
cargo build --release -p ampere-benches --bins
cargo run -q --release -p ampere-benches --bin bench_servers
