/*
 * dm/devices/pci.h: PCI functions served by the device model: a generic
 * type 0 configuration space, the host bridge at 00:00.0, and pcitest,
 * Tern's own test device (dm/devices/pci.c).
 *
 * dm/main.c registers, for each function, with the struct pci_func as
 * 'dev' (for pcitest, &t->func):
 *   PCI  [sbdf, sbdf]  pci_config_ops
 * and for pcitest's BAR 0, with the struct pcitest as 'dev':
 *   MMIO [base, base + PCITEST_MMIO_SIZE - 1]  pcitest_mmio_ops
 * where base is pci_func_bar_base(&t->func, 0) after init. When the guest
 * moves the BAR, the platform's mmio_moved(ctx, dev, old, new, size) is
 * called with dev = the struct pci_func (pcitest's is its first member,
 * so the same pointer); the DM moves the MMIO entry.
 *
 * SBDF numbers are include/public/dm_op.h's TERN_DMOP_PCI_SBDF().
 */
#ifndef DM_PCI_H
#define DM_PCI_H

#include <device.h>

#define PCI_CFG_SIZE        256
#define PCI_BAR_NR          6

/* Configuration space registers (PCI Local Bus Specification, type 0
 * header). */
#define PCI_VENDOR_ID       0x00
#define PCI_DEVICE_ID       0x02
#define PCI_COMMAND         0x04
#define PCI_STATUS          0x06
#define PCI_REVISION_ID     0x08
#define PCI_CLASS_PROG      0x09
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_LATENCY_TIMER   0x0d
#define PCI_HEADER_TYPE     0x0e
#define PCI_BAR0            0x10
#define PCI_SUBSYS_VENDOR   0x2c
#define PCI_SUBSYS_ID       0x2e
#define PCI_INTERRUPT_LINE  0x3c
#define PCI_INTERRUPT_PIN   0x3d

#define PCI_COMMAND_IO      0x0001
#define PCI_COMMAND_MEMORY  0x0002
#define PCI_COMMAND_MASTER  0x0004
#define PCI_BAR_IO          0x1     /* BAR bit 0: I/O space */

struct pci_func {
    const struct dm_platform *pf;
    uint32_t sbdf;
    uint8_t cfg[PCI_CFG_SIZE];      /* the registers' values */
    uint8_t wmask[PCI_CFG_SIZE];    /* bits the guest may write */
    uint32_t bar_size[PCI_BAR_NR];  /* 0: not implemented */
    uint64_t decoded[PCI_BAR_NR];   /* where a memory BAR decodes now, 0:
                                     * nowhere */
    uint64_t config_accesses;       /* reads and writes, for reports */
};

/* Tern's test device. */
#define PCITEST_VENDOR      0x5445  /* "TE" */
#define PCITEST_DEVICE      0x0001
#define PCITEST_MMIO_SIZE   0x1000
#define PCITEST_MAGIC       0x54534554u     /* bytes 'T' 'E' 'S' 'T' */
/* BAR 0's registers. */
#define PCITEST_REG_MAGIC   0x00    /* RO PCITEST_MAGIC */
#define PCITEST_REG_ID      0x04    /* RO the server id given at init */
#define PCITEST_REG_COUNT   0x08    /* RO MMIO accesses, this one included */
#define PCITEST_SCRATCH     0x10    /* 0x10-0xfff: read/write memory */

struct pcitest {
    struct pci_func func;           /* first: see mmio_moved above */
    uint32_t server_id;
    uint64_t mmio_accesses;
    uint8_t scratch[PCITEST_MMIO_SIZE];     /* bytes below 0x10 unused */
};

/* A function with the given ids and no BARs; command 0, every other
 * register read-only 0 but the cache line size, latency timer and
 * interrupt line. 'class_code' is class << 16 | subclass << 8 | prog-if.
 * 'pf' must outlive the function. */
void pci_func_init(struct pci_func *f, const struct dm_platform *pf,
                   uint32_t sbdf, uint16_t vendor, uint16_t device,
                   uint32_t class_code, uint8_t revision);
/* Give BAR 'n' a 32-bit memory (io false) or I/O range of 'size' bytes
 * (a power of two, at least 16 or 4) at 'base' (0: unassigned). Call
 * before the guest runs: it reports no move. */
void pci_func_add_bar(struct pci_func *f, unsigned int n, uint32_t size,
                      bool io, uint32_t base);
/* Set the command register as firmware would, reporting no move. */
void pci_func_set_command(struct pci_func *f, uint16_t command);
/* Where memory BAR 'n' decodes now; 0 when it does not. */
uint64_t pci_func_bar_base(const struct pci_func *f, unsigned int n);

/* 00:00.0 on a PC: an i440FX-style host bridge, 8086:1237. */
void pci_host_init(struct pci_func *f, const struct dm_platform *pf,
                   uint32_t sbdf);
/* pcitest at 'sbdf', BAR 0 at 'bar0_base' with memory decode on; its ID
 * register reads 'server_id'. */
void pcitest_init(struct pcitest *t, const struct dm_platform *pf,
                  uint32_t sbdf, uint32_t bar0_base, uint32_t server_id);

extern const struct dm_device_ops pci_config_ops;   /* dev: pci_func */
extern const struct dm_device_ops pcitest_mmio_ops; /* dev: pcitest */

#endif
