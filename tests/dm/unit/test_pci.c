/*
 * tests/dm/unit/test_pci.c: host unit tests of the PCI configuration
 * space model and its two functions (dm/devices/pci.c): id reads at
 * every size, read-only fields, the BAR sizing protocol, memory decode
 * and the mmio_moved reports, bad accesses, and pcitest's BAR 0
 * registers.
 *
 * The fake platform (fake_platform.h) records mmio_moved calls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pci.h>

#include "fake_platform.h"

/* A platform without a mmio_moved callback (which may be NULL). */
static const struct dm_platform fake_no_moves = { 0 };

#define SBDF_HOST   0x0000u             /* 00:00.0 */
#define SBDF_TEST   (3u << 3)           /* 00:03.0 */
#define TEST_BASE   0xfe800000u
#define TEST_ID     0x2a

static struct pci_func host;
static struct pcitest test;

static int setup(void **state)
{
    (void)state;
    fake_init();
    pci_host_init(&host, &fake_platform, SBDF_HOST);
    pcitest_init(&test, &fake_platform, SBDF_TEST, TEST_BASE, TEST_ID);
    return 0;
}

static uint32_t cfg_read(struct pci_func *f, unsigned int reg,
                         unsigned int size)
{
    uint64_t v = pci_config_ops.read(f, reg, size);
    return (uint32_t)(size == 4 ? v : v & ((1u << (8 * size)) - 1));
}

static void cfg_write(struct pci_func *f, unsigned int reg, unsigned int size,
                      uint32_t v)
{
    pci_config_ops.write(f, reg, size, v);
}

static uint64_t mmio_read(unsigned int off, unsigned int size)
{
    uint64_t v = pcitest_mmio_ops.read(&test, off, size);
    return size == 8 ? v : v & ((1ull << (8 * size)) - 1);
}

static void expect_move(unsigned int i, uint64_t old_base, uint64_t new_base)
{
    assert_true(i < fake.nmoves);
    assert_ptr_equal(fake.moves[i].dev, &test.func);
    assert_int_equal(fake.moves[i].old_base, old_base);
    assert_int_equal(fake.moves[i].new_base, new_base);
    assert_int_equal(fake.moves[i].size, PCITEST_MMIO_SIZE);
}

/* ---- configuration space ---- */

static void test_host_ids(void **state)
{
    (void)state;
    assert_int_equal(cfg_read(&host, 0x00, 4), 0x12378086);
    assert_int_equal(cfg_read(&host, 0x00, 2), 0x8086);
    assert_int_equal(cfg_read(&host, 0x02, 2), 0x1237);
    static const uint8_t bytes[4] = { 0x86, 0x80, 0x37, 0x12 };
    for (unsigned int i = 0; i < 4; i++)
        assert_int_equal(cfg_read(&host, i, 1), bytes[i]);
    assert_int_equal(cfg_read(&host, 0x08, 4), 0x06000002);
    assert_int_equal(cfg_read(&host, 0x0b, 1), 0x06);
    assert_int_equal(cfg_read(&host, 0x0e, 1), 0x00);  /* header type 0 */
    assert_int_equal(cfg_read(&host, 0x06, 2), 0x0280);
    for (unsigned int reg = 0x10; reg < 0x28; reg += 4)
        assert_int_equal(cfg_read(&host, reg, 4), 0);
    assert_int_equal(host.sbdf, SBDF_HOST);
}

static void test_pcitest_ids(void **state)
{
    (void)state;
    struct pci_func *f = &test.func;
    assert_int_equal(cfg_read(f, 0x00, 4), 0x00015445);
    assert_int_equal(cfg_read(f, 0x08, 4), 0xff000000);
    assert_int_equal(cfg_read(f, 0x2c, 4), 0);          /* subsystem */
    assert_int_equal(cfg_read(f, 0x04, 2), 0x0002);     /* memory decode */
    assert_int_equal(cfg_read(f, 0x10, 4), TEST_BASE);
    assert_int_equal(cfg_read(f, 0x3d, 1), 1);          /* INTA# */
    assert_int_equal(pci_func_bar_base(f, 0), TEST_BASE);
    assert_int_equal(pci_func_bar_base(f, 1), 0);
    assert_int_equal(fake.nmoves, 0);                   /* init reports none */
}

