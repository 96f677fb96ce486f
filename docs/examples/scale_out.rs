//! Scaling past one core: one reactor per thread, each with its own `SO_REUSEPORT` listener on
//! the same port, and a cross-thread wake for the rare request that needs another thread.
//!
//! ```text
//! cargo run --release --example scale_out                  # 1 reactor, then 2: connections/s of each
//! cargo run --release --example scale_out -- --seconds 5   # longer runs, steadier figures
//! cargo run --release --example scale_out -- --work-us 0   # no CPU work per request: pure connect/close
//! cargo run --release --example scale_out -- --serve 7002  # one reactor per core, until Ctrl-C
//! ```
//!
//! The measurement exits by itself (about 3.5 s; `--seconds` is per run). `--serve` runs until
//! Ctrl-C; try `echo ping | nc 127.0.0.1 7002` and `echo total | nc 127.0.0.1 7002`.
//!
//! Each ping costs the service `--work-us` microseconds of CPU (default 20), standing in for
//! the parsing and computing of a real service: more reactors help when the service's own CPU
//! is what runs out. The load generator runs on the same machine and takes its share of it.
//!
//! The protocol is one line per connection: `ping` gets `pong`, `total` gets the number of
//! pings served by *all* reactors. Each reactor counts its own in an `Rc<Cell>`, which no other
//! thread can touch, so `total` asks the others over a channel and waits for their answers:
//! the handoff. It is the only traffic between threads; nothing is shared, and no reactor ever
//! takes work from another (work stealing is not the model: the kernel's spread is the balance).
//! The guide's "Scaling past one core" chapter explains the recipe.

use std::cell::Cell;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::pin::pin;
use std::rc::Rc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use ampere_reactor::net::{TcpListener, TcpStream};
use ampere_reactor::{sleep, BoxError, Reactor};
use futures::channel::{mpsc, oneshot};
use futures::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use futures::StreamExt;

/// A question for another reactor: "how many pings have you served?", with where to answer.
type Ask = oneshot::Sender<u64>;

/// The load: client threads, each a reactor with `IN_FLIGHT` connections in flight.
const CLIENT_THREADS: usize = 2;
const IN_FLIGHT: usize = 16;

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value_of = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1));
    let work = Duration::from_micros(value_of("--work-us").map(|w| w.parse()).transpose()?.unwrap_or(20));
    if args.iter().any(|a| a == "--serve") {
        let port: u16 = value_of("--serve").filter(|p| !p.starts_with("--")).map_or(Ok(7002), |p| p.parse())?;
        let reactors = thread::available_parallelism().map_or(2, |n| n.get());
        let service = Service::start(reactors, SocketAddr::from(([127, 0, 0, 1], port)), work)?;
        println!("{reactors} reactors on {}, one thread each; stop with Ctrl-C", service.addr);
        for thread in service.threads {
            thread.join().map_err(|_| "a reactor thread panicked")??;
        }
        return Ok(());
    }

    let seconds: f64 = value_of("--seconds").map(|s| s.parse()).transpose()?.unwrap_or(1.5);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("{} cores; load average before: {}", thread::available_parallelism()?, load.trim());
    println!(
        "load: {CLIENT_THREADS} client threads x {IN_FLIGHT} connections in flight, {seconds} s per run, {} us of work per ping",
        work.as_micros()
    );
    let mut rates = Vec::new();
    for reactors in [1, 2] {
        let service = Service::start(reactors, SocketAddr::from(([127, 0, 0, 1], 0)), work)?;
        let started = Instant::now();
        let deadline = started + Duration::from_secs_f64(seconds);
        let clients: Vec<_> =
            (0..CLIENT_THREADS).map(|_| thread::spawn(move || pinger(service.addr, deadline))).collect();
        let mut pings = 0;
        for client in clients {
            pings += client.join().map_err(|_| "a client thread panicked")??;
        }
        let rate = pings as f64 / started.elapsed().as_secs_f64();
        let total = ask_total(service.addr)?; // after the load: the count is settled
        let per_reactor = service.stop()?;
        println!("{reactors} reactor(s): {rate:>8.0} connections/s; per reactor {per_reactor:?}; `total` -> {total}");
        assert_eq!(total.split(' ').next(), Some(pings.to_string().as_str()), "every ping is counted once");
        rates.push(rate);
    }
    println!("ratio 2/1: {:.2}", rates[1] / rates[0]);
    Ok(())
}

/// The reactor threads of one service, and what it takes to stop them.
struct Service {
    addr: SocketAddr,
    stops: Vec<oneshot::Sender<()>>,
    threads: Vec<JoinHandle<Result<u64, BoxError>>>,
}

impl Service {
    /// Starts `reactors` threads listening on `addr` (port 0: the first one picks the port
    /// and the others join it). Returns once every listener is bound.
    fn start(reactors: usize, mut addr: SocketAddr, work: Duration) -> Result<Service, BoxError> {
        let (mailboxes, inboxes): (Vec<_>, Vec<_>) = (0..reactors).map(|_| mpsc::unbounded::<Ask>()).unzip();
        let mut service = Service { addr, stops: Vec::new(), threads: Vec::new() };
        for (index, inbox) in inboxes.into_iter().enumerate() {
            let peers: Vec<_> =
                mailboxes.iter().enumerate().filter(|(i, _)| *i != index).map(|(_, m)| m.clone()).collect();
            let (stop, stopped) = oneshot::channel();
            let (bound, is_bound) = std::sync::mpsc::channel();
            service.threads.push(thread::spawn(move || shard((index, addr, work), inbox, peers, stopped, bound)));
            addr = is_bound.recv()??;
            service.stops.push(stop);
        }
        service.addr = addr;
        Ok(service)
    }

