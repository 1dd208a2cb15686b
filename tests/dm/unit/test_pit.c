/*
 * tests/dm/unit/test_pit.c: host unit tests of the 8254 PIT model
 * (dm/devices/pit.c): periods and IRQ 0 edges against a fake clock,
 * byte sequencing, the latch and read-back commands, channel 2 through
 * port 0x61, BCD counting.
 *
 * The fake platform's clock (fake.now, fake_platform.h) is a variable
 * the tests advance; set_irq calls are recorded, and expect_edges()
 * counts the edges on IRQ 0 among them. The expected times are computed
 * here with 128-bit arithmetic, independently of pit.c's split
 * arithmetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pit.h>

#include "fake_platform.h"

static struct pit pit;

static int setup(void **state)
{
    (void)state;
    fake_init();
    fake.irq_lines = FAKE_ANY_IRQ;
    fake.now = 1000000;     /* 1 ms after boot: tick 1193 */
    pit_init(&pit, &fake_platform);
    return 0;
}

/* ---- helpers ---- */

static uint64_t tick_of(uint64_t ns)
{
    return (uint64_t)((unsigned __int128)ns * PIT_HZ / 1000000000u);
}

/* The first nanosecond at which tick 't' has begun. */
static uint64_t ns_of(uint64_t t)
{
    unsigned __int128 x = (unsigned __int128)t * 1000000000u;
    return (uint64_t)((x + PIT_HZ - 1) / PIT_HZ);
}

static void outb(unsigned int port, uint8_t v)
{
    if (port == PIT_PORT61)
        pit_port61_ops.write(&pit, 0, 1, v);
    else
        pit_ops.write(&pit, port - PIT_PORT, 1, v);
}

static uint8_t inb(unsigned int port)
{
    if (port == PIT_PORT61)
        return (uint8_t)pit_port61_ops.read(&pit, 0, 1);
    return (uint8_t)pit_ops.read(&pit, port - PIT_PORT, 1);
}

/* Channel 'ch', mode, lo-then-hi, count 'n'. */
static void program(unsigned int ch, unsigned int mode, uint16_t n)
{
    outb(0x43, (uint8_t)(ch << 6 | 0x30 | mode << 1));
    outb(0x40 + ch, (uint8_t)n);
    outb(0x40 + ch, (uint8_t)(n >> 8));
}

/* Read a lo-then-hi counter. */
static uint16_t read16(unsigned int ch)
{
    uint8_t lo = inb(0x40 + ch);
    return (uint16_t)(lo | inb(0x40 + ch) << 8);
}

static uint8_t readback_status(unsigned int ch)
{
    outb(0x43, (uint8_t)(0xc0 | 0x20 | 2u << ch));  /* status only */
    return inb(0x40 + ch);
}

/* One edge: assert then deassert IRQ 0, and clear the record. */
static void expect_edges(unsigned int n)
{
    assert_int_equal(fake.nirqs, 2 * n);
    for (unsigned int i = 0; i < fake.nirqs; i++) {
        assert_int_equal(fake.irqs[i].irq, 0);
        assert_int_equal(fake.irqs[i].level, i % 2 == 0);
    }
    fake.nirqs = 0;
}

/* ---- tests ---- */

static void test_idle(void **state)
{
    (void)state;
    assert_int_equal(pit_next_event_ns(&pit), 0);
    fake.now += 1000000000;
    pit_update(&pit, fake.now);
    expect_edges(0);
}

static void test_conversions(void **state)
{
    (void)state;
    /* One second of clocks, and a next event far in the future (300+
     * years of uptime) without overflow. */
    fake.now = 0;
    program(0, 2, 1193);
    assert_int_equal(pit_next_event_ns(&pit), ns_of(1193));
    fake.now = 10000000000000000000ull;
    program(0, 2, 1193);
    uint64_t start = tick_of(fake.now);
    assert_int_equal(pit_next_event_ns(&pit), ns_of(start + 1193));
    assert_true(pit_next_event_ns(&pit) > fake.now);
    assert_true(pit_next_event_ns(&pit) <= fake.now + 1000000);
}

