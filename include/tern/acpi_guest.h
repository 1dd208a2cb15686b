/*
 * include/tern/acpi_guest.h: the ACPI tables Tern gives a guest PC
 * (kernel/acpi_guest.c), so that an ACPI operating system can power the
 * guest off and reset it through registers its device model emulates
 * (dm/devices/acpi_pm.c). docs/linux-acpi.md explains each table and
 * field.
 *
 * The tables describe a uniprocessor PC in 8259 mode: no MADT, so no
 * local APIC or I/O APIC; a PM1a event block, a PM1a control block, an
 * optional PM timer, the SCI on an 8259 IRQ, a reset register, and a
 * DSDT whose only object is \_S5 (soft off).
 */
#ifndef TERN_ACPI_GUEST_H
#define TERN_ACPI_GUEST_H

#include <tern/compiler.h>

/*
 * The platform the tables describe. The device model must emulate the
 * same ports: dm/devices/acpi_pm.h repeats the defaults (dm/ cannot
 * include kernel headers), and the two must agree.
 */
struct acpi_guest_config {
    uint16_t pm1a_evt_port; /* PM1a_EVT_BLK, 4 ports: PM1_STS at +0,
                             * PM1_EN at +2; required */
    uint16_t pm1a_cnt_port; /* PM1a_CNT_BLK, 2 ports: PM1_CNT; required */
    uint16_t pm_tmr_port;   /* PM_TMR_BLK, 4 ports, a 24-bit counter at
                             * 3.579545 MHz; 0: no PM timer */
    uint16_t reset_port;    /* RESET_REG, one I/O port; 0: none */
    uint8_t reset_value;    /* RESET_VALUE, written there to reset */
    uint8_t sci_irq;        /* SCI_INT: the 8259 IRQ of the SCI, not 2 */
    uint8_t rtc_century;    /* CENTURY: CMOS index of the RTC's century
                             * byte; 0: none */
};

/* The defaults (acpi_guest_config_default), Tern's PC platform. */
#define ACPI_GUEST_PM1A_EVT_PORT    0x600
#define ACPI_GUEST_PM1A_CNT_PORT    0x604
#define ACPI_GUEST_PM_TMR_PORT      0x608
#define ACPI_GUEST_RESET_PORT       0xcf9   /* the chipset's reset control */
#define ACPI_GUEST_RESET_VALUE      0x06    /* hard reset (SYS_RST | RST_CPU) */
#define ACPI_GUEST_SCI_IRQ          9
#define ACPI_GUEST_RTC_CENTURY      0x32
/* The \_S5 package's SLP_TYPa: the value the guest writes to PM1_CNT's
 * SLP_TYP field, with SLP_EN, to power off. */
#define ACPI_GUEST_SLP_TYP_S5       5

/* Enough buffer for the tables of any configuration (they take under
 * 600 bytes). */
#define ACPI_GUEST_TABLES_MAX       1024

/* Fill *cfg with the defaults above. */
void acpi_guest_config_default(struct acpi_guest_config *cfg);

/*
 * Build the tables into buf[0..size) as they must appear in guest
 * memory at guest-physical address 'gpa_base': the RSDP first (at
 * gpa_base itself), then the FACS, RSDT, XSDT, FADT and DSDT, every
 * pointer between them a guest-physical address inside the range.
 *
 * 'gpa_base' must be 16-byte aligned (the RSDP's alignment) and the
 * tables must end below 4 GiB (the RSDT and FIRMWARE_CTRL hold 32-bit
 * addresses). To be found by an OS booted without EFI, the RSDP must lie
 * in the BIOS area 0xe0000-0xfffff, which the OS scans on 16-byte
 * boundaries: put gpa_base there, and mark the range reserved in the
 * guest's e820 map.
 *
 * Returns the number of bytes used (at most ACPI_GUEST_TABLES_MAX),
 * with the RSDP's address in *rsdp_gpa; or -EINVAL for a bad 'cfg' or
 * 'gpa_base', -ENOSPC when 'size' is too small. Nothing is written on
 * an error. Pure: no domain or vCPU state, any context.
 */
int acpi_guest_build(void *buf, size_t size, uint64_t gpa_base,
                     const struct acpi_guest_config *cfg, uint64_t *rsdp_gpa);

#endif
