/*
 * kernel/svm.c: the AMD SVM (AMD-V) backend.
 *
 * Exports svm_probe() and, through it, struct hvm_ops; nothing else.
 *   - EFER.SVME and a host save area (VM_HSAVE_PA) per CPU (AMD APM
 *     Vol. 2, "Enabling SVM", "VMRUN Instruction").
 *   - One VMCB per vCPU (its layout is kernel/svm.h), set up one field
 *     group per function: intercepts and controls, guest state.
 *   - Nested paging for guest memory, an ASID per vCPU, and I/O and MSR
 *     permission maps that send every access to Tern.
 *   - The exit edge: EXITCODE, EXITINFO1 and EXITINFO2 become a
 *     vendor-neutral struct hvm_exit (svm_normalise_exit()). Where the
 *     CPU does not say how long the intercepted instruction was (no
 *     next-RIP) or what it was (no decode assists), Tern fetches the
 *     instruction and decodes that much itself (svm_decode_*()).
 * The VMCB is ordinary memory: reads and writes need no instructions
 * and cannot fail. A VMRUN that refuses the guest state (VMEXIT_INVALID)
 * is explained by kernel/svm_check.c and crashes only that guest.
 *
 * Context: the host, interrupts off; GIF=0 from CLGI to STGI around
 * each VMRUN (kernel/svm_entry.asm). One CPU.
 */
#include <tern/console.h>
#include <tern/cpu.h>
#include <tern/decode.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/hvm.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/percpu.h>
#include <tern/x86.h>
#include "svm.h"

#define PAT_DEFAULT         0x0007040600070406ul
#define RFLAGS_VM           (1ul << 17)
#define CR0_NW              (1ul << 29)
#define CR0_CD              (1ul << 30)
#define SVM_RETRY           1       /* svm_normalise_exit(): run again */

/* What each physical CPU needs for SVM. */
struct svm_cpu {
    uint64_t host_pa;               /* VMSAVE/VMLOAD page for host state */
    uint32_t next_asid;             /* next ASID to hand out */
    uint32_t asid_generation;       /* bumped when the ASIDs run out */
};

struct svm_vcpu {
    struct vmcb *vmcb;
    uint64_t vmcb_pa;
    uint32_t asid_generation;       /* 0: no ASID yet */
    bool flush;                     /* its TLB entries are stale */
};

static struct svm_cpu svm_cpus[MAX_CPUS];
static uint64_t svm_cr4_guest;      /* CR4 bits a guest may set */
/* The I/O permission map (12 KiB) and the MSR permission map (8 KiB):
 * all ones, so every port and MSR access exits ("IOIO Intercepts",
 * "MSR Intercepts"). One copy serves every vCPU. */
