//! The core: the reactor's state and who borrows it when, and everything a tick does to it.
//! `tick.rs` is the file to read first.

pub(crate) mod arm_window;
pub(crate) mod block_on;
pub(crate) mod busy;
pub(crate) mod callback;
pub(crate) mod dispatch;
pub(crate) mod driving;
pub(crate) mod embed;
pub(crate) mod error_handler;
pub(crate) mod lifecycle;
pub(crate) mod paused;
pub(crate) mod poll;
pub(crate) mod state;
pub(crate) mod tick;
pub(crate) mod timers;
