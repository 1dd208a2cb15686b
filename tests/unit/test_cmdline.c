/*
 * tests/unit/test_cmdline.c: the boot option parser (kernel/cmdline.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "stub.h"
#include <tern/cmdline.h>
#include <tern/console.h>

static struct cmdline_options o;

static void test_defaults(void **state)
{
    stub_reset();
    cmdline_parse("", &o);
    assert_int_equal(o.console, CONSOLE_SERIAL | CONSOLE_E9);
    assert_int_equal(o.loglevel, LOG_INFO);
    assert_int_equal(o.onpanic, ONPANIC_HALT);
    assert_int_equal(o.trace, 0);
    assert_int_equal(o.tests.count, 0);
    assert_int_equal(o.warnings, 0);
    assert_string_equal(stub_log, "");
}

static void test_all_options(void **state)
{
    stub_reset();
    cmdline_parse("  console=serial loglevel=7\tonpanic=shutdown "
                  "trace=exits,ioreq test=frame,heap modules=a,b,c  ", &o);
    assert_int_equal(o.warnings, 0);
    assert_int_equal(o.console, CONSOLE_SERIAL);
    assert_int_equal(o.loglevel, 7);
    assert_int_equal(o.onpanic, ONPANIC_SHUTDOWN);
    assert_int_equal(o.trace, TRACE_EXITS | TRACE_IOREQ);
    assert_int_equal(o.tests.count, 2);
    assert_string_equal(o.tests.names[1], "heap");
    assert_true(cmdline_list_has(&o.modules, "c"));
    assert_false(cmdline_list_has(&o.modules, "d"));
}

static void test_malformed_values_keep_defaults_and_warn(void **state)
{
    stub_reset();
    cmdline_parse("loglevel=9 loglevel=x console=vga onpanic=explode "
                  "trace=exits,nope test=a,,b", &o);
    assert_int_equal(o.warnings, 6);
    assert_int_equal(o.loglevel, LOG_INFO);
    assert_int_equal(o.console, CONSOLE_SERIAL | CONSOLE_E9);
    assert_int_equal(o.onpanic, ONPANIC_HALT);
    assert_int_equal(o.trace, 0);               /* all or nothing */
    assert_int_equal(o.tests.count, 0);
    assert_non_null(strstr(stub_log, "bad value in 'loglevel=9': expected a number 0-7"));
    assert_non_null(strstr(stub_log, "bad value in 'console=vga'"));
    assert_non_null(strstr(stub_log, "bad value in 'trace=exits,nope'"));
}

static void test_unknown_and_valueless(void **state)
{
    stub_reset();
    cmdline_parse("quiet foo=bar loglevel= loglevel", &o);
    assert_int_equal(o.warnings, 4);
    assert_non_null(strstr(stub_log, "unknown option 'quiet' ignored"));
    assert_non_null(strstr(stub_log, "unknown option 'foo=bar' ignored"));
    assert_non_null(strstr(stub_log, "'loglevel=' needs a value"));
    assert_non_null(strstr(stub_log, "'loglevel' needs a value"));
}

static void test_list_limits(void **state)
{
    char line[1024] = "test=";
    for (int i = 0; i < 17; i++)
        strcat(line, i ? ",t" : "t");
    stub_reset();
    cmdline_parse(line, &o);                    /* one too many */
    assert_int_equal(o.tests.count, 0);
    assert_int_equal(o.warnings, 1);

    stub_reset();
    cmdline_parse("test=abcdefghijabcdefghijabcdefghijXX", &o);  /* 36 chars */
    assert_int_equal(o.tests.count, 0);
    assert_int_equal(o.warnings, 1);
}

static void test_last_one_wins(void **state)
{
    stub_reset();
    cmdline_parse("loglevel=3 loglevel=5", &o);
    assert_int_equal(o.loglevel, 5);
    assert_int_equal(o.warnings, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_all_options),
        cmocka_unit_test(test_malformed_values_keep_defaults_and_warn),
        cmocka_unit_test(test_unknown_and_valueless),
        cmocka_unit_test(test_list_limits),
        cmocka_unit_test(test_last_one_wins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