/* Mode 2, ~1 kHz: an edge at every period, at the time next_event said. */
static void test_mode2_periods(void **state)
{
    (void)state;
    const uint16_t n = 1193;
    uint64_t start = tick_of(fake.now);
    program(0, 2, n);
    expect_edges(0);
    for (unsigned int k = 1; k <= 5; k++) {
        uint64_t due = ns_of(start + k * n);
        assert_int_equal(pit_next_event_ns(&pit), due);
        pit_update(&pit, due - 1);
        expect_edges(0);
        pit_update(&pit, due);
        expect_edges(1);
    }
    /* Ten periods missed: one edge, and the next stays in phase. */
    fake.now = ns_of(start + 15 * n) + 1000;
    pit_update(&pit, fake.now);
    expect_edges(1);
    assert_int_equal(pit_next_event_ns(&pit), ns_of(start + 16 * n));
    pit_update(&pit, fake.now + 1);
    expect_edges(0);
    /* The counter runs from n down to 1. */
    fake.now = ns_of(start + 16 * n + 100);
    assert_int_equal(read16(0), n - 100);
    assert_int_equal(readback_status(0) & 0x80, 0x80);
    fake.now = ns_of(start + 17 * n - 1);
    assert_int_equal(read16(0), 1);
    assert_int_equal(readback_status(0) & 0x80, 0);     /* OUT low */
}

/* Mode 3: OUT high for the first half, low for the second; edges once a
 * period; the value counts down by two. */
static void test_mode3_square(void **state)
{
    (void)state;
    const uint16_t n = 100;
    uint64_t start = tick_of(fake.now);
    program(0, 3, n);
    fake.now = ns_of(start + 10);
    assert_int_equal(read16(0), n - 20);
    assert_int_equal(readback_status(0) & 0x80, 0x80);
    fake.now = ns_of(start + 49);
    assert_int_equal(readback_status(0) & 0x80, 0x80);
    fake.now = ns_of(start + 50);           /* the second half */
    assert_int_equal(read16(0), n);
    assert_int_equal(readback_status(0) & 0x80, 0);
    fake.now = ns_of(start + 60);
    assert_int_equal(read16(0), n - 20);
    assert_int_equal(readback_status(0) & 0x80, 0);
    fake.now = ns_of(start + 100);
    assert_int_equal(readback_status(0) & 0x80, 0x80);
    expect_edges(1);        /* the access raised the edge that was due */
    assert_int_equal(pit_next_event_ns(&pit), ns_of(start + 200));
}

/* A count written while mode 2 runs waits for the period's end. */
static void test_mode2_new_count(void **state)
{
    (void)state;
    uint64_t start = tick_of(fake.now);
    program(0, 2, 1000);
    fake.now = ns_of(start + 300);
    outb(0x40, 500 & 0xff);
    outb(0x40, 500 >> 8);
    assert_int_equal(readback_status(0) & 0x40, 0x40);     /* NULL COUNT */
    assert_int_equal(read16(0), 700);       /* the old period goes on */
    assert_int_equal(pit_next_event_ns(&pit), ns_of(start + 1000));
    pit_update(&pit, ns_of(start + 1000));
    expect_edges(1);
    assert_int_equal(pit_next_event_ns(&pit), ns_of(start + 1500));
    fake.now = ns_of(start + 1100);
    assert_int_equal(read16(0), 400);
    assert_int_equal(readback_status(0) & 0x40, 0);
}

/* Mode 0 on channel 0: one edge at terminal count, then none. */
static void test_mode0_one_shot(void **state)
{
    (void)state;
    uint64_t start = tick_of(fake.now);
    program(0, 0, 5000);
    assert_int_equal(readback_status(0) & 0x80, 0);
    assert_int_equal(pit_next_event_ns(&pit), ns_of(start + 5000));
    pit_update(&pit, ns_of(start + 5000));
    expect_edges(1);
    assert_int_equal(pit_next_event_ns(&pit), 0);
    pit_update(&pit, ns_of(start + 100000));
    expect_edges(0);
    /* The counter wraps past 0 and goes on down. */
    fake.now = ns_of(start + 5001);
    assert_int_equal(read16(0), 0xffff);
    assert_int_equal(readback_status(0) & 0x80, 0x80);
}

