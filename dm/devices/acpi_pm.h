/*
 * dm/devices/acpi_pm.h: the ACPI fixed hardware of Tern's PC: the PM1
 * event and control registers, the PM timer, and the chipset's reset
 * control register at 0xcf9 (dm/devices/acpi_pm.c).
 *
 * The guest learns where they are from the FADT that Tern builds
 * (kernel/acpi_guest.c); the ports below are that FADT's defaults and
 * must stay equal to include/tern/acpi_guest.h's.
 *
 * dm/main.c registers, all with one struct acpi_pm as 'dev':
 *   PORT [0x600, 0x603]  acpi_pm_evt_ops  PM1_STS (+0), PM1_EN (+2)
 *   PORT [0x604, 0x605]  acpi_pm_cnt_ops  PM1_CNT
 *   PORT [0x608, 0x60b]  acpi_pm_tmr_ops  PM_TMR (only if the FADT has one)
 *   PORT [0xcf9, 0xcf9]  acpi_pm_rcr_ops  reset control
 *
 * Powering off (S5) calls the platform's shutdown(ctx, 0); a reset
 * calls the 'reset' callback given at init. The device raises no SCI.
 */
#ifndef DM_ACPI_PM_H
#define DM_ACPI_PM_H

#include <device.h>

#define ACPI_PM_EVT_PORT    0x600
#define ACPI_PM_CNT_PORT    0x604
#define ACPI_PM_TMR_PORT    0x608
#define ACPI_PM_RCR_PORT    0xcf9
#define ACPI_PM_SCI_IRQ     9
#define ACPI_PM_SLP_TYP_S5  5           /* the DSDT's \_S5 SLP_TYPa */
#define ACPI_PM_TMR_HZ      3579545u    /* the PM timer's clock */

struct acpi_pm {
    const struct dm_platform *pf;
    void (*reset)(void *ctx);   /* called with pf->ctx; may be NULL */
    uint16_t sts;           /* PM1_STS bits set and not yet cleared */
    uint16_t en;            /* PM1_EN as written */
    uint16_t cnt;           /* PM1_CNT's read/write bits as written */
    uint64_t tmr_carry;     /* PM timer bit 23 toggles seen by TMR_STS */
    uint8_t rcr;            /* reset control, bits 1 and 3 as written */
};

/*
 * All registers at their reset values: PM1_STS and PM1_EN 0, PM1_CNT
 * with SCI_EN read as 1 (the platform is always in ACPI mode). 'reset'
 * ends the guest for a reboot (may be NULL: resets are then ignored).
 * 'pf' must outlive the device.
 */
void acpi_pm_init(struct acpi_pm *pm, const struct dm_platform *pf,
                  void (*reset)(void *ctx));

extern const struct dm_device_ops acpi_pm_evt_ops;
extern const struct dm_device_ops acpi_pm_cnt_ops;
extern const struct dm_device_ops acpi_pm_tmr_ops;
extern const struct dm_device_ops acpi_pm_rcr_ops;

#endif
