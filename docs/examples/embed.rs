//! Embedding ampere in another event loop: the host loop owns the waiting, ampere does its
//! work in non-blocking ticks (libuv's `uv_backend_fd` / `uv_backend_timeout` pattern).
//!
//! ```text
//! cargo run --example embed    # about 50 ms, then exits by itself
//! ```
//!
//! The host here is a plain mio `Poll` with a source of its own (a socket that an ampere
//! timer writes to). Each round it asks ampere how long it may wait (`next_timeout`), waits
//! on the reactor's fd and its own, and then gives ampere one tick that never blocks
//! (`tick_nowait`). The loop ends when nothing keeps the reactor alive.

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use ampere_reactor::{sleep, Reactor};
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

const AMPERE: Token = Token(0);
const HOST_SOCKET: Token = Token(1);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let reactor = Reactor::new()?;

    // The host's own source: ampere's timers write to one end, the host reads the other.
    let (mut host_end, ampere_end) = UnixStream::pair()?;
    host_end.set_nonblocking(true)?;

    // ampere's side: a repeating timer that pings the host three times, and a task.
    let mut pings = 0;
    reactor.repeat(Duration::from_millis(10), move |handle, id| {
        pings += 1;
        println!("[{:>3?} ms] ampere: ping {pings}", start.elapsed().as_millis());
        (&ampere_end).write_all(b"ping").expect("the host end is open");
        if pings == 3 {
            handle.cancel(id);
        }
    });
    drop(reactor.spawn(async move {
        sleep(Duration::from_millis(45)).await;
        println!("[{:>3?} ms] ampere: the task is done", start.elapsed().as_millis());
    }));

    // The host loop: it waits on ampere's fd and on its own socket.
    let mut host = Poll::new()?;
    host.registry().register(&mut SourceFd(&reactor.as_raw_fd()), AMPERE, Interest::READABLE)?;
    host.registry().register(&mut SourceFd(&host_end.as_raw_fd()), HOST_SOCKET, Interest::READABLE)?;
    let mut events = Events::with_capacity(16);
    let mut rounds = 0;
    while reactor.is_alive() {
        rounds += 1;
        // `None`: wait for an fd only. mio rounds a timeout up to whole milliseconds, so the
        // wait never ends before ampere's next timer is due.
        let timeout = reactor.next_timeout()?;
        host.poll(&mut events, timeout)?;
        for event in events.iter() {
            if event.token() == HOST_SOCKET {
                // The host's registration is edge-triggered: read until it would block.
                let mut buf = [0; 64];
                while let Ok(n @ 1..) = host_end.read(&mut buf) {
                    println!("[{:>3?} ms] host: read {n} bytes", start.elapsed().as_millis());
                }
            }
        }
        reactor.tick_nowait()?;
    }
    println!("[{:>3?} ms] host: ampere has nothing left after {rounds} rounds", start.elapsed().as_millis());
    Ok(())
}
