/*
 * tests/unit/test_ioreq_abi.c: the byte layout of include/public/ioreq.h
 * and include/public/dm_op.h, pinned to the numbers of Xen's public
 * headers (xen/include/public/hvm/ioreq.h, "I/O request definitions for
 * device models", and hvm/dm_op.h), so that Tern's and the DM's views,
 * and Tern's and Xen's, cannot drift apart.
 *
 * The public headers come first, after <stdint.h> alone: this file is
 * also the check that they need nothing else.
 */
#include <stdint.h>
#include <public/ioreq.h>
#include <public/dm_op.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#define assert_at(type, field, off) \
    assert_int_equal(offsetof(type, field), (off))

/* Also at compile time: a drift fails the build, not just the run. */
_Static_assert(sizeof(struct tern_ioreq) == 32, "ioreq is Xen's 32 bytes");
_Static_assert(sizeof(struct tern_buf_ioreq) == 8, "buf_ioreq is 8 bytes");
_Static_assert(sizeof(struct tern_buf_ioreq_page) == 4096,
               "the buffered page is exactly one page");
_Static_assert(sizeof(struct tern_ioreq_page) <= 4096,
               "the synchronous page fits a page");
_Static_assert(sizeof(struct tern_dm_op) == 32, "dm_op is 32 bytes");

static void test_ioreq_offsets(void **state)
{
    assert_at(struct tern_ioreq, addr, 0x00);
    assert_at(struct tern_ioreq, data, 0x08);
    assert_at(struct tern_ioreq, count, 0x10);
    assert_at(struct tern_ioreq, size, 0x14);
    assert_at(struct tern_ioreq, vp_eport, 0x18);
    assert_at(struct tern_ioreq, pad0, 0x1c);
    assert_at(struct tern_ioreq, flags, 0x1e);     /* Xen: state..df bits */
    assert_at(struct tern_ioreq, type, 0x1f);
    assert_int_equal(sizeof(struct tern_ioreq), 32);
    assert_int_equal(_Alignof(struct tern_ioreq), 8);

    assert_at(struct tern_ioreq_page, vcpu_ioreq[0], 0);
    assert_at(struct tern_ioreq_page, vcpu_ioreq[1], 32);
    assert_at(struct tern_ioreq_page, vcpu_ioreq[TERN_MAX_VCPUS - 1],
              32 * (TERN_MAX_VCPUS - 1));
    assert_int_equal(sizeof(struct tern_ioreq_page), 32 * TERN_MAX_VCPUS);
}

/*
 * Xen declares the flags byte and the buffered header with C bitfields.
 * Declared the same way here (GCC's x86-64 allocation, least significant
 * bit first), they must land on exactly the bits Tern names.
 */
struct xen_style_ioreq_tail {
    uint32_t vp_eport;
    uint16_t pad0;
    uint8_t state:4, data_is_ptr:1, dir:1, df:1, pad1:1;
    uint8_t type;
};
struct xen_style_buf_ioreq {
    uint8_t type;
    uint8_t pad:1, dir:1, size:2;
    uint32_t addr:20;
    uint32_t data;
};

static void test_ioreq_flag_bits_match_bitfields(void **state)
{
    struct xen_style_ioreq_tail x;
    uint8_t b;
    _Static_assert(sizeof(x) == 8, "tail is 8 bytes");

    memset(&x, 0, sizeof(x));
    x.state = 0xf;
    memcpy(&b, (char *)&x + 6, 1);
    assert_int_equal(b, TERN_IOREQ_STATE_MASK);

    memset(&x, 0, sizeof(x));
    x.data_is_ptr = 1;
    memcpy(&b, (char *)&x + 6, 1);
    assert_int_equal(b, TERN_IOREQ_DATA_IS_PTR);

    memset(&x, 0, sizeof(x));
    x.dir = 1;
    memcpy(&b, (char *)&x + 6, 1);
    assert_int_equal(b, TERN_IOREQ_DIR_READ);
    assert_int_equal(b, TERN_IOREQ_READ << TERN_IOREQ_DIR_SHIFT);

    memset(&x, 0, sizeof(x));
    x.df = 1;
    memcpy(&b, (char *)&x + 6, 1);
    assert_int_equal(b, TERN_IOREQ_DF);

    memset(&x, 0, sizeof(x));
    x.pad1 = 1;
    memcpy(&b, (char *)&x + 6, 1);
    assert_int_equal(b, TERN_IOREQ_FLAGS_RESERVED);

    memset(&x, 0, sizeof(x));
    x.type = 0xab;
    memcpy(&b, (char *)&x + 7, 1);
    assert_int_equal(b, 0xab);
}

