/*
 * kernel/acpi_guest.c: the ACPI tables of a guest PC, built into a
 * buffer that the caller copies into the guest's memory.
 *
 * Interface (include/tern/acpi_guest.h): acpi_guest_config_default,
 * acpi_guest_build.
 *
 * Why a guest needs them: Linux on x86-64 has no other way to power a
 * PC off. Its poweroff ends in ACPI's soft-off state S5: it looks up the
 * \_S5 object in the DSDT for a sleep type, writes that type with
 * SLP_EN to the PM1 control register, and the chipset cuts the power;
 * here the device model (dm/devices/acpi_pm.c) sees the write and ends
 * the domain. Its reboot writes the FADT's reset register first.
 *
 * The tables, in this order from gpa_base (ACPI specification, "ACPI
 * Software Programming Model"):
 *
 *   RSDP  Root System Description Pointer, revision 2: the RSDT's and
 *         the XSDT's addresses. The OS finds it by its signature.
 *   FACS  Firmware ACPI Control Structure: the waking vector and the
 *         global lock; required with a FADT that is not hardware-reduced.
 *   RSDT  Root System Description Table: 32-bit table pointers, for
 *   XSDT  ACPI 1.0 OSes; the XSDT has the same list in 64-bit pointers,
 *         and an ACPI 2.0+ OS (Linux) reads it instead.
 *   FADT  Fixed ACPI Description Table (signature "FACP"), revision 6.4:
 *         the fixed hardware registers, the SCI, boot flags, and the
 *         DSDT's and FACS's addresses.
 *   DSDT  Differentiated System Description Table: AML code; here one
 *         object, \_S5.
 *
 * There is no MADT, on purpose: Tern hides the local APIC from the
 * guest's CPUID, so the guest runs its interrupts through the 8259 pair.
 * Without a MADT Linux stays in uniprocessor PIC mode ("ACPI found no
 * MADT, and so ACPI wants UP PIC mode", arch/x86/kernel/acpi/boot.c),
 * and the SCI is simply the 8259 IRQ the FADT names.
 *
 * Context: any; a pure function of its arguments, unit-tested on the
 * host (tests/unit/test_acpi_guest.c).
 */
#include <tern/acpi_guest.h>
#include <tern/errno.h>
#include <tern/lib.h>

/* "Root System Description Pointer (RSDP) Structure" */
struct acpi_rsdp {
    char signature[8];          /* "RSD PTR " */
    uint8_t checksum;           /* bytes 0-19 sum to 0 (the ACPI 1.0 part) */
    char oem_id[6];
    uint8_t revision;           /* 2: the fields from 'length' on exist */
    uint32_t rsdt_address;
    uint32_t length;            /* of this structure: 36 */
    uint64_t xsdt_address;
    uint8_t extended_checksum;  /* all 36 bytes sum to 0 */
    uint8_t reserved[3];
} __packed;
_Static_assert(offsetof(struct acpi_rsdp, rsdt_address) == 16, "RSDP");
_Static_assert(offsetof(struct acpi_rsdp, xsdt_address) == 24, "RSDP");
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");

/* "System Description Table Header": the start of every table but the
 * RSDP and the FACS. */
struct acpi_sdt_header {
    char signature[4];
    uint32_t length;            /* of the whole table, header included */
    uint8_t revision;
    uint8_t checksum;           /* the whole table sums to 0 */
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    char creator_id[4];
    uint32_t creator_revision;
} __packed;
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header");

/* "Generic Address Structure (GAS)" */
struct acpi_gas {
    uint8_t space_id;           /* 1: system I/O */
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size;        /* 1 byte, 2 word, 3 dword, 4 qword */
    uint64_t address;
} __packed;
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS");

#define GAS_SYSTEM_IO       1
#define GAS_ACCESS_BYTE     1
#define GAS_ACCESS_WORD     2
#define GAS_ACCESS_DWORD    3

