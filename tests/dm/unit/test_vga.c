/*
 * tests/dm/unit/test_vga.c: host unit tests of the VGA text screen
 * (dm/devices/vga.c): which writes mark rows dirty, what vga_flush()
 * prints for them (one console_write per line, trimmed, unprintable
 * bytes as '.'), and reads of the stored window at every width.
 *
 * Built by `make -f dm/Makefile units` (see dm/Makefile). The fake
 * platform (fake_platform.h) collects console output, counts the calls
 * and checks that each is one whole line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <device.h>
#include <vga.h>

#include "fake_platform.h"

static struct vga vga;
static struct dm_bus bus;

static int setup(void **state)
{
    (void)state;
    fake_init();
    fake.console_lines = true;
    memset(&bus, 0, sizeof(bus));
    vga_init(&vga, &fake_platform);
    assert_int_equal(dm_bus_add(&bus, DM_SPACE_MMIO, VGA_TEXT_FIRST,
                                VGA_TEXT_LAST, &vga_ops, &vga, "vga"), 0);
    return 0;
}

static void mmio_write(uint64_t offset, unsigned int size, uint64_t value)
{
    assert_true(dm_bus_access(&bus, DM_SPACE_MMIO, VGA_TEXT_FIRST + offset,
                              size, true, &value));
}

static uint64_t mmio_read(uint64_t offset, unsigned int size)
{
    uint64_t value;
    assert_true(dm_bus_access(&bus, DM_SPACE_MMIO, VGA_TEXT_FIRST + offset,
                              size, false, &value));
    return value;
}

/* Write a string into row 'row' from column 'col' a cell (2 bytes) at a
 * time, white on blue, the way a guest's putchar does. */
static void put(unsigned int row, unsigned int col, const char *s)
{
    for (; *s; s++, col++)
        mmio_write((row * 80 + col) * 2, 2, 0x1f00 | (uint8_t)*s);
}

/* Append to 'buf' the line vga_flush() prints for a row holding 'text'
 * from column 'col', blanks before it. */
static void expect_line(char *buf, size_t size, unsigned int row,
                        unsigned int col, const char *text)
{
    size_t len = strlen(buf);
    snprintf(buf + len, size - len, "vga: row %02u: %*s%s\n", row, (int)col,
             "", text);
}

static void flush(void)
{
    fake.outlen = 0;
    fake.out[0] = 0;
    fake.console_calls = 0;
    vga_flush(&vga);
}

/* ---- tests ---- */

static void test_vga_starts_blank(void **state)
{
    (void)state;
    flush();
    assert_int_equal(fake.console_calls, 0);
    assert_int_equal(mmio_read(0, 2), 0x0720);  /* space, grey on black */
    assert_int_equal(mmio_read(3998, 2), 0x0720);
}

static void test_vga_row_printed_once(void **state)
{
    (void)state;
    put(0, 0, "Hello, world");
    flush();
    assert_string_equal(fake.out, "vga: row 00: Hello, world\n");
    assert_int_equal(fake.console_calls, 1);
    flush();                                    /* clean now */
    assert_int_equal(fake.console_calls, 0);

    /* Rewriting the same characters changes nothing. */
    put(0, 0, "Hello");
    flush();
    assert_int_equal(fake.console_calls, 0);
}

static void test_vga_rows_in_order(void **state)
{
    (void)state;
    put(24, 70, "bottom");
    put(7, 4, "indented");
    put(10, 0, "ten");
    flush();
    /* Written out once in full: 70 blanks before "bottom". */
    assert_string_equal(fake.out, "vga: row 07:     indented\n"
                                  "vga: row 10: ten\n"
                                  "vga: row 24: "
                                  "                                        "
                                  "                              bottom\n");
    assert_int_equal(fake.console_calls, 3);
}

