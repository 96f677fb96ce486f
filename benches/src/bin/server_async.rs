//! `just bench-servers` on ampere's async layer: `net::TcpListener` / `net::TcpStream`, one
//! spawned task per connection, and for the idle workload a `Sleep` per connection raced
//! against each read and moved by `Sleep::reset` on every request.
//!
//! `server_async PORT http|echo|idle`; runs until SIGTERM or SIGINT.

use std::error::Error;
use std::io;
use std::time::Instant;

use ampere_benches::server::{ServerArgs, Session, Workload, READ_BUF};
use ampere_reactor::net::{TcpListener, TcpStream};
use ampere_reactor::{sleep, spawn, Reactor};
use futures_lite::{future, AsyncReadExt, AsyncWriteExt};

fn main() -> Result<(), Box<dyn Error>> {
    let args = ServerArgs::from_env()?;
    Reactor::new()?.block_on(listen(args))?
}

async fn listen(args: ServerArgs) -> Result<(), Box<dyn Error>> {
    let listener = TcpListener::bind(args.addr())?;
    args.ready("async", listener.local_addr()?.port());
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let _detached = spawn(async move { drop(serve(stream, args.workload).await) });
    }
}

async fn serve(mut stream: TcpStream, workload: Workload) -> io::Result<()> {
    let mut session = Session::new(workload);
    let mut buf = vec![0; READ_BUF];
    let mut idle = workload.idle_timeout().map(|after| (after, sleep(after)));
    loop {
        let n = match &mut idle {
            None => stream.read(&mut buf).await?,
            Some((_, timer)) => {
                let read = async { Some(stream.read(&mut buf).await) };
                match future::or(read, async {
                    (&mut *timer).await;
                    None
                })
                .await
                {
                    Some(n) => n?,
                    None => return Ok(()), // idle for too long
                }
            }
        };
        if n == 0 {
            return Ok(());
        }
        if session.answer(&buf[..n])? {
            if let Some((after, timer)) = &mut idle {
                timer.reset(Instant::now() + *after);
            }
        }
        stream.write_all(session.output()).await?;
        let written = session.output().len();
        session.wrote(written);
    }
}
