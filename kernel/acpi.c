/*
 * kernel/acpi.c: find the FADT and MADT, and learn how to power off.
 *
 * ACPI describes the platform in tables reached from the RSDP. Tern reads
 * only what it needs to end a run on real hardware:
 *   - FADT: the PM1 control blocks (writing SLP_TYP | SLP_EN there enters
 *     a sleep state), the SMI command port to switch the chipset to ACPI
 *     mode, and the reset register;
 *   - DSDT: the \_S5 package, which gives the SLP_TYP values for soft off.
 *     Tern has no AML interpreter; like many small kernels it finds the
 *     name "_S5_" followed by a PackageOp and reads its first two
 *     integers (ACPI specification, "ACPI Source Language (ASL)
 *     Reference" for the encoding: PackageOp 0x12, BytePrefix 0x0A,
 *     ZeroOp 0x00, OneOp 0x01);
 *   - MADT: the number of enabled local APICs, for the banner.
 *
 * Context: boot (acpi_init), then any context (power-off, reset).
 */
#include <tern/acpi.h>
#include <tern/boot_info.h>
#include <tern/console.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/x86.h>

#define SDT_HEADER_LEN      36
#define FADT_DSDT           40
#define FADT_SMI_CMD        48
#define FADT_ACPI_ENABLE    52
#define FADT_PM1A_CNT       64
#define FADT_PM1B_CNT       68
#define FADT_FLAGS          112
#define FADT_RESET_REG      116     /* Generic Address Structure, 12 bytes */
#define FADT_RESET_VALUE    128
#define FADT_X_DSDT         140
#define FADT_RESET_REG_SUP  (1u << 10)
#define GAS_SYSTEM_IO       1
#define MADT_LAPIC_ADDR     36
#define MADT_ENTRIES        44
#define MADT_TYPE_LAPIC     0
#define MADT_TYPE_IOAPIC    1
#define MADT_TYPE_X2APIC    9
#define PM1_SLP_EN          (1u << 13)
#define PM1_SCI_EN          (1u << 0)
#define AML_PACKAGE_OP      0x12
#define AML_BYTE_PREFIX     0x0a
#define MAX_TABLE_LEN       (1u << 20)

struct acpi_info acpi;

static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static bool checksum_ok(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += p[i];
    return sum == 0;
}

/* A whole table at 'pa' into a heap-free static buffer: tables Tern reads
 * are small (the DSDT of a PC is tens of KiB). Returns its length or 0. */
static uint8_t table_buf[256 * 1024];

static uint32_t load_table(acpi_read_fn read, uint64_t pa, const char *sig)
{
    uint8_t hdr[SDT_HEADER_LEN];
    if (!pa || read(pa, hdr, sizeof(hdr)))
        return 0;
    uint32_t len = get32(hdr + 4);
    if (memcmp(hdr, sig, 4) != 0 || len < SDT_HEADER_LEN ||
        len > sizeof(table_buf) || read(pa, table_buf, len))
        return 0;
    if (!checksum_ok(table_buf, len)) {
        pr_warn("acpi: %s table at %#lx has a bad checksum; ignored\n", sig, pa);
        return 0;
    }
    return len;
}

/* Find \_S5's SLP_TYPa/b in the DSDT in table_buf. */
static void parse_s5(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
    for (uint32_t i = SDT_HEADER_LEN; i + 8 < len; i++) {
        if (memcmp(t + i, "_S5_", 4) != 0 || t[i + 4] != AML_PACKAGE_OP)
            continue;
        uint32_t p = i + 5;
        p += ((t[p] >> 6) & 3) + 1;     /* PkgLength: 1-4 bytes */
        p++;                            /* NumElements */
        uint8_t v[2];
        for (int k = 0; k < 2; k++) {
            if (p >= len)
                return;
            if (t[p] == AML_BYTE_PREFIX && p + 1 < len) {
                v[k] = t[p + 1];
                p += 2;
            } else if (t[p] <= 1) {     /* ZeroOp, OneOp */
                v[k] = t[p];
                p += 1;
            } else {
                return;
            }
        }
        out->slp_typa = v[0] & 7;
        out->slp_typb = v[1] & 7;
        out->has_s5 = true;
        return;
    }
}

static void parse_fadt(acpi_read_fn read, uint64_t pa, struct acpi_info *out)
{
    uint32_t len = load_table(read, pa, "FACP");
    if (!len || len < FADT_PM1B_CNT + 4)
        return;
    const uint8_t *f = table_buf;
    out->smi_cmd = (uint16_t)get32(f + FADT_SMI_CMD);
    out->acpi_enable = f[FADT_ACPI_ENABLE];
    out->pm1a_cnt = (uint16_t)get32(f + FADT_PM1A_CNT);
    out->pm1b_cnt = (uint16_t)get32(f + FADT_PM1B_CNT);
    if (len >= FADT_RESET_VALUE + 1 && (get32(f + FADT_FLAGS) & FADT_RESET_REG_SUP) &&
        f[FADT_RESET_REG] == GAS_SYSTEM_IO) {
        out->has_reset = true;
        out->reset_port = (uint16_t)get64(f + FADT_RESET_REG + 4);
        out->reset_value = f[FADT_RESET_VALUE];
    }
    uint64_t dsdt = get32(f + FADT_DSDT);
    if (len >= FADT_X_DSDT + 8 && get64(f + FADT_X_DSDT))
        dsdt = get64(f + FADT_X_DSDT);
    uint32_t dlen = load_table(read, dsdt, "DSDT");
    if (dlen)
        parse_s5(table_buf, dlen, out);
}

