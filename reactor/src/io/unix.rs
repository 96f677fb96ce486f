//! [`UnixListener`] and [`UnixStream`]: Unix-domain stream sockets on [`Async`], public as
//! `ampere_reactor::net::UnixListener` and `ampere_reactor::net::UnixStream`. The stream's
//! `futures-io` impls are the TCP stream's (`stream.rs`).

use std::io;
use std::net::Shutdown;
use std::path::Path;

use super::async_fd::Async;
use super::stream::stream_traits;

/// A Unix-domain listening socket.
///
/// The socket file stays after the listener is dropped (as with std's): remove it yourself.
///
/// # Examples
///
/// A server greets one client at a path in the temporary directory:
///
/// ```
/// use ampere_reactor::net::{UnixListener, UnixStream};
/// use ampere_reactor::prelude::*;
/// use ampere_reactor::Reactor;
///
/// let path = std::env::temp_dir().join(format!("ampere-doc-{}.sock", std::process::id()));
/// let _ = std::fs::remove_file(&path); // left over from an earlier run
/// Reactor::new()?.block_on_try(async {
///     let listener = UnixListener::bind(&path)?;
///     let server = spawn(async move { listener.accept().await?.write_all(b"hello").await });
///     let mut greeting = String::new();
///     UnixStream::connect(&path).await?.read_to_string(&mut greeting).await?;
///     assert_eq!(greeting, "hello");
///     server.await.map_err(std::io::Error::other)?
/// })?;
/// std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct UnixListener(Async<mio::net::UnixListener>);

impl UnixListener {
    /// Binds to `path`.
    ///
    /// # Errors
    ///
    /// The OS's (the path exists, permission denied).
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        Ok(UnixListener(Async::new(mio::net::UnixListener::bind(path)?)?))
    }

    /// Accepts a connection.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub async fn accept(&self) -> io::Result<UnixStream> {
        let (stream, _addr) = self.0.read_with(|l| l.accept()).await?;
        Ok(UnixStream(Async::new(stream)?))
    }
}

/// A Unix-domain stream: `futures-io`'s `AsyncRead` and `AsyncWrite`, also on `&UnixStream` (so
/// one task can read while another writes).
///
/// # Examples
///
/// A connected pair, with no file on disk:
///
/// ```
/// use ampere_reactor::net::UnixStream;
/// use ampere_reactor::prelude::*;
/// use ampere_reactor::Reactor;
///
/// Reactor::new()?.block_on_try(async {
///     let (mut a, mut b) = UnixStream::pair()?;
///     a.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     Ok::<_, std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct UnixStream(Async<mio::net::UnixStream>);

impl UnixStream {
    /// Connects to the socket at `path`.
    ///
    /// # Errors
    ///
    /// `NotFound`, `ConnectionRefused`, ... as the OS reports them.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let stream = Async::new(mio::net::UnixStream::connect(path)?)?;
        stream.writable().await?;
        if let Some(e) = stream.get_ref().take_error()? {
            return Err(e);
        }
        Ok(UnixStream(stream))
    }

    /// A connected pair.
    ///
    /// # Errors
    ///
    /// The OS's (out of fds).
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        Ok((UnixStream(Async::new(a)?), UnixStream(Async::new(b)?)))
    }

    /// Shuts down one or both halves.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.0.get_ref().shutdown(how)
    }
}

stream_traits!(UnixStream);
