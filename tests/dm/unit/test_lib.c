/*
 * tests/dm/unit/test_lib.c: host unit tests of the ring-3 runtime
 * (dm/lib/): vsnprintf against the host libc's, the string functions,
 * the command-line readers, and the two-level event scan of
 * tern_evtchn_poll_pending() on a shared-info page in host memory.
 *
 * Built and run by `make -f dm/Makefile unit`, under ASan and UBSan, with
 * dm/lib/{printf,string,cmdline,evtchn}.c compiled for the host and their
 * libc names prefixed dm_ (tests/dm/unit/rename.h). The hypercalls they
 * would make are the stubs at the end of this file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <public/evtchn.h>
#include <public/hypercall.h>

/* The dm/lib functions under test, by their renamed names. */
int dm_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int dm_snprintf(char *buf, size_t size, const char *fmt, ...);
int dm_printf(const char *fmt, ...);
void *dm_memmove(void *dst, const void *src, size_t n);
int dm_memcmp(const void *a, const void *b, size_t n);
int dm_strcmp(const char *a, const char *b);
int dm_strncmp(const char *a, const char *b, size_t n);
char *dm_strchr(const char *s, int c);
size_t dm_strlcpy(char *dst, const char *src, size_t size);
bool cmdline_get(const char *cmdline, const char *key, char *out, size_t size);
bool cmdline_get_u64(const char *cmdline, const char *key, uint64_t def,
                     uint64_t *out);
bool parse_u64(const char *s, size_t len, uint64_t *out);
typedef void (*tern_evtchn_fn)(evtchn_port_t port, void *arg);
int tern_evtchn_poll_pending(tern_evtchn_fn fn, void *arg);
void tern_evtchn_mask(evtchn_port_t port);

/* ---- stubs for what dm/lib would ask Tern ---- */

static struct tern_shared_info shared;
static struct tern_start_info start = { .magic = TERN_START_MAGIC };
static char console[4096];
static size_t console_len;

const struct tern_start_info *tern_start_info(void);
long tern_console_write(const char *buf, size_t len);
void tern_shutdown(int status);

const struct tern_start_info *tern_start_info(void)
{
    start.shared_info = (uint64_t)(uintptr_t)&shared;
    return &start;
}

long tern_console_write(const char *buf, size_t len)
{
    if (len > TERN_CONSOLE_WRITE_MAX)
        return -TERN_E2BIG;
    memcpy(console + console_len, buf, len);
    console_len += len;
    return (long)len;
}

void tern_shutdown(int status)
{
    fail_msg("tern_shutdown(%d)", status);
    __builtin_unreachable();
}

/* ---- vsnprintf ---- */

/* Format with both implementations and compare text and return value. */
#define SAME(fmt, ...) do {                                                 \
        char want[256], got[256];                                           \
        int wn = snprintf(want, sizeof(want), fmt, __VA_ARGS__);            \
        int gn = dm_snprintf(got, sizeof(got), fmt, __VA_ARGS__);           \
        assert_string_equal(got, want);                                     \
        assert_int_equal(gn, wn);                                           \
    } while (0)

static void test_printf_matches_libc(void **state)
{
    (void)state;
    SAME("%d %d %d %i", 0, 42, -42, -2147483647 - 1);
    SAME("%u %u", 0u, 4294967295u);
    SAME("%x %X %lx %llx", 0xbeefu, 0xbeefu, 0xdeadbeefcafeul, ~0ull);
    SAME("%ld %lu %lld", (long)INT64_MIN, (unsigned long)UINT64_MAX, -1ll);
    SAME("%zu %zx", (size_t)12345, (size_t)0xabc);
    SAME("%hhd %hhu %hd %hu", 300, 300, 70000, 70000);
    SAME("[%5d] [%-5d] [%05d]", 42, 42, 42);
    SAME("[%5d] [%05d] [%08x] [%2d]", -42, -42, 0x1234u, 12345);
    SAME("[%*d] [%-*d] [%*d]", 6, 7, 6, 7, -6, 7);
    SAME("[%#x] [%#lx] [%#x] [%#010x]", 0x1fu, 0x1ful, 0u, 0x1fu);
    SAME("[%s] [%10s] [%-10s] [%.3s] [%.*s]", "abc", "abc", "abc", "abcdef",
         2, "xyz");
    SAME("[%c] [%3c] [%-3c] %%", 'a', 'b', 'c');
    SAME("%p %p", (void *)0x400000, (void *)0x7ffffff00000);
    SAME("%s", "");
}

