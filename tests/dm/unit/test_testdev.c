/*
 * tests/dm/unit/test_testdev.c: host unit tests of the test device
 * (dm/devices/testdev.c), through a bus holding its three ranges as
 * dm/main.c registers them: the port scratch register at every width
 * and offset, the byte FIFO (order, underflow, count, full), the MMIO
 * scratch, and bufcheck's counting and error detection.
 *
 * Built by `make -f dm/Makefile units` (see dm/Makefile). The device
 * takes no platform; fake_platform.h gives the hypercall stubs printf
 * needs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <device.h>
#include <testdev.h>

#include "fake_platform.h"

static struct testdev testdev;          /* 70 KiB: not on the stack */
static struct dm_bus bus;

static int setup(void **state)
{
    (void)state;
    memset(&bus, 0, sizeof(bus));
    testdev_init(&testdev);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, TESTDEV_PORT_FIRST,
                                TESTDEV_PORT_LAST, &testdev_port_ops,
                                &testdev, "testdev"), 0);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_MMIO, TESTDEV_MMIO_FIRST,
                                TESTDEV_MMIO_LAST, &testdev_mmio_ops,
                                &testdev, "testdev-mmio"), 0);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_MMIO, TESTDEV_BUFCHECK_FIRST,
                                TESTDEV_BUFCHECK_LAST, &testdev_bufcheck_ops,
                                &testdev, "testdev-bufcheck"), 0);
    return 0;
}

static void out(uint16_t port, unsigned int size, uint64_t value)
{
    assert_true(dm_bus_access(&bus, DM_SPACE_PORT, port, size, true,
                              &value));
}

static uint64_t in(uint16_t port, unsigned int size)
{
    uint64_t value;
    assert_true(dm_bus_access(&bus, DM_SPACE_PORT, port, size, false,
                              &value));
    return value;
}

static void mmio_write(uint64_t addr, unsigned int size, uint64_t value)
{
    assert_true(dm_bus_access(&bus, DM_SPACE_MMIO, addr, size, true,
                              &value));
}

static uint64_t mmio_read(uint64_t addr, unsigned int size)
{
    uint64_t value;
    assert_true(dm_bus_access(&bus, DM_SPACE_MMIO, addr, size, false,
                              &value));
    return value;
}

/* ---- ports 0x700-0x707: scratch ---- */

static void test_testdev_scratch_widths(void **state)
{
    (void)state;
    out(0x700, 4, 0x44332211);
    out(0x704, 4, 0x88776655);
    for (unsigned int i = 0; i < 8; i++)
        assert_int_equal(in(0x700 + i, 1), 0x11 * (i + 1));
    assert_int_equal(in(0x700, 2), 0x2211);
    assert_int_equal(in(0x701, 2), 0x3322);     /* unaligned */
    assert_int_equal(in(0x706, 2), 0x8877);
    assert_int_equal(in(0x703, 4), 0x77665544);
    assert_int_equal(in(0x704, 4), 0x88776655);

    /* Narrow writes change only their bytes. */
    out(0x702, 1, 0xaa);
    out(0x705, 2, 0xccbb);
    assert_int_equal(in(0x700, 4), 0x44aa2211);
    assert_int_equal(in(0x704, 4), 0x88ccbb55);

    /* Running past 0x707: all ones, and nothing written. */
    assert_int_equal(in(0x706, 4), 0xffffffff);
    out(0x707, 2, 0x0000);
    assert_int_equal(in(0x707, 1), 0x88);
}

/* ---- port 0x708: the byte FIFO, 0x70c: its count ---- */

static void test_testdev_fifo_order(void **state)
{
    (void)state;
    out(0x708, 1, 0x01);
    out(0x708, 2, 0x0302);
    out(0x708, 4, 0x07060504);
    assert_int_equal(in(0x70c, 4), 7);

    /* Bytes come out in the order they went in, whatever the widths. */
    assert_int_equal(in(0x708, 4), 0x04030201);
    assert_int_equal(in(0x70c, 4), 3);
    assert_int_equal(in(0x708, 2), 0x0605);
    assert_int_equal(in(0x708, 1), 0x07);
    assert_int_equal(in(0x70c, 4), 0);
}

