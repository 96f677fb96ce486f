//! A line-based chat server: a client's first line is its name, and every later line is sent
//! to everyone else in the room.
//!
//! ```text
//! cargo run --release --example chat_server             # demo: alice, bob and carol chat, then it exits
//! cargo run --release --example chat_server -- --serve  # listens on 127.0.0.1:7001 (or `--serve PORT`)
//! nc 127.0.0.1 7001                                     # in two or more terminals: type a name, then chat
//! ```
//!
//! The demo's three clients run on the same reactor as the server; it exits once they have
//! said hello to each other and left (well under a second). `--serve` runs until Ctrl-C.
//!
//! The room is an `Rc<RefCell<..>>`: every session is a task on the one reactor thread, so
//! shared state needs no lock, only the discipline of never holding a borrow across an `.await`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::rc::Rc;

use ampere_reactor::net::{TcpListener, TcpStream};
use ampere_reactor::Reactor;
use futures::channel::mpsc;
use futures::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use futures::StreamExt;

/// Who is in the room: session id → (name, that session's outbox).
type Room = Rc<RefCell<BTreeMap<u64, (String, mpsc::UnboundedSender<String>)>>>;

const DEMO_NAMES: [&str; 3] = ["alice", "bob", "carol"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let serve = args.next().as_deref() == Some("--serve");
    let port: u16 = if serve { args.next().map(|p| p.parse()).transpose()?.unwrap_or(7001) } else { 0 };

    let reactor = Reactor::new()?;
    let handle = reactor.handle();
    let server = reactor.spawn(async move {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
        let addr = listener.local_addr()?;
        let room = Room::default();
        if serve {
            println!("chatting on {addr}: connect with `nc {} {}`; stop with Ctrl-C", addr.ip(), addr.port());
        } else {
            for name in DEMO_NAMES {
                drop(handle.spawn(bot(name, addr)));
            }
        }
        let mut sessions = Vec::new();
        for id in 0.. {
            if !serve && id == DEMO_NAMES.len() as u64 {
                break;
            }
            let (stream, _peer) = listener.accept().await?;
            sessions.push(handle.spawn(session(stream, id, room.clone())));
        }
        for session in sessions {
            session.await??; // a failed session fails the demo
        }
        println!("everyone left; closing the room");
        Ok::<(), Box<dyn std::error::Error>>(())
    });
    reactor.block_on(server)???;
    Ok(())
}

/// One client, from its name line to its hang-up.
async fn session(stream: TcpStream, id: u64, room: Room) -> io::Result<()> {
    let mut lines = BufReader::new(&stream).lines();
    let Some(name) = lines.next().await.transpose()? else { return Ok(()) };
    let here: Vec<String> = room.borrow().values().map(|(n, _)| n.clone()).collect();
    // Each session owns an outbox, and only its own writer writes to its socket. Others never
    // write to it directly: a slow client would stall the sender, and two tasks writing one
    // socket would take turns mid-line. (Unbounded, for brevity: a real server bounds it and
    // drops clients that fall too far behind.)
    let (outbox, mut inbox) = mpsc::unbounded();
    let _ = outbox.unbounded_send(format!("* welcome {name}; here already: {}\n", here.join(", ")));
    broadcast(&room, id, format!("* {name} joined\n"));
    room.borrow_mut().insert(id, (name.clone(), outbox));

    let reader = async {
        while let Some(line) = lines.next().await {
            broadcast(&room, id, format!("{name}: {}\n", line?));
        }
        io::Result::Ok(()) // EOF: the client hung up
    };
    let writer = async {
        while let Some(text) = inbox.next().await {
            (&stream).write_all(text.as_bytes()).await?;
        }
        io::Result::Ok(())
    };
    // Whichever ends first ends the session: the reader at EOF, the writer on a write error.
    // The other is dropped mid-await, which is fine: both are cancel-safe.
    let (result, _other) = futures::future::select(pin!(reader), pin!(writer)).await.factor_first();
    room.borrow_mut().remove(&id);
    broadcast(&room, id, format!("* {name} left\n"));
    result
}

/// Queues `text` in every outbox but the sender's. Synchronous: the `RefCell` borrow cannot
/// outlive it, so no task ever finds the room borrowed.
fn broadcast(room: &Room, from: u64, text: String) {
    for (id, (_name, outbox)) in room.borrow().iter() {
        if *id != from {
            let _ = outbox.unbounded_send(text.clone()); // a session that just ended: fine
        }
    }
}

/// A demo client: joins, waits until the whole room is there, says hello, and leaves once it
/// has heard from everyone else.
async fn bot(name: &'static str, addr: SocketAddr) -> io::Result<()> {
    let stream = TcpStream::connect(addr).await?;
    (&stream).write_all(format!("{name}\n").as_bytes()).await?;
    let mut lines = BufReader::new(&stream).lines();
    let (mut present, mut heard) = (0, 0);
    while let Some(line) = lines.next().await {
        let line = line?;
        if let Some(list) = line.strip_prefix(&format!("* welcome {name}; here already:")) {
            present = 1 + list.split(',').filter(|n| !n.trim().is_empty()).count();
        } else if line.ends_with(" joined") {
            present += 1;
        } else if !line.starts_with('*') {
            println!("{name:>5} hears  {line}");
            heard += 1;
        }
        // Joins reach every outbox in one synchronous broadcast, so nobody can hear a hello
        // before the join that completes the room: the count is exact.
        if present == DEMO_NAMES.len() {
            present += 1; // say it once
            println!("{name:>5} says   hi, I'm {name}");
            (&stream).write_all(format!("hi, I'm {name}\n").as_bytes()).await?;
        }
        if heard == DEMO_NAMES.len() - 1 {
            break;
        }
    }
    Ok(()) // dropping the stream hangs up: the server sees EOF
}
