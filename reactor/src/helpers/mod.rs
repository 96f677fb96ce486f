//! MadelineProto's async helper methods, as async functions that never block the reactor.
//!
//! | MadelineProto                 | here                                              |
//! |-------------------------------|---------------------------------------------------|
//! | `yield $api->sleep(3)`        | [`sleep`](crate::sleep)`(Duration::from_secs(3))` |
//! | `yield $api->readLine('> ')`  | [`read_line`]`("> ")` → `Option<String>`, `None` at end of input |
//! | `yield $api->echo('Hello')`   | [`echo`]`("Hello")`                               |
//! | `yield $api->flock($f, LOCK_EX)` → unlock callable | [`flock`](flock())`(f, LockMode::Exclusive, None)` → [`FileLock`] guard |
//! | `yield $api->fileGetContents($url)` | [`file_get_contents`]`(url)` → `Vec<u8>`   |
//! | the same, for a non-2xx page  | [`fetch_with`]`(url, limits)` → [`FetchResponse`] (status and body) |
//!
//! Where PHP returns `null` or `false`, these return typed errors; where it hands back an
//! unlock callable, a guard unlocks on drop. Each function waits on the reactor (or, for
//! work that can only block, on the [`spawn_blocking`](crate::spawn_blocking) pool), and
//! each can be dropped mid-wait without leaking a lock, a descriptor or a thread.
//!
//! - [`stdio`]: how standard input and output are read and written without setting
//!   `O_NONBLOCK` on descriptors shared with other processes, and what happens to `SIGPIPE`.
//! - [`flock`](mod@flock): advisory locks by polling `flock(LOCK_NB)`.
//! - [`fetch`]: the HTTP/1.1 client behind [`file_get_contents`].
//! - `shutdown`: graceful shutdown, a stop signal and a count of the tasks to drain.

pub(crate) mod fetch;
pub(crate) mod flock;
pub(crate) mod shutdown;
pub(crate) mod stdio;
