/*
 * tests/dm/unit/test_debugport.c: host unit tests of the debug console
 * (port 0xe9) and isa-debug-exit (port 0xf4) in dm/devices/debugport.c,
 * registered on a bus as dm/main.c registers them.
 *
 * Built by `make -f dm/Makefile units` (see dm/Makefile). The fake
 * platform (fake_platform.h) records console output and shutdown
 * statuses; the device drives no interrupt line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <debugport.h>
#include <device.h>

#include "fake_platform.h"

static struct debugport debugport;
static struct dm_bus bus;

static int setup(void **state)
{
    (void)state;
    fake_init();
    fake.shutdown_ok = true;
    memset(&bus, 0, sizeof(bus));
    debugport_init(&debugport, &fake_platform);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, 0xe9, 0xe9,
                                &debugcon_ops, &debugport, "debugcon"), 0);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, 0xf4, 0xf7,
                                &debugexit_ops, &debugport, "debugexit"), 0);
    return 0;
}

static bool out(uint16_t port, unsigned int size, uint64_t value)
{
    return dm_bus_access(&bus, DM_SPACE_PORT, port, size, true, &value);
}

static uint64_t in(uint16_t port, unsigned int size)
{
    uint64_t value = 0;
    dm_bus_access(&bus, DM_SPACE_PORT, port, size, false, &value);
    return value;
}

/* ---- tests ---- */

static void test_debugcon_prints_bytes(void **state)
{
    (void)state;
    for (const char *s = "ok\n"; *s; s++)
        assert_true(out(0xe9, 1, (uint8_t)*s));
    assert_string_equal(fake.out, "ok\n");
    assert_int_equal(fake.console_calls, 3);    /* one byte at a time */
    assert_int_equal(fake.shutdowns, 0);
}

static void test_debugcon_read_identifies(void **state)
{
    (void)state;
    assert_int_equal(in(0xe9, 1), 0xe9);
    /* Registered one byte wide: a word access is not the device's. */
    assert_false(out(0xe9, 2, 0x4142));
    assert_int_equal(fake.outlen, 0);
    /* The ops on their own: a wider write prints its low byte. */
    debugcon_ops.write(&debugport, 0, 4, 0x41424344);
    assert_string_equal(fake.out, "D");
}

static void test_debugexit_status(void **state)
{
    (void)state;
    assert_true(out(0xf4, 1, 0x00));
    assert_int_equal(fake.shutdowns, 1);
    assert_int_equal(fake.status, 0);

    assert_true(out(0xf4, 4, 0x12345631));      /* any size; low byte */
    assert_int_equal(fake.shutdowns, 2);
    assert_int_equal(fake.status, 0x31);

    assert_true(out(0xf4, 2, 0x01ff));
    assert_int_equal(fake.status, 0xff);
    assert_int_equal(fake.outlen, 0);
}

static void test_debugexit_reads_ones(void **state)
{
    (void)state;
    assert_int_equal(in(0xf4, 1), 0xff);
    assert_int_equal(in(0xf4, 2), 0xffff);
    assert_int_equal(in(0xf4, 4), 0xffffffff);
    assert_int_equal(fake.shutdowns, 0);        /* reading ends nothing */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_debugcon_prints_bytes, setup),
        cmocka_unit_test_setup(test_debugcon_read_identifies, setup),
        cmocka_unit_test_setup(test_debugexit_status, setup),
        cmocka_unit_test_setup(test_debugexit_reads_ones, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
