//! [`Loop`], a body with a name, and [`LoopContext`], what the body sees of its own loop (the
//! PHP original's `$this`).

use std::fmt;
use std::future::Future;
use std::rc::Rc;

use ampere_reactor::BoxError;

use crate::control::Control;
use crate::{LoopState, NoSignal};

/// A loop body: what runs in the background each time its [`LoopHandle`](crate::LoopHandle)
/// is started. The PHP original's `LoopInterface` (`loop()` and `__toString()`).
///
/// `S` is the type of the [signals](crate::LoopHandle::signal) the body accepts; a loop that
/// takes none leaves it at [`NoSignal`]. Implement `run` as an `async fn`. It borrows the body
/// mutably, so state kept in fields survives from one run to the next (and across a failed or
/// panicked run: the body is not lost, it is as the panic left it).
///
/// The body ends when `run` returns: `Ok` for a normal exit, `Err` for a failure, which comes
/// out of the [`Completion`](crate::Completion) and a log line. A body that should run until
/// stopped loops, and ends when [`LoopContext::is_stopping`] says so or a
/// [`pause`](LoopContext::pause) returns [`Wakeup::Stopped`](crate::Wakeup::Stopped).
///
/// # Examples
///
/// The PHP original's `MyLoop`: a callable produces the parameters of each message, given the result of
/// the previous one. (The PHP original loops forever; here the callable ends it by returning `None`.)
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use ampere_loops::{BoxError, Loop, LoopContext, LoopHandle};
///
/// /// Stands in for `$MadelineProto->messages->sendMessage`: returns the message's id.
/// async fn send_message(outbox: &RefCell<Vec<String>>, text: String) -> Result<usize, BoxError> {
///     outbox.borrow_mut().push(text);
///     Ok(outbox.borrow().len())
/// }
///
/// struct MyLoop<F> {
///     outbox: Rc<RefCell<Vec<String>>>,
///     callable: F,
/// }
///
/// impl<F: AsyncFnMut(Option<usize>) -> Option<String> + 'static> Loop for MyLoop<F> {
///     fn name(&self) -> String {
///         "my custom loop".into()
///     }
///
///     async fn run(&mut self, _this: &LoopContext) -> Result<(), BoxError> {
///         let mut result = None;
///         while let Some(params) = (self.callable)(result).await {
///             result = Some(send_message(&self.outbox, params).await?);
///         }
///         Ok(())
///     }
/// }
///
/// let outbox = Rc::new(RefCell::new(Vec::new()));
/// let my_loop = LoopHandle::new(MyLoop {
///     outbox: outbox.clone(),
///     callable: async |last: Option<usize>| match last {
///         None => Some("first".to_owned()),
///         Some(id) if id < 3 => Some(format!("after message {id}")),
///         Some(_) => None,
///     },
/// });
/// // `$MadelineProto->loop($loop->start())`: run the thread's reactor until the loop is done.
/// ampere_reactor::block_on(my_loop.start()?)??;
/// assert_eq!(*outbox.borrow(), ["first", "after message 1", "after message 2"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Loop<S = NoSignal>: 'static {
    /// The loop's name, for log lines. Asked once, when the handle is created.
    fn name(&self) -> String;

    /// The body. `this` is the loop seen from inside: [`pause`](LoopContext::pause),
    /// [`wait_signal`](LoopContext::wait_signal), [`stop`](LoopContext::stop).
    fn run(&mut self, this: &LoopContext<S>) -> impl Future<Output = Result<(), BoxError>>;
}

/// The loop seen from inside its body: the PHP original's `$this`.
///
/// It exists only for the length of one run and is only ever lent to the body, so a pause
/// or a signal wait can never outlive the run it belongs to. To reach the loop from elsewhere,
/// use a [`LoopHandle`](crate::LoopHandle).
pub struct LoopContext<S = NoSignal> {
    pub(crate) control: Rc<Control<S>>,
}

impl<S> LoopContext<S> {
    /// The loop's name.
    pub fn name(&self) -> &str {
        &self.control.core.name
    }

    /// The loop's state: [`Running`](LoopState::Running) or
    /// [`Stopping`](LoopState::Stopping) as seen from the body.
    pub fn state(&self) -> LoopState {
        self.control.core.state()
    }

    /// Asks the loop to stop, from inside: the body goes on with its current iteration, and
    /// its pauses return [`Wakeup::Stopped`](crate::Wakeup::Stopped) at once. Returns false
    /// if it was already stopping. Same as [`LoopHandle::stop`](crate::LoopHandle::stop).
    pub fn stop(&self) -> bool {
        self.control.core.stop()
    }

    /// Whether [`stop`](LoopContext::stop) was called during this run: the body's cue to
    /// finish its iteration and return.
    pub fn is_stopping(&self) -> bool {
        self.control.core.state() == LoopState::Stopping
    }
}

impl<S> fmt::Debug for LoopContext<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopContext").field("name", &self.name()).field("state", &self.state()).finish_non_exhaustive()
    }
}
