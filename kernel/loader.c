/*
 * kernel/loader.c: guest domains from boot modules (include/tern/loader.h).
 *
 * The Multiboot (v1) facts used here are the specification's: the header
 * (magic 0x1BADB002, flags, checksum; with flag 16 the "a.out kludge"
 * address fields) within the image's first 8192 bytes, 4-byte aligned;
 * the machine state at entry (EAX = 0x2BADB002, EBX = the information
 * block, 32-bit protected mode with flat segments, paging off); and the
 * information block's layout. ELF32 images are loaded by their program
 * headers (System V ABI, "Program Header").
 *
 * Context: boot, before the scheduler starts.
 */
#include <tern/boot.h>
#include <tern/console.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/hvm.h>
#include <tern/lib.h>
#include <tern/loader.h>
#include <tern/mm.h>
#include <tern/sched.h>
#include <tern/user.h>

#define MB1_HEADER_MAGIC    0x1badb002u
#define MB1_LOADER_MAGIC    0x2badb002u
#define MB1_FLAG_AOUT       (1u << 16)
#define MB1_INFO_MEM        (1u << 0)
#define MB1_INFO_CMDLINE    (1u << 2)
#define MB1_INFO_MMAP       (1u << 6)
#define MB1_INFO_LOADER     (1u << 9)
/* Where Tern puts the information block in guest RAM (below the 1 MiB
 * where Multiboot kernels load, above the real-mode IVT and BDA). */
#define MB1_INFO_GPA        0x8000u
#define MB1_MMAP_GPA        0x8400u
#define MB1_CMDLINE_GPA     0x8800u
#define MB1_LOADER_GPA      0x8c00u

struct mb1_header {
    uint32_t magic, flags, checksum;
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

struct mb1_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
    uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
    uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};

struct mb1_mmap {
    uint32_t size;              /* of the rest of the entry: 20 */
    uint64_t addr, len;
    uint32_t type;
} __packed;

struct elf32_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf32_phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

/* ---- options ---- */

static bool opt_is(const char *w, size_t len, const char *key, const char **val)
{
    size_t k = strlen(key);
    if (len <= k || memcmp(w, key, k) != 0 || w[k] != '=')
        return false;
    *val = w + k + 1;
    return true;
}

int loader_parse_options(const char *cmdline, struct guest_config *cfg,
                         char *err, size_t err_size)
{
    *cfg = (struct guest_config){ .kind = GUEST_FLAT, .mem = 16ul << 20,
                                  .load = 0x7c00, .kernel_cmdline = "" };
    for (const char *p = cmdline; *p;) {
        while (*p == ' ')
            p++;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        size_t len = (size_t)(p - w);
        const char *v;
        if (len == 0)
            break;
        if (len == 2 && w[0] == '-' && w[1] == '-') {
            /* The rest is the guest kernel's own command line. */
            while (*p == ' ')
                p++;
            cfg->kernel_cmdline = p;
            break;
        }
        size_t vlen = 0;
        if (opt_is(w, len, "name", &v)) {
            vlen = MIN((size_t)(p - v), sizeof(cfg->name) - 1);
            memcpy(cfg->name, v, vlen);
            cfg->name[vlen] = '\0';
        } else if (opt_is(w, len, "role", &v)) {
            cfg->is_guest = (size_t)(p - v) == 5 && !memcmp(v, "guest", 5);
            if (!cfg->is_guest)
                goto bad;
        } else if (opt_is(w, len, "kind", &v)) {
            if ((size_t)(p - v) == 4 && !memcmp(v, "flat", 4))
                cfg->kind = GUEST_FLAT;
            else if ((size_t)(p - v) == 9 && !memcmp(v, "multiboot", 9))
                cfg->kind = GUEST_MULTIBOOT;
            else if ((size_t)(p - v) == 5 && !memcmp(v, "linux", 5))
                cfg->kind = GUEST_LINUX;
            else
                goto bad;
        } else if (opt_is(w, len, "mem", &v)) {
            if (parse_u64(v, (size_t)(p - v), &cfg->mem) || cfg->mem < (2ul << 20) ||
                cfg->mem > (4ul << 30))
                goto bad;
        } else if (opt_is(w, len, "load", &v)) {
            if (parse_u64(v, (size_t)(p - v), &cfg->load) || cfg->load < 0x500)
                goto bad;
        } else if (opt_is(w, len, "console", &v)) {
            if ((size_t)(p - v) == 3 && !memcmp(v, "raw", 3))
                cfg->rawcon = true;
            else
                goto bad;
        } else if (opt_is(w, len, "initrd", &v)) {
            vlen = MIN((size_t)(p - v), sizeof(cfg->initrd) - 1);
            memcpy(cfg->initrd, v, vlen);
            cfg->initrd[vlen] = '\0';
        } else if (opt_is(w, len, "testdev", &v)) {
            if ((size_t)(p - v) == 2 && !memcmp(v, "on", 2))
                cfg->testdev = true;
            else if ((size_t)(p - v) == 3 && !memcmp(v, "off", 3))
                cfg->testdev = false;
            else
                goto bad;
        } else if (!(len > 0 && w[0] == '/')) {
            snprintf(err, err_size, "unknown option '%.*s' (known: name= "
                     "role= kind= mem= load= testdev= initrd= console=, and -- "
                     "before "
                     "a Linux command line)", (int)len, w);
            return -EINVAL;
        }
        continue;
bad:
        snprintf(err, err_size, "bad value in '%.*s' (see docs/guests.md)",
                 (int)len, w);
        return -EINVAL;
    }
    return 0;
}

