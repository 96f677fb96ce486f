//! What `file_get_contents` allocates for a body: memory follows the bytes that arrive, not
//! the `Content-Length` a server announces. Its own binary, because it installs a global
//! allocator that records the largest single allocation request of the process.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};

use ampere_reactor::{file_get_contents, FetchError, Reactor};

/// The system allocator, noting the largest size asked for (allocations and reallocations).
struct LargestRequest;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`, which upholds the contract; the
// only addition is an atomic store, which does not allocate.
unsafe impl GlobalAlloc for LargestRequest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's guarantees for `alloc` are passed on as they are.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        // SAFETY: `ptr` came from `System` through this allocator, with this layout.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: LargestRequest = LargestRequest;

#[test]
fn a_cut_body_does_not_reserve_its_announced_length() {
    // 60 MiB announced (under the default 64 MiB limit, so it is not refused up front), 10
    // bytes sent, then the close.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut request = [0; 4096];
        let _ = conn.read(&mut request).unwrap();
        conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 62914560\r\n\r\n0123456789").unwrap();
    });
    let reactor = Reactor::new().unwrap();
    LARGEST.store(0, Ordering::Relaxed);
    let err = reactor.block_on(file_get_contents(&url)).unwrap().unwrap_err();
    let largest = LARGEST.load(Ordering::Relaxed);
    server.join().unwrap();
    assert!(matches!(err, FetchError::TruncatedBody { received: 10, expected: Some(62_914_560) }), "{err:?}");
    // Generous: the read buffer and small bookkeeping only; the bug reserved 60 MiB.
    assert!(largest <= 1 << 20, "the largest single allocation was {largest} bytes");
}