static void test_printf_truncates(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'X', sizeof(buf));
    assert_int_equal(dm_snprintf(buf, 5, "%s", "abcdefgh"), 8);
    assert_string_equal(buf, "abcd");
    assert_int_equal(buf[5], 'X');          /* nothing past the size */
    assert_int_equal(dm_snprintf(buf, 1, "%d", 12345), 5);
    assert_string_equal(buf, "");
    assert_int_equal(dm_snprintf(NULL, 0, "%d", 12345), 5);
    /* An unknown conversion is shown, not guessed; a trailing % too. */
    assert_int_equal(dm_snprintf(buf, sizeof(buf), "%q%"), 3);
    assert_string_equal(buf, "%q%");
}

static void test_printf_writes_console(void **state)
{
    (void)state;
    console_len = 0;
    assert_int_equal(dm_printf("TEST %s: %s\n", "x", "PASS"), 13);
    assert_int_equal(console_len, 13);
    assert_memory_equal(console, "TEST x: PASS\n", 13);

    /* Longer than one hypercall takes: cut to TERN_CONSOLE_WRITE_MAX. */
    static char big[3000];
    memset(big, 'a', sizeof(big) - 1);
    console_len = 0;
    assert_int_equal(dm_printf("%s", big), TERN_CONSOLE_WRITE_MAX);
    assert_int_equal(console_len, TERN_CONSOLE_WRITE_MAX);
}

/* ---- strings ---- */

static void test_strings(void **state)
{
    (void)state;
    char b[16] = "0123456789";
    dm_memmove(b + 2, b, 8);                /* overlap, dst above */
    assert_memory_equal(b, "0101234567", 10);
    dm_memmove(b, b + 2, 8);                /* overlap, dst below */
    assert_memory_equal(b, "0123456767", 10);

    assert_true(dm_memcmp("ab", "ac", 2) < 0);
    assert_true(dm_memcmp("\xff", "\x01", 1) > 0);      /* unsigned */
    assert_int_equal(dm_strcmp("abc", "abc"), 0);
    assert_true(dm_strcmp("ab", "abc") < 0);
    assert_int_equal(dm_strncmp("abcx", "abcy", 3), 0);
    assert_true(dm_strncmp("abcx", "abcy", 4) < 0);
    assert_string_equal(dm_strchr("a=b", '='), "=b");
    const char *ab = "ab";
    assert_ptr_equal(dm_strchr(ab, '\0'), ab + 2);
    assert_null(dm_strchr("ab", 'z'));

    char d[4];
    assert_int_equal(dm_strlcpy(d, "abcdef", sizeof(d)), 6);
    assert_string_equal(d, "abc");
}

/* ---- command lines ---- */

static void test_cmdline(void **state)
{
    (void)state;
    const char *line = "name=ping role=user peer=pong count=0x10 first=1 "
                       "xpeer=no";
    char v[8];
    uint64_t n;

    assert_true(cmdline_get(line, "peer", v, sizeof(v)));
    assert_string_equal(v, "pong");         /* not "xpeer"'s value */
    assert_true(cmdline_get(line, "name", v, 3));
    assert_string_equal(v, "pi");           /* cut to the size */
    assert_false(cmdline_get(line, "pee", v, sizeof(v)));
    assert_false(cmdline_get(line, "missing", v, sizeof(v)));

    assert_true(cmdline_get_u64(line, "count", 5, &n));
    assert_int_equal(n, 16);
    assert_true(cmdline_get_u64(line, "missing", 5, &n));
    assert_int_equal(n, 5);
    assert_false(cmdline_get_u64(line, "role", 5, &n));

    assert_true(parse_u64("18446744073709551615", 20, &n));
    assert_true(n == UINT64_MAX);
    assert_false(parse_u64("18446744073709551616", 20, &n));
    assert_false(parse_u64("0x", 2, &n));
    assert_false(parse_u64("", 0, &n));
    assert_false(parse_u64("12a", 3, &n));
}

