/* libuv side of benches/benches/c_peers.rs: the workloads of defer.rs, timers.rs and io.rs
 * (ping-pong), each as a function that runs `iters` batches and returns the timed ns. */
#define _GNU_SOURCE
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "shim.h"

static void check(int rc, const char *what) {
    if (rc != 0) {
        fprintf(stderr, "c_peers shim: %s: %s\n", what, uv_strerror(rc));
        abort();
    }
}

static void free_handle(uv_handle_t *h) { free(h); }

/* Closes every handle still open and frees the loop's resources. */
static void close_loop(uv_loop_t *loop) {
    uv_run(loop, UV_RUN_DEFAULT); /* runs the pending close callbacks */
    check(uv_loop_close(loop), "uv_loop_close");
}

/* ---- defer ---------------------------------------------------------------------------
 * libuv has no "run this once" call; the closest equivalent of ampere's `defer` (and of
 * calloop's `insert_idle`, the Rust peer) is one idle handle per callback: malloc'ed with
 * its 8-byte capture (the allocation the Rust closures pay), started, and closed by its
 * own callback (uv_close stops it; the memory is freed at the end of the same loop
 * iteration). Idle handles started during a callback run in the next iteration, so a chain
 * makes one hop per iteration, as in ampere. */

struct shim_uv_defer {
    uv_loop_t loop;
    uint64_t count;
};

/* One deferred callback: the handle first, so that a handle pointer is the struct's. */
struct uv_deferred {
    uv_idle_t idle;
    uint64_t *count; /* the capture: what the Rust closures capture (a counter reference) */
};

struct uv_hop {
    uv_idle_t idle;
    uint32_t left;
};

void *shim_uv_defer_new(void) {
    struct shim_uv_defer *d = calloc(1, sizeof *d);
    if (!d) shim_die("calloc");
    check(uv_loop_init(&d->loop), "uv_loop_init");
    return d;
}

static void deferred_cb(uv_idle_t *h) {
    struct uv_deferred *d = (struct uv_deferred *)h;
    *d->count += 1;
    uv_close((uv_handle_t *)h, free_handle);
}

/* defer::dispatch_10k: queue n callbacks, then one loop iteration runs them all. */
uint64_t shim_uv_defer_dispatch(void *ctx, uint32_t n, uint64_t iters) {
    struct shim_uv_defer *d = ctx;
    uint64_t start = shim_now_ns(), before = d->count;
    for (uint64_t it = 0; it < iters; it++) {
        for (uint32_t i = 0; i < n; i++) {
            struct uv_deferred *w = malloc(sizeof *w);
            if (!w) shim_die("malloc");
            w->count = &d->count;
            uv_idle_init(&d->loop, &w->idle);
            uv_idle_start(&w->idle, deferred_cb);
        }
        uv_run(&d->loop, UV_RUN_NOWAIT); /* one iteration, like ampere's tick() */
    }
    uint64_t elapsed = shim_now_ns() - start;
    if (d->count - before != (uint64_t)n * iters) shim_die("libuv dispatch (a batch took more than one iteration)");
    return elapsed;
}

static void hop(uv_loop_t *loop, uint32_t left);

static void hop_cb(uv_idle_t *h) {
    uint32_t left = ((struct uv_hop *)h)->left;
    uv_close((uv_handle_t *)h, free_handle);
    hop(h->loop, left);
}

/* ampere_hop of defer.rs: if any hops are left, defer the next. */
static void hop(uv_loop_t *loop, uint32_t left) {
    if (left > 0) {
        struct uv_hop *w = malloc(sizeof *w);
        if (!w) shim_die("malloc");
        w->left = left - 1;
        uv_idle_init(loop, &w->idle);
        uv_idle_start(&w->idle, hop_cb);
    }
}

