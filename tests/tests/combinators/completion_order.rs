//! `in_completion_order`: every output, as each input finishes.

use super::*;
use ampere_combinators::{in_completion_order, in_completion_order_keyed};
use futures::stream::{FusedStream, Stream, StreamExt};

/// One `poll_next` with `waker`.
fn poll_next<S: Stream + Unpin>(stream: &mut S, waker: &Waker) -> Poll<Option<S::Item>> {
    Pin::new(stream).poll_next(&mut Context::from_waker(waker))
}

#[test]
fn outputs_come_in_completion_order_with_their_positions() {
    let (inputs, c) = probes::<u32, Oops>(3);
    let (_, waker) = Parent::new();
    let mut s = in_completion_order(inputs);
    assert!(poll_next(&mut s, &waker).is_pending());
    c[2].settle(Ok(2));
    assert_eq!(poll_next(&mut s, &waker), Poll::Ready(Some((2, Ok(2)))));
    assert_eq!(c[2].drops(), 1, "a finished input is dropped at once");
    assert!(poll_next(&mut s, &waker).is_pending());
    c[0].settle(Err(Oops("a")));
    c[1].settle(Ok(1));
    // Both finish in one poll: handed over one at a time, in wake order, with no more polls.
    assert_eq!(poll_next(&mut s, &waker), Poll::Ready(Some((0, Err(Oops("a"))))));
    assert_eq!(s.size_hint(), (1, Some(1)));
    assert_eq!(poll_next(&mut s, &waker), Poll::Ready(Some((1, Ok(1)))));
    assert_eq!(total_polls(&c), 6);
    assert_eq!(poll_next(&mut s, &waker), Poll::Ready(None));
    assert!(s.is_terminated());
    assert_eq!(poll_next(&mut s, &waker), Poll::Ready(None), "stays ended");
}

#[test]
fn no_inputs_end_the_stream_at_once() {
    let (_, waker) = Parent::new();
    let mut s = in_completion_order(Vec::<Probe<u8, Oops>>::new());
    assert_eq!(poll_next(&mut s, &waker), Poll::Ready(None));
}

#[test]
fn dropping_the_stream_drops_the_inputs_still_running() {
    let (inputs, c) = probes::<u32, Oops>(3);
    let (parent, waker) = Parent::new();
    let mut s = in_completion_order_keyed(["a", "b", "c"].into_iter().zip(inputs));
    assert!(poll_next(&mut s, &waker).is_pending());
    c[1].settle(Ok(1));
    assert_eq!(poll_next(&mut s, &waker), Poll::Ready(Some(("b", Ok(1)))));
    assert_eq!(format!("{s:?}"), "InCompletionOrderKeyed { len: 3, remaining: 2, .. }");
    let late = c[0].waker();
    drop(s);
    assert!(c.iter().all(|c| c.drops() == 1));
    let before = parent.wakes();
    late.wake();
    assert_eq!(parent.wakes(), before, "a waker that outlives the stream wakes nobody");
}

#[test]
fn the_inherent_next_and_stream_ext_agree_on_the_reactor() {
    async fn job(ms: u64) -> u64 {
        sleep(Duration::from_millis(ms)).await;
        ms
    }
    let r = Reactor::new().unwrap();
    let (by_next, by_stream) = r
        .block_on(async {
            let mut s = in_completion_order([20, 1, 10].map(job));
            let mut by_next = Vec::new();
            while let Some(item) = s.next().await {
                by_next.push(item);
            }
            let by_stream: Vec<_> = StreamExt::collect(in_completion_order([20, 1, 10].map(job))).await;
            (by_next, by_stream)
        })
        .unwrap();
    assert_eq!(by_next, [(1, 1), (2, 10), (0, 20)]);
    assert_eq!(by_stream, by_next);
}
