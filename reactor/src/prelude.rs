//! The names most programs use, for a glob import: `use ampere_reactor::prelude::*;`.
//!
//! The I/O extension traits come from [futures-lite](https://docs.rs/futures-lite) (re-exported:
//! no extra dependency needed): `read`, `read_exact`, `read_to_end`, `write_all`, `flush`,
//! `close`, `lines` and `read_line` on the [`net`](crate::net) sockets, [`BufReader`] and
//! [`BufWriter`], and `next` on streams (a reader's `lines()`, any `futures` `Stream`).
//! Then [`spawn`], [`sleep`], [`timeout`] (tokio's argument order), the `.timeout(d)` method
//! ([`TimeoutExt`]), [`Signal`] and [`ctrl_c`].
//!
//! The `#[main]` and `#[test]` attributes are deliberately not here: a glob import of a `test`
//! would shadow the built-in `#[test]`. Write `#[ampere_reactor::main]`.
//!
//! # Examples
//!
//! A line echo written with the prelude alone:
//!
//! ```
//! use ampere_reactor::net::{TcpListener, TcpStream};
//! use ampere_reactor::prelude::*;
//!
//! let reactor = ampere_reactor::Reactor::new()?;
//! let listener = TcpListener::bind("127.0.0.1:0")?;
//! let addr = listener.local_addr()?;
//! reactor.block_on(async move {
//!     spawn(async move {
//!         let (stream, _) = listener.accept().await?;
//!         let mut lines = BufReader::new(&stream).lines();
//!         while let Some(line) = lines.next().await {
//!             (&stream).write_all(format!("{}\n", line?).as_bytes()).await?;
//!         }
//!         Ok::<_, std::io::Error>(())
//!     });
//!     let mut client = TcpStream::connect(addr).await?;
//!     client.write_all(b"hello\n").await?;
//!     let mut reply = String::new();
//!     BufReader::new(&mut client).read_line(&mut reply).await?;
//!     assert_eq!(reply, "hello\n");
//!     Ok::<_, std::io::Error>(())
//! })??;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use futures_lite::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
pub use futures_lite::{FutureExt, StreamExt};

pub use crate::io::signal_stream::ctrl_c;
pub use crate::signo::Signal;
pub use crate::tasks::spawn;
pub use crate::time::sleep;
pub use crate::timeout::{timeout, TimeoutExt};