/* ---- images ---- */

static int load_flat(struct domain *d, struct vcpu *v, const uint8_t *img,
                     size_t size, const struct guest_config *cfg)
{
    if (p2m_copy_to_guest(d, cfg->load, img, size)) {
        pr_err("loader: %s: a %zu-byte flat image does not fit in guest RAM "
               "at %#lx (mem=%luM)\n", d->name, size, cfg->load,
               d->mem_size >> 20);
        return -E2BIG;
    }
    /* Real mode at 0:load, stack just below the image, as a BIOS leaves a
     * boot sector. */
    v->regs.rip = cfg->load;
    v->regs.gpr[GPR_RSP] = cfg->load;
    v->regs.gpr[GPR_RDX] = 0x80;
    return 0;
}

static int load_elf32(struct domain *d, const uint8_t *img, size_t size,
                      uint32_t *entry)
{
    const struct elf32_ehdr *eh = (const void *)img;
    if (size < sizeof(*eh) || eh->ident[4] != 1 || eh->machine != 3 ||
        eh->phentsize != sizeof(struct elf32_phdr) ||
        eh->phoff + (uint64_t)eh->phnum * sizeof(struct elf32_phdr) > size) {
        pr_err("loader: %s: not a Multiboot a.out-kludge image nor a valid "
               "ELF32 i386 executable\n", d->name);
        return -EINVAL;
    }
    const struct elf32_phdr *ph = (const void *)(img + eh->phoff);
    for (unsigned i = 0; i < eh->phnum; i++) {
        if (ph[i].type != 1)        /* PT_LOAD */
            continue;
        if ((uint64_t)ph[i].offset + ph[i].filesz > size ||
            ph[i].filesz > ph[i].memsz ||
            !p2m_gpa_to_hva(d, ph[i].paddr, ph[i].memsz ? ph[i].memsz : 1)) {
            pr_err("loader: %s: ELF segment %u (%#x, %u bytes) lies outside "
                   "the image or guest RAM\n", d->name, i, ph[i].paddr,
                   ph[i].memsz);
            return -E2BIG;
        }
        p2m_copy_to_guest(d, ph[i].paddr, img + ph[i].offset, ph[i].filesz);
    }
    *entry = eh->entry;
    return 0;
}

static int load_aout(struct domain *d, const uint8_t *img, size_t size,
                     const struct mb1_header *h, size_t hoff, uint32_t *entry)
{
    uint64_t file_start = hoff - (uint64_t)(h->header_addr - h->load_addr);
    uint64_t load_end = h->load_end_addr ? h->load_end_addr
                                         : h->load_addr + (size - file_start);
    uint64_t bss_end = MAX((uint64_t)h->bss_end_addr, load_end);

    if (h->header_addr < h->load_addr || file_start > size ||
        load_end < h->load_addr || load_end - h->load_addr > size - file_start ||
        !p2m_gpa_to_hva(d, h->load_addr, bss_end - h->load_addr)) {
        pr_err("loader: %s: Multiboot address fields (load %#x-%#lx, bss to "
               "%#lx) do not fit the image or guest RAM\n", d->name,
               h->load_addr, load_end, bss_end);
        return -E2BIG;
    }
    p2m_copy_to_guest(d, h->load_addr, img + file_start, load_end - h->load_addr);
    *entry = h->entry_addr;
    return 0;
}

static void build_mb1_info(struct domain *d, const char *cmdline)
{
    struct mb1_mmap map[2] = {
        { 20, 0, GUEST_VGA_HOLE_START, 1 },
        { 20, 0x100000, d->mem_size - 0x100000, 1 },
    };
    struct mb1_info info = {
        .flags = MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MMAP | MB1_INFO_LOADER,
        .mem_lower = GUEST_VGA_HOLE_START >> 10,
        .mem_upper = (uint32_t)((d->mem_size - 0x100000) >> 10),
        .cmdline = MB1_CMDLINE_GPA,
        .mmap_length = sizeof(map),
        .mmap_addr = MB1_MMAP_GPA,
        .boot_loader_name = MB1_LOADER_GPA,
    };
    p2m_copy_to_guest(d, MB1_INFO_GPA, &info, sizeof(info));
    p2m_copy_to_guest(d, MB1_MMAP_GPA, map, sizeof(map));
    p2m_copy_to_guest(d, MB1_CMDLINE_GPA, cmdline, MIN(strlen(cmdline) + 1, 1023));
    p2m_copy_to_guest(d, MB1_LOADER_GPA, "Tern", 5);
}

