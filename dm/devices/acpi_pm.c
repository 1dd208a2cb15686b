/*
 * dm/devices/acpi_pm.c: the ACPI fixed hardware registers an ACPI OS
 * needs to power the guest off and to reset it, and the PM timer.
 *
 * Interface (acpi_pm.h): acpi_pm_init and four ops tables, one per
 * register block. The layouts are the ACPI specification's ("ACPI
 * Hardware Specification", "Fixed Hardware Programming Model"):
 *
 *   PM1_STS (PM1a_EVT_BLK + 0, 16 bits), write 1 to clear a bit:
 *     0 TMR_STS  4 BM_STS  5 GBL_STS  8 PWRBTN_STS  9 SLPBTN_STS
 *     10 RTC_STS  14 PCIEXP_WAKE_STS  15 WAK_STS
 *   PM1_EN (PM1a_EVT_BLK + 2, 16 bits), read/write:
 *     0 TMR_EN  5 GBL_EN  8 PWRBTN_EN  9 SLPBTN_EN  10 RTC_EN
 *     14 PCIEXP_WAKE_DIS
 *   PM1_CNT (PM1a_CNT_BLK, 16 bits):
 *     0 SCI_EN (reads 1 here)  1 BM_RLD  2 GBL_RLS (write-only)
 *     12:10 SLP_TYP  13 SLP_EN (write-only)
 *   PM_TMR (PM_TMR_BLK, 32 bits, read-only): 23:0 a counter at
 *     3.579545 MHz (TMR_VAL_EXT is clear in the FADT: 24 bits).
 *
 * and the reset control register of Intel's chipsets at 0xcf9 (the
 * PIIX4 and ICH data sheets): bit 1 SYS_RST (hard rather than soft
 * reset), bit 2 RST_CPU (a 0-to-1 transition resets), bit 3 FULL_RST
 * (power-cycle too). The FADT names it as the reset register, with the
 * value 0x06.
 *
 * What is modelled:
 *   - S5: a write to PM1_CNT with SLP_EN set and SLP_TYP 5 (the DSDT's
 *     \_S5) ends the guest: the platform's shutdown(ctx, 0). Another
 *     SLP_TYP with SLP_EN is a sleep state this platform does not have
 *     (the DSDT names no \_S1-\_S4): nothing sleeps, but WAK_STS is
 *     set as if the guest woke at once, since an OS that asked to sleep
 *     waits for it.
 *   - SCI_EN always reads 1: the FADT has no SMI command port, so the
 *     platform is in ACPI mode from the start and the OS must see it so.
 *   - The PM timer: computed from the platform's now_ns() on each read
 *     (no state, no timer of its own). TMR_STS reads 1 once the
 *     counter's bit 23 has changed since the OS last cleared it.
 *   - PM1_EN keeps the enable bits the OS writes: ACPICA checks that an
 *     enable bit it sets reads back set (GBL_EN, RTC_EN at boot).
 *   - Reset: a write to 0xcf9 with RST_CPU set calls the 'reset'
 *     callback. RST_CPU is not stored (it reads 0), so every such
 *     write is a 0-to-1 transition; the reset kind does not matter, as
 *     Tern ends the domain either way.
 *
 * What is not: the SCI. Nothing here ever needs it: there is no power
 * or sleep button (the FADT says so), no GPE, no RTC wake event, and
 * the timer overflow interrupt (TMR_EN) is one Linux does not use. So
 * IRQ 9 is never raised and the enable bits only read back. BM_RLD and
 * GBL_RLS have no effect (no bus master idle tracking, no firmware to
 * hand the global lock to).
 *
 * Accesses of any size the bus lets through are served byte lane by
 * byte lane: ACPICA uses 16-bit accesses for the PM1 registers and 32
 * for the timer, Tern's own kernel outw for PM1_CNT.
 *
 * Context: ring 3, the DM's one thread (device.h); no locking.
 */
#include "acpi_pm.h"

#define NS_PER_S            1000000000ull

#define PM1_TMR_STS         (1u << 0)
#define PM1_WAK_STS         (1u << 15)
#define PM1_EN_MASK         0x4721u     /* TMR, GBL, PWRBTN, SLPBTN, RTC,
                                         * PCIEXP_WAKE_DIS */
#define PM1_CNT_SCI_EN      (1u << 0)
#define PM1_CNT_BM_RLD      (1u << 1)
#define PM1_CNT_SLP_TYP     (7u << 10)
#define PM1_CNT_SLP_EN      (1u << 13)
#define PM1_CNT_RW          (PM1_CNT_BM_RLD | PM1_CNT_SLP_TYP)
#define PM_TMR_MASK         0xffffffu
#define PM_TMR_CARRY_SHIFT  23          /* TMR_STS: bit 23 changed */

#define RCR_SYS_RST         (1u << 1)
#define RCR_RST_CPU         (1u << 2)
#define RCR_FULL_RST        (1u << 3)

/* The bits of an access of 'size' bytes at byte 'offset' of a register. */
static uint32_t acpi_pm_lanes(uint64_t offset, unsigned int size)
{
    uint32_t m = size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
    return m << (offset * 8);
}

/* ---- the PM timer ---- */

/* Timer clocks since Tern booted; the product is split at whole
 * seconds so it cannot overflow 64 bits. */