static void test_byte_modes(void **state)
{
    (void)state;
    uint64_t start = tick_of(fake.now);
    /* lo-then-hi: the first byte alone loads nothing (mode 0: OUT low,
     * NULL COUNT); a read gives the low byte, then the high. */
    outb(0x43, 0x30);                       /* ch0, lo/hi, mode 0 */
    assert_int_equal(readback_status(0), 0x40 | 0x30);
    outb(0x40, 0x34);
    assert_int_equal(pit_next_event_ns(&pit), 0);
    outb(0x40, 0x12);
    assert_int_equal(pit_next_event_ns(&pit), ns_of(start + 0x1234));
    fake.now = ns_of(start + 0x34);
    assert_int_equal(inb(0x40), 0x00);
    assert_int_equal(inb(0x40), 0x12);
    /* Low byte only: the high byte is 0, reads give the low byte. */
    outb(0x43, 0x50 | 2 << 1);              /* ch1, lo, mode 2 */
    outb(0x41, 0x80);
    fake.now = ns_of(tick_of(fake.now) + 0x10);
    assert_int_equal(inb(0x41), 0x70);
    assert_int_equal(inb(0x41), 0x70);
    /* High byte only: the low byte is 0. */
    outb(0x43, 0x60 | 2 << 1);              /* ch1, hi, mode 2 */
    outb(0x41, 0x02);
    fake.now = ns_of(tick_of(fake.now) + 1);
    assert_int_equal(inb(0x41), 0x01);      /* 0x1ff */
    assert_int_equal(readback_status(1), 0x80 | 0x20 | 2 << 1);
}

/* The latch command freezes the value until both bytes are read. */
static void test_latch(void **state)
{
    (void)state;
    uint64_t start = tick_of(fake.now);
    program(2, 2, 0x1000);                  /* channel 2: no IRQ */
    outb(0x61, 0x01);                       /* gate 2 high: counting */
    start = tick_of(fake.now);
    fake.now = ns_of(start + 0x100);
    outb(0x43, 0x80);                       /* latch counter 2 */
    fake.now = ns_of(start + 0x200);
    outb(0x43, 0x80);                       /* ignored: already latched */
    assert_int_equal(inb(0x42), 0x00);
    fake.now = ns_of(start + 0x300);
    assert_int_equal(inb(0x42), 0x0f);      /* 0x0f00 */
    assert_int_equal(read16(2), 0x0d00);    /* live again */
}

/* Read-back of status and count together: status first. */
static void test_readback(void **state)
{
    (void)state;
    uint64_t start = tick_of(fake.now);
    program(0, 2, 0x400);
    /* Mode 2 out high, NULL COUNT until the count is loaded. */
    assert_int_equal(readback_status(0), 0x80 | 0x40 | 0x30 | 2 << 1);
    fake.now = ns_of(start + 0x10);
    outb(0x43, 0xc2);               /* count and status of counter 0 */
    fake.now = ns_of(start + 0x20);
    assert_int_equal(inb(0x40), 0x80 | 0x30 | 2 << 1);
    assert_int_equal(inb(0x40), 0xf0);
    assert_int_equal(inb(0x40), 0x03);      /* 0x3f0 */
    assert_int_equal(read16(0), 0x3e0);
    /* Read-back of several counters at once; mode 6 is reported as
     * written and behaves as mode 2. */
    outb(0x43, 0x7c);                       /* ch1, lo/hi, mode 6, binary */
    outb(0x43, 0xe6);                       /* status of counters 0 and 1 */
    assert_int_equal(inb(0x41), 0x80 | 0x40 | 0x30 | 6 << 1);
    assert_int_equal(inb(0x40), 0x80 | 0x30 | 2 << 1);
}

/* Channel 2 as Linux calibrates the TSC with it: gate on through port
 * 0x61, mode 0, poll bit 5 until OUT2 rises. */
