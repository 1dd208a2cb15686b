/*
 * tests/unit/test_acpi_guest.c: the guest's ACPI tables
 * (kernel/acpi_guest.c), checked field by field at the byte offsets of
 * the ACPI specification (not through the builder's structs), then read
 * back by Tern's own table parser (kernel/acpi.c).
 *
 * With ACPI_GUEST_DUMP=DIR in the environment, the test also writes the
 * default tables to DIR/{rsdp,rsdt,xsdt,facp,facs,dsdt}.dat, for a
 * disassembler: `iasl -d DIR/dsdt.dat` (docs/linux-acpi.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "stub.h"
#include <tern/acpi.h>
#include <tern/acpi_guest.h>
#include <tern/errno.h>

#define BASE        0xe0000ull      /* where Tern puts them: the BIOS area */

static uint8_t buf[ACPI_GUEST_TABLES_MAX];
static struct acpi_guest_config cfg;

static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s += p[i];
    return s;
}

/* The table at guest-physical 'gpa' of a build at 'base' that used 'len'
 * bytes: it must lie wholly inside them. */
static const uint8_t *at(uint64_t base, int len, uint64_t gpa, size_t size)
{
    if (gpa < base || gpa + size > base + (uint64_t)len)
        fail_msg("table at %#llx (+%zu) is outside [%#llx, %#llx)",
                 (unsigned long long)gpa, size, (unsigned long long)base,
                 (unsigned long long)base + len);
    return buf + (gpa - base);
}

/* A table with an SDT header: signature, length, checksum, OEM ID. */
static const uint8_t *sdt(uint64_t base, int len, uint64_t gpa,
                          const char *sig, uint32_t want_len)
{
    const uint8_t *t = at(base, len, gpa, 36);
    assert_memory_equal(t, sig, 4);
    assert_int_equal(get32(t + 4), want_len);
    t = at(base, len, gpa, want_len);
    assert_int_equal(sum(t, want_len), 0);
    assert_memory_equal(t + 10, "TERN  ", 6);
    assert_int_equal(gpa % 16, 0);
    return t;
}

struct tables {
    const uint8_t *rsdp, *rsdt, *xsdt, *fadt, *facs, *dsdt;
};

/* Walk RSDP -> RSDT/XSDT -> FADT -> FACS/DSDT, checking each link. */
static void walk(uint64_t base, int len, struct tables *t)
{
    assert_true(len > 0 && len <= ACPI_GUEST_TABLES_MAX);
    t->rsdp = buf;
    assert_memory_equal(t->rsdp, "RSD PTR ", 8);
    assert_int_equal(sum(t->rsdp, 20), 0);          /* ACPI 1.0 checksum */
    assert_int_equal(t->rsdp[15], 2);               /* revision */
    assert_int_equal(get32(t->rsdp + 20), 36);      /* length */
    assert_int_equal(sum(t->rsdp, 36), 0);          /* extended checksum */

    t->rsdt = sdt(base, len, get32(t->rsdp + 16), "RSDT", 36 + 4);
    t->xsdt = sdt(base, len, get64(t->rsdp + 24), "XSDT", 36 + 8);
    uint32_t fadt = get32(t->rsdt + 36);
    assert_int_equal(get64(t->xsdt + 36), fadt);    /* same list */
    t->fadt = sdt(base, len, fadt, "FACP", 276);
    assert_int_equal(t->fadt[8], 6);                /* FADT revision */
    assert_int_equal(t->fadt[131], 4);              /* minor version */

    uint32_t facs = get32(t->fadt + 36);            /* FIRMWARE_CTRL */
    assert_int_equal(get64(t->fadt + 132), 0);      /* X_FIRMWARE_CTRL */
    assert_int_equal(facs % 64, 0);
    t->facs = at(base, len, facs, 64);
    assert_memory_equal(t->facs, "FACS", 4);
    assert_int_equal(get32(t->facs + 4), 64);
    assert_int_equal(t->facs[32], 2);               /* version */

    uint32_t dsdt = get32(t->fadt + 40);
    assert_int_equal(get64(t->fadt + 140), dsdt);   /* X_DSDT */
    uint32_t dlen = get32(at(base, len, dsdt, 8) + 4);
    t->dsdt = sdt(base, len, dsdt, "DSDT", dlen);
    assert_int_equal(t->dsdt[8], 2);                /* 64-bit integers */
}

