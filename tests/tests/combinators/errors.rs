//! `MultiError` and the other error types.

use super::*;

#[test]
fn multi_error_displays_and_iterates_every_error_and_is_a_std_error() {
    let (_, waker) = Parent::new();
    let mut fut = first([ready(Err::<(), _>(Oops("refused"))), ready(Err(Oops("reset")))]);
    let Poll::Ready(Err(e)) = poll(&mut fut, &waker) else { panic!("all failed") };
    assert_eq!(e.to_string(), "all 2 inputs failed");
    let source = e.source().expect("the MultiError is the source");
    assert_eq!(source.to_string(), "2 errors: [0] refused; [1] reset");

    let FirstError::AllFailed(errors) = e else { unreachable!() };
    assert_eq!(errors.iter().collect::<Vec<_>>(), [&Oops("refused"), &Oops("reset")]);
    assert_eq!((&errors).into_iter().len(), 2);
    let boxed: Box<dyn std::error::Error> = Box::new(errors.clone());
    assert!(boxed.source().is_none(), "no single cause; Display shows them all");
    assert_eq!(errors.into_iter().collect::<Vec<_>>(), [Oops("refused"), Oops("reset")]);

    let mut keyed = first_keyed([("a", ready(Err::<(), _>(Oops("x"))))]);
    let Poll::Ready(Err(FirstError::AllFailed(one))) = poll(&mut keyed, &waker) else { panic!() };
    assert_eq!(one.to_string(), "1 error: [a] x");
    assert_eq!(one.into_keyed(), [("a", Oops("x"))]);
    assert_eq!(TimedOut.to_string(), "the operation timed out");

    fn is_std_error<E: std::error::Error>() {}
    is_std_error::<MultiError<Oops>>();
    is_std_error::<MultiError<Oops, &str>>();
    is_std_error::<FirstError<Oops>>();
    is_std_error::<SomeError<Oops, String>>();
    is_std_error::<TimedOut>();
}
