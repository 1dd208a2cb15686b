/*
 * dm/devices/i8042.c: the 8042 keyboard controller of a PC with nothing
 * plugged into its keyboard and mouse sockets: enough of the controller
 * for Linux's i8042 driver to find it, test it and find no devices
 * quickly, and for a guest to reset the machine through it.
 *
 * Interface (i8042.h): i8042_init, i8042_data_ops (port 0x60),
 * i8042_cmd_ops (port 0x64).
 *
 * The registers (the IBM PC AT and PS/2 technical references; bit names
 * as Linux's drivers/input/serio/i8042.h has them):
 *
 *   status (read 0x64): 0 OBF output buffer full  1 IBF input buffer
 *     full (always 0: the model takes each byte at once)  2 SYS system
 *     flag (the command byte's bit 2)  3 CMD the last write was to 0x64
 *     4 KEYLOCK keyboard not inhibited (always 1)  5 AUXDATA the byte
 *     came from the mouse side  6 TIMEOUT the device did not answer
 *     7 PARITY (always 0)
 *   command byte (controller RAM 0): 0 KBDINT  1 AUXINT  2 SYS
 *     3 IGNKEYLOCK  4 KBDDIS  5 AUXDIS  6 XLATE
 *   output port: 0 system reset (active low)  1 A20 gate
 *
 * Commands (write 0x64); "->" is the byte put in the output buffer:
 *   0x20-0x3f  read controller RAM byte (0x20: the command byte) ->
 *   0x60-0x7f  write controller RAM byte: the next data byte
 *   0xa7/0xa8  disable/enable the mouse port (AUXDIS)
 *   0xa9       mouse interface test -> 0x00 (no error)
 *   0xaa       controller self-test -> 0x55 (passed)
 *   0xab       keyboard interface test -> 0x00 (no error)
 *   0xad/0xae  disable/enable the keyboard port (KBDDIS)
 *   0xd0       read the output port ->
 *   0xd1       write the output port: the next data byte; bit 0 clear
 *              resets the machine
 *   0xd2/0xd3  the next data byte comes back as if from the keyboard /
 *              the mouse (the mouse-side loop-back that Linux tests)
 *   0xd4       the next data byte goes to the mouse
 *   0xf0-0xff  pulse the output port bits whose bit is 0 in the low
 *              nibble; bit 0 is the reset line: 0xfe resets, 0xff is a
 *              no-op (Linux sends it as a "null command")
 * Other commands are ignored.
 *
 * No devices: a byte written to port 0x60 with no command pending goes
 * to the keyboard, and one after 0xd4 to the mouse; nothing answers, so
 * the controller reports a time-out: the byte 0xfe with TIMEOUT set
 * (and AUXDATA for the mouse). Linux's PS/2 drivers take that as a
 * failed command at once and do not register a keyboard or a mouse; a
 * model that stayed silent would cost each probe command its full
 * time-out instead.
 *
 * IRQs: IRQ 1 is high while the output buffer holds a keyboard-side
 * byte and KBDINT is set; IRQ 12 likewise for a mouse-side byte and
 * AUXINT. Reading port 0x60 empties the buffer and drops the line.
 *
 * Not modelled: a queue (the buffer holds one byte; a new one replaces
 * a byte not yet read), scan-code translation (no keyboard sends any),
 * the A20 gate (the guest's A20 is always on; the bit is only stored),
 * the keyboard lock, active multiplexing (the loop-back echoes, so
 * Linux's test for a multiplexer finds none), the input port (0xc0).
 *
 * Context: ring 3, the DM's one thread (device.h); no locking.
 */
#include "i8042.h"

#define STS_OBF             (1u << 0)
#define STS_SYS             (1u << 2)
#define STS_CMD             (1u << 3)
#define STS_KEYLOCK         (1u << 4)
#define STS_AUXDATA         (1u << 5)
#define STS_TIMEOUT         (1u << 6)