/* ---- the two-level event scan ---- */

struct seen {
    evtchn_port_t ports[16];
    int n;
};

static void record(evtchn_port_t port, void *arg)
{
    struct seen *s = arg;
    if (s->n < 16)
        s->ports[s->n] = port;
    s->n++;
}

/* What Tern does on a send: the bit, then selector and flag if unmasked. */
static void raise_port(evtchn_port_t p)
{
    shared.evtchn_pending[p / 64] |= 1ull << (p % 64);
    if (!(shared.evtchn_mask[p / 64] & (1ull << (p % 64)))) {
        shared.vcpu_info[0].pending_sel |= 1ull << (p / 64);
        shared.vcpu_info[0].upcall_pending = 1;
    }
}

static void test_scan_takes_pending_ports_in_order(void **state)
{
    (void)state;
    memset(&shared, 0, sizeof(shared));
    raise_port(700);
    raise_port(1);
    raise_port(63);
    raise_port(64);

    struct seen s = { 0 };
    assert_int_equal(tern_evtchn_poll_pending(record, &s), 4);
    assert_int_equal(s.ports[0], 1);
    assert_int_equal(s.ports[1], 63);
    assert_int_equal(s.ports[2], 64);
    assert_int_equal(s.ports[3], 700);
    /* Everything taken: bits, selector and flag are clear. */
    assert_int_equal(shared.vcpu_info[0].upcall_pending, 0);
    assert_true(shared.vcpu_info[0].pending_sel == 0);
    for (int w = 0; w < TERN_EVTCHN_WORDS; w++)
        assert_true(shared.evtchn_pending[w] == 0);

    s.n = 0;
    assert_int_equal(tern_evtchn_poll_pending(record, &s), 0);
}

static void test_scan_leaves_masked_ports_pending(void **state)
{
    (void)state;
    memset(&shared, 0, sizeof(shared));
    raise_port(5);
    tern_evtchn_mask(6);
    raise_port(6);                  /* pending, masked: no selector */
    /* Masked after it was raised: the selector names its word, but the
     * scan must still leave it. */
    raise_port(7);
    tern_evtchn_mask(7);

    struct seen s = { 0 };
    assert_int_equal(tern_evtchn_poll_pending(record, &s), 1);
    assert_int_equal(s.ports[0], 5);
    assert_true(shared.evtchn_pending[0] == ((1ull << 6) | (1ull << 7)));

    /* The mask helper ignores ports out of range. */
    tern_evtchn_mask(TERN_EVTCHN_PORTS);
    tern_evtchn_mask(0xffffffff);
}

static void test_scan_ignores_selector_bits_past_the_bitmap(void **state)
{
    (void)state;
    memset(&shared, 0, sizeof(shared));
    shared.vcpu_info[0].pending_sel = 1ull << 63;   /* no word 63 */
    struct seen s = { 0 };
    assert_int_equal(tern_evtchn_poll_pending(record, &s), 0);
    assert_true(shared.vcpu_info[0].pending_sel == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_printf_matches_libc),
        cmocka_unit_test(test_printf_truncates),
        cmocka_unit_test(test_printf_writes_console),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_cmdline),
        cmocka_unit_test(test_scan_takes_pending_ports_in_order),
        cmocka_unit_test(test_scan_leaves_masked_ports_pending),
        cmocka_unit_test(test_scan_ignores_selector_bits_past_the_bitmap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
