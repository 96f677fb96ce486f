/* libev side of benches/benches/c_peers.rs: the workloads of defer.rs, timers.rs and io.rs
 * (ping-pong), each as a function that runs `iters` batches and returns the timed ns.
 * Every loop uses the epoll backend, as ampere and the Rust peers do. */
#define _GNU_SOURCE
#include <ev.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shim.h"

static struct ev_loop *new_loop(void) {
    struct ev_loop *loop = ev_loop_new(EVBACKEND_EPOLL);
    if (!loop) shim_die("ev_loop_new(EVBACKEND_EPOLL)");
    return loop;
}

/* ---- defer ---------------------------------------------------------------------------
 * libev has no "run this once" call either (ev_once goes through the timer heap); the
 * closest equivalent of ampere's `defer` (and of calloop's `insert_idle`) is one ev_idle
 * per callback, malloc'ed with its 8-byte capture, started, then stopped and freed by its
 * own callback. libev queues every active idle watcher once per loop iteration when nothing
 * else is pending, so a batch runs in one iteration and an idle started by a callback runs
 * in the next (a chain makes one hop per iteration, as in ampere). */

struct shim_ev_defer {
    struct ev_loop *loop;
    uint64_t count;
};

/* One deferred callback: the watcher first, so that a watcher pointer is the struct's. */
struct ev_deferred {
    ev_idle w;
    uint64_t *count; /* the capture: what the Rust closures capture (a counter reference) */
};

struct ev_hop {
    ev_idle w;
    uint32_t left;
};

void *shim_ev_defer_new(void) {
    struct shim_ev_defer *d = calloc(1, sizeof *d);
    if (!d) shim_die("calloc");
    d->loop = new_loop();
    return d;
}

static void deferred_cb(struct ev_loop *loop, ev_idle *w, int revents) {
    struct ev_deferred *d = (struct ev_deferred *)w;
    (void)revents;
    *d->count += 1;
    ev_idle_stop(loop, w);
    free(d);
}

/* defer::dispatch_10k: queue n callbacks, then one loop iteration runs them all. */
uint64_t shim_ev_defer_dispatch(void *ctx, uint32_t n, uint64_t iters) {
    struct shim_ev_defer *d = ctx;
    uint64_t start = shim_now_ns(), before = d->count;
    for (uint64_t it = 0; it < iters; it++) {
        for (uint32_t i = 0; i < n; i++) {
            struct ev_deferred *w = malloc(sizeof *w);
            if (!w) shim_die("malloc");
            w->count = &d->count;
            ev_idle_init(&w->w, deferred_cb);
            ev_idle_start(d->loop, &w->w);
        }
        ev_run(d->loop, EVRUN_NOWAIT); /* one iteration, like ampere's tick() */
    }
    uint64_t elapsed = shim_now_ns() - start;
    if (d->count - before != (uint64_t)n * iters) shim_die("libev dispatch (a batch took more than one iteration)");
    return elapsed;
}

static void hop(struct ev_loop *loop, uint32_t left);

static void hop_cb(struct ev_loop *loop, ev_idle *w, int revents) {
    uint32_t left = ((struct ev_hop *)w)->left;
    (void)revents;
    ev_idle_stop(loop, w);
    free(w);
    hop(loop, left);
}

/* ampere_hop of defer.rs: if any hops are left, defer the next. */
static void hop(struct ev_loop *loop, uint32_t left) {
    if (left > 0) {
        struct ev_hop *w = malloc(sizeof *w);
        if (!w) shim_die("malloc");
        w->left = left - 1;
        ev_idle_init(&w->w, hop_cb);
        ev_idle_start(loop, &w->w);
    }
}

/* defer::chain_10k: n hops, one per loop iteration; the loop runs until none is left. */
uint64_t shim_ev_defer_chain(void *ctx, uint32_t n, uint64_t iters) {
    struct shim_ev_defer *d = ctx;
    uint64_t start = shim_now_ns();
    for (uint64_t it = 0; it < iters; it++) {
        hop(d->loop, n);
        ev_run(d->loop, 0); /* like ampere's run(): until no watcher is active */
    }
    return shim_now_ns() - start;
}

void shim_ev_defer_free(void *ctx) {
    struct shim_ev_defer *d = ctx;
    ev_loop_destroy(d->loop);
    free(d);
}

/* ---- timers --------------------------------------------------------------------------
 * ev_timer_set + ev_timer_start / ev_timer_stop on watchers initialised once (libev's
 * watchers are caller-owned memory: arming one allocates nothing). Delays are seconds as
 * doubles relative to the loop's cached time (full precision here); libev keeps its timers
 * in a 4-ary heap. */

struct shim_ev_timers {
    struct ev_loop *loop;
    size_t cap;
    ev_timer *t;
    uint64_t fired;
};

static void noop_timer_cb(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)loop;
    (void)w;
    (void)revents;
}

static void count_timer_cb(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)w;
    (void)revents;
    ((struct shim_ev_timers *)ev_userdata(loop))->fired++;
}

