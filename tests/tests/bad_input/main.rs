//! Bad input at the API: every public function that takes user input, fed its edge values
//! (zero and huge durations, invalid fds, invalid signals, stale and foreign ids, empty
//! iterators, empty and NUL-bearing paths). Each gives a typed error or a documented result:
//! never a panic, an overflow, a hang or a leak.
//!
//! `harness = false`: some cases watch signals (process-wide state) and every case must leave
//! the process's fd count as it found it.

use std::cell::Cell;
use std::future::{pending, poll_fn, ready, Future};
use std::os::fd::{AsRawFd, RawFd};
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use ampere_combinators::{all_keyed, any_keyed, first_keyed, some, some_keyed, timeout, timeout_with_default};
use ampere_combinators::{FirstError, SomeError, TimedOut};
use ampere_loops::{GenericLoop, LoopHandle, LoopState, Next, PeriodicLoop, Wakeup};
use ampere_reactor::net::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};
use ampere_reactor::{interval, sleep, sleep_until, Async, Error, Reactor, WatcherId, WatcherKind};
use ampere_tests::{figure, run_cases, slowdown, socket_pair, Case, Counter};
use futures::{AsyncReadExt, AsyncWriteExt};

mod fds;
mod ids;
mod inputs;
mod signals;
mod time;

/// Bad inputs tried by all cases (printed at the end).
static TRIED: AtomicUsize = AtomicUsize::new(0);

fn tried(n: usize) {
    TRIED.fetch_add(n, Ordering::Relaxed);
}

fn main() {
    let started = Instant::now();
    // Some cases use the free functions: the thread's default reactor (and its fds) lives
    // until the process ends, so create it before the fd counts start.
    ampere_reactor::Handle::current().unwrap();
    run_cases(
        &[
            Case::new(
                "zero_tiny_and_huge_durations_are_accepted_by_every_timer",
                time::zero_tiny_and_huge_durations_are_accepted_by_every_timer,
            ),
            Case::new(
                "sleep_interval_and_timeout_accept_zero_past_and_huge_values",
                time::sleep_interval_and_timeout_accept_zero_past_and_huge_values,
            ),
            Case::new(
                "loops_accept_empty_names_and_zero_and_huge_pauses",
                time::loops_accept_empty_names_and_zero_and_huge_pauses,
            ),
            Case::new(
                "invalid_fds_are_typed_errors_for_every_watcher_kind_and_leave_nothing_behind",
                fds::invalid_fds_are_typed_errors_for_every_watcher_kind_and_leave_nothing_behind,
            ),
            Case::new(
                "a_watcher_created_disabled_on_a_bad_fd_fails_at_enable_and_stays_disabled",
                fds::a_watcher_created_disabled_on_a_bad_fd_fails_at_enable_and_stays_disabled,
            ),
            Case::new(
                "async_io_and_sockets_refuse_bad_fds_and_addresses_with_typed_errors",
                fds::async_io_and_sockets_refuse_bad_fds_and_addresses_with_typed_errors,
            ),
            Case::new(
                "empty_buffers_and_datagrams_are_handled_without_false_eof_or_spin",
                fds::empty_buffers_and_datagrams_are_handled_without_false_eof_or_spin,
            ),
            Case::new(
                "invalid_signal_numbers_are_typed_errors_everywhere",
                signals::invalid_signal_numbers_are_typed_errors_everywhere,
            ),
            Case::new(
                "signals_reserved_by_the_c_library_are_invalid_signal_errors",
                signals::signals_reserved_by_the_c_library_are_invalid_signal_errors,
            ),
            Case::new("the_common_signals_can_be_watched", signals::the_common_signals_can_be_watched),
            Case::new("every_catchable_signal_can_be_watched", signals::every_catchable_signal_can_be_watched),
            Case::new(
                "stale_ids_of_every_kind_are_typed_errors_or_no_ops",
                ids::stale_ids_of_every_kind_are_typed_errors_or_no_ops,
            ),
            Case::new("ids_from_another_reactor_are_invalid_there", ids::ids_from_another_reactor_are_invalid_there),
            Case::new(
                "task_ids_from_another_reactor_do_not_abort_its_tasks",
                ids::task_ids_from_another_reactor_do_not_abort_its_tasks,
            ),
            Case::new(
                "abort_of_finished_and_stale_task_ids_is_false",
                ids::abort_of_finished_and_stale_task_ids_is_false,
            ),
            Case::new(
                "combinators_accept_empty_inputs_and_huge_requirements",
                inputs::combinators_accept_empty_inputs_and_huge_requirements,
            ),
            Case::new(
                "helpers_refuse_empty_and_nul_paths_with_typed_errors",
                inputs::helpers_refuse_empty_and_nul_paths_with_typed_errors,
            ),
        ],
        Duration::from_secs(120),
    );
    figure("bad inputs tried", TRIED.load(Ordering::Relaxed));
    figure("elapsed", format!("{:.2?}", started.elapsed()));
}