static uint64_t acpi_pm_ticks(const struct acpi_pm *pm)
{
    uint64_t ns = pm->pf->now_ns(pm->pf->ctx);
    return ns / NS_PER_S * ACPI_PM_TMR_HZ +
           ns % NS_PER_S * ACPI_PM_TMR_HZ / NS_PER_S;
}

static uint64_t acpi_pm_tmr_read(void *dev, uint64_t offset, unsigned int size)
{
    const struct acpi_pm *pm = dev;

    (void)size;
    return (acpi_pm_ticks(pm) & PM_TMR_MASK) >> (offset * 8);
}

static void acpi_pm_tmr_write(void *dev, uint64_t offset, unsigned int size,
                              uint64_t value)
{
    (void)dev;                      /* read-only */
    (void)offset;
    (void)size;
    (void)value;
}

/* ---- PM1 event block: PM1_STS, PM1_EN ---- */

static uint16_t acpi_pm_sts(const struct acpi_pm *pm)
{
    uint16_t sts = pm->sts;
    if (acpi_pm_ticks(pm) >> PM_TMR_CARRY_SHIFT != pm->tmr_carry)
        sts |= PM1_TMR_STS;
    return sts;
}

static uint64_t acpi_pm_evt_read(void *dev, uint64_t offset, unsigned int size)
{
    const struct acpi_pm *pm = dev;
    uint32_t block = acpi_pm_sts(pm) | (uint32_t)pm->en << 16;

    (void)size;
    return block >> (offset * 8);
}

/* PM1_STS bits are cleared by writing 1; PM1_EN bits are stored. */
static void acpi_pm_evt_write(void *dev, uint64_t offset, unsigned int size,
                              uint64_t value)
{
    struct acpi_pm *pm = dev;
    uint32_t lanes = acpi_pm_lanes(offset, size);
    uint32_t w = (uint32_t)(value << (offset * 8)) & lanes;
    uint16_t clear = (uint16_t)w;

    pm->sts &= (uint16_t)~clear;
    if (clear & PM1_TMR_STS)
        pm->tmr_carry = acpi_pm_ticks(pm) >> PM_TMR_CARRY_SHIFT;
    uint16_t en_lanes = (uint16_t)(lanes >> 16);
    pm->en = (uint16_t)((pm->en & ~en_lanes) | ((w >> 16) & PM1_EN_MASK));
}

/* ---- PM1 control ---- */

static uint64_t acpi_pm_cnt_read(void *dev, uint64_t offset, unsigned int size)
{
    const struct acpi_pm *pm = dev;

    (void)size;
    return (uint32_t)(pm->cnt | PM1_CNT_SCI_EN) >> (offset * 8);
}

/* SLP_EN asks for the sleep state in SLP_TYP. */
static void acpi_pm_sleep(struct acpi_pm *pm, unsigned int slp_typ)
{
    if (slp_typ == ACPI_PM_SLP_TYP_S5) {
        pm->pf->shutdown(pm->pf->ctx, 0);
        return;
    }
    pm->sts |= PM1_WAK_STS;
}

static void acpi_pm_cnt_write(void *dev, uint64_t offset, unsigned int size,
                              uint64_t value)
{
    struct acpi_pm *pm = dev;
    uint32_t lanes = acpi_pm_lanes(offset, size) & 0xffff;
    uint32_t w = (uint32_t)(value << (offset * 8)) & lanes;
    uint16_t cnt = (uint16_t)((pm->cnt & ~lanes) | (w & PM1_CNT_RW));

    pm->cnt = cnt;
    if (w & PM1_CNT_SLP_EN)
        acpi_pm_sleep(pm, (cnt & PM1_CNT_SLP_TYP) >> 10);
}

/* ---- reset control, 0xcf9 ---- */

static uint64_t acpi_pm_rcr_read(void *dev, uint64_t offset, unsigned int size)
{
    const struct acpi_pm *pm = dev;

    (void)offset;
    (void)size;
    return pm->rcr;
}

static void acpi_pm_rcr_write(void *dev, uint64_t offset, unsigned int size,
                              uint64_t value)
{
    struct acpi_pm *pm = dev;

    (void)offset;
    (void)size;
    pm->rcr = (uint8_t)(value & (RCR_SYS_RST | RCR_FULL_RST));
    if ((value & RCR_RST_CPU) && pm->reset)
        pm->reset(pm->pf->ctx);
}

const struct dm_device_ops acpi_pm_evt_ops = {
    .read = acpi_pm_evt_read,
    .write = acpi_pm_evt_write,
};

const struct dm_device_ops acpi_pm_cnt_ops = {
    .read = acpi_pm_cnt_read,
    .write = acpi_pm_cnt_write,
};

const struct dm_device_ops acpi_pm_tmr_ops = {
    .read = acpi_pm_tmr_read,
    .write = acpi_pm_tmr_write,
};

const struct dm_device_ops acpi_pm_rcr_ops = {
    .read = acpi_pm_rcr_read,
    .write = acpi_pm_rcr_write,
};

void acpi_pm_init(struct acpi_pm *pm, const struct dm_platform *pf,
                  void (*reset)(void *ctx))
{
    *pm = (struct acpi_pm){ .pf = pf, .reset = reset };
    pm->tmr_carry = acpi_pm_ticks(pm) >> PM_TMR_CARRY_SHIFT;
}
