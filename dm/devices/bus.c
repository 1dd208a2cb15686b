/*
 * dm/devices/bus.c: the device model's I/O bus: which device gets an
 * access the guest made.
 *
 * Interface (dm/devices/device.h):
 *   dm_bus_add     register [first, last] of one space for a device
 *   dm_bus_access  route one read or write to the device that holds it
 *
 * The bus is a short array (DM_BUS_MAX entries) searched in order: a PC
 * has a dozen devices, and a linear walk over them costs less than the
 * trip through Tern that brought the access here. Ranges of one space
 * never overlap (dm_bus_add refuses that), so at most one entry can hold
 * an access and the order of the walk does not matter.
 *
 * What a device may assume, because the bus checks it:
 *   - 'size' is 1, 2, 4 or 8; any other size is treated as unclaimed.
 *   - PORT and MMIO: the access lies wholly inside the range; one that
 *     straddles the end of a range (or the top of the address space) is
 *     unclaimed.
 *   - PCI: the register offset plus 'size' stays within 4 KiB of
 *     configuration space.
 *   - a written value has no bits above its 'size' bytes, and whatever a
 *     read returns above them is cut off here.
 * A NULL read or write callback is allowed: reads then give all ones
 * and writes are dropped (the access still counts as claimed).
 *
 * Context: ring 3, the DM's one thread (device.h); no locking.
 */
#include <device.h>

/* All ones in the low 'size' bytes: 0xff, 0xffff, ... */
static uint64_t bus_mask(unsigned int size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static bool bus_size_ok(unsigned int size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

int dm_bus_add(struct dm_bus *bus, enum dm_space space, uint64_t first,
               uint64_t last, const struct dm_device_ops *ops, void *dev,
               const char *name)
{
    /* A NULL ops table is a caller's bug, refused rather than called. */
    if (space >= DM_SPACE_NR || first > last || !ops ||
        bus->nr == DM_BUS_MAX)
        return -1;

    /* Two inclusive ranges overlap unless one ends before the other
     * starts. */
    for (unsigned int i = 0; i < bus->nr; i++) {
        const struct dm_bus_entry *e = &bus->e[i];
        if (e->space == space && first <= e->last && e->first <= last)
            return -1;
    }

    bus->e[bus->nr++] = (struct dm_bus_entry){
        .space = space, .first = first, .last = last,
        .ops = ops, .dev = dev, .name = name,
    };
    return 0;
}

/*
 * The entry that holds the access and the offset the device sees, or
 * NULL. PCI: the entry's range is of SBDFs, the offset the register.
 */
static bool entry_holds(const struct dm_bus_entry *e, enum dm_space space,
                        uint64_t key, uint64_t end)
{
    return e->space == space && key >= e->first && end <= e->last;
}

static struct dm_bus_entry *bus_find(struct dm_bus *bus, enum dm_space space,
                                     uint64_t addr, unsigned int size,
                                     uint64_t *offset)
{
    uint64_t key = addr, end = addr + size - 1;

    if (space == DM_SPACE_PCI) {
        uint64_t reg = addr & 0xfff;
        if (reg + size > 0x1000)
            return NULL;
        key = end = addr >> 32;
        *offset = reg;
    } else if (end < addr) {
        return NULL;                    /* wraps past 2^64 */
    }

    /* A guest hits one device's registers again and again: the entry
     * found last first (entries never overlap, so any hit is the hit). */
    unsigned int i = bus->last;
    if (i >= bus->nr || !entry_holds(&bus->e[i], space, key, end)) {
        for (i = 0; i < bus->nr; i++)
            if (entry_holds(&bus->e[i], space, key, end))
                break;
        if (i == bus->nr)
            return NULL;
        bus->last = i;
    }
    if (space != DM_SPACE_PCI)
        *offset = addr - bus->e[i].first;
    return &bus->e[i];
}

bool dm_bus_access(struct dm_bus *bus, enum dm_space space, uint64_t addr,
                   unsigned int size, bool write, uint64_t *data)
{
    struct dm_bus_entry *e = NULL;
    uint64_t offset = 0;

    if (bus_size_ok(size))
        e = bus_find(bus, space, addr, size, &offset);

    if (!e) {
        /* Nothing answers: the data lines float high, as on a PC. */
        bus->unclaimed++;
        if (!write)
            *data = bus_mask(size);
        return false;
    }

    e->accesses++;
    /* A device may leave out a callback it has no use for: its reads
     * give all ones, its writes are dropped. */
    if (write) {
        if (e->ops->write)
            e->ops->write(e->dev, offset, size, *data & bus_mask(size));
    } else {
        *data = e->ops->read ? e->ops->read(e->dev, offset, size)
                             : ~0ull;
        *data &= bus_mask(size);
    }
    return true;
}