static void test_read_only(void **state)
{
    (void)state;
    struct pci_func *f = &test.func;
    cfg_write(f, 0x00, 4, 0xffffffff);
    cfg_write(f, 0x08, 4, 0xffffffff);
    cfg_write(f, 0x06, 2, 0xffff);                      /* status */
    cfg_write(f, 0x0e, 1, 0x80);                        /* header type */
    cfg_write(f, 0x2c, 4, 0xffffffff);
    cfg_write(f, 0x30, 4, 0xffffffff);                  /* no ROM */
    cfg_write(f, 0x3d, 1, 4);
    cfg_write(f, 0x40, 4, 0xffffffff);
    assert_int_equal(cfg_read(f, 0x00, 4), 0x00015445);
    assert_int_equal(cfg_read(f, 0x08, 4), 0xff000000);
    assert_int_equal(cfg_read(f, 0x06, 2), 0);
    assert_int_equal(cfg_read(f, 0x0e, 1), 0);
    assert_int_equal(cfg_read(f, 0x2c, 4), 0);
    assert_int_equal(cfg_read(f, 0x30, 4), 0);
    assert_int_equal(cfg_read(f, 0x3d, 1), 1);
    assert_int_equal(cfg_read(f, 0x40, 4), 0);
    /* Writable: interrupt line, cache line size, the command bits. */
    cfg_write(f, 0x3c, 1, 11);
    assert_int_equal(cfg_read(f, 0x3c, 4), 0x010b);
    cfg_write(f, 0x0c, 1, 0x10);
    assert_int_equal(cfg_read(f, 0x0c, 1), 0x10);
    cfg_write(f, 0x04, 2, 0xffff);
    assert_int_equal(cfg_read(f, 0x04, 2), 0x0547);
    assert_int_equal(cfg_read(f, 0x04, 4), 0x0547);     /* status 0 */
    assert_int_equal(fake.nmoves, 0);                   /* decode stayed on */
}

static void test_bad_access(void **state)
{
    (void)state;
    struct pci_func *f = &test.func;
    uint64_t before = f->config_accesses;
    assert_int_equal(cfg_read(f, 0x100, 4), 0xffffffff);   /* no ext space */
    assert_int_equal(cfg_read(f, 0x01, 2), 0xffff);        /* misaligned */
    assert_int_equal(cfg_read(f, 0xfe, 4), 0xffffffff);
    assert_int_equal(pci_config_ops.read(f, 0x00, 8), UINT64_MAX);
    cfg_write(f, 0x3b, 2, 0xffff);                         /* misaligned */
    assert_int_equal(cfg_read(f, 0x3c, 1), 0);
    assert_int_equal(f->config_accesses, before + 6);
}

/* The sizing protocol as Linux does it: decode off, write all ones,
 * read the mask, restore, decode on. */
static void test_bar_sizing(void **state)
{
    (void)state;
    struct pci_func *f = &test.func;
    cfg_write(f, 0x04, 2, 0);
    assert_int_equal(fake.nmoves, 1);
    expect_move(0, TEST_BASE, 0);
    cfg_write(f, 0x10, 4, 0xffffffff);
    assert_int_equal(cfg_read(f, 0x10, 4), 0xfffff000);     /* 4 KiB, mem32 */
    cfg_write(f, 0x10, 4, TEST_BASE);
    for (unsigned int reg = 0x14; reg < 0x28; reg += 4) {   /* BARs 1-5 */
        cfg_write(f, reg, 4, 0xffffffff);
        assert_int_equal(cfg_read(f, reg, 4), 0);
    }
    assert_int_equal(fake.nmoves, 1);           /* decode off: no moves */
    cfg_write(f, 0x04, 2, PCI_COMMAND_MEMORY);
    assert_int_equal(fake.nmoves, 2);
    expect_move(1, 0, TEST_BASE);
    /* The low 12 bits are not writable. */
    cfg_write(f, 0x04, 2, 0);
    cfg_write(f, 0x10, 4, 0xfe900abc);
    assert_int_equal(cfg_read(f, 0x10, 4), 0xfe900000);
}

