/*
 * kernel/lib/parse.c: number parsing for the command-line parser and
 * module options.
 */
#include <tern/lib.h>
#include <tern/errno.h>

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 99;
}

int parse_u64(const char *s, size_t len, uint64_t *out)
{
    unsigned int base = 10, shift = 0;
    uint64_t v = 0;

    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        len -= 2;
    } else if (len > 1) {
        switch (s[len - 1]) {
        case 'K': case 'k': shift = 10; len--; break;
        case 'M': case 'm': shift = 20; len--; break;
        case 'G': case 'g': shift = 30; len--; break;
        }
    }
    if (len == 0)
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        int d = digit_value(s[i]);
        if (d >= (int)base)
            return -EINVAL;
        if (v > (UINT64_MAX - (uint64_t)d) / base)
            return -ERANGE;
        v = v * base + (uint64_t)d;
    }
    if (shift && v > (UINT64_MAX >> shift))
        return -ERANGE;
    *out = v << shift;
    return 0;
}
