//! The tour's async sections after TCP: UDP, Unix sockets, `interval`, signal streams and
//! `abort`. Written as an application would, with the prelude.

use std::time::Duration;

use ampere_reactor::net::{UdpSocket, UnixStream};
use ampere_reactor::prelude::*;
use ampere_reactor::{interval, signal, JoinError, Reactor};

use super::say;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Sections 7 to 11, each on `reactor`.
pub(crate) fn tour(reactor: &Reactor) -> Result {
    udp(reactor)?;
    unix_sockets(reactor)?;
    intervals(reactor)?;
    signal_streams(reactor)?;
    abort(reactor)
}

fn udp(reactor: &Reactor) -> Result {
    println!("\n== 7. UDP: two sockets on 127.0.0.1:0, one datagram each way");
    reactor.block_on_try(async {
        let (a, b) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
        a.send_to(b"ping", b.local_addr()?).await?;
        let mut buf = [0u8; 16];
        let (n, from) = b.recv_from(&mut buf).await?;
        say(format!("b got {:?} from {from}", String::from_utf8_lossy(&buf[..n])));
        b.send_to(b"pong", from).await?;
        let (n, _) = a.recv_from(&mut buf).await?;
        say(format!("a got {:?} back: a datagram is never split or merged", String::from_utf8_lossy(&buf[..n])));
        Ok(())
    })
}

fn unix_sockets(reactor: &Reactor) -> Result {
    println!("\n== 8. Unix sockets: a connected pair, one task per end");
    reactor.block_on_try(async {
        let (mut left, right) = UnixStream::pair()?;
        let shouter = spawn(async move {
            // `&right` reads and writes: one task could read while another writes.
            let mut line = String::new();
            BufReader::new(&right).read_line(&mut line).await?;
            (&right).write_all(line.to_uppercase().as_bytes()).await
        });
        left.write_all(b"quiet words\n").await?;
        let mut reply = String::new();
        BufReader::new(&mut left).read_line(&mut reply).await?;
        shouter.await??;
        say(format!("sent \"quiet words\", the other end sent back {:?}", reply.trim_end()));
        Ok(())
    })
}

fn intervals(reactor: &Reactor) -> Result {
    println!("\n== 9. interval: three ticks, 2 ms apart, on deadlines that do not drift");
    reactor.block_on(async {
        let mut every = interval(Duration::from_millis(2));
        for n in 1..=3 {
            every.tick().await;
            say(format!("tick {n}"));
        }
    })?;
    Ok(())
}

fn signal_streams(reactor: &Reactor) -> Result {
    println!("\n== 10. signal streams: SIGUSR1 by name, awaited by a task");
    reactor.block_on_try(async {
        let mut usr1 = signal(Signal::User1)?; // from here on, SIGUSR1 is ours
        signal_hook::low_level::raise(Signal::User1.as_raw())?; // as `kill -USR1 <pid>` would
        let signo = usr1.recv().await;
        say(format!(
            "received {:?} (signal {signo}); dropping the stream restores the default",
            Signal::try_from(signo)?
        ));
        Ok(())
    })
}

fn abort(reactor: &Reactor) -> Result {
    println!("\n== 11. abort: a task that would sleep an hour, cancelled");
    reactor.block_on_try(async {
        let sleeper = spawn(async {
            sleep(Duration::from_secs(3600)).await;
            "woke up" // never reached
        });
        sleep(Duration::from_millis(1)).await;
        say(format!("abort() while it sleeps: was running = {}", sleeper.abort()));
        match sleeper.await {
            Err(JoinError::Aborted) => say("awaiting it gives JoinError::Aborted; its timer is gone too"),
            other => say(format!("unexpected: {other:?}")),
        }
        Ok(())
    })
}
