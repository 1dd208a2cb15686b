/*
 * dm/devices/pci.c: PCI configuration space of the functions the DM
 * serves, and two of them: the host bridge and pcitest.
 *
 * Interface (pci.h): pci_func_init, pci_func_add_bar,
 * pci_func_set_command, pci_func_bar_base, pci_host_init, pcitest_init,
 * pci_config_ops and pcitest_mmio_ops.
 *
 * Tern decodes the guest's 0xcf8/0xcfc accesses and the bus hands each
 * function its own: offset = register (0-255), size 1, 2 or 4, naturally
 * aligned. Anything else (extended space at 256 and up, a bad size or
 * alignment) reads all ones and writes nothing.
 *
 * A function is its 256 bytes of configuration space and, per byte, a
 * mask of the bits the guest may write: a write changes only those, so
 * read-only registers need no code of their own. Writable in every
 * function: command bits I/O space, memory space, bus master, parity
 * error response, SERR# enable and interrupt disable; cache line size;
 * latency timer; interrupt line; the address bits of the BARs. Status
 * has no error bits to clear: it is read-only.
 *
 * BARs (PCI Local Bus Specification, Base Address Registers): the low
 * bits of a BAR of size 2^k cannot be written, so the guest's sizing
 * protocol, write all ones and read back, reads ~(size - 1) with the
 * type bits (bit 0: I/O; bits 2:1 memory type, 0 = 32-bit; bit 3
 * prefetchable, 0 here). A memory BAR decodes at its address while
 * command bit 1 (memory space) is on and the address is not 0, which
 * stands for "unassigned". Each time that changes (the BAR written with
 * decode on, decode turned on or off) the platform's mmio_moved() is
 * told the old and new address, 0 for none, so the DM can move the
 * range it asked Tern for. A guest sizing a BAR with decode on moves it
 * to ~(size - 1) for a moment, as hardware would. I/O BARs are stored
 * and sized but no move is reported: no function has one yet.
 *
 * Not modelled: capabilities, expansion ROM, extended configuration
 * space, the i440FX's own registers (0x40-0xff read 0: PAM and SMRAM
 * belong to firmware, which Tern's guests do not run).
 *
 * pcitest: a 4 KiB memory BAR with a magic number, the id of the DM
 * that serves it, a count of accesses and scratch memory. Its BAR is
 * assigned and memory decode is on from reset, because Tern's test
 * guests do not assign PCI resources: real hardware comes out of reset
 * with decode off and the BAR at 0, for firmware to program.
 *
 * Context: the DM's event loop, one access at a time: no locking.
 */
#include <lib.h>
#include "pci.h"

#define PCI_COMMAND_PARITY  0x0040
#define PCI_COMMAND_SERR    0x0100
#define PCI_COMMAND_INTX_OFF 0x0400
#define PCI_COMMAND_WMASK   (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | \
                             PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | \
                             PCI_COMMAND_SERR | PCI_COMMAND_INTX_OFF)
#define PCI_BAR_MEM_MASK    0xfu    /* type bits of a memory BAR */
#define PCI_BAR_IO_MASK     0x3u    /* of an I/O BAR */

#define PCI_CLASS_BRIDGE_HOST   0x060000
#define PCI_CLASS_OTHER         0xff0000
#define PCI_PIN_INTA        1

static uint32_t pci_get(const struct pci_func *f, unsigned int reg,
                        unsigned int size)
{
    uint32_t v = 0;
    for (unsigned int i = 0; i < size; i++)
        v |= (uint32_t)f->cfg[reg + i] << (8 * i);
    return v;
}

/* Set a register and the bits of it the guest may write. */
static void pci_set(struct pci_func *f, unsigned int reg, unsigned int size,
                    uint32_t value, uint32_t wmask)
{
    for (unsigned int i = 0; i < size; i++) {
        f->cfg[reg + i] = (uint8_t)(value >> (8 * i));
        f->wmask[reg + i] = (uint8_t)(wmask >> (8 * i));
    }
}

