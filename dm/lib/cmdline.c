/*
 * dm/lib/cmdline.c: reading a module command line (dm/include/lib.h).
 *
 * Tern copies a domain's module line into its start-info page
 * (tern_start_info()->cmdline): space-separated words, the ones this
 * program cares about of the form key=value. Tern itself reads name=,
 * role= and target=; the rest are the program's own.
 *
 * Context: any.
 */
#include <lib.h>

/* The value of word "key=..." and its length, or NULL. */
static const char *find_value(const char *cmdline, const char *key,
                              size_t *len)
{
    size_t k = strlen(key);
    for (const char *p = cmdline; *p; p++) {
        bool word_start = p == cmdline || p[-1] == ' ';
        if (word_start && strncmp(p, key, k) == 0 && p[k] == '=') {
            const char *v = p + k + 1, *e = v;
            while (*e && *e != ' ')
                e++;
            *len = (size_t)(e - v);
            return v;
        }
    }
    return NULL;
}

bool cmdline_get(const char *cmdline, const char *key, char *out, size_t size)
{
    size_t len;
    const char *v = find_value(cmdline, key, &len);
    if (!v || !size)
        return false;
    len = MIN(len, size - 1);
    memcpy(out, v, len);
    out[len] = '\0';
    return true;
}

bool cmdline_get_u64(const char *cmdline, const char *key, uint64_t def,
                     uint64_t *out)
{
    size_t len;
    const char *v = find_value(cmdline, key, &len);
    if (!v) {
        *out = def;
        return true;
    }
    return parse_u64(v, len, out);
}

bool parse_u64(const char *s, size_t len, uint64_t *out)
{
    unsigned int base = 10;
    uint64_t v = 0;

    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        len -= 2;
    }
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        unsigned int d;
        if (c >= '0' && c <= '9')
            d = (unsigned int)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned int)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned int)(c - 'A' + 10);
        else
            return false;
        if (v > (UINT64_MAX - d) / base)
            return false;           /* overflow */
        v = v * base + d;
    }
    *out = v;
    return true;
}
