/*
 * tests/dm/check.h: reporting for the ring-3 test programs.
 *
 * Each check prints one line that tests/emu/ can grep for:
 *   TEST <name>: PASS
 *   TEST <name>: FAIL <detail>
 * and check_done() prints "done: N checks, M failed" and returns the
 * status to shut down with: 0 when all passed, else 1.
 *
 * Header-only (every function static inline) so that each test program
 * stays one .c file, as dm/Makefile builds them.
 */
#ifndef TESTS_DM_CHECK_H
#define TESTS_DM_CHECK_H

#include <lib.h>
#include <tern_dm.h>

static unsigned int check_count, check_failed;

/* One check: PASS when ok, else FAIL with the formatted detail. */
static inline __printf(3, 4)
bool check(bool ok, const char *name, const char *fmt, ...)
{
    check_count++;
    if (ok) {
        printf("TEST %s: PASS\n", name);
        return true;
    }
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    check_failed++;
    printf("TEST %s: FAIL %s\n", name, detail);
    return false;
}

/* A hypercall that must return exactly 'want'. */
static inline bool check_rc(const char *name, long got, long want)
{
    return check(got == want, name, "returned %ld (%s), expected %ld (%s)",
                 got, tern_errname(got), want, tern_errname(want));
}

static inline int check_done(void)
{
    printf("done: %u checks, %u failed\n", check_count, check_failed);
    return check_failed ? 1 : 0;
}

#endif
