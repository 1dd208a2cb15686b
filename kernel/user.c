/*
 * kernel/user.c: ring-3 domains: their address spaces, loading their ELF
 * images, running them, and killing them when they fault.
 *
 * Address space: a PML4 of its own. The lower half maps only the
 * domain's pages, all with the U bit: the ELF's PT_LOAD segments (text
 * read+execute, data read+write no-execute), a stack below
 * TERN_USER_STACK_TOP, the start-info page (read-only) and the shared-info
 * page (read+write) at the addresses include/public/hypercall.h fixes.
 * The upper half is a copy of Tern's kernel PML4 entries, without U: the
 * domain cannot touch Tern's memory. Every frame the lower half maps is
 * the domain's own and is freed with it.
 *
 * Running: user_vcpu_run() loads the domain's CR3 and enters ring 3
 * through user_enter() (kernel/user_entry.asm); the domain comes back on a
 * hypercall that blocks or ends it, on a timer tick that ends its time
 * slice, or on a fault, which kills it with a decoded message while Tern
 * and every other domain go on.
 *
 * Context: the scheduler loop (interrupts off), traps from ring 3.
 */
#include <tern/cmdline.h>
#include <tern/console.h>
#include <tern/desc.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/evtchn.h>
#include <tern/hvm.h>
#include <tern/ioreq.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/panic.h>
#include <tern/percpu.h>
#include <tern/symbols.h>
#include <tern/time.h>
#include <tern/user.h>
#include <tern/x86.h>
#include <public/dm_op.h>
#include <public/hypercall.h>

#define MSR_STAR        0xc0000081
#define MSR_LSTAR       0xc0000082
#define MSR_FMASK       0xc0000084
#define USER_RFLAGS     (RFLAGS_IF | 0x2)
#define USER_KSTACK_SIZE (16 * 1024)
#define ELF_PT_LOAD     1
#define ELF_PF_X        1
#define ELF_PF_W        2

extern char syscall_entry[];
int user_enter(struct hvm_regs *regs);
__noreturn void user_leave(int reason);

static uint8_t user_kstacks[MAX_CPUS][USER_KSTACK_SIZE] __aligned(16);

struct elf64_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