static int build_default(void)
{
    uint64_t rsdp = 0;
    acpi_guest_config_default(&cfg);
    memset(buf, 0xaa, sizeof(buf));
    int len = acpi_guest_build(buf, sizeof(buf), BASE, &cfg, &rsdp);
    assert_true(len > 0);
    assert_int_equal(rsdp, BASE);
    return len;
}

/* A GAS: system I/O, 'bits' wide, offset 0, 'access' size, at 'port'. */
static void expect_gas(const uint8_t *g, unsigned bits, unsigned access,
                       uint64_t port)
{
    assert_int_equal(g[0], 1);
    assert_int_equal(g[1], bits);
    assert_int_equal(g[2], 0);
    assert_int_equal(g[3], access);
    assert_int_equal(get64(g + 4), port);
}

static void expect_zero(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i])
            fail_msg("byte %zu is %#x, want 0", i, p[i]);
}

/* ---- tests ---- */

static void test_default_tables_link_up(void **state)
{
    struct tables t;
    int len = build_default();
    walk(BASE, len, &t);
    assert_true(len <= 600);
    /* Nothing past the end was touched. */
    for (size_t i = (size_t)len; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0xaa);
}

/* The fields Linux reads (ACPICA's FADT conversion, x86 acpi_parse_fadt,
 * the S5 and reset paths). */
static void test_fadt_fields(void **state)
{
    struct tables t;
    walk(BASE, build_default(), &t);
    const uint8_t *f = t.fadt;

    assert_int_equal(get16(f + 46), 9);             /* SCI_INT */
    assert_int_equal(get32(f + 48), 0);             /* SMI_CMD: none */
    assert_int_equal(f[52], 0);                     /* ACPI_ENABLE */
    assert_int_equal(f[53], 0);                     /* ACPI_DISABLE */
    assert_int_equal(get32(f + 56), 0x600);         /* PM1a_EVT_BLK */
    assert_int_equal(get32(f + 60), 0);             /* PM1b_EVT_BLK */
    assert_int_equal(get32(f + 64), 0x604);         /* PM1a_CNT_BLK */
    assert_int_equal(get32(f + 68), 0);             /* PM1b_CNT_BLK */
    assert_int_equal(get32(f + 72), 0);             /* PM2_CNT_BLK */
    assert_int_equal(get32(f + 76), 0x608);         /* PM_TMR_BLK */
    assert_int_equal(get32(f + 80), 0);             /* GPE0_BLK */
    assert_int_equal(get32(f + 84), 0);             /* GPE1_BLK */
    assert_int_equal(f[88], 4);                     /* PM1_EVT_LEN */
    assert_int_equal(f[89], 2);                     /* PM1_CNT_LEN */
    assert_int_equal(f[90], 0);                     /* PM2_CNT_LEN */
    assert_int_equal(f[91], 4);                     /* PM_TMR_LEN */
    assert_int_equal(f[92], 0);                     /* GPE0_BLK_LEN */
    assert_int_equal(f[93], 0);                     /* GPE1_BLK_LEN */
    assert_true(get16(f + 96) > 100);               /* no C2 */
    assert_true(get16(f + 98) > 1000);              /* no C3 */
    assert_int_equal(f[106], 0);                    /* DAY_ALRM */
    assert_int_equal(f[107], 0);                    /* MON_ALRM */
    assert_int_equal(f[108], 0x32);                 /* CENTURY */

    /* IAPC_BOOT_ARCH: legacy devices, 8042, no MSI; VGA and CMOS RTC
     * present. */
    assert_int_equal(get16(f + 109), 0x0b);

    /* Flags: WBINVD, PROC_C1, PWR_BUTTON, SLP_BUTTON, FIX_RTC,
     * RESET_REG_SUP; not TMR_VAL_EXT (24-bit timer), not
     * HW_REDUCED_ACPI. */
    uint32_t flags = get32(f + 112);
    assert_int_equal(flags, (1u << 0) | (1u << 2) | (1u << 4) | (1u << 5) |
                            (1u << 6) | (1u << 10));

    expect_gas(f + 116, 8, 1, 0xcf9);               /* RESET_REG */
    assert_int_equal(f[128], 0x06);                 /* RESET_VALUE */

    /* The X_ blocks: the same registers as the 32-bit fields. */
    expect_gas(f + 148, 32, 2, 0x600);              /* X_PM1a_EVT_BLK */
    expect_gas(f + 172, 16, 2, 0x604);              /* X_PM1a_CNT_BLK */
    expect_gas(f + 208, 32, 3, 0x608);              /* X_PM_TMR_BLK */
    expect_zero(f + 160, 12);                       /* X_PM1b_EVT_BLK */
    expect_zero(f + 184, 12 * 2);                   /* X_PM1b_CNT, X_PM2 */
    expect_zero(f + 220, 12 * 4);                   /* GPEs, sleep regs */
    assert_memory_equal(f + 268, "Tern\0\0\0\0", 8);
}

