/*
 * tests/unit/test_fbcon.c: the framebuffer console (kernel/fbcon.c) and
 * its font (kernel/font8x16.c), drawing into a buffer: the font's shape
 * rules, pixels of 16, 24 and 32 bits, wrapping and scrolling, redrawing
 * only what changed, EGA text cells, escape sequences, and formats the
 * console refuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "stub.h"
#include <tern/errno.h>
#include <tern/fbcon.h>

#define POISON 0xaa

static struct fbcon fc;
static uint8_t screen[4 * 64 * 48];

/* A 64x48 screen (8x3 cells), 32 bits a pixel, blue in the low byte as
 * OVMF's GOP has it. */
static const struct boot_framebuffer bgrx = {
    .pitch = 64 * 4, .width = 64, .height = 48, .bpp = 32, .type = FB_TYPE_RGB,
    .red_pos = 16, .red_size = 8, .green_pos = 8, .green_size = 8,
    .blue_pos = 0, .blue_size = 8,
};

static uint32_t pixel32(unsigned int x, unsigned int y)
{
    uint32_t v;
    memcpy(&v, screen + y * bgrx.pitch + x * 4, 4);
    return v;
}

/* The character drawn in cell (col, row) of the 32-bit screen, read
 * back with the font: 0 if no glyph matches. */
static int cell_at(unsigned int col, unsigned int row)
{
    uint8_t bits[FONT_H];
    for (unsigned int y = 0; y < FONT_H; y++) {
        bits[y] = 0;
        for (unsigned int x = 0; x < FONT_W; x++) {
            uint32_t v = pixel32(col * FONT_W + x, row * FONT_H + y);
            if (v == 0xc0c0c0)
                bits[y] |= (uint8_t)(0x80 >> x);
            else if (v != 0)
                return 0;
        }
    }
    for (int c = 0x20; c <= 0x7f; c++)
        if (!memcmp(bits, font_glyph((unsigned char)c), FONT_H))
            return c;
    return 0;
}

static void row_text(unsigned int row, char *out)
{
    for (unsigned int c = 0; c < fc.cols; c++) {
        int ch = cell_at(c, row);
        out[c] = ch ? (char)ch : '?';
    }
    out[fc.cols] = '\0';
}

static void setup_bgrx(void)
{
    memset(screen, POISON, sizeof(screen));
    assert_int_equal(fbcon_setup(&fc, screen, &bgrx), 0);
}

static void put(const char *s)
{
    fbcon_put(&fc, s, strlen(s));
}

static void test_font_shapes(void **state)
{
    /* Rows 0, 1 and 15 and column 7 are the gaps between characters;
     * every glyph is different, so a screenshot can be read back. */
    for (int c = 0x20; c <= 0x7f; c++) {
        const uint8_t *g = font_glyph((unsigned char)c);
        assert_int_equal(g[0] | g[1] | g[15], 0);
        for (int y = 0; y < FONT_H; y++)
            assert_int_equal(g[y] & 1, 0);
        for (int d = 0x20; d < c; d++)
            assert_memory_not_equal(g, font_glyph((unsigned char)d), FONT_H);
    }
    static const uint8_t blank[FONT_H];
    assert_memory_equal(font_glyph(' '), blank, FONT_H);
    /* Bytes outside ASCII's printable range all get DEL's box. */
    assert_ptr_equal(font_glyph(0x80), font_glyph(0x7f));
    assert_ptr_equal(font_glyph('\n'), font_glyph(0x7f));
    /* 'T': a bar on row 2, a stem below it. */
    assert_int_equal(font_glyph('T')[2], 0xfe);
    assert_int_equal(font_glyph('T')[7], 0x10);
}

static void test_setup_clears_and_sizes(void **state)
{
    setup_bgrx();
    assert_int_equal(fc.cols, 8);
    assert_int_equal(fc.rows, 3);
    assert_int_equal(fc.scale, 1);
    for (size_t i = 0; i < sizeof(screen); i++)
        assert_int_equal(screen[i], 0);
}

static void test_text_and_wrap(void **state)
{
    char row[16];
    setup_bgrx();
    put("Tern 0.1!");                   /* 9 characters on 8 columns */
    row_text(0, row);
    assert_string_equal(row, "Tern 0.1");
    row_text(1, row);
    assert_string_equal(row, "!       ");
    put("\rab\tc");                     /* CR, then a tab to column 8 */
    row_text(1, row);
    assert_string_equal(row, "ab      ");
    row_text(2, row);
    assert_string_equal(row, "c       ");
}

static void test_scroll(void **state)
{
    char row[16];
    setup_bgrx();
    put("one\ntwo\nthree\nfour");
    row_text(0, row);
    assert_string_equal(row, "two     ");
    row_text(1, row);
    assert_string_equal(row, "three   ");
    row_text(2, row);
    assert_string_equal(row, "four    ");
    put("\n\n\n");
    for (unsigned int r = 0; r < 3; r++) {
        row_text(r, row);
        assert_string_equal(row, "        ");
    }
}

static void poison_cell(unsigned int col, unsigned int row)
{
    for (unsigned int y = 0; y < FONT_H; y++)
        memset(screen + (row * FONT_H + y) * bgrx.pitch + col * FONT_W * 4,
               POISON, FONT_W * 4);
}