static uint8_t iopm[3 * PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t msrpm[2 * PAGE_SIZE] __aligned(PAGE_SIZE);
void svm_enter(struct hvm_regs *regs, uint64_t vmcb_pa, uint64_t host_pa);

/* ---- per CPU ---- */

static int svm_cpu_enable(void)
{
    unsigned int cpu = this_cpu()->cpu_id;
    void *hsave = page_alloc_zeroed(), *host = page_alloc_zeroed();

    if (!hsave || !host) {
        page_free(hsave);
        page_free(host);
        pr_err("svm: no memory for CPU %u's host save areas\n", cpu);
        return -ENOMEM;
    }
    /* svm_probe() saw VM_CR.SVMDIS clear, so EFER.SVME may be set; VMRUN
     * then saves host state in the VM_HSAVE_PA page, which Tern must not
     * touch ("VMRUN Instruction"). The second page takes what VMSAVE
     * saves of the host (kernel/svm_entry.asm). */
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    wrmsr(MSR_VM_HSAVE_PA, virt_to_phys(hsave));
    svm_cpus[cpu].host_pa = virt_to_phys(host);
    svm_cpus[cpu].next_asid = boot_cpu.svm_nr_asids;    /* see svm_pick_asid() */
    pr_info("svm: CPU %u: EFER.SVME set, host save area at %#lx\n", cpu,
            virt_to_phys(hsave));
    return 0;
}

/*
 * ASIDs ("TLB Control"): the TLB tags guest entries with the ASID they
 * were made under, so each vCPU runs under its own (never 0, the host's)
 * and VMRUN need not flush. A CPU hands them out from 1 up; when they run
 * out it starts a new generation: one flush of every ASID (TLB_CONTROL
 * 1), and every vCPU takes a fresh ASID at its next run. The first vCPU
 * to run starts generation 1 with that flush, so the first run of each
 * vCPU is on a clean ASID. A vCPU whose entries went stale (its paging
 * mode changed under Tern) flushes its ASID (TLB_CONTROL 3) where the
 * CPU has FlushByAsid, and otherwise takes a fresh one, as the APM
 * suggests ("TLB Flush").
 */
static void svm_pick_asid(struct svm_vcpu *sv)
{
    struct svm_cpu *c = &svm_cpus[this_cpu()->cpu_id];
    struct vmcb_control *ctl = &sv->vmcb->control;
    bool flush = sv->flush;

    sv->flush = false;
    if (sv->asid_generation && sv->asid_generation == c->asid_generation) {
        if (!flush)
            return;
        if (boot_cpu.svm_flush_by_asid) {
            ctl->tlb_control = TLB_CONTROL_FLUSH_ASID;
            return;
        }
    }
    if (c->next_asid >= boot_cpu.svm_nr_asids) {
        c->asid_generation++;
        c->next_asid = 1;
        ctl->tlb_control = TLB_CONTROL_FLUSH_ALL;
    } else if (boot_cpu.svm_flush_by_asid) {
        ctl->tlb_control = TLB_CONTROL_FLUSH_ASID;
    }
    ctl->guest_asid = c->next_asid++;
    sv->asid_generation = c->asid_generation;
}

/* ---- nested paging: "Nested Paging" ---- */

/*
 * Nested page tables have the long-mode page-table format, walked as
 * user accesses ("Nested Table Walk"): every entry needs U as well as P
 * and W. PCD=PWT=0 selects PAT entry 0 of the host, write-back.
 */
#define NPT_FLAGS           (PTE_P | PTE_W | PTE_U)

static int npt_map(uint64_t *pml4, uint64_t gpa, uint64_t hpa, bool large)
{
    uint64_t *table = pml4;
    int leaf_level = large ? 2 : 1;

    for (int level = 4; level > leaf_level; level--) {
        uint64_t *e = &table[(gpa >> (12 + 9 * (level - 1))) & 511];
        if (!(*e & PTE_P)) {
            void *t = page_alloc_zeroed();
            if (!t)
                return -ENOMEM;
            *e = virt_to_phys(t) | NPT_FLAGS;
        }
        table = phys_to_virt(*e & PTE_ADDR);
    }
    table[(gpa >> (12 + 9 * (leaf_level - 1))) & 511] =
        hpa | NPT_FLAGS | (large ? PTE_PS : 0);
    return 0;
}

static void npt_free(uint64_t *table, int level)
{
    for (int i = 0; i < 512 && level > 1; i++) {
        if ((table[i] & PTE_P) && !(table[i] & PTE_PS))
            npt_free(phys_to_virt(table[i] & PTE_ADDR), level - 1);
    }
    page_free(table);
}

static int svm_domain_init(struct domain *d)
{
    uint64_t *pml4 = page_alloc_zeroed();
    int rc = -ENOMEM;

    if (!pml4)
        return rc;
    /* Guest RAM, with 2 MiB pages where alignment allows; holes (the VGA
     * window, everything above RAM) stay unmapped and exit as MMIO. */
    for (uint64_t gpa = 0; gpa < d->mem_size;) {
        bool large = !(gpa & (LARGE_PAGE_SIZE - 1)) &&
                     gpa + LARGE_PAGE_SIZE <= d->mem_size &&
                     !((d->mem_host + gpa) & (LARGE_PAGE_SIZE - 1)) &&
                     (gpa >= GUEST_VGA_HOLE_END ||
                      gpa + LARGE_PAGE_SIZE <= GUEST_VGA_HOLE_START);
        if (gpa < GUEST_VGA_HOLE_START || gpa >= GUEST_VGA_HOLE_END) {
            rc = npt_map(pml4, gpa, d->mem_host + gpa, large);
            if (rc)
                goto err_free_npt;
        }
        gpa += large ? LARGE_PAGE_SIZE : PAGE_SIZE;
    }
    d->arch = pml4;
    return 0;

err_free_npt:
    npt_free(pml4, 4);
    return rc;
}

static void svm_domain_destroy(struct domain *d)
{
    if (!d->arch)
        return;
    npt_free(d->arch, 4);
    d->arch = NULL;
}

/* ---- segments ---- */

static struct vmcb_seg *svm_seg(struct vmcb *vmcb, enum hvm_seg s)
{
    struct vmcb_save *g = &vmcb->save;
    struct vmcb_seg *const segs[NR_SEGS] = {
        &g->es, &g->cs, &g->ss, &g->ds, &g->fs, &g->gs, &g->ldtr, &g->tr,
    };
    return segs[s];
}

/*
 * struct hvm_segment keeps VMX access rights: descriptor bits 55:52 in
 * 15:12, and "unusable" in bit 16. The VMCB packs 55:52 into 11:8 and
 * marks a null segment with P=0 ("Segment State in the VMCB"), except
 * in CS and TR, which are never null and whose P the CPU ignores.
 */
static void svm_get_seg(struct vcpu *v, enum hvm_seg s, struct hvm_segment *out)
{
    const struct vmcb_seg *seg = svm_seg(((struct svm_vcpu *)v->arch)->vmcb, s);
    bool null = !(seg->attrib & VMCB_ATTR_P) && s != SEG_CS && s != SEG_TR;

    out->sel = seg->selector;
    out->attr = (seg->attrib & 0xffu) | ((seg->attrib & 0xf00u) << 4) |
                (null ? SEG_ATTR_UNUSABLE : 0);
    out->limit = seg->limit;
    out->base = seg->base;
}

static void svm_set_seg(struct vcpu *v, enum hvm_seg s,
                        const struct hvm_segment *in)
{
    struct vmcb *vmcb = ((struct svm_vcpu *)v->arch)->vmcb;
    struct vmcb_seg *seg = svm_seg(vmcb, s);

    seg->selector = in->sel;
    seg->attrib = (in->attr & SEG_ATTR_UNUSABLE) ? 0 :
                  (uint16_t)((in->attr & 0xffu) | ((in->attr >> 4) & 0xf00u));
    seg->limit = in->limit;
    seg->base = in->base;
    /* The CPU takes the CPL from the VMCB, not from a DPL; keep it equal
     * to SS.DPL, which is how VMX (and hvm.h) define it. */
    if (s == SEG_SS)
        vmcb->save.cpl = (in->attr >> 5) & 3;
}

static unsigned int svm_get_cpl(struct vcpu *v)
{
    return ((struct svm_vcpu *)v->arch)->vmcb->save.cpl;
}

/* ---- VMCB setup, one field group at a time ---- */

/* "Intercept Operation", "Instruction Intercepts", "Interrupt Intercepts"
 * and "Miscellaneous Intercepts": what exits, and the maps and tables the
 * guest runs with. */
static void vmcb_setup_controls(struct vcpu *v, struct vmcb_control *c)
{
    /* Host interrupts and NMIs must reach Tern while a guest runs; INIT
     * too, rather than resetting the CPU under the host. HLT blocks the
     * vCPU in Tern's scheduler. Every port and MSR access exits (the
     * maps are all ones). CPUID is filtered (hvm.c). A triple fault
     * crashes the guest, not the machine. */
    c->intercept_misc1 = INTERCEPT1_INTR | INTERCEPT1_NMI | INTERCEPT1_INIT |
                         INTERCEPT1_HLT | INTERCEPT1_IOIO_PROT |
                         INTERCEPT1_MSR_PROT | INTERCEPT1_CPUID |
                         INTERCEPT1_SHUTDOWN | INTERCEPT1_INVLPGA;
    /* VMRUN must be intercepted (a VMRUN check). The other SVM
     * instructions would work in the guest, as EFER.SVME is set there:
     * they exit and become #UD (no nesting). VMMCALL is the hypercall. */
    c->intercept_misc2 = INTERCEPT2_VMRUN | INTERCEPT2_VMMCALL |
                         INTERCEPT2_VMLOAD | INTERCEPT2_VMSAVE |
                         INTERCEPT2_STGI | INTERCEPT2_CLGI |
                         INTERCEPT2_SKINIT | INTERCEPT2_XSETBV;
    /*
     * CR0 writes that change more than TS and MP, and every CR4 write,
     * exit, as the guest/host masks make them on VMX: hvm.c validates
     * them and svm_set_creg() keeps EFER.LMA and the TLB in step. With
     * nested paging the guest owns CR3, INVLPG and its exceptions.
     */
    c->intercept_misc1 |= INTERCEPT1_CR0_SEL_WRITE;
    c->intercept_cr = INTERCEPT_CR_WRITE(4);
    c->intercept_exceptions = 0;
    c->iopm_base_pa = virt_to_phys(iopm);
    c->msrpm_base_pa = virt_to_phys(msrpm);
    c->tsc_offset = 0;
    /* The guest's RFLAGS.IF masks only virtual interrupts; physical ones
     * follow the host's IF, which is 1 at VMRUN ("Physical (INTR)
     * Interrupt Masking in EFLAGS"). */
    c->int_ctl = V_INTR_MASKING;
    c->np_control = NP_ENABLE;
    c->n_cr3 = virt_to_phys(v->domain->arch);
    /* The ASID comes at the first run (svm_pick_asid()); the VMCB clean
     * bits stay 0, so VMRUN reloads everything every time. */
}

/* The state-save area; the start states are those of a PC at the boot
 * sector (real mode) or of a Multiboot loader (flat 32-bit), as on VMX. */
static void vmcb_setup_guest(struct vcpu *v, struct vmcb_save *g,
                             enum hvm_start_mode mode)
{
    bool pm = mode == HVM_START_PROTECTED32;
    struct hvm_segment code = { 0, 0x9b, 0xffff, 0 };   /* P, S, code RX, A */
    struct hvm_segment data = { 0, 0x93, 0xffff, 0 };   /* P, S, data RW, A */
    struct hvm_segment ldtr = { 0, SEG_ATTR_UNUSABLE, 0, 0 };
    struct hvm_segment tr = { 0, 0x8b, 0xffff, 0 };      /* P, busy 32-bit TSS */

    if (pm) {
        /* Flat 4 GiB, 32-bit (D/B=1, G=1), as Multiboot promises. */
        code = (struct hvm_segment){ 0x08, 0xc09b, 0xffffffff, 0 };
        data = (struct hvm_segment){ 0x10, 0xc093, 0xffffffff, 0 };
    }
    svm_set_seg(v, SEG_CS, &code);
    for (enum hvm_seg s = SEG_ES; s <= SEG_GS; s++)
        if (s != SEG_CS)
            svm_set_seg(v, s, &data);
    svm_set_seg(v, SEG_LDTR, &ldtr);
    svm_set_seg(v, SEG_TR, &tr);
    g->gdtr.limit = 0xffff;
    g->idtr.limit = 0xffff;
    g->cpl = 0;
    /* A real-mode guest runs as it is: with nested paging, VMRUN takes
     * CR0.PE=0 ("Nested Paging"). EFER.SVME must be 1 in the guest's
     * EFER (the first VMRUN check); svm_get_creg() hides it. */
    g->cr0 = CR0_ET | (pm ? CR0_PE : 0);
    g->cr3 = 0;
    g->cr4 = 0;
    g->efer = EFER_SVME;
    g->dr6 = 0xffff0ff0;
    g->dr7 = 0x400;
    g->g_pat = PAT_DEFAULT;
    v->regs.rflags = 0x2;                        /* reserved bit 1 */
}

static int svm_vcpu_init(struct vcpu *v, enum hvm_start_mode mode)
{
    struct svm_vcpu *sv = kzalloc(sizeof(*sv));

    if (!sv)
        return -ENOMEM;
    sv->vmcb = page_alloc_zeroed();
    if (!sv->vmcb) {
        kfree(sv);
        return -ENOMEM;
    }
    sv->vmcb_pa = virt_to_phys(sv->vmcb);
    v->arch = sv;
    vmcb_setup_controls(v, &sv->vmcb->control);
    vmcb_setup_guest(v, &sv->vmcb->save, mode);
    return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
    struct svm_vcpu *sv = v->arch;
    if (!sv)
        return;
    page_free(sv->vmcb);
    kfree(sv);
    v->arch = NULL;
}

/* ---- control registers, as the guest sees and changes them ---- */

static uint64_t svm_get_creg(struct vcpu *v, enum hvm_creg r)
{
    const struct vmcb_save *g = &((struct svm_vcpu *)v->arch)->vmcb->save;
    switch (r) {
    case CREG_CR0:  return g->cr0;
    case CREG_CR2:  return g->cr2;
    case CREG_CR3:  return g->cr3;
    case CREG_CR4:  return g->cr4;
    case CREG_EFER: return g->efer & ~EFER_SVME;
    default:        return 0;
    }
}

/*
 * After Tern, not the CPU, changed CR0, CR3, CR4 or EFER: EFER.LMA
 * follows CR0.PG and EFER.LME as the CPU would have made it, and the
 * vCPU's TLB entries are flushed before it runs again ("TLB Control",
 * "Software Rule"). Unlike VMX there are no PDPTEs to load: with nested
 * paging the CPU reads them during walks ("Legacy PAE Mode").
 */
static void svm_update_paging_mode(struct vcpu *v)
{
    struct svm_vcpu *sv = v->arch;
    struct vmcb_save *g = &sv->vmcb->save;
    bool lma = (g->cr0 & CR0_PG) && (g->efer & EFER_LME);

    g->efer = lma ? g->efer | EFER_LMA : g->efer & ~EFER_LMA;
    sv->flush = true;
}

static int svm_set_creg(struct vcpu *v, enum hvm_creg r, uint64_t val)
{
    struct vmcb_save *g = &((struct svm_vcpu *)v->arch)->vmcb->save;

    /* Each check is a #GP condition of MOV to CR or WRMSR (AMD APM Vol. 3,
     * "MOV CRn"; Vol. 2, "System Resources"). They also keep the VMCB
     * clear of what VMRUN refuses (svm_check.c). */
    switch (r) {
    case CREG_CR0:
        if ((val >> 32) || ((val & CR0_NW) && !(val & CR0_CD)) ||
            ((val & CR0_PG) && !(val & CR0_PE)) ||
            ((val & CR0_PG) && (g->efer & EFER_LME) && !(g->cr4 & CR4_PAE)) ||
            (!(val & CR0_PG) && (g->efer & EFER_LMA) &&
             (g->cs.attrib & VMCB_ATTR_L)))
            return -EINVAL;
        g->cr0 = val | CR0_ET;              /* ET is fixed at 1 */
        break;
    case CREG_CR2:
        g->cr2 = val;
        return 0;
    case CREG_CR3:
        if ((g->efer & EFER_LMA) && (val >> 52))
            return -EINVAL;
        g->cr3 = val;
        break;
    case CREG_CR4:
        if ((val & ~svm_cr4_guest) ||
            ((g->efer & EFER_LMA) && !(val & CR4_PAE)))
            return -EINVAL;
        g->cr4 = val;
        break;
    case CREG_EFER:
        /* SCE, LME, NXE are the guest's; LMA follows paging; LME cannot
         * change while paging is on; SVME stays set underneath. */
        if ((val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)) ||
            ((val & EFER_NXE) && !boot_cpu.has_nx) ||
            ((g->cr0 & CR0_PG) && ((val ^ g->efer) & EFER_LME)))
            return -EINVAL;
        g->efer = (val & ~EFER_LMA) | (g->efer & EFER_LMA) | EFER_SVME;
        break;
    default:
        return -EINVAL;
    }
    svm_update_paging_mode(v);
    return 0;
}

