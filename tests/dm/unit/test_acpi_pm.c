/*
 * tests/dm/unit/test_acpi_pm.c: host unit tests of the ACPI fixed
 * hardware model (dm/devices/acpi_pm.c), registered on a bus as
 * dm/main.c registers it: PM1 status and enable, PM1 control with the
 * S5 power-off, the PM timer against a fake clock, and the reset
 * control register at 0xcf9.
 *
 * Built by `make -f dm/Makefile units` (see dm/Makefile). The fake
 * platform (fake_platform.h) records shutdowns and resets; the device
 * must never touch an interrupt line (it raises no SCI), so it may drive
 * none and set_irq fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <acpi_pm.h>
#include <device.h>

#include "fake_platform.h"

#define NS          1000000000ull
#define SLP_EN      (1u << 13)
#define SLP_TYP(t)  ((unsigned)(t) << 10)
#define WAK_STS     (1u << 15)
#define TMR_STS     (1u << 0)

static struct acpi_pm pm;
static struct dm_bus bus;

static int setup(void **state)
{
    (void)state;
    fake_init();
    fake.shutdown_ok = true;
    fake.status = -1;
    memset(&bus, 0, sizeof(bus));
    acpi_pm_init(&pm, &fake_platform, fake_reset);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, ACPI_PM_EVT_PORT,
                                ACPI_PM_EVT_PORT + 3, &acpi_pm_evt_ops, &pm,
                                "acpi-pm1-evt"), 0);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, ACPI_PM_CNT_PORT,
                                ACPI_PM_CNT_PORT + 1, &acpi_pm_cnt_ops, &pm,
                                "acpi-pm1-cnt"), 0);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, ACPI_PM_TMR_PORT,
                                ACPI_PM_TMR_PORT + 3, &acpi_pm_tmr_ops, &pm,
                                "acpi-pm-tmr"), 0);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, ACPI_PM_RCR_PORT,
                                ACPI_PM_RCR_PORT, &acpi_pm_rcr_ops, &pm,
                                "reset-control"), 0);
    return 0;
}

static void out(uint16_t port, unsigned int size, uint64_t value)
{
    assert_true(dm_bus_access(&bus, DM_SPACE_PORT, port, size, true, &value));
}

static uint64_t in(uint16_t port, unsigned int size)
{
    uint64_t value = 0;
    assert_true(dm_bus_access(&bus, DM_SPACE_PORT, port, size, false, &value));
    return value;
}

/* The PM timer's value at time 'ns', computed here with 128-bit
 * arithmetic, independently of the device's split at whole seconds. */
static uint32_t ticks_at(uint64_t ns)
{
    return (uint32_t)((unsigned __int128)ns * ACPI_PM_TMR_HZ / NS) & 0xffffff;
}

/* The first nanosecond at which the counter has reached 'ticks'. */
static uint64_t ns_of(uint64_t ticks)
{
    return (uint64_t)(((unsigned __int128)ticks * NS + ACPI_PM_TMR_HZ - 1) /
                      ACPI_PM_TMR_HZ);
}

/* ---- tests ---- */

static void test_reset_values(void **state)
{
    (void)state;
    assert_int_equal(in(0x600, 2), 0);              /* PM1_STS */
    assert_int_equal(in(0x602, 2), 0);              /* PM1_EN */
    assert_int_equal(in(0x600, 4), 0);
    assert_int_equal(in(0x604, 2), 1);              /* SCI_EN */
    assert_int_equal(in(0x604, 1), 1);
    assert_int_equal(in(0x605, 1), 0);
    assert_int_equal(in(0xcf9, 1), 0);
    /* SCI_EN cannot be cleared: the platform is always in ACPI mode. */
    out(0x604, 2, 0);
    assert_int_equal(in(0x604, 2), 1);
}

