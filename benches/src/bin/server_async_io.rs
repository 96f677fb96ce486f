//! `just bench-servers` on async-io + async-executor's `LocalExecutor`: `Async<TcpStream>`,
//! one spawned task per connection, and for the idle workload an `async_io::Timer` per
//! connection raced against each read and moved by `Timer::set_after` on every request.
//!
//! `server_async_io PORT http|echo|idle`; runs until SIGTERM or SIGINT.

use std::error::Error;
use std::io;
use std::net::{TcpListener, TcpStream};

use ampere_benches::server::{ServerArgs, Session, Workload, READ_BUF};
use async_executor::LocalExecutor;
use async_io::{Async, Timer};
use futures_lite::{future, AsyncReadExt, AsyncWriteExt};

fn main() -> Result<(), Box<dyn Error>> {
    let args = ServerArgs::from_env()?;
    let executor = LocalExecutor::new();
    async_io::block_on(executor.run(listen(&executor, args)))
}

async fn listen(executor: &LocalExecutor<'_>, args: ServerArgs) -> Result<(), Box<dyn Error>> {
    let listener = Async::<TcpListener>::bind(args.addr())?;
    args.ready("async-io", listener.get_ref().local_addr()?.port());
    loop {
        let (stream, _) = listener.accept().await?;
        stream.get_ref().set_nodelay(true)?;
        executor.spawn(async move { drop(serve(stream, args.workload).await) }).detach();
    }
}

async fn serve(mut stream: Async<TcpStream>, workload: Workload) -> io::Result<()> {
    let mut session = Session::new(workload);
    let mut buf = vec![0; READ_BUF];
    let mut idle = workload.idle_timeout().map(|after| (after, Timer::after(after)));
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
                timer.set_after(*after);
            }
        }
        stream.write_all(session.output()).await?;
        let written = session.output().len();
        session.wrote(written);
    }
}