/* Decode one AML integer: ZeroOp, OneOp or BytePrefix. */
static unsigned aml_int(const uint8_t **p)
{
    const uint8_t *a = *p;
    if (a[0] == 0x00 || a[0] == 0x01) {
        *p = a + 1;
        return a[0];
    }
    assert_int_equal(a[0], 0x0a);
    *p = a + 2;
    return a[1];
}

/* Name (\_S5, Package (4) { 5, 5, 0, 0 }), and nothing else. */
static void test_dsdt_s5(void **state)
{
    struct tables t;
    walk(BASE, build_default(), &t);
    uint32_t len = get32(t.dsdt + 4);
    const uint8_t *p = t.dsdt + 36, *end = t.dsdt + len;

    assert_int_equal(*p++, 0x08);                   /* NameOp */
    assert_memory_equal(p, "\\_S5_", 5);            /* RootChar, NameSeg */
    p += 5;
    assert_int_equal(*p++, 0x12);                   /* PackageOp */
    assert_int_equal(*p >> 6, 0);                   /* one-byte PkgLength */
    assert_int_equal(p + (*p & 0x3f), end);         /* package ends table */
    p++;
    assert_int_equal(*p++, 4);                      /* NumElements */
    unsigned want[4] = { ACPI_GUEST_SLP_TYP_S5, ACPI_GUEST_SLP_TYP_S5, 0, 0 };
    for (int i = 0; i < 4; i++)
        assert_int_equal(aml_int(&p), want[i]);
    assert_ptr_equal(p, end);
}

/* Tern's own ACPI parser (the one it runs on real machines) reads the
 * tables back from "guest memory". */
static uint8_t mem[0x100000];

static int mem_read(uint64_t pa, void *dst, size_t len)
{
    if (pa + len > sizeof(mem))
        return -EFAULT;
    memcpy(dst, mem + pa, len);
    return 0;
}

static void test_tern_parser_agrees(void **state)
{
    struct acpi_info a;
    int len = build_default();
    memset(mem, 0, sizeof(mem));
    memcpy(mem + BASE, buf, (size_t)len);
    stub_reset();
    acpi_parse(mem + BASE, mem_read, &a);
    assert_true(a.found);
    assert_int_equal(a.revision, 2);
    assert_int_equal(a.pm1a_cnt, 0x604);
    assert_int_equal(a.pm1b_cnt, 0);
    assert_int_equal(a.smi_cmd, 0);
    assert_true(a.has_s5);
    assert_int_equal(a.slp_typa, 5);
    assert_true(a.has_reset);
    assert_int_equal(a.reset_port, 0xcf9);
    assert_int_equal(a.reset_value, 6);
    assert_int_equal(a.nr_cpus, 0);                 /* no MADT */
    assert_int_equal(a.nr_ioapics, 0);
    assert_null(strstr(stub_log, "checksum"));
}

