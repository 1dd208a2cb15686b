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
 *   - The run loop: VMRUN with the world switch of kernel/svm_entry.asm,
 *     then the exit edge of kernel/svm_exit.c, which turns EXITCODE and
 *     EXITINFO1/2 into a vendor-neutral struct hvm_exit, decoding the
 *     guest's instruction where the CPU lacks next-RIP or decode assists.
 * The VMCB is ordinary memory: reads and writes need no instructions
 * and cannot fail. A VMRUN that refuses the guest state (VMEXIT_INVALID)
 * is explained by kernel/svm_check.c and crashes only that guest.
 *
 * Context: the host, interrupts off; GIF=0 from CLGI to STGI around
 * each VMRUN (kernel/svm_entry.asm). One CPU.
 */
#include <tern/console.h>
#include <tern/cpu.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/hvm.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/percpu.h>
#include <tern/x86.h>
#include "svm.h"

#define PAT_DEFAULT         0x0007040600070406ul

/* The part of the state-save area Tern uses: up to G_PAT. */
#define VMCB_SAVE_USED      (offsetof(struct vmcb_save, g_pat) + 8)

/* What each physical CPU needs for SVM. */
struct svm_cpu {
    uint64_t host_pa;               /* VMSAVE/VMLOAD page for host state */
    uint32_t next_asid;             /* next ASID to hand out */
    uint32_t asid_generation;       /* bumped when the ASIDs run out */
    /* The guest state and event of the last VMRUN, as Tern asked. */
    uint64_t entry_state[VMCB_SAVE_USED / 8];
    uint64_t entry_eventinj;
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
    void *hsave = page_alloc_zeroed();
    if (!hsave)
        goto err_nomem;
    void *host = page_alloc_zeroed();
    if (!host)
        goto err_free_hsave;

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

err_free_hsave:
    page_free(hsave);
err_nomem:
    pr_err("svm: no memory for CPU %u's host save areas\n", cpu);
    return -ENOMEM;
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

static int svm_domain_init(struct domain *d)
{
    uint64_t *pml4;
    int rc = p2m_tables_build(d, NPT_FLAGS, NPT_FLAGS, &pml4);
    if (rc)
        return rc;
    d->arch = pml4;
    return 0;
}

static void svm_domain_destroy(struct domain *d)
{
    if (!d->arch)
        return;
    p2m_tables_free(d->arch, 4);
    d->arch = NULL;
}

/* ---- segments ---- */

/*
 * struct hvm_segment keeps VMX access rights: descriptor bits 55:52 in
 * 15:12, and "unusable" in bit 16. The VMCB packs 55:52 into 11:8 and
 * marks a null segment with P=0 ("Segment State in the VMCB"), except
 * in CS and TR, which are never null and whose P the CPU ignores.
 */
static void svm_get_seg(struct vcpu *v, enum hvm_seg s, struct hvm_segment *out)
{
    const struct vmcb_seg *seg = svm_seg(svm_vmcb(v), s);
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
    struct vmcb *vmcb = svm_vmcb(v);
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
    return svm_vmcb(v)->save.cpl;
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
     * instructions (and INVLPGA, above) would work in the guest, as
     * EFER.SVME is set there: they exit and become #UD (no nesting).
     * VMMCALL is the hypercall. XSETBV exits to #UD: CPUID hides XSAVE. */
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
    /* Segments: hvm_vcpu_start_segments() (kernel/hvm.c), the same for
     * both vendors. */
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
    int rc = -ENOMEM;

    if (!sv)
        return rc;
    sv->vmcb = page_alloc_zeroed();
    if (!sv->vmcb)
        goto err_free_sv;
    sv->vmcb_pa = virt_to_phys(sv->vmcb);
    v->arch = sv;
    vmcb_setup_controls(v, &sv->vmcb->control);
    vmcb_setup_guest(v, &sv->vmcb->save, mode);
    return 0;

err_free_sv:
    kfree(sv);
    return rc;
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
    const struct vmcb_save *g = &svm_vmcb(v)->save;
    switch (r) {
    case CREG_CR0:  return g->cr0;
    case CREG_CR2:  return g->cr2;
    case CREG_CR3:  return g->cr3;
    case CREG_CR4:  return g->cr4;
    case CREG_EFER: return g->efer & ~EFER_SVME;
    case CREG_PAT:  return g->g_pat;
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
    struct vmcb_save *g = &svm_vmcb(v)->save;

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
    case CREG_PAT:
        /* With nested paging, G_PAT is the guest's PAT ("Nested Paging
         * and PAT"); it combines with the host's in the NPT walk. */
        g->g_pat = val;
        return 0;
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
    struct vmcb *vmcb = svm_vmcb(v);
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

/* The interrupt shadow of an STI or MOV SS ends with the next
 * instruction; if Tern completed that one (RIP moved since the exit: HLT
 * after STI), the shadow is over ("Interrupt Shadows"). */
static bool svm_irq_allowed(struct vcpu *v)
{
    const struct vmcb *vmcb = svm_vmcb(v);
    bool shadow = (vmcb->control.int_state & INTERRUPT_SHADOW) &&
                  vmcb->save.rip == v->regs.rip;

    return (v->regs.rflags & RFLAGS_IF) && !shadow &&
           !(vmcb->control.eventinj & EVENT_VALID);
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
    struct vmcb_control *c = &svm_vmcb(v)->control;

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

/*
 * VMRUN refused the guest state. The state-save area may now hold
 * anything (Bochs 2.7 writes the host's state into it, QEMU 7.2 what it
 * had loaded so far, and QEMU clears EVENTINJ.V once it has read it):
 * put back what Tern asked VMRUN to load, so that svm_check.c and the
 * dump explain that, and find the check it fails.
 */
static void svm_entry_failed(struct vcpu *v, struct hvm_exit *e)
{
    struct vmcb *vmcb = svm_vmcb(v);
    const struct svm_cpu *cpu = &svm_cpus[this_cpu()->cpu_id];

    memcpy(&vmcb->save, cpu->entry_state, VMCB_SAVE_USED);
    vmcb->control.eventinj = cpu->entry_eventinj;
    e->reason = HVM_EXIT_ENTRY_FAILED;
    e->raw = (uint32_t)VMEXIT_INVALID;
    pr_err("svm: VMRUN refused the guest state (EXITCODE VMEXIT_INVALID)\n");
    e->fail.what = svm_check_vmcb(vmcb);
}

/*
 * An interrupt window asked for while the guest sits in an interrupt
 * shadow (the instruction after STI or MOV SS, interrupted by an exit).
 * The CPU must hold the virtual interrupt until that instruction has
 * run; VMRUN is to restore the shadow from INT_STATE ("Interrupt
 * Shadows"), but QEMU's TCG before 9.1 does not, and would deliver the
 * interrupt one instruction early. So Tern lets the shadowed instruction
 * run first, by single-stepping it: RFLAGS.TF set and #DB intercepted,
 * the window asked for again at the #DB. On hardware this costs one
 * exit; it is correct everywhere. (Not when the guest uses TF itself:
 * then the plain window, as before.)
 */
#define VECTOR_DB_BIT   (1u << 1)
#define DR6_BS          (1ul << 14)

static void svm_shadow_step_arm(struct svm_vcpu *sv)
{
    struct vmcb_control *c = &sv->vmcb->control;
    struct vmcb_save *g = &sv->vmcb->save;
    if (!(c->int_ctl & V_IRQ) || !(c->int_state & INTERRUPT_SHADOW) ||
        (g->rflags & RFLAGS_TF))
        return;
    c->int_ctl &= ~(V_IRQ | V_IGN_TPR | V_INTR_PRIO_MASK);
    c->intercept_misc1 &= ~INTERCEPT1_VINTR;
    c->intercept_exceptions |= VECTOR_DB_BIT;
    g->rflags |= RFLAGS_TF;
    sv->shadow_step = true;
}

/* After the step's exit (its #DB, or any other exit first): undo it. A
 * #DB of ours becomes the interrupt-window exit it stood in for. */
static void svm_shadow_step_done(struct svm_vcpu *sv)
{
    struct vmcb_control *c = &sv->vmcb->control;
    struct vmcb_save *g = &sv->vmcb->save;
    sv->shadow_step = false;
    c->intercept_exceptions &= ~VECTOR_DB_BIT;
    g->rflags &= ~RFLAGS_TF;
    if ((uint32_t)c->exitcode == VMEXIT_EXCP_BASE + 1 && (g->dr6 & DR6_BS)) {
        g->dr6 &= ~DR6_BS;
        c->exitcode = VMEXIT_VINTR;
    }
}

static void svm_vcpu_run(struct vcpu *v, struct hvm_exit *e)
{
    struct svm_vcpu *sv = v->arch;
    struct vmcb *vmcb = sv->vmcb;
    struct vmcb_save *g = &vmcb->save;
    struct svm_cpu *cpu = &svm_cpus[this_cpu()->cpu_id];

    do {
        /* RAX, RSP, RIP and RFLAGS live in the VMCB. An instruction that
         * Tern completed (RIP moved) ends any interrupt shadow it was in. */
        if (g->rip != v->regs.rip)
            vmcb->control.int_state &= ~INTERRUPT_SHADOW;
        g->rip = v->regs.rip;
        g->rsp = v->regs.gpr[GPR_RSP];
        g->rax = v->regs.gpr[GPR_RAX];
        g->rflags = v->regs.rflags;
        svm_shadow_step_arm(sv);
        svm_pick_asid(sv);
        memcpy(cpu->entry_state, g, VMCB_SAVE_USED);
        cpu->entry_eventinj = vmcb->control.eventinj;

        svm_enter(&v->regs, sv->vmcb_pa, cpu->host_pa);

        vmcb->control.tlb_control = TLB_CONTROL_DO_NOTHING;
        /* -1, which QEMU 7.2 stores zero-extended from 32 bits. */
        if (unlikely((uint32_t)vmcb->control.exitcode ==
                     (uint32_t)VMEXIT_INVALID)) {
            svm_entry_failed(v, e);
            return;
        }
        if (sv->shadow_step)
            svm_shadow_step_done(sv);
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
    const struct vmcb *vmcb = svm_vmcb(v);
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
            (uint32_t)c->exitcode == (uint32_t)VMEXIT_INVALID ? "VMEXIT_INVALID"
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

/* Let the guest read and write 'msr' without an exit (AMD APM Vol. 2,
 * "MSR Intercepts": two bits per MSR, read then write; MSRs 0-0x1fff
 * from byte 0, 0xc0000000-0xc0001fff from byte 0x800). */
static void svm_msr_passthrough(uint32_t msr)
{
    unsigned int base = msr >= 0xc0000000u ? 0x800 : 0;
    uint32_t bit = (msr & 0x1fff) * 2;
    msrpm[base + bit / 8] &= (uint8_t)~(3u << (bit % 8));
}

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
    /* Every port access exits to Tern, and every MSR access but those
     * VMLOAD/VMSAVE switch (hvm_passthrough_msrs, hvm_syscall_msrs). */
    memset(iopm, 0xff, sizeof(iopm));
    memset(msrpm, 0xff, sizeof(msrpm));
    for (unsigned int i = 0; i < hvm_nr_passthrough_msrs; i++)
        svm_msr_passthrough(hvm_passthrough_msrs[i]);
    for (unsigned int i = 0; i < HVM_NR_SYSCALL_MSRS; i++)
        svm_msr_passthrough(hvm_syscall_msrs[i]);
    return &svm_ops;
}
