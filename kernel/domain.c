/*
 * kernel/domain.c: creating, ending and reporting domains.
 *
 * A domain ends in one of two ways, each reported in one line that tests
 * and learners can read: "domain NAME: shut down, status N" (the guest
 * asked) or "domain NAME: crashed: WHY" (Tern stopped it, followed by
 * its vCPU state). Either way the other domains carry on.
 *
 * Context: the scheduler loop on the boot CPU, interrupts off.
 */
#include <tern/console.h>
#include <tern/domain.h>
#include <tern/evtchn.h>
#include <tern/ioreq.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/panic.h>
#include <tern/vpic.h>

struct domain *domains[MAX_DOMAINS];

struct domain *domain_alloc(const char *name, enum domain_kind kind)
{
    unsigned int id = 0;
    while (id < MAX_DOMAINS && domains[id])
        id++;
    if (id == MAX_DOMAINS) {
        pr_err("domain %s: not created: all %u domain slots are in use\n",
               name, MAX_DOMAINS);
        return NULL;
    }
    struct domain *d = kzalloc(sizeof(*d));
    if (!d)
        return NULL;
    d->id = id;
    d->kind = kind;
    strlcpy(d->name, name, sizeof(d->name));
    if (evtchn_domain_init(d)) {
        kfree(d);
        return NULL;
    }
    d->state = DOMAIN_CREATED;
    domains[id] = d;
    return d;
}

void domain_free(struct domain *d)
{
    domains[d->id] = NULL;
    kfree(d->vpic);
    evtchn_domain_destroy(d);
    kfree(d);
}

struct domain *domain_by_id(unsigned int id)
{
    return id < MAX_DOMAINS ? domains[id] : NULL;
}

bool domain_controls(const struct domain *d, const struct domain *target)
{
    if (d == target)
        return true;
    for (unsigned i = 0; i < d->nr_targets; i++)
        if (d->targets[i] == target->id)
            return true;
    return false;
}

unsigned int domain_target_index(const struct domain *d,
                                 const struct domain *target)
{
    unsigned int i = 0;
    while (i < d->nr_targets && d->targets[i] != target->id)
        i++;
    return i;
}

struct domain *domain_create(const char *name, uint64_t mem_size)
{
    struct domain *d = domain_alloc(name, DOMAIN_HVM);
    if (!d)
        goto err_nomem;
    d->mem_size = ALIGN_UP(mem_size, PAGE_SIZE);
    /* 2 MiB alignment lets EPT/NPT map guest RAM with large pages. */
    d->mem_host = frame_alloc_contig(d->mem_size / PAGE_SIZE, LARGE_PAGE_SIZE);
    if (!d->mem_host)
        goto err_free_d;
    memset(phys_to_virt(d->mem_host), 0, d->mem_size);
    d->vpic = kzalloc(sizeof(*d->vpic));
    if (!d->vpic)
        goto err_free_mem;
    vpic_init(d->vpic);
    if (hvm->domain_init(d))
        goto err_free_mem;
    return d;

err_free_mem:
    frame_free_contig(d->mem_host, d->mem_size / PAGE_SIZE);
err_free_d:
    domain_free(d);
err_nomem:
    pr_err("domain %s: not created: not enough memory for %lu MiB of guest "
           "RAM\n", name, mem_size >> 20);
    return NULL;
}

struct vcpu *domain_add_vcpu(struct domain *d, enum hvm_start_mode mode)
{
    if (d->nr_vcpus == MAX_VCPUS)
        return NULL;
    struct vcpu *v = kzalloc(sizeof(*v));
    if (!v)
        return NULL;
    v->domain = d;
    v->id = d->nr_vcpus;
    v->state = VCPU_RUNNABLE;
    /* The x87/SSE state after reset: FCW 0x37f, MXCSR 0x1f80 (Intel SDM
     * Vol. 1, "FXSAVE Area" and "Initialization"). */
    *(uint16_t *)&v->fpu[0] = 0x37f;
    *(uint32_t *)&v->fpu[24] = 0x1f80;
    if (d->kind == DOMAIN_HVM) {
        if (hvm->vcpu_init(v, mode)) {
            kfree(v);
            return NULL;
        }
        hvm_vcpu_start_segments(v, mode);
    }
    d->vcpus[d->nr_vcpus++] = v;
    return v;
}

bool domain_is_alive(const struct domain *d)
{
    return d->state == DOMAIN_CREATED || d->state == DOMAIN_RUNNING ||
           d->state == DOMAIN_PAUSED;
}

/* Stop its vCPUs, end its ioreq servers (a guest's, or a DM's own in
 * its targets: their waiting vCPUs complete without a device), and close
 * its event channels (peers become unbound). */
static void domain_stop_vcpus(struct domain *d)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        d->vcpus[i]->state = VCPU_STOPPED;
    if (d->console_len)
        domain_console_putc(d, '\n');
    ioreq_domain_end(d);
    evtchn_domain_close_all(d);
}

void domain_shutdown(struct domain *d, int status)
{
    if (!domain_is_alive(d))
        return;
    d->state = DOMAIN_SHUTDOWN;
    d->shutdown_status = status;
    domain_stop_vcpus(d);
    pr_info("domain %s: shut down, status %d\n", d->name, status);
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
    va_list ap;

    if (!domain_is_alive(d))
        return;
    va_start(ap, fmt);
    vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
    va_end(ap);
    d->state = DOMAIN_CRASHED;
    domain_stop_vcpus(d);
    pr_err("domain %s: crashed: %s\n", d->name, d->reason);
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        const uint64_t *g = v->regs.gpr;
        pr_err("  vCPU %u after %lu exits: RAX %#lx RBX %#lx RCX %#lx RDX "
               "%#lx\n", v->id, v->exits, g[GPR_RAX], g[GPR_RBX],
               g[GPR_RCX], g[GPR_RDX]);
        pr_err("  RSI %#lx RDI %#lx RBP %#lx RSP %#lx R8 %#lx\n", g[GPR_RSI],
               g[GPR_RDI], g[GPR_RBP], g[GPR_RSP], g[GPR_R8]);
        if (v->arch)
            hvm->dump(v);
    }
}

void domain_console_putc(struct domain *d, char c)
{
    if (d->console_raw) {
        console_write_unlocked(&c, 1);  /* one CPU, interrupts off */
        return;
    }
    if (c == '\r')
        return;
    if (c != '\n' && d->console_len < sizeof(d->console) - 1) {
        d->console[d->console_len++] = c;
        return;
    }
    d->console[d->console_len] = '\0';
    pr_info("[%s] %s\n", d->name, d->console);
    d->console_len = 0;
    if (c != '\n')
        domain_console_putc(d, c);  /* the line was full: start the next */
}