#define CTR_KBDINT          (1u << 0)
#define CTR_AUXINT          (1u << 1)
#define CTR_SYS             (1u << 2)
#define CTR_KBDDIS          (1u << 4)
#define CTR_AUXDIS          (1u << 5)
#define CTR_XLATE           (1u << 6)

#define OUTPORT_RESET       (1u << 0)   /* 0 asserts the reset line */
#define OUTPORT_A20         (1u << 1)

enum {
    CMD_READ_RAM = 0x20, CMD_READ_RAM_LAST = 0x3f,
    CMD_WRITE_RAM = 0x60, CMD_WRITE_RAM_LAST = 0x7f,
    CMD_AUX_DISABLE = 0xa7, CMD_AUX_ENABLE = 0xa8, CMD_AUX_TEST = 0xa9,
    CMD_SELF_TEST = 0xaa, CMD_KBD_TEST = 0xab, CMD_KBD_DISABLE = 0xad,
    CMD_KBD_ENABLE = 0xae, CMD_READ_OUTPORT = 0xd0,
    CMD_WRITE_OUTPORT = 0xd1, CMD_KBD_LOOP = 0xd2, CMD_AUX_LOOP = 0xd3,
    CMD_AUX_SEND = 0xd4, CMD_PULSE = 0xf0, CMD_PULSE_LAST = 0xff,
};

#define RET_SELF_TEST_OK    0x55
#define RET_TEST_OK         0x00
#define RET_NO_ANSWER       0xfe

/* Drive IRQ 1 and IRQ 12 from the output buffer and the command byte,
 * telling the platform only of changes. */
static void i8042_update_irqs(struct i8042 *k)
{
    uint8_t ctr = k->ram[0];
    bool irq1 = k->obf && !k->out_aux && (ctr & CTR_KBDINT);
    bool irq12 = k->obf && k->out_aux && (ctr & CTR_AUXINT);

    if (irq1 != k->irq1) {
        k->irq1 = irq1;
        k->pf->set_irq(k->pf->ctx, I8042_KBD_IRQ, irq1);
    }
    if (irq12 != k->irq12) {
        k->irq12 = irq12;
        k->pf->set_irq(k->pf->ctx, I8042_AUX_IRQ, irq12);
    }
}

/* A byte for the guest, from the keyboard side or the mouse side. */
static void i8042_put(struct i8042 *k, uint8_t byte, bool aux, bool timeout)
{
    k->out = byte;
    k->obf = true;
    k->out_aux = aux;
    k->out_timeout = timeout;
    i8042_update_irqs(k);
}

static void i8042_reset_line(struct i8042 *k)
{
    if (k->reset)
        k->reset(k->pf->ctx);
}

static uint8_t i8042_status(const struct i8042 *k)
{
    uint8_t s = STS_KEYLOCK | (k->ram[0] & CTR_SYS ? STS_SYS : 0);

    if (k->last_was_cmd)
        s |= STS_CMD;
    if (k->obf)
        s |= STS_OBF | (k->out_aux ? STS_AUXDATA : 0) |
             (k->out_timeout ? STS_TIMEOUT : 0);
    return s;
}

/* ---- port 0x64: status and commands ---- */

static uint64_t i8042_cmd_read(void *dev, uint64_t offset, unsigned int size)
{
    (void)offset;
    (void)size;
    return i8042_status(dev);
}