/* "Fixed ACPI Description Table (FADT)", the ACPI 6.x layout. */
struct acpi_fadt {
    struct acpi_sdt_header h;
    uint32_t firmware_ctrl;     /*  36 FACS */
    uint32_t dsdt;              /*  40 */
    uint8_t reserved0;          /*  44 (ACPI 1.0's INT_MODEL) */
    uint8_t preferred_pm_profile; /* 45 */
    uint16_t sci_int;           /*  46 */
    uint32_t smi_cmd;           /*  48 */
    uint8_t acpi_enable;        /*  52 */
    uint8_t acpi_disable;       /*  53 */
    uint8_t s4bios_req;         /*  54 */
    uint8_t pstate_cnt;         /*  55 */
    uint32_t pm1a_evt_blk;      /*  56 */
    uint32_t pm1b_evt_blk;      /*  60 */
    uint32_t pm1a_cnt_blk;      /*  64 */
    uint32_t pm1b_cnt_blk;      /*  68 */
    uint32_t pm2_cnt_blk;       /*  72 */
    uint32_t pm_tmr_blk;        /*  76 */
    uint32_t gpe0_blk;          /*  80 */
    uint32_t gpe1_blk;          /*  84 */
    uint8_t pm1_evt_len;        /*  88 */
    uint8_t pm1_cnt_len;        /*  89 */
    uint8_t pm2_cnt_len;        /*  90 */
    uint8_t pm_tmr_len;         /*  91 */
    uint8_t gpe0_blk_len;       /*  92 */
    uint8_t gpe1_blk_len;       /*  93 */
    uint8_t gpe1_base;          /*  94 */
    uint8_t cst_cnt;            /*  95 */
    uint16_t p_lvl2_lat;        /*  96 */
    uint16_t p_lvl3_lat;        /*  98 */
    uint16_t flush_size;        /* 100 */
    uint16_t flush_stride;      /* 102 */
    uint8_t duty_offset;        /* 104 */
    uint8_t duty_width;         /* 105 */
    uint8_t day_alrm;           /* 106 */
    uint8_t mon_alrm;           /* 107 */
    uint8_t century;            /* 108 */
    uint16_t iapc_boot_arch;    /* 109 */
    uint8_t reserved1;          /* 111 */
    uint32_t flags;             /* 112 */
    struct acpi_gas reset_reg;  /* 116 */
    uint8_t reset_value;        /* 128 */
    uint16_t arm_boot_arch;     /* 129 */
    uint8_t minor_version;      /* 131 */
    uint64_t x_firmware_ctrl;   /* 132 */
    uint64_t x_dsdt;            /* 140 */
    struct acpi_gas x_pm1a_evt_blk;     /* 148 */
    struct acpi_gas x_pm1b_evt_blk;     /* 160 */
    struct acpi_gas x_pm1a_cnt_blk;     /* 172 */
    struct acpi_gas x_pm1b_cnt_blk;     /* 184 */
    struct acpi_gas x_pm2_cnt_blk;      /* 196 */
    struct acpi_gas x_pm_tmr_blk;       /* 208 */
    struct acpi_gas x_gpe0_blk;         /* 220 */
    struct acpi_gas x_gpe1_blk;         /* 232 */
    struct acpi_gas sleep_control_reg;  /* 244 */
    struct acpi_gas sleep_status_reg;   /* 256 */
    char hypervisor_vendor[8];          /* 268 */
} __packed;
_Static_assert(offsetof(struct acpi_fadt, sci_int) == 46, "FADT");
_Static_assert(offsetof(struct acpi_fadt, pm1a_evt_blk) == 56, "FADT");
_Static_assert(offsetof(struct acpi_fadt, pm1_evt_len) == 88, "FADT");
_Static_assert(offsetof(struct acpi_fadt, century) == 108, "FADT");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "FADT");
_Static_assert(offsetof(struct acpi_fadt, x_firmware_ctrl) == 132, "FADT");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_evt_blk) == 148, "FADT");
_Static_assert(offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "FADT");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "FADT");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT");

/* FADT Flags ("Fixed ACPI Description Table Fixed Feature Flags") */
#define FADT_WBINVD             (1u << 0)
#define FADT_PROC_C1            (1u << 2)
#define FADT_PWR_BUTTON         (1u << 4)   /* 1: no fixed power button */
#define FADT_SLP_BUTTON         (1u << 5)   /* 1: no fixed sleep button */
#define FADT_FIX_RTC            (1u << 6)   /* 1: no RTC_STS in PM1 */
#define FADT_RESET_REG_SUP      (1u << 10)
/* IAPC_BOOT_ARCH ("IA-PC Boot Architecture Flags") */
#define BOOT_ARCH_LEGACY_DEVICES    (1u << 0)
#define BOOT_ARCH_8042              (1u << 1)
#define BOOT_ARCH_MSI_NOT_SUPPORTED (1u << 3)

