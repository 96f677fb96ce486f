/* Shared helpers of the C shims (uv_shim.c, ev_shim.c) behind benches/benches/c_peers.rs.
 *
 * Every workload function runs `iters` batches and returns the nanoseconds spent in the
 * timed part only, read with clock_gettime(CLOCK_MONOTONIC) (what Rust's Instant reads);
 * setup and teardown between batches are left out, as the Rust benches leave them out. */
#ifndef AMPERE_C_SHIM_H
#define AMPERE_C_SHIM_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t shim_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sleeps until CLOCK_MONOTONIC reads at least `until_ns` (used to let timers fall due). */
static inline void shim_sleep_until(uint64_t until_ns) {
    struct timespec ts = {(time_t)(until_ns / 1000000000u), (long)(until_ns % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
    }
}

/* A bench has no way to recover: say what failed and abort (the Rust side sees a crash). */
static inline void shim_die(const char *what) {
    fprintf(stderr, "c_peers shim: %s failed\n", what);
    abort();
}

/* How long past arming a fire batch sleeps before the timed part: the latest deadline is
 * 1 ms + <1 ms after the loop's cached time, plus the 3 ms SETTLE of timers.rs, plus a
 * millisecond for libuv's millisecond clock. */
#define SHIM_FIRE_BASE_NS 1000000u
#define SHIM_FIRE_SETTLE_NS 6000000u

#endif
