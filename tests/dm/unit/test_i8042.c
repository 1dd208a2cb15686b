/*
 * tests/dm/unit/test_i8042.c: host unit tests of the 8042 keyboard
 * controller model (dm/devices/i8042.c), registered on a bus as
 * dm/main.c registers it: status, the command byte, the tests, the
 * loop-backs, the "nothing plugged in" answers, IRQ 1 and 12, the reset
 * line; and the sequence of accesses Linux's i8042 driver makes when it
 * probes the controller and when it reboots through it.
 *
 * Built by `make -f dm/Makefile units` (see dm/Makefile). The fake
 * platform (fake_platform.h) records interrupt line levels and resets;
 * the device may drive IRQ 1 and 12, only to change their level, and
 * never shuts the guest down.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <device.h>
#include <i8042.h>

#include "fake_platform.h"

/* Status and command byte bits, as Linux's i8042.h names them. */
#define STR_OBF         0x01
#define STR_IBF         0x02
#define STR_SYS         0x04
#define STR_CMD         0x08
#define STR_KEYLOCK     0x10
#define STR_AUXDATA     0x20
#define STR_TIMEOUT     0x40
#define CTR_KBDINT      0x01
#define CTR_AUXINT      0x02
#define CTR_KBDDIS      0x10
#define CTR_AUXDIS      0x20

static struct i8042 kbc;
static struct dm_bus bus;

static int setup(void **state)
{
    (void)state;
    fake_init();
    fake.irq_lines = 1u << 1 | 1u << 12;
    fake.irq_changes_only = true;
    memset(&bus, 0, sizeof(bus));
    i8042_init(&kbc, &fake_platform, fake_reset);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, I8042_DATA_PORT,
                                I8042_DATA_PORT, &i8042_data_ops, &kbc,
                                "i8042-data"), 0);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, I8042_CMD_PORT,
                                I8042_CMD_PORT, &i8042_cmd_ops, &kbc,
                                "i8042-cmd"), 0);
    return 0;
}

static void out(uint16_t port, uint8_t value)
{
    uint64_t v = value;
    assert_true(dm_bus_access(&bus, DM_SPACE_PORT, port, 1, true, &v));
}

static uint8_t in(uint16_t port)
{
    uint64_t v = 0;
    assert_true(dm_bus_access(&bus, DM_SPACE_PORT, port, 1, false, &v));
    return (uint8_t)v;
}

static uint8_t status(void) { return in(0x64); }

/* A byte must be waiting, with these AUXDATA/TIMEOUT bits; read it. */
static uint8_t take(uint8_t want_bits)
{
    uint8_t s = status();
    assert_true(s & STR_OBF);
    assert_int_equal(s & (STR_AUXDATA | STR_TIMEOUT), want_bits);
    uint8_t v = in(0x60);
    assert_int_equal(status() & STR_OBF, 0);
    return v;
}

static uint8_t read_ctr(void)
{
    out(0x64, 0x20);
    return take(0);
}

static void write_ctr(uint8_t ctr)
{
    out(0x64, 0x60);
    out(0x60, ctr);
}

/* ---- tests ---- */

static void test_status_after_init(void **state)
{
    (void)state;
    /* No byte waiting, input buffer empty, self-test passed (SYS), not
     * inhibited. */
    assert_int_equal(status(), STR_SYS | STR_KEYLOCK);
    assert_int_equal(read_ctr(), 0x65);
    assert_int_equal(status() & STR_CMD, STR_CMD);  /* last write: 0x64 */
    out(0x64, 0xd2);
    out(0x60, 0x00);
    assert_int_equal(status() & STR_CMD, 0);        /* last write: 0x60 */
}

static void test_self_and_interface_tests(void **state)
{
    (void)state;
    write_ctr(0x64);                                /* IRQs off */
    out(0x64, 0xaa);
    assert_int_equal(take(0), 0x55);
    out(0x64, 0xab);
    assert_int_equal(take(0), 0x00);
    out(0x64, 0xa9);
    assert_int_equal(take(0), 0x00);
    assert_int_equal(fake.rises[1] + fake.rises[12], 0);
}