/* "Firmware ACPI Control Structure (FACS)" */
struct acpi_facs {
    char signature[4];          /* "FACS" */
    uint32_t length;            /* 64 */
    uint32_t hardware_signature;
    uint32_t firmware_waking_vector;
    uint32_t global_lock;
    uint32_t flags;
    uint64_t x_firmware_waking_vector;
    uint8_t version;
    uint8_t reserved0[3];
    uint32_t ospm_flags;
    uint8_t reserved1[24];
} __packed;
_Static_assert(offsetof(struct acpi_facs, version) == 32, "FACS");
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS");

#define ACPI_OEM_ID         "TERN  "        /* 6 bytes, space-padded */
#define ACPI_OEM_TABLE_ID   "TERNPC  "      /* 8 bytes */
#define ACPI_CREATOR_ID     "TERN"
#define FADT_REVISION       6               /* ACPI 6.4: FADT 6, minor 4 */
#define FADT_MINOR_VERSION  4
#define DSDT_REVISION       2               /* 2+: AML integers are 64-bit */
#define FACS_VERSION        2
#define PM1_EVT_LEN         4
#define PM1_CNT_LEN         2
#define PM_TMR_LEN          4

/*
 * The DSDT's AML: one named object, \_S5, the sleep type of soft off.
 * The ASL it encodes ("ACPI Source Language (ASL) Reference"; the byte
 * encoding in "ACPI Machine Language (AML) Specification"):
 *
 *   DefinitionBlock ("", "DSDT", 2, "TERN  ", "TERNPC  ", 1)
 *   {
 *       Name (\_S5, Package (0x04) { 0x05, 0x05, Zero, Zero })
 *   }
 *
 * The package's elements are SLP_TYPa (the value for PM1a_CNT), SLP_TYPb
 * (for PM1b_CNT, which this platform does not have; the same value, as
 * one-register firmware usually gives) and two reserved zeroes. A name
 * shorter than four characters is padded with '_': _S5 is "_S5_".
 */
static const uint8_t acpi_guest_dsdt_aml[] = {
    0x08,                               /* NameOp */
    '\\', '_', 'S', '5', '_',           /* RootChar, NameSeg "_S5_" */
    0x12,                               /* PackageOp */
    0x08,                               /* PkgLength: the 8 bytes from here
                                         * to the package's end */
    0x04,                               /* NumElements */
    0x0a, ACPI_GUEST_SLP_TYP_S5,        /* BytePrefix 5: SLP_TYPa */
    0x0a, ACPI_GUEST_SLP_TYP_S5,        /* BytePrefix 5: SLP_TYPb */
    0x00,                               /* ZeroOp: reserved */
    0x00,                               /* ZeroOp: reserved */
};

/* Where each table goes: offsets from gpa_base (and into the buffer). */
struct acpi_guest_layout {
    size_t facs, rsdt, xsdt, fadt, dsdt, end;
};

void acpi_guest_config_default(struct acpi_guest_config *cfg)
{
    *cfg = (struct acpi_guest_config){
        .pm1a_evt_port = ACPI_GUEST_PM1A_EVT_PORT,
        .pm1a_cnt_port = ACPI_GUEST_PM1A_CNT_PORT,
        .pm_tmr_port = ACPI_GUEST_PM_TMR_PORT,
        .reset_port = ACPI_GUEST_RESET_PORT,
        .reset_value = ACPI_GUEST_RESET_VALUE,
        .sci_irq = ACPI_GUEST_SCI_IRQ,
        .rtc_century = ACPI_GUEST_RTC_CENTURY,
    };
}

