//! `#[ampere_reactor::main]` and `#[ampere_reactor::test]` (issue 16), used as a user would.
//!
//! The expansion itself (and each misuse error) is unit-tested in `macros/src/entry.rs`; here
//! the attributes run real futures on real reactors.

use std::future::pending;
use std::io;
use std::panic::catch_unwind;
use std::time::Duration;

use ampere_reactor::{panic_message, sleep, Error, Handle};
use ampere_tests::{Counter, DropCounter};

// Main-like functions: any name works, so these are called from plain tests below.

#[ampere_reactor::main]
async fn answer() -> Result<u32, Error> {
    sleep(Duration::from_millis(1)).await;
    let task = Handle::current()?.spawn(async { 41 });
    Ok(task.await.unwrap() + 1)
}

#[ampere_reactor::main]
async fn never_completes() -> io::Result<()> {
    pending::<()>().await;
    Ok(())
}

#[ampere_reactor::main]
async fn never_completes_without_a_result() {
    pending::<()>().await;
}

#[ampere_reactor::main]
async fn parse_in_body() -> Result<u8, Box<dyn std::error::Error>> {
    // `?` on the body's own errors infers from the declared type, as without the attribute.
    let n: u8 = "300".parse()?;
    Ok(n)
}

#[ampere_reactor::main]
async fn current_reactor() -> Result<Handle, Error> {
    Handle::current()
}

#[ampere_reactor::main]
async fn leaves_a_task_running() -> Result<Counter, Error> {
    let drops = Counter::new();
    let guard = DropCounter(drops.clone());
    let _detached = Handle::current()?.spawn(async move {
        let _guard = guard;
        pending::<()>().await;
    });
    sleep(Duration::from_millis(1)).await;
    assert_eq!(drops.get(), 0, "the task is alive while main runs");
    Ok(drops)
}

#[test]
fn main_returns_the_body_output() {
    assert_eq!(answer().unwrap(), 42);
}

#[test]
fn main_converts_a_reactor_error_into_the_declared_error_type() {
    let err = never_completes().unwrap_err();
    let inner = err.get_ref().and_then(|e| e.downcast_ref::<Error>());
    assert!(matches!(inner, Some(Error::WouldNeverComplete)), "{err:?}");
}

#[test]
fn main_without_a_return_type_panics_naming_the_reactor_error() {
    let payload = catch_unwind(never_completes_without_a_result).unwrap_err();
    let message = panic_message(payload.as_ref());
    assert!(message.starts_with("#[ampere_reactor::main]: the reactor failed: "), "{message}");
    assert!(message.contains(&Error::WouldNeverComplete.to_string()), "{message}");
}

#[test]
fn main_returns_errors_of_the_body_through_question_mark() {
    let err = parse_in_body().unwrap_err();
    assert!(err.downcast_ref::<std::num::ParseIntError>().is_some(), "{err:?}");
}

#[test]
fn each_call_runs_on_a_new_reactor() {
    let (a, b) = (current_reactor().unwrap(), current_reactor().unwrap());
    assert!(!a.same_reactor(&b));
    assert!(!a.same_reactor(&Handle::current().unwrap()), "not the thread's default reactor");
}

#[test]
fn tasks_left_running_are_dropped_when_main_returns() {
    let drops = leaves_a_task_running().unwrap();
    assert_eq!(drops.get(), 1);
}

#[ampere_reactor::test]
async fn a_test_body_runs_on_the_reactor() {
    let handle = Handle::current().unwrap();
    let task = handle.spawn(async {
        sleep(Duration::from_millis(1)).await;
        "slept"
    });
    assert_eq!(task.await, Ok("slept"));
}

#[ampere_reactor::test]
async fn a_test_may_return_a_result() -> Result<(), Error> {
    sleep(Duration::from_millis(1)).await;
    Handle::current()?;
    Ok(())
}

#[ampere_reactor::test]
#[should_panic(expected = "#[ampere_reactor::test]: the reactor failed")]
async fn a_test_that_could_never_complete_fails_instead_of_hanging() {
    pending::<()>().await;
}

mod renamed {
    // A renamed dependency (or a re-export) names the crate with `crate = "..."`.
    use ampere_reactor as amp;

    #[amp::test(crate = "amp")]
    async fn the_crate_argument_names_a_renamed_reactor_crate() {
        amp::sleep(std::time::Duration::from_millis(1)).await;
    }
}