/* defer::chain_10k: n hops, one per loop iteration; the loop runs until none is left. */
uint64_t shim_uv_defer_chain(void *ctx, uint32_t n, uint64_t iters) {
    struct shim_uv_defer *d = ctx;
    uint64_t start = shim_now_ns();
    for (uint64_t it = 0; it < iters; it++) {
        hop(&d->loop, n);
        uv_run(&d->loop, UV_RUN_DEFAULT); /* like ampere's run(): until nothing is active */
    }
    return shim_now_ns() - start;
}

void shim_uv_defer_free(void *ctx) {
    struct shim_uv_defer *d = ctx;
    close_loop(&d->loop);
    free(d);
}

/* ---- timers --------------------------------------------------------------------------
 * uv_timer_start / uv_timer_stop on handles initialised once (libuv timers are caller-owned
 * memory: arming one allocates nothing). libuv's timeouts are whole milliseconds relative to
 * the loop's cached time: the far delays (1..2 s, random) keep their order to the
 * millisecond, ties are broken by start order. */

struct shim_uv_timers {
    uv_loop_t loop;
    size_t cap;
    uv_timer_t *t;
    uint64_t fired;
};

void *shim_uv_timers_new(size_t cap) {
    struct shim_uv_timers *s = calloc(1, sizeof *s);
    if (!s) shim_die("calloc");
    check(uv_loop_init(&s->loop), "uv_loop_init");
    s->loop.data = s;
    s->cap = cap;
    s->t = calloc(cap, sizeof *s->t);
    if (!s->t) shim_die("calloc");
    for (size_t i = 0; i < cap; i++) check(uv_timer_init(&s->loop, &s->t[i]), "uv_timer_init");
    return s;
}

static void noop_timer_cb(uv_timer_t *h) { (void)h; }

static void count_timer_cb(uv_timer_t *h) { ((struct shim_uv_timers *)h->loop->data)->fired++; }

static void check_cap(const struct shim_uv_timers *s, size_t n) {
    if (n > s->cap) shim_die("timers: n > cap");
}

/* Arms timers 0..n with the given delays (whole ms, rounded down); not timed. */
void shim_uv_timers_arm(void *ctx, const uint64_t *delay_ns, size_t n) {
    struct shim_uv_timers *s = ctx;
    check_cap(s, n);
    for (size_t i = 0; i < n; i++) uv_timer_start(&s->t[i], noop_timer_cb, delay_ns[i] / 1000000u, 0);
}

/* Stops every timer; not timed. */
void shim_uv_timers_stop_all(void *ctx) {
    struct shim_uv_timers *s = ctx;
    for (size_t i = 0; i < s->cap; i++) uv_timer_stop(&s->t[i]);
}

/* timers::insert: arm n timers (timed), then stop them (not timed). */
uint64_t shim_uv_timers_insert(void *ctx, const uint64_t *delay_ns, size_t n, uint64_t iters) {
    struct shim_uv_timers *s = ctx;
    check_cap(s, n);
    uint64_t timed = 0;
    for (uint64_t it = 0; it < iters; it++) {
        uint64_t t = shim_now_ns();
        for (size_t i = 0; i < n; i++) uv_timer_start(&s->t[i], noop_timer_cb, delay_ns[i] / 1000000u, 0);
        timed += shim_now_ns() - t;
        for (size_t i = 0; i < n; i++) uv_timer_stop(&s->t[i]);
    }
    return timed;
}

/* timers::cancel: arm n timers (not timed), then stop them in `order` (timed). */
uint64_t shim_uv_timers_cancel(void *ctx, const uint64_t *delay_ns, const size_t *order, size_t n, uint64_t iters) {
    struct shim_uv_timers *s = ctx;
    uint64_t timed = 0;
    for (uint64_t it = 0; it < iters; it++) {
        shim_uv_timers_arm(s, delay_ns, n);
        uint64_t t = shim_now_ns();
        for (size_t i = 0; i < n; i++) uv_timer_stop(&s->t[order[i]]);
        timed += shim_now_ns() - t;
    }
    return timed;
}

