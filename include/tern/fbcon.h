/*
 * include/tern/fbcon.h: the framebuffer console (kernel/fbcon.c) and its
 * built-in font (kernel/font8x16.c).
 *
 * The console mirrors every printk line, and the guests' output with it,
 * on the screen the loader left: a GOP framebuffer from the GNU-EFI
 * loader or GRUB-on-UEFI, a VBE framebuffer or the EGA text screen from
 * GRUB on a BIOS. A laptop without a COM port shows the boot log there.
 */
#ifndef TERN_FBCON_H
#define TERN_FBCON_H

#include <tern/boot_info.h>

#define FONT_W          8
#define FONT_H          16

/* The FONT_H rows of character c, bit 7 the leftmost pixel; bytes
 * outside 0x20-0x7e get a box. */
const uint8_t *font_glyph(unsigned char c);

/* Text grids beyond this use a font scaled 2x (or more): 256 columns is
 * 2048 pixels at 1x, so a 4K screen gets 16x32 characters. */
#define FBCON_MAX_COLS  256
#define FBCON_MAX_ROWS  96

/* Multiboot2's framebuffer types, which struct boot_framebuffer uses. */
#define FB_TYPE_INDEXED     0
#define FB_TYPE_RGB         1
#define FB_TYPE_EGA_TEXT    2

struct fbcon {
    uint8_t *fb;                /* the framebuffer, mapped */
    uint32_t pitch;             /* bytes per scan line (or text row) */
    uint32_t width, height;     /* pixels (text mode: cells) */
    unsigned int bytes_pp;      /* 2, 3 or 4; text mode: 2 per cell */
    bool text;                  /* EGA text: character + attribute cells */
    unsigned int scale;         /* each font pixel is scale x scale */
    uint32_t fg, bg;            /* pixel values in the screen's format */
    unsigned int cols, rows;    /* the character grid */
    unsigned int cx, cy;        /* the cursor, a cell */
    unsigned int dirty_lo, dirty_hi;    /* rows to compare, [lo, hi) */
    uint8_t esc;                /* state in an escape sequence */
    char want[FBCON_MAX_ROWS][FBCON_MAX_COLS];  /* the text to show */
    char shown[FBCON_MAX_ROWS][FBCON_MAX_COLS]; /* the text on the screen */
};

/*
 * Pure logic over a framebuffer at 'fb' (any memory: the unit test uses
 * a buffer). fbcon_setup() checks the format and clears the screen; 0 or
 * -EINVAL for a format it cannot draw (indexed colour, odd depths).
 * fbcon_put() writes text and then redraws the cells that changed.
 */
int fbcon_setup(struct fbcon *fc, void *fb, const struct boot_framebuffer *desc);
void fbcon_put(struct fbcon *fc, const char *s, size_t n);

/* Kernel side: take the loader's framebuffer (a message says why not),
 * and mirror console output there (kernel/console.c calls it). */
void fbcon_init(const struct boot_info *bi);
void fbcon_write(const char *s, size_t n);

#endif