static void test_command_byte(void **state)
{
    (void)state;
    write_ctr(0x47);
    assert_int_equal(read_ctr(), 0x47);
    assert_int_equal(status() & STR_SYS, STR_SYS);
    write_ctr(0x40);                                /* SYS follows bit 2 */
    assert_int_equal(status() & STR_SYS, 0);
    /* 0xad/0xae and 0xa7/0xa8 set and clear the disable bits. */
    out(0x64, 0xad);
    assert_int_equal(read_ctr(), 0x40 | CTR_KBDDIS);
    out(0x64, 0xa7);
    assert_int_equal(read_ctr(), 0x40 | CTR_KBDDIS | CTR_AUXDIS);
    out(0x64, 0xae);
    assert_int_equal(read_ctr(), 0x40 | CTR_AUXDIS);
    out(0x64, 0xa8);
    assert_int_equal(read_ctr(), 0x40);
    /* The rest of the 32 bytes of RAM. */
    out(0x64, 0x7f);
    out(0x60, 0x5a);
    out(0x64, 0x3f);
    assert_int_equal(take(0), 0x5a);
}

/* IRQ 1 follows a keyboard-side byte while KBDINT is set. */
static void test_kbd_irq(void **state)
{
    (void)state;
    out(0x64, 0xaa);                                /* KBDINT is on */
    assert_int_equal(fake.level[1], 1);
    assert_int_equal(take(0), 0x55);
    assert_int_equal(fake.level[1], 0);
    assert_int_equal(fake.rises[1], 1);
    /* Turning KBDINT off with a byte waiting drops the line; on again
     * raises it. */
    out(0x64, 0xab);
    assert_int_equal(fake.level[1], 1);
    write_ctr(0x64);
    assert_int_equal(fake.level[1], 0);
    write_ctr(0x65);
    assert_int_equal(fake.level[1], 1);
    assert_int_equal(take(0), 0x00);
    assert_int_equal(fake.level[1], 0);
    assert_int_equal(fake.rises[12], 0);
}

/* 0xd3: the byte comes back from the mouse side, IRQ 12 if AUXINT. */
static void test_loopbacks(void **state)
{
    (void)state;
    write_ctr(0x44);                                /* no IRQs */
    out(0x64, 0xd3);
    out(0x60, 0x5a);
    assert_int_equal(take(STR_AUXDATA), 0x5a);
    out(0x64, 0xd2);
    out(0x60, 0xa5);
    assert_int_equal(take(0), 0xa5);
    write_ctr(0x44 | CTR_AUXINT);
    out(0x64, 0xd3);
    out(0x60, 0xa5);
    assert_int_equal(fake.level[12], 1);
    assert_int_equal(fake.level[1], 0);
    assert_int_equal(take(STR_AUXDATA), 0xa5);
    assert_int_equal(fake.level[12], 0);
}

/* No keyboard, no mouse: a byte for either gets 0xfe and TIMEOUT. */
static void test_no_devices(void **state)
{
    (void)state;
    write_ctr(0x44 | CTR_KBDINT | CTR_AUXINT);
    out(0x60, 0xf2);                                /* keyboard: GET ID */
    assert_int_equal(fake.level[1], 1);
    assert_int_equal(take(STR_TIMEOUT), 0xfe);
    out(0x64, 0xd4);                                /* mouse: GET ID */
    out(0x60, 0xf2);
    assert_int_equal(fake.level[12], 1);
    assert_int_equal(fake.level[1], 0);
    assert_int_equal(take(STR_AUXDATA | STR_TIMEOUT), 0xfe);
    assert_int_equal(fake.level[12], 0);
}

static void test_output_port_and_reset(void **state)
{
    (void)state;
    write_ctr(0x44);
    out(0x64, 0xd0);
    assert_int_equal(take(0), 0x03);                /* not in reset, A20 */
    out(0x64, 0xd1);                                /* A20 on, as Linux */
    out(0x60, 0xdf);
    assert_int_equal(fake.resets, 0);
    out(0x64, 0xd0);
    assert_int_equal(take(0), 0xdf);
    out(0x64, 0xff);                                /* pulses nothing */
    assert_int_equal(fake.resets, 0);
    out(0x64, 0xfd);                                /* bit 1 only: A20 */
    assert_int_equal(fake.resets, 0);
    out(0x64, 0xfe);                                /* the reset line */
    assert_int_equal(fake.resets, 1);
    out(0x64, 0xf0);
    assert_int_equal(fake.resets, 2);
    out(0x64, 0xd1);                                /* reset through D1 */
    out(0x60, 0xde);
    assert_int_equal(fake.resets, 3);
}

/* A command interrupted by another does not take the next data byte. */
static void test_pending_command_dropped(void **state)
{
    (void)state;
    write_ctr(0x44);
    out(0x64, 0xd1);
    out(0x64, 0xaa);                                /* replaces 0xd1 */
    assert_int_equal(take(0), 0x55);
    out(0x60, 0x00);                                /* keyboard, not D1 */
    assert_int_equal(fake.resets, 0);
    assert_int_equal(take(STR_TIMEOUT), 0xfe);
    out(0x64, 0x12);                                /* unknown: ignored */
    assert_int_equal(status() & STR_OBF, 0);
}