static void i8042_command(struct i8042 *k, uint8_t cmd)
{
    switch (cmd) {
    case CMD_READ_RAM ... CMD_READ_RAM_LAST:
        i8042_put(k, k->ram[cmd - CMD_READ_RAM], false, false);
        break;
    case CMD_WRITE_RAM ... CMD_WRITE_RAM_LAST:
    case CMD_WRITE_OUTPORT:
    case CMD_KBD_LOOP:
    case CMD_AUX_LOOP:
    case CMD_AUX_SEND:
        k->pending = cmd;           /* the data byte follows at 0x60 */
        break;
    case CMD_AUX_DISABLE:   k->ram[0] |= CTR_AUXDIS; break;
    case CMD_AUX_ENABLE:    k->ram[0] &= (uint8_t)~CTR_AUXDIS; break;
    case CMD_KBD_DISABLE:   k->ram[0] |= CTR_KBDDIS; break;
    case CMD_KBD_ENABLE:    k->ram[0] &= (uint8_t)~CTR_KBDDIS; break;
    case CMD_AUX_TEST:
    case CMD_KBD_TEST:
        i8042_put(k, RET_TEST_OK, false, false);
        break;
    case CMD_SELF_TEST:
        i8042_put(k, RET_SELF_TEST_OK, false, false);
        break;
    case CMD_READ_OUTPORT:
        i8042_put(k, k->outport, false, false);
        break;
    case CMD_PULSE ... CMD_PULSE_LAST:
        if (!(cmd & OUTPORT_RESET))
            i8042_reset_line(k);
        break;
    default:
        break;                      /* not modelled: ignored */
    }
}

static void i8042_cmd_write(void *dev, uint64_t offset, unsigned int size,
                            uint64_t value)
{
    struct i8042 *k = dev;

    (void)offset;
    (void)size;
    k->last_was_cmd = true;
    k->pending = 0;                 /* a new command drops a waiting one */
    i8042_command(k, (uint8_t)value);
}

/* ---- port 0x60: data ---- */

static uint64_t i8042_data_read(void *dev, uint64_t offset, unsigned int size)
{
    struct i8042 *k = dev;

    (void)offset;
    (void)size;
    k->obf = false;
    i8042_update_irqs(k);
    return k->out;                  /* an empty buffer gives the last byte */
}

/* The data byte of a command that takes one ('cmd'), or with none
 * pending (cmd 0), a byte for the keyboard. */
static void i8042_data(struct i8042 *k, uint8_t cmd, uint8_t v)
{
    switch (cmd) {
    case CMD_WRITE_RAM ... CMD_WRITE_RAM_LAST:
        k->ram[cmd - CMD_WRITE_RAM] = v;
        i8042_update_irqs(k);       /* the interrupt enables may change */
        break;
    case CMD_WRITE_OUTPORT:
        k->outport = v;
        if (!(v & OUTPORT_RESET))
            i8042_reset_line(k);
        break;
    case CMD_KBD_LOOP:
        i8042_put(k, v, false, false);
        break;
    case CMD_AUX_LOOP:
        i8042_put(k, v, true, false);
        break;
    case CMD_AUX_SEND:
        i8042_put(k, RET_NO_ANSWER, true, true);     /* no mouse */
        break;
    default:
        i8042_put(k, RET_NO_ANSWER, false, true);    /* no keyboard */
        break;
    }
}

static void i8042_data_write(void *dev, uint64_t offset, unsigned int size,
                             uint64_t value)
{
    struct i8042 *k = dev;
    uint8_t cmd = k->pending;

    (void)offset;
    (void)size;
    k->last_was_cmd = false;
    k->pending = 0;
    i8042_data(k, cmd, (uint8_t)value);
}

const struct dm_device_ops i8042_data_ops = {
    .read = i8042_data_read,
    .write = i8042_data_write,
};

const struct dm_device_ops i8042_cmd_ops = {
    .read = i8042_cmd_read,
    .write = i8042_cmd_write,
};

void i8042_init(struct i8042 *k, const struct dm_platform *pf,
                void (*reset)(void *ctx))
{
    *k = (struct i8042){ .pf = pf, .reset = reset };
    k->ram[0] = CTR_KBDINT | CTR_SYS | CTR_AUXDIS | CTR_XLATE;
    k->outport = OUTPORT_RESET | OUTPORT_A20;
}