/* timers::fire: arm n timers due 1 ms (+ offset, < 1 ms, which libuv's milliseconds round
 * away) after the loop's time, sleep until all are due (not timed), then run the loop until
 * all have fired (timed; one iteration unless something is wrong, which is reported). */
uint64_t shim_uv_timers_fire(void *ctx, const uint64_t *offset_ns, size_t n, uint64_t iters) {
    struct shim_uv_timers *s = ctx;
    check_cap(s, n);
    uint64_t timed = 0;
    for (uint64_t it = 0; it < iters; it++) {
        uint64_t armed = shim_now_ns();
        uv_update_time(&s->loop);
        for (size_t i = 0; i < n; i++)
            uv_timer_start(&s->t[i], count_timer_cb, (SHIM_FIRE_BASE_NS + offset_ns[i]) / 1000000u, 0);
        shim_sleep_until(armed + SHIM_FIRE_SETTLE_NS);
        s->fired = 0;
        unsigned rounds = 0;
        uint64_t t = shim_now_ns();
        while (s->fired < n) {
            uv_run(&s->loop, UV_RUN_NOWAIT);
            rounds++;
        }
        timed += shim_now_ns() - t;
        if (rounds > 1) fprintf(stderr, "warning: libuv: %zu timers took %u loop iterations\n", n, rounds);
    }
    return timed;
}


/* timers::reset: timers 0..n armed (shim_uv_timers_arm, not timed); each iteration restarts
 * timer order[it % n] with `delay_ns` (whole ms) from the loop's cached time: uv_timer_start
 * on an active timer, which is what uv_timer_again does (a stop and a start). */
uint64_t shim_uv_timers_reset(void *ctx, const size_t *order, size_t n, uint64_t delay_ns, uint64_t iters) {
    struct shim_uv_timers *s = ctx;
    check_cap(s, n);
    uint64_t ms = delay_ns / 1000000u;
    uint64_t t = shim_now_ns();
    for (uint64_t it = 0; it < iters; it++) uv_timer_start(&s->t[order[it % n]], noop_timer_cb, ms, 0);
    return shim_now_ns() - t;
}

/* timers::start_precreated: n stopped timers; start them in `order` (timed), stop them all
 * (not timed), until `iters` starts are done. */
uint64_t shim_uv_timers_start(void *ctx, const uint64_t *delay_ns, const size_t *order, size_t n, uint64_t iters) {
    struct shim_uv_timers *s = ctx;
    check_cap(s, n);
    uint64_t timed = 0;
    for (uint64_t done = 0; done < iters;) {
        size_t batch = iters - done < n ? (size_t)(iters - done) : n;
        uint64_t t = shim_now_ns();
        for (size_t i = 0; i < batch; i++) uv_timer_start(&s->t[order[i]], noop_timer_cb, delay_ns[order[i]] / 1000000u, 0);
        timed += shim_now_ns() - t;
        for (size_t i = 0; i < batch; i++) uv_timer_stop(&s->t[order[i]]);
        done += batch;
    }
    return timed;
}

/* timers::churn_100k_live: with the live timers armed (shim_uv_timers_arm), arm and cancel
 * timer `slot` `iters` times, `timeout_ns` ahead (timed). */
uint64_t shim_uv_timers_churn(void *ctx, size_t slot, uint64_t timeout_ns, uint64_t iters) {
    struct shim_uv_timers *s = ctx;
    check_cap(s, slot + 1);
    uv_timer_t *h = &s->t[slot];
    uint64_t t = shim_now_ns();
    for (uint64_t it = 0; it < iters; it++) {
        uv_timer_start(h, noop_timer_cb, timeout_ns / 1000000u, 0);
        uv_timer_stop(h);
    }
    return shim_now_ns() - t;
}

void shim_uv_timers_free(void *ctx) {
    struct shim_uv_timers *s = ctx;
    for (size_t i = 0; i < s->cap; i++) uv_close((uv_handle_t *)&s->t[i], NULL);
    close_loop(&s->loop);
    free(s->t);
    free(s);
}