    /// Stops every reactor and returns how many pings each served.
    fn stop(self) -> Result<Vec<u64>, BoxError> {
        // Sending wakes each reactor's server task from this thread: a cross-thread wake.
        for stop in self.stops {
            let _ = stop.send(());
        }
        self.threads.into_iter().map(|t| t.join().map_err(|_| "a reactor thread panicked")?).collect()
    }
}

/// What one reactor's connections share: its own, never another thread's.
struct Local {
    index: usize,
    work: Duration,
    /// Pings served here. A `Cell`: only this thread touches it, so no atomics, no lock.
    served: Cell<u64>,
    peers: Vec<mpsc::UnboundedSender<Ask>>,
}

/// One reactor thread: binds its own listener, serves until told to stop, returns its count.
/// `addr` has port 0 for the first of a service, which reports the port it got on `bound`.
fn shard(
    (index, addr, work): (usize, SocketAddr, Duration),
    mut inbox: mpsc::UnboundedReceiver<Ask>,
    peers: Vec<mpsc::UnboundedSender<Ask>>,
    stopped: oneshot::Receiver<()>,
    bound: std::sync::mpsc::Sender<Result<SocketAddr, BoxError>>,
) -> Result<u64, BoxError> {
    let reactor = Reactor::new()?;
    let handle = reactor.handle();
    let local = Rc::new(Local { index, work, served: Cell::new(0), peers });
    let here = local.clone();
    let server = reactor.spawn(async move {
        let listener = match TcpListener::bind_reuseport(addr) {
            Ok(listener) => listener,
            Err(e) => return drop(bound.send(Err(e.into()))),
        };
        let _ = bound.send(listener.local_addr().map_err(Into::into));
        // Answers the other reactors. `inbox.next()` parks this task with its waker inside the
        // channel; a sender on another thread calls `wake()`, which queues the task on *this*
        // reactor and pokes its poller: the task then runs here, never there.
        let answers = here.clone();
        drop(handle.spawn(async move {
            while let Some(ask) = inbox.next().await {
                let _ = ask.send(answers.served.get());
            }
        }));
        let accept = async {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => drop(handle.spawn(connection(stream, here.clone()))),
                    // Out of fds (`EMFILE`) and the like: the listener stays usable, and the
                    // error would come back at once, so back off instead of spinning.
                    Err(_) => sleep(Duration::from_millis(10)).await,
                }
            }
        };
        // Serve until `stop` is sent (or dropped). Connections still open are dropped with
        // the reactor; the listener closes here, and the kernel resets what it had queued.
        futures::future::select(pin!(accept), stopped).await;
    });
    reactor.block_on(server)?.map_err(|e| e.to_string())?;
    Ok(local.served.get())
}

/// One connection: one line in, one line out, then close.
async fn connection(stream: TcpStream, local: Rc<Local>) {
    let mut line = String::new();
    if BufReader::with_capacity(64, &stream).read_line(&mut line).await.is_err() {
        return;
    }
    let reply = match line.trim() {
        "ping" => {
            // The service's own CPU work (`--work-us`): parsing, templating, crypto...
            let until = Instant::now() + local.work;
            while Instant::now() < until {
                std::hint::spin_loop();
            }
            local.served.set(local.served.get() + 1);
            "pong\n".to_owned()
        }
        "total" => {
            // The handoff: ask each peer, await each answer. This task sleeps meanwhile; the
            // answer wakes it from the peer's thread. A peer that has stopped drops the
            // question, and the `Err` counts as 0 instead of waiting forever.
            let mut total = local.served.get();
            for peer in &local.peers {
                let (answer, answered) = oneshot::channel();
                if peer.unbounded_send(answer).is_ok() {
                    total += answered.await.unwrap_or(0);
                }
            }
            format!("{total} pings served (asked reactor {})\n", local.index)
        }
        other => format!("unknown request {other:?}: try ping or total\n"),
    };
    let _ = (&stream).write_all(reply.as_bytes()).await;
}

/// A client thread: its own reactor, `IN_FLIGHT` tasks pinging until `deadline`.
fn pinger(addr: SocketAddr, deadline: Instant) -> Result<u64, BoxError> {
    let reactor = Reactor::new()?;
    let tasks: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            reactor.spawn(async move {
                let mut pings = 0u64;
                while Instant::now() < deadline {
                    let stream = TcpStream::connect(addr).await?;
                    (&stream).write_all(b"ping\n").await?;
                    // Read to EOF: the server closes first, so the TIME_WAIT state lands on its
                    // side and this side's ephemeral ports are free again at once.
                    let mut reply = Vec::new();
                    (&stream).read_to_end(&mut reply).await?;
                    assert_eq!(reply, b"pong\n");
                    pings += 1;
                }
                std::io::Result::Ok(pings)
            })
        })
        .collect();
    let mut pings = 0;
    for task in tasks {
        pings += reactor.block_on(task)?.map_err(|e| e.to_string())??;
    }
    Ok(pings)
}

/// Asks for the `total`, with plain blocking std (this thread has no reactor to lend).
fn ask_total(addr: SocketAddr) -> Result<String, BoxError> {
    let (mut stream, mut reply) = (std::net::TcpStream::connect(addr)?, String::new());
    stream.write_all(b"total\n")?;
    stream.read_to_string(&mut reply)?;
    Ok(reply.trim().to_owned())
}
