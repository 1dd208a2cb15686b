/*
 * include/tern/acpi.h: the few ACPI facts Tern uses (kernel/acpi.c):
 * how to power off and reset the machine, and how many CPUs the MADT
 * lists. Table layouts from the ACPI specification, "ACPI Software
 * Programming Model": RSDP, RSDT/XSDT, FADT, MADT, and the \_S5 object
 * of the DSDT.
 */
#ifndef TERN_ACPI_H
#define TERN_ACPI_H

#include <tern/compiler.h>

struct acpi_info {
    bool found;                 /* a valid RSDP and root table */
    uint8_t revision;           /* RSDP revision: 0 = ACPI 1.0 */
    /* FADT */
    uint16_t pm1a_cnt, pm1b_cnt;        /* PM1 control ports, 0 if none */
    uint16_t smi_cmd;
    uint8_t acpi_enable;
    bool has_s5;
    uint8_t slp_typa, slp_typb;         /* from \_S5 */
    bool has_reset;                     /* RESET_REG_SUP and an I/O reg */
    uint16_t reset_port;
    uint8_t reset_value;
    /* MADT */
    unsigned int nr_cpus;               /* enabled local APICs */
    uint64_t lapic_addr;
    unsigned int nr_ioapics;
    uint32_t ioapic_addr[8];            /* the first 8 I/O APICs */
};

/* Read 'len' bytes of physical memory at 'pa' into 'buf'; 0 or -EFAULT. */
typedef int (*acpi_read_fn)(uint64_t pa, void *buf, size_t len);

/*
 * Parse from an RSDP (36 bytes; ACPI 1.0 uses the first 20). Tables whose
 * checksum fails are ignored with a warning. Pure logic over 'read':
 * unit-tested in tests/unit/test_acpi.c on tables built there.
 */
void acpi_parse(const uint8_t *rsdp, acpi_read_fn read, struct acpi_info *out);

/* Kernel side: parse the RSDP the loader gave (or found in the BIOS
 * area), keep the result for power-off and reset. */
struct boot_info;
void acpi_init(const struct boot_info *bi);
/* Enter S5 (soft off); returns only if that did not work. */
void acpi_poweroff(void);
/* Write the FADT reset register; returns only if that did not work. */
void acpi_reset(void);

extern struct acpi_info acpi;

#endif
