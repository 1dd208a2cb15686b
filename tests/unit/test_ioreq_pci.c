/*
 * tests/unit/test_ioreq_pci.c: PCI Configuration Mechanism #1
 * (kernel/ioreq/pci.c): which accesses are CONFIG_ADDRESS, what it
 * latches, and the decode of CONFIG_DATA accesses into a PCI_CONFIG
 * request's address, with every edge: the enable bit, the byte lanes of
 * 0xcfc..0xcff, accesses that run out of the window, the largest bus,
 * device, function and register.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "stub.h"
#include <tern/ioreq.h>

/* CONFIG_ADDRESS for bus:device.function, register dword at byte 'reg'. */
static uint32_t cf8(unsigned int bus, unsigned int dev, unsigned int fn,
                    unsigned int reg)
{
    return 1u << 31 | bus << 16 | dev << 11 | fn << 8 | reg;
}

static uint64_t want(unsigned int bus, unsigned int dev, unsigned int fn,
                     unsigned int off)
{
    return (uint64_t)TERN_DMOP_PCI_SBDF(0, bus, dev, fn) << 32 | off;
}

static void test_only_a_dword_at_cf8_is_config_address(void **state)
{
    assert_true(ioreq_pci_is_config_address(0xcf8, 4));
    assert_false(ioreq_pci_is_config_address(0xcf8, 1));
    assert_false(ioreq_pci_is_config_address(0xcf8, 2));
    assert_false(ioreq_pci_is_config_address(0xcf9, 1));   /* reset control */
    assert_false(ioreq_pci_is_config_address(0xcfa, 2));
    assert_false(ioreq_pci_is_config_address(0xcfc, 4));
    assert_false(ioreq_pci_is_config_address(0xcf4, 4));
}

static void test_config_address_latches_writable_bits(void **state)
{
    assert_int_equal(ioreq_pci_config_address_write(0x80000000u), 0x80000000u);
    /* Bits 1..0 and the reserved 30..24 read back as zeroes. */
    assert_int_equal(ioreq_pci_config_address_write(0xffffffffu), 0x80fffffcu);
    assert_int_equal(ioreq_pci_config_address_write(0x7f000003u), 0);
    assert_int_equal(ioreq_pci_config_address_write(0x8012345cu), 0x8012345cu);
}

static void test_decode_fields(void **state)
{
    uint64_t addr;
    assert_int_equal(ioreq_pci_decode(cf8(0, 0, 0, 0), 0xcfc, 4, &addr),
                     IOREQ_PCI_CONFIG);
    assert_true(addr == 0);
    assert_int_equal(ioreq_pci_decode(cf8(1, 2, 3, 0x40), 0xcfc, 4, &addr),
                     IOREQ_PCI_CONFIG);
    assert_true(addr == want(1, 2, 3, 0x40));
    assert_true(addr == 0x0000011300000040ull);    /* bus 1, dev 2 fn 3: 0x0113 */
    /* The largest of each field. */
    assert_int_equal(ioreq_pci_decode(cf8(255, 31, 7, 0xfc), 0xcff, 1, &addr),
                     IOREQ_PCI_CONFIG);
    assert_true(addr == want(255, 31, 7, 0xff));
    assert_true(addr >> 32 == 0xffff);
}

static void test_decode_byte_lanes(void **state)
{
    uint64_t addr;
    uint32_t a = cf8(0, 3, 0, 0x10);
    /* Bytes at each of the four ports, words at the two aligned ones and
     * at 0xcfd, a dword at 0xcfc: the low two bits come from the port. */
    static const struct { uint16_t port; unsigned int size, off; } ok[] = {
        { 0xcfc, 1, 0x10 }, { 0xcfd, 1, 0x11 }, { 0xcfe, 1, 0x12 },
        { 0xcff, 1, 0x13 }, { 0xcfc, 2, 0x10 }, { 0xcfd, 2, 0x11 },
        { 0xcfe, 2, 0x12 }, { 0xcfc, 4, 0x10 },
    };
    for (unsigned int i = 0; i < ARRAY_SIZE(ok); i++) {
        addr = 0;
        assert_int_equal(ioreq_pci_decode(a, ok[i].port, ok[i].size, &addr),
                         IOREQ_PCI_CONFIG);
        assert_true(addr == want(0, 3, 0, ok[i].off));
    }
    /* Bits 1..0 of CONFIG_ADDRESS never reach the offset, even if the
     * caller passes an unlatched value. */
    assert_int_equal(ioreq_pci_decode(a | 3, 0xcfd, 1, &addr), IOREQ_PCI_CONFIG);
    assert_true(addr == want(0, 3, 0, 0x11));
}