static void parse_madt(acpi_read_fn read, uint64_t pa, struct acpi_info *out)
{
    uint32_t len = load_table(read, pa, "APIC");
    if (len < MADT_ENTRIES)
        return;
    out->lapic_addr = get32(table_buf + MADT_LAPIC_ADDR);
    for (uint32_t p = MADT_ENTRIES; p + 2 <= len;) {
        uint8_t type = table_buf[p], elen = table_buf[p + 1];
        if (elen < 2 || p + elen > len)
            break;
        /* Flags bit 0: enabled (ACPI, "Processor Local APIC Structure"). */
        if (type == MADT_TYPE_LAPIC && elen >= 8 && (get32(table_buf + p + 4) & 1))
            out->nr_cpus++;
        if (type == MADT_TYPE_X2APIC && elen >= 16 && (get32(table_buf + p + 8) & 1))
            out->nr_cpus++;
        /* "I/O APIC Structure": id, address, global interrupt base. */
        if (type == MADT_TYPE_IOAPIC && elen >= 12 &&
            out->nr_ioapics < ARRAY_SIZE(out->ioapic_addr))
            out->ioapic_addr[out->nr_ioapics++] = get32(table_buf + p + 4);
        p += elen;
    }
}

void acpi_parse(const uint8_t *rsdp, acpi_read_fn read, struct acpi_info *out)
{
    memset(out, 0, sizeof(*out));
    if (memcmp(rsdp, "RSD PTR ", 8) != 0 || !checksum_ok(rsdp, 20)) {
        pr_warn("acpi: the RSDP is invalid (signature or checksum)\n");
        return;
    }
    out->revision = rsdp[15];
    bool xsdt = out->revision >= 2 && get64(rsdp + 24) && checksum_ok(rsdp, 36);
    uint64_t root_pa = xsdt ? get64(rsdp + 24) : get32(rsdp + 16);
    uint32_t len = load_table(read, root_pa, xsdt ? "XSDT" : "RSDT");
    if (!len)
        return;
    out->found = true;

    /* Copy the entry list: load_table() reuses table_buf. */
    unsigned int esize = xsdt ? 8 : 4;
    unsigned int n = MIN((len - SDT_HEADER_LEN) / esize, 64u);
    uint64_t entries[64];
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *e = table_buf + SDT_HEADER_LEN + i * esize;
        entries[i] = xsdt ? get64(e) : get32(e);
    }
    for (unsigned i = 0; i < n; i++) {
        char sig[4];
        if (read(entries[i], sig, 4))
            continue;
        if (!memcmp(sig, "FACP", 4))
            parse_fadt(read, entries[i], out);
        else if (!memcmp(sig, "APIC", 4))
            parse_madt(read, entries[i], out);
    }
}

#ifndef UNIT_TEST
static int read_phys(uint64_t pa, void *buf, size_t len)
{
    /* The direct map covers all RAM and the first 4 GiB. */
    struct frame_stats st;
    frame_get_stats(&st);
    if (pa + len > MAX(st.max_phys, 0x100000000ul))
        return -EFAULT;
    memcpy(buf, phys_to_virt(pa), len);
    return 0;
}

/* Without a loader-provided RSDP: search the EBDA's first KiB and the BIOS
 * area 0xE0000-0xFFFFF on 16-byte boundaries (ACPI, "Finding the RSDP on
 * IA-PC Systems"). */
static const uint8_t *find_rsdp_bios(void)
{
    uint64_t ebda = (uint64_t)*(const uint16_t *)phys_to_virt(0x40e) << 4;
    uint64_t ranges[2][2] = { { ebda, ebda + 1024 }, { 0xe0000, 0x100000 } };
    for (int r = 0; r < 2; r++) {
        for (uint64_t pa = ranges[r][0]; pa + 20 <= ranges[r][1]; pa += 16) {
            const uint8_t *p = phys_to_virt(pa);
            if (!memcmp(p, "RSD PTR ", 8) && checksum_ok(p, 20))
                return p;
        }
    }
    return NULL;
}

void acpi_init(const struct boot_info *bi)
{
    const uint8_t *rsdp = bi->has_rsdp ? bi->rsdp : find_rsdp_bios();
    if (!rsdp) {
        pr_info("acpi: no RSDP found; power-off uses emulator ports only\n");
        return;
    }
    acpi_parse(rsdp, read_phys, &acpi);
    if (!acpi.found)
        return;
    pr_info("acpi: revision %u, %u CPU%s and %u I/O APIC%s in the MADT, PM1a "
            "control %#x, \\_S5 %s, reset register %s\n", acpi.revision,
            acpi.nr_cpus, acpi.nr_cpus == 1 ? "" : "s", acpi.nr_ioapics,
            acpi.nr_ioapics == 1 ? "" : "s", acpi.pm1a_cnt,
            acpi.has_s5 ? "found" : "not found",
            acpi.has_reset ? "present" : "absent");
}

void acpi_poweroff(void)
{
    if (!acpi.found || !acpi.has_s5 || !acpi.pm1a_cnt)
        return;
    /* Switch the chipset from legacy to ACPI mode if it is not yet. */
    if (!(inw(acpi.pm1a_cnt) & PM1_SCI_EN) && acpi.smi_cmd && acpi.acpi_enable) {
        outb(acpi.smi_cmd, acpi.acpi_enable);
        for (int i = 0; i < 1000000 && !(inw(acpi.pm1a_cnt) & PM1_SCI_EN); i++)
            cpu_relax();
    }
    outw(acpi.pm1a_cnt, (uint16_t)((acpi.slp_typa << 10) | PM1_SLP_EN));
    if (acpi.pm1b_cnt)
        outw(acpi.pm1b_cnt, (uint16_t)((acpi.slp_typb << 10) | PM1_SLP_EN));
}

void acpi_reset(void)
{
    if (acpi.found && acpi.has_reset)
        outb(acpi.reset_port, acpi.reset_value);
}
#endif
