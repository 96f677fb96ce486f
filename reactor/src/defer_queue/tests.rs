//! The defer queue against its rules: ids through every move, the phase limit, churn, and a
//! seeded random walk against a model.

use super::*;

/// The queue never looks at its callbacks: the tests store none.
fn defer() -> Defer<()> {
    Defer { callback: (), created_at: Location::caller(), key: 0, referenced: true }
}

/// Drains every defer due now, as phase 2 does, and returns their ids in run order.
fn run_phase(q: &mut DeferQueue<()>) -> Vec<WatcherId> {
    let limit = q.begin_phase();
    std::iter::from_fn(|| q.pop_due(limit).map(|(id, _)| id)).collect()
}

#[test]
fn ids_survive_disable_and_enable_and_never_outlive_their_defer() {
    let mut q = DeferQueue::default();
    let a = q.push(1, defer());
    let b = q.push(2, defer());
    let c = q.park(3, defer());
    assert!(q.disable(a));
    assert!(!q.disable(a), "already disabled");
    assert_eq!(q.enable(c), Some(true));
    assert_eq!(q.enable(a), Some(true));
    assert_eq!(q.enable(a), Some(false), "already enabled");
    assert_eq!(run_phase(&mut q), vec![b, c, a], "enable order, each with its own id");
    for id in [a, b, c] {
        assert!(q.state(id).is_none(), "a defer that ran is gone");
        assert_eq!(q.enable(id), None);
        assert!(q.remove(id).is_none());
    }
    assert_eq!(q.alive(), 0);
}

#[test]
fn a_defer_queued_during_the_phase_waits_for_the_next_one() {
    let mut q = DeferQueue::default();
    let a = q.push(1, defer());
    let limit = q.begin_phase();
    let (first, _) = q.pop_due(limit).unwrap();
    assert_eq!(first, a);
    let tail = q.push(2, defer());
    q.remove(tail); // a trimmed back must not let the next push slip under the limit
    let late = q.push(3, defer());
    assert!(q.pop_due(limit).is_none());
    assert_eq!(run_phase(&mut q), vec![late]);
}

#[test]
fn churn_does_not_grow_the_ring() {
    let mut q = DeferQueue::default();
    let keep = q.push(1, defer());
    for g in 2..100_000 {
        let id = q.push(g, defer());
        assert!(q.remove(id).is_some());
    }
    assert_eq!(q.ring.len(), 1);
    assert_eq!(run_phase(&mut q), vec![keep]);
}

/// A seeded random walk of every operation against a plain model: a list of enabled ids in
/// enable order, a set of disabled ones and their referenced flags.
#[test]
fn randomized_against_a_model() {
    let mut rng = ampere_testkit::Rng::new(0x853C_49E6_748F_EA9B_u64);
    let mut next = move || rng.next_u64();
    let mut q = DeferQueue::default();
    let mut queued: Vec<WatcherId> = Vec::new();
    let mut parked: Vec<WatcherId> = Vec::new();
    let mut referenced = std::collections::HashMap::new();
    let mut dead: Vec<WatcherId> = Vec::new();
    for step in 0..50_000u64 {
        let all: Vec<WatcherId> = queued.iter().chain(&parked).copied().collect();
        let pick = |n: u64| all[(n as usize) % all.len()];
        match next() % 8 {
            0 | 1 => {
                let id = q.push(step + 1, defer());
                queued.push(id);
                referenced.insert(id, true);
            }
            2 => {
                let id = q.park(step + 1, defer());
                parked.push(id);
                referenced.insert(id, true);
            }
            3 if !all.is_empty() => {
                let id = pick(next());
                assert!(q.remove(id).is_some());
                queued.retain(|x| *x != id);
                parked.retain(|x| *x != id);
                dead.push(id);
            }
            4 if !all.is_empty() => {
                let id = pick(next());
                assert_eq!(q.disable(id), queued.contains(&id));
                if queued.contains(&id) {
                    queued.retain(|x| *x != id);
                    parked.push(id);
                }
            }
            5 if !all.is_empty() => {
                let id = pick(next());
                assert_eq!(q.enable(id), Some(parked.contains(&id)));
                if parked.contains(&id) {
                    parked.retain(|x| *x != id);
                    queued.push(id);
                }
            }
            6 if !all.is_empty() => {
                let id = pick(next());
                let on = next() % 2 == 0;
                let changed = referenced[&id] != on;
                assert_eq!(q.set_referenced(id, on), Some(changed));
                referenced.insert(id, on);
            }
            7 => {
                let ran = run_phase(&mut q);
                assert_eq!(ran, queued, "phase 2 runs the enabled defers in enable order");
                dead.append(&mut queued);
            }
            _ => {}
        }
        for id in dead.iter().rev().take(3) {
            assert!(q.state(*id).is_none(), "a dead id stays dead");
        }
        let alive = queued.iter().filter(|id| referenced[*id]).count();
        assert_eq!(q.alive(), alive);
        assert_eq!(q.iter().count(), queued.len() + parked.len());
        for id in &parked {
            assert_eq!(q.state(*id).map(|s| s.0), Some(false));
        }
    }
}