static int load_multiboot(struct domain *d, struct vcpu *v, const uint8_t *img,
                          size_t size, const char *cmdline)
{
    const struct mb1_header *h = NULL;
    size_t hoff = 0;
    uint32_t entry = 0;
    int rc;

    for (hoff = 0; hoff + sizeof(*h) <= MIN(size, (size_t)8192); hoff += 4) {
        const struct mb1_header *c = (const void *)(img + hoff);
        if (c->magic == MB1_HEADER_MAGIC &&
            c->magic + c->flags + c->checksum == 0) {
            h = c;
            break;
        }
    }
    if (!h) {
        pr_err("loader: %s: no Multiboot header (magic 0x1BADB002 with a "
               "valid checksum) in the first 8 KiB\n", d->name);
        return -EINVAL;
    }
    if (h->flags & MB1_FLAG_AOUT)
        rc = load_aout(d, img, size, h, hoff, &entry);
    else
        rc = load_elf32(d, img, size, &entry);
    if (rc)
        return rc;
    build_mb1_info(d, cmdline);
    v->regs.rip = entry;
    v->regs.gpr[GPR_RAX] = MB1_LOADER_MAGIC;
    v->regs.gpr[GPR_RBX] = MB1_INFO_GPA;
    return 0;
}

/* The value of word 'key=' on a command line, copied into out. */
static bool cmdline_value(const char *cmdline, const char *key, char *out,
                          size_t size)
{
    size_t k = strlen(key);
    for (const char *p = cmdline; *p; p++) {
        if ((p == cmdline || p[-1] == ' ') && !strncmp(p, key, k) && p[k] == '=') {
            const char *v = p + k + 1, *e = v;
            while (*e && *e != ' ')
                e++;
            size_t n = MIN((size_t)(e - v), size - 1);
            memcpy(out, v, n);
            out[n] = '\0';
            return true;
        }
    }
    return false;
}

/* The module called 'name' (its name= or file name), or NULL. */
static const struct boot_module *module_by_name(const struct boot_info *bi,
                                                const char *name)
{
    for (unsigned int i = 0; i < bi->nr_modules; i++) {
        char n[MODULE_NAME_MAX];
        module_name(&bi->modules[i], n);
        if (!strcmp(n, name))
            return &bi->modules[i];
    }
    return NULL;
}

static bool loader_start_one(const struct boot_info *bi,
                             const struct boot_module *m)
{
    struct guest_config cfg;
    char err[128];
    char name[MODULE_NAME_MAX];

    module_name(m, name);
    char role[16];
    if (!cmdline_value(m->cmdline, "role", role, sizeof(role)) ||
        strcmp(role, "guest") != 0)
        return false;           /* not a guest: ring-3 domains start after */
    if (loader_parse_options(m->cmdline, &cfg, err, sizeof(err))) {
        pr_err("loader: module '%s': %s; guest not started\n", name, err);
        return false;
    }
    if (!cfg.is_guest)
        return false;
    if (!hvm) {
        pr_err("loader: guest '%s' not started: this CPU offers no usable "
               "VT-x or AMD-V\n", name);
        return false;
    }
    if (!cfg.name[0])
        strlcpy(cfg.name, name[0] ? name : "guest", sizeof(cfg.name));

    struct domain *d = domain_create(cfg.name, cfg.mem);
    if (!d)
        return false;
    d->testdev.enabled = cfg.testdev;
    d->console_raw = cfg.rawcon;
    struct vcpu *v = domain_add_vcpu(d, cfg.kind == GUEST_FLAT ?
                                     HVM_START_REAL : HVM_START_PROTECTED32);
    if (!v) {
        domain_crash(d, "could not create its vCPU");
        return false;
    }
    const uint8_t *img = phys_to_virt(m->start);
    size_t size = m->end - m->start;
    int rc;
    if (cfg.kind == GUEST_FLAT)
        rc = load_flat(d, v, img, size, &cfg);
    else if (cfg.kind == GUEST_MULTIBOOT)
        rc = load_multiboot(d, v, img, size, m->cmdline);
    else
        rc = loader_linux(d, v, img, size, cfg.initrd[0] ?
                          module_by_name(bi, cfg.initrd) : NULL,
                          cfg.kernel_cmdline);
    if (rc) {
        domain_crash(d, "its image could not be loaded (see above)");
        return false;
    }
    pr_info("loader: domain %u '%s': %s image, %zu bytes, %lu MiB RAM, "
            "entry %#lx%s\n", d->id, d->name,
            cfg.kind == GUEST_FLAT ? "flat real-mode" :
            cfg.kind == GUEST_MULTIBOOT ? "Multiboot" : "Linux bzImage",
            size, d->mem_size >> 20, v->regs.rip,
            cfg.testdev ? ", testdev" : "");
    sched_add(v);
    return true;
}

