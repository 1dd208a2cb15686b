/*
 * kernel/modules.c: naming, finding and checking the boot modules.
 *
 * Context: boot. Pure logic over struct boot_info; unit-tested in
 * tests/unit/test_modules.c.
 */
#include <tern/boot.h>
#include <tern/cmdline.h>
#include <tern/console.h>
#include <tern/lib.h>

/* Copy [s, e) into out, truncated to MODULE_NAME_MAX - 1 characters. */
static void copy_name(char out[MODULE_NAME_MAX], const char *s, const char *e)
{
    size_t n = MIN((size_t)(e - s), (size_t)MODULE_NAME_MAX - 1);
    memcpy(out, s, n);
    out[n] = '\0';
}

void module_name(const struct boot_module *m, char out[MODULE_NAME_MAX])
{
    const char *cmd = m->cmdline;

    /* "name=" as a word anywhere on the line wins. */
    for (const char *p = cmd; *p; p++) {
        if ((p == cmd || p[-1] == ' ') && strncmp(p, "name=", 5) == 0) {
            const char *e = p + 5;
            while (*e && *e != ' ')
                e++;
            copy_name(out, p + 5, e);
            return;
        }
    }
    /* Otherwise the basename of the first word, unless it is an option. */
    const char *end = cmd, *base = cmd;
    bool option = false;
    for (; *end && *end != ' '; end++) {
        if (*end == '/')
            base = end + 1;
        option |= *end == '=';
    }
    copy_name(out, base, option ? base : end);
}

const struct boot_module *module_find(const struct boot_info *bi,
                                      const char *name)
{
    char n[MODULE_NAME_MAX];
    for (unsigned i = 0; i < bi->nr_modules; i++) {
        module_name(&bi->modules[i], n);
        if (strcmp(n, name) == 0)
            return &bi->modules[i];
    }
    return NULL;
}

unsigned int modules_check(const struct boot_info *bi,
                           const struct cmdline_list *required)
{
    unsigned int problems = 0;
    char n[MODULE_NAME_MAX];

    pr_info("boot: %u module%s\n", bi->nr_modules,
            bi->nr_modules == 1 ? "" : "s");
    for (unsigned i = 0; i < bi->nr_modules; i++) {
        const struct boot_module *m = &bi->modules[i];
        module_name(m, n);
        pr_info("boot:   module '%s' at %#lx, %lu bytes, \"%s\"\n",
                n[0] ? n : "(unnamed)", m->start, m->end - m->start,
                m->cmdline);
        if (m->end <= m->start) {
            pr_err("boot: module '%s' is empty: the loader found the file "
                   "but it has no contents\n", n);
            problems++;
        }
    }
    if (bi->nr_modules_dropped) {
        pr_err("boot: %u more modules were given than the %u Tern keeps; "
               "they are ignored\n", bi->nr_modules_dropped, BOOT_MAX_MODULES);
        problems++;
    }
    for (unsigned i = 0; i < required->count; i++) {
        if (!module_find(bi, required->names[i])) {
            pr_err("boot: module '%s' (named in modules=) was not loaded: "
                   "check its module2 line in grub.cfg (path, spelling) and "
                   "that the file is on the boot medium\n",
                   required->names[i]);
            problems++;
        }
    }
    return problems;
}
