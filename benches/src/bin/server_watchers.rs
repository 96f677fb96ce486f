//! `just bench-servers` on ampere's watchers: non-blocking std sockets, one
//! `Handle::on_readable` callback per connection, an `on_writable` one only while output is
//! stuck, and for the idle workload a delay watcher per connection, moved by
//! `Handle::reset` (libev's `ev_timer_again`: its full delay again, from now) on every request.
//!
//! `server_watchers PORT http|echo|idle`; runs until SIGTERM or SIGINT.

use std::cell::RefCell;
use std::error::Error;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::rc::Rc;

use ampere_benches::server::{ServerArgs, Session, Workload, IDLE_TIMEOUT, READ_BUF};
use ampere_reactor::{Handle, Reactor, WatcherId};

/// The read buffer, shared by every connection (one callback runs at a time).
type Buf = Rc<RefCell<Vec<u8>>>;

struct Conn {
    /// `None` once closed.
    stream: Option<TcpStream>,
    session: Session,
    read: Option<WatcherId>,
    write: Option<WatcherId>,
    idle: Option<WatcherId>,
}

type Shared = Rc<RefCell<Conn>>;

fn main() -> Result<(), Box<dyn Error>> {
    let args = ServerArgs::from_env()?;
    let reactor = Reactor::new()?;
    let listener = TcpListener::bind(args.addr())?;
    listener.set_nonblocking(true)?;
    let port = listener.local_addr()?.port();
    let buf: Buf = Rc::new(RefCell::new(vec![0; READ_BUF]));
    let fd = listener.as_raw_fd();
    reactor.on_readable(&fd, move |h, _, _| {
        while let Ok((stream, _)) = listener.accept() {
            if let Err(e) = open(h, stream, args.workload, buf.clone()) {
                eprintln!("watchers: dropped a connection: {e}");
            }
        }
    })?;
    args.ready("watchers", port);
    reactor.run()?;
    Ok(())
}

fn open(h: &Handle, stream: TcpStream, workload: Workload, buf: Buf) -> Result<(), Box<dyn Error>> {
    stream.set_nonblocking(true)?;
    stream.set_nodelay(true)?;
    let fd = stream.as_raw_fd();
    let conn = Rc::new(RefCell::new(Conn {
        stream: Some(stream),
        session: Session::new(workload),
        read: None,
        write: None,
        idle: None,
    }));
    let c = conn.clone();
    let read = h.on_readable(&fd, move |h, _, _| on_readable(h, &c, &buf))?;
    let idle = workload.idle_timeout().map(|after| {
        let c = conn.clone();
        h.delay(after, move |h, _| close(h, &c))
    });
    let mut st = conn.borrow_mut();
    st.read = Some(read);
    st.idle = idle;
    Ok(())
}

fn on_readable(h: &Handle, conn: &Shared, buf: &Buf) {
    let mut st = conn.borrow_mut();
    let st = &mut *st;
    let Some(stream) = st.stream.as_mut() else { return };
    let pumped = match st.session.pump(stream, &mut buf.borrow_mut()) {
        Ok(pumped) => pumped,
        Err(_) => return close_later(h, conn),
    };
    if let (true, Some(idle)) = (pumped.answered, st.idle) {
        let _ = h.reset(idle, IDLE_TIMEOUT); // the full delay again, from now
    }
    if !pumped.flushed && st.write.is_none() {
        let c = conn.clone();
        match h.on_writable(&stream.as_raw_fd(), move |h, _, _| on_writable(h, &c)) {
            Ok(id) => st.write = Some(id),
            Err(_) => close_later(h, conn),
        }
    }
}

fn on_writable(h: &Handle, conn: &Shared) {
    let mut st = conn.borrow_mut();
    let st = &mut *st;
    let Some(stream) = st.stream.as_mut() else { return };
    match st.session.flush(stream) {
        Ok(true) => h.cancel(st.write.take().expect("the writer runs")),
        Ok(false) => {}
        Err(_) => close_later(h, conn),
    }
}

/// Closes from a callback that holds the connection borrowed: in the next tick.
fn close_later(h: &Handle, conn: &Shared) {
    let c = conn.clone();
    h.defer(move |h, _| close(h, &c));
}

/// Cancels the connection's watchers, then closes its socket.
fn close(h: &Handle, conn: &Shared) {
    let mut st = conn.borrow_mut();
    for id in [st.read.take(), st.write.take(), st.idle.take()].into_iter().flatten() {
        h.cancel(id);
    }
    st.stream = None;
}
