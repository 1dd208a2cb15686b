/*
 * tests/unit/test_mb2.c: the Multiboot2 parser (boot/mb2.c) on boot
 * information blocks built here with the layouts of the Multiboot2
 * specification, "Boot information format".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "stub.h"
#include "../../boot/mb2.h"

static uint8_t info[8192] __attribute__((aligned(8)));
static size_t pos;
static struct boot_info bi;

static void begin(void)
{
    memset(info, 0, sizeof(info));
    memset(&bi, 0, sizeof(bi));
    pos = 8;
}

static void *tag(uint32_t type, uint32_t size)
{
    uint32_t *t = (uint32_t *)(info + pos);
    t[0] = type;
    t[1] = size;
    pos += (size + 7) & ~7u;
    return t;
}

static void end(void)
{
    tag(0, 8);
    ((uint32_t *)info)[0] = (uint32_t)pos;
}

static void string_tag(uint32_t type, const char *s)
{
    char *t = tag(type, 8 + (uint32_t)strlen(s) + 1);
    strcpy(t + 8, s);
}

static void test_cmdline_loader_modules_mmap(void **state)
{
    begin();
    string_tag(1, "loglevel=7 test=all");
    string_tag(2, "GRUB 2.06");
    uint32_t *m = tag(3, 16 + 11);
    m[2] = 0x300000;
    m[3] = 0x301000;
    strcpy((char *)&m[4], "name=guest");
    uint32_t *mm = tag(6, 16 + 2 * 24);
    mm[2] = 24;                         /* entry size */
    mm[3] = 0;                          /* entry version */
    uint64_t *e = (uint64_t *)&mm[4];
    e[0] = 0; e[1] = 0x9fc00; ((uint32_t *)&e[2])[0] = 1;
    e[3] = 0x100000; e[4] = 0x7f00000; ((uint32_t *)&e[5])[0] = 7; /* unknown */
    end();

    mb2_parse(info, 0x10000, &bi);
    assert_string_equal(bi.cmdline, "loglevel=7 test=all");
    assert_string_equal(bi.loader, "GRUB 2.06");
    assert_int_equal(bi.nr_modules, 1);
    assert_int_equal(bi.modules[0].start, 0x300000);
    assert_int_equal(bi.modules[0].end, 0x301000);
    assert_string_equal(bi.modules[0].cmdline, "name=guest");
    assert_int_equal(bi.nr_memmap, 2);
    assert_int_equal(bi.memmap[0].type, BOOT_MEM_AVAILABLE);
    assert_int_equal(bi.memmap[1].length, 0x7f00000);
    assert_int_equal(bi.memmap[1].type, BOOT_MEM_RESERVED);
    assert_int_equal(bi.loader_data_start, 0x10000);
    assert_int_equal(bi.loader_data_end, 0x10000 + pos);
}

static void test_acpi_prefers_new_rsdp_and_framebuffer(void **state)
{
    begin();
    uint8_t *n = tag(15, 8 + 36);
    memcpy(n + 8, "RSD PTR ", 8);
    n[8 + 15] = 2;
    uint8_t *o = tag(14, 8 + 20);
    memcpy(o + 8, "RSD PTR ", 8);
    o[8 + 15] = 0;
    uint8_t *fb = tag(8, 38);
    *(uint64_t *)(fb + 8) = 0xfd000000;
    *(uint32_t *)(fb + 16) = 4096;      /* pitch */
    *(uint32_t *)(fb + 20) = 1024;
    *(uint32_t *)(fb + 24) = 768;
    fb[28] = 32;
    fb[29] = 1;                         /* RGB */
    fb[32] = 16; fb[33] = 8;            /* red position, size */
    end();

    mb2_parse(info, 0, &bi);
    assert_true(bi.has_rsdp);
    assert_int_equal(bi.rsdp[15], 2);
    assert_true(bi.has_framebuffer);
    assert_int_equal(bi.fb.addr, 0xfd000000);
    assert_int_equal(bi.fb.width, 1024);
    assert_int_equal(bi.fb.bpp, 32);
    assert_int_equal(bi.fb.red_pos, 16);
}

static void test_malformed_tags_stop_the_walk(void **state)
{
    begin();
    string_tag(1, "first");
    tag(2, 4);                          /* size smaller than a tag header */
    string_tag(1, "never seen");
    end();
    mb2_parse(info, 0, &bi);
    assert_string_equal(bi.cmdline, "first");
    assert_string_equal(bi.loader, "Multiboot2 loader");

    begin();
    string_tag(2, "ok");
    uint32_t *t = tag(1, 16);
    t[1] = 100000;                      /* claims to run past the end */
    end();
    mb2_parse(info, 0, &bi);
    assert_string_equal(bi.loader, "ok");
    assert_string_equal(bi.cmdline, "");
}

static void test_too_many_modules_are_counted(void **state)
{
    begin();
    for (int i = 0; i < BOOT_MAX_MODULES + 3; i++) {
        uint32_t *m = tag(3, 16 + 2);
        m[2] = 0x400000 + i * 4096;
        m[3] = m[2] + 1;
        strcpy((char *)&m[4], "x");
    }
    end();
    mb2_parse(info, 0, &bi);
    assert_int_equal(bi.nr_modules, BOOT_MAX_MODULES);
    assert_int_equal(bi.nr_modules_dropped, 3);
}

static void test_long_strings_truncate(void **state)
{
    char big[2000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    begin();
    string_tag(1, big);
    end();
    mb2_parse(info, 0, &bi);
    assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmdline_loader_modules_mmap),
        cmocka_unit_test(test_acpi_prefers_new_rsdp_and_framebuffer),
        cmocka_unit_test(test_malformed_tags_stop_the_walk),
        cmocka_unit_test(test_too_many_modules_are_counted),
        cmocka_unit_test(test_long_strings_truncate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