static void test_buf_ioreq_bits_match_bitfields(void **state)
{
    struct xen_style_buf_ioreq x;
    uint32_t w;
    _Static_assert(sizeof(x) == 8, "buf_ioreq is 8 bytes");

    memset(&x, 0, sizeof(x));
    x.type = 0xff;
    memcpy(&w, &x, 4);
    assert_int_equal(w, TERN_BUF_IOREQ_TYPE_MASK);

    memset(&x, 0, sizeof(x));
    x.pad = 1;
    memcpy(&w, &x, 4);
    assert_int_equal(w, 1u << 8);

    memset(&x, 0, sizeof(x));
    x.dir = 1;
    memcpy(&w, &x, 4);
    assert_int_equal(w, 1u << TERN_BUF_IOREQ_DIR_SHIFT);

    memset(&x, 0, sizeof(x));
    x.size = 3;
    memcpy(&w, &x, 4);
    assert_int_equal(w, TERN_BUF_IOREQ_SIZE_MASK << TERN_BUF_IOREQ_SIZE_SHIFT);

    memset(&x, 0, sizeof(x));
    x.addr = 0xfffff;
    memcpy(&w, &x, 4);
    assert_int_equal(w, TERN_BUF_IOREQ_ADDR_MASK << TERN_BUF_IOREQ_ADDR_SHIFT);
    assert_int_equal(w, 0xfffff000u);

    memset(&x, 0, sizeof(x));
    x.data = 0x12345678;
    assert_int_equal(offsetof(struct tern_buf_ioreq, data), 4);
    memcpy(&w, (char *)&x + 4, 4);
    assert_int_equal(w, 0x12345678);
}

static void test_buffered_page_offsets(void **state)
{
    assert_at(struct tern_buf_ioreq, hdr, 0);
    assert_at(struct tern_buf_ioreq, data, 4);
    assert_at(struct tern_buf_ioreq_page, read_pointer, 0);
    assert_at(struct tern_buf_ioreq_page, write_pointer, 4);
    assert_at(struct tern_buf_ioreq_page, pointers, 0);
    assert_at(struct tern_buf_ioreq_page, slot[0], 8);
    assert_at(struct tern_buf_ioreq_page, slot[TERN_BUF_IOREQ_SLOTS - 1],
              8 + 8 * 510);
    assert_int_equal(TERN_BUF_IOREQ_SLOTS, 511);
    assert_int_equal(sizeof(struct tern_buf_ioreq_page), 4096);
    /* The 64-bit view: read_pointer is its low half (little-endian). */
    struct tern_buf_ioreq_page pg;
    pg.read_pointer = 0x11111111;
    pg.write_pointer = 0x22222222;
    assert_true(pg.pointers == 0x2222222211111111ull);
}

static void test_ioreq_constants_are_xens(void **state)
{
    assert_int_equal(TERN_IOREQ_WRITE, 0);
    assert_int_equal(TERN_IOREQ_READ, 1);
    assert_int_equal(TERN_STATE_IOREQ_NONE, 0);
    assert_int_equal(TERN_STATE_IOREQ_READY, 1);
    assert_int_equal(TERN_STATE_IOREQ_INPROCESS, 2);
    assert_int_equal(TERN_STATE_IORESP_READY, 3);
    assert_int_equal(TERN_IOREQ_TYPE_PIO, 0);
    assert_int_equal(TERN_IOREQ_TYPE_COPY, 1);
    assert_int_equal(TERN_IOREQ_TYPE_PCI_CONFIG, 2);
    assert_int_equal(TERN_BUF_IOREQ_ADDR_LIMIT, 1u << 20);
}

