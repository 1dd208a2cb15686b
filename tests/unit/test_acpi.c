/*
 * tests/unit/test_acpi.c: ACPI table parsing (kernel/acpi.c) on tables
 * built here with the layouts of the ACPI specification: RSDP, RSDT and
 * XSDT, FADT, a DSDT holding \_S5, and a MADT.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "stub.h"
#include <tern/acpi.h>

#define MEM_SIZE 0x10000
static uint8_t mem[MEM_SIZE];       /* "physical memory" from 0 */
static uint8_t rsdp[36];

static int fake_read(uint64_t pa, void *buf, size_t len)
{
    if (pa + len > MEM_SIZE)
        return -14;
    memcpy(buf, mem + pa, len);
    return 0;
}

static void fix_checksum(uint8_t *p, size_t len, size_t at)
{
    uint8_t sum = 0;
    p[at] = 0;
    for (size_t i = 0; i < len; i++)
        sum += p[i];
    p[at] = (uint8_t)-sum;
}

static uint8_t *table(uint32_t pa, const char *sig, uint32_t len)
{
    uint8_t *t = mem + pa;
    memset(t, 0, len);
    memcpy(t, sig, 4);
    memcpy(t + 4, &len, 4);
    t[8] = 1;
    return t;
}

static void seal(uint32_t pa)
{
    uint32_t len;
    memcpy(&len, mem + pa + 4, 4);
    fix_checksum(mem + pa, len, 9);
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* A platform: root table at 0x1000 (RSDT or XSDT), FADT 0x2000, DSDT
 * 0x3000, MADT 0x4000. */
static void build(bool xsdt, bool s5_byteprefix)
{
    memset(mem, 0, sizeof(mem));
    memset(rsdp, 0, sizeof(rsdp));
    memcpy(rsdp, "RSD PTR ", 8);
    rsdp[15] = xsdt ? 2 : 0;
    put32(rsdp + 16, xsdt ? 0 : 0x1000);
    put32(rsdp + 20, 36);
    put64(rsdp + 24, xsdt ? 0x1000 : 0);
    fix_checksum(rsdp, 20, 8);
    fix_checksum(rsdp, 36, 32);

    uint8_t *root = table(0x1000, xsdt ? "XSDT" : "RSDT", 36 + 2 * (xsdt ? 8 : 4));
    if (xsdt) {
        put64(root + 36, 0x2000);
        put64(root + 44, 0x4000);
    } else {
        put32(root + 36, 0x2000);
        put32(root + 40, 0x4000);
    }
    seal(0x1000);

    uint8_t *f = table(0x2000, "FACP", 244);
    put32(f + 40, 0x3000);          /* DSDT */
    put32(f + 48, 0xb2);            /* SMI_CMD */
    f[52] = 0xf1;                   /* ACPI_ENABLE */
    put32(f + 64, 0x604);           /* PM1a_CNT_BLK */
    put32(f + 68, 0x608);           /* PM1b_CNT_BLK */
    put32(f + 112, 1u << 10);       /* RESET_REG_SUP */
    f[116] = 1;                     /* GAS: system I/O */
    put64(f + 120, 0xcf9);
    f[128] = 0x06;
    seal(0x2000);

    /* Name (_S5_, Package (4) { 5, 0x07, 0, 0 }) in AML: 08 '_S5_' 12
     * PkgLength NumElements elements. */
    uint8_t *d = table(0x3000, "DSDT", 36 + 40);
    const uint8_t aml_byte[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x0a, 0x04,
                                 0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00 };
    const uint8_t aml_lit[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04,
                                0x01, 0x00, 0x00, 0x00 };
    if (s5_byteprefix)
        memcpy(d + 50, aml_byte, sizeof(aml_byte));
    else
        memcpy(d + 50, aml_lit, sizeof(aml_lit));
    seal(0x3000);

    uint8_t *m = table(0x4000, "APIC", 44 + 3 * 8 + 16 + 12);
    put32(m + 36, 0xfee00000);
    for (int i = 0; i < 3; i++) {   /* local APICs: two enabled, one not */
        uint8_t *e = m + 44 + i * 8;
        e[0] = 0;
        e[1] = 8;
        e[2] = (uint8_t)i;
        e[3] = (uint8_t)i;
        put32(e + 4, i == 2 ? 0 : 1);
    }
    uint8_t *x = m + 44 + 24;       /* an enabled x2APIC */
    x[0] = 9;
    x[1] = 16;
    put32(x + 8, 1);
    uint8_t *io = x + 16;           /* an I/O APIC at 0xfec00000 */
    io[0] = 1;
    io[1] = 12;
    put32(io + 4, 0xfec00000);
    seal(0x4000);
}

static void test_rsdt_platform(void **state)
{
    struct acpi_info a;
    build(false, true);
    acpi_parse(rsdp, fake_read, &a);
    assert_true(a.found);
    assert_int_equal(a.revision, 0);
    assert_int_equal(a.pm1a_cnt, 0x604);
    assert_int_equal(a.pm1b_cnt, 0x608);
    assert_int_equal(a.smi_cmd, 0xb2);
    assert_int_equal(a.acpi_enable, 0xf1);
    assert_true(a.has_s5);
    assert_int_equal(a.slp_typa, 5);
    assert_int_equal(a.slp_typb, 7);
    assert_true(a.has_reset);
    assert_int_equal(a.reset_port, 0xcf9);
    assert_int_equal(a.reset_value, 6);
    assert_int_equal(a.nr_cpus, 3);
    assert_int_equal(a.lapic_addr, 0xfee00000);
    assert_int_equal(a.nr_ioapics, 1);
    assert_int_equal(a.ioapic_addr[0], 0xfec00000);
}

static void test_xsdt_and_literal_s5(void **state)
{
    struct acpi_info a;
    build(true, false);
    acpi_parse(rsdp, fake_read, &a);
    assert_true(a.found);
    assert_int_equal(a.revision, 2);
    assert_true(a.has_s5);
    assert_int_equal(a.slp_typa, 1);        /* OneOp */
    assert_int_equal(a.slp_typb, 0);        /* ZeroOp */
}

static void test_bad_checksums_are_refused(void **state)
{
    struct acpi_info a;
    build(false, true);
    rsdp[8] ^= 1;
    stub_reset();
    acpi_parse(rsdp, fake_read, &a);
    assert_false(a.found);
    assert_non_null(strstr(stub_log, "RSDP is invalid"));

    build(false, true);
    mem[0x2000 + 64] ^= 0xff;               /* corrupt the FADT */
    stub_reset();
    acpi_parse(rsdp, fake_read, &a);
    assert_true(a.found);
    assert_int_equal(a.pm1a_cnt, 0);
    assert_false(a.has_s5);
    assert_non_null(strstr(stub_log, "FACP table at 0x2000 has a bad checksum"));
    assert_int_equal(a.nr_cpus, 3);         /* the MADT still counts */
}

static void test_tables_outside_memory(void **state)
{
    struct acpi_info a;
    build(false, true);
    put32(mem + 0x1000 + 36, 0xfffff000);   /* FADT pointer out of range */
    seal(0x1000);
    acpi_parse(rsdp, fake_read, &a);
    assert_true(a.found);
    assert_false(a.has_s5);
    assert_int_equal(a.nr_cpus, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rsdt_platform),
        cmocka_unit_test(test_xsdt_and_literal_s5),
        cmocka_unit_test(test_bad_checksums_are_refused),
        cmocka_unit_test(test_tables_outside_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