/* The port blocks must fit below 0x10000 and not overlap. */
static bool acpi_guest_ports_ok(const struct acpi_guest_config *cfg)
{
    const struct { uint32_t first, len; } blk[] = {
        { cfg->pm1a_evt_port, PM1_EVT_LEN },
        { cfg->pm1a_cnt_port, PM1_CNT_LEN },
        { cfg->pm_tmr_port, cfg->pm_tmr_port ? PM_TMR_LEN : 0 },
        { cfg->reset_port, cfg->reset_port ? 1 : 0 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(blk); i++) {
        if (blk[i].first + blk[i].len > 0x10000)
            return false;
        for (size_t j = 0; j < i; j++)
            if (blk[i].len && blk[j].len &&
                blk[i].first < blk[j].first + blk[j].len &&
                blk[j].first < blk[i].first + blk[i].len)
                return false;
    }
    return true;
}

/* SCI_INT names an 8259 input: 0-15 but not 2, the slave's cascade.
 * The base must suit the RSDP (16-byte aligned) and lie below 4 GiB. */
static int acpi_guest_check(const struct acpi_guest_config *cfg,
                            uint64_t gpa_base)
{
    if (!cfg->pm1a_evt_port || !cfg->pm1a_cnt_port ||
        !acpi_guest_ports_ok(cfg))
        return -EINVAL;
    if (cfg->sci_irq > 15 || cfg->sci_irq == 2 || cfg->rtc_century > 0x7f)
        return -EINVAL;
    if ((gpa_base & 15) || gpa_base >= 0x100000000ull)
        return -EINVAL;
    return 0;
}

/*
 * Place the tables: the RSDP at offset 0, the FACS on a 64-byte
 * boundary (the specification requires it), the others on 16-byte
 * boundaries, which gpa_base already is.
 */
static void acpi_guest_place(uint64_t gpa_base, struct acpi_guest_layout *l)
{
    l->facs = ALIGN_UP(gpa_base + sizeof(struct acpi_rsdp), 64) - gpa_base;
    l->rsdt = ALIGN_UP(l->facs + sizeof(struct acpi_facs), 16);
    l->xsdt = ALIGN_UP(l->rsdt + sizeof(struct acpi_sdt_header) + 4, 16);
    l->fadt = ALIGN_UP(l->xsdt + sizeof(struct acpi_sdt_header) + 8, 16);
    l->dsdt = ALIGN_UP(l->fadt + sizeof(struct acpi_fadt), 16);
    l->end = l->dsdt + sizeof(struct acpi_sdt_header) +
             sizeof(acpi_guest_dsdt_aml);
}

/* The value that makes 'len' bytes at 'p' sum to zero, with the checksum
 * byte itself still 0. */
static uint8_t acpi_guest_checksum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += b[i];
    return (uint8_t)-sum;
}

static void acpi_guest_header(struct acpi_sdt_header *h, const char *sig,
                              uint32_t len, uint8_t revision)
{
    memcpy(h->signature, sig, 4);
    h->length = len;
    h->revision = revision;
    memcpy(h->oem_id, ACPI_OEM_ID, sizeof(h->oem_id));
    memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, sizeof(h->oem_table_id));
    h->oem_revision = 1;
    memcpy(h->creator_id, ACPI_CREATOR_ID, sizeof(h->creator_id));
    h->creator_revision = 1;
}

/* Last, once every field is in: the checksum over the whole table. */
static void acpi_guest_seal(struct acpi_sdt_header *h)
{
    h->checksum = acpi_guest_checksum(h, h->length);
}

/* An I/O register block of 'len' ports at 'port'; all zero (no block)
 * for port 0. */
static struct acpi_gas acpi_guest_io(uint16_t port, unsigned int len,
                                     uint8_t access_size)
{
    if (!port)
        return (struct acpi_gas){ 0 };
    return (struct acpi_gas){
        .space_id = GAS_SYSTEM_IO,
        .bit_width = (uint8_t)(len * 8),
        .access_size = access_size,
        .address = port,
    };
}

/*
 * The register blocks, each twice: the ACPI 1.0 field (a port and a
 * length) and its ACPI 2.0 X_ field (a Generic Address Structure), the
 * same register in both. ACPICA, Linux's ACPI core, warns about any
 * mismatch, and uses the X_ field.
 *
 * SMI_CMD = 0 says there is no SMI command port: the platform is
 * always in ACPI mode, so the OS never writes ACPI_ENABLE anywhere and
 * PM1_CNT.SCI_EN reads 1. PM1b, PM2 and the GPE blocks do not exist.
 * The PM timer's block is 0 when the config has none (optional since
 * ACPI 5.0A; Linux then counts time without it).
 */