/* The CR4 bits a guest may set: those of this CPU that the guest's CPUID
 * (filtered in hvm.c) admits to. VMXE, OSXSAVE and the leaf 7 ECX
 * features (UMIP, LA57, PKE, CET) stay off, as on a CPU without them. */
static uint64_t svm_guest_cr4_bits(void)
{
    uint32_t a, b, c, d, max;
    uint64_t bits = 0x7ff;                  /* VME ... OSXMMEXCPT */

    cpuid(0, &max, &b, &c, &d);
    cpuid(1, &a, &b, &c, &d);
    if (c & (1u << 17))
        bits |= 1ul << 17;                  /* PCIDE */
    if (max >= 7) {
        cpuid_count(7, 0, &a, &b, &c, &d);
        bits |= (b & (1u << 0) ? 1ul << 16 : 0) |      /* FSGSBASE */
                (b & (1u << 7) ? 1ul << 20 : 0) |      /* SMEP */
                (b & (1u << 20) ? 1ul << 21 : 0);      /* SMAP */
    }
    return bits;
}

/* ---- events: "Event Injection", "Injecting Virtual (INTR) Interrupts" ---- */

static void svm_inject(struct vcpu *v, enum hvm_event type, uint8_t vector,
                       bool has_error, uint32_t error)
{
    struct vmcb *vmcb = ((struct svm_vcpu *)v->arch)->vmcb;
    static const uint64_t types[] = {
        [HVM_EVENT_EXTINT] = EVENT_TYPE_INTR,
        [HVM_EVENT_NMI] = EVENT_TYPE_NMI,
        [HVM_EVENT_EXCEPTION] = EVENT_TYPE_EXCEPTION,
        [HVM_EVENT_SOFTINT] = EVENT_TYPE_SOFTINT,
    };
    uint64_t ev = vector | (types[type] << EVENT_TYPE_SHIFT) | EVENT_VALID;

    /* Real mode delivers no error codes. */
    if (has_error && (vmcb->save.cr0 & CR0_PE))
        ev |= EVENT_EV | ((uint64_t)error << EVENT_ERROR_SHIFT);
    /* An injected INTn returns to next-RIP where the CPU has it: here,
     * to RIP itself, which the caller has moved past the instruction. */
    if (type == HVM_EVENT_SOFTINT)
        vmcb->control.nrip = v->regs.rip;
    vmcb->control.eventinj = ev;
}

