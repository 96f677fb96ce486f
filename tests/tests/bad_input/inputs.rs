//! Empty iterators and impossible requirements for the combinators; empty and NUL-bearing
//! paths for the helpers.

use super::*;

pub(crate) fn combinators_accept_empty_inputs_and_huge_requirements() {
    type Input = std::future::Ready<Result<u8, &'static str>>;
    let none = || Vec::<(u32, Input)>::new();
    let reactor = Reactor::new().unwrap();
    reactor
        .block_on(async {
            assert_eq!(all_keyed(none()).await.unwrap(), vec![]);
            let (errors, values) = any_keyed(none()).await;
            assert!(errors.is_empty() && values.is_empty());
            assert!(matches!(first_keyed(none()).await, Err(FirstError::Empty)));
            assert!(some_keyed(none(), 0).await.is_ok());
            for required in [1, 2, usize::MAX] {
                assert!(matches!(some_keyed(none(), required).await, Err(SomeError::RequiredTooLarge { .. })));
            }
            let polled = Rc::new(Cell::new(0));
            let inputs: Vec<_> = (0..3)
                .map(|_| {
                    let p = Rc::clone(&polled);
                    async move {
                        p.set(p.get() + 1);
                        Ok::<u8, &str>(1)
                    }
                })
                .collect();
            assert!(matches!(some(inputs, usize::MAX).await, Err(SomeError::RequiredTooLarge { .. })));
            assert_eq!(polled.get(), 0, "an impossible requirement polls nothing");
        })
        .unwrap();
    tried(9);
}

pub(crate) fn helpers_refuse_empty_and_nul_paths_with_typed_errors() {
    let reactor = Reactor::new().unwrap();
    reactor
        .block_on(async {
            for source in ["", "\0", "a\0b", "/nonexistent\0/x", "http://", "http://\0/"] {
                assert!(ampere_reactor::file_get_contents(source).await.is_err(), "{source:?}");
            }
            for path in ["", "a\0b"] {
                let got = ampere_reactor::flock(path, ampere_reactor::LockMode::Shared, None).await;
                assert!(got.is_err(), "flock({path:?})");
            }
            // Zero and huge poll intervals on a free lock: clamped, acquired at once.
            let path = std::env::temp_dir().join(format!("ampere-bad-input-{}.lock", std::process::id()));
            for every in [Duration::ZERO, Duration::MAX] {
                let lock = ampere_reactor::flock(&path, ampere_reactor::LockMode::Exclusive, every).await.unwrap();
                lock.unlock().unwrap();
            }
            let _ = std::fs::remove_file(&path);
        })
        .unwrap();
    tried(10);
}
