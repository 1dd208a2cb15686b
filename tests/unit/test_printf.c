/*
 * tests/unit/test_printf.c: the kernel's formatter (kernel/lib/printf.c),
 * compared with what C99 specifies (the host's snprintf agrees).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

int tern_snprintf(char *buf, size_t size, const char *fmt, ...);

#define CHECK_FMT(expect, ...)                                          \
    do {                                                                \
        char b[128];                                                    \
        int n = tern_snprintf(b, sizeof(b), __VA_ARGS__);               \
        assert_string_equal(b, expect);                                 \
        assert_int_equal(n, (int)strlen(expect));                       \
    } while (0)

static void test_integers(void **state)
{
    CHECK_FMT("0 -1 42", "%d %i %u", 0, -1, 42u);
    CHECK_FMT("-9223372036854775808", "%ld", (long)INT64_MIN);
    CHECK_FMT("18446744073709551615", "%lu", UINT64_MAX);
    CHECK_FMT("ff FF 0xff 777", "%x %X %#x %o", 255u, 255u, 255u, 0777u);
    CHECK_FMT("ffffffffffffffff", "%lx", (unsigned long)-1);
    CHECK_FMT("-1 255", "%hhd %hhu", (signed char)-1, (unsigned char)255);
    CHECK_FMT("42", "%zu", (size_t)42);
    CHECK_FMT("123456789012", "%llu", 123456789012ull);
}

static void test_width_and_flags(void **state)
{
    CHECK_FMT("   42|42   |00042", "%5d|%-5d|%05d", 42, 42, 42);
    CHECK_FMT("-0042", "%05d", -42);
    CHECK_FMT("0x00ff", "%#06x", 255u);
    CHECK_FMT("  ab|ab  |a", "%4s|%-4s|%.1s", "ab", "ab", "abc");
    CHECK_FMT("    7", "%*d", 5, 7);
    CHECK_FMT("ab", "%.*s", 2, "abcdef");
    CHECK_FMT("[  1.000042]", "[%3lu.%06lu]", 1ul, 42ul);
}

static void test_pointers_strings_chars(void **state)
{
    CHECK_FMT("0xdead", "%p", (void *)0xdead);
    CHECK_FMT("(null)", "%s", (char *)NULL);
    CHECK_FMT("x%y", "%c%%%c", 'x', 'y');
    CHECK_FMT("%q", "%q");              /* unknown conversions show */
}

static void test_truncation(void **state)
{
    char b[8];
    int n = tern_snprintf(b, sizeof(b), "hello, world");
    assert_int_equal(n, 12);            /* the length it wanted */
    assert_string_equal(b, "hello, ");
    memset(b, 'x', sizeof(b));
    n = tern_snprintf(b, 0, "abc");
    assert_int_equal(n, 3);
    assert_int_equal(b[0], 'x');        /* size 0 writes nothing */
    n = tern_snprintf(b, 1, "abc");
    assert_string_equal(b, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_width_and_flags),
        cmocka_unit_test(test_pointers_strings_chars),
        cmocka_unit_test(test_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