static bool svm_irq_allowed(struct vcpu *v)
{
    const struct vmcb_control *c = &((struct svm_vcpu *)v->arch)->vmcb->control;
    return (v->regs.rflags & RFLAGS_IF) && !(c->int_state & INTERRUPT_SHADOW) &&
           !(c->eventinj & EVENT_VALID);
}

/*
 * SVM has no interrupt-window exit: Tern asks for a virtual interrupt
 * (V_IRQ, with V_IGN_TPR so the guest's TPR cannot hold it) and
 * intercepts VINTR, which triggers just before the guest would take it,
 * that is, as soon as RFLAGS.IF=1 and no interrupt shadow. The virtual
 * interrupt itself is never delivered ("Virtual Interrupt Intercept").
 */
static void svm_irq_window(struct vcpu *v, bool on)
{
    struct vmcb_control *c = &((struct svm_vcpu *)v->arch)->vmcb->control;

    c->int_ctl &= ~(V_IRQ | V_IGN_TPR | V_INTR_PRIO_MASK);
    c->intercept_misc1 &= ~INTERCEPT1_VINTR;
    if (on) {
        c->int_ctl |= V_IRQ | V_IGN_TPR | V_INTR_PRIO_MASK;
        c->intercept_misc1 |= INTERCEPT1_VINTR;
    }
}

/*
 * If the exit interrupted the delivery of an event (say, an interrupt
 * whose IDT or stack page faulted in the nested page tables), deliver it
 * again on the next VMRUN ("Intercepts During IDT Interrupt Delivery").
 * INTn, INT3 and INTO are not replayed: RIP still points at the
 * instruction, which raises them again when it runs.
 */
static void svm_reinject(struct vmcb_control *c)
{
    uint64_t info = c->exitintinfo;
    uint64_t type = (info & EVENT_TYPE_MASK) >> EVENT_TYPE_SHIFT;
    uint64_t vector = info & EVENT_VECTOR_MASK;

    c->eventinj = 0;        /* delivered, or it is in EXITINTINFO now */
    if (!(info & EVENT_VALID) || type == EVENT_TYPE_SOFTINT ||
        (type == EVENT_TYPE_EXCEPTION && (vector == 3 || vector == 4)))
        return;
    c->eventinj = info & ((0xfffffffful << EVENT_ERROR_SHIFT) | EVENT_VALID |
                          EVENT_EV | EVENT_TYPE_MASK | EVENT_VECTOR_MASK);
}

/* ---- decoding what the CPU does not report ---- */

/*
 * Without next-RIP (NRIPS) the VMCB does not say where the intercepted
 * instruction ends, and without decode assists it does not say which
 * register a MOV CR used, nor which segment an OUTS reads. Tern fetches
 * the bytes at CS:RIP through the guest's page tables and decodes just
 * that much: legacy prefixes, REX (64-bit mode, only right before the
 * opcode), the opcode, and for 0F 01 /6 and /7 ModRM, SIB and
 * displacement (AMD APM Vol. 3, "Instruction Encoding").
 */
struct svm_insn {
    uint8_t bytes[DECODE_MAX_LEN];
    size_t avail;
    unsigned int pos;               /* consumed: the length, when done */
    struct decode_insn d;           /* mode, address size, memory operand */
    int seg;                        /* segment override, or -1 */
    bool lock;
    bool invlpg;                    /* 0F 01 /7 rather than a CR access */
    uint8_t rex;
};

#define REX_R   0x4
#define REX_X   0x2
#define REX_B   0x1

static enum decode_mode svm_guest_mode(const struct vmcb_save *g)
{
    if ((g->efer & EFER_LMA) && (g->cs.attrib & VMCB_ATTR_L))
        return DECODE_MODE_64;
    if ((g->cr0 & CR0_PE) && !(g->rflags & RFLAGS_VM) &&
        (g->cs.attrib & VMCB_ATTR_DB))
        return DECODE_MODE_32;
    return DECODE_MODE_16;
}