static void test_bar_move(void **state)
{
    (void)state;
    struct pci_func *f = &test.func;
    /* Written with decode on: moves at once. */
    cfg_write(f, 0x10, 4, 0xfea00000);
    assert_int_equal(fake.nmoves, 1);
    expect_move(0, TEST_BASE, 0xfea00000);
    assert_int_equal(pci_func_bar_base(f, 0), 0xfea00000);
    /* One byte at a time: each write that changes it is a move. */
    cfg_write(f, 0x13, 1, 0xc0);
    expect_move(1, 0xfea00000, 0xc0a00000);
    cfg_write(f, 0x13, 1, 0xc0);                /* same value: no move */
    assert_int_equal(fake.nmoves, 2);
    /* Other command bits do not move it; address 0 is unassigned. */
    cfg_write(f, 0x04, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    assert_int_equal(fake.nmoves, 2);
    cfg_write(f, 0x10, 4, 0);
    expect_move(2, 0xc0a00000, 0);
    assert_int_equal(pci_func_bar_base(f, 0), 0);
    /* Without a mmio_moved callback, nothing is called. */
    pcitest_init(&test, &fake_no_moves, SBDF_TEST, TEST_BASE, TEST_ID);
    cfg_write(f, 0x04, 2, 0);
    assert_int_equal(pci_func_bar_base(f, 0), 0);
    assert_int_equal(fake.nmoves, 3);
}

static void test_io_bar(void **state)
{
    (void)state;
    struct pci_func f;
    pci_func_init(&f, &fake_platform, 0x20, 0x1234, 0x5678, 0x020000, 1);
    pci_func_add_bar(&f, 1, 256, true, 0xc000);
    assert_int_equal(cfg_read(&f, 0x14, 4), 0xc001);
    cfg_write(&f, 0x14, 4, 0xffffffff);
    assert_int_equal(cfg_read(&f, 0x14, 4), 0xffffff01);
    cfg_write(&f, 0x04, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
    assert_int_equal(fake.nmoves, 0);           /* I/O BARs report none */
    assert_int_equal(pci_func_bar_base(&f, 1), 0);
}

/* ---- pcitest's BAR 0 ---- */

static void test_mmio_registers(void **state)
{
    (void)state;
    assert_int_equal(mmio_read(0x00, 4), PCITEST_MAGIC);
    static const char magic[] = "TEST";
    for (unsigned int i = 0; i < 4; i++)
        assert_int_equal(mmio_read(i, 1), magic[i]);
    assert_int_equal(mmio_read(0x04, 4), TEST_ID);
    assert_int_equal(mmio_read(0x08, 4), 7);    /* this read included */
    assert_int_equal(mmio_read(0x08, 4), 8);
    assert_int_equal(mmio_read(0x00, 8),
                     (uint64_t)TEST_ID << 32 | PCITEST_MAGIC);
    assert_int_equal(mmio_read(0x0c, 4), 0);
    /* Read-only: writes change nothing (but count). */
    pcitest_mmio_ops.write(&test, 0x00, 8, 0);
    assert_int_equal(mmio_read(0x00, 4), PCITEST_MAGIC);
    assert_int_equal(mmio_read(0x04, 4), TEST_ID);
    assert_int_equal(test.mmio_accesses, 13);
}

static void test_mmio_scratch(void **state)
{
    (void)state;
    pcitest_mmio_ops.write(&test, 0x10, 8, 0x0807060504030201ull);
    assert_int_equal(mmio_read(0x10, 8), 0x0807060504030201ull);
    assert_int_equal(mmio_read(0x10, 1), 0x01);
    assert_int_equal(mmio_read(0x12, 2), 0x0403);
    assert_int_equal(mmio_read(0x14, 4), 0x08070605);
    pcitest_mmio_ops.write(&test, 0x13, 1, 0xff);
    assert_int_equal(mmio_read(0x10, 4), 0xff030201);
    pcitest_mmio_ops.write(&test, 0xff8, 8, 0x1122334455667788ull);
    assert_int_equal(mmio_read(0xffc, 4), 0x11223344);
    /* A write across the registers' end reaches only scratch. */
    pcitest_mmio_ops.write(&test, 0x0c, 8, 0xaabbccdd00000000ull);
    assert_int_equal(mmio_read(0x10, 4), 0xaabbccdd);
    assert_int_equal(mmio_read(0x0c, 4), 0);
}

static void test_mmio_decode_off(void **state)
{
    (void)state;
    cfg_write(&test.func, 0x04, 2, 0);
    uint64_t count = test.mmio_accesses;
    assert_int_equal(mmio_read(0x00, 4), 0xffffffff);
    pcitest_mmio_ops.write(&test, 0x10, 4, 0x1234);
    assert_int_equal(test.mmio_accesses, count);
    cfg_write(&test.func, 0x04, 2, PCI_COMMAND_MEMORY);
    assert_int_equal(mmio_read(0x10, 4), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_host_ids, setup),
        cmocka_unit_test_setup(test_pcitest_ids, setup),
        cmocka_unit_test_setup(test_read_only, setup),
        cmocka_unit_test_setup(test_bad_access, setup),
        cmocka_unit_test_setup(test_bar_sizing, setup),
        cmocka_unit_test_setup(test_bar_move, setup),
        cmocka_unit_test_setup(test_io_bar, setup),
        cmocka_unit_test_setup(test_mmio_registers, setup),
        cmocka_unit_test_setup(test_mmio_scratch, setup),
        cmocka_unit_test_setup(test_mmio_decode_off, setup),
    };
    return cmocka_run_group_tests_name("pci", tests, NULL, NULL);
}
