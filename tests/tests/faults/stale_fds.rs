//! A watcher left on a closed fd (never cancelled) when a new file takes the same number: it
//! must be a clear error naming the fd and where the stale watcher was created, never a hang
//! and never a callback on the new file; the new file's watcher works normally (#15).

use std::os::fd::RawFd;
use std::os::unix::net::UnixStream;

use super::*;

/// A socket pair whose first end has number `fd` (just freed: the kernel hands out the lowest
/// free number, and cases run one at a time).
fn pair_reusing(fd: RawFd) -> (UnixStream, UnixStream) {
    let (c, d) = socket_pair();
    match (c.as_raw_fd(), d.as_raw_fd()) {
        (n, _) if n == fd => (c, d),
        (_, n) if n == fd => (d, c),
        (n, m) => panic!("fd {fd} was not reused (got {n} and {m})"),
    }
}

/// What a case saw, sent back from its thread (the reactor and its counters are not `Send`).
#[derive(Debug)]
struct Seen {
    fd: RawFd,
    /// `file:line` of the stale watcher's creation.
    site: String,
    /// What the first `run` returned, and the error's text (or the handler's).
    first: String,
    second: String,
    stale_calls: usize,
    new_calls: usize,
    stale_enabled: bool,
}

impl Seen {
    /// The stale watcher came out as a clear error and never ran; the new one ran once.
    fn assert_reported_and_isolated(&self, where_reported: &str) {
        assert!(
            self.first.contains(&format!("fd {}", self.fd)) && self.first.contains(&self.site),
            "{where_reported} gave {}, which does not name fd {} and {}",
            self.first,
            self.fd,
            self.site
        );
        assert_eq!(self.stale_calls, 0, "the stale watcher ran on the new file's data");
        assert_eq!(self.new_calls, 1, "the new file's watcher fired once (then cancelled itself)");
        assert!(!self.stale_enabled, "the stale watcher is disabled (cancelling it stays the user's job)");
    }
}

/// The repro of #15, with `keep_dup`: the old file lives on in a dup (with data pending), so
/// epoll still holds its registration under the old number.
fn stale_watcher_case(keep_dup: bool, with_handler: bool) -> Seen {
    let outcome = on_a_thread_within(Duration::from_secs(5), move || {
        let reactor = Reactor::new().unwrap();
        let reported = Rc::new(RefCell::new(Vec::new()));
        if with_handler {
            let r = reported.clone();
            reactor.set_error_handler(move |e| r.borrow_mut().push(e.to_string()));
        }
        let (a, pa) = socket_pair();
        let fd = a.as_raw_fd();
        let stale = Counter::new();
        let s = stale.clone();
        let site = format!("{}:{}", file!(), line!() + 1);
        let stale_id = reactor.on_readable(&a, move |_, _, _| s.bump()).unwrap();
        let dup = keep_dup.then(|| a.try_clone().unwrap());
        drop(a); // closed without cancelling its watcher: the user error
        let (b, pb) = pair_reusing(fd);
        let fresh = Counter::new();
        let f = fresh.clone();
        reactor
            .on_readable(&b, move |h, id, _| {
                f.bump();
                h.cancel(id);
            })
            .unwrap();
        (&pb).write_all(b"x").unwrap();
        if keep_dup {
            (&pa).write_all(b"old").unwrap(); // the old file is readable too
        }
        let first = match reactor.run() {
            Err(e) => e.to_string(),
            Ok(()) => format!("Ok, with the handler given {:?}", reported.borrow()),
        };
        let second = format!("{:?}", reactor.run());
        let stale_enabled = reactor.is_enabled(stale_id).unwrap();
        reactor.cancel(stale_id);
        drop((pa, dup, b, pb));
        Seen { fd, site, first, second, stale_calls: stale.get(), new_calls: fresh.get(), stale_enabled }
    });
    outcome.expect("run() never returned: the stale watcher took over the reused fd number")
}

