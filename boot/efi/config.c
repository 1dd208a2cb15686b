/*
 * boot/efi/config.c: TERN.CFG, the loader's configuration.
 *
 * The file sits beside the loader (\EFI\BOOT\TERN.CFG on a stick made by
 * tools/mkusb.sh). One "key=value" per line; '#' starts a comment line;
 * blank lines are ignored. Keys (docs/usb.md has the full story):
 *
 *   kernel=/boot/tern.elf               the kernel (this is the default)
 *   cmdline=test=all onpanic=shutdown   Tern's command line (README.md)
 *   module=/boot/guest.bin name=g ...   a module and its command line;
 *                                       repeat for more (up to 16)
 *   timeout=3                           seconds the menu waits; 0: no menu
 *   grub=/EFI/BOOT/GRUBX64.EFI          what menu entry 2 starts
 *   relocate=yes                        load Tern away from its link
 *                                       address (it moves by itself when
 *                                       firmware holds that range)
 *
 * Paths are from the root of the partition the loader is on; '/' and '\'
 * both work. A bad line is named and skipped, never fatal: the defaults
 * or the other lines still boot.
 */
#include "loader.h"

UINTN ascii_len(const char *s)
{
    UINTN n = 0;
    while (s[n])
        n++;
    return n;
}

BOOLEAN ascii_copy(char *dst, UINTN size, const char *src, UINTN n)
{
    BOOLEAN fits = n < size;
    if (!fits)
        n = size - 1;
    for (UINTN i = 0; i < n; i++)
        dst[i] = src[i];
    dst[n] = '\0';
    return fits;
}

static BOOLEAN is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static BOOLEAN key_is(const char *key, UINTN klen, const char *name)
{
    UINTN n = ascii_len(name);
    if (n != klen)
        return FALSE;
    for (UINTN i = 0; i < n; i++) {
        if (key[i] != name[i])
            return FALSE;
    }
    return TRUE;
}

static void warn_line(unsigned int lineno, const char *what, const char *line,
                      UINTN len)
{
    char shown[80];
    ascii_copy(shown, sizeof(shown), line, len);
    Print(L"TERN.CFG line %u: %a: \"%a\"; ignored\n", lineno, what, shown);
}

/* One value into a fixed buffer, naming the line if it did not fit. */
static void set_string(char *dst, UINTN size, const char *val, UINTN vlen,
                       unsigned int lineno, const char *line, UINTN len)
{
    if (!ascii_copy(dst, size, val, vlen))
        warn_line(lineno, "value too long, truncated", line, len);
}

static void parse_module(struct config *cfg, const char *val, UINTN vlen,
                         unsigned int lineno, const char *line, UINTN len)
{
    if (cfg->nr_modules >= BOOT_MAX_MODULES) {
        warn_line(lineno, "too many modules", line, len);
        return;
    }
    UINTN p = 0;
    while (p < vlen && !is_space(val[p]))
        p++;
    if (p == 0) {
        warn_line(lineno, "module= needs a path", line, len);
        return;
    }
    struct config_module *m = &cfg->modules[cfg->nr_modules++];
    set_string(m->path, sizeof(m->path), val, p, lineno, line, len);
    while (p < vlen && is_space(val[p]))
        p++;
    set_string(m->args, sizeof(m->args), val + p, vlen - p, lineno, line, len);
}

static void parse_line(struct config *cfg, const char *line, UINTN len,
                       unsigned int lineno)
{
    while (len && is_space(line[len - 1]))
        len--;
    UINTN start = 0;
    while (start < len && is_space(line[start]))
        start++;
    line += start;
    len -= start;
    if (len == 0 || line[0] == '#')
        return;

    UINTN eq = 0;
    while (eq < len && line[eq] != '=')
        eq++;
    if (eq == len) {
        warn_line(lineno, "expected key=value", line, len);
        return;
    }
    const char *val = line + eq + 1;
    UINTN vlen = len - eq - 1;

    if (key_is(line, eq, "kernel")) {
        set_string(cfg->kernel, sizeof(cfg->kernel), val, vlen, lineno, line, len);
    } else if (key_is(line, eq, "cmdline")) {
        set_string(cfg->cmdline, sizeof(cfg->cmdline), val, vlen, lineno, line, len);
    } else if (key_is(line, eq, "module")) {
        parse_module(cfg, val, vlen, lineno, line, len);
    } else if (key_is(line, eq, "grub")) {
        set_string(cfg->grub, sizeof(cfg->grub), val, vlen, lineno, line, len);
    } else if (key_is(line, eq, "relocate")) {
        cfg->relocate = vlen == 3 && val[0] == 'y' && val[1] == 'e' && val[2] == 's';
    } else if (key_is(line, eq, "timeout")) {
        unsigned int t = 0;
        for (UINTN i = 0; i < vlen; i++) {
            if (val[i] < '0' || val[i] > '9' || t > 3600) {
                warn_line(lineno, "timeout= wants seconds (0-3600)", line, len);
                return;
            }
            t = t * 10 + (unsigned int)(val[i] - '0');
        }
        cfg->timeout = t;
    } else {
        warn_line(lineno, "unknown key", line, len);
    }
}

void config_parse(struct config *cfg, const char *text, UINTN len)
{
    ZeroMem(cfg, sizeof(*cfg));
    ascii_copy(cfg->kernel, sizeof(cfg->kernel), "/boot/tern.elf", 14);

    unsigned int lineno = 1;
    UINTN start = 0;
    for (UINTN i = 0; i <= len; i++) {
        if (i == len || text[i] == '\n') {
            parse_line(cfg, text + start, i - start, lineno++);
            start = i + 1;
        }
    }
}