static void test_only_changed_cells_are_drawn(void **state)
{
    setup_bgrx();
    put("abc\nxbz\nlast");
    /* Poison cell (1, 0), 'b': writing elsewhere must not repaint it. */
    poison_cell(1, 0);
    put("!");
    assert_int_equal(cell_at(1, 0), 0);
    assert_int_equal(cell_at(4, 2), '!');
    /* A scroll moves "xbz" up: (0, 0) changes 'a' -> 'x' and is drawn,
     * (1, 0) stays 'b' and is not (still poisoned), (2, 0) 'c' -> 'z'. */
    put("\n");
    assert_int_equal(cell_at(0, 0), 'x');
    assert_int_equal(cell_at(1, 0), 0);
    assert_int_equal(cell_at(2, 0), 'z');
    /* A line that changes the cell repaints it. */
    put("\n");                          /* row 0 becomes "last!" */
    assert_int_equal(cell_at(1, 0), 'a');
}

static void test_escape_sequences_are_dropped(void **state)
{
    char row[16];
    setup_bgrx();
    put("\x1b[1;31mred\x1b[0m \x1b" "cok");
    row_text(0, row);
    assert_string_equal(row, "red ok  ");
}

static void test_24_and_16_bpp(void **state)
{
    static uint8_t small[3 * 16 * 16];
    struct boot_framebuffer rgb24 = {
        .pitch = 16 * 3, .width = 16, .height = 16, .bpp = 24,
        .type = FB_TYPE_RGB, .red_pos = 0, .red_size = 8, .green_pos = 8,
        .green_size = 8, .blue_pos = 16, .blue_size = 8,
    };
    assert_int_equal(fbcon_setup(&fc, small, &rgb24), 0);
    fbcon_put(&fc, "T", 1);
    /* 'T' row 2 is 0xfe: pixels 0-6 lit (3 bytes of 0xc0), pixel 7 not. */
    for (int x = 0; x < 7; x++)
        assert_int_equal(small[2 * rgb24.pitch + x * 3 + 1], 0xc0);
    assert_int_equal(small[2 * rgb24.pitch + 7 * 3], 0);

    static uint16_t small16[16 * 16];
    struct boot_framebuffer rgb565 = {
        .pitch = 16 * 2, .width = 16, .height = 16, .bpp = 16,
        .type = FB_TYPE_RGB, .red_pos = 11, .red_size = 5, .green_pos = 5,
        .green_size = 6, .blue_pos = 0, .blue_size = 5,
    };
    assert_int_equal(fbcon_setup(&fc, small16, &rgb565), 0);
    fbcon_put(&fc, "T", 1);
    uint16_t grey = (0xc0 >> 3) << 11 | (0xc0 >> 2) << 5 | 0xc0 >> 3;
    assert_int_equal(small16[2 * 16 + 0], grey);
    assert_int_equal(small16[2 * 16 + 7], 0);
}

static void test_ega_text(void **state)
{
    static uint16_t cells[80 * 25];
    struct boot_framebuffer ega = {
        .addr = 0xb8000, .pitch = 160, .width = 80, .height = 25, .bpp = 16,
        .type = FB_TYPE_EGA_TEXT,
    };
    assert_int_equal(fbcon_setup(&fc, cells, &ega), 0);
    assert_int_equal(cells[80 * 25 - 1], 0x0720);
    fbcon_put(&fc, "hi\x80", 3);
    assert_int_equal(cells[0], 0x0700 | 'h');
    assert_int_equal(cells[1], 0x0700 | 'i');
    assert_int_equal(cells[2], 0x07fe);     /* not ASCII: a box */
    for (int i = 0; i < 25; i++)
        fbcon_put(&fc, "\n", 1);
    assert_int_equal(cells[0], 0x0720);     /* scrolled away */
}

static void test_refused_formats(void **state)
{
    struct boot_framebuffer d = bgrx;
    d.type = FB_TYPE_INDEXED;
    assert_int_equal(fbcon_setup(&fc, screen, &d), -EINVAL);
    d = bgrx;
    d.bpp = 8;
    assert_int_equal(fbcon_setup(&fc, screen, &d), -EINVAL);
    d = bgrx;
    d.pitch = 63 * 4;                   /* shorter than a line */
    assert_int_equal(fbcon_setup(&fc, screen, &d), -EINVAL);
    d = bgrx;
    d.red_pos = 30;                     /* channel past the pixel */
    assert_int_equal(fbcon_setup(&fc, screen, &d), -EINVAL);
}

static void test_large_screen_scales_up(void **state)
{
    /* 2560x1600 would be 320 columns at 1x: the font doubles instead. */
    struct boot_framebuffer big = bgrx;
    big.width = 2560;
    big.height = 1600;
    big.pitch = 2560 * 4;
    uint8_t *mem = malloc((size_t)big.pitch * big.height);
    assert_non_null(mem);
    assert_int_equal(fbcon_setup(&fc, mem, &big), 0);
    assert_int_equal(fc.scale, 2);
    assert_int_equal(fc.cols, 160);
    assert_int_equal(fc.rows, 50);
    fbcon_put(&fc, "T", 1);
    /* 'T' row 2 at 2x: pixel rows 4-5, columns 0-13 lit, 14-15 not. */
    uint32_t v;
    memcpy(&v, mem + 5 * big.pitch + 13 * 4, 4);
    assert_int_equal(v, 0xc0c0c0);
    memcpy(&v, mem + 5 * big.pitch + 14 * 4, 4);
    assert_int_equal(v, 0);
    free(mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_font_shapes),
        cmocka_unit_test(test_setup_clears_and_sizes),
        cmocka_unit_test(test_text_and_wrap),
        cmocka_unit_test(test_scroll),
        cmocka_unit_test(test_only_changed_cells_are_drawn),
        cmocka_unit_test(test_escape_sequences_are_dropped),
        cmocka_unit_test(test_24_and_16_bpp),
        cmocka_unit_test(test_ega_text),
        cmocka_unit_test(test_refused_formats),
        cmocka_unit_test(test_large_screen_scales_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
