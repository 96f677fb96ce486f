//! The mio token space, in one place: which token names what, and how a polled event's token
//! is decoded.
//!
//! - Reserved tokens sit far above any slab key: the cross-thread waker, the signal self-pipe,
//!   the precision timerfd.
//! - An fd entry of the watchers' fan-out (`watcher/io.rs`) has an even token: its key, shifted.
//! - An async I/O source (`source_table.rs`) has an odd token: its key, shifted, plus one.
//!
//! So the poll tells the two apart with one bit test, and a key fits in 31 bits of a token.

use mio::Token;

/// Token of the cross-thread [`mio::Waker`].
pub(crate) const WAKER_TOKEN: Token = Token(usize::MAX);
/// Token of the signal self-pipe.
pub(crate) const SIGNAL_TOKEN: Token = Token(usize::MAX - 2);
/// Token of the precision timerfd. (Reserved tokens are odd or even at will: they sit far
/// above any slab key.)
pub(crate) const TIMERFD_TOKEN: Token = Token(usize::MAX - 4);

/// The mio token of the fd entry with key `key` (even).
pub(crate) fn fd_token(key: u32) -> Token {
    Token((key as usize) << 1)
}

/// The mio token of async source `key` (odd; watchers' fd entries have even tokens).
pub(crate) fn source_token(key: u32) -> Token {
    Token(((key as usize) << 1) | 1)
}

/// What a polled token names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// The cross-thread waker.
    Waker,
    /// The signal self-pipe.
    Signal,
    /// The precision timerfd.
    Timerfd,
    /// The fd entry with this key.
    Fd(u32),
    /// The async source with this key.
    Source(usize),
}

/// Decodes a polled token: the same tests, in the same order, as the poll made inline.
#[inline]
pub(crate) fn decode(token: Token) -> TokenKind {
    match token {
        WAKER_TOKEN => TokenKind::Waker,
        TIMERFD_TOKEN => TokenKind::Timerfd,
        SIGNAL_TOKEN => TokenKind::Signal,
        token if token.0 & 1 == 0 => TokenKind::Fd((token.0 >> 1) as u32),
        token => TokenKind::Source(token.0 >> 1),
    }
}
