/*
 * tests/dm/unit/test_bus.c: host unit tests of the device model's bus
 * (dm/devices/bus.c): registration and its refusals, routing and the
 * offset a device sees, unclaimed accesses, size masking, and PCI
 * routing by SBDF.
 *
 * Built by `make -f dm/Makefile units` (see dm/Makefile): linked with all
 * of dm/devices/ and dm/lib's string and printf, under ASan and UBSan.
 * The devices here are recorders that remember the last access; the
 * hypercall stubs printf needs come from fake_platform.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <device.h>

#include "fake_platform.h"

/* ---- a recording device ---- */

struct recorder {
    unsigned int reads, writes;
    uint64_t offset, value;
    unsigned int size;
    uint64_t read_value;            /* what reads return */
};

static uint64_t rec_read(void *dev, uint64_t offset, unsigned int size)
{
    struct recorder *r = dev;
    r->reads++;
    r->offset = offset;
    r->size = size;
    return r->read_value;
}

static void rec_write(void *dev, uint64_t offset, unsigned int size,
                      uint64_t value)
{
    struct recorder *r = dev;
    r->writes++;
    r->offset = offset;
    r->size = size;
    r->value = value;
}

static const struct dm_device_ops rec_ops = {
    .read = rec_read,
    .write = rec_write,
};

static uint64_t bus_read(struct dm_bus *bus, enum dm_space space,
                         uint64_t addr, unsigned int size, bool *claimed)
{
    uint64_t data = 0x5a5a5a5a5a5a5a5aull;
    *claimed = dm_bus_access(bus, space, addr, size, false, &data);
    return data;
}

/* ---- tests ---- */

static void test_bus_add_refuses_overlap(void **state)
{
    (void)state;
    static struct dm_bus bus;
    struct recorder a = { 0 };

    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, 0x3f8, 0x3ff, &rec_ops,
                                &a, "com1"), 0);
    /* Overlapping at either end, inside, or around. */
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, 0x3ff, 0x400, &rec_ops,
                                &a, "x"), -1);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, 0x3f0, 0x3f8, &rec_ops,
                                &a, "x"), -1);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, 0x3fa, 0x3fb, &rec_ops,
                                &a, "x"), -1);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, 0x300, 0x500, &rec_ops,
                                &a, "x"), -1);
    /* Neighbours on both sides are fine, and so is the same range in
     * another space. */
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, 0x3f0, 0x3f7, &rec_ops,
                                &a, "below"), 0);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, 0x400, 0x400, &rec_ops,
                                &a, "above"), 0);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_MMIO, 0x3f8, 0x3ff, &rec_ops,
                                &a, "mmio"), 0);
    /* Malformed. */
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, 0x600, 0x5ff, &rec_ops,
                                &a, "x"), -1);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_NR, 0x600, 0x600, &rec_ops,
                                &a, "x"), -1);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, 0x600, 0x600, NULL,
                                &a, "x"), -1);
    assert_int_equal(bus.nr, 4);
}

static void test_bus_full(void **state)
{
    (void)state;
    static struct dm_bus bus;
    struct recorder a = { 0 };

    for (unsigned int i = 0; i < DM_BUS_MAX; i++)
        assert_int_equal(dm_bus_add(&bus, DM_SPACE_MMIO, 0x1000 * i,
                                    0x1000 * i + 0xfff, &rec_ops, &a, "m"),
                         0);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_MMIO, 0x1000000, 0x1000000,
                                &rec_ops, &a, "one too many"), -1);
    assert_int_equal(bus.nr, DM_BUS_MAX);
}