/* Recompute where each memory BAR decodes; report moves if 'report'. */
static void pci_decode(struct pci_func *f, bool report)
{
    bool mem = pci_get(f, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY;
    for (unsigned int n = 0; n < PCI_BAR_NR; n++) {
        uint32_t bar = pci_get(f, PCI_BAR0 + 4 * n, 4);
        if (!f->bar_size[n] || (bar & PCI_BAR_IO))
            continue;
        uint64_t base = mem ? bar & ~PCI_BAR_MEM_MASK : 0;
        if (base == f->decoded[n])
            continue;
        uint64_t old = f->decoded[n];
        f->decoded[n] = base;
        if (report && f->pf->mmio_moved)
            f->pf->mmio_moved(f->pf->ctx, f, old, base, f->bar_size[n]);
    }
}

static bool pci_access_ok(uint64_t offset, unsigned int size)
{
    return (size == 1 || size == 2 || size == 4) &&
           offset % size == 0 && offset + size <= PCI_CFG_SIZE;
}

static uint64_t pci_config_read(void *dev, uint64_t offset, unsigned int size)
{
    struct pci_func *f = dev;
    f->config_accesses++;
    if (!pci_access_ok(offset, size))
        return UINT64_MAX;
    return pci_get(f, (unsigned int)offset, size);
}

static void pci_config_write(void *dev, uint64_t offset, unsigned int size,
                             uint64_t value)
{
    struct pci_func *f = dev;
    f->config_accesses++;
    if (!pci_access_ok(offset, size))
        return;
    for (unsigned int i = 0; i < size; i++) {
        unsigned int reg = (unsigned int)offset + i;
        uint8_t m = f->wmask[reg];
        f->cfg[reg] = (uint8_t)((f->cfg[reg] & ~m) | ((value >> (8 * i)) & m));
    }
    /* Only the command register and the BARs move a BAR. */
    unsigned int end = (unsigned int)offset + size;
    if ((offset < PCI_COMMAND + 2 && end > PCI_COMMAND) ||
        (offset < PCI_BAR0 + 4 * PCI_BAR_NR && end > PCI_BAR0))
        pci_decode(f, true);
}

const struct dm_device_ops pci_config_ops = {
    .read = pci_config_read,
    .write = pci_config_write,
};

void pci_func_init(struct pci_func *f, const struct dm_platform *pf,
                   uint32_t sbdf, uint16_t vendor, uint16_t device,
                   uint32_t class_code, uint8_t revision)
{
    memset(f, 0, sizeof(*f));
    f->pf = pf;
    f->sbdf = sbdf;
    pci_set(f, PCI_VENDOR_ID, 2, vendor, 0);
    pci_set(f, PCI_DEVICE_ID, 2, device, 0);
    pci_set(f, PCI_COMMAND, 2, 0, PCI_COMMAND_WMASK);
    pci_set(f, PCI_REVISION_ID, 1, revision, 0);
    pci_set(f, PCI_CLASS_PROG, 3, class_code, 0);
    pci_set(f, PCI_CACHE_LINE_SIZE, 1, 0, 0xff);
    pci_set(f, PCI_LATENCY_TIMER, 1, 0, 0xff);
    pci_set(f, PCI_INTERRUPT_LINE, 1, 0, 0xff);
    /* Header type 0, single function: cfg[PCI_HEADER_TYPE] stays 0. */
}

void pci_func_add_bar(struct pci_func *f, unsigned int n, uint32_t size,
                      bool io, uint32_t base)
{
    uint32_t type = io ? PCI_BAR_IO_MASK : PCI_BAR_MEM_MASK;
    f->bar_size[n] = size;
    pci_set(f, PCI_BAR0 + 4 * n, 4, (base & ~type) | (io ? PCI_BAR_IO : 0),
            ~(size - 1) & ~type);
    pci_decode(f, false);
}

void pci_func_set_command(struct pci_func *f, uint16_t command)
{
    pci_set(f, PCI_COMMAND, 2, command, PCI_COMMAND_WMASK);
    pci_decode(f, false);
}

uint64_t pci_func_bar_base(const struct pci_func *f, unsigned int n)
{
    return n < PCI_BAR_NR ? f->decoded[n] : 0;
}

/* ---- the host bridge ---- */

void pci_host_init(struct pci_func *f, const struct dm_platform *pf,
                   uint32_t sbdf)
{
    /* 82441FX PMC, revision 2; status: fast back-to-back capable,
     * medium DEVSEL timing (the datasheet's defaults). */
    pci_func_init(f, pf, sbdf, 0x8086, 0x1237, PCI_CLASS_BRIDGE_HOST, 0x02);
    pci_set(f, PCI_STATUS, 2, 0x0280, 0);
    pci_func_set_command(f, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

/* ---- pcitest ---- */

void pcitest_init(struct pcitest *t, const struct dm_platform *pf,
                  uint32_t sbdf, uint32_t bar0_base, uint32_t server_id)
{
    memset(t, 0, sizeof(*t));
    pci_func_init(&t->func, pf, sbdf, PCITEST_VENDOR, PCITEST_DEVICE,
                  PCI_CLASS_OTHER, 0);
    pci_set(&t->func, PCI_INTERRUPT_PIN, 1, PCI_PIN_INTA, 0);
    pci_func_add_bar(&t->func, 0, PCITEST_MMIO_SIZE, false, bar0_base);
    /* Not what hardware does at reset: see the top of this file. */
    pci_func_set_command(&t->func, PCI_COMMAND_MEMORY);
    t->server_id = server_id;
}

/* Byte 'o' of BAR 0: the three registers, little-endian, then scratch
 * (0x0c-0x0f read 0). */
static uint8_t pcitest_byte(const struct pcitest *t, unsigned int o)
{
    uint32_t reg;
    switch (o / 4) {
    case PCITEST_REG_MAGIC / 4: reg = PCITEST_MAGIC; break;
    case PCITEST_REG_ID / 4:    reg = t->server_id; break;
    case PCITEST_REG_COUNT / 4: reg = (uint32_t)t->mmio_accesses; break;
    case 3:                     reg = 0; break;
    default:                    return t->scratch[o];
    }
    return (uint8_t)(reg >> (8 * (o % 4)));
}

/* With memory decode off the function does not answer: a DM that moved
 * its bus entry on mmio_moved() never calls these then, but if it does,
 * it gets what an unclaimed access gets. */
static bool pcitest_decodes(const struct pcitest *t)
{
    return pci_get(&t->func, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY;
}

static uint64_t pcitest_mmio_read(void *dev, uint64_t offset, unsigned int size)
{
    struct pcitest *t = dev;
    if (!pcitest_decodes(t))
        return UINT64_MAX;
    t->mmio_accesses++;
    uint64_t value = 0;
    for (unsigned int i = 0; i < size && offset + i < PCITEST_MMIO_SIZE; i++)
        value |= (uint64_t)pcitest_byte(t, (unsigned int)offset + i) << (8 * i);
    return value;
}

static void pcitest_mmio_write(void *dev, uint64_t offset, unsigned int size,
                               uint64_t value)
{
    struct pcitest *t = dev;
    if (!pcitest_decodes(t))
        return;
    t->mmio_accesses++;
    for (unsigned int i = 0; i < size; i++) {
        uint64_t o = offset + i;
        if (o >= PCITEST_SCRATCH && o < PCITEST_MMIO_SIZE)
            t->scratch[o] = (uint8_t)(value >> (8 * i));
    }
}

const struct dm_device_ops pcitest_mmio_ops = {
    .read = pcitest_mmio_read,
    .write = pcitest_mmio_write,
};
