//! `just bench-servers`, workload `hyper`, on tokio's current-thread runtime: hyper 1.x's
//! HTTP/1.1 server over `tokio::net::TcpStream` through hyper-util (`TokioIo` for the socket,
//! `TokioTimer` for the header timeout), one `spawn_local` task per connection on a
//! `LocalSet` (the `!Send` spawn, as ampere's). `server_hyper_ampere` runs the same service
//! (`ampere_benches::hyper_service`) on ampere.
//!
//! `server_hyper_tokio PORT hyper`; runs until SIGTERM or SIGINT.

use std::error::Error;

use ampere_benches::hyper_service;
use ampere_benches::server::{ServerArgs, Workload};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::LocalSet;

fn main() -> Result<(), Box<dyn Error>> {
    let args = ServerArgs::from_env_for(&[Workload::Hyper])?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    LocalSet::new().block_on(&runtime, listen(args))
}

async fn listen(args: ServerArgs) -> Result<(), Box<dyn Error>> {
    let listener = TcpListener::bind(args.addr()).await?;
    args.ready("hyper-tokio", listener.local_addr()?.port());
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let _detached = tokio::task::spawn_local(serve(stream));
    }
}

/// One connection until the client closes it (a connection error ends only that connection).
async fn serve(stream: TcpStream) {
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new());
    let conn =
        hyper_service::configure(&mut builder).serve_connection(TokioIo::new(stream), service_fn(hyper_service::hello));
    drop(conn.await);
}