static void test_bus_routes_with_offset(void **state)
{
    (void)state;
    static struct dm_bus bus;
    struct recorder com1 = { .read_value = 0x60 }, other = { 0 };
    bool claimed;

    dm_bus_add(&bus, DM_SPACE_PORT, 0x3f8, 0x3ff, &rec_ops, &com1, "com1");
    dm_bus_add(&bus, DM_SPACE_PORT, 0x2f8, 0x2ff, &rec_ops, &other, "com2");

    assert_int_equal(bus_read(&bus, DM_SPACE_PORT, 0x3fd, 1, &claimed), 0x60);
    assert_true(claimed);
    assert_int_equal(com1.reads, 1);
    assert_int_equal(com1.offset, 5);
    assert_int_equal(com1.size, 1);

    uint64_t data = 0x41;
    assert_true(dm_bus_access(&bus, DM_SPACE_PORT, 0x3f8, 1, true, &data));
    assert_int_equal(com1.writes, 1);
    assert_int_equal(com1.offset, 0);
    assert_int_equal(com1.value, 0x41);

    /* The last bytes of a range, wide. */
    assert_true(dm_bus_access(&bus, DM_SPACE_PORT, 0x3fc, 4, true, &data));
    assert_int_equal(com1.offset, 4);
    assert_int_equal(com1.size, 4);

    assert_int_equal(other.reads + other.writes, 0);
    assert_int_equal(bus.unclaimed, 0);
}

static void test_bus_unclaimed_all_ones(void **state)
{
    (void)state;
    static struct dm_bus bus;
    struct recorder com1 = { 0 };
    bool claimed;

    dm_bus_add(&bus, DM_SPACE_PORT, 0x3f8, 0x3ff, &rec_ops, &com1, "com1");

    assert_int_equal(bus_read(&bus, DM_SPACE_PORT, 0x80, 1, &claimed), 0xff);
    assert_false(claimed);
    assert_int_equal(bus_read(&bus, DM_SPACE_PORT, 0x80, 2, &claimed),
                     0xffff);
    assert_int_equal(bus_read(&bus, DM_SPACE_PORT, 0x80, 4, &claimed),
                     0xffffffffull);
    assert_int_equal(bus_read(&bus, DM_SPACE_MMIO, 0x3f8, 8, &claimed),
                     ~0ull);
    assert_false(claimed);
    assert_int_equal(bus.unclaimed, 4);

    /* A write nobody holds is dropped, and counted. */
    uint64_t data = 0x12;
    assert_false(dm_bus_access(&bus, DM_SPACE_PORT, 0x80, 1, true, &data));
    assert_int_equal(bus.unclaimed, 5);

    /* Straddling the end of a range: not the device's. */
    assert_int_equal(bus_read(&bus, DM_SPACE_PORT, 0x3fe, 4, &claimed),
                     0xffffffffull);
    assert_false(claimed);
    assert_int_equal(bus_read(&bus, DM_SPACE_PORT, 0x3f6, 4, &claimed),
                     0xffffffffull);
    assert_false(claimed);
    /* A size that is not 1, 2, 4 or 8. */
    assert_int_equal(bus_read(&bus, DM_SPACE_PORT, 0x3f8, 3, &claimed),
                     0xffffff);
    assert_false(claimed);
    assert_int_equal(com1.reads + com1.writes, 0);
    assert_int_equal(bus.unclaimed, 8);
}

static void test_bus_masks_to_size(void **state)
{
    (void)state;
    static struct dm_bus bus;
    struct recorder r = { .read_value = 0x1122334455667788ull };
    bool claimed;

    dm_bus_add(&bus, DM_SPACE_MMIO, 0xfee00000, 0xfee00fff, &rec_ops, &r,
               "r");
    assert_int_equal(bus_read(&bus, DM_SPACE_MMIO, 0xfee00000, 1, &claimed),
                     0x88);
    assert_int_equal(bus_read(&bus, DM_SPACE_MMIO, 0xfee00000, 2, &claimed),
                     0x7788);
    assert_int_equal(bus_read(&bus, DM_SPACE_MMIO, 0xfee00000, 4, &claimed),
                     0x55667788);
    assert_int_equal(bus_read(&bus, DM_SPACE_MMIO, 0xfee00ff8, 8, &claimed),
                     0x1122334455667788ull);
    assert_int_equal(r.offset, 0xff8);

    uint64_t data = 0xffffffffffff1234ull;
    dm_bus_access(&bus, DM_SPACE_MMIO, 0xfee00010, 2, true, &data);
    assert_int_equal(r.value, 0x1234);
}

