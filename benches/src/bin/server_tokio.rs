//! `just bench-servers` on tokio's current-thread runtime: `tokio::net`, one spawned task
//! per connection, and for the idle workload a `tokio::time::Sleep` per connection raced
//! against each read and moved by `Sleep::reset` on every request.
//!
//! `server_tokio PORT http|echo|idle`; runs until SIGTERM or SIGINT.

use std::error::Error;
use std::io;

use ampere_benches::server::{ServerArgs, Session, Workload, READ_BUF};
use futures_lite::future;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{sleep, Instant};

fn main() -> Result<(), Box<dyn Error>> {
    let args = ServerArgs::from_env()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(listen(args))
}

async fn listen(args: ServerArgs) -> Result<(), Box<dyn Error>> {
    let listener = TcpListener::bind(args.addr()).await?;
    args.ready("tokio", listener.local_addr()?.port());
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let _detached = tokio::spawn(async move { drop(serve(stream, args.workload).await) });
    }
}

async fn serve(mut stream: TcpStream, workload: Workload) -> io::Result<()> {
    let mut session = Session::new(workload);
    let mut buf = vec![0; READ_BUF];
    let mut idle = workload.idle_timeout().map(|after| (after, Box::pin(sleep(after))));
    loop {
        let n = match &mut idle {
            None => stream.read(&mut buf).await?,
            Some((_, timer)) => {
                let read = async { Some(stream.read(&mut buf).await) };
                match future::or(read, async {
                    timer.as_mut().await;
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
                timer.as_mut().reset(Instant::now() + *after);
            }
        }
        stream.write_all(session.output()).await?;
        let written = session.output().len();
        session.wrote(written);
    }
}