pub(crate) fn a_watcher_left_on_a_closed_fd_is_an_error_not_a_callback_on_the_next_file() {
    let seen = stale_watcher_case(false, false);
    seen.assert_reported_and_isolated("the first run()");
    assert_eq!(seen.second, "Ok(())", "then the new watcher fired and nothing keeps run() alive");
    figure("error", &seen.first);
}

pub(crate) fn a_watcher_left_on_a_closed_fd_goes_to_the_error_handler_and_the_loop_goes_on() {
    let seen = stale_watcher_case(false, true);
    seen.assert_reported_and_isolated("the error handler");
    assert!(seen.first.starts_with("Ok"), "{}", seen.first);
}

pub(crate) fn a_watcher_left_on_a_closed_fd_whose_file_lives_on_is_an_error_too() {
    let seen = stale_watcher_case(true, false);
    seen.assert_reported_and_isolated("the first run()");
    assert_eq!(seen.second, "Ok(())");
    injected("watchers left on a closed fd whose number was reused", 3);
}

/// The stale watcher was disabled when its fd was closed, so epoll knew nothing of it: the
/// new file must still not be handed to it, not even when it is enabled again.
pub(crate) fn a_disabled_watcher_left_on_a_closed_fd_never_watches_the_next_file() {
    let outcome = on_a_thread_within(Duration::from_secs(5), || {
        let reactor = Reactor::new().unwrap();
        let (a, pa) = socket_pair();
        let fd = a.as_raw_fd();
        let site = format!("{}:{}", file!(), line!() + 1);
        let stale_id = reactor.watch().disabled().on_readable(&a, |_, _, _| panic!("stale watcher ran")).unwrap();
        drop(a);
        let (b, pb) = pair_reusing(fd);
        let fresh = Counter::new();
        let f = fresh.clone();
        let id = reactor.on_readable(&b, move |_, _, _| f.bump()).unwrap();
        (&pb).write_all(b"x").unwrap();
        let first = format!("{:?}", reactor.tick().map_err(|e| e.to_string()));
        let enable = format!("{:?}", reactor.enable(stale_id));
        reactor.tick().unwrap();
        let stale_enabled = reactor.is_enabled(stale_id).unwrap();
        reactor.cancel(stale_id);
        reactor.cancel(id);
        drop((pa, b, pb));
        (fd, site, first, enable, fresh.get(), stale_enabled)
    });
    let (fd, site, first, enable, fresh, stale_enabled) = outcome.expect("the case panicked (see above) or hung");
    assert!(first.contains(&format!("fd {fd}")) && first.contains(&site), "the first tick gave {first}");
    assert!(enable.starts_with("Err"), "enabling the stale watcher gave {enable}: it would watch the new file");
    assert!(!stale_enabled, "it stays disabled");
    assert_eq!(fresh, 1, "the new file's watcher works");
}

/// The correct sequence (cancel, close, reuse the number) reports nothing.
pub(crate) fn cancelling_before_closing_lets_the_next_file_with_that_number_be_watched_without_error() {
    let reactor = Reactor::new().unwrap();
    for disabled in [false, true] {
        let (a, pa) = socket_pair();
        let fd = a.as_raw_fd();
        let watch = if disabled { reactor.watch().disabled() } else { reactor.watch() };
        let old = watch.on_readable(&a, |_, _, _| panic!("cancelled watcher ran")).unwrap();
        reactor.cancel(old);
        drop((a, pa));
        let (b, pb) = pair_reusing(fd);
        let fired = Counter::new();
        let f = fired.clone();
        reactor
            .on_readable(&b, move |h, id, _| {
                f.bump();
                h.cancel(id);
            })
            .unwrap();
        (&pb).write_all(b"x").unwrap();
        timeout_run(&reactor, Duration::from_secs(3)).unwrap();
        assert_eq!(fired.get(), 1, "the new watcher fired (disabled: {disabled})");
        assert_eq!(reactor.info().watched_fds, 0);
    }
}
