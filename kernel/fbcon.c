/*
 * kernel/fbcon.c: the framebuffer console, a mirror of printk on screen.
 *
 * Interface (include/tern/fbcon.h): fbcon_init() once at boot, right
 * after console_init(), so the screen shows the log from its first line;
 * fbcon_write() from the console for every line it writes.
 *
 * The console keeps two character grids: 'want', the text as it should
 * read, and 'shown', the text as drawn. Writing and scrolling change only
 * 'want' (scrolling is a memmove of a few KiB of characters, not of
 * megabytes of pixels); then the rows touched are compared and only the
 * cells whose character changed are drawn. The framebuffer is never read
 * (reads from video memory are slow) and nothing waits: a line costs at
 * most one repaint of the cells that differ, bounded by the screen size,
 * so a guest printing from the VM-exit path is never held up for long.
 *
 * Pixels are 16, 24 or 32 bits in any RGB layout the loader describes;
 * an EGA text screen (GRUB on a BIOS) gets character cells instead. The
 * framebuffer is reached through the direct map, which covers the first
 * 4 GiB from the early page tables on, so the screen works before
 * paging_init(). Its PAT type there is write-back, which defers to the
 * MTRRs that firmware sets uncached or write-combining for video memory
 * (Intel SDM Vol. 3A, "Memory Type Setting for ... PAT and MTRRs").
 *
 * Context: fbcon_write() runs under console_lock with interrupts masked
 * (printk), or without it from panic(); fbcon_busy keeps a fault inside
 * the drawing code from recursing into it.
 */
#include <tern/console.h>
#include <tern/errno.h>
#include <tern/fbcon.h>
#include <tern/lib.h>
#include <tern/mm.h>

#define EGA_ATTR        0x07    /* light grey on black */
#define EGA_BOX         0xfe    /* a small square in code page 437 */
#define FG_LEVEL        0xc0    /* light grey, as the EGA text screen */
#define TAB_STOP        8
#define DIRECT_MAP_LIMIT 0x100000000ul

enum { ESC_NONE, ESC_SEEN, ESC_CSI };

/* An 8-bit colour level scaled into a channel of 'size' bits at 'pos'. */
static uint32_t channel(uint8_t level, uint8_t pos, uint8_t size)
{
    uint32_t v = size >= 8 ? (uint32_t)level << (size - 8)
                           : (uint32_t)level >> (8 - size);
    return v << pos;
}

static uint32_t pack_grey(const struct boot_framebuffer *d, uint8_t level)
{
    return channel(level, d->red_pos, d->red_size) |
           channel(level, d->green_pos, d->green_size) |
           channel(level, d->blue_pos, d->blue_size);
}

static bool channel_ok(uint8_t pos, uint8_t size, unsigned int bpp)
{
    return size > 0 && size <= 16 && pos + size <= bpp;
}

static void put_pixel(const struct fbcon *fc, uint8_t *p, uint32_t v)
{
    switch (fc->bytes_pp) {
    case 4:
        *(uint32_t *)p = v;
        break;
    case 3:
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
        p[2] = (uint8_t)(v >> 16);
        break;
    default:
        *(uint16_t *)p = (uint16_t)v;
        break;
    }
}

static void draw_cell(const struct fbcon *fc, unsigned int row,
                      unsigned int col, unsigned char ch)
{
    if (fc->text) {
        if (ch < 0x20 || ch > 0x7e)
            ch = EGA_BOX;
        uint16_t *cell = (uint16_t *)(fc->fb + row * fc->pitch + col * 2);
        *cell = (uint16_t)(ch | EGA_ATTR << 8);
        return;
    }
    const uint8_t *glyph = font_glyph(ch);
    unsigned int s = fc->scale;
    uint8_t *line = fc->fb + (size_t)row * FONT_H * s * fc->pitch +
                    (size_t)col * FONT_W * s * fc->bytes_pp;
    for (unsigned int y = 0; y < FONT_H * s; y++, line += fc->pitch) {
        uint8_t bits = glyph[y / s];
        for (unsigned int x = 0; x < FONT_W * s; x++)
            put_pixel(fc, line + x * fc->bytes_pp,
                      bits & (0x80u >> (x / s)) ? fc->fg : fc->bg);
    }
}

/* Repaint the cells of the dirty rows whose character changed. */
static void fbcon_draw(struct fbcon *fc)
{
    for (unsigned int r = fc->dirty_lo; r < fc->dirty_hi; r++) {
        for (unsigned int c = 0; c < fc->cols; c++) {
            if (fc->want[r][c] != fc->shown[r][c]) {
                draw_cell(fc, r, c, (unsigned char)fc->want[r][c]);
                fc->shown[r][c] = fc->want[r][c];
            }
        }
    }
    fc->dirty_lo = fc->rows;
    fc->dirty_hi = 0;
}

static void mark_dirty(struct fbcon *fc, unsigned int lo, unsigned int hi)
{
    fc->dirty_lo = MIN(fc->dirty_lo, lo);
    fc->dirty_hi = MAX(fc->dirty_hi, hi);
}

static void newline(struct fbcon *fc)
{
    fc->cx = 0;
    if (fc->cy + 1 < fc->rows) {
        fc->cy++;
        return;
    }
    /* Scroll the text, not the pixels: fbcon_draw() repaints what moved. */
    memmove(fc->want[0], fc->want[1], (size_t)(fc->rows - 1) * FBCON_MAX_COLS);
    memset(fc->want[fc->rows - 1], ' ', FBCON_MAX_COLS);
    fc->cy = fc->rows - 1;
    mark_dirty(fc, 0, fc->rows);
}

