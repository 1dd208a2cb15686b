/*
 * dm/devices/vga.c: a VGA's text screen, mirrored onto Tern's console.
 *
 * Interface (vga.h): vga_init, vga_flush, and vga_ops for MMIO
 * [0xb8000, 0xbffff], the 32 KiB window of colour text mode.
 *
 * The screen is 80 columns by 25 rows of 2-byte cells at the start of
 * the window: the character (code page 437) at the even address, its
 * colour attribute at the odd one; row r starts at offset 160 * r. The
 * rest of the window (other display pages) is stored and read back but
 * never shown.
 *
 * What is modelled: writes and reads of 1, 2, 4 or 8 bytes, little
 * endian, into a copy of the window. A write that changes a character
 * of the screen marks its row dirty; vga_flush() then prints each dirty
 * row that is not blank as one line,
 *
 *   vga: row 07: Hello, world
 *
 * with the row number in two digits, trailing blanks cut, character 0
 * (which a VGA draws blank) shown as a space, and every other byte
 * outside printable ASCII (0x20..0x7e) as '.'. A row is blank when all
 * its characters are spaces or 0. Attribute changes alone mark nothing:
 * a text console cannot show colours. Guests write text a cell or a
 * word at a time, and these writes come through the buffered ioreq
 * ring, so printing is left to vga_flush(), which dm/main.c calls on its
 * timer tick: a row written many times between two ticks prints once.
 *
 * What is not: the VGA's registers (ports 0x3c0-0x3df: CRTC start
 * address, cursor, modes), so the display always starts at offset 0;
 * graphics modes; fonts and colours; blinking.
 *
 * Context: ring 3, the DM's one thread (device.h); no locking.
 */
#include <lib.h>

#include "vga.h"

#define VGA_ROW_BYTES   (VGA_COLS * 2)
#define VGA_TEXT_BYTES  (VGA_ROWS * VGA_ROW_BYTES)

static uint64_t vga_read(void *dev, uint64_t offset, unsigned int size)
{
    struct vga *g = dev;
    uint64_t v = 0;

    if (offset + size > VGA_WINDOW_SIZE)
        return ~0ull;               /* not registered that wide */
    for (unsigned int i = 0; i < size; i++)
        v |= (uint64_t)g->mem[offset + i] << (8 * i);
    return v;
}

static void vga_write(void *dev, uint64_t offset, unsigned int size,
                      uint64_t value)
{
    struct vga *g = dev;

    if (offset + size > VGA_WINDOW_SIZE)
        return;
    for (unsigned int i = 0; i < size; i++) {
        uint64_t at = offset + i;
        uint8_t byte = (uint8_t)(value >> (8 * i));

        /* Characters sit at even offsets. */
        if (at < VGA_TEXT_BYTES && !(at & 1) && g->mem[at] != byte)
            g->dirty |= 1u << (at / VGA_ROW_BYTES);
        g->mem[at] = byte;
    }
}

const struct dm_device_ops vga_ops = {
    .read = vga_read,
    .write = vga_write,
};

static bool vga_blank(uint8_t c)
{
    return c == ' ' || c == 0;
}

/* Print row 'row' as a line, or nothing when it is blank. */
static void vga_print_row(struct vga *g, unsigned int row)
{
    const uint8_t *cell = &g->mem[row * VGA_ROW_BYTES];
    unsigned int len = VGA_COLS;
    char line[sizeof("vga: row 99: \n") + VGA_COLS];

    while (len && vga_blank(cell[2 * (len - 1)]))
        len--;
    if (!len)
        return;

    int n = snprintf(line, sizeof(line), "vga: row %02u: ", row);
    for (unsigned int col = 0; col < len; col++) {
        uint8_t c = cell[2 * col];
        line[n++] = c == 0 ? ' ' : (c >= 0x20 && c <= 0x7e) ? (char)c : '.';
    }
    line[n++] = '\n';
    g->pf->console_write(g->pf->ctx, line, (size_t)n);
}

void vga_flush(struct vga *g)
{
    for (unsigned int row = 0; row < VGA_ROWS; row++)
        if (g->dirty & (1u << row))
            vga_print_row(g, row);
    g->dirty = 0;
}

void vga_init(struct vga *g, const struct dm_platform *pf)
{
    memset(g, 0, sizeof(*g));
    g->pf = pf;
    /* What a BIOS leaves: spaces, light grey (7) on black. */
    for (unsigned int i = 0; i < VGA_TEXT_BYTES; i += 2) {
        g->mem[i] = ' ';
        g->mem[i + 1] = 0x07;
    }
}