/* ACPICA enables GBL_EN and RTC_EN at boot and checks they stick. */
static void test_pm1_en_sticks(void **state)
{
    (void)state;
    out(0x602, 2, 0x0420);                          /* RTC_EN | GBL_EN */
    assert_int_equal(in(0x602, 2), 0x0420);
    out(0x602, 2, 0xffff);                          /* reserved bits stay 0 */
    assert_int_equal(in(0x602, 2), 0x4721);
    out(0x603, 1, 0x00);                            /* the high byte only */
    assert_int_equal(in(0x602, 2), 0x0021);
    assert_int_equal(in(0x602, 1), 0x21);
    /* A dword at the block: PM1_EN is its high half. */
    out(0x600, 4, 0x01000000);
    assert_int_equal(in(0x602, 2), 0x0100);
    assert_int_equal(in(0x600, 4), 0x01000000);
    assert_int_equal(fake.shutdowns + fake.resets, 0);
}

/* The write Tern's own kernel makes (outw of SLP_TYP | SLP_EN). */
static void test_s5_powers_off(void **state)
{
    (void)state;
    out(0x604, 2, SLP_TYP(ACPI_PM_SLP_TYP_S5) | SLP_EN);
    assert_int_equal(fake.shutdowns, 1);
    assert_int_equal(fake.status, 0);
    assert_int_equal(fake.resets, 0);
}

/* ACPICA's legacy sleep (Linux's poweroff): clear WAK_STS, read PM1_CNT,
 * write SLP_TYP, then write SLP_TYP | SLP_EN. Only the last one acts. */
static void test_linux_poweroff_sequence(void **state)
{
    (void)state;
    out(0x600, 2, WAK_STS);
    uint16_t cnt = (uint16_t)in(0x604, 2);
    cnt &= (uint16_t)~(SLP_TYP(7) | SLP_EN);
    cnt |= SLP_TYP(ACPI_PM_SLP_TYP_S5);
    out(0x604, 2, cnt);                             /* write #1 */
    assert_int_equal(fake.shutdowns, 0);
    assert_int_equal(in(0x604, 2), SLP_TYP(5) | 1); /* SLP_TYP reads back */
    out(0x604, 2, cnt | SLP_EN);                    /* write #2 */
    assert_int_equal(fake.shutdowns, 1);
    assert_int_equal(fake.status, 0);
    assert_int_equal(in(0x604, 2) & SLP_EN, 0);     /* write-only */
}

/* SLP_TYP and SLP_EN in a byte write to the high byte. */
static void test_s5_byte_write(void **state)
{
    (void)state;
    out(0x605, 1, (SLP_TYP(5) | SLP_EN) >> 8);
    assert_int_equal(fake.shutdowns, 1);
    /* SLP_EN alone with the stored SLP_TYP 5: the low byte's write
     * leaves the high byte's SLP_TYP as it was. */
    out(0x604, 1, 0x00);
    assert_int_equal(in(0x604, 2), SLP_TYP(5) | 1);
    out(0x605, 1, (SLP_TYP(5) | SLP_EN) >> 8);
    assert_int_equal(fake.shutdowns, 2);
}

/* A sleep state the DSDT does not offer: nothing sleeps, WAK_STS says
 * "woke", and writing 1 clears it. */
static void test_other_sleep_types(void **state)
{
    (void)state;
    for (unsigned int typ = 0; typ < 8; typ++) {
        if (typ == ACPI_PM_SLP_TYP_S5)
            continue;
        out(0x604, 2, SLP_TYP(typ) | SLP_EN);
        assert_int_equal(in(0x600, 2), WAK_STS);
        out(0x600, 2, WAK_STS);
        assert_int_equal(in(0x600, 2), 0);
    }
    /* SLP_TYP 5 without SLP_EN does nothing either. */
    out(0x604, 2, SLP_TYP(5));
    assert_int_equal(fake.shutdowns, 0);
    assert_int_equal(fake.resets, 0);
}