static void test_testdev_fifo_underflow(void **state)
{
    (void)state;
    assert_int_equal(in(0x708, 1), 0xff);
    assert_int_equal(in(0x708, 4), 0xffffffff);
    out(0x708, 2, 0x2211);
    /* Two bytes there, two missing: 0xff in the high half. */
    assert_int_equal(in(0x708, 4), 0xffff2211);
    assert_int_equal(in(0x70c, 4), 0);
}

static void test_testdev_fifo_empty_and_full(void **state)
{
    (void)state;
    out(0x708, 4, 0xdeadbeef);
    out(0x70c, 4, 0);                           /* empty it */
    assert_int_equal(in(0x70c, 4), 0);
    assert_int_equal(in(0x708, 1), 0xff);

    /* Fill all 64 KiB. */
    for (uint32_t i = 0; i < TESTDEV_FIFO_SIZE / 4; i++)
        out(0x708, 4, i);
    assert_int_equal(in(0x70c, 4), TESTDEV_FIFO_SIZE);
    out(0x708, 4, 0xffffffff);                  /* no room: dropped */
    assert_int_equal(in(0x70c, 4), TESTDEV_FIFO_SIZE);

    /* Take half, add some (wrapping the ring), read all back in order. */
    for (uint32_t i = 0; i < TESTDEV_FIFO_SIZE / 8; i++)
        assert_int_equal(in(0x708, 4), i);
    for (uint32_t i = 0; i < TESTDEV_FIFO_SIZE / 8; i++)
        out(0x708, 4, 0x10000000 + i);
    for (uint32_t i = TESTDEV_FIFO_SIZE / 8; i < TESTDEV_FIFO_SIZE / 4; i++)
        assert_int_equal(in(0x708, 4), i);
    for (uint32_t i = 0; i < TESTDEV_FIFO_SIZE / 8; i++)
        assert_int_equal(in(0x708, 4), 0x10000000 + i);
    assert_int_equal(in(0x70c, 4), 0);
}

/* Registers past the scratch answer only at their own port. */
static void test_testdev_port_holes(void **state)
{
    (void)state;
    out(0x708, 1, 0x42);
    assert_int_equal(in(0x709, 1), 0xff);       /* not the FIFO */
    assert_int_equal(in(0x70a, 2), 0xffff);
    out(0x709, 1, 0x43);                        /* ignored */
    assert_int_equal(in(0x70c, 4), 1);
    assert_int_equal(in(0x70d, 1), 0xff);
    assert_int_equal(in(0x71e, 2), 0xffff);
    assert_int_equal(in(0x708, 1), 0x42);
}

/* ---- MMIO 0xfe000000: scratch ---- */

static void test_testdev_mmio_scratch(void **state)
{
    (void)state;
    const uint64_t base = TESTDEV_MMIO_FIRST;

    mmio_write(base, 8, 0x8877665544332211ull);
    assert_int_equal(mmio_read(base, 8), 0x8877665544332211ull);
    assert_int_equal(mmio_read(base, 4), 0x44332211);
    assert_int_equal(mmio_read(base + 4, 4), 0x88776655);
    assert_int_equal(mmio_read(base + 3, 2), 0x5544);
    assert_int_equal(mmio_read(base + 7, 1), 0x88);

    mmio_write(base + 1, 1, 0xaa);
    mmio_write(base + 2, 2, 0xccbb);
    mmio_write(base + 4, 4, 0x00ddeeff);
    assert_int_equal(mmio_read(base, 8), 0x00ddeeffccbbaa11ull);

    /* The last bytes, and unaligned 8 bytes. */
    mmio_write(base + 0xff8, 8, 0x0102030405060708ull);
    assert_int_equal(mmio_read(base + 0xffc, 4), 0x01020304);
    mmio_write(base + 0x7fd, 8, 0xfedcba9876543210ull);
    assert_int_equal(mmio_read(base + 0x7fd, 8), 0xfedcba9876543210ull);
    assert_int_equal(mmio_read(base + 0x7fd, 1), 0x10);
    assert_int_equal(mmio_read(base + 0x804, 1), 0xfe);

    /* Past the end is not the device's. */
    uint64_t v;
    assert_false(dm_bus_access(&bus, DM_SPACE_MMIO, base + 0xffc, 8, false,
                               &v));
    /* The port scratch is a different register. */
    assert_int_equal(in(0x700, 4), 0);
}