static void test_channel2_port61(void **state)
{
    (void)state;
    outb(0x61, (inb(0x61) & ~0x02) | 0x01);
    outb(0x43, 0xb0);                       /* ch2, lo/hi, mode 0 */
    uint64_t start = tick_of(fake.now);
    outb(0x42, 0xe8);
    outb(0x42, 0x2e);                       /* 0x2ee8 = 12008: ~10 ms */
    assert_int_equal(inb(0x61) & 0x21, 0x01);
    fake.now = ns_of(start + 12007);
    assert_int_equal(inb(0x61) & 0x20, 0);
    fake.now = ns_of(start + 12008);
    assert_int_equal(inb(0x61) & 0x20, 0x20);
    fake.now += 1000000000;
    assert_int_equal(inb(0x61) & 0x20, 0x20);
    expect_edges(0);                        /* channel 2 has no IRQ */

    /* The gate pauses mode 0. */
    outb(0x42, 100);
    outb(0x42, 0);
    start = tick_of(fake.now);
    fake.now = ns_of(start + 40);
    outb(0x61, 0x00);                       /* gate low */
    fake.now = ns_of(start + 90);
    assert_int_equal(read16(2), 60);
    outb(0x61, 0x01);
    fake.now = ns_of(start + 140);
    assert_int_equal(inb(0x61) & 0x20, 0);
    assert_int_equal(read16(2), 10);
    fake.now = ns_of(start + 150);
    assert_int_equal(inb(0x61) & 0x20, 0x20);
}

static void test_port61_bits(void **state)
{
    (void)state;
    outb(0x61, 0xff);                       /* bits 7:4 are read-only */
    uint8_t a = inb(0x61), b = inb(0x61);
    assert_int_equal(a & 0xcf, 0x0f);
    assert_int_equal((a ^ b) & 0x10, 0x10); /* refresh toggles */
    assert_int_equal(a & 0x20, 0);          /* no count: mode 0 OUT low */
}

/* Mode 1 on channel 2: a gate rising edge starts the one-shot. */
static void test_mode1_trigger(void **state)
{
    (void)state;
    outb(0x43, 0xb2);                       /* ch2, lo/hi, mode 1 */
    outb(0x42, 50);
    outb(0x42, 0);
    fake.now += 1000000;
    assert_int_equal(inb(0x61) & 0x20, 0x20);   /* waiting: OUT high */
    uint64_t start = tick_of(fake.now);
    outb(0x61, 0x01);
    fake.now = ns_of(start + 49);
    assert_int_equal(inb(0x61) & 0x20, 0);
    fake.now = ns_of(start + 50);
    assert_int_equal(inb(0x61) & 0x20, 0x20);
}

static void test_bcd(void **state)
{
    (void)state;
    uint64_t start = tick_of(fake.now);
    outb(0x43, 0x35);                       /* ch0, lo/hi, mode 2, BCD */
    outb(0x40, 0x00);
    outb(0x40, 0x10);                       /* 1000 clocks */
    assert_int_equal(pit_next_event_ns(&pit), ns_of(start + 1000));
    fake.now = ns_of(start + 1);
    assert_int_equal(read16(0), 0x0999);
    fake.now = ns_of(start + 255);
    assert_int_equal(read16(0), 0x0745);
    /* 0 is 10000 in BCD. */
    outb(0x43, 0x35);
    start = tick_of(fake.now);
    outb(0x40, 0x00);
    outb(0x40, 0x00);
    assert_int_equal(pit_next_event_ns(&pit), ns_of(start + 10000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_idle, setup),
        cmocka_unit_test_setup(test_conversions, setup),
        cmocka_unit_test_setup(test_mode2_periods, setup),
        cmocka_unit_test_setup(test_mode3_square, setup),
        cmocka_unit_test_setup(test_mode2_new_count, setup),
        cmocka_unit_test_setup(test_mode0_one_shot, setup),
        cmocka_unit_test_setup(test_byte_modes, setup),
        cmocka_unit_test_setup(test_latch, setup),
        cmocka_unit_test_setup(test_readback, setup),
        cmocka_unit_test_setup(test_channel2_port61, setup),
        cmocka_unit_test_setup(test_port61_bits, setup),
        cmocka_unit_test_setup(test_mode1_trigger, setup),
        cmocka_unit_test_setup(test_bcd, setup),
    };
    return cmocka_run_group_tests_name("pit", tests, NULL, NULL);
}