/* Without a PM timer or a reset register, their fields are all zero
 * and RESET_REG_SUP is clear. */
static void test_optional_blocks_absent(void **state)
{
    struct tables t;
    uint64_t rsdp;
    acpi_guest_config_default(&cfg);
    cfg.pm_tmr_port = 0;
    cfg.reset_port = 0;
    cfg.rtc_century = 0;
    int len = acpi_guest_build(buf, sizeof(buf), BASE, &cfg, &rsdp);
    walk(BASE, len, &t);
    assert_int_equal(get32(t.fadt + 76), 0);
    assert_int_equal(t.fadt[91], 0);
    expect_zero(t.fadt + 208, 12);
    assert_int_equal(get32(t.fadt + 112) & (1u << 10), 0);
    expect_zero(t.fadt + 116, 13);                  /* RESET_REG, value */
    assert_int_equal(t.fadt[108], 0);
}

/* Other ports and IRQ land where the config says. */
static void test_config_is_followed(void **state)
{
    struct tables t;
    uint64_t rsdp;
    acpi_guest_config_default(&cfg);
    cfg.pm1a_evt_port = 0xb000;
    cfg.pm1a_cnt_port = 0xb004;
    cfg.pm_tmr_port = 0xb008;
    cfg.sci_irq = 11;
    cfg.reset_port = 0x92;
    cfg.reset_value = 0x01;
    walk(BASE, acpi_guest_build(buf, sizeof(buf), BASE, &cfg, &rsdp), &t);
    assert_int_equal(get16(t.fadt + 46), 11);
    expect_gas(t.fadt + 148, 32, 2, 0xb000);
    expect_gas(t.fadt + 172, 16, 2, 0xb004);
    expect_gas(t.fadt + 208, 32, 3, 0xb008);
    assert_int_equal(get32(t.fadt + 56), 0xb000);
    assert_int_equal(get32(t.fadt + 64), 0xb004);
    assert_int_equal(get32(t.fadt + 76), 0xb008);
    expect_gas(t.fadt + 116, 8, 1, 0x92);
    assert_int_equal(t.fadt[128], 0x01);
}

/* Any 16-byte aligned base works; the FACS still lands on 64 bytes. */
static void test_other_bases(void **state)
{
    const uint64_t bases[] = { 0xe0010, 0xe0020, 0xe0030, 0xf0000,
                               0x100000, 0xfffff000 };
    acpi_guest_config_default(&cfg);
    for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
        struct tables t;
        uint64_t rsdp = 0;
        int len = acpi_guest_build(buf, sizeof(buf), bases[i], &cfg, &rsdp);
        assert_int_equal(rsdp, bases[i]);
        walk(bases[i], len, &t);
    }
}

static void test_buffer_too_small(void **state)
{
    uint64_t rsdp = 0x1234;
    int len = build_default();
    memset(buf, 0xaa, sizeof(buf));
    assert_int_equal(acpi_guest_build(buf, (size_t)len - 1, BASE, &cfg, &rsdp),
                     -ENOSPC);
    assert_int_equal(acpi_guest_build(buf, 0, BASE, &cfg, &rsdp), -ENOSPC);
    assert_int_equal(acpi_guest_build(buf, 36, BASE, &cfg, &rsdp), -ENOSPC);
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0xaa);             /* nothing written */
    assert_int_equal(rsdp, 0x1234);
    assert_int_equal(acpi_guest_build(buf, (size_t)len, BASE, &cfg, &rsdp),
                     len);
}

static int build_with(void (*change)(struct acpi_guest_config *), uint64_t base)
{
    uint64_t rsdp;
    acpi_guest_config_default(&cfg);
    change(&cfg);
    return acpi_guest_build(buf, sizeof(buf), base, &cfg, &rsdp);
}

