/*
 * tests/unit/test_modules.c: module names and the boot module check
 * (kernel/modules.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "stub.h"
#include <tern/boot.h>
#include <tern/cmdline.h>

static struct boot_module mod(const char *cmdline, uint64_t size)
{
    struct boot_module m = { .start = 0x400000, .end = 0x400000 + size };
    strcpy(m.cmdline, cmdline);
    return m;
}

static void test_names(void **state)
{
    char n[MODULE_NAME_MAX];
    struct boot_module m;

    m = mod("name=hello role=guest", 1);
    module_name(&m, n);
    assert_string_equal(n, "hello");
    m = mod("/boot/guest.bin role=guest", 1);
    module_name(&m, n);
    assert_string_equal(n, "guest.bin");
    m = mod("/boot/x.bin role=guest name=late", 1);
    module_name(&m, n);
    assert_string_equal(n, "late");
    m = mod("role=guest", 1);           /* options only: unnamed */
    module_name(&m, n);
    assert_string_equal(n, "");
    m = mod("", 1);
    module_name(&m, n);
    assert_string_equal(n, "");
    m = mod("rename=x", 1);             /* "name=" must start a word */
    module_name(&m, n);
    assert_string_equal(n, "");
    m = mod("name=abcdefghijabcdefghijabcdefghijabcdefghij", 1);
    module_name(&m, n);
    assert_int_equal(strlen(n), MODULE_NAME_MAX - 1);
}

static void test_check_reports_missing_and_empty(void **state)
{
    static struct boot_info bi;
    struct cmdline_list req = { .count = 2 };

    memset(&bi, 0, sizeof(bi));
    bi.modules[0] = mod("name=a", 10);
    bi.modules[1] = mod("name=b", 0);
    bi.nr_modules = 2;
    strcpy(req.names[0], "a");
    strcpy(req.names[1], "zz");

    stub_reset();
    assert_int_equal(modules_check(&bi, &req), 2);
    assert_non_null(strstr(stub_log, "module 'b' is empty"));
    assert_non_null(strstr(stub_log, "module 'zz' (named in modules=) was not loaded"));
    assert_null(strstr(stub_log, "module 'a' (named"));
    assert_ptr_equal(module_find(&bi, "a"), &bi.modules[0]);
    assert_null(module_find(&bi, "zz"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_check_reports_missing_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
