/*
 * tests/unit/test_frame.c: the frame allocator built from memory maps
 * (kernel/mm/frame.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "stub.h"
#include <tern/boot_info.h>
#include <tern/mm.h>

#define MIB (1ul << 20)

static struct boot_info bi;
static uint8_t bitmap[64 * 1024];

static void add_region(uint64_t base, uint64_t len, uint32_t type)
{
    bi.memmap[bi.nr_memmap++] = (struct boot_mem_region){ base, len, type };
}

/* A PC-like map: low RAM, a BIOS hole, RAM from 1 MiB to 64 MiB. */
static void pc_map(void)
{
    memset(&bi, 0, sizeof(bi));
    add_region(0, 0x9fc00, BOOT_MEM_AVAILABLE);
    add_region(0x9fc00, 0x400, BOOT_MEM_RESERVED);
    add_region(0xf0000, 0x10000, BOOT_MEM_RESERVED);
    add_region(MIB, 63 * MIB, BOOT_MEM_AVAILABLE);
}

static void test_excludes_low_mib_kernel_modules_and_boot_data(void **state)
{
    pc_map();
    bi.modules[0] = (struct boot_module){ .start = 8 * MIB, .end = 8 * MIB + 100 };
    bi.nr_modules = 1;
    bi.loader_data_start = 9 * MIB + 0x10;
    bi.loader_data_end = 9 * MIB + 0x2000;
    struct phys_range kernel = { 2 * MIB, 3 * MIB, "kernel" };

    frame_init_bitmap(&bi, &kernel, 1, bitmap, frame_bitmap_bytes(&bi));

    assert_false(frame_is_free(0));
    assert_false(frame_is_free(0x9f000));           /* first MiB */
    assert_false(frame_is_free(2 * MIB));
    assert_false(frame_is_free(3 * MIB - 4096));    /* kernel */
    assert_true(frame_is_free(3 * MIB));
    assert_false(frame_is_free(8 * MIB));           /* module, partial frame */
    assert_true(frame_is_free(8 * MIB + 4096));
    assert_false(frame_is_free(9 * MIB));           /* boot info, rounded out */
    assert_false(frame_is_free(9 * MIB + 4096));
    assert_true(frame_is_free(9 * MIB + 8192));
    assert_false(frame_is_free(64 * MIB));          /* past RAM */

    struct frame_stats st;
    frame_get_stats(&st);
    /* 63 MiB of RAM less 1 MiB kernel, 1 module frame, 2 boot-info frames */
    assert_int_equal(st.total, (63 * MIB - 1 * MIB) / 4096 - 1 - 2);
    assert_int_equal(st.free, st.total);
    assert_int_equal(st.max_phys, 64 * MIB);
}

static void test_overlapping_reserved_entry_wins(void **state)
{
    pc_map();
    /* Firmware maps often overlap: a reserved entry inside RAM. */
    add_region(16 * MIB, 4096, BOOT_MEM_RESERVED);
    add_region(20 * MIB + 100, 10, BOOT_MEM_ACPI_NVS);
    frame_init_bitmap(&bi, NULL, 0, bitmap, frame_bitmap_bytes(&bi));
    assert_false(frame_is_free(16 * MIB));
    assert_true(frame_is_free(16 * MIB + 4096));
    assert_false(frame_is_free(20 * MIB));
}

static void test_partial_ram_frames_are_not_used(void **state)
{
    memset(&bi, 0, sizeof(bi));
    add_region(MIB + 100, 3 * 4096, BOOT_MEM_AVAILABLE);
    frame_init_bitmap(&bi, NULL, 0, bitmap, frame_bitmap_bytes(&bi));
    struct frame_stats st;
    frame_get_stats(&st);
    assert_int_equal(st.total, 2);      /* rounded inwards */
    assert_false(frame_is_free(MIB));
    assert_true(frame_is_free(MIB + 4096));
}

static void test_alloc_free_roundtrip(void **state)
{
    pc_map();
    frame_init_bitmap(&bi, NULL, 0, bitmap, frame_bitmap_bytes(&bi));
    struct frame_stats st0, st1;
    frame_get_stats(&st0);

    uint64_t a = frame_alloc(), b = frame_alloc();
    assert_true(a >= MIB && b >= MIB && a != b);
    assert_false(frame_is_free(a));
    frame_get_stats(&st1);
    assert_int_equal(st1.free, st0.free - 2);
    frame_free(a);
    assert_true(frame_is_free(a));
    /* The freed frame is found again first. */
    assert_int_equal(frame_alloc(), a);
    frame_free(a);
    frame_free(b);
    frame_get_stats(&st1);
    assert_int_equal(st1.free, st0.free);
}

static void test_contig_alignment(void **state)
{
    pc_map();
    frame_init_bitmap(&bi, NULL, 0, bitmap, frame_bitmap_bytes(&bi));
    uint64_t one = frame_alloc();           /* disturb the start */
    uint64_t big = frame_alloc_contig(8, 2 * MIB);
    assert_true(big != 0);
    assert_int_equal(big % (2 * MIB), 0);
    for (int i = 0; i < 8; i++)
        assert_false(frame_is_free(big + i * 4096));
    assert_true(frame_is_free(big + 8 * 4096));
    frame_free_contig(big, 8);
    frame_free(one);
}

static void test_exhaustion_returns_zero(void **state)
{
    memset(&bi, 0, sizeof(bi));
    add_region(MIB, 4 * 4096, BOOT_MEM_AVAILABLE);
    frame_init_bitmap(&bi, NULL, 0, bitmap, frame_bitmap_bytes(&bi));
    for (int i = 0; i < 4; i++)
        assert_true(frame_alloc() != 0);
    assert_int_equal(frame_alloc(), 0);
    assert_int_equal(frame_alloc_contig(2, 4096), 0);
}

static void test_double_free_panics(void **state)
{
    pc_map();
    frame_init_bitmap(&bi, NULL, 0, bitmap, frame_bitmap_bytes(&bi));
    uint64_t a = frame_alloc();
    frame_free(a);
    stub_reset();
    assert_true(EXPECT_PANIC(frame_free(a)));
    assert_non_null(strstr(stub_panic_msg, "double free"));
    assert_true(EXPECT_PANIC(frame_free(a + 1)));   /* unaligned */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_excludes_low_mib_kernel_modules_and_boot_data),
        cmocka_unit_test(test_overlapping_reserved_entry_wins),
        cmocka_unit_test(test_partial_ram_frames_are_not_used),
        cmocka_unit_test(test_alloc_free_roundtrip),
        cmocka_unit_test(test_contig_alignment),
        cmocka_unit_test(test_exhaustion_returns_zero),
        cmocka_unit_test(test_double_free_panics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