static void test_reset_without_callback(void **state)
{
    (void)state;
    i8042_init(&kbc, &fake_platform, NULL);
    out(0x64, 0xfe);
    assert_int_equal(fake.resets, 0);
}

/*
 * What Linux 6.1's i8042 driver does at boot, in order (its probe, with
 * no PNP device in the DSDT and the FADT's 8042 flag set), and what it
 * must find: a controller, a stable command byte, no keylock, an AUX
 * port whose loop-back and IRQ 12 work, no multiplexer; then the
 * keyboard and mouse drivers' first commands fail at once.
 */
static void test_linux_probe(void **state)
{
    (void)state;
    /* i8042_platform_init: A20 through D1, then the null command. */
    out(0x64, 0xd1);
    out(0x60, 0xdf);
    out(0x64, 0xff);
    assert_int_equal(fake.resets, 0);
    /* i8042_controller_check: flush finds the output buffer empty. */
    assert_int_equal(status() & STR_OBF, 0);
    /* i8042_controller_init: two equal CTR reads; no keylock; keyboard
     * off while it sets up. */
    uint8_t ctr = read_ctr();
    assert_int_equal(read_ctr(), ctr);
    assert_true(status() & STR_KEYLOCK);
    ctr = (uint8_t)((ctr | CTR_KBDDIS) & ~CTR_KBDINT);
    write_ctr(ctr);
    /* i8042_check_aux: the loop-back answers from the mouse side ... */
    out(0x64, 0xd3);
    out(0x60, 0x5a);
    assert_int_equal(take(STR_AUXDATA), 0x5a);
    /* ... the AUX disable bit sticks both ways ... */
    out(0x64, 0xa7);
    assert_true(read_ctr() & CTR_AUXDIS);
    out(0x64, 0xa8);
    assert_false(read_ctr() & CTR_AUXDIS);
    /* ... and a loop-back byte raises IRQ 12 once AUXINT is on. */
    ctr = (uint8_t)((ctr & ~CTR_AUXDIS) | CTR_AUXINT);
    write_ctr(ctr);
    out(0x64, 0xd3);
    out(0x60, 0xa5);
    assert_int_equal(fake.level[12], 1);
    assert_int_equal(take(STR_AUXDATA), 0xa5);
    ctr = (uint8_t)((ctr | CTR_AUXDIS) & ~CTR_AUXINT);
    write_ctr(ctr);
    /* i8042_check_mux: a multiplexer would answer the third byte with
     * its version; the echo says there is none. */
    const uint8_t mux[] = { 0xf0, 0x56, 0xa4 };
    for (int i = 0; i < 3; i++) {
        out(0x64, 0xd3);
        out(0x60, mux[i]);
        assert_int_equal(take(STR_AUXDATA), mux[i]);
    }
    /* The ports enabled with their IRQs; atkbd's GET ID and psmouse's
     * GET ID each get a time-out at once. */
    write_ctr((uint8_t)((ctr & ~(CTR_KBDDIS | CTR_AUXDIS)) |
                        CTR_KBDINT | CTR_AUXINT));
    out(0x60, 0xf2);
    assert_int_equal(fake.level[1], 1);
    assert_int_equal(take(STR_TIMEOUT), 0xfe);
    out(0x64, 0xd4);
    out(0x60, 0xf2);
    assert_int_equal(fake.level[12], 1);
    assert_int_equal(take(STR_AUXDATA | STR_TIMEOUT), 0xfe);
    assert_int_equal(fake.resets, 0);
    /* Reboot when the ACPI reset register did not work: wait for an
     * empty input buffer, then pulse the reset line. */
    assert_int_equal(status() & STR_IBF, 0);
    out(0x64, 0xfe);
    assert_int_equal(fake.resets, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_status_after_init, setup),
        cmocka_unit_test_setup(test_self_and_interface_tests, setup),
        cmocka_unit_test_setup(test_command_byte, setup),
        cmocka_unit_test_setup(test_kbd_irq, setup),
        cmocka_unit_test_setup(test_loopbacks, setup),
        cmocka_unit_test_setup(test_no_devices, setup),
        cmocka_unit_test_setup(test_output_port_and_reset, setup),
        cmocka_unit_test_setup(test_pending_command_dropped, setup),
        cmocka_unit_test_setup(test_reset_without_callback, setup),
        cmocka_unit_test_setup(test_linux_probe, setup),
    };
    return cmocka_run_group_tests_name("i8042", tests, NULL, NULL);
}
