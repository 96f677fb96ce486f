//! Signal latency: from `kill(getpid(), sig)` to the callback (or the awaiting task) running,
//! ampere's `on_signal` against tokio's `signal`. One iteration is one delivery; a reactor
//! that needs one wake cycle per signal pays one `epoll_wait` return and a self-pipe read.

use ampere_benches::raise_signal;
use ampere_benches::tune;
use ampere_reactor::Reactor;
use criterion::Criterion;
use tokio::signal::unix::{signal, SignalKind};

fn main() {
    // What `criterion_group!`/`criterion_main!` expand to, minus an undocumented `pub fn`.
    let mut c = Criterion::default().sample_size(20).nresamples(20_000).configure_from_args();
    let mut g = c.benchmark_group("signal::latency");
    tune(&mut g);

    // Each peer gets its own signal: the two handlers never see each other's deliveries.
    let reactor = Reactor::new().expect("reactor");
    reactor.on_signal(libc::SIGUSR1, |h, _, _| h.stop()).expect("on_signal");
    g.bench_function("ampere", |b| {
        b.iter(|| {
            raise_signal(libc::SIGUSR1);
            reactor.run().expect("run"); // returns at the end of the tick that ran the callback
        })
    });

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let mut usr2 = rt.block_on(async { signal(SignalKind::user_defined2()) }).expect("signal");
    g.bench_function("tokio", |b| {
        b.iter(|| {
            raise_signal(libc::SIGUSR2);
            rt.block_on(usr2.recv()).expect("delivery");
        })
    });
    g.finish();
    c.final_summary();
}