static void test_decode_refuses_what_is_not_config_data(void **state)
{
    uint32_t a = cf8(0, 3, 0, 0x10);
    uint64_t addr = 0x5a5a;
    /* Running past 0xcff. */
    assert_int_equal(ioreq_pci_decode(a, 0xcfd, 4, &addr), IOREQ_PCI_NOT_DATA);
    assert_int_equal(ioreq_pci_decode(a, 0xcfe, 4, &addr), IOREQ_PCI_NOT_DATA);
    assert_int_equal(ioreq_pci_decode(a, 0xcff, 2, &addr), IOREQ_PCI_NOT_DATA);
    assert_int_equal(ioreq_pci_decode(a, 0xcff, 4, &addr), IOREQ_PCI_NOT_DATA);
    /* Sizes a port access does not have. */
    assert_int_equal(ioreq_pci_decode(a, 0xcfc, 0, &addr), IOREQ_PCI_NOT_DATA);
    assert_int_equal(ioreq_pci_decode(a, 0xcfc, 3, &addr), IOREQ_PCI_NOT_DATA);
    assert_int_equal(ioreq_pci_decode(a, 0xcfc, 8, &addr), IOREQ_PCI_NOT_DATA);
    /* Other ports, CONFIG_ADDRESS included. */
    assert_int_equal(ioreq_pci_decode(a, 0xcf8, 4, &addr), IOREQ_PCI_NOT_DATA);
    assert_int_equal(ioreq_pci_decode(a, 0xcfb, 1, &addr), IOREQ_PCI_NOT_DATA);
    assert_int_equal(ioreq_pci_decode(a, 0xd00, 1, &addr), IOREQ_PCI_NOT_DATA);
    assert_int_equal(ioreq_pci_decode(a, 0xffff, 1, &addr), IOREQ_PCI_NOT_DATA);
    assert_true(addr == 0x5a5a);            /* untouched when not CONFIG */
}

static void test_decode_with_enable_clear(void **state)
{
    uint64_t addr = 0x5a5a;
    uint32_t a = cf8(0, 3, 0, 0x10) & ~(1u << 31);
    assert_int_equal(ioreq_pci_decode(a, 0xcfc, 4, &addr), IOREQ_PCI_DISABLED);
    assert_int_equal(ioreq_pci_decode(0, 0xcfe, 1, &addr), IOREQ_PCI_DISABLED);
    assert_true(addr == 0x5a5a);
    /* A bad access stays "not data" whatever the enable bit says. */
    assert_int_equal(ioreq_pci_decode(a, 0xcfe, 4, &addr), IOREQ_PCI_NOT_DATA);
}

static void test_reserved_bits_do_not_leak(void **state)
{
    uint64_t addr;
    /* Bits 30..24 set (AMD's extended-register bits among them): the
     * decode ignores them, Tern has no extended space here. */
    uint32_t a = cf8(0, 1, 0, 0x08) | 0x7f000000u;
    assert_int_equal(ioreq_pci_decode(a, 0xcfc, 4, &addr), IOREQ_PCI_CONFIG);
    assert_true(addr == want(0, 1, 0, 0x08));
    assert_int_equal(ioreq_pci_decode(ioreq_pci_config_address_write(a), 0xcfc,
                                      4, &addr), IOREQ_PCI_CONFIG);
    assert_true(addr == want(0, 1, 0, 0x08));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_a_dword_at_cf8_is_config_address),
        cmocka_unit_test(test_config_address_latches_writable_bits),
        cmocka_unit_test(test_decode_fields),
        cmocka_unit_test(test_decode_byte_lanes),
        cmocka_unit_test(test_decode_refuses_what_is_not_config_data),
        cmocka_unit_test(test_decode_with_enable_clear),
        cmocka_unit_test(test_reserved_bits_do_not_leak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
