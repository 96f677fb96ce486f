//! The errors of the combinators: [`TimedOut`], [`MultiError`], [`FirstError`],
//! [`SomeError`] and [`FirstSettledError`].
//!
//! Each is small and typed, so a caller can match on what happened instead of parsing a
//! message. The ones that carry input errors are generic over the error type `E` and the key
//! type `K`; `K` is the input's position (`usize`) for the unkeyed combinators.

use std::error::Error;
use std::fmt;

/// A [`timeout`](crate::timeout) expired before its future finished (Amp's
/// `TimeoutException`). The reactor's own type, so the combinators' `timeout(future, d)` and
/// the reactor's `timeout(d, future)` fail alike; it converts into an `io::Error` of kind
/// `TimedOut`.
pub use ampere_reactor::TimedOut;

/// Several inputs failed: their errors with their keys, in input order (not completion
/// order). Never empty.
///
/// Returned inside [`FirstError::AllFailed`] and [`SomeError::Failed`]. The key is the
/// input's position for [`first`](crate::first) and [`some`](crate::some), and the caller's
/// key for the keyed variants.
///
/// It iterates over its errors (`for e in &multi`), displays every one of them with its key,
/// and implements [`std::error::Error`] when the keys and errors display.
///
/// # Examples
///
/// ```
/// use std::future::ready;
/// use ampere_combinators::{first, FirstError};
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let out = reactor.block_on(first([ready(Err::<(), _>("refused")), ready(Err("unreachable"))]))?;
/// let Err(FirstError::AllFailed(errors)) = out else { unreachable!() };
/// assert_eq!(errors.to_string(), "2 errors: [0] refused; [1] unreachable");
/// assert_eq!(errors.iter().collect::<Vec<_>>(), [&"refused", &"unreachable"]);
/// assert_eq!(errors.keyed(), [(0, "refused"), (1, "unreachable")]);
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiError<E, K = usize> {
    /// Invariant: non-empty, in input order.
    errors: Vec<(K, E)>,
}

impl<E, K> MultiError<E, K> {
    pub(crate) fn new(errors: Vec<(K, E)>) -> Self {
        debug_assert!(!errors.is_empty(), "a MultiError holds at least one error");
        MultiError { errors }
    }

    /// The errors, in input order.
    pub fn iter(&self) -> Iter<'_, E, K> {
        Iter { inner: self.errors.iter() }
    }

    /// The errors with their keys, in input order.
    pub fn keyed(&self) -> &[(K, E)] {
        &self.errors
    }

    /// The errors with their keys, in input order, by value. `collect` them into a map if
    /// you want lookup by key.
    pub fn into_keyed(self) -> Vec<(K, E)> {
        self.errors
    }
}

impl<E: fmt::Display, K: fmt::Display> fmt::Display for MultiError<E, K> {
    /// `2 errors: [0] refused; [3] timed out`: every error, each after its key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        write!(f, "{n} error{}: ", if n == 1 { "" } else { "s" })?;
        for (i, (key, error)) in self.errors.iter().enumerate() {
            let sep = if i == 0 { "" } else { "; " };
            write!(f, "{sep}[{key}] {error}")?;
        }
        Ok(())
    }
}

/// `source()` is `None`: there is no single cause, and `Display` already shows every error.
impl<E, K> Error for MultiError<E, K>
where
    E: Error,
    K: fmt::Display + fmt::Debug,
{
}

/// Iterator over the errors of a [`MultiError`], in input order.
#[derive(Debug, Clone)]
pub struct Iter<'a, E, K = usize> {
    inner: std::slice::Iter<'a, (K, E)>,
}

impl<'a, E, K> Iterator for Iter<'a, E, K> {
    type Item = &'a E;

    fn next(&mut self) -> Option<&'a E> {
        self.inner.next().map(|(_, e)| e)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<E, K> ExactSizeIterator for Iter<'_, E, K> {}

impl<'a, E, K> IntoIterator for &'a MultiError<E, K> {
    type Item = &'a E;
    type IntoIter = Iter<'a, E, K>;