void *shim_ev_timers_new(size_t cap) {
    struct shim_ev_timers *s = calloc(1, sizeof *s);
    if (!s) shim_die("calloc");
    s->loop = new_loop();
    ev_set_userdata(s->loop, s);
    s->cap = cap;
    s->t = calloc(cap, sizeof *s->t);
    if (!s->t) shim_die("calloc");
    for (size_t i = 0; i < cap; i++) ev_timer_init(&s->t[i], noop_timer_cb, 0., 0.);
    return s;
}

static void check_cap(const struct shim_ev_timers *s, size_t n) {
    if (n > s->cap) shim_die("timers: n > cap");
}

static void arm(struct shim_ev_timers *s, size_t i, uint64_t delay_ns) {
    ev_timer_set(&s->t[i], (ev_tstamp)delay_ns * 1e-9, 0.);
    ev_timer_start(s->loop, &s->t[i]);
}

/* Arms timers 0..n with the given delays; not timed. */
void shim_ev_timers_arm(void *ctx, const uint64_t *delay_ns, size_t n) {
    struct shim_ev_timers *s = ctx;
    check_cap(s, n);
    for (size_t i = 0; i < n; i++) arm(s, i, delay_ns[i]);
}

/* Stops every timer; not timed. */
void shim_ev_timers_stop_all(void *ctx) {
    struct shim_ev_timers *s = ctx;
    for (size_t i = 0; i < s->cap; i++) ev_timer_stop(s->loop, &s->t[i]);
}

/* timers::insert: arm n timers (timed), then stop them (not timed). */
uint64_t shim_ev_timers_insert(void *ctx, const uint64_t *delay_ns, size_t n, uint64_t iters) {
    struct shim_ev_timers *s = ctx;
    check_cap(s, n);
    uint64_t timed = 0;
    for (uint64_t it = 0; it < iters; it++) {
        uint64_t t = shim_now_ns();
        for (size_t i = 0; i < n; i++) arm(s, i, delay_ns[i]);
        timed += shim_now_ns() - t;
        for (size_t i = 0; i < n; i++) ev_timer_stop(s->loop, &s->t[i]);
    }
    return timed;
}

/* timers::cancel: arm n timers (not timed), then stop them in `order` (timed). */
uint64_t shim_ev_timers_cancel(void *ctx, const uint64_t *delay_ns, const size_t *order, size_t n, uint64_t iters) {
    struct shim_ev_timers *s = ctx;
    uint64_t timed = 0;
    for (uint64_t it = 0; it < iters; it++) {
        shim_ev_timers_arm(s, delay_ns, n);
        uint64_t t = shim_now_ns();
        for (size_t i = 0; i < n; i++) ev_timer_stop(s->loop, &s->t[order[i]]);
        timed += shim_now_ns() - t;
    }
    return timed;
}

/* timers::fire: arm n timers due 1 ms + offset (< 1 ms, random) after the loop's time,
 * sleep until all are due (not timed), then run the loop until all have fired (timed; one
 * iteration unless something is wrong, which is reported). */
uint64_t shim_ev_timers_fire(void *ctx, const uint64_t *offset_ns, size_t n, uint64_t iters) {
    struct shim_ev_timers *s = ctx;
    check_cap(s, n);
    uint64_t timed = 0;
    for (uint64_t it = 0; it < iters; it++) {
        uint64_t armed = shim_now_ns();
        ev_now_update(s->loop);
        for (size_t i = 0; i < n; i++) {
            ev_timer_init(&s->t[i], count_timer_cb, (ev_tstamp)(SHIM_FIRE_BASE_NS + offset_ns[i]) * 1e-9, 0.);
            ev_timer_start(s->loop, &s->t[i]);
        }
        shim_sleep_until(armed + SHIM_FIRE_SETTLE_NS);
        s->fired = 0;
        unsigned rounds = 0;
        uint64_t t = shim_now_ns();
        while (s->fired < n) {
            ev_run(s->loop, EVRUN_NOWAIT);
            rounds++;
        }
        timed += shim_now_ns() - t;
        if (rounds > 1) fprintf(stderr, "warning: libev: %zu timers took %u loop iterations\n", n, rounds);
    }
    return timed;
}


/* timers::reset: timers 0..n armed (shim_ev_timers_arm, not timed); each iteration resets
 * timer order[it % n] to `delay_ns` from the loop's cached time with ev_timer_again (libev's
 * idle-timeout idiom: `repeat` holds the timeout, `again` moves the timer in the heap). */
uint64_t shim_ev_timers_reset(void *ctx, const size_t *order, size_t n, uint64_t delay_ns, uint64_t iters) {
    struct shim_ev_timers *s = ctx;
    check_cap(s, n);
    ev_tstamp delay = (ev_tstamp)delay_ns * 1e-9;
    uint64_t t = shim_now_ns();
    for (uint64_t it = 0; it < iters; it++) {
        ev_timer *w = &s->t[order[it % n]];
        w->repeat = delay;
        ev_timer_again(s->loop, w);
    }
    return shim_now_ns() - t;
}