void user_init_cpu(void)
{
    struct percpu *cpu = this_cpu();

    /*
     * SYSCALL loads CS from STAR[47:32] and SS from it + 8; SYSRET (64-bit)
     * loads CS from STAR[63:48] + 16 and SS from STAR[63:48] + 8, both
     * with RPL 3: hence the GDT order user CS32, user DS, user CS (see
     * include/tern/desc.h). FMASK clears IF, DF, TF and AC on entry.
     */
    wrmsr(MSR_STAR, ((uint64_t)GDT_USER_CS32 << 48) | ((uint64_t)GDT_KERNEL_CS << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_AC | (1u << 8));
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    cpu->user_kstack_top = (uint64_t)user_kstacks[cpu->cpu_id] + USER_KSTACK_SIZE;
    cpu->tss->rsp[0] = cpu->user_kstack_top;    /* traps from ring 3 */
}

/* ---- the address space ---- */

/* Map one user page; the frame is the caller's. */
static int user_map(struct domain *d, uint64_t va, uint64_t pa, uint64_t flags)
{
    uint64_t *table = phys_to_virt(d->user_cr3);
    for (int level = 4; level > 1; level--) {
        uint64_t *e = &table[(va >> (12 + 9 * (level - 1))) & 511];
        if (!(*e & PTE_P)) {
            void *t = page_alloc_zeroed();
            if (!t)
                return -ENOMEM;
            *e = virt_to_phys(t) | PTE_P | PTE_W | PTE_U;
        }
        table = phys_to_virt(*e & PTE_ADDR);
    }
    uint64_t *leaf = &table[(va >> 12) & 511];
    if (*leaf & PTE_P)
        return -EEXIST;
    *leaf = pa | flags | PTE_P | PTE_U;
    return 0;
}

/* A fresh zeroed frame mapped at va; returns its kernel address or NULL. */
static void *user_map_new(struct domain *d, uint64_t va, uint64_t flags)
{
    void *page = page_alloc_zeroed();
    if (!page)
        return NULL;
    if (user_map(d, va, virt_to_phys(page), flags)) {
        page_free(page);
        return NULL;
    }
    return page;
}

/* PTE bit 9 is the OS's (Intel SDM Vol. 3A, "Paging", ignored bits):
 * Tern marks frames a ring-3 domain maps but does not own with it (its
 * shared-info page, ioreq pages, a guest's RAM), so they outlive the
 * address space. */
#define PTE_FOREIGN     (1ul << 9)

static void free_level(uint64_t *table, int level)
{
    for (int i = 0; i < 512; i++) {
        if (!(table[i] & PTE_P))
            continue;
        if (level > 1)
            free_level(phys_to_virt(table[i] & PTE_ADDR), level - 1);
        else if (!(table[i] & PTE_FOREIGN))
            frame_free(table[i] & PTE_ADDR);
    }
    page_free(table);
}

int user_map_foreign(struct domain *d, uint64_t va, uint64_t pa, size_t npages)
{
    for (size_t i = 0; i < npages; i++) {
        int rc = user_map(d, va + i * PAGE_SIZE, pa + i * PAGE_SIZE,
                          PTE_W | PTE_NX | PTE_FOREIGN);
        if (rc) {
            user_unmap_foreign(d, va, i);
            return rc;
        }
    }
    return 0;
}

/* The leaf entry mapping 'va' in d, or NULL. */
static uint64_t *user_leaf(struct domain *d, uint64_t va)
{
    uint64_t *table = phys_to_virt(d->user_cr3);
    for (int level = 4; level > 1; level--) {
        uint64_t e = table[(va >> (12 + 9 * (level - 1))) & 511];
        if (!(e & PTE_P))
            return NULL;
        table = phys_to_virt(e & PTE_ADDR);
    }
    return &table[(va >> 12) & 511];
}

bool user_adopt_foreign(struct domain *d, uint64_t va, size_t npages)
{
    if (!d->user_cr3)
        return false;
    for (size_t i = 0; i < npages; i++) {
        uint64_t *leaf = user_leaf(d, va + i * PAGE_SIZE);
        if (!leaf || (*leaf & (PTE_P | PTE_FOREIGN)) != (PTE_P | PTE_FOREIGN))
            return false;
    }
    for (size_t i = 0; i < npages; i++)
        *user_leaf(d, va + i * PAGE_SIZE) &= ~PTE_FOREIGN;
    return true;
}

void user_unmap_foreign(struct domain *d, uint64_t va, size_t npages)
{
    if (!d->user_cr3)
        return;
    for (size_t i = 0; i < npages; i++, va += PAGE_SIZE) {
        uint64_t *leaf = user_leaf(d, va);
        if (leaf && (*leaf & (PTE_P | PTE_FOREIGN)) == (PTE_P | PTE_FOREIGN)) {
            *leaf = 0;
            d->uaccess_va = 0;      /* kernel/uaccess.c's cache */
            if (read_cr3() == d->user_cr3)
                invlpg(va);
        }
    }
}

void user_space_destroy(struct domain *d)
{
    if (!d->user_cr3)
        return;
    if (read_cr3() == d->user_cr3)
        write_cr3(paging_kernel_cr3());
    uint64_t *pml4 = phys_to_virt(d->user_cr3);
    for (int i = 0; i < 256; i++) {
        if (pml4[i] & PTE_P)
            free_level(phys_to_virt(pml4[i] & PTE_ADDR), 3);
        pml4[i] = 0;
    }
    page_free(pml4);
    d->user_cr3 = 0;
    d->uaccess_va = 0;
}

/* ---- loading ---- */

static int user_load_segment(struct domain *d, const uint8_t *image, size_t size,
                             const struct elf64_phdr *ph)
{
    uint64_t start = ALIGN_DOWN(ph->vaddr, PAGE_SIZE);
    uint64_t end = ALIGN_UP(ph->vaddr + ph->memsz, PAGE_SIZE);
    uint64_t flags = (ph->flags & ELF_PF_W ? PTE_W : 0) |
                     (ph->flags & ELF_PF_X ? 0 : PTE_NX);

    if (ph->offset + ph->filesz > size || ph->filesz > ph->memsz ||
        ph->vaddr < 0x1000 || end > TERN_GUEST_RAM_VA || end < start) {
        pr_err("user: %s: ELF segment at %#lx (%lu bytes) lies outside the "
               "image or the user address space\n", d->name, ph->vaddr,
               ph->memsz);
        return -EINVAL;
    }
    for (uint64_t va = start; va < end; va += PAGE_SIZE) {
        uint8_t *page = user_map_new(d, va, flags);
        if (!page)
            return -ENOMEM;
        /* The file bytes that fall in this page; the rest stays zero (the
         * tail of memsz is .bss). */
        uint64_t lo = MAX(va, ph->vaddr), hi = MIN(va + PAGE_SIZE, ph->vaddr + ph->filesz);
        if (lo < hi)
            memcpy(page + (lo - va), image + ph->offset + (lo - ph->vaddr), hi - lo);
    }
    return 0;
}

static int user_load_elf(struct domain *d, const uint8_t *image, size_t size,
                         uint64_t *entry)
{
    const struct elf64_ehdr *eh = (const void *)image;

    if (size < sizeof(*eh) || memcmp(eh->ident, "\x7f" "ELF", 4) ||
        eh->ident[4] != 2 || eh->machine != 62 || eh->type != 2 ||
        eh->phentsize != sizeof(struct elf64_phdr) ||
        eh->phoff + (uint64_t)eh->phnum * sizeof(struct elf64_phdr) > size) {
        pr_err("user: %s: not a static x86-64 ELF executable\n", d->name);
        return -EINVAL;
    }
    const struct elf64_phdr *ph = (const void *)(image + eh->phoff);
    bool entry_ok = false;
    for (unsigned i = 0; i < eh->phnum; i++) {
        if (ph[i].type != ELF_PT_LOAD)
            continue;
        int rc = user_load_segment(d, image, size, &ph[i]);
        if (rc)
            return rc;
        entry_ok |= (ph[i].flags & ELF_PF_X) && eh->entry >= ph[i].vaddr &&
                    eh->entry < ph[i].vaddr + ph[i].memsz;
    }
    if (!entry_ok) {
        pr_err("user: %s: entry point %#lx is not in an executable segment\n",
               d->name, eh->entry);
        return -EINVAL;
    }
    *entry = eh->entry;
    return 0;
}

static int user_build_space(struct domain *d, const uint8_t *image, size_t size,
                            const char *cmdline, uint64_t *entry)
{
    uint64_t *pml4 = page_alloc_zeroed();
    if (!pml4)
        return -ENOMEM;
    /* Tern's half: supervisor-only, shared with every address space. */
    memcpy(&pml4[256], (uint64_t *)phys_to_virt(paging_kernel_cr3()) + 256,
           256 * sizeof(uint64_t));
    d->user_cr3 = virt_to_phys(pml4);

    int rc = user_load_elf(d, image, size, entry);
    if (rc)
        return rc;
    for (uint64_t va = TERN_USER_STACK_TOP - TERN_USER_STACK_SIZE;
         va < TERN_USER_STACK_TOP; va += PAGE_SIZE)
        if (!user_map_new(d, va, PTE_W | PTE_NX))
            return -ENOMEM;
    struct tern_start_info *si = user_map_new(d, TERN_START_INFO_VA, PTE_NX);
    if (!si)
        return -ENOMEM;
    *si = (struct tern_start_info){ .magic = TERN_START_MAGIC,
                                    .domid = (domid_t)d->id,
                                    .nr_targets = (uint16_t)d->nr_targets,
                                    .shared_info = TERN_SHARED_INFO_VA };
    for (unsigned i = 0; i < d->nr_targets; i++)
        si->targets[i] = (domid_t)d->targets[i];
    strlcpy(si->name, d->name, sizeof(si->name));
    strlcpy(si->cmdline, cmdline, sizeof(si->cmdline));
    /* The shared-info page is the event channels': mapped, not owned. */
    return user_map_foreign(d, TERN_SHARED_INFO_VA,
                            virt_to_phys(d->shared_info), 1);
}

struct domain *user_domain_create(const char *name, const uint8_t *image,
                                  size_t size, const char *cmdline,
                                  const unsigned int *targets,
                                  unsigned int nr_targets)
{
    struct domain *d = domain_alloc(name, DOMAIN_USER);
    uint64_t entry = 0;

    if (!d)
        return NULL;
    d->nr_targets = MIN(nr_targets, (unsigned int)ARRAY_SIZE(d->targets));
    memcpy(d->targets, targets, d->nr_targets * sizeof(targets[0]));
    if (user_build_space(d, image, size, cmdline, &entry))
        goto err_free;
    struct vcpu *v = domain_add_vcpu(d, HVM_START_REAL);
    if (!v)
        goto err_free;
    v->regs.rip = entry;
    v->regs.gpr[GPR_RSP] = TERN_USER_STACK_TOP;
    v->regs.gpr[GPR_RDI] = TERN_START_INFO_VA;
    v->regs.rflags = USER_RFLAGS;
    return d;

err_free:
    user_space_destroy(d);
    pr_err("user: %s: not started\n", name);
    domain_free(d);
    return NULL;
}

/* ---- running ---- */

void user_vcpu_run(struct vcpu *v)
{
    struct domain *d = v->domain;
    struct percpu *cpu = this_cpu();

    d->state = DOMAIN_RUNNING;
    d->shared_info->time_ns = time_ns();
    v->exits_tick = cpu->ticks;
    cpu->current = v;
    if (read_cr3() != d->user_cr3)
        write_cr3(d->user_cr3);
    if (cmdline_options.trace & TRACE_IOREQ)
        ioreq_trace_dm_runs(d);
    /* Only the arithmetic flags are the domain's: IF on, IOPL 0. */
    v->regs.rflags = (v->regs.rflags & 0xcd5) | USER_RFLAGS;
    if (hvm && hvm->host_msrs)
        hvm->host_msrs();       /* SYSCALL must reach Tern, not a guest */
    int why = user_enter(&v->regs);
    cpu->current = NULL;
    if (d->nr_targets)
        ioreq_dm_leaves(d);
    if (why == USER_EXIT_DEAD || !domain_is_alive(d))
        user_space_destroy(d);
}

static const char *const fault_names[32] = {
    [0] = "#DE divide error", [1] = "#DB debug", [3] = "#BP breakpoint",
    [4] = "#OF overflow", [5] = "#BR bound range", [6] = "#UD invalid opcode",
    [7] = "#NM device not available", [10] = "#TS invalid TSS",
    [11] = "#NP segment not present", [12] = "#SS stack fault",
    [13] = "#GP general protection", [14] = "#PF page fault",
    [16] = "#MF x87 error", [17] = "#AC alignment check",
    [19] = "#XM SIMD error",
};

static void user_save_regs(struct vcpu *v, const struct cpu_regs *r)
{
    uint64_t *g = v->regs.gpr;
    g[GPR_RAX] = r->rax; g[GPR_RBX] = r->rbx; g[GPR_RCX] = r->rcx;
    g[GPR_RDX] = r->rdx; g[GPR_RSI] = r->rsi; g[GPR_RDI] = r->rdi;
    g[GPR_RBP] = r->rbp; g[GPR_RSP] = r->rsp;
    g[GPR_R8] = r->r8; g[GPR_R9] = r->r9; g[GPR_R10] = r->r10;
    g[GPR_R11] = r->r11; g[GPR_R12] = r->r12; g[GPR_R13] = r->r13;
    g[GPR_R14] = r->r14; g[GPR_R15] = r->r15;
    v->regs.rip = r->rip;
    v->regs.rflags = r->rflags;
}

void user_trap(struct cpu_regs *r)
{
    struct vcpu *v = this_cpu()->current;
    struct domain *d = v->domain;

    if (r->vector >= 32) {
        /* An interrupt, already handled: end the slice on a new tick. */
        if (this_cpu()->ticks == v->exits_tick)
            return;
        user_save_regs(v, r);
        user_leave(USER_EXIT_PREEMPTED);
    }
    user_save_regs(v, r);
    const char *name = fault_names[r->vector] ? fault_names[r->vector]
                                              : "exception";
    if (r->vector == 14)
        domain_crash(d, "%s at RIP %#lx: %s of %#lx (%s)", name, r->rip,
                     r->error_code & 2 ? "write" : "read", read_cr2(),
                     r->error_code & 1 ? "protection violation" : "not mapped");
    else
        domain_crash(d, "%s at RIP %#lx (error code %#lx)", name, r->rip,
                     r->error_code);
    user_leave(USER_EXIT_DEAD);
}