/* ---- io::ping_pong -------------------------------------------------------------------
 * Like ampere_watchers in io.rs: a non-blocking socketpair (a, b), a level-triggered
 * uv_poll on each end (b echoes the byte; a counts the round trip and writes the next byte
 * or stops the loop), and `idle` eventfds watched for readability that never fire. */

struct shim_uv_pp {
    uv_loop_t loop;
    int a, b;
    uv_poll_t pa, pb;
    size_t nidle;
    uv_poll_t *idle;
    int *idle_fds;
    uint64_t left;
};

static void read1(int fd) {
    char c;
    if (read(fd, &c, 1) != 1) shim_die("read");
}

static void write1(int fd) {
    char c = 1;
    if (write(fd, &c, 1) != 1) shim_die("write");
}

static void pp_b_cb(uv_poll_t *h, int status, int events) {
    struct shim_uv_pp *p = h->data;
    (void)status;
    (void)events;
    read1(p->b);
    write1(p->b);
}

static void pp_a_cb(uv_poll_t *h, int status, int events) {
    struct shim_uv_pp *p = h->data;
    (void)status;
    (void)events;
    read1(p->a);
    if (--p->left == 0) {
        uv_stop(&p->loop);
    } else {
        write1(p->a);
    }
}

static void pp_idle_cb(uv_poll_t *h, int status, int events) {
    (void)h;
    (void)status;
    (void)events;
}

void *shim_uv_pp_new(size_t idle) {
    struct shim_uv_pp *p = calloc(1, sizeof *p);
    if (!p) shim_die("calloc");
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) shim_die("socketpair");
    p->a = sv[0];
    p->b = sv[1];
    check(uv_loop_init(&p->loop), "uv_loop_init");
    check(uv_poll_init(&p->loop, &p->pb, p->b), "uv_poll_init");
    check(uv_poll_init(&p->loop, &p->pa, p->a), "uv_poll_init");
    p->pa.data = p->pb.data = p;
    check(uv_poll_start(&p->pb, UV_READABLE, pp_b_cb), "uv_poll_start");
    check(uv_poll_start(&p->pa, UV_READABLE, pp_a_cb), "uv_poll_start");
    p->nidle = idle;
    p->idle = calloc(idle ? idle : 1, sizeof *p->idle);
    p->idle_fds = calloc(idle ? idle : 1, sizeof *p->idle_fds);
    if (!p->idle || !p->idle_fds) shim_die("calloc");
    for (size_t i = 0; i < idle; i++) {
        p->idle_fds[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (p->idle_fds[i] < 0) shim_die("eventfd (raise the fd limit)");
        check(uv_poll_init(&p->loop, &p->idle[i], p->idle_fds[i]), "uv_poll_init");
        check(uv_poll_start(&p->idle[i], UV_READABLE, pp_idle_cb), "uv_poll_start");
    }
    return p;
}

/* `iters` round trips: the first byte written, then the loop runs until the last pong. */
uint64_t shim_uv_pp_run(void *ctx, uint64_t iters) {
    struct shim_uv_pp *p = ctx;
    if (iters == 0) return 0;
    p->left = iters;
    uint64_t t = shim_now_ns();
    write1(p->a);
    uv_run(&p->loop, UV_RUN_DEFAULT);
    return shim_now_ns() - t;
}

void shim_uv_pp_free(void *ctx) {
    struct shim_uv_pp *p = ctx;
    uv_close((uv_handle_t *)&p->pa, NULL);
    uv_close((uv_handle_t *)&p->pb, NULL);
    for (size_t i = 0; i < p->nidle; i++) uv_close((uv_handle_t *)&p->idle[i], NULL);
    close_loop(&p->loop);
    for (size_t i = 0; i < p->nidle; i++) close(p->idle_fds[i]);
    close(p->a);
    close(p->b);
    free(p->idle);
    free(p->idle_fds);
    free(p);
}