/* timers::start_precreated: n stopped timers; start them in `order` (timed), stop them all
 * (not timed), until `iters` starts are done. */
uint64_t shim_ev_timers_start(void *ctx, const uint64_t *delay_ns, const size_t *order, size_t n, uint64_t iters) {
    struct shim_ev_timers *s = ctx;
    check_cap(s, n);
    uint64_t timed = 0;
    for (uint64_t done = 0; done < iters;) {
        size_t batch = iters - done < n ? (size_t)(iters - done) : n;
        uint64_t t = shim_now_ns();
        for (size_t i = 0; i < batch; i++) arm(s, order[i], delay_ns[order[i]]);
        timed += shim_now_ns() - t;
        for (size_t i = 0; i < batch; i++) ev_timer_stop(s->loop, &s->t[order[i]]);
        done += batch;
    }
    return timed;
}

/* timers::churn_100k_live: with the live timers armed (shim_ev_timers_arm), arm and cancel
 * timer `slot` `iters` times, `timeout_ns` ahead (timed). */
uint64_t shim_ev_timers_churn(void *ctx, size_t slot, uint64_t timeout_ns, uint64_t iters) {
    struct shim_ev_timers *s = ctx;
    check_cap(s, slot + 1);
    uint64_t t = shim_now_ns();
    for (uint64_t it = 0; it < iters; it++) {
        arm(s, slot, timeout_ns);
        ev_timer_stop(s->loop, &s->t[slot]);
    }
    return shim_now_ns() - t;
}

void shim_ev_timers_free(void *ctx) {
    struct shim_ev_timers *s = ctx;
    shim_ev_timers_stop_all(s);
    ev_loop_destroy(s->loop);
    free(s->t);
    free(s);
}

/* ---- io::ping_pong -------------------------------------------------------------------
 * Like ampere_watchers in io.rs: a non-blocking socketpair (a, b), a level-triggered ev_io
 * on each end (b echoes the byte; a counts the round trip and writes the next byte or
 * breaks the loop), and `idle` eventfds watched for readability that never fire. */

struct shim_ev_pp {
    struct ev_loop *loop;
    int a, b;
    ev_io wa, wb;
    size_t nidle;
    ev_io *idle;
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

static void pp_b_cb(struct ev_loop *loop, ev_io *w, int revents) {
    struct shim_ev_pp *p = w->data;
    (void)loop;
    (void)revents;
    read1(p->b);
    write1(p->b);
}

static void pp_a_cb(struct ev_loop *loop, ev_io *w, int revents) {
    struct shim_ev_pp *p = w->data;
    (void)revents;
    read1(p->a);
    if (--p->left == 0) {
        ev_break(loop, EVBREAK_ONE);
    } else {
        write1(p->a);
    }
}

static void pp_idle_cb(struct ev_loop *loop, ev_io *w, int revents) {
    (void)loop;
    (void)w;
    (void)revents;
}

void *shim_ev_pp_new(size_t idle) {
    struct shim_ev_pp *p = calloc(1, sizeof *p);
    if (!p) shim_die("calloc");
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) shim_die("socketpair");
    p->a = sv[0];
    p->b = sv[1];
    p->loop = new_loop();
    ev_io_init(&p->wb, pp_b_cb, p->b, EV_READ);
    ev_io_init(&p->wa, pp_a_cb, p->a, EV_READ);
    p->wa.data = p->wb.data = p;
    ev_io_start(p->loop, &p->wb);
    ev_io_start(p->loop, &p->wa);
    p->nidle = idle;
    p->idle = calloc(idle ? idle : 1, sizeof *p->idle);
    p->idle_fds = calloc(idle ? idle : 1, sizeof *p->idle_fds);
    if (!p->idle || !p->idle_fds) shim_die("calloc");
    for (size_t i = 0; i < idle; i++) {
        p->idle_fds[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (p->idle_fds[i] < 0) shim_die("eventfd (raise the fd limit)");
        ev_io_init(&p->idle[i], pp_idle_cb, p->idle_fds[i], EV_READ);
        ev_io_start(p->loop, &p->idle[i]);
    }
    return p;
}

/* `iters` round trips: the first byte written, then the loop runs until the last pong. */
uint64_t shim_ev_pp_run(void *ctx, uint64_t iters) {
    struct shim_ev_pp *p = ctx;
    if (iters == 0) return 0;
    p->left = iters;
    uint64_t t = shim_now_ns();
    write1(p->a);
    ev_run(p->loop, 0);
    return shim_now_ns() - t;
}

void shim_ev_pp_free(void *ctx) {
    struct shim_ev_pp *p = ctx;
    ev_io_stop(p->loop, &p->wa);
    ev_io_stop(p->loop, &p->wb);
    for (size_t i = 0; i < p->nidle; i++) ev_io_stop(p->loop, &p->idle[i]);
    ev_loop_destroy(p->loop);
    for (size_t i = 0; i < p->nidle; i++) close(p->idle_fds[i]);
    close(p->a);
    close(p->b);
    free(p->idle);
    free(p->idle_fds);
    free(p);
}