static void no_change(struct acpi_guest_config *c) { (void)c; }
static void no_evt(struct acpi_guest_config *c) { c->pm1a_evt_port = 0; }
static void no_cnt(struct acpi_guest_config *c) { c->pm1a_cnt_port = 0; }
static void cnt_in_evt(struct acpi_guest_config *c) { c->pm1a_cnt_port = 0x602; }
static void tmr_on_cnt(struct acpi_guest_config *c) { c->pm_tmr_port = 0x605; }
static void reset_in_tmr(struct acpi_guest_config *c) { c->reset_port = 0x60b; }
static void evt_past_64k(struct acpi_guest_config *c) { c->pm1a_evt_port = 0xfffd; }
static void sci_cascade(struct acpi_guest_config *c) { c->sci_irq = 2; }
static void sci_16(struct acpi_guest_config *c) { c->sci_irq = 16; }
static void century_past_cmos(struct acpi_guest_config *c) { c->rtc_century = 0x80; }

static void test_bad_config(void **state)
{
    assert_int_equal(build_with(no_evt, BASE), -EINVAL);
    assert_int_equal(build_with(no_cnt, BASE), -EINVAL);
    assert_int_equal(build_with(cnt_in_evt, BASE), -EINVAL);
    assert_int_equal(build_with(tmr_on_cnt, BASE), -EINVAL);
    assert_int_equal(build_with(reset_in_tmr, BASE), -EINVAL);
    assert_int_equal(build_with(evt_past_64k, BASE), -EINVAL);
    assert_int_equal(build_with(sci_cascade, BASE), -EINVAL);
    assert_int_equal(build_with(sci_16, BASE), -EINVAL);
    assert_int_equal(build_with(century_past_cmos, BASE), -EINVAL);
    /* The base: 16-byte aligned, and the tables below 4 GiB. */
    assert_int_equal(build_with(no_change, BASE + 8), -EINVAL);
    assert_int_equal(build_with(no_change, 0x100000000ull), -EINVAL);
    assert_int_equal(build_with(no_change, 0xffffff00ull), -EINVAL);
    assert_int_equal(build_with(no_change, ~0ull - 15), -EINVAL);
    assert_true(build_with(no_change, 0xfffff000ull) > 0);
}

/* ACPI_GUEST_DUMP=DIR: the tables as files, for iasl -d. */
static void dump(const char *dir)
{
    static const char *const name[] = { "rsdp", "rsdt", "xsdt", "facp",
                                        "facs", "dsdt" };
    struct tables t;
    int len = build_default();
    walk(BASE, len, &t);
    const uint8_t *p[] = { t.rsdp, t.rsdt, t.xsdt, t.fadt, t.facs, t.dsdt };
    for (int i = 0; i < 6; i++) {
        char path[512];
        size_t n = i == 0 ? 36 : get32(p[i] + 4);
        snprintf(path, sizeof(path), "%s/%s.dat", dir, name[i]);
        FILE *fp = fopen(path, "wb");
        if (!fp || fwrite(p[i], 1, n, fp) != n || fclose(fp))
            fail_msg("cannot write %s", path);
    }
}

/* The dump runs as a test body (cmocka's asserts need one). */
static void test_dump(void **state)
{
    dump(getenv("ACPI_GUEST_DUMP"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_tables_link_up),
        cmocka_unit_test(test_fadt_fields),
        cmocka_unit_test(test_dsdt_s5),
        cmocka_unit_test(test_tern_parser_agrees),
        cmocka_unit_test(test_optional_blocks_absent),
        cmocka_unit_test(test_config_is_followed),
        cmocka_unit_test(test_other_bases),
        cmocka_unit_test(test_buffer_too_small),
        cmocka_unit_test(test_bad_config),
    };
    if (getenv("ACPI_GUEST_DUMP")) {
        const struct CMUnitTest one[] = { cmocka_unit_test(test_dump) };
        return cmocka_run_group_tests_name("acpi_guest_dump", one, NULL, NULL);
    }
    return cmocka_run_group_tests_name("acpi_guest", tests, NULL, NULL);
}
