//! The load generator of the echo workload of `just bench-servers` (wrk speaks only HTTP):
//! N connections, each sending a message and reading it back, again and again, for D
//! seconds, on one thread (one mio loop, as wrk's `-t1`). It counts the round trips and
//! keeps each one's latency, from the write of a message to the read of its last byte.
//!
//! `echo_load PORT CONNECTIONS SECONDS [BYTES=1024]`; prints one line:
//! `round_trips=N seconds=S p50_us=X p99_us=Y`.

use std::error::Error;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

struct Conn {
    stream: TcpStream,
    /// Bytes of the current message written, then read back.
    written: usize,
    read: usize,
    sent_at: Instant,
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        return Err(format!("usage: {} PORT CONNECTIONS SECONDS [BYTES]", args[0]).into());
    }
    let port: u16 = args[1].parse()?;
    let n: usize = args[2].parse()?;
    let seconds: f64 = args[3].parse()?;
    let size: usize = args.get(4).map_or(Ok(1024), |s| s.parse())?;
    ampere_benches::raise_fd_limit();

    let message = vec![b'x'; size];
    let mut buf = vec![0; 64 * 1024];
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(1024);
    let mut conns = Vec::with_capacity(n);
    for i in 0..n {
        let stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        stream.set_nonblocking(true)?;
        let mut stream = TcpStream::from_std(stream);
        poll.registry().register(&mut stream, Token(i), Interest::READABLE | Interest::WRITABLE)?;
        // `written` full: the first `send` starts a message.
        conns.push(Conn { stream, written: size, read: 0, sent_at: Instant::now() });
    }

    let start = Instant::now();
    let end = start + Duration::from_secs_f64(seconds);
    let mut latencies_ns: Vec<u32> = Vec::with_capacity(1 << 20);
    for conn in &mut conns {
        send(conn, &message)?;
    }
    loop {
        let now = Instant::now();
        if now >= end {
            break;
        }
        poll.poll(&mut events, Some(end - now))?;
        for event in events.iter() {
            let conn = &mut conns[event.token().0];
            if conn.written < size {
                send(conn, &message)?; // the rest of a message the socket did not take at once
                if conn.written < size {
                    continue;
                }
            }
            loop {
                match conn.stream.read(&mut buf) {
                    Ok(0) => return Err("the server closed a connection".into()),
                    Ok(got) => {
                        conn.read += got;
                        if conn.read >= size {
                            let ns = conn.sent_at.elapsed().as_nanos();
                            latencies_ns.push(ns.min(u32::MAX as u128) as u32);
                            send(conn, &message)?;
                        }
                        if got < buf.len() {
                            break;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let round_trips = latencies_ns.len();
    let p50 = percentile_us(&mut latencies_ns, 0.50);
    let p99 = percentile_us(&mut latencies_ns, 0.99);
    println!("round_trips={round_trips} seconds={seconds:.3} p50_us={p50:.1} p99_us={p99:.1}");
    Ok(())
}

/// Starts (or goes on writing) the connection's next message.
fn send(conn: &mut Conn, message: &[u8]) -> io::Result<()> {
    if conn.written >= message.len() {
        conn.written = 0;
        conn.read = 0;
        conn.sent_at = Instant::now();
    }
    while conn.written < message.len() {
        match conn.stream.write(&message[conn.written..]) {
            Ok(n) => conn.written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break, // a writable event goes on
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn percentile_us(samples: &mut [u32], q: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let i = ((samples.len() - 1) as f64 * q).round() as usize;
    let (_, v, _) = samples.select_nth_unstable(i);
    f64::from(*v) / 1000.0
}
