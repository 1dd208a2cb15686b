/*
 * dm/devices/i8042.h: the PC's 8042 keyboard controller, with no
 * keyboard and no mouse plugged in (dm/devices/i8042.c).
 *
 * dm/main.c registers, both with one struct i8042 as 'dev':
 *   PORT [0x60, 0x60]  i8042_data_ops  data: output buffer / input buffer
 *   PORT [0x64, 0x64]  i8042_cmd_ops   status (read) / command (write)
 *
 * (Port 0x61 between them is the PIT's port B, pit.h.) Bytes for the
 * guest raise ISA IRQ 1 (keyboard side) or IRQ 12 (mouse side) when the
 * command byte enables them. The controller's reset line (command 0xfe,
 * or bit 0 of the output port cleared) calls the 'reset' callback.
 */
#ifndef DM_I8042_H
#define DM_I8042_H

#include <device.h>

#define I8042_DATA_PORT     0x60
#define I8042_CMD_PORT      0x64
#define I8042_KBD_IRQ       1
#define I8042_AUX_IRQ       12

struct i8042 {
    const struct dm_platform *pf;
    void (*reset)(void *ctx);   /* called with pf->ctx; may be NULL */
    uint8_t ram[32];        /* controller RAM; ram[0] is the command byte */
    uint8_t outport;        /* output port: bit 0 reset (active low), 1 A20 */
    uint8_t out;            /* the output buffer (port 0x60 reads) */
    bool obf;               /* ... holds a byte the guest has not read */
    bool out_aux;           /* ... that came from the mouse side */
    bool out_timeout;       /* ... that reports a device time-out */
    uint8_t pending;        /* a command waiting for its data byte, or 0 */
    bool last_was_cmd;      /* status bit 3: the last write was to 0x64 */
    bool irq1, irq12;       /* the levels driven on IRQ 1 and IRQ 12 */
};

/* As a PC's firmware leaves it: command byte 0x65 (keyboard interrupt
 * on, system flag, translation, mouse port off), output buffer empty.
 * 'pf' must outlive the device. */
void i8042_init(struct i8042 *k, const struct dm_platform *pf,
                void (*reset)(void *ctx));

extern const struct dm_device_ops i8042_data_ops;
extern const struct dm_device_ops i8042_cmd_ops;

#endif
