/*
 * tests/dm/unit/fake_platform.h: the fake world the device tests give a
 * device (struct dm_platform, dm/devices/device.h), and the hypercall
 * stubs dm/lib's printf needs to link on the host.
 *
 * Interface: a test includes this once, calls fake_init() in its setup,
 * says what the device may do, and hands &fake_platform to the device's
 * init. Every callback writes into the one recorder 'fake', which the
 * test reads back directly:
 *
 *   callback       what it keeps in 'fake'                  refused unless
 *   set_irq        irqs[0..nirqs-1]: every call, in order;  bit 'irq' of
 *                  level[irq]: the line's level, 0 before   irq_lines
 *                  any call; rises[irq]: its 0-to-1 calls
 *   console_write  out[0..outlen-1] (NUL-terminated): all   -
 *                  output; console_calls: how many calls
 *   shutdown       shutdowns: how many; status: the last    shutdown_ok
 *   now_ns         returns 'now', which the test sets       -
 *   mmio_moved     moves[0..nmoves-1]: every call           -
 *   fake_reset     resets: how many (the reset callback     -
 *                  acpi_pm and i8042 take at init)
 *
 * A refused call fails the test, so that a device which must not raise
 * a line or end the guest is checked on every access, not just where a
 * test asserts it. Two stricter modes, off by default: irq_changes_only
 * fails a set_irq that repeats the line's level; console_lines fails a
 * console_write that is not one whole line. The logs hold 64 set_irq
 * calls, 16 mmio_moved calls and 4 KiB of output; a test that makes
 * more fails, unless it empties a log between checks (test_pit.c's
 * expect_edges() sets nirqs to 0).
 *
 * For example, a device that drives IRQ 4 and prints:
 *
 *   fake_init();
 *   fake.irq_lines = 1u << 4;
 *   uart16550_init(&uart, &fake_platform, 4);
 *   ...
 *   assert_int_equal(fake.level[4], 1);
 *   assert_string_equal(fake.out, "Hello\n");
 *
 * Context: host, one thread, cmocka. Each test file is its own program,
 * so the functions and the recorder are static and each program has its
 * own; one that uses only the stubs (test_bus.c) leaves the rest
 * unused, hence __attribute__((unused)).
 */
#ifndef TESTS_DM_UNIT_FAKE_PLATFORM_H
#define TESTS_DM_UNIT_FAKE_PLATFORM_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <device.h>

/* dm/lib/printf.c, linked into every device test, calls these. Devices
 * print through their platform, never through printf: output here is
 * dropped and ending the guest fails the test. */
long tern_console_write(const char *buf, size_t len);
void tern_shutdown(int status) __attribute__((noreturn));

long tern_console_write(const char *buf, size_t len)
{
    (void)buf;
    return (long)len;
}

void tern_shutdown(int status)
{
    fail_msg("tern_shutdown(%d)", status);
    __builtin_unreachable();
}

/* irq_lines for a test that checks the line itself: all 16 ISA lines. */
#define FAKE_ANY_IRQ    0xffffu

struct fake_irq {
    unsigned int irq;
    int level;
};

struct fake_move {
    void *dev;
    uint64_t old_base, new_base, size;
};

struct fake {
    /* What the device may do: set by the test after fake_init(). */
    uint16_t irq_lines;             /* bit n: it may drive ISA line n */
    bool irq_changes_only;          /* every set_irq changes the level */
    bool console_lines;             /* every write is one line, with '\n' */
    bool shutdown_ok;               /* it may end the guest */

    uint64_t now;                   /* what now_ns() returns */

    struct fake_irq irqs[64];       /* set_irq calls, in order */
    unsigned int nirqs;
    int level[16];                  /* each line's last level */
    unsigned int rises[16];         /* set_irq(irq, 1) calls per line */

    char out[4096];                 /* console output, NUL-terminated */
    size_t outlen;
    unsigned int console_calls;

    unsigned int shutdowns;
    int status;                     /* the last shutdown's */

    unsigned int resets;            /* fake_reset() calls */

    struct fake_move moves[16];     /* mmio_moved calls, in order */
    unsigned int nmoves;
};

static struct fake fake __attribute__((unused));

/* Forget every call and allow nothing, 'now' 0. */
static void __attribute__((unused)) fake_init(void)
{
    memset(&fake, 0, sizeof(fake));
}

static void fake_set_irq(void *ctx, unsigned int irq, int level)
{
    struct fake *f = ctx;
    if (irq >= 16 || !(f->irq_lines & 1u << irq))
        fail_msg("set_irq(%u, %d): not a line this device may drive",
                 irq, level);
    if (f->irq_changes_only)
        assert_int_not_equal(f->level[irq], level);
    assert_true(f->nirqs < 64);
    f->irqs[f->nirqs++] = (struct fake_irq){ irq, level };
    if (level)
        f->rises[irq]++;
    f->level[irq] = level;
}

static void fake_console_write(void *ctx, const char *s, size_t len)
{
    struct fake *f = ctx;
    assert_true(f->outlen + len < sizeof(f->out));
    if (f->console_lines)
        assert_true(len > 0 && s[len - 1] == '\n');
    memcpy(f->out + f->outlen, s, len);
    f->outlen += len;
    f->out[f->outlen] = 0;
    f->console_calls++;
}

static void fake_shutdown(void *ctx, int status)
{
    struct fake *f = ctx;
    if (!f->shutdown_ok)
        fail_msg("shutdown(%d): this device may not end the guest", status);
    f->shutdowns++;
    f->status = status;
}

static uint64_t fake_now_ns(void *ctx)
{
    struct fake *f = ctx;
    return f->now;
}

static void fake_mmio_moved(void *ctx, void *dev, uint64_t old_base,
                            uint64_t new_base, uint64_t size)
{
    struct fake *f = ctx;
    assert_true(f->nmoves < 16);
    f->moves[f->nmoves++] = (struct fake_move){ dev, old_base, new_base,
                                                size };
}

/* The reset callback of acpi_pm_init() and i8042_init(): the device
 * passes its platform's ctx on. */
static void __attribute__((unused)) fake_reset(void *ctx)
{
    assert_ptr_equal(ctx, &fake);
    fake.resets++;
}

static const struct dm_platform fake_platform __attribute__((unused)) = {
    .ctx = &fake,
    .set_irq = fake_set_irq,
    .console_write = fake_console_write,
    .shutdown = fake_shutdown,
    .now_ns = fake_now_ns,
    .mmio_moved = fake_mmio_moved,
};

#endif
