/*
 * kernel/ioreq/pci.c: PCI configuration cycles by port I/O, as a PC's
 * host bridge decodes them ("Configuration Mechanism #1", PCI Local Bus
 * Specification, section "Software Generation of Configuration
 * Transactions").
 *
 * Interface (include/tern/ioreq.h):
 *   ioreq_pci_is_config_address      is this access CONFIG_ADDRESS?
 *   ioreq_pci_config_address_write   what the register holds after a write
 *   ioreq_pci_decode                 a data-port access -> PCI_CONFIG addr
 *
 * The guest writes the function and register it wants into the 32-bit
 * CONFIG_ADDRESS register at port 0xcf8, then reads or writes the
 * register through the CONFIG_DATA window, ports 0xcfc..0xcff:
 *
 *   CONFIG_ADDRESS
 *    31  30     24 23    16 15    11 10     8 7        2 1  0
 *   +---+---------+--------+--------+--------+----------+----+
 *   | E | reserved|  bus   | device |function| register | 00 |
 *   +---+---------+--------+--------+--------+----------+----+
 *
 * E (bit 31) enables the translation; with E clear, the data ports are
 * ordinary port I/O. The register field names a dword; an access at
 * 0xcfc + n reaches its byte n, so the byte offset is register*4 + n.
 *
 * Only a whole-dword access at 0xcf8 is CONFIG_ADDRESS: the spec has
 * other accesses there run as normal I/O, and PCs rely on it (a byte at
 * 0xcf9 is the reset control register of Intel's chipsets). Bits 30..24
 * and 1..0 are read-only zeroes. Tern offers the 256-byte configuration
 * space only: AMD's use of bits 27..24 for extended registers is not
 * emulated (extended space is ECAM, an MMIO range).
 *
 * The decoded address is Xen's for a PCI_CONFIG request
 * (include/public/ioreq.h): segment:bus:device.function as an SBDF in
 * bits 63..32, the register's byte offset in bits 31..0. Tern has one
 * host bridge, segment 0.
 *
 * Context: any; pure functions. The latched CONFIG_ADDRESS value is
 * per domain, kept by the caller (d->pci_cf8, kernel/io.c).
 */
#include <tern/ioreq.h>

#define CF8_ENABLE          (1u << 31)
#define CF8_BUS(cf8)        (((cf8) >> 16) & 0xffu)
#define CF8_DEVICE(cf8)     (((cf8) >> 11) & 0x1fu)
#define CF8_FUNCTION(cf8)   (((cf8) >> 8) & 0x7u)
#define CF8_REGISTER(cf8)   ((cf8) & 0xfcu)     /* the dword's byte offset */
#define CF8_WRITABLE        (CF8_ENABLE | 0x00fffffcu)

uint32_t ioreq_pci_config_address_write(uint32_t value)
{
    return value & CF8_WRITABLE;
}

enum ioreq_pci_decode ioreq_pci_decode(uint32_t cf8, uint16_t port,
                                       unsigned int size, uint64_t *addr)
{
    if (port < PCI_CONFIG_DATA || port > PCI_CONFIG_DATA + 3)
        return IOREQ_PCI_NOT_DATA;
    unsigned int byte = port - PCI_CONFIG_DATA;
    /* A byte, word or dword that stays inside the window; one that runs
     * past 0xcff is not a configuration access the bridge can make. */
    if ((size != 1 && size != 2 && size != 4) || byte + size > 4)
        return IOREQ_PCI_NOT_DATA;
    if (!(cf8 & CF8_ENABLE))
        return IOREQ_PCI_DISABLED;

    uint32_t sbdf = TERN_DMOP_PCI_SBDF(0, CF8_BUS(cf8), CF8_DEVICE(cf8),
                                       CF8_FUNCTION(cf8));
    *addr = (uint64_t)sbdf << 32 | (CF8_REGISTER(cf8) | byte);
    return IOREQ_PCI_CONFIG;
}
