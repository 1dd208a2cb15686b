/*
 * dm/devices/debugport.c: two write-only ports that let a guest print
 * and stop without a UART driver; Bochs and QEMU have both, and guest
 * test code commonly uses them.
 *
 * Interface (debugport.h): debugport_init, and two ops tables:
 *
 *   debugcon_ops   port 0xe9, the debug console (Bochs' "port e9
 *                  hack", QEMU's debugcon). A byte written goes to the
 *                  platform's console_write; a read returns 0xe9, which
 *                  is how a guest tells the port is there (an empty port
 *                  reads 0xff).
 *   debugexit_ops  ports 0xf4..0xf7, isa-debug-exit. A write of any size
 *                  ends the guest: the platform's shutdown with the low
 *                  byte of the value as the status. Reads return all
 *                  ones. (QEMU turns value v into exit code (v << 1) | 1;
 *                  Tern passes v & 0xff on, and what a shutdown status
 *                  means is Tern's business.)
 *
 * The two tables take the same struct debugport as 'dev'.
 *
 * A write to 0xe9 wider than a byte prints its low byte only; the port
 * is registered one byte wide, so the bus lets no wider access through.
 *
 * Context: ring 3, the DM's one thread (device.h); no locking.
 */
#include "debugport.h"

static uint64_t debugport_con_read(void *dev, uint64_t offset,
                                   unsigned int size)
{
    (void)dev;
    (void)offset;
    (void)size;
    return DEBUGPORT_CON_PORT;
}

static void debugport_con_write(void *dev, uint64_t offset,
                                unsigned int size, uint64_t value)
{
    struct debugport *d = dev;
    char c = (char)value;

    (void)offset;
    (void)size;
    d->pf->console_write(d->pf->ctx, &c, 1);
}

static uint64_t debugport_exit_read(void *dev, uint64_t offset,
                                    unsigned int size)
{
    (void)dev;
    (void)offset;
    (void)size;
    return ~0ull;                   /* the bus cuts it to 'size' bytes */
}

static void debugport_exit_write(void *dev, uint64_t offset,
                                 unsigned int size, uint64_t value)
{
    struct debugport *d = dev;

    (void)offset;
    (void)size;
    d->pf->shutdown(d->pf->ctx, (int)(value & 0xff));
}

const struct dm_device_ops debugcon_ops = {
    .read = debugport_con_read,
    .write = debugport_con_write,
};

const struct dm_device_ops debugexit_ops = {
    .read = debugport_exit_read,
    .write = debugport_exit_write,
};

void debugport_init(struct debugport *d, const struct dm_platform *pf)
{
    d->pf = pf;
}
