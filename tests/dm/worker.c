/*
 * tests/dm/worker.c: a well-behaved ring-3 domain. It does a little work
 * per iteration, sleeps 1 ms in TERN_SCHEDOP_poll between iterations,
 * and ends with status 0: run beside a domain that dies, it shows the
 * others finish their work.
 *
 *   name=worker role=user [iterations=200]
 *
 * Checks (one line, "TEST worker"): every poll timed out (the worker has
 * no event channels, so nothing can wake it early), Tern's clock moved
 * by at least iterations x 1 ms, and the work gave the expected result.
 */
#include "check.h"

#define POLL_NS     (1000ull * 1000)

/* The work: xorshift64, a few thousand steps. */
static uint64_t work(uint64_t x)
{
    for (int i = 0; i < 4096; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}

int main(const struct tern_start_info *si)
{
    uint64_t iterations;
    if (!cmdline_get_u64(si->cmdline, "iterations", 200, &iterations) ||
        iterations == 0) {
        check(false, "worker", "bad iterations= in '%s'", si->cmdline);
        return check_done();
    }

    uint64_t t0 = tern_time_ns(), x = 1, x_again = 1;
    unsigned int bad_polls = 0;
    int last_rc = 0;
    for (uint64_t i = 1; i <= iterations; i++) {
        x = work(x);
        int rc = tern_sched_poll(POLL_NS);
        if (rc != -TERN_ETIMEDOUT) {
            bad_polls++;
            last_rc = rc;
        }
        if (i % 50 == 0 || i == iterations)
            printf("worker: %lu/%lu\n", i, iterations);
    }
    uint64_t elapsed = tern_time_ns() - t0;

    /* The same work again, without sleeping: the sleeps changed nothing. */
    for (uint64_t i = 0; i < iterations; i++)
        x_again = work(x_again);

    check(bad_polls == 0 && elapsed >= iterations * POLL_NS && x == x_again,
          "worker", "%u polls did not time out (last %s), %lu us elapsed for "
          "%lu x 1 ms, result %#lx vs %#lx", bad_polls, tern_errname(last_rc),
          elapsed / 1000, iterations, x, x_again);
    return check_done();
}