static int svm_next_byte(struct svm_insn *in, uint8_t *b)
{
    if (in->pos >= in->avail)
        return -1;
    *b = in->bytes[in->pos++];
    return 0;
}

/* Fetch the instruction and consume its prefixes. 0, or as
 * hvm_fetch_insn(): 1 a fault was injected, -1 not in guest RAM. */
static int svm_fetch(struct vcpu *v, struct svm_insn *in)
{
    static const int8_t seg_prefix[8] = {           /* 26 2E 36 3E 64 65 */
        SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, -1, -1 };
    const struct vmcb_save *g = &((struct svm_vcpu *)v->arch)->vmcb->save;
    bool addr_override = false;

    memset(in, 0, sizeof(*in));
    in->seg = -1;
    in->d.mode = svm_guest_mode(g);
    int rc = hvm_fetch_insn(v, in->bytes, &in->avail);
    if (rc)
        return rc;
    for (; in->pos < in->avail; in->pos++) {
        uint8_t b = in->bytes[in->pos];
        if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e)
            in->seg = seg_prefix[(b >> 3) & 3];
        else if (b == 0x64 || b == 0x65)
            in->seg = seg_prefix[4 + (b & 1)];
        else if (b == 0x67)
            addr_override = true;
        else if (b == 0xf0)
            in->lock = true;
        else if (b != 0x66 && b != 0xf2 && b != 0xf3) {
            if (in->d.mode != DECODE_MODE_64 || (b & 0xf0) != 0x40)
                break;                      /* the opcode */
            in->rex = b;
            continue;
        }
        in->rex = 0;                        /* REX must come last */
    }
    in->d.addrsize = in->d.mode == DECODE_MODE_64 ? (addr_override ? 4 : 8) :
                     (in->d.mode == DECODE_MODE_32) != addr_override ? 4 : 2;
    return 0;
}