static void test_timer_counts(void **state)
{
    (void)state;
    assert_int_equal(in(0x608, 4), 0);
    const uint64_t t[] = { 1, 999, NS / 3, NS, NS + 123456789,
                           4 * NS + 600000000, 10 * NS, 3600 * NS,
                           86400 * 365 * NS + 5 };
    uint32_t prev = 0;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        fake.now = t[i];
        uint32_t want = ticks_at(fake.now);
        assert_int_equal(in(0x608, 4), want);
        assert_int_equal(in(0x608, 2), want & 0xffff);
        assert_int_equal(in(0x60a, 2), want >> 16);   /* bits 31:24 are 0 */
        assert_int_equal(in(0x609, 1), (want >> 8) & 0xff);
        assert_int_equal(in(0x60b, 1), 0);
        if (i > 0 && i < 6)
            assert_true(want > prev);       /* before the wrap at 4.687 s */
        prev = want;
    }
    assert_int_equal(ticks_at(NS), ACPI_PM_TMR_HZ);
    out(0x608, 4, 0x12345678);                      /* read-only */
    assert_int_equal(in(0x608, 4), ticks_at(fake.now));
    /* The 24-bit wrap: 2^24 clocks is about 4.687 s. */
    fake.now = ns_of(1u << 24) - 1;
    assert_int_equal(in(0x608, 4), 0xffffff);
    fake.now = ns_of(1u << 24);
    assert_int_equal(in(0x608, 4), 0);
}

/* TMR_STS: set when bit 23 of the counter changes, cleared by 1. */
static void test_timer_status(void **state)
{
    (void)state;
    fake.now = ns_of(1u << 23) - 1;
    assert_int_equal(in(0x600, 2) & TMR_STS, 0);
    fake.now = ns_of(1u << 23);
    assert_int_equal(in(0x600, 2) & TMR_STS, TMR_STS);
    fake.now += NS;
    assert_int_equal(in(0x600, 2) & TMR_STS, TMR_STS);  /* stays set */
    out(0x600, 2, TMR_STS);
    assert_int_equal(in(0x600, 2) & TMR_STS, 0);
    fake.now = ns_of(2u << 23) - 1;
    assert_int_equal(in(0x600, 2) & TMR_STS, 0);
    fake.now = ns_of(2u << 23);                     /* bit 23 falls */
    assert_int_equal(in(0x600, 2) & TMR_STS, TMR_STS);
    /* Writing 0 clears nothing. */
    out(0x600, 2, 0);
    assert_int_equal(in(0x600, 2) & TMR_STS, TMR_STS);
}

/* Linux's reboot: outb(0x06, 0xcf9), the FADT's reset register. */
static void test_reset_register(void **state)
{
    (void)state;
    out(0xcf9, 1, 0x02);                            /* SYS_RST: no reset yet */
    assert_int_equal(fake.resets, 0);
    assert_int_equal(in(0xcf9, 1), 0x02);
    out(0xcf9, 1, 0x06);                            /* RST_CPU */
    assert_int_equal(fake.resets, 1);
    assert_int_equal(in(0xcf9, 1), 0x02);           /* RST_CPU reads 0 */
    out(0xcf9, 1, 0x0e);                            /* FULL_RST too */
    assert_int_equal(fake.resets, 2);
    assert_int_equal(in(0xcf9, 1), 0x0a);
    assert_int_equal(fake.shutdowns, 0);
}

/* Without a reset callback, a reset is ignored. */
static void test_reset_without_callback(void **state)
{
    (void)state;
    acpi_pm_init(&pm, &fake_platform, NULL);
    out(0xcf9, 1, 0x06);
    assert_int_equal(fake.resets, 0);
    assert_int_equal(fake.shutdowns, 0);
}

/* Accesses wider than a register block are not the device's. */
static void test_bus_bounds(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_false(dm_bus_access(&bus, DM_SPACE_PORT, 0x604, 4, false, &v));
    assert_false(dm_bus_access(&bus, DM_SPACE_PORT, 0x606, 2, false, &v));
    assert_false(dm_bus_access(&bus, DM_SPACE_PORT, 0xcf8, 4, false, &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_reset_values, setup),
        cmocka_unit_test_setup(test_pm1_en_sticks, setup),
        cmocka_unit_test_setup(test_s5_powers_off, setup),
        cmocka_unit_test_setup(test_linux_poweroff_sequence, setup),
        cmocka_unit_test_setup(test_s5_byte_write, setup),
        cmocka_unit_test_setup(test_other_sleep_types, setup),
        cmocka_unit_test_setup(test_timer_counts, setup),
        cmocka_unit_test_setup(test_timer_status, setup),
        cmocka_unit_test_setup(test_reset_register, setup),
        cmocka_unit_test_setup(test_reset_without_callback, setup),
        cmocka_unit_test_setup(test_bus_bounds, setup),
    };
    return cmocka_run_group_tests_name("acpi_pm", tests, NULL, NULL);
}