static void test_vga_trim_and_unprintable(void **state)
{
    (void)state;
    /* Trailing spaces and NULs go; NUL inside shows as a space; bytes
     * outside 0x20..0x7e as '.'. */
    put(3, 0, "a\x01" "b\x7f" "c\xdb" "d   ");
    mmio_write((3 * 80 + 8) * 2, 1, 0);        /* a NUL at column 8 */
    put(3, 9, "e");
    mmio_write((3 * 80 + 10) * 2, 1, 0);       /* trailing NUL */
    flush();
    assert_string_equal(fake.out, "vga: row 03: a.b.c.d  e\n");

    /* A full row of 80 characters, none trimmed. */
    char full[81];
    for (int i = 0; i < 80; i++)
        full[i] = (char)('0' + i % 10);
    full[80] = 0;
    put(12, 0, full);
    flush();
    char want[128] = "";
    expect_line(want, sizeof(want), 12, 0, full);
    assert_string_equal(fake.out, want);
}

static void test_vga_blank_rows_not_printed(void **state)
{
    (void)state;
    put(5, 0, "text");
    flush();
    /* Cleared again: dirty, but blank, so nothing is printed. */
    put(5, 0, "    ");
    flush();
    assert_int_equal(fake.console_calls, 0);
    /* NULs count as blank too. */
    mmio_write(5 * 160, 8, 0x0700070007000700ull);
    flush();
    assert_int_equal(fake.console_calls, 0);
}

static void test_vga_attribute_only_not_dirty(void **state)
{
    (void)state;
    put(1, 0, "x");
    flush();
    mmio_write(1 * 160 + 1, 1, 0x4e);           /* colour of 'x' */
    flush();
    assert_int_equal(fake.console_calls, 0);
    assert_int_equal(mmio_read(160, 2), 0x4e78);
}

static void test_vga_wide_writes(void **state)
{
    (void)state;
    /* 4 and 8 bytes at once: two and four cells. */
    mmio_write(2 * 160, 4, 0x07690748);         /* "Hi" */
    mmio_write(2 * 160 + 4, 8, 0x0721072107210720ull);  /* " !!!" */
    /* One 8-byte write across the end of row 0 into row 1. */
    mmio_write(158, 8, 0x0741074107410741ull);
    flush();
    char want[512] = "";
    expect_line(want, sizeof(want), 0, 79, "A");
    expect_line(want, sizeof(want), 1, 0, "AAA");
    expect_line(want, sizeof(want), 2, 0, "Hi !!!");
    assert_string_equal(fake.out, want);
}

static void test_vga_reads_and_rest_of_window(void **state)
{
    (void)state;
    mmio_write(0x10, 8, 0x8877665544332211ull);
    assert_int_equal(mmio_read(0x10, 1), 0x11);
    assert_int_equal(mmio_read(0x11, 2), 0x3322);
    assert_int_equal(mmio_read(0x12, 4), 0x66554433);
    assert_int_equal(mmio_read(0x10, 8), 0x8877665544332211ull);
    flush();
    assert_int_equal(fake.console_calls, 1);    /* row 0 */

    /* Past the 80x25 screen: stored, read back, never shown. */
    mmio_write(4000, 2, 0x0758);
    mmio_write(0x7ff8, 8, 0x0102030405060708ull);
    assert_int_equal(mmio_read(4000, 2), 0x0758);
    assert_int_equal(mmio_read(0x7ff8, 8), 0x0102030405060708ull);
    flush();
    assert_int_equal(fake.console_calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_vga_starts_blank, setup),
        cmocka_unit_test_setup(test_vga_row_printed_once, setup),
        cmocka_unit_test_setup(test_vga_rows_in_order, setup),
        cmocka_unit_test_setup(test_vga_trim_and_unprintable, setup),
        cmocka_unit_test_setup(test_vga_blank_rows_not_printed, setup),
        cmocka_unit_test_setup(test_vga_attribute_only_not_dirty, setup),
        cmocka_unit_test_setup(test_vga_wide_writes, setup),
        cmocka_unit_test_setup(test_vga_reads_and_rest_of_window, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