static void test_bus_top_of_space(void **state)
{
    (void)state;
    static struct dm_bus bus;
    struct recorder r = { 0 };
    bool claimed;

    dm_bus_add(&bus, DM_SPACE_MMIO, ~0ull - 7, ~0ull, &rec_ops, &r, "top");
    bus_read(&bus, DM_SPACE_MMIO, ~0ull - 1, 2, &claimed);
    assert_true(claimed);
    assert_int_equal(r.offset, 6);
    /* Would wrap past 2^64. */
    bus_read(&bus, DM_SPACE_MMIO, ~0ull, 2, &claimed);
    assert_false(claimed);
    assert_int_equal(r.reads, 1);
}

static void test_bus_pci_by_sbdf(void **state)
{
    (void)state;
    static struct dm_bus bus;
    struct recorder a = { .read_value = 0x12348086 }, b = { .read_value = 7 };
    bool claimed;

    /* 00:01.0 alone, and all eight functions of 00:02. */
    uint64_t sbdf_a = 0x0008, sbdf_b = 0x0010;
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PCI, sbdf_a, sbdf_a, &rec_ops,
                                &a, "a"), 0);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PCI, sbdf_b, sbdf_b + 7,
                                &rec_ops, &b, "b"), 0);
    /* A port range with the same numbers is no conflict. */
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, 0x8, 0x8, &rec_ops, &b,
                                "p"), 0);

    assert_int_equal(bus_read(&bus, DM_SPACE_PCI, sbdf_a << 32 | 0x0, 4,
                              &claimed), 0x12348086);
    assert_true(claimed);
    assert_int_equal(a.offset, 0);

    uint64_t data = 0x0b;
    assert_true(dm_bus_access(&bus, DM_SPACE_PCI, (sbdf_b + 3) << 32 | 0x3c,
                              1, true, &data));
    assert_int_equal(b.writes, 1);
    assert_int_equal(b.offset, 0x3c);
    assert_int_equal(b.value, 0x0b);

    /* Extended configuration space offsets reach the device too. */
    bus_read(&bus, DM_SPACE_PCI, sbdf_a << 32 | 0x100, 4, &claimed);
    assert_true(claimed);
    assert_int_equal(a.offset, 0x100);

    /* No such function: all ones. */
    assert_int_equal(bus_read(&bus, DM_SPACE_PCI, 0x9ull << 32, 2, &claimed),
                     0xffff);
    assert_false(claimed);
    /* Past the end of its 4 KiB. */
    bus_read(&bus, DM_SPACE_PCI, sbdf_a << 32 | 0xffe, 4, &claimed);
    assert_false(claimed);
    assert_int_equal(bus.unclaimed, 2);
}

/* A device without callbacks: reads float, writes vanish, but the bus
 * still counts it as there. */
static void test_bus_null_callbacks(void **state)
{
    (void)state;
    static struct dm_bus bus;
    static const struct dm_device_ops none = { 0 };
    bool claimed;

    dm_bus_add(&bus, DM_SPACE_PORT, 0x80, 0x80, &none, NULL, "post");
    assert_int_equal(bus_read(&bus, DM_SPACE_PORT, 0x80, 1, &claimed), 0xff);
    assert_true(claimed);
    uint64_t data = 0x55;
    assert_true(dm_bus_access(&bus, DM_SPACE_PORT, 0x80, 1, true, &data));
    assert_int_equal(bus.unclaimed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bus_add_refuses_overlap),
        cmocka_unit_test(test_bus_full),
        cmocka_unit_test(test_bus_routes_with_offset),
        cmocka_unit_test(test_bus_unclaimed_all_ones),
        cmocka_unit_test(test_bus_masks_to_size),
        cmocka_unit_test(test_bus_top_of_space),
        cmocka_unit_test(test_bus_pci_by_sbdf),
        cmocka_unit_test(test_bus_null_callbacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
