//! The loop state machine: four states, five transitions, and nothing else. The diagram is
//! on [`LoopState`]; [`LoopState::next`] is the only place a state changes, and refuses every
//! arrow the diagram does not draw. The control block treats a refusal as an answer ("already
//! running", "not paused"), never as a reason to corrupt the state.

use std::fmt;
use std::time::Instant;

/// Where a loop is in its life. Read it with [`LoopHandle::state`](crate::LoopHandle::state).
///
/// ```text
///              start               pause(until)
///    Idle ─────────────► Running ───────────────► Paused { until }
///     ▲                   │  ▲                      │   │
///     │                   │  └──────── wake ────────┘   │
///     │                   │ stop                        │ stop
///     │                   ▼                             │
///     └───── exit ────  Stopping ◄──────────────────────┘
/// ```
///
/// - `wake`: the pause ended (its timer, a `resume`, or the pause was dropped).
/// - `exit` comes from every state but `Idle`: the body may return, fail, panic or be dropped
///   with its reactor wherever it is.
/// - A stopping body's pauses return at once, without a transition.
/// - `start` on a `Stopping` loop waits: when the body exits, `exit` and `start` happen
///   together, and the loop goes straight back to `Running` for the new run (see
///   [`LoopHandle::start_on`](crate::LoopHandle::start_on)).
///
/// A loop is *running* (see [`LoopState::is_running`]) in every state but `Idle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoopState {
    /// Not running: never started, or its body has finished. Only here does `start` begin a
    /// run at once.
    #[default]
    Idle,
    /// The body is running, or has been started and waits for its first poll.
    Running,
    /// The body awaits a [`pause`](crate::LoopContext::pause): until `until` or a `resume`
    /// (`until: None`: until a `resume` or a `stop`).
    Paused {
        /// When the pause's own timer ends it (`None`: it has no timer).
        until: Option<Instant>,
    },
    /// `stop` was called: the body finishes its current iteration, and every pause returns
    /// at once. (The PHP original calls this "stopped"; the body has not returned yet.)
    Stopping,
}

impl LoopState {
    /// Whether the body is live: every state but [`Idle`](LoopState::Idle).
    pub fn is_running(self) -> bool {
        self != LoopState::Idle
    }

    /// Whether the body awaits a pause.
    pub fn is_paused(self) -> bool {
        matches!(self, LoopState::Paused { .. })
    }

    /// The state after `transition`, or `Err` if the diagram has no such arrow.
    pub(crate) fn next(self, transition: Transition) -> Result<LoopState, Refused> {
        use LoopState::*;
        match (self, transition) {
            // start: only an idle loop; a live body is never disturbed.
            (Idle, Transition::Start) => Ok(Running),
            // pause: only a running body parks; a stopping body's pauses return at once, and
            // a paused body cannot pause again (it is not running to call it).
            (Running, Transition::Pause { until }) => Ok(Paused { until }),
            // wake: the pause ended (its timer, a resume, or it was dropped).
            (Paused { .. }, Transition::Wake) => Ok(Running),
            // stop: from any live state that has not been asked yet.
            (Running | Paused { .. }, Transition::Stop) => Ok(Stopping),
            // exit: the body is gone, wherever it was.
            (Running | Paused { .. } | Stopping, Transition::Exit) => Ok(Idle),
            (from, transition) => Err(Refused { from, transition }),
        }
    }
}

/// An arrow of the diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transition {
    /// `start()` spawned the body.
    Start,
    /// The body parked in a pause ending at `until` (`None`: no timer).
    Pause { until: Option<Instant> },
    /// The pause the body awaited has ended.
    Wake,
    /// `stop()` from outside or inside.
    Stop,
    /// The body returned, failed, panicked or was dropped.
    Exit,
}

/// A transition the diagram does not allow from that state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refused {
    pub(crate) from: LoopState,
    pub(crate) transition: Transition,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not allowed from {:?}", self.transition, self.from)
    }
}

#[cfg(test)]
mod tests {
    use super::{LoopState, LoopState::*, Transition};
    use std::time::Instant;

    fn all_states() -> [LoopState; 5] {
        [Idle, Running, Paused { until: None }, Paused { until: Some(Instant::now()) }, Stopping]
    }

    #[test]
    fn the_diagram_arrows_are_allowed() {
        let until = Some(Instant::now());
        assert_eq!(Idle.next(Transition::Start), Ok(Running));
        assert_eq!(Running.next(Transition::Pause { until }), Ok(Paused { until }));
        assert_eq!(Paused { until }.next(Transition::Wake), Ok(Running));
        assert_eq!(Running.next(Transition::Stop), Ok(Stopping));
        assert_eq!(Paused { until: None }.next(Transition::Stop), Ok(Stopping));
        for from in [Running, Paused { until }, Stopping] {
            assert_eq!(from.next(Transition::Exit), Ok(Idle), "exit from {from:?}");
        }
    }

    #[test]
    fn start_is_refused_unless_idle() {
        for from in all_states().into_iter().filter(|s| *s != Idle) {
            let err = from.next(Transition::Start).unwrap_err();
            assert_eq!((err.from, err.transition), (from, Transition::Start));
        }
    }

    #[test]
    fn pause_is_refused_unless_running() {
        for from in all_states().into_iter().filter(|s| *s != Running) {
            assert!(from.next(Transition::Pause { until: None }).is_err(), "pause from {from:?}");
        }
    }

    #[test]
    fn wake_is_refused_unless_paused() {
        for from in [Idle, Running, Stopping] {
            assert!(from.next(Transition::Wake).is_err(), "wake from {from:?}");
        }
    }

    #[test]
    fn stop_is_refused_when_idle_or_already_stopping() {
        assert!(Idle.next(Transition::Stop).is_err());
        assert!(Stopping.next(Transition::Stop).is_err());
    }

    #[test]
    fn exit_is_refused_when_idle() {
        assert!(Idle.next(Transition::Exit).is_err());
    }

    #[test]
    fn running_means_every_state_but_idle_and_paused_means_paused() {
        for s in all_states() {
            assert_eq!(s.is_running(), s != Idle, "{s:?}");
            assert_eq!(s.is_paused(), matches!(s, Paused { .. }), "{s:?}");
        }
    }
}