static void test_dm_op_layout(void **state)
{
    assert_at(struct tern_dm_op, op, 0);
    assert_at(struct tern_dm_op, pad, 4);
    assert_at(struct tern_dm_op, u, 8);
    assert_int_equal(sizeof(struct tern_dm_op), 32);

    assert_at(struct tern_dmop_create_ioreq_server, handle_bufioreq, 0);
    assert_at(struct tern_dmop_create_ioreq_server, pad, 1);
    assert_at(struct tern_dmop_create_ioreq_server, id, 4);
    assert_int_equal(sizeof(struct tern_dmop_create_ioreq_server), 8);

    assert_at(struct tern_dmop_get_ioreq_server_info, id, 0);
    assert_at(struct tern_dmop_get_ioreq_server_info, flags, 2);
    assert_at(struct tern_dmop_get_ioreq_server_info, bufioreq_port, 4);
    assert_at(struct tern_dmop_get_ioreq_server_info, ioreq_va, 8);
    assert_at(struct tern_dmop_get_ioreq_server_info, bufioreq_va, 16);
    assert_int_equal(sizeof(struct tern_dmop_get_ioreq_server_info), 24);

    assert_at(struct tern_dmop_ioreq_server_range, id, 0);
    assert_at(struct tern_dmop_ioreq_server_range, flags, 2);
    assert_at(struct tern_dmop_ioreq_server_range, type, 4);
    assert_at(struct tern_dmop_ioreq_server_range, start, 8);
    assert_at(struct tern_dmop_ioreq_server_range, end, 16);
    assert_int_equal(sizeof(struct tern_dmop_ioreq_server_range), 24);

    assert_at(struct tern_dmop_set_ioreq_server_state, id, 0);
    assert_at(struct tern_dmop_set_ioreq_server_state, enabled, 2);
    assert_int_equal(sizeof(struct tern_dmop_set_ioreq_server_state), 4);
    assert_at(struct tern_dmop_destroy_ioreq_server, id, 0);
    assert_int_equal(sizeof(struct tern_dmop_destroy_ioreq_server), 4);
    assert_at(struct tern_dmop_set_isa_irq_level, isa_irq, 0);
    assert_at(struct tern_dmop_set_isa_irq_level, level, 1);
    assert_int_equal(sizeof(struct tern_dmop_set_isa_irq_level), 4);
    assert_at(struct tern_dmop_remote_shutdown, status, 0);
    assert_int_equal(sizeof(struct tern_dmop_remote_shutdown), 4);
    assert_int_equal(sizeof(ioservid_t), 2);
}

static void test_dm_op_numbers_are_xens(void **state)
{
    assert_int_equal(TERN_DMOP_create_ioreq_server, 1);
    assert_int_equal(TERN_DMOP_get_ioreq_server_info, 2);
    assert_int_equal(TERN_DMOP_map_io_range_to_ioreq_server, 3);
    assert_int_equal(TERN_DMOP_unmap_io_range_from_ioreq_server, 4);
    assert_int_equal(TERN_DMOP_set_ioreq_server_state, 5);
    assert_int_equal(TERN_DMOP_destroy_ioreq_server, 6);
    assert_int_equal(TERN_DMOP_set_isa_irq_level, 9);
    assert_int_equal(TERN_DMOP_remote_shutdown, 16);
    assert_int_equal(TERN_DMOP_IO_RANGE_PORT, 0);
    assert_int_equal(TERN_DMOP_IO_RANGE_MEMORY, 1);
    assert_int_equal(TERN_DMOP_IO_RANGE_PCI, 2);
    assert_int_equal(TERN_DMOP_BUFIOREQ_OFF, 0);
    assert_int_equal(TERN_DMOP_BUFIOREQ_ATOMIC, 2);
    assert_int_equal(TERN_HC_dm_op, 4);
    assert_int_equal(TERN_EEXIST, 17);
    assert_int_equal(TERN_EIO, 5);
}

static void test_pci_sbdf(void **state)
{
    assert_int_equal(TERN_DMOP_PCI_SBDF(0, 0, 0, 0), 0);
    assert_int_equal(TERN_DMOP_PCI_SBDF(0, 0, 1, 0), 0x8);
    assert_int_equal(TERN_DMOP_PCI_SBDF(0, 0, 0x1f, 7), 0xff);
    assert_int_equal(TERN_DMOP_PCI_SBDF(0, 0xff, 0, 0), 0xff00);
    assert_int_equal(TERN_DMOP_PCI_SBDF(0xffff, 0, 0, 0), 0xffff0000u);
    /* Out-of-range parts are cut to their field, never spill over. */
    assert_int_equal(TERN_DMOP_PCI_SBDF(0, 0, 0x20, 8), 0);
    assert_int_equal(TERN_DMOP_PCI_SBDF(0x1ffff, 0x1ff, 0, 0), 0xffffff00u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ioreq_offsets),
        cmocka_unit_test(test_ioreq_flag_bits_match_bitfields),
        cmocka_unit_test(test_buf_ioreq_bits_match_bitfields),
        cmocka_unit_test(test_buffered_page_offsets),
        cmocka_unit_test(test_ioreq_constants_are_xens),
        cmocka_unit_test(test_dm_op_layout),
        cmocka_unit_test(test_dm_op_numbers_are_xens),
        cmocka_unit_test(test_pci_sbdf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