/* 16-bit ModRM memory operands by r/m: BX+SI BX+DI BP+SI BP+DI SI DI BP BX. */
static const int8_t modrm16_base[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
static const int8_t modrm16_index[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };

/* Consume SIB and displacement after 'modrm' and describe the memory
 * operand in in->d.mem (AMD APM Vol. 3, "ModRM and SIB Bytes"). */
static int svm_decode_modrm(struct svm_insn *in, uint8_t modrm)
{
    struct decode_mem *m = &in->d.mem;
    unsigned int mod = modrm >> 6, rm = modrm & 7, disp = 0;
    uint8_t b;

    *m = (struct decode_mem){ DECODE_GPR_NONE, DECODE_GPR_NONE, 1 };
    if (in->d.addrsize == 2) {
        m->base = modrm16_base[rm];
        m->index = modrm16_index[rm];
        disp = mod == 1 ? 1 : mod == 2 ? 2 : 0;
        if (mod == 0 && rm == 6) {
            m->base = DECODE_GPR_NONE;
            disp = 2;
        }
    } else {
        m->base = (int8_t)(rm | (in->rex & REX_B ? 8 : 0));
        disp = mod == 1 ? 1 : mod == 2 ? 4 : 0;
        if (rm == 4) {
            if (svm_next_byte(in, &b))
                return -1;
            unsigned int index = ((b >> 3) & 7) | (in->rex & REX_X ? 8 : 0);
            m->index = index == 4 ? DECODE_GPR_NONE : (int8_t)index;
            m->scale = (uint8_t)(1u << (b >> 6));
            m->base = (int8_t)((b & 7) | (in->rex & REX_B ? 8 : 0));
            if ((b & 7) == 5 && mod == 0) {
                m->base = DECODE_GPR_NONE;
                disp = 4;
            }
        } else if (rm == 5 && mod == 0) {
            m->base = DECODE_GPR_NONE;
            m->rip_rel = in->d.mode == DECODE_MODE_64;
            disp = 4;
        }
    }
    if (in->pos + disp > in->avail)
        return -1;
    uint64_t v = 0;
    for (unsigned int i = 0; i < disp; i++)
        v |= (uint64_t)in->bytes[in->pos++] << (8 * i);
    m->disp = disp ? (int64_t)decode_sext(v, disp) : 0;
    in->d.seg = m->base == DECODE_GPR_RSP || m->base == DECODE_GPR_RBP ?
                DECODE_SEG_SS : DECODE_SEG_DS;
    if (in->seg >= 0)
        in->d.seg = (enum decode_seg)in->seg;
    in->d.length = (uint8_t)in->pos;
    return 0;
}

/* The LMSW source operand, which no SVM exit information carries. */
static int svm_lmsw_operand(struct vcpu *v, struct svm_insn *in, uint8_t modrm,
                            uint16_t *val)
{
    if (modrm >> 6 == 3) {
        *val = (uint16_t)v->regs.gpr[(modrm & 7) | (in->rex & REX_B ? 8 : 0)];
        return 0;
    }
    uint64_t bases[6];
    for (enum hvm_seg s = SEG_ES; s <= SEG_GS; s++)
        bases[s] = svm_seg(((struct svm_vcpu *)v->arch)->vmcb, s)->base;
    uint64_t gla = decode_mem_linear(&in->d, v->regs.gpr, v->regs.rip, bases);
    return hvm_read_linear(v, gla, val, sizeof(*val));
}

/*
 * A CR exit: MOV to/from CRn (0F 22 /r, 0F 20 /r; ModRM.mod is ignored,
 * LOCK selects CR8), CLTS (0F 06), LMSW (0F 01 /6). And INVLPG (0F 01 /7),
 * which only its length is wanted of. 0 and e->cr filled, or as
 * svm_fetch(); -1 with *why set when it is none of these, or LMSW's
 * operand is not in guest RAM.
 */
static int svm_decode_cr(struct vcpu *v, struct svm_insn *in,
                         struct hvm_exit *e, const char **why)
{
    uint8_t op, modrm;
    int rc = svm_fetch(v, in);

    *why = in->avail ? "the instruction at RIP is not a CR access"
                     : "its bytes are not in guest RAM";
    if (rc)
        return rc;
    if (svm_next_byte(in, &op) || op != 0x0f || svm_next_byte(in, &op))
        return -1;
    e->cr.cr = 0;
    if (op == 0x06) {
        e->cr.type = HVM_CR_CLTS;
    } else if (op == 0x20 || op == 0x22) {
        if (svm_next_byte(in, &modrm))
            return -1;
        e->cr.type = op == 0x22 ? HVM_CR_MOV_TO : HVM_CR_MOV_FROM;
        e->cr.cr = (uint8_t)(((modrm >> 3) & 7) | (in->rex & REX_R ? 8 : 0) |
                             (in->lock ? 8 : 0));
        e->cr.gpr = (uint8_t)((modrm & 7) | (in->rex & REX_B ? 8 : 0));
    } else if (op == 0x01) {
        if (svm_next_byte(in, &modrm) || ((modrm >> 3) & 7) < 6 ||
            (((modrm >> 3) & 7) == 7 && modrm >> 6 == 3))
            return -1;                      /* not LMSW, not INVLPG */
        if (modrm >> 6 != 3 && svm_decode_modrm(in, modrm))
            return -1;
        e->cr.type = HVM_CR_LMSW;
        in->invlpg = ((modrm >> 3) & 7) == 7;
        if (in->invlpg)
            return 0;
        rc = svm_lmsw_operand(v, in, modrm, &e->cr.lmsw_data);
        if (rc < 0)
            *why = "LMSW's memory operand is not in guest RAM";
        return rc;
    } else {
        return -1;
    }
    return 0;
}

/* ---- the exit edge ---- */

/* The guest is not making progress Tern can explain: crash it with the
 * bytes at RIP, and hand hvm.c an exit that says so. */
static void svm_decode_failed(struct vcpu *v, struct hvm_exit *e,
                              const struct svm_insn *in, const char *what,
                              const char *why)
{
    const uint8_t *b = in->bytes;
    domain_crash(v->domain, "%s exit at RIP %#lx: %s (bytes %02x %02x %02x "
                 "%02x %02x %02x, %zu fetched)", what, v->regs.rip, why,
                 b[0], b[1], b[2], b[3], b[4], b[5], in->avail);
    e->reason = HVM_EXIT_UNHANDLED;
    e->fail.what = why;
}

/*
 * The length of an intercepted CPUID, RDMSR, WRMSR, HLT, VMMCALL or
 * XSETBV: from next-RIP where the CPU saves it ("State Saved on Exit");
 * otherwise the instruction's one encoding plus whatever prefixes stand
 * before it (legal if pointless).
 */
static int svm_fixed_len(struct vcpu *v, struct hvm_exit *e, const char *what,
                         const char *opcode)
{
    const struct vmcb *vmcb = ((struct svm_vcpu *)v->arch)->vmcb;
    size_t n = strlen(opcode);
    struct svm_insn in;

    if (boot_cpu.svm_nrips) {
        e->insn_len = (uint8_t)(vmcb->control.nrip - v->regs.rip);
        return 0;
    }
    int rc = svm_fetch(v, &in);
    if (rc > 0)
        return SVM_RETRY;
    if (rc < 0 || in.pos + n > in.avail || memcmp(in.bytes + in.pos, opcode, n)) {
        svm_decode_failed(v, e, &in, what, rc < 0 ? "its bytes are not in "
                          "guest RAM" : "the bytes at RIP are not that "
                          "instruction");
        return 0;
    }
    e->insn_len = (uint8_t)(in.pos + n);
    return 0;
}

/* A CR exit (or INVLPG): decode assists give the register of a MOV, and
 * next-RIP the length; LMSW's operand and the rest come from decoding. */
static int svm_exit_cr(struct vcpu *v, struct hvm_exit *e, uint64_t code)
{
    struct svm_vcpu *sv = v->arch;
    const struct vmcb_control *c = &sv->vmcb->control;
    unsigned int cr = code == VMEXIT_CR0_SEL_WRITE ? 0 : code & 15;
    bool invlpg = code == VMEXIT_INVLPG;
    bool write = !invlpg && code >= VMEXIT_CR0_WRITE;
    struct svm_insn in;
    const char *why;

    e->reason = invlpg ? HVM_EXIT_INVLPG : HVM_EXIT_CR;
    /* hvm.c only skips an INVLPG: drop the vCPU's TLB entries here. */
    sv->flush |= invlpg;
    if (boot_cpu.svm_decode_assists && (c->exitinfo1 & CR_EXITINFO_MOV) &&
        !invlpg) {
        e->cr.cr = (uint8_t)cr;
        e->cr.type = write ? HVM_CR_MOV_TO : HVM_CR_MOV_FROM;
        e->cr.gpr = c->exitinfo1 & CR_EXITINFO_GPR_MASK;
        e->insn_len = (uint8_t)(c->nrip - v->regs.rip);
        return 0;
    }
    int rc = svm_decode_cr(v, &in, e, &why);
    if (rc > 0)
        return SVM_RETRY;
    /* What was decoded must be what the CPU intercepted. */
    if (rc == 0 && (in.invlpg != invlpg || (!invlpg &&
        (e->cr.cr != cr || (e->cr.type == HVM_CR_MOV_FROM) == write)))) {
        rc = -1;
        why = "the instruction at RIP is not the intercepted one";
    }
    if (rc < 0) {
        svm_decode_failed(v, e, &in, invlpg ? "INVLPG" : "CR access", why);
        return 0;
    }
    e->insn_len = boot_cpu.svm_nrips ? (uint8_t)(c->nrip - v->regs.rip)
                                     : (uint8_t)in.pos;
    return 0;
}

/*
 * IOIO: "IOIO Intercepts". EXITINFO2 is the RIP of the next instruction,
 * with or without next-RIP. For INS/OUTS the address size comes from
 * A16/A32/A64 (QEMU 7.2 leaves all three clear), and OUTS's segment from
 * SEG where decode assists fill it in; what is missing, Tern decodes from
 * the prefixes.
 */
static int svm_exit_io(struct vcpu *v, struct hvm_exit *e)
{
    const struct vmcb_control *c = &((struct svm_vcpu *)v->arch)->vmcb->control;
    uint64_t q = c->exitinfo1;

    e->reason = HVM_EXIT_IO;
    e->io.port = (uint16_t)(q >> IOIO_PORT_SHIFT);
    e->io.size = q & IOIO_SZ32 ? 4 : q & IOIO_SZ16 ? 2 : 1;
    e->io.in = q & IOIO_TYPE_IN;
    e->io.string = q & IOIO_STR;
    e->io.rep = q & IOIO_REP;
    e->io.addr_size = q & IOIO_A64 ? 8 : q & IOIO_A32 ? 4 : 2;
    e->io.seg = e->io.in ? SEG_ES : (q >> IOIO_SEG_SHIFT) & 7;
    e->insn_len = (uint8_t)(c->exitinfo2 - v->regs.rip);
    bool need_seg = !e->io.in && !boot_cpu.svm_decode_assists;
    bool need_asize = !(q & (IOIO_A16 | IOIO_A32 | IOIO_A64));
    if (!e->io.string || (!need_seg && !need_asize))
        return 0;

    struct svm_insn in;
    int rc = svm_fetch(v, &in);
    if (rc > 0)
        return SVM_RETRY;
    if (rc < 0) {
        svm_decode_failed(v, e, &in, "INS/OUTS", "its bytes are not in guest "
                          "RAM");
        return 0;
    }
    if (need_asize)
        e->io.addr_size = in.d.addrsize;
    if (need_seg)
        e->io.seg = in.seg >= 0 ? (uint8_t)in.seg : SEG_DS;
    return 0;
}

static const char *svm_exit_name(uint64_t code)
{
    static const char *const names[] = {
        [0x60] = "INTR", [0x61] = "NMI", [0x62] = "SMI", [0x63] = "INIT",
        [0x64] = "VINTR", [0x65] = "CR0 selective write", [0x66] = "IDTR read",
        [0x67] = "GDTR read", [0x68] = "LDTR read", [0x69] = "TR read",
        [0x6a] = "IDTR write", [0x6b] = "GDTR write", [0x6c] = "LDTR write",
        [0x6d] = "TR write", [0x6e] = "RDTSC", [0x6f] = "RDPMC",
        [0x70] = "PUSHF", [0x71] = "POPF", [0x72] = "CPUID", [0x73] = "RSM",
        [0x74] = "IRET", [0x75] = "INTn", [0x76] = "INVD", [0x77] = "PAUSE",
        [0x78] = "HLT", [0x79] = "INVLPG", [0x7a] = "INVLPGA", [0x7b] = "IOIO",
        [0x7c] = "MSR", [0x7d] = "task switch", [0x7e] = "FERR freeze",
        [0x7f] = "shutdown", [0x80] = "VMRUN", [0x81] = "VMMCALL",
        [0x82] = "VMLOAD", [0x83] = "VMSAVE", [0x84] = "STGI", [0x85] = "CLGI",
        [0x86] = "SKINIT", [0x87] = "RDTSCP", [0x88] = "ICEBP",
        [0x89] = "WBINVD", [0x8a] = "MONITOR", [0x8b] = "MWAIT",
        [0x8c] = "MWAIT (armed)", [0x8d] = "XSETBV", [0x8e] = "RDPRU",
    };
    if (code < 0x20)
        return code < 0x10 ? "CR read" : "CR write";
    if (code < 0x40)
        return "DR access";
    if (code < 0x60)
        return "exception";
    if (code == VMEXIT_NPF)
        return "nested page fault";
    if (code < ARRAY_SIZE(names) && names[code])
        return names[code];
    return "unknown exit code";
}

/* A nested page fault: "Nested versus Guest Page Faults, Fault Ordering". */
static void svm_exit_npf(const struct vmcb_control *c, struct hvm_exit *e)
{
    e->reason = HVM_EXIT_MMIO;
    e->mmio.gpa = c->exitinfo2;
    e->mmio.write = c->exitinfo1 & NPF_WRITE;
    e->mmio.fetch = c->exitinfo1 & NPF_FETCH;
    if (c->exitinfo1 & NPF_RSV) {
        e->reason = HVM_EXIT_UNHANDLED;
        e->fail.what = "nested page fault on a reserved bit (a Tern bug)";
    } else if (c->exitinfo1 & NPF_IN_WALK) {
        e->reason = HVM_EXIT_UNHANDLED;
        e->fail.what = "nested page fault while walking the guest's page "
                       "tables: they point outside its RAM";
    }
}

/* EXITCODE and EXITINFO -> struct hvm_exit. SVM_RETRY: a fault was
 * injected while decoding; the guest runs again at once. */
static int svm_normalise_exit(struct vcpu *v, struct hvm_exit *e)
{
    const struct vmcb_control *c = &((struct svm_vcpu *)v->arch)->vmcb->control;
    uint64_t code = c->exitcode;

    e->raw = (uint32_t)code;
    e->insn_len = 0;
    switch (code) {
    case VMEXIT_INTR:       e->reason = HVM_EXIT_EXTINT; return 0;
    case VMEXIT_NMI:        e->reason = HVM_EXIT_NMI; return 0;
    case VMEXIT_INIT:       e->reason = HVM_EXIT_INIT; return 0;
    case VMEXIT_VINTR:      e->reason = HVM_EXIT_IRQ_WINDOW; return 0;
    case VMEXIT_SHUTDOWN:   e->reason = HVM_EXIT_SHUTDOWN; return 0;
    case VMEXIT_NPF:        svm_exit_npf(c, e); return 0;
    case VMEXIT_IOIO:       return svm_exit_io(v, e);
    case VMEXIT_CR0_SEL_WRITE:
    case VMEXIT_CR4_WRITE:
    case VMEXIT_INVLPG:     return svm_exit_cr(v, e, code);
    case VMEXIT_CPUID:
        e->reason = HVM_EXIT_CPUID;
        return svm_fixed_len(v, e, "CPUID", "\x0f\xa2");
    case VMEXIT_MSR:
        e->reason = c->exitinfo1 ? HVM_EXIT_WRMSR : HVM_EXIT_RDMSR;
        return svm_fixed_len(v, e, "MSR", c->exitinfo1 ? "\x0f\x30" : "\x0f\x32");
    case VMEXIT_HLT:
        e->reason = HVM_EXIT_HLT;
        return svm_fixed_len(v, e, "HLT", "\xf4");
    case VMEXIT_VMMCALL:
        e->reason = HVM_EXIT_VMCALL;
        return svm_fixed_len(v, e, "VMMCALL", "\x0f\x01\xd9");
    case VMEXIT_XSETBV:
        e->reason = HVM_EXIT_XSETBV;
        return svm_fixed_len(v, e, "XSETBV", "\x0f\x01\xd1");
    case VMEXIT_VMRUN:
    case VMEXIT_VMLOAD ... VMEXIT_SKINIT:
    case VMEXIT_INVLPGA:
        e->reason = HVM_EXIT_VIRT_INSN;
        return 0;
    default:
        if (code >= VMEXIT_EXCP_BASE && code < VMEXIT_EXCP_BASE + 32) {
            e->reason = HVM_EXIT_EXCEPTION;
            e->exc.vector = (uint8_t)(code - VMEXIT_EXCP_BASE);
            /* #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX push error codes. */
            e->exc.has_error = (1u << e->exc.vector) & 0x60227d00u;
            e->exc.error = (uint32_t)c->exitinfo1;
            return 0;
        }
        e->reason = HVM_EXIT_UNHANDLED;
        e->fail.what = svm_exit_name(code);
        return 0;
    }
}

static void svm_vcpu_run(struct vcpu *v, struct hvm_exit *e)
{
    struct svm_vcpu *sv = v->arch;
    struct vmcb *vmcb = sv->vmcb;
    struct vmcb_save *g = &vmcb->save;

    do {
        /* RAX, RSP, RIP and RFLAGS live in the VMCB. An instruction that
         * Tern completed (RIP moved) ends any interrupt shadow it was in. */
        if (g->rip != v->regs.rip)
            vmcb->control.int_state &= ~INTERRUPT_SHADOW;
        g->rip = v->regs.rip;
        g->rsp = v->regs.gpr[GPR_RSP];
        g->rax = v->regs.gpr[GPR_RAX];
        g->rflags = v->regs.rflags;
        svm_pick_asid(sv);

        svm_enter(&v->regs, sv->vmcb_pa, svm_cpus[this_cpu()->cpu_id].host_pa);

        vmcb->control.tlb_control = TLB_CONTROL_DO_NOTHING;
        if (unlikely(vmcb->control.exitcode == (uint64_t)VMEXIT_INVALID)) {
            e->reason = HVM_EXIT_ENTRY_FAILED;
            e->raw = (uint32_t)VMEXIT_INVALID;
            pr_err("svm: VMRUN refused the guest state (EXITCODE "
                   "VMEXIT_INVALID)\n");
            e->fail.what = svm_check_vmcb(vmcb);
            return;
        }
        v->regs.rip = g->rip;
        v->regs.gpr[GPR_RSP] = g->rsp;
        v->regs.gpr[GPR_RAX] = g->rax;
        v->regs.rflags = g->rflags;
        svm_reinject(&vmcb->control);
    } while (svm_normalise_exit(v, e) == SVM_RETRY);
}

/* ---- for learners: the VMCB, decoded ---- */

static void svm_dump(struct vcpu *v)
{
    static const char *const seg_names[] = { "ES", "CS", "SS", "DS", "FS",
                                             "GS", "LDTR", "TR" };
    const struct vmcb *vmcb = ((struct svm_vcpu *)v->arch)->vmcb;
    const struct vmcb_save *g = &vmcb->save;
    const struct vmcb_control *c = &vmcb->control;

    pr_info("  VMCB guest state: RIP %#lx RSP %#lx RAX %#lx RFLAGS %#lx "
            "CPL %u\n", g->rip, g->rsp, g->rax, g->rflags, g->cpl);
    pr_info("  CR0 %#lx CR2 %#lx CR3 %#lx CR4 %#lx EFER %#lx (%s%s%s)\n",
            g->cr0, g->cr2, g->cr3, g->cr4, g->efer,
            g->cr0 & CR0_PE ? (g->cr0 & CR0_PG ? "paging" : "protected")
                            : "real mode",
            g->efer & EFER_LMA ? ", long mode" : "",
            (g->cr4 & CR4_PAE) && (g->cr0 & CR0_PG) ? ", PAE" : "");
    for (enum hvm_seg s = SEG_ES; s < NR_SEGS; s++) {
        const struct vmcb_seg *seg = svm_seg((struct vmcb *)vmcb, s);
        unsigned int a = seg->attrib;
        pr_info("  %-4s sel %04x base %#lx limit %#x attrib %#05x: type %u "
                "S %u DPL %u P %u L %u D/B %u G %u\n", seg_names[s],
                seg->selector, seg->base, seg->limit, a, a & 15,
                (a >> 4) & 1, (a >> 5) & 3, (a >> 7) & 1, (a >> 9) & 1,
                (a >> 10) & 1, (a >> 11) & 1);
    }
    pr_info("  GDTR %#lx/%#x IDTR %#lx/%#x DR6 %#lx DR7 %#lx G_PAT %#lx\n",
            g->gdtr.base, g->gdtr.limit, g->idtr.base, g->idtr.limit,
            g->dr6, g->dr7, g->g_pat);
    pr_info("  ASID %u nCR3 %#lx int_ctl %#lx (V_IRQ %u V_TPR %lu) "
            "interrupt shadow %lu EVENTINJ %#lx\n", c->guest_asid, c->n_cr3,
            c->int_ctl, !!(c->int_ctl & V_IRQ), c->int_ctl & V_TPR_MASK,
            c->int_state & INTERRUPT_SHADOW, c->eventinj);
    pr_info("  last exit: EXITCODE %#lx (%s) EXITINFO1 %#lx EXITINFO2 %#lx "
            "EXITINTINFO %#lx next-RIP %#lx\n", c->exitcode,
            c->exitcode == (uint64_t)VMEXIT_INVALID ? "VMEXIT_INVALID"
                                                    : svm_exit_name(c->exitcode),
            c->exitinfo1, c->exitinfo2, c->exitintinfo, c->nrip);
}

static const struct hvm_ops svm_ops = {
    .name = "SVM",
    .cpu_enable = svm_cpu_enable,
    .domain_init = svm_domain_init,
    .domain_destroy = svm_domain_destroy,
    .vcpu_init = svm_vcpu_init,
    .vcpu_destroy = svm_vcpu_destroy,
    .vcpu_run = svm_vcpu_run,
    .get_creg = svm_get_creg,
    .set_creg = svm_set_creg,
    .get_seg = svm_get_seg,
    .set_seg = svm_set_seg,
    .get_cpl = svm_get_cpl,
    .inject = svm_inject,
    .irq_allowed = svm_irq_allowed,
    .irq_window = svm_irq_window,
    .dump = svm_dump,
};

const struct hvm_ops *svm_probe(void)
{
    if (!boot_cpu.svm)
        return NULL;
    if (boot_cpu.svm_disabled_by_firmware) {
        pr_err("svm: AMD SVM is disabled by the firmware (VM_CR.SVMDIS is "
               "set); enable SVM (\"SVM Mode\", \"AMD-V\") in the firmware "
               "setup\n");
        return NULL;
    }
    if (!boot_cpu.svm_npt || boot_cpu.svm_nr_asids < 2) {
        pr_err("svm: Tern needs nested paging (NPT) to give each guest its "
               "own physical memory, and ASIDs to tell guests apart; this "
               "CPU has NPT %s, %u ASIDs\n", boot_cpu.svm_npt ? "yes" : "no",
               boot_cpu.svm_nr_asids);
        return NULL;
    }
    svm_cr4_guest = svm_guest_cr4_bits();
    /* Every port and MSR access exits to Tern. */
    memset(iopm, 0xff, sizeof(iopm));
    memset(msrpm, 0xff, sizeof(msrpm));
    return &svm_ops;
}
