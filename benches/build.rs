//! Builds the C shim of the `c_peers` bench (`benches/c/`) and links libuv and libev, only
//! when the `c-peers` feature is on (`just bench-c`). Without it this does nothing, so
//! `cargo bench --no-run` needs no C library.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_C_PEERS").is_some() {
        #[cfg(feature = "c-peers")]
        c_peers::build();
    }
}

#[cfg(feature = "c-peers")]
mod c_peers {
    use std::path::PathBuf;

    const MISSING: &str = "the `c-peers` feature needs the libuv and libev headers and libraries \
        (/usr/include/uv.h, /usr/include/ev.h): run `just bench-c`, which installs them, or \
        `apt-get install libuv1-dev libev-dev`";

    pub(super) fn build() {
        println!("cargo:rerun-if-changed=c");
        println!("cargo:rerun-if-env-changed=CFLAGS");
        // Both headers first, with the compiler cc will use, so that a missing package
        // gets one clear message rather than a compiler error.
        let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
        let probe = out.join("c_peers_probe.c");
        std::fs::write(&probe, "#include <uv.h>\n#include <ev.h>\n").expect("write the header probe");
        if let Err(e) = cc::Build::new().file(&probe).cargo_metadata(false).try_expand() {
            panic!("{MISSING}\n(preprocessing `#include <uv.h>` and `#include <ev.h>` failed: {e})");
        }
        cc::Build::new()
            .file("c/uv_shim.c")
            .file("c/ev_shim.c")
            .warnings(true)
            .extra_warnings(true)
            .compile("ampere_c_shim");
        println!("cargo:rustc-link-lib=uv");
        println!("cargo:rustc-link-lib=ev");
    }
}