/* ANSI escape sequences (colours, cursor moves) are dropped, not shown:
 * ESC, then either one character or '[' parameters and a final byte in
 * 0x40-0x7e (ECMA-48, "Control Sequences"). True if 'c' was consumed. */
static bool skip_escape(struct fbcon *fc, unsigned char c)
{
    if (c == 0x1b) {
        fc->esc = ESC_SEEN;
        return true;
    }
    if (fc->esc == ESC_NONE || c < 0x20) {
        fc->esc = ESC_NONE;             /* a control ends a broken one */
        return false;
    }
    if (fc->esc == ESC_SEEN)
        fc->esc = c == '[' ? ESC_CSI : ESC_NONE;
    else if (c >= 0x40 && c <= 0x7e)
        fc->esc = ESC_NONE;
    return true;
}

static void put_char(struct fbcon *fc, unsigned char c)
{
    if (skip_escape(fc, c))
        return;
    switch (c) {
    case '\n':
        newline(fc);
        return;
    case '\r':
        fc->cx = 0;
        return;
    case '\b':
        if (fc->cx)
            fc->cx--;
        return;
    case '\t':
        fc->cx = MIN(ALIGN_UP(fc->cx + 1, TAB_STOP), fc->cols);
        return;
    }
    if (c < 0x20)
        return;                         /* other controls: nothing */
    if (fc->cx >= fc->cols)
        newline(fc);                    /* wrap a long line */
    fc->want[fc->cy][fc->cx++] = (char)c;
    mark_dirty(fc, fc->cy, fc->cy + 1);
}

void fbcon_put(struct fbcon *fc, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_char(fc, (unsigned char)s[i]);
    fbcon_draw(fc);
}

/* The format checks of fbcon_setup(), for a pixel framebuffer. */
static int setup_pixels(struct fbcon *fc, const struct boot_framebuffer *d)
{
    fc->bytes_pp = (d->bpp + 7u) / 8;
    if (fc->bytes_pp < 2 || fc->bytes_pp > 4 ||
        d->pitch < (uint64_t)d->width * fc->bytes_pp ||
        d->width < FONT_W || d->height < FONT_H ||
        !channel_ok(d->red_pos, d->red_size, d->bpp) ||
        !channel_ok(d->green_pos, d->green_size, d->bpp) ||
        !channel_ok(d->blue_pos, d->blue_size, d->bpp))
        return -EINVAL;
    fc->scale = 1;
    while (d->width / (FONT_W * fc->scale) > FBCON_MAX_COLS ||
           d->height / (FONT_H * fc->scale) > FBCON_MAX_ROWS)
        fc->scale++;
    fc->cols = d->width / (FONT_W * fc->scale);
    fc->rows = d->height / (FONT_H * fc->scale);
    fc->fg = pack_grey(d, FG_LEVEL);
    fc->bg = pack_grey(d, 0);
    return 0;
}

int fbcon_setup(struct fbcon *fc, void *fb, const struct boot_framebuffer *d)
{
    memset(fc, 0, sizeof(*fc));
    fc->fb = fb;
    fc->pitch = d->pitch;
    fc->width = d->width;
    fc->height = d->height;
    if (d->type == FB_TYPE_EGA_TEXT) {
        if (d->pitch < d->width * 2u || d->width == 0 || d->height == 0)
            return -EINVAL;
        fc->text = true;
        fc->bytes_pp = 2;
        fc->cols = MIN(d->width, (uint32_t)FBCON_MAX_COLS);
        fc->rows = MIN(d->height, (uint32_t)FBCON_MAX_ROWS);
    } else if (d->type != FB_TYPE_RGB || setup_pixels(fc, d)) {
        return -EINVAL;
    }

    /* Blank the whole screen once: the grid is all spaces, and so is
     * every cell, including the margin the grid does not cover. */
    memset(fc->want, ' ', sizeof(fc->want));
    memset(fc->shown, ' ', sizeof(fc->shown));
    for (uint32_t y = 0; y < d->height; y++) {
        uint8_t *line = fc->fb + (size_t)y * fc->pitch;
        for (uint32_t x = 0; x < d->width; x++) {
            if (fc->text)
                *(uint16_t *)(line + x * 2) = ' ' | EGA_ATTR << 8;
            else
                put_pixel(fc, line + x * fc->bytes_pp, fc->bg);
        }
    }
    fc->dirty_lo = fc->rows;
    return 0;
}

#ifndef UNIT_TEST
/* The screen; console_lock serialises fbcon_write() but for panic(). */
static struct fbcon fbcon;
static bool fbcon_on;
static bool fbcon_busy;

void fbcon_init(const struct boot_info *bi)
{
    const struct boot_framebuffer *d = &bi->fb;

    if (!bi->has_framebuffer)
        return;
    if (d->addr + (uint64_t)d->pitch * d->height > DIRECT_MAP_LIMIT) {
        pr_warn("fbcon: the framebuffer at %#lx lies above 4 GiB; no screen "
                "console (firmware setup: turn off \"Above 4G decoding\")\n",
                d->addr);
        return;
    }
    if (fbcon_setup(&fbcon, phys_to_virt(d->addr), d)) {
        pr_warn("fbcon: cannot draw on a type %u, %u bpp framebuffer; no "
                "screen console\n", d->type, d->bpp);
        return;
    }
    fbcon_on = true;
}

void fbcon_write(const char *s, size_t n)
{
    if (!fbcon_on || fbcon_busy)
        return;
    fbcon_busy = true;
    fbcon_put(&fbcon, s, n);
    fbcon_busy = false;
}
#endif
