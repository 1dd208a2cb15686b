/*
 * dm/devices/vga.h: the text screen of a VGA in its 80x25 colour text
 * mode, shown on Tern's console line by line (dm/devices/vga.c).
 *
 * dm/main.c registers MMIO [0xb8000, 0xbffff] with vga_ops and the
 * struct as 'dev', and calls vga_flush() on its timer tick and before
 * it exits.
 */
#ifndef DM_VGA_H
#define DM_VGA_H

#include <device.h>

#define VGA_TEXT_FIRST  0xb8000ull
#define VGA_TEXT_LAST   0xbffffull
#define VGA_WINDOW_SIZE 0x8000          /* 32 KiB */
#define VGA_COLS        80
#define VGA_ROWS        25

struct vga {
    const struct dm_platform *pf;
    /* The window as the guest wrote it; the screen is its first
     * VGA_COLS * VGA_ROWS (character, attribute) pairs. */
    uint8_t mem[VGA_WINDOW_SIZE];
    uint32_t dirty;                     /* bit r: row r changed */
};

/* A blank screen (spaces, light grey on black), nothing dirty; 'pf'
 * must outlive the device. */
void vga_init(struct vga *g, const struct dm_platform *pf);
/* Print each row changed since the last flush, unless it is blank. */
void vga_flush(struct vga *g);

extern const struct dm_device_ops vga_ops;

#endif