static void acpi_guest_fadt_blocks(struct acpi_fadt *f,
                                   const struct acpi_guest_config *cfg)
{
    f->sci_int = cfg->sci_irq;
    f->smi_cmd = 0;
    f->pm1a_evt_blk = cfg->pm1a_evt_port;
    f->pm1_evt_len = PM1_EVT_LEN;
    f->x_pm1a_evt_blk = acpi_guest_io(cfg->pm1a_evt_port, PM1_EVT_LEN,
                                      GAS_ACCESS_WORD);
    f->pm1a_cnt_blk = cfg->pm1a_cnt_port;
    f->pm1_cnt_len = PM1_CNT_LEN;
    f->x_pm1a_cnt_blk = acpi_guest_io(cfg->pm1a_cnt_port, PM1_CNT_LEN,
                                      GAS_ACCESS_WORD);
    if (cfg->pm_tmr_port) {
        f->pm_tmr_blk = cfg->pm_tmr_port;
        f->pm_tmr_len = PM_TMR_LEN;
        f->x_pm_tmr_blk = acpi_guest_io(cfg->pm_tmr_port, PM_TMR_LEN,
                                        GAS_ACCESS_DWORD);
    }
}

/*
 * What the platform is and can do, and the reset register.
 *
 * Flags: WBINVD works (required of every ACPI 2.0+ platform); C1 (HLT)
 * works on every processor; there is no fixed-feature power or sleep
 * button (PWR_BUTTON, SLP_BUTTON set: the OS makes no button device and
 * enables no button event); no RTC wake status in PM1 (FIX_RTC); the
 * PM timer is 24 bits (TMR_VAL_EXT clear); RESET_REG_SUP when there is
 * a reset register. C2 and C3 are absent: their latencies are above the
 * limits (100 and 1000 us) that mean "not supported".
 *
 * IAPC_BOOT_ARCH: ISA-style legacy devices (the UART, the RTC) and an
 * 8042 are present (Linux probes the 8042 only when this bit is set);
 * MSIs are not supported, as they are messages to a local APIC, which
 * the guest does not have. The VGA bit stays clear: the DM has the VGA
 * text window.
 *
 * CENTURY tells the OS which CMOS byte holds the century (Linux's RTC
 * driver then reads and writes years past 2099); DAY_ALRM and MON_ALRM
 * are 0, as Tern's RTC has no day or month alarm.
 */
static void acpi_guest_fadt_platform(struct acpi_fadt *f,
                                     const struct acpi_guest_config *cfg)
{
    f->flags = FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON |
               FADT_SLP_BUTTON | FADT_FIX_RTC;
    f->iapc_boot_arch = BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_8042 |
                        BOOT_ARCH_MSI_NOT_SUPPORTED;
    f->p_lvl2_lat = 101;
    f->p_lvl3_lat = 1001;
    f->century = cfg->rtc_century;
    if (cfg->reset_port) {
        f->flags |= FADT_RESET_REG_SUP;
        f->reset_reg = acpi_guest_io(cfg->reset_port, 1, GAS_ACCESS_BYTE);
        f->reset_value = cfg->reset_value;
    }
    memcpy(f->hypervisor_vendor, "Tern\0\0\0\0", sizeof(f->hypervisor_vendor));
}

/*
 * The FADT points to the FACS and the DSDT. The FACS's address goes in
 * FIRMWARE_CTRL only: the specification allows at most one of
 * FIRMWARE_CTRL and X_FIRMWARE_CTRL to be non-zero. The DSDT's goes in
 * both DSDT and X_DSDT, the same value.
 */
