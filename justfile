# ampere's task runner: thin wrappers around plain cargo commands.
# Install just with `cargo install just`; nothing in CI depends on it (.ci/run is plain bash).

# List the recipes.
default:
    @just --list

# Every CI gate: fmt, clippy, tests (with doc-tests), loom models, docs, benches compile.
ci:
    bash .ci/run

# Format the workspace.
fmt:
    cargo fmt --all

# Clippy with warnings as errors, as CI runs it.
lint:
    cargo clippy --workspace --all-targets -- -D warnings

# All tests, doc-tests included (the README's command).
test:
    cargo test --workspace

# The loom models of the executor's cross-thread paths (remote wakes, blocking jobs' ends,
# block_on's progress check), in their own target dir so the normal build stays warm.
loom:
    RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom LOOM_MAX_PREEMPTIONS=3 cargo test -p ampere-reactor --release --lib loom

# API docs, warnings as errors.
doc:
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

# The demo: every capability, narrated; exits by itself.
tour:
    cargo run --release --example tour

# Benchmarks side by side with the peers: `just bench` for all, `just bench timers` for one file.
bench name="":
    if [ -z "{{name}}" ]; then cargo bench -p ampere-benches; else cargo bench -p ampere-benches --bench {{name}}; fi

# The benchmarks with the C reactors (libuv, libev) beside ampere and the Rust peers; installs
# Debian's libuv1-dev and libev-dev when missing. `just bench-c c_peers` runs the C side alone.
bench-c name="":
    #!/usr/bin/env bash
    set -euo pipefail
    if [ ! -e /usr/include/uv.h ] || [ ! -e /usr/include/ev.h ]; then
        sudo=""; if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
        $sudo apt-get update
        $sudo apt-get install -y libuv1-dev libev-dev
    fi
    if [ -z "{{name}}" ]; then cargo bench -p ampere-benches --features c-peers; else cargo bench -p ampere-benches --features c-peers --bench {{name}}; fi

# Timeout resets, starts of pre-created timers and arm+cancel churn: ampere, tokio, libev and
# libuv side by side (`timers::reset`, `timers::start_precreated`, `timers::arm_cancel_churn`).
# Installs libuv1-dev and libev-dev when missing, as bench-c does. Extra arguments go to
# criterion, e.g. `just bench-reset --measurement-time 1`.
bench-reset *args:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ ! -e /usr/include/uv.h ] || [ ! -e /usr/include/ev.h ]; then
        sudo=""; if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
        $sudo apt-get update
        $sudo apt-get install -y libuv1-dev libev-dev
    fi
    cargo bench -p ampere-benches --features c-peers --bench timer_reset --bench c_peers -- 'timers::(reset|start_precreated|arm_cancel_churn)' {{args}}

# Five servers (raw mio, ampere watchers, ampere async, tokio, async-io) under wrk and an
# echo load generator, and one hyper service on ampere and on tokio, pinned to two cores:
# requests/s, p50/p99, server CPU per request. Installs Debian's wrk when missing.
# `DURATION=3 RUNS=1 just bench-servers` for a short pass; `SCENARIOS=hyper-50,hyper-500` for hyper alone.
bench-servers:
    bash benches/servers/run.sh

# TLS handshakes/s and bulk MB/s, ampere vs tokio-rustls on tokio, pinned to CPU 0 (one run,
# with ratios). `DURATION=1 just bench-tls` for a short pass (default 5 s per measure).
bench-tls:
    cargo build --release -q -p ampere-benches --bin tls_bench
    taskset -c 0 target/release/tls_bench

# The latest results (of any of the bench recipes) as markdown tables, with ratios to ampere.
bench-summary:
    cargo run -q -p ampere-benches --bin summary

# A quick pass over every benchmark (short warm-up and measurement; under 3 minutes).
bench-quick:
    cargo bench -p ampere-benches -- --warm-up-time 0.3 --measurement-time 1 --noplot

# The integration tests under valgrind's leak checker (zero "definitely lost" bytes).
valgrind:
    cargo test -p ampere-tests --no-run 2>&1 | grep -o 'target/debug/deps/[^ )]*' | while read -r t; do echo "== $t"; valgrind --leak-check=full --errors-for-leak-kinds=definite --suppressions=tests/valgrind.supp --error-exitcode=1 --quiet "$t" --test-threads=1 || exit 1; done

# The long reliability runs: 100x the model sequences, 10,000 connections, bigger storms (minutes).
soak:
    AMPERE_SOAK=1 cargo test -p ampere-tests --test model --test load --test faults --test bad_input