/* ---- bufcheck ---- */

static void test_testdev_bufcheck_counts(void **state)
{
    (void)state;
    const uint64_t base = TESTDEV_BUFCHECK_FIRST;

    /* The values a guest writes: 0, 1, 2, ... at any size and address. */
    static const unsigned int sizes[] = { 1, 2, 4, 8 };
    for (uint64_t i = 0; i < 1000; i++)
        mmio_write(base + (i * 8) % 0x1000, sizes[i % 4], i);
    assert_int_equal(in(0x710, 4), 1000);
    assert_int_equal(in(0x714, 4), 0);
    assert_int_equal(mmio_read(base + 0x123, 4), 1000);
    assert_int_equal(mmio_read(base, 2), 1000);

    /* The value is compared cut to the write's size: at count 1000
     * (0x3e8), a byte write of 0xe8 is right. */
    mmio_write(base, 1, 0xe8);
    assert_int_equal(in(0x714, 4), 0);
    assert_int_equal(testdev.bufcheck_count, 1001);
}

static void test_testdev_bufcheck_errors(void **state)
{
    (void)state;
    const uint64_t base = TESTDEV_BUFCHECK_FIRST;

    mmio_write(base, 4, 0);
    mmio_write(base, 4, 1);
    mmio_write(base, 4, 3);             /* 2 lost */
    mmio_write(base, 4, 3);             /* right again: count is 3 */
    mmio_write(base, 4, 3);             /* repeated */
    assert_int_equal(in(0x710, 4), 5);
    assert_int_equal(in(0x714, 4), 2);
    assert_int_equal(in(0x718, 4), 2);  /* the first bad write */
    assert_int_equal(in(0x71c, 4), 3);
    assert_int_equal(testdev.bufcheck_bad_index, 2);
    assert_int_equal(testdev.bufcheck_bad_value, 3);

    /* A byte write compares the count's low byte only, and keeps only
     * the value's. */
    testdev.bufcheck_count = 0x1ff;
    testdev.bufcheck_errors = 0;
    mmio_write(base, 1, 0x1fe);
    assert_int_equal(in(0x714, 4), 1);
    assert_int_equal(in(0x718, 4), 0x1ff);
    assert_int_equal(in(0x71c, 4), 0xfe);

    /* Writing the count port starts over. */
    out(0x710, 4, 0);
    assert_int_equal(in(0x710, 4), 0);
    assert_int_equal(in(0x714, 4), 0);
    assert_int_equal(in(0x718, 4), 0);
    mmio_write(base, 8, 0);
    assert_int_equal(in(0x710, 4), 1);
    assert_int_equal(in(0x714, 4), 0);

    /* The errors register ignores writes. */
    mmio_write(base, 8, 7);
    out(0x714, 4, 0);
    assert_int_equal(in(0x714, 4), 1);
}

static void test_testdev_bufcheck_count_low_bits(void **state)
{
    (void)state;
    testdev.bufcheck_count = 0x100000005ull;
    assert_int_equal(in(0x710, 4), 5);
    assert_int_equal(mmio_read(TESTDEV_BUFCHECK_FIRST, 8), 0x100000005ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_testdev_scratch_widths, setup),
        cmocka_unit_test_setup(test_testdev_fifo_order, setup),
        cmocka_unit_test_setup(test_testdev_fifo_underflow, setup),
        cmocka_unit_test_setup(test_testdev_fifo_empty_and_full, setup),
        cmocka_unit_test_setup(test_testdev_port_holes, setup),
        cmocka_unit_test_setup(test_testdev_mmio_scratch, setup),
        cmocka_unit_test_setup(test_testdev_bufcheck_counts, setup),
        cmocka_unit_test_setup(test_testdev_bufcheck_errors, setup),
        cmocka_unit_test_setup(test_testdev_bufcheck_count_low_bits, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