static void acpi_guest_fadt(uint8_t *buf, uint64_t gpa_base,
                            const struct acpi_guest_layout *l,
                            const struct acpi_guest_config *cfg)
{
    struct acpi_fadt *f = (struct acpi_fadt *)(buf + l->fadt);

    acpi_guest_header(&f->h, "FACP", sizeof(*f), FADT_REVISION);
    f->minor_version = FADT_MINOR_VERSION;
    f->firmware_ctrl = (uint32_t)(gpa_base + l->facs);
    f->dsdt = (uint32_t)(gpa_base + l->dsdt);
    f->x_dsdt = gpa_base + l->dsdt;
    acpi_guest_fadt_blocks(f, cfg);
    acpi_guest_fadt_platform(f, cfg);
    acpi_guest_seal(&f->h);
}

/* The FACS: no waking vector (the guest never sleeps and wakes), the
 * global lock free. It has no checksum. */
static void acpi_guest_facs(uint8_t *buf, const struct acpi_guest_layout *l)
{
    struct acpi_facs *facs = (struct acpi_facs *)(buf + l->facs);

    memcpy(facs->signature, "FACS", 4);
    facs->length = sizeof(*facs);
    facs->version = FACS_VERSION;
}

static void acpi_guest_dsdt(uint8_t *buf, const struct acpi_guest_layout *l)
{
    struct acpi_sdt_header *h = (struct acpi_sdt_header *)(buf + l->dsdt);

    acpi_guest_header(h, "DSDT", sizeof(*h) + sizeof(acpi_guest_dsdt_aml),
                      DSDT_REVISION);
    memcpy(h + 1, acpi_guest_dsdt_aml, sizeof(acpi_guest_dsdt_aml));
    acpi_guest_seal(h);
}

/* The RSDT and XSDT list one table, the FADT; the FADT leads to the
 * FACS and the DSDT. */
static void acpi_guest_roots(uint8_t *buf, uint64_t gpa_base,
                             const struct acpi_guest_layout *l)
{
    struct acpi_sdt_header *rsdt = (struct acpi_sdt_header *)(buf + l->rsdt);
    uint32_t fadt32 = (uint32_t)(gpa_base + l->fadt);
    acpi_guest_header(rsdt, "RSDT", sizeof(*rsdt) + 4, 1);
    memcpy(rsdt + 1, &fadt32, 4);
    acpi_guest_seal(rsdt);

    struct acpi_sdt_header *xsdt = (struct acpi_sdt_header *)(buf + l->xsdt);
    uint64_t fadt64 = gpa_base + l->fadt;
    acpi_guest_header(xsdt, "XSDT", sizeof(*xsdt) + 8, 1);
    memcpy(xsdt + 1, &fadt64, 8);
    acpi_guest_seal(xsdt);
}

/* Revision 2 with both root tables: Linux takes the XSDT when the RSDP
 * is revision 2 or later; an ACPI 1.0 reader uses the first 20 bytes
 * and the RSDT. */
static void acpi_guest_rsdp(uint8_t *buf, uint64_t gpa_base,
                            const struct acpi_guest_layout *l)
{
    struct acpi_rsdp *r = (struct acpi_rsdp *)buf;

    memcpy(r->signature, "RSD PTR ", 8);
    memcpy(r->oem_id, ACPI_OEM_ID, sizeof(r->oem_id));
    r->revision = 2;
    r->rsdt_address = (uint32_t)(gpa_base + l->rsdt);
    r->length = sizeof(*r);
    r->xsdt_address = gpa_base + l->xsdt;
    r->checksum = acpi_guest_checksum(r, 20);
    r->extended_checksum = acpi_guest_checksum(r, sizeof(*r));
}

int acpi_guest_build(void *buf, size_t size, uint64_t gpa_base,
                     const struct acpi_guest_config *cfg, uint64_t *rsdp_gpa)
{
    struct acpi_guest_layout l;
    int rc = acpi_guest_check(cfg, gpa_base);
    if (rc)
        return rc;
    acpi_guest_place(gpa_base, &l);
    if (gpa_base + l.end > 0x100000000ull)
        return -EINVAL;
    if (size < l.end)
        return -ENOSPC;

    memset(buf, 0, l.end);
    acpi_guest_facs(buf, &l);
    acpi_guest_dsdt(buf, &l);
    acpi_guest_fadt(buf, gpa_base, &l, cfg);
    acpi_guest_roots(buf, gpa_base, &l);
    acpi_guest_rsdp(buf, gpa_base, &l);
    *rsdp_gpa = gpa_base;
    return (int)l.end;
}