    fn into_iter(self) -> Iter<'a, E, K> {
        self.iter()
    }
}

/// Owning iterator over the errors of a [`MultiError`], in input order.
#[derive(Debug)]
pub struct IntoIter<E, K = usize> {
    inner: std::vec::IntoIter<(K, E)>,
}

impl<E, K> Iterator for IntoIter<E, K> {
    type Item = E;

    fn next(&mut self) -> Option<E> {
        self.inner.next().map(|(_, e)| e)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<E, K> ExactSizeIterator for IntoIter<E, K> {}

impl<E, K> IntoIterator for MultiError<E, K> {
    type Item = E;
    type IntoIter = IntoIter<E, K>;

    fn into_iter(self) -> IntoIter<E, K> {
        IntoIter { inner: self.errors.into_iter() }
    }
}

/// Why [`first`](crate::first) (or [`first_keyed`](crate::first_keyed)) produced no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstError<E, K = usize> {
    /// There were no inputs, so none could succeed. (Where `futures::select_ok` panics.)
    Empty,
    /// Every input failed: all their errors, in input order.
    AllFailed(MultiError<E, K>),
}

impl<E, K> fmt::Display for FirstError<E, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FirstError::Empty => f.write_str("`first` was given no inputs"),
            FirstError::AllFailed(errors) => write!(f, "all {} inputs failed", errors.errors.len()),
        }
    }
}

/// `source()` is the [`MultiError`] for [`FirstError::AllFailed`].
impl<E, K> Error for FirstError<E, K>
where
    E: Error + 'static,
    K: fmt::Display + fmt::Debug + 'static,
{
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            FirstError::Empty => None,
            FirstError::AllFailed(errors) => Some(errors),
        }
    }
}

/// Why [`some`](crate::some) (or [`some_keyed`](crate::some_keyed)) did not get its
/// `required` successes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SomeError<E, K = usize> {
    /// More successes were required than there were inputs; this includes requiring one or
    /// more from no inputs at all. No input was polled.
    RequiredTooLarge {
        /// The `required` argument.
        required: usize,
        /// How many inputs there were.
        len: usize,
    },
    /// So many inputs failed that `required` successes became impossible: the errors so
    /// far, in input order. The values so far were dropped, with the inputs still running.
    Failed(MultiError<E, K>),
}

impl<E, K> fmt::Display for SomeError<E, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SomeError::RequiredTooLarge { required, len } => {
                write!(f, "`some` requires {required} successes from only {len} inputs")
            }
            SomeError::Failed(errors) => {
                write!(f, "{} inputs failed: too many for the required successes", errors.errors.len())
            }
        }
    }
}

/// `source()` is the [`MultiError`] for [`SomeError::Failed`].
impl<E, K> Error for SomeError<E, K>
where
    E: Error + 'static,
    K: fmt::Display + fmt::Debug + 'static,
{
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            SomeError::RequiredTooLarge { .. } => None,
            SomeError::Failed(errors) => Some(errors),
        }
    }
}

/// Why [`first_settled`](crate::first_settled) (or
/// [`first_settled_keyed`](crate::first_settled_keyed)) produced no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstSettledError<E, K = usize> {
    /// There were no inputs, so none could finish first.
    Empty,
    /// The first input to finish failed.
    Failed {
        /// Its key: its position for `first_settled`.
        key: K,
        /// Its error.
        error: E,
    },
}

impl<E: fmt::Display, K: fmt::Display> fmt::Display for FirstSettledError<E, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FirstSettledError::Empty => f.write_str("`first_settled` was given no inputs"),
            FirstSettledError::Failed { key, error } => {
                write!(f, "the first input to finish, [{key}], failed: {error}")
            }
        }
    }
}

/// `source()` is the input's error for [`FirstSettledError::Failed`].
impl<E, K> Error for FirstSettledError<E, K>
where
    E: Error + 'static,
    K: fmt::Display + fmt::Debug,
{
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            FirstSettledError::Empty => None,
            FirstSettledError::Failed { error, .. } => Some(error),
        }
    }
}