static struct domain *domain_by_name(const char *name)
{
    for (unsigned i = 0; i < MAX_DOMAINS; i++)
        if (domains[i] && !strcmp(domains[i]->name, name))
            return domains[i];
    return NULL;
}

/*
 * A ring-3 domain: role=dm (a device model, given control of the guests
 * named by target=a,b) or role=user (a plain ring-3 program). Options
 * other than name=, role= and target= are the program's own: it reads
 * its module line from its start-info page.
 */
static bool loader_start_user(const struct boot_module *m, const char *role)
{
    char name[MODULE_NAME_MAX], targets[128] = "";
    module_name(m, name);
    if (!name[0])
        strlcpy(name, role, sizeof(name));
    bool dm = !strcmp(role, "dm");
    if (dm && !cmdline_value(m->cmdline, "target", targets, sizeof(targets))) {
        pr_err("loader: module '%s': role=dm needs target=GUEST[,GUEST]; "
               "not started\n", name);
        return false;
    }

    /* Resolve the targets before building anything. */
    unsigned int ids[4], n = 0;
    for (char *t = targets; *t;) {
        char *comma = strchr(t, ',');
        if (comma)
            *comma = '\0';
        struct domain *g = domain_by_name(t);
        for (unsigned int k = 0; g && k < n; k++)
            if (ids[k] == g->id) {
                pr_err("loader: module '%s': target '%s' named twice; not "
                       "started\n", name, t);
                return false;
            }
        if (!g || g->kind != DOMAIN_HVM || n == ARRAY_SIZE(ids)) {
            pr_err("loader: module '%s': target '%s' is not a guest domain "
                   "(at most %zu targets); not started\n", name, t,
                   ARRAY_SIZE(ids));
            return false;
        }
        ids[n++] = g->id;
        t = comma ? comma + 1 : t + strlen(t);
    }

    struct domain *d = user_domain_create(name, phys_to_virt(m->start),
                                          m->end - m->start, m->cmdline,
                                          ids, n);
    if (!d)
        return false;
    /* Its guests wait for it (TERN_DMOP_unpause, include/public/dm_op.h). */
    if (dm) {
        for (unsigned i = 0; i < n; i++)
            domains[ids[i]]->pause_count++;
        d->dm_pausing = (uint8_t)((1u << n) - 1);
    }
    char ctl[80] = "";
    for (unsigned i = 0; i < n; i++)
        snprintf(ctl + strlen(ctl), sizeof(ctl) - strlen(ctl), "%s%s",
                 i ? "," : ", controls ", domains[ids[i]]->name);
    pr_info("loader: domain %u '%s': ring-3 %s, %lu bytes%s\n", d->id,
            d->name, dm ? "device model" : "program", m->end - m->start, ctl);
    sched_add(d->vcpus[0]);
    return true;
}

unsigned int loader_failed;

unsigned int loader_start_guests(const struct boot_info *bi)
{
    unsigned int started = 0, asked = 0;
    char role[16];

    /* Guests first, so that device models can name them as targets. */
    for (unsigned i = 0; i < bi->nr_modules; i++) {
        const struct boot_module *m = &bi->modules[i];
        if (!cmdline_value(m->cmdline, "role", role, sizeof(role)))
            continue;
        asked++;
        if (!strcmp(role, "initrd")) {
            asked--;            /* data for a guest, not a domain */
            continue;
        }
        if (!strcmp(role, "guest"))
            started += loader_start_one(bi, m);
    }
    for (unsigned i = 0; i < bi->nr_modules; i++) {
        const struct boot_module *m = &bi->modules[i];
        if (cmdline_value(m->cmdline, "role", role, sizeof(role)) &&
            (!strcmp(role, "dm") || !strcmp(role, "user")))
            started += loader_start_user(m, role);
        else if (cmdline_value(m->cmdline, "role", role, sizeof(role)) &&
                 strcmp(role, "guest") != 0 && strcmp(role, "initrd") != 0) {
            char name[MODULE_NAME_MAX];
            module_name(m, name);
            pr_err("loader: module '%s': unknown role '%s' (known: guest, "
                   "dm, user, initrd); not started\n", name, role);
        }
    }
    loader_failed = asked - started;
    return asked;
}
