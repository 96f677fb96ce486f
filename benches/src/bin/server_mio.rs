//! The physical limit of `just bench-servers`: one `mio::Poll` loop, edge-triggered, each
//! socket registered once for reading and writing (no `epoll_ctl` after accept), and for the
//! idle workload a bare binary heap of deadlines ("raw mio + a bare heap").
//!
//! `server_mio PORT http|echo|idle`; runs until SIGTERM or SIGINT.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;
use std::time::Instant;

use ampere_benches::server::{ServerArgs, Session, READ_BUF};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use slab::Slab;

const LISTENER: Token = Token(usize::MAX);

struct Conn {
    stream: TcpStream,
    session: Session,
    /// The idle deadline; moving it later is a store (the heap entry is re-checked when it
    /// reaches the top, libev's lazy strategy). `None` without an idle timeout.
    deadline: Option<Instant>,
    /// Tells this connection's heap entries from those of an earlier one in the same slot.
    serial: u64,
}

fn main() -> io::Result<()> {
    let args = ServerArgs::from_env()?;
    let idle = args.workload.idle_timeout();
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(1024);
    let mut listener = TcpListener::bind(args.addr())?;
    poll.registry().register(&mut listener, LISTENER, Interest::READABLE)?;
    args.ready("mio", listener.local_addr()?.port());

    let mut conns: Slab<Conn> = Slab::new();
    let mut heap: BinaryHeap<Reverse<(Instant, u64, usize)>> = BinaryHeap::new();
    let mut serial = 0;
    let mut buf = vec![0; READ_BUF];
    loop {
        let timeout = heap.peek().map(|Reverse((at, _, _))| at.saturating_duration_since(Instant::now()));
        if let Err(e) = poll.poll(&mut events, timeout) {
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        let now = idle.map(|_| Instant::now());
        for event in events.iter() {
            if event.token() == LISTENER {
                while let Ok((mut stream, _)) = listener.accept() {
                    stream.set_nodelay(true)?;
                    let entry = conns.vacant_entry();
                    let key = entry.key();
                    poll.registry().register(&mut stream, Token(key), Interest::READABLE | Interest::WRITABLE)?;
                    serial += 1;
                    let deadline = now.zip(idle).map(|(now, idle)| now + idle);
                    if let Some(at) = deadline {
                        heap.push(Reverse((at, serial, key)));
                    }
                    entry.insert(Conn { stream, session: Session::new(args.workload), deadline, serial });
                }
                continue;
            }
            let key = event.token().0;
            let Some(conn) = conns.get_mut(key) else { continue };
            let result = match event.is_readable() || event.is_read_closed() {
                true => conn.session.pump(&mut conn.stream, &mut buf).map(|p| p.answered),
                false => conn.session.flush(&mut conn.stream).map(|_| false),
            };
            match result {
                Ok(answered) => {
                    if let (true, Some(now), Some(idle)) = (answered, now, idle) {
                        conn.deadline = Some(now + idle);
                    }
                }
                Err(_) => drop(conns.remove(key)), // closing the fd leaves epoll too
            }
        }
        if idle.is_some() {
            expire(&mut heap, &mut conns, Instant::now());
        }
    }
}

/// Closes the connections whose deadline passed; an entry whose connection moved its
/// deadline later is pushed again with the new one.
fn expire(heap: &mut BinaryHeap<Reverse<(Instant, u64, usize)>>, conns: &mut Slab<Conn>, now: Instant) {
    while let Some(&Reverse((at, serial, key))) = heap.peek() {
        if at > now {
            break;
        }
        heap.pop();
        match conns.get(key) {
            Some(conn) if conn.serial == serial => match conn.deadline {
                Some(later) if later > now => heap.push(Reverse((later, serial, key))),
                _ => drop(conns.remove(key)),
            },
            _ => {} // that connection is gone
        }
    }
}
