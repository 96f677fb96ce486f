//! [`Outcomes`]: the keys of a combinator's inputs and the results they settled with, kept by
//! input position so that the output comes back in input order whatever the completion order.

use crate::{MultiError, Settled};

/// Per input: its key, and its result once it has settled (and the rule kept it).
pub(crate) struct Outcomes<K, O> {
    /// Input `i`'s key. Moved into the output when the combinator resolves.
    keys: Vec<K>,
    /// Input `i`'s result. `None` while it runs, and for results the rule discards (`all`
    /// stores no errors, `first` no values).
    slots: Vec<Option<O>>,
    /// Stored `Ok` results.
    ok: usize,
    /// Stored `Err` results.
    err: usize,
}

impl<K, T, E> Outcomes<K, Result<T, E>> {
    /// Room for one result per key; nothing is allocated after this.
    pub(crate) fn new(keys: Vec<K>) -> Self {
        let slots = (0..keys.len()).map(|_| None).collect();
        Outcomes { keys, slots, ok: 0, err: 0 }
    }

    /// Stores input `i`'s result.
    pub(crate) fn record(&mut self, i: usize, result: Result<T, E>) {
        debug_assert!(self.slots[i].is_none(), "an input settles once");
        match result {
            Ok(_) => self.ok += 1,
            Err(_) => self.err += 1,
        }
        self.slots[i] = Some(result);
    }

    /// How many successes are stored.
    pub(crate) fn ok(&self) -> usize {
        self.ok
    }

    /// How many failures are stored.
    pub(crate) fn err(&self) -> usize {
        self.err
    }

    /// Input `i`'s key, discarding everything else.
    pub(crate) fn into_key(mut self, i: usize) -> K {
        // O(1); the order of the other keys no longer matters.
        self.keys.swap_remove(i)
    }

    /// The stored values with their keys, in input order.
    pub(crate) fn into_values(self) -> impl Iterator<Item = (K, T)> {
        self.keys.into_iter().zip(self.slots).filter_map(|(k, slot)| match slot {
            Some(Ok(v)) => Some((k, v)),
            _ => None,
        })
    }

    /// The stored errors with their keys, in input order.
    pub(crate) fn into_errors(self) -> MultiError<E, K> {
        let errors = self
            .keys
            .into_iter()
            .zip(self.slots)
            .filter_map(|(k, slot)| match slot {
                Some(Err(e)) => Some((k, e)),
                _ => None,
            })
            .collect();
        MultiError::new(errors)
    }

    /// `(errors, values)`, each with its key and in input order: Amp's `[$errors, $values]`.
    pub(crate) fn into_split(self) -> Settled<T, E, K> {
        let mut errors = Vec::with_capacity(self.err);
        let mut values = Vec::with_capacity(self.ok);
        for (k, slot) in self.keys.into_iter().zip(self.slots) {
            match slot {
                Some(Ok(v)) => values.push((k, v)),
                Some(Err(e)) => errors.push((k, e)),
                None => {}
            }
        }
        (errors, values)
    }
}
