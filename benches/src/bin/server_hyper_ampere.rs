//! `just bench-servers`, workload `hyper`, on ampere: hyper 1.x's HTTP/1.1 server over
//! `net::TcpStream` through the reactor's `hyper` feature (`compat::HyperIo` for the socket,
//! `compat::AmpereTimer` for the header timeout), one spawned task per connection.
//! `server_hyper_tokio` runs the same service (`ampere_benches::hyper_service`) on tokio.
//!
//! `server_hyper_ampere PORT hyper`; runs until SIGTERM or SIGINT.

use std::error::Error;

use ampere_benches::hyper_service;
use ampere_benches::server::{ServerArgs, Workload};
use ampere_reactor::compat::{AmpereTimer, HyperIo};
use ampere_reactor::net::{TcpListener, TcpStream};
use ampere_reactor::{spawn, Reactor};
use hyper::server::conn::http1;
use hyper::service::service_fn;

fn main() -> Result<(), Box<dyn Error>> {
    let args = ServerArgs::from_env_for(&[Workload::Hyper])?;
    Reactor::new()?.block_on(listen(args))?
}

async fn listen(args: ServerArgs) -> Result<(), Box<dyn Error>> {
    let listener = TcpListener::bind(args.addr())?;
    args.ready("hyper-ampere", listener.local_addr()?.port());
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        spawn(serve(stream));
    }
}

/// One connection until the client closes it (a connection error ends only that connection).
async fn serve(stream: TcpStream) {
    let mut builder = http1::Builder::new();
    builder.timer(AmpereTimer);
    let conn =
        hyper_service::configure(&mut builder).serve_connection(HyperIo::new(stream), service_fn(hyper_service::hello));
    drop(conn.await);
}
