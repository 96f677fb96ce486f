//! The reactors this thread made, and [`Handle::enter`]: what [`Handle::current`] falls back
//! on when no reactor is being driven, so that an I/O object made before `block_on` lands on
//! the reactor the user created, not on a hidden one.
//!
//! Two thread-local stacks, innermost last:
//!
//! - `CREATED`: a weak reference to every live reactor made on this thread (pushed by
//!   `Reactor::new`, removed by its drop, wherever it is in the stack). Weak, so that the
//!   stack never keeps a reactor alive.
//! - `ENTERED`: the handles of the live [`EnterGuard`]s (pushed by [`Handle::enter`], popped
//!   by the guard's drop). Strong: a guard keeps its reactor's state alive, like a handle.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::rc::{Rc, Weak};

use crate::core::state::{Handle, Inner};

thread_local! {
    /// Every live reactor created on this thread, oldest first.
    static CREATED: RefCell<Vec<Weak<Inner>>> = const { RefCell::new(Vec::new()) };
    /// The handles of the live enter guards, outermost first.
    static ENTERED: RefCell<Vec<Handle>> = const { RefCell::new(Vec::new()) };
}

/// Records a reactor just made on this thread (`Reactor::new`).
pub(crate) fn created(inner: &Rc<Inner>) {
    let _ = CREATED.try_with(|c| c.borrow_mut().push(Rc::downgrade(inner)));
}

/// Forgets a reactor being dropped (`Reactor`'s drop), and any dead entries on the way.
pub(crate) fn dropped(inner: &Rc<Inner>) {
    let _ = CREATED
        .try_with(|c| c.borrow_mut().retain(|w| w.strong_count() > 0 && !std::ptr::eq(w.as_ptr(), Rc::as_ptr(inner))));
}

/// The innermost entered reactor, else the innermost live reactor made on this thread.
pub(crate) fn innermost() -> Option<Handle> {
    if let Some(h) = ENTERED.try_with(|e| e.borrow().last().cloned()).ok().flatten() {
        return Some(h);
    }
    CREATED.try_with(|c| c.borrow().iter().rev().find_map(|w| w.upgrade()).map(|inner| Handle { inner })).ok().flatten()
}

/// Makes a reactor this thread's current one until dropped: see [`Handle::enter`].
#[must_use = "the reactor is current only while the guard lives"]
pub struct EnterGuard<'a> {
    /// Ties the guard to the handle it entered, and keeps it `!Send` (it pops a thread-local).
    _handle: PhantomData<&'a Handle>,
}

impl Handle {
    /// Makes this reactor the thread's current one (what [`Handle::current`], the free
    /// functions and the constructors of sockets and [`Async`](crate::Async) use) until the
    /// returned guard is dropped, as tokio's `Runtime::enter`. Guards nest; the innermost
    /// wins. A reactor being driven (inside its `run`, `tick` or `block_on`) is current
    /// anyway, entered or not.
    ///
    /// Most programs need no guard: without one, the current reactor is the innermost live
    /// [`Reactor`](crate::Reactor) made on this thread. Enter when several are alive and the
    /// one you want is not the newest.
    ///
    /// # Examples
    ///
    /// ```
    /// use ampere_reactor::{net::TcpListener, Handle, Reactor};
    ///
    /// let first = Reactor::new()?;
    /// let _second = Reactor::new()?; // the newest: current by default
    /// let _guard = first.enter();
    /// let listener = TcpListener::bind("127.0.0.1:0")?; // registered with `first`
    /// assert!(Handle::current()?.same_reactor(&first));
    /// drop(listener);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        let _ = ENTERED.try_with(|e| e.borrow_mut().push(self.clone()));
        EnterGuard { _handle: PhantomData }
    }
}

impl Drop for EnterGuard<'_> {
    fn drop(&mut self) {
        // Popped outside the borrow: the handle may be the reactor's last, whose drop runs code.
        let popped = ENTERED.try_with(|e| e.borrow_mut().pop()).ok().flatten();
        drop(popped);
    }
}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}
