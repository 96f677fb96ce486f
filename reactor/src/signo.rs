//! [`Signal`]: the catchable signals by name, so that users need no `libc` for their numbers.
//!
//! Everything that takes a signal (`signal`, `on_signal`, `Shutdown::trigger_on_signal`)
//! takes `impl Into<i32>`: a [`Signal`] or, as before, a raw number.

use std::fmt;

use crate::error::Error;

/// The signals a program commonly catches, by name. Converts into the raw number
/// ([`as_raw`](Signal::as_raw), `i32::from`) and back (`Signal::try_from(raw)`).
///
/// # Examples
///
/// ```
/// use ampere_reactor::Signal;
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// reactor.block_on(async {
///     let mut usr1 = ampere_reactor::signal(Signal::User1)?;
///     signal_hook::low_level::raise(Signal::User1.as_raw())?;
///     assert_eq!(Signal::try_from(usr1.recv().await)?, Signal::User1);
///     Ok::<(), ampere_reactor::Error>(())
/// })??;
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Signal {
    /// `SIGINT`: Ctrl-C in the terminal.
    Interrupt,
    /// `SIGTERM`: the polite request to stop (`kill`, systemd, Kubernetes).
    Terminate,
    /// `SIGHUP`: the terminal went away; by convention, "reload your configuration".
    Hangup,
    /// `SIGQUIT`: Ctrl-\ in the terminal.
    Quit,
    /// `SIGUSR1`: for the application's own use.
    User1,
    /// `SIGUSR2`: for the application's own use.
    User2,
    /// `SIGCHLD`: a child process stopped or exited.
    Child,
    /// `SIGWINCH`: the terminal was resized.
    WindowChange,
    /// `SIGPIPE`: a write to a pipe or socket whose reader is gone.
    Pipe,
    /// `SIGALRM`: a timer set with `alarm` expired.
    Alarm,
    /// `SIGCONT`: the process was continued after a stop.
    Continue,
    /// `SIGTSTP`: Ctrl-Z in the terminal.
    TerminalStop,
}

/// Each variant with its number, for both directions of the conversion.
const TABLE: [(Signal, i32); 12] = [
    (Signal::Interrupt, libc::SIGINT),
    (Signal::Terminate, libc::SIGTERM),
    (Signal::Hangup, libc::SIGHUP),
    (Signal::Quit, libc::SIGQUIT),
    (Signal::User1, libc::SIGUSR1),
    (Signal::User2, libc::SIGUSR2),
    (Signal::Child, libc::SIGCHLD),
    (Signal::WindowChange, libc::SIGWINCH),
    (Signal::Pipe, libc::SIGPIPE),
    (Signal::Alarm, libc::SIGALRM),
    (Signal::Continue, libc::SIGCONT),
    (Signal::TerminalStop, libc::SIGTSTP),
];

impl Signal {
    /// The signal's number on this platform (`Signal::Interrupt.as_raw() == libc::SIGINT`).
    pub fn as_raw(self) -> i32 {
        TABLE.iter().find(|(s, _)| *s == self).map(|&(_, n)| n).expect("every variant is in the table")
    }
}

impl From<Signal> for i32 {
    fn from(s: Signal) -> i32 {
        s.as_raw()
    }
}

impl TryFrom<i32> for Signal {
    type Error = Error;

    /// # Errors
    ///
    /// [`Error::InvalidSignal`] for a number that names none of the variants.
    fn try_from(raw: i32) -> Result<Signal, Error> {
        TABLE.iter().find(|&&(_, n)| n == raw).map(|&(s, _)| s).ok_or(Error::InvalidSignal(raw))
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
            Signal::Hangup => "SIGHUP",
            Signal::Quit => "SIGQUIT",
            Signal::User1 => "SIGUSR1",
            Signal::User2 => "SIGUSR2",
            Signal::Child => "SIGCHLD",
            Signal::WindowChange => "SIGWINCH",
            Signal::Pipe => "SIGPIPE",
            Signal::Alarm => "SIGALRM",
            Signal::Continue => "SIGCONT",
            Signal::TerminalStop => "SIGTSTP",
        };
        f.write_str(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signal_round_trips_through_its_number() {
        for (s, n) in TABLE {
            assert_eq!((s.as_raw(), Signal::try_from(n).unwrap()), (n, s));
        }
        assert!(matches!(Signal::try_from(0), Err(Error::InvalidSignal(0))));
    }
}
