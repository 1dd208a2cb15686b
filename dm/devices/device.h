/*
 * dm/devices/device.h: what a device of the device model looks like, and
 * the bus that routes the guest's accesses to it (dm/devices/bus.c).
 *
 * A device is a struct of its own state plus a struct dm_device_ops: two
 * callbacks that take an offset into one of its ranges. It never calls
 * Tern itself: everything it needs of the world (raise an interrupt
 * line, print guest output, end the guest, the time) goes through the
 * struct dm_platform it was given at init. The host unit tests
 * (tests/dm/unit/test_<device>.c) give it a fake platform and check the
 * registers' behaviour; dm/main.c gives it the real one.
 *
 * Spaces: port I/O (addr is the port), MMIO (addr is guest-physical),
 * and PCI configuration space (addr is (SBDF << 32) | register, the
 * request address of include/public/ioreq.h).
 *
 * Context: ring 3, one thread: the DM's event loop calls devices one at
 * a time, so nothing here locks.
 */
#ifndef DM_DEVICE_H
#define DM_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The world around a device. Every callback gets 'ctx' first. */
struct dm_platform {
    void *ctx;
    /* Drive ISA interrupt line 0..15 (1 assert, 0 deassert). */
    void (*set_irq)(void *ctx, unsigned int isa_irq, int level);
    /* Guest output (a UART's transmitter, port 0xe9): Tern's console
     * prints it, line by line, prefixed with the guest's name. */
    void (*console_write)(void *ctx, const char *s, size_t len);
    /* End the guest with 'status' (isa-debug-exit). */
    void (*shutdown)(void *ctx, int status);
    /* Nanoseconds since Tern booted. */
    uint64_t (*now_ns)(void *ctx);
    /* A PCI device's memory BAR moved (the guest programmed it): the
     * DM re-claims the range with Tern and moves the bus entry. 'old'
     * or 'new' is 0 when the BAR was or becomes disabled/unassigned.
     * May be NULL (the unit tests). */
    void (*mmio_moved)(void *ctx, void *dev, uint64_t old_base,
                       uint64_t new_base, uint64_t size);
};

enum dm_space { DM_SPACE_PORT, DM_SPACE_MMIO, DM_SPACE_PCI, DM_SPACE_NR };

/*
 * A device's registers. 'offset' is the access address minus the first
 * address of the range it was registered with (for PCI: the register
 * number, 0..255 or 0..4095); 'size' is 1, 2, 4 or 8 and the access
 * lies wholly inside the range. read returns the value in its low
 * 'size' bytes (higher bytes are ignored).
 */
struct dm_device_ops {
    uint64_t (*read)(void *dev, uint64_t offset, unsigned int size);
    void (*write)(void *dev, uint64_t offset, unsigned int size,
                  uint64_t value);
};

/* ---- the bus (dm/devices/bus.c) ---- */

#define DM_BUS_MAX  64

struct dm_bus_entry {
    enum dm_space space;
    uint64_t first, last;           /* inclusive; PCI: SBDF values */
    const struct dm_device_ops *ops;
    void *dev;
    const char *name;
    uint64_t accesses;              /* reads and writes it took */
};

struct dm_bus {
    unsigned int nr;
    struct dm_bus_entry e[DM_BUS_MAX];
    uint64_t unclaimed;             /* accesses no entry held */
    unsigned int last;              /* the entry found last: tried first */
};

/* Register [first, last] of 'space' for a device. 0, or -1 when the
 * range overlaps one already on the bus, first > last, or the bus is
 * full. */
int dm_bus_add(struct dm_bus *bus, enum dm_space space, uint64_t first,
               uint64_t last, const struct dm_device_ops *ops, void *dev,
               const char *name);
/*
 * One access. For PORT and MMIO, the entry whose range holds all of
 * [addr, addr+size-1] gets it at offset addr - first; for PCI, the entry
 * whose SBDF range holds (addr >> 32) gets it at offset (addr & 0xfff).
 * A read fills *data (zero-extended from 'size' bytes). Returns false,
 * counting it in bus->unclaimed, when no entry holds it: then a read
 * gives all ones in 'size' bytes and a write is dropped.
 */
bool dm_bus_access(struct dm_bus *bus, enum dm_space space, uint64_t addr,
                   unsigned int size, bool write, uint64_t *data);

#endif
