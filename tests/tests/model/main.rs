//! Model-based testing of the watcher life cycle: seeded random sequences of reactor
//! operations (create each kind, enable, disable, cancel, reference, unreference, tick, with
//! readiness from socketpairs and signals, and callbacks that act on other watchers), checked
//! after every step against a small reference model: what fires in the next tick and in which
//! order, what the introspection counts say, and what keeps the loop alive.
//!
//! `harness = false`: signal watchers change process-wide state and the cases count fds.
//! 2,000 sequences of 50 steps by default; `AMPERE_SOAK=1` runs 100 times more, from a fresh
//! seed. A failure prints its seed and steps; `AMPERE_SEED=<seed>` replays that sequence.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ampere_reactor::{Error, Handle, Reactor, WatcherId, WatcherKind};
use ampere_tests::{figure, run_cases, scaled, socket_pair, Case, Counter, Rng};

mod reference;
mod sequence;
mod vocabulary;

use reference::{MWatcher, Model};
use sequence::{Insurance, Sequence};
use vocabulary::{act, drain, new_pair, Action, Shared, Spec};

/// The signals the sequences watch and raise (never while no watcher of them exists: their
/// default action ends the process).
const SIGNALS: [i32; 2] = [libc::SIGUSR1, libc::SIGUSR2];
/// Socketpairs whose `b` ends the I/O watchers watch; the tests write into the `a` ends.
const PAIRS: usize = 3;
/// Long enough never to fire during a sequence, short enough to sit in the timer heap.
const LONG: Duration = Duration::from_secs(3600);
/// More live watchers than this and creation steps are skipped (keeps the checks cheap).
const MAX_LIVE: usize = 60;
const STEPS: usize = 50;

fn random_sequences_agree_with_the_model() {
    let (seeds, base): (Vec<u64>, u64) = match std::env::var("AMPERE_SEED") {
        Ok(s) => {
            let seed = s.parse().expect("AMPERE_SEED is a number");
            (vec![seed], seed)
        }
        Err(_) => {
            let n = scaled(2_000, 200_000, 200) as u64;
            let base = if ampere_tests::soak() {
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() << 20
            } else {
                0x5EED_0000
            };
            ((base..base + n).collect(), base)
        }
    };
    println!("    seeds {base}..{} ({} sequences of {STEPS} steps)", base + seeds.len() as u64, seeds.len());
    let started = Instant::now();
    let (mut ticks, mut fired, mut steps) = (0, 0, 0);
    let insurance = Insurance::new();
    for seed in &seeds {
        let mut seq = Sequence::new(*seed, &insurance);
        for _ in 0..STEPS {
            seq.step();
        }
        let (t, f, s) = seq.finish();
        ticks += t;
        fired += f;
        steps += s;
    }
    drop(insurance);
    figure("model sequences", seeds.len());
    figure("model steps checked", seeds.len() * STEPS);
    figure("model operations (creations in bursts counted singly)", steps);
    figure("model ticks compared", ticks);
    figure("model callbacks matched", fired);
    figure("model elapsed", format!("{:.1?}", started.elapsed()));
}

/// Regression (found by the model): a defer created by a callback in tick N runs in tick N + 1,
/// even when the same tick cancels enough queued defers to compact the defer queue.
fn defer_created_during_a_tick_survives_compaction_of_the_defer_queue() {
    let reactor = Reactor::new().unwrap();
    let ran = Counter::new();
    let others: Rc<RefCell<Vec<WatcherId>>> = Rc::default();
    let (o, r) = (others.clone(), ran.clone());
    reactor.defer(move |h, _| {
        let r = r.clone();
        h.defer(move |_, _| r.bump());
        for id in o.borrow().iter() {
            h.cancel(*id);
        }
    });
    for _ in 0..100 {
        others.borrow_mut().push(reactor.defer(|_, _| {}));
    }
    reactor.tick().unwrap();
    assert_eq!(ran.get(), 0, "created in this tick: not yet");
    drop(reactor.spawn(async {})); // the tick must not block if the defer was lost
    reactor.tick().unwrap();
    assert_eq!(ran.get(), 1, "the defer created in tick 1 ran in tick 2");
    assert!(!reactor.is_alive());
}

fn main() {
    let budget = if ampere_tests::soak() { Duration::from_secs(4 * 3600) } else { Duration::from_secs(300) };
    run_cases(
        &[
            Case::new("random_sequences_agree_with_the_model", random_sequences_agree_with_the_model),
            Case::new(
                "defer_created_during_a_tick_survives_compaction_of_the_defer_queue",
                defer_created_during_a_tick_survives_compaction_of_the_defer_queue,
            ),
        ],
        budget,
    );
}
