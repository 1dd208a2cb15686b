/*
 * include/tern/selftest.h: in-kernel self-tests (kernel/selftest.c),
 * selected with test=name,name,... on the command line.
 *
 * Each test prints "TEST <name>: PASS" or "TEST <name>: FAIL: <why>";
 * after the last one Tern prints "TESTS DONE: N passed, M failed" and
 * shuts down with status 0 (all passed) or SHUTDOWN_STATUS_FAIL. The
 * emulator runner (tests/emu/) judges a run by these markers and by the
 * exit status. test=all runs every test that returns.
 */
#ifndef TERN_SELFTEST_H
#define TERN_SELFTEST_H

#include <tern/compiler.h>

struct cmdline_list;

/* Runs the named tests and shuts down; returns only if 'names' is empty. */
void selftest_run(const struct cmdline_list *names);

#endif
