/*
 * tests/dm/unit/test_rtc.c: host unit tests of the MC146818 RTC/CMOS
 * model (dm/devices/rtc.c): the date conversions against the host's
 * gmtime, the time registers in BCD, binary and 12-hour form, setting
 * the clock, register C's flags and IRQ 8, UIP, NVRAM and the
 * memory-size bytes.
 *
 * The fake platform's clock (fake.now, fake_platform.h) is a variable
 * the tests advance; IRQ 8's level changes are recorded.
 */
#define _GNU_SOURCE     /* timegm */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include <rtc.h>

#include "fake_platform.h"

#define NS          1000000000ull
#define MIB         (1024ull * 1024)
#define T_NOV25     1795620350ull   /* 2026-11-25 15:25:50 UTC, a Wednesday */
#define T_LEAP      1709251199ull   /* 2024-02-29 23:59:59 UTC, a Thursday */

static struct rtc rtc;

static void init_at(uint64_t epoch, uint64_t mem)
{
    fake_init();
    fake.irq_lines = 1u << RTC_IRQ;
    rtc_init(&rtc, &fake_platform, epoch, mem);
}

/* The last level set on IRQ 8; -1: never set. */
static int irq_level(void)
{
    return fake.nirqs ? fake.level[RTC_IRQ] : -1;
}

static int setup(void **state)
{
    (void)state;
    init_at(T_NOV25, 128 * MIB);
    return 0;
}

static uint8_t cmos_read(uint8_t reg)
{
    rtc_ops.write(&rtc, 0, 1, reg);
    return (uint8_t)rtc_ops.read(&rtc, 1, 1);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
    rtc_ops.write(&rtc, 0, 1, reg);
    rtc_ops.write(&rtc, 1, 1, v);
}

/* Registers 0 (seconds) to 9 (year), then the century: 0x32. */
static void expect_time(const uint8_t want[11])
{
    static const uint8_t regs[] = { 0, 2, 4, 6, 7, 8, 9, 0x32 };
    static const uint8_t idx[] = { 0, 2, 4, 6, 7, 8, 9, 10 };
    for (unsigned int i = 0; i < sizeof(regs); i++) {
        uint8_t got = cmos_read(regs[i]);
        if (got != want[idx[i]])
            fail_msg("register %#x: got %#x, want %#x", regs[i], got,
                     want[idx[i]]);
    }
}

/* ---- dates ---- */

static void test_civil_known(void **state)
{
    (void)state;
    struct rtc_time tm;
    assert_int_equal(rtc_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(rtc_days_from_civil(2026, 1, 1),
                     RTC_DEFAULT_EPOCH / 86400);
    assert_int_equal(rtc_days_from_civil(2024, 2, 29), T_LEAP / 86400);
    assert_int_equal(rtc_days_from_civil(1969, 12, 31), -1);
    rtc_civil_from_days(T_LEAP / 86400, &tm);
    assert_int_equal(tm.year, 2024);
    assert_int_equal(tm.mon, 2);
    assert_int_equal(tm.mday, 29);
    rtc_civil_from_days(rtc_days_from_civil(0, 1, 1), &tm);
    assert_int_equal(tm.year, 0);
    assert_int_equal(tm.mon, 1);
    assert_int_equal(tm.mday, 1);
}

/* Every 7th day from 0000-01-01 to 9999-12-31, against gmtime. */
static void test_civil_vs_gmtime(void **state)
{
    (void)state;
    int64_t first = rtc_days_from_civil(0, 1, 1);
    int64_t last = rtc_days_from_civil(9999, 12, 31);
    for (int64_t d = first; d <= last; d += 7) {
        time_t t = (time_t)(d * 86400);
        struct tm want;
        struct rtc_time got;
        assert_non_null(gmtime_r(&t, &want));
        rtc_civil_from_days(d, &got);
        if ((int)got.year != want.tm_year + 1900 ||
            got.mon != want.tm_mon + 1 || got.mday != want.tm_mday)
            fail_msg("day %lld: %u-%u-%u, want %d-%d-%d", (long long)d,
                     got.year, got.mon, got.mday, want.tm_year + 1900,
                     want.tm_mon + 1, want.tm_mday);
        assert_int_equal(rtc_days_from_civil(got.year, got.mon, got.mday), d);
    }
}

/* ---- the time registers ---- */

static void test_bcd_24h(void **state)
{
    (void)state;
    /* sec min hour dow mday mon year, unused, unused, unused, century */
    const uint8_t want[11] = { 0x50, 0, 0x25, 0, 0x15, 0, 0x04, 0x25, 0x11,
                               0x26, 0x20 };
    expect_time(want);
    assert_int_equal(cmos_read(0x0b), 0x02);
    assert_int_equal(cmos_read(0x0d), 0x80);
    fake.now = 3 * NS + 5;
    assert_int_equal(cmos_read(0x00), 0x53);
}

static void test_binary_and_12h(void **state)
{
    (void)state;
    cmos_write(0x0b, 0x06);                 /* binary, 24-hour */
    const uint8_t bin[11] = { 50, 0, 25, 0, 15, 0, 4, 25, 11, 26, 20 };
    expect_time(bin);
    cmos_write(0x0b, 0x04);                 /* binary, 12-hour: 3 PM */
    assert_int_equal(cmos_read(0x04), 0x83);
    cmos_write(0x0b, 0x00);                 /* BCD, 12-hour */
    assert_int_equal(cmos_read(0x04), 0x83);
    /* Midnight is 12 AM, noon 12 PM. */
    init_at(T_NOV25 - 15 * 3600 - 25 * 60 - 50, 0);
    cmos_write(0x0b, 0x00);
    assert_int_equal(cmos_read(0x04), 0x12);
    fake.now = 12 * 3600 * NS;
    assert_int_equal(cmos_read(0x04), 0x92);
    fake.now = 23 * 3600 * NS;
    assert_int_equal(cmos_read(0x04), 0x91);
    cmos_write(0x0b, 0x04);
    assert_int_equal(cmos_read(0x04), 0x80 | 11);
}

static void test_leap_day(void **state)
{
    (void)state;
    init_at(T_LEAP, 0);
    const uint8_t before[11] = { 0x59, 0, 0x59, 0, 0x23, 0, 0x05, 0x29, 0x02,
                                 0x24, 0x20 };
    expect_time(before);
    fake.now = 1 * NS;
    const uint8_t after[11] = { 0x00, 0, 0x00, 0, 0x00, 0, 0x06, 0x01, 0x03,
                                0x24, 0x20 };
    expect_time(after);
}

/* B.SET holds the registers; the written time goes on from SET off. */
static void test_set_time(void **state)
{
    (void)state;
    cmos_write(0x0b, 0x82);                 /* SET, BCD, 24-hour */
    fake.now = 5 * NS;
    assert_int_equal(cmos_read(0x00), 0x50);   /* held, not counting */
    cmos_write(0x00, 0x30);
    cmos_write(0x02, 0x45);
    cmos_write(0x04, 0x07);
    cmos_write(0x07, 0x31);
    cmos_write(0x08, 0x12);
    cmos_write(0x09, 0x99);
    cmos_write(0x32, 0x19);
    cmos_write(0x08, 0x13);                 /* month 13: ignored */
    cmos_write(0x00, 0x5a);                 /* not BCD: ignored */
    fake.now = 9 * NS;
    const uint8_t held[11] = { 0x30, 0, 0x45, 0, 0x07, 0, 0x06, 0x31, 0x12,
                               0x99, 0x19 };
    expect_time(held);                      /* 1999-12-31 was a Friday */
    cmos_write(0x0b, 0x02);
    fake.now = 10 * NS + 7;
    const uint8_t later[11] = { 0x31, 0, 0x45, 0, 0x07, 0, 0x06, 0x31, 0x12,
                                0x99, 0x19 };
    expect_time(later);
    /* Over midnight into 2000. */
    fake.now = (10 + 16 * 3600 + 14 * 60 + 29) * NS;
    const uint8_t y2k[11] = { 0x00, 0, 0x00, 0, 0x00, 0, 0x07, 0x01, 0x01,
                              0x00, 0x20 };
    expect_time(y2k);
    /* Written with SET off: at once, binary 12-hour. */
    cmos_write(0x0b, 0x04);
    cmos_write(0x04, 0x80 | 5);             /* 5 PM */
    assert_int_equal(cmos_read(0x04), 0x85);
    cmos_write(0x0b, 0x06);
    assert_int_equal(cmos_read(0x04), 17);
    assert_int_equal(cmos_read(0x00), 0);
}

static void test_uip(void **state)
{
    (void)state;
    fake.now = 7 * NS + 999700000;
    assert_int_equal(cmos_read(0x0a), 0x26);
    fake.now = 7 * NS + 999800000;
    assert_int_equal(cmos_read(0x0a), 0xa6);
    cmos_write(0x0a, 0xff);                 /* UIP is read-only */
    fake.now = 8 * NS;
    assert_int_equal(cmos_read(0x0a), 0x7f);
}

/* ---- flags and IRQ 8 ---- */

static void test_update_interrupt(void **state)
{
    (void)state;
    fake.now = NS / 4;
    assert_int_equal(rtc_next_event_ns(&rtc), 0);
    cmos_write(0x0b, 0x12);                 /* UIE */
    assert_int_equal(rtc_next_event_ns(&rtc), NS);
    rtc_update(&rtc, NS - 1);
    assert_int_equal(fake.nirqs, 0);
    rtc_update(&rtc, NS);
    assert_int_equal(irq_level(), 1);
    assert_int_equal(rtc_next_event_ns(&rtc), 0);   /* raised: waits for C */
    fake.now = NS + 10;
    /* IRQF | UF, and PF: the reset rate (1024 Hz) runs without PIE. */
    assert_int_equal(cmos_read(0x0c), 0xd0);
    assert_int_equal(irq_level(), 0);
    assert_int_equal(cmos_read(0x0c), 0x00);
    assert_int_equal(rtc_next_event_ns(&rtc), 2 * NS);
    /* SET clears UIE and stops updates. */
    cmos_write(0x0b, 0x92);
    assert_int_equal(cmos_read(0x0b), 0x82);
    fake.now = 5 * NS;
    assert_int_equal(cmos_read(0x0c), 0x40);        /* PF, no UF */
}

static void test_flags_without_enable(void **state)
{
    (void)state;
    fake.now = 3 * NS / 2;
    assert_int_equal(cmos_read(0x0c), 0x50);        /* PF | UF, no IRQF */
    assert_int_equal(fake.nirqs, 0);
    /* Enabling a flag that is already set raises the line. */
    fake.now = 2 * NS + 1;
    cmos_write(0x0b, 0x12);
    assert_int_equal(irq_level(), 1);
    assert_int_equal(cmos_read(0x0c), 0xd0);
    assert_int_equal(irq_level(), 0);
}

static void test_periodic(void **state)
{
    (void)state;
    cmos_write(0x0a, 0x2f);                 /* 2 Hz */
    cmos_write(0x0b, 0x42);                 /* PIE */
    assert_int_equal(rtc_next_event_ns(&rtc), NS / 2);
    rtc_update(&rtc, NS / 2);
    assert_int_equal(irq_level(), 1);
    fake.now = NS / 2 + 1;
    assert_int_equal(cmos_read(0x0c), 0xc0);        /* IRQF | PF */
    assert_int_equal(irq_level(), 0);
    assert_int_equal(rtc_next_event_ns(&rtc), NS);
    /* 1024 Hz: every 976562.5 ns, on the 32.768 kHz clock. */
    cmos_write(0x0a, 0x26);
    uint64_t t = rtc_next_event_ns(&rtc);
    assert_int_equal(t, NS / 2 + 976563);
    rtc_update(&rtc, t - 1);
    assert_int_equal(irq_level(), 0);
    rtc_update(&rtc, t);
    assert_int_equal(irq_level(), 1);
    /* Disabling PIE drops IRQF and the line; PF stays. */
    fake.now = t;
    cmos_write(0x0b, 0x02);
    assert_int_equal(irq_level(), 0);
    assert_int_equal(cmos_read(0x0c), 0x40);
    assert_int_equal(rtc_next_event_ns(&rtc), 0);
}

static void test_alarm(void **state)
{
    (void)state;
    /* Alarm at 15:25:53, three updates away; no periodic flag. */
    cmos_write(0x0a, 0x20);
    cmos_write(0x01, 0x53);
    cmos_write(0x03, 0x25);
    cmos_write(0x05, 0x15);
    cmos_write(0x0b, 0x22);                 /* AIE */
    for (unsigned int s = 1; s <= 2; s++) {
        assert_int_equal(rtc_next_event_ns(&rtc), s * NS);
        rtc_update(&rtc, s * NS);
        assert_int_not_equal(irq_level(), 1);
    }
    rtc_update(&rtc, 3 * NS);
    assert_int_equal(irq_level(), 1);
    fake.now = 3 * NS;
    assert_int_equal(cmos_read(0x0c), 0xb0);        /* IRQF | AF | UF */
    /* Don't-care bytes: any hour and minute, second 10; a day passes
     * unobserved and the alarm is still seen. */
    cmos_write(0x03, 0xc0);
    cmos_write(0x05, 0xff);
    cmos_write(0x01, 0x10);
    fake.now = 3 * NS + 86400 * NS;
    rtc_update(&rtc, fake.now);
    assert_int_equal(irq_level(), 1);
    cmos_write(0x0b, 0x02);                 /* AIE off: the line drops */
    assert_int_equal(irq_level(), 0);
    assert_int_equal(cmos_read(0x0c), 0x30);        /* AF | UF */
    /* The next 5 s (to 15:25:58) hold no second 10: no AF. */
    fake.now += 5 * NS;
    assert_int_equal(cmos_read(0x0c), 0x10);
}

/* ---- memory ---- */

static void test_nvram(void **state)
{
    (void)state;
    for (unsigned int i = 0x40; i < 0x80; i++)
        cmos_write((uint8_t)i, (uint8_t)(i ^ 0x5a));
    rtc_ops.write(&rtc, 0, 1, 0x80 | 0x41);     /* NMI disable bit */
    assert_int_equal(rtc_ops.read(&rtc, 0, 1), 0xc1);
    assert_int_equal(rtc_ops.read(&rtc, 1, 1), 0x41 ^ 0x5a);
    for (unsigned int i = 0x40; i < 0x80; i++)
        assert_int_equal(cmos_read((uint8_t)i), i ^ 0x5a);
    cmos_write(0x0d, 0x00);                 /* read-only */
    assert_int_equal(cmos_read(0x0d), 0x80);
    /* outw 0x70: index, then data. */
    rtc_ops.write(&rtc, 0, 2, 0x9950);
    assert_int_equal(cmos_read(0x50), 0x99);
}

static uint16_t cmos16(uint8_t reg)
{
    return (uint16_t)(cmos_read(reg) | cmos_read((uint8_t)(reg + 1)) << 8);
}

static void test_memory_size(void **state)
{
    (void)state;
    assert_int_equal(cmos16(0x15), 640);
    assert_int_equal(cmos16(0x17), 0xffff);     /* 127 MiB: capped */
    assert_int_equal(cmos16(0x30), 0xffff);
    assert_int_equal(cmos16(0x34), (128 - 16) * 16);
    unsigned int sum = 0;
    for (unsigned int i = 0x10; i < 0x2e; i++)
        sum += cmos_read((uint8_t)i);
    assert_int_equal(cmos_read(0x2e) << 8 | cmos_read(0x2f), sum);

    init_at(T_NOV25, 8 * MIB);
    assert_int_equal(cmos16(0x17), 7 * 1024);
    assert_int_equal(cmos16(0x30), 7 * 1024);
    assert_int_equal(cmos16(0x34), 0);
    init_at(T_NOV25, 8ull << 30);
    assert_int_equal(cmos16(0x34), 0xffff);     /* 8 GiB: capped */
    init_at(T_NOV25, 512 * 1024);
    assert_int_equal(cmos16(0x15), 512);
    assert_int_equal(cmos16(0x17), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_civil_known, setup),
        cmocka_unit_test_setup(test_civil_vs_gmtime, setup),
        cmocka_unit_test_setup(test_bcd_24h, setup),
        cmocka_unit_test_setup(test_binary_and_12h, setup),
        cmocka_unit_test_setup(test_leap_day, setup),
        cmocka_unit_test_setup(test_set_time, setup),
        cmocka_unit_test_setup(test_uip, setup),
        cmocka_unit_test_setup(test_update_interrupt, setup),
        cmocka_unit_test_setup(test_flags_without_enable, setup),
        cmocka_unit_test_setup(test_periodic, setup),
        cmocka_unit_test_setup(test_alarm, setup),
        cmocka_unit_test_setup(test_nvram, setup),
        cmocka_unit_test_setup(test_memory_size, setup),
    };
    return cmocka_run_group_tests_name("rtc", tests, NULL, NULL);
}
