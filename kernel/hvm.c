/*
 * kernel/hvm.c: the vendor-neutral half of running guests.
 *
 * hvm_init() picks the backend (VMX or SVM) once, from what the CPU
 * offers. hvm_vcpu_run() enters a vCPU and handles its exits until it
 * must yield; each normalised exit (struct hvm_exit) goes to one small
 * handler in hvm_exit_handlers[]. Handlers return EXIT_RESUME to enter
 * the guest again at once, or EXIT_YIELD to go back to the scheduler
 * (the vCPU blocked, its domain ended, or its time slice is over).
 *
 * Instruction-level work that is the same on both vendors lives here:
 * port I/O including INS/OUTS with REP (guest linear addresses walked
 * through the guest's page tables by kernel/pagewalk.c), MMIO through
 * the decoder and emulator (kernel/decode.c, kernel/emulate.c), CPUID
 * filtering, the MSR allow list, control-register writes, HLT.
 *
 * Context: the scheduler loop, interrupts off (briefly on to take host
 * interrupts after an external-interrupt exit).
 */
#include <tern/cmdline.h>
#include <tern/console.h>
#include <tern/cpu.h>
#include <tern/decode.h>
#include <tern/domain.h>
#include <tern/emulate.h>
#include <tern/errno.h>
#include <tern/hvm.h>
#include <tern/io.h>
#include <tern/ioreq.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/pagewalk.h>
#include <tern/percpu.h>
#include <tern/time.h>
#include <tern/vpic.h>
#include <tern/x86.h>

#define EXIT_RESUME     0
#define EXIT_YIELD      1
#define EXIT_RETRY      2       /* a DM has the I/O: run again on its answer */
#define STRING_IO_MAX   4096        /* elements of a REP INS/OUTS per exit */

#define VECTOR_UD       6
#define VECTOR_GP       13
#define VECTOR_PF       14

const struct hvm_ops *hvm;

const uint32_t hvm_passthrough_msrs[] = {
    MSR_FS_BASE, MSR_GS_BASE,
    MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
};
const uint32_t hvm_syscall_msrs[] = {
    MSR_SYSCALL_STAR, MSR_SYSCALL_LSTAR, MSR_SYSCALL_CSTAR,
    MSR_SYSCALL_FMASK, MSR_KERNEL_GS_BASE,
};
const unsigned int hvm_nr_passthrough_msrs = ARRAY_SIZE(hvm_passthrough_msrs);
static unsigned int guest_maxphyaddr;   /* CPUID.80000008H:EAX[7:0] */

static const char *const exit_names[NR_HVM_EXITS] = {
    [HVM_EXIT_NONE] = "none", [HVM_EXIT_EXTINT] = "external interrupt",
    [HVM_EXIT_NMI] = "NMI", [HVM_EXIT_EXCEPTION] = "exception",
    [HVM_EXIT_IO] = "I/O", [HVM_EXIT_MMIO] = "MMIO",
    [HVM_EXIT_CPUID] = "CPUID", [HVM_EXIT_RDMSR] = "RDMSR",
    [HVM_EXIT_WRMSR] = "WRMSR", [HVM_EXIT_CR] = "CR access",
    [HVM_EXIT_HLT] = "HLT", [HVM_EXIT_VMCALL] = "hypercall",
    [HVM_EXIT_SHUTDOWN] = "triple fault", [HVM_EXIT_INIT] = "INIT",
    [HVM_EXIT_SIPI] = "SIPI", [HVM_EXIT_IRQ_WINDOW] = "interrupt window",
    [HVM_EXIT_INVLPG] = "INVLPG", [HVM_EXIT_XSETBV] = "XSETBV",
    [HVM_EXIT_VIRT_INSN] = "virtualization instruction",
    [HVM_EXIT_ENTRY_FAILED] = "VM entry failed",
    [HVM_EXIT_UNHANDLED] = "unhandled",
};

const char *hvm_exit_name(enum hvm_exit_reason r)
{
    return r < NR_HVM_EXITS && exit_names[r] ? exit_names[r] : "?";
}

static void inject_fault(struct vcpu *v, uint8_t vector, uint32_t error)
{
    hvm->inject(v, HVM_EVENT_EXCEPTION, vector, vector != VECTOR_UD, error);
}

static void advance_rip(struct vcpu *v, const struct hvm_exit *e)
{
    v->regs.rip += e->insn_len;
}

/* ---- guest memory by linear address ---- */

static int walk_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    return p2m_copy_from_guest(opaque, buf, gpa, len);
}

static int walk_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    return p2m_copy_to_guest(opaque, gpa, buf, len);
}

/* Guest linear to guest physical, through the guest's own page tables. */
static int hvm_translate(struct vcpu *v, uint64_t gla, unsigned int access,
                         uint64_t *gpa, uint32_t *pfec)
{
    unsigned int cpl = hvm->get_cpl(v);
    struct pagewalk_ctx ctx = {
        .cr0 = hvm->get_creg(v, CREG_CR0),
        .cr3 = hvm->get_creg(v, CREG_CR3),
        .cr4 = hvm->get_creg(v, CREG_CR4),
        .efer = hvm->get_creg(v, CREG_EFER),
        .user = cpl == 3,
        .ac = cpl < 3 && (v->regs.rflags & RFLAGS_AC),
        .maxphyaddr = guest_maxphyaddr,
        .read_gpa = walk_read,
        .write_gpa = walk_write,
        .opaque = v->domain,
    };
    return pagewalk_translate(&ctx, gla, access, gpa, pfec);
}

/* Deliver the fault a failed translation means; false if it was not a
 * guest fault (then the domain has been crashed). */
static bool translate_fault(struct vcpu *v, int rc, uint64_t gla,
                            uint32_t pfec)
{
    if (rc == -EFAULT) {
        hvm->set_creg(v, CREG_CR2, gla);
        inject_fault(v, VECTOR_PF, pfec);
        return true;
    }
    if (rc == -EINVAL) {
        inject_fault(v, VECTOR_GP, 0);
        return true;
    }
    domain_crash(v->domain, "its page tables for %#lx point outside its "
                 "RAM (error %d)", gla, rc);
    return false;
}

/* ---- port I/O ---- */

static void gpr_write_sized(uint64_t *reg, unsigned int size, uint64_t val)
{
    /* IN AL/AX keep the other bits; IN EAX clears bits 63:32. */
    if (size == 4)
        *reg = (uint32_t)val;
    else
        *reg = (*reg & ~((1ul << (size * 8)) - 1)) | (val & ((1ul << (size * 8)) - 1));
}

/* One element of INS/OUTS at linear address 'gla': 0 done, 1 a fault
 * was injected, -1 the domain was crashed, or STRING_BLOCKED: a device
 * model has the access and the vCPU waits. */
#define STRING_BLOCKED  2
static int string_io_element(struct vcpu *v, const struct hvm_exit *e,
                             uint64_t gla)
{
    uint64_t gpa;
    uint32_t pfec, val = 0;
    int rc = hvm_translate(v, gla, e->io.in ? PAGEWALK_WRITE : 0, &gpa, &pfec);

    if (rc)
        return translate_fault(v, rc, gla, pfec) ? 1 : -1;
    void *p = p2m_gpa_to_hva(v->domain, gpa, e->io.size);
    if (e->io.in) {
        if (io_port_access(v, e->io.port, e->io.size, true, &val))
            return STRING_BLOCKED;
        if (p)
            memcpy(p, &val, e->io.size);
        else if (io_mmio_access(v, gpa, e->io.size, true, &(uint64_t){ val }))
            return STRING_BLOCKED;
    } else {
        uint64_t mval = 0;
        if (p)
            memcpy(&val, p, e->io.size);
        else if (io_mmio_access(v, gpa, e->io.size, false, &mval))
            return STRING_BLOCKED;
        else
            val = (uint32_t)mval;
        if (io_port_access(v, e->io.port, e->io.size, false, &val))
            return STRING_BLOCKED;
    }
    return 0;
}

/*
 * Up to 'count' elements starting at linear 'gla' as one DATA_IS_PTR
 * request, when a device model claims the port and the elements lie in
 * one page of guest RAM. Returns how many elements were done (0: go
 * element by element), or -1 when the vCPU now waits for the DM.
 */
static int64_t string_io_batch(struct vcpu *v, const struct hvm_exit *e,
                               uint64_t gla, uint64_t count, bool df)
{
    unsigned int size = e->io.size;
    uint64_t gpa;
    uint32_t pfec;

    if (hvm_translate(v, gla, e->io.in ? PAGEWALK_WRITE : 0, &gpa, &pfec))
        return 0;           /* the element path delivers the fault */
    uint64_t off = gpa & (PAGE_SIZE - 1);
    uint64_t room = df ? off / size + 1 : (PAGE_SIZE - off) / size;
    uint64_t n = MIN(MIN(count, room), (uint64_t)UINT32_MAX);
    if (n == 0 || off + size > PAGE_SIZE)
        return 0;
    uint64_t lo = df ? gpa - (n - 1) * size : gpa;
    void *p = p2m_gpa_to_hva(v->domain, lo, n * size);
    if (!p)
        return 0;
    bool no_device = false;
    switch (io_port_string(v, e->io.port, size, e->io.in, gpa, (uint32_t)n,
                           df, &no_device)) {
    case IOREQ_BLOCKED:
        return -1;
    case IOREQ_UNCLAIMED:
        return 0;
    case IOREQ_HANDLED:
        break;
    }
    if (no_device && e->io.in)
        memset(p, 0xff, n * size);
    return (int64_t)n;
}

/*
 * INS/OUTS, with REP: ES:rDI for INS, seg:rSI for OUTS (seg may be
 * overridden), stepping by the size, backwards when RFLAGS.DF=1, with
 * the pointer and count registers as wide as the address size (Intel SDM
 * Vol. 2B, "INS/INSB/INSW/INSD" and "OUTS/OUTSB/OUTSW/OUTSD"). Up to
 * STRING_IO_MAX elements per exit; if rCX is not yet 0 the instruction
 * stays at RIP and runs again, so host and guest interrupts are taken in
 * between, as on hardware.
 */
static int handle_string_io(struct vcpu *v, const struct hvm_exit *e)
{
    uint64_t *g = v->regs.gpr;
    uint64_t amask = e->io.addr_size == 8 ? ~0ul : (1ul << (e->io.addr_size * 8)) - 1;
    int ptr = e->io.in ? GPR_RDI : GPR_RSI;
    enum hvm_seg seg = e->io.in ? SEG_ES : (enum hvm_seg)e->io.seg;
    bool df = v->regs.rflags & RFLAGS_DF;
    uint64_t count = e->io.rep ? g[GPR_RCX] & amask : 1;
    struct hvm_segment s;

    hvm->get_seg(v, seg, &s);
    for (unsigned int n = 0; count && n < STRING_IO_MAX;) {
        uint64_t off = g[ptr] & amask;
        /* Elements in one page, and not wrapping the address size. */
        uint64_t fit = df ? off / e->io.size + 1
                          : (amask - off) / e->io.size + 1;
        int64_t done = string_io_batch(v, e, s.base + off,
                                       MIN(MIN(count, fit), (uint64_t)STRING_IO_MAX - n), df);
        if (done < 0)
            return EXIT_RETRY;
        if (done == 0) {
            int rc = string_io_element(v, e, s.base + off);
            if (rc == STRING_BLOCKED)
                return EXIT_RETRY;
            if (rc)
                return rc < 0 ? EXIT_YIELD : EXIT_RESUME;
            done = 1;
        }
        int64_t step = (int64_t)e->io.size * done;
        g[ptr] = (g[ptr] & ~amask) | ((off + (df ? -step : step)) & amask);
        count -= (uint64_t)done;
        n += (unsigned int)done;
        if (e->io.rep)
            g[GPR_RCX] = (g[GPR_RCX] & ~amask) | count;
        /* The elements so far are architecturally done (a REP may stop
         * between elements): a later wait replays only what follows. */
        ioreq_commit(&v->io);
        if (!domain_is_alive(v->domain))
            return EXIT_YIELD;
    }
    if (count == 0)
        advance_rip(v, e);
    return EXIT_RESUME;
}

static int handle_io(struct vcpu *v, struct hvm_exit *e)
{
    if (e->io.string)
        return handle_string_io(v, e);
    /* Run again with its answer in: a plain IN or OUT has one access,
     * so complete it here without routing it again. */
    const struct tern_ioreq *done = &v->io.done[0];
    if (v->io.nr_done == 1 && v->io.replayed == 0 &&
        done->size == e->io.size && !!(done->flags & TERN_IOREQ_DIR_READ) == e->io.in &&
        (done->type == TERN_IOREQ_TYPE_PCI_CONFIG || done->addr == e->io.port)) {
        if (e->io.in)
            gpr_write_sized(&v->regs.gpr[GPR_RAX], e->io.size, done->data);
        advance_rip(v, e);
        return domain_is_alive(v->domain) ? EXIT_RESUME : EXIT_YIELD;
    }

    uint32_t val = (uint32_t)v->regs.gpr[GPR_RAX];
    if (io_port_access(v, e->io.port, e->io.size, e->io.in, &val))
        return EXIT_RETRY;
    if (e->io.in)
        gpr_write_sized(&v->regs.gpr[GPR_RAX], e->io.size, val);
    advance_rip(v, e);
    return domain_is_alive(v->domain) ? EXIT_RESUME : EXIT_YIELD;
}

/* ---- MMIO: decode and emulate the faulting instruction ---- */

static int mmio_mem(void *ctx, uint64_t gla, unsigned int size, uint64_t *val,
                    bool write)
{
    struct vcpu *v = ctx;
    uint64_t gpa;
    uint32_t pfec;
    int rc = hvm_translate(v, gla, write ? PAGEWALK_WRITE : 0, &gpa, &pfec);

    if (rc) {
        translate_fault(v, rc, gla, pfec);
        return -EFAULT;
    }
    void *p = p2m_gpa_to_hva(v->domain, gpa, size);
    if (p) {
        if (write)
            memcpy(p, val, size);
        else {
            *val = 0;
            memcpy(val, p, size);
        }
    } else if (io_mmio_access(v, gpa, size, write, val)) {
        return -EAGAIN;         /* a device model has it */
    }
    return 0;
}

static int mmio_read(void *ctx, uint64_t gla, unsigned int size, uint64_t *val)
{
    return mmio_mem(ctx, gla, size, val, false);
}

static int mmio_write(void *ctx, uint64_t gla, unsigned int size, uint64_t val)
{
    return mmio_mem(ctx, gla, size, &val, true);
}

/* A string element's accesses are done and in the registers: the replay
 * of this instruction starts from the next element (kernel/ioreq/send.c). */
static void mmio_string_step_done(void *ctx)
{
    struct vcpu *v = ctx;
    ioreq_commit(&v->io);
}

static const struct emulate_ops mmio_ops = { mmio_read, mmio_write,
                                             mmio_string_step_done };

static enum decode_mode guest_mode(struct vcpu *v, struct hvm_segment *cs)
{
    hvm->get_seg(v, SEG_CS, cs);
    if ((hvm->get_creg(v, CREG_EFER) & EFER_LMA) && (cs->attr & (1u << 13)))
        return DECODE_MODE_64;
    if ((hvm->get_creg(v, CREG_CR0) & CR0_PE) && (cs->attr & (1u << 14)))
        return DECODE_MODE_32;
    return DECODE_MODE_16;
}

int hvm_fetch_insn(struct vcpu *v, uint8_t buf[DECODE_MAX_LEN], size_t *len)
{
    struct hvm_segment cs;
    size_t got = 0;

    hvm->get_seg(v, SEG_CS, &cs);
    uint64_t gla = cs.base + v->regs.rip;
    while (got < DECODE_MAX_LEN) {
        uint64_t gpa;
        uint32_t pfec;
        int rc = hvm_translate(v, gla + got, PAGEWALK_FETCH, &gpa, &pfec);
        if (rc && got)
            break;              /* the bytes before the fault may do */
        if (rc)
            return translate_fault(v, rc, gla, pfec) ? 1 : -1;
        size_t chunk = MIN(DECODE_MAX_LEN - got,
                           PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
        if (p2m_copy_from_guest(v->domain, buf + got, gpa, chunk))
            break;
        got += chunk;
    }
    *len = got;
    return got ? 0 : -1;
}

int hvm_read_linear(struct vcpu *v, uint64_t gla, void *buf, size_t len)
{
    for (size_t done = 0; done < len;) {
        uint64_t gpa;
        uint32_t pfec;
        int rc = hvm_translate(v, gla + done, 0, &gpa, &pfec);
        if (rc)
            return translate_fault(v, rc, gla + done, pfec) ? 1 : -1;
        size_t chunk = MIN(len - done, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
        if (p2m_copy_from_guest(v->domain, (uint8_t *)buf + done, gpa, chunk))
            return -1;
        done += chunk;
    }
    return 0;
}

/* Fetch and decode the instruction at RIP that touched MMIO: 0, 1 when a
 * fault was injected into the guest, -1 when the domain was crashed. */
static int mmio_fetch_decode(struct vcpu *v, const struct hvm_exit *e,
                             enum decode_mode mode, struct hvm_segment *csp,
                             struct decode_insn *out)
{
    struct domain *d = v->domain;
    const struct hvm_segment cs = *csp;
    uint8_t bytes[DECODE_MAX_LEN];
    size_t len = 0;
    int rc = hvm_fetch_insn(v, bytes, &len);
    if (rc < 0 && domain_is_alive(d))
        domain_crash(d, "its instruction at RIP %#lx is not in its RAM",
                     v->regs.rip);
    if (rc)
        return rc < 0 ? -1 : 1;
    rc = decode_insn(bytes, len, mode, out);
    if (rc == -E2BIG && len < DECODE_MAX_LEN) {
        /* The instruction runs onto a page the guest cannot fetch: that
         * page's fault is the guest's to take. */
        uint64_t gpa;
        uint32_t pfec;
        uint64_t next = cs.base + v->regs.rip + len;
        int trc = hvm_translate(v, next, PAGEWALK_FETCH, &gpa, &pfec);
        if (trc)
            return translate_fault(v, trc, next, pfec) ? 1 : -1;
    }
    if (rc) {
        domain_crash(d, "cannot decode the instruction touching MMIO %#lx at "
                     "RIP %#lx: %02x %02x %02x %02x %02x %02x", e->mmio.gpa,
                     v->regs.rip, bytes[0], bytes[1], bytes[2], bytes[3],
                     bytes[4], bytes[5]);
        return -1;
    }
    return 0;
}

static int handle_mmio(struct vcpu *v, struct hvm_exit *e)
{
    struct domain *d = v->domain;
    struct hvm_segment cs;
    struct decode_insn insn;

    if (p2m_is_ram(d, e->mmio.gpa)) {
        domain_crash(d, "nested page fault on RAM at %#lx (Tern bug?)",
                     e->mmio.gpa);
        return EXIT_YIELD;
    }
    if (e->mmio.fetch) {
        domain_crash(d, "instruction fetch from MMIO at %#lx", e->mmio.gpa);
        return EXIT_YIELD;
    }
    enum decode_mode mode = guest_mode(v, &cs);
    /* Run again after a device model's answer: the bytes at RIP are the
     * same instruction, already decoded. */
    int rc = 0;
    if (v->io_insn_valid && v->io_insn.mode == mode &&
        v->io_insn_rip == v->regs.rip) {
        insn = v->io_insn;
    } else {
        rc = mmio_fetch_decode(v, e, mode, &cs, &insn);
        if (rc)
            return rc < 0 ? EXIT_YIELD : EXIT_RESUME;
    }
    v->io_insn_valid = false;

    struct emulate_regs r;
    memcpy(r.gpr, v->regs.gpr, sizeof(r.gpr));
    r.rip = v->regs.rip;
    r.rflags = v->regs.rflags;
    for (enum hvm_seg s = SEG_ES; s <= SEG_GS; s++) {
        struct hvm_segment seg;
        hvm->get_seg(v, s, &seg);
        r.seg_base[s] = seg.base;
    }
    rc = emulate_insn(&insn, mode, &r, &mmio_ops, v);
    if (rc == -EFAULT || rc == -EAGAIN) {
        /* A fault on its way to the guest, or a device model has an
         * access. The registers show the elements of a REP string
         * instruction done so far (as on hardware, a fault leaves them at
         * the element that faulted; an unfinished instruction of another
         * kind leaves them unchanged): keep those. */
        memcpy(v->regs.gpr, r.gpr, sizeof(r.gpr));
        v->regs.rflags = r.rflags;
        if (rc == -EFAULT)
            return EXIT_RESUME;
        v->io_insn = insn;
        v->io_insn_valid = true;
        v->io_insn_rip = v->regs.rip;
        return domain_is_alive(d) ? EXIT_RETRY : EXIT_YIELD;
    }
    if (rc) {
        domain_crash(d, "cannot emulate the instruction touching MMIO %#lx "
                     "at RIP %#lx (error %d)", e->mmio.gpa, v->regs.rip, rc);
        return EXIT_YIELD;
    }
    memcpy(v->regs.gpr, r.gpr, sizeof(r.gpr));
    v->regs.rip = r.rip;
    v->regs.rflags = r.rflags;
    return domain_is_alive(d) ? EXIT_RESUME : EXIT_YIELD;
}

/* ---- CPUID: what a guest may see ---- */

static int handle_cpuid(struct vcpu *v, struct hvm_exit *e)
{
    uint64_t *g = v->regs.gpr;
    uint32_t leaf = (uint32_t)g[GPR_RAX], sub = (uint32_t)g[GPR_RCX];
    uint32_t a, b, c, d;

    cpuid_count(leaf, sub, &a, &b, &c, &d);
    switch (leaf) {
    case 0x1:
        /* What a guest may see is a list of what Tern virtualises, not
         * the host's bits minus a few: an unknown new feature stays
         * hidden. Hidden here: VMX/SMX (no nesting), the local APIC,
         * x2APIC and TSC deadline (no virtual APIC: Linux then drives
         * the 8259 pair), MCE/MCA and MTRR (their MSRs are not
         * emulated), XSAVE/OSXSAVE/AVX/FMA/F16C (no XSAVE state
         * switching), MONITOR/MWAIT, PCID, the debug store, thermal
         * and performance monitoring (their MSRs), HTT (one vCPU). */
        c &= CPUID1_ECX_SSE3 | CPUID1_ECX_PCLMULQDQ | CPUID1_ECX_SSSE3 |
             CPUID1_ECX_CX16 | CPUID1_ECX_SSE41 | CPUID1_ECX_SSE42 |
             CPUID1_ECX_MOVBE | CPUID1_ECX_POPCNT | CPUID1_ECX_AES |
             CPUID1_ECX_RDRAND;
        c |= CPUID1_ECX_HYPERVISOR;
        d &= CPUID1_EDX_FPU | CPUID1_EDX_VME | CPUID1_EDX_DE |
             CPUID1_EDX_PSE | CPUID1_EDX_TSC | CPUID1_EDX_MSR |
             CPUID1_EDX_PAE | CPUID1_EDX_CX8 | CPUID1_EDX_SEP |
             CPUID1_EDX_PGE | CPUID1_EDX_CMOV | CPUID1_EDX_PAT |
             CPUID1_EDX_PSE36 | CPUID1_EDX_CLFSH | CPUID1_EDX_MMX |
             CPUID1_EDX_FXSR | CPUID1_EDX_SSE | CPUID1_EDX_SSE2;
        /* One logical processor; its initial APIC ID is its vCPU id. */
        b = (b & 0x0000ffff) | (1u << 16) | (v->id << 24);
        break;
    case 0x6:                       /* thermal and power management */
    case 0xa:                       /* architectural performance monitoring */
    case 0xd:                       /* XSAVE state components */
        a = b = c = d = 0;
        break;
    case 0x7:
        /* Structured extended features: the instruction-set ones only
         * (no TSC_ADJUST, no INVPCID, nothing needing XSAVE state). */
        b = sub == 0 ? b & (CPUID7_EBX_BMI1 | CPUID7_EBX_SMEP |
                            CPUID7_EBX_BMI2 | CPUID7_EBX_ERMS |
                            CPUID7_EBX_RDSEED | CPUID7_EBX_ADX |
                            CPUID7_EBX_SMAP | CPUID7_EBX_CLFLUSHOPT |
                            CPUID7_EBX_SHA) : 0;
        a = c = d = 0;
        break;
    case 0x40000000:
        a = 0x40000001;
        memcpy(&b, "Tern", 4);
        memcpy(&c, "Tern", 4);
        memcpy(&d, "Tern", 4);
        break;
    case 0x40000001:
        a = b = c = d = 0;
        break;
    case 0x80000001:
        /* AMD's extended features: no SVM (no nesting), no RDTSCP (its
         * TSC_AUX MSR), no performance counters, IBS, watchdog, or
         * APIC extensions. */
        c &= CPUID81_ECX_LAHF | CPUID81_ECX_CMP_LEGACY | CPUID81_ECX_ABM |
             CPUID81_ECX_SSE4A | CPUID81_ECX_MISALIGNSSE |
             CPUID81_ECX_3DNOWPREFETCH | CPUID81_ECX_TBM;
        d &= ~CPUID81_EDX_RDTSCP;
        break;
    case 0x80000007:
        a = b = c = 0;
        d &= CPUID87_EDX_INVARIANT_TSC;
        break;
    default:
        break;
    }
    g[GPR_RAX] = a;
    g[GPR_RBX] = b;
    g[GPR_RCX] = c;
    g[GPR_RDX] = d;
    advance_rip(v, e);
    return EXIT_RESUME;
}

/* ---- MSRs: a documented allow list (docs/vmx.md); #GP for the rest ---- */

#define MSR_TSC             0x10
#define MSR_MTRR_CAP        0xfe
#define MSR_MISC_ENABLE     0x1a0
#define MSR_MTRR_DEF_TYPE   0x2ff

static int handle_msr(struct vcpu *v, struct hvm_exit *e)
{
    uint64_t *g = v->regs.gpr;
    uint32_t msr = (uint32_t)g[GPR_RCX];
    uint64_t val = (g[GPR_RDX] << 32) | (uint32_t)g[GPR_RAX];
    bool write = e->reason == HVM_EXIT_WRMSR;
    bool ok = true;

    switch (msr) {
    case MSR_SYSCALL_STAR:
    case MSR_SYSCALL_LSTAR:
    case MSR_SYSCALL_CSTAR:
    case MSR_SYSCALL_FMASK:
    case MSR_KERNEL_GS_BASE:
        if (hvm->syscall_msrs_claim) {
            hvm->syscall_msrs_claim(v);
            return EXIT_RESUME;     /* it runs again, without an exit */
        }
        ok = false;
        break;
    case MSR_EFER:
        if (write)
            ok = hvm->set_creg(v, CREG_EFER, val) == 0;
        else
            val = hvm->get_creg(v, CREG_EFER);
        break;
    case MSR_TSC:
        ok = !write;
        val = rdtsc();
        break;
    case MSR_MTRR_CAP:              /* no MTRRs to program */
    case MSR_MTRR_DEF_TYPE:
        ok = !write || val == 0 || msr == MSR_MTRR_DEF_TYPE;
        val = 0;
        break;
    case MSR_MISC_ENABLE:           /* fast strings on, writes ignored */
        val = 1;
        break;
    case MSR_PAT:
        /* Each of the 8 entries a memory type: UC 0, WC 1, WT 4, WP 5,
         * WB 6, UC- 7 (Intel SDM Vol. 3A, "IA32_PAT MSR"); else #GP. */
        if (write) {
            for (unsigned int i = 0; i < 8 && ok; i++) {
                uint8_t t = (uint8_t)(val >> (8 * i));
                ok = t < 8 && t != 2 && t != 3;
            }
            ok = ok && hvm->set_creg(v, CREG_PAT, val) == 0;
        } else {
            val = hvm->get_creg(v, CREG_PAT);
        }
        break;
    default:
        ok = false;
        break;
    }
    if (!ok) {
        if (cmdline_options.trace & TRACE_EXITS)
            pr_info("hvm: %s: %s of MSR %#x refused: #GP\n", v->domain->name,
                    write ? "WRMSR" : "RDMSR", msr);
        inject_fault(v, VECTOR_GP, 0);
        return EXIT_RESUME;
    }
    if (!write) {
        g[GPR_RAX] = (uint32_t)val;
        g[GPR_RDX] = val >> 32;
    }
    advance_rip(v, e);
    return EXIT_RESUME;
}

/* ---- control registers ---- */

static int handle_cr(struct vcpu *v, struct hvm_exit *e)
{
    uint64_t *g = v->regs.gpr;
    uint64_t cr0 = hvm->get_creg(v, CREG_CR0);
    static const enum hvm_creg cregs[16] = { [0] = CREG_CR0, [3] = CREG_CR3,
                                             [4] = CREG_CR4 };
    int rc = 0;

    switch (e->cr.type) {
    case HVM_CR_MOV_TO:
        if (e->cr.cr != 0 && e->cr.cr != 3 && e->cr.cr != 4)
            goto unhandled;
        rc = hvm->set_creg(v, cregs[e->cr.cr], g[e->cr.gpr]);
        break;
    case HVM_CR_MOV_FROM:
        if (e->cr.cr != 3)
            goto unhandled;
        g[e->cr.gpr] = hvm->get_creg(v, CREG_CR3);
        break;
    case HVM_CR_CLTS:
        rc = hvm->set_creg(v, CREG_CR0, cr0 & ~CR0_TS);
        break;
    case HVM_CR_LMSW:
        /* LMSW sets PE (never clears it), MP, EM, TS. */
        rc = hvm->set_creg(v, CREG_CR0, (cr0 & ~0xeul) |
                           (e->cr.lmsw_data & 0xf) | (cr0 & CR0_PE));
        break;
    }
    if (rc)
        inject_fault(v, VECTOR_GP, 0);
    else
        advance_rip(v, e);
    return EXIT_RESUME;

unhandled:
    domain_crash(v->domain, "access to CR%u that Tern does not intercept",
                 e->cr.cr);
    return EXIT_YIELD;
}

/* ---- the rest ---- */

static int handle_hlt(struct vcpu *v, struct hvm_exit *e)
{
    advance_rip(v, e);
    if ((v->irq_pending && time_ns() >= v->irq_due_ns) ||
        vpic_pending_vector(v->domain->vpic) >= 0)
        return EXIT_RESUME;         /* the interrupt is due: it wakes us */
    if (!(v->regs.rflags & RFLAGS_IF)) {
        domain_crash(v->domain, "HLT with interrupts disabled: nothing can "
                     "wake the vCPU");
        return EXIT_YIELD;
    }
    v->state = VCPU_BLOCKED;
    return EXIT_YIELD;
}

static int handle_extint(struct vcpu *v, struct hvm_exit *e)
{
    (void)e;
    /* The interrupt is still pending in the local APIC (no ack on exit):
     * open a window for the host's own handler to take it. */
    irq_enable();
    __asm__ __volatile__("nop");
    irq_disable();
    return this_cpu()->ticks != v->exits_tick ? EXIT_YIELD : EXIT_RESUME;
}

static int handle_nmi(struct vcpu *v, struct hvm_exit *e)
{
    (void)e;
    pr_warn("hvm: NMI while running %s; continuing\n", v->domain->name);
    return EXIT_RESUME;
}

static int handle_shutdown(struct vcpu *v, struct hvm_exit *e)
{
    (void)e;
    domain_crash(v->domain, "triple fault (an exception while delivering a "
                 "double fault)");
    return EXIT_YIELD;
}

static int handle_vmcall(struct vcpu *v, struct hvm_exit *e)
{
    /* No hypercalls are defined for HVM guests yet. */
    v->regs.gpr[GPR_RAX] = (uint64_t)-ENOSYS;
    advance_rip(v, e);
    return EXIT_RESUME;
}

static int handle_irq_window(struct vcpu *v, struct hvm_exit *e)
{
    (void)e;
    hvm->irq_window(v, false);
    return EXIT_RESUME;
}

static int handle_resume(struct vcpu *v, struct hvm_exit *e)
{
    advance_rip(v, e);
    return EXIT_RESUME;
}

static int handle_ud(struct vcpu *v, struct hvm_exit *e)
{
    (void)e;
    inject_fault(v, VECTOR_UD, 0);
    return EXIT_RESUME;
}

static int handle_ignore(struct vcpu *v, struct hvm_exit *e)
{
    (void)v;
    (void)e;
    return EXIT_RESUME;
}

static int handle_failed(struct vcpu *v, struct hvm_exit *e)
{
    if (e->reason == HVM_EXIT_ENTRY_FAILED)
        domain_crash(v->domain, "VM entry failed: %s", e->fail.what);
    else
        domain_crash(v->domain, "%s exit Tern does not handle: %s",
                     hvm->name, e->fail.what ? e->fail.what :
                     hvm_exit_name(e->reason));
    return EXIT_YIELD;
}

typedef int (*exit_handler_t)(struct vcpu *v, struct hvm_exit *e);

static const exit_handler_t hvm_exit_handlers[NR_HVM_EXITS] = {
    [HVM_EXIT_EXTINT] = handle_extint,
    [HVM_EXIT_NMI] = handle_nmi,
    [HVM_EXIT_EXCEPTION] = handle_failed,   /* none intercepted */
    [HVM_EXIT_IO] = handle_io,
    [HVM_EXIT_MMIO] = handle_mmio,
    [HVM_EXIT_CPUID] = handle_cpuid,
    [HVM_EXIT_RDMSR] = handle_msr,
    [HVM_EXIT_WRMSR] = handle_msr,
    [HVM_EXIT_CR] = handle_cr,
    [HVM_EXIT_HLT] = handle_hlt,
    [HVM_EXIT_VMCALL] = handle_vmcall,
    [HVM_EXIT_SHUTDOWN] = handle_shutdown,
    [HVM_EXIT_INIT] = handle_ignore,        /* one vCPU: nobody sends INIT */
    [HVM_EXIT_SIPI] = handle_ignore,
    [HVM_EXIT_IRQ_WINDOW] = handle_irq_window,
    [HVM_EXIT_INVLPG] = handle_resume,
    [HVM_EXIT_XSETBV] = handle_ud,          /* XSAVE is hidden in CPUID */
    [HVM_EXIT_VIRT_INSN] = handle_ud,
    [HVM_EXIT_ENTRY_FAILED] = handle_failed,
    [HVM_EXIT_UNHANDLED] = handle_failed,
};

static void trace_exit(struct vcpu *v, const struct hvm_exit *e)
{
    char detail[64] = "";
    if (e->reason == HVM_EXIT_IO)
        snprintf(detail, sizeof(detail), " port %#x %s%s size %u",
                 e->io.port, e->io.in ? "in" : "out",
                 e->io.string ? (e->io.rep ? " rep-string" : " string") : "",
                 e->io.size);
    else if (e->reason == HVM_EXIT_MMIO)
        snprintf(detail, sizeof(detail), " gpa %#lx %s", e->mmio.gpa,
                 e->mmio.write ? "write" : "read");
    else if (e->reason == HVM_EXIT_CPUID || e->reason == HVM_EXIT_RDMSR ||
             e->reason == HVM_EXIT_WRMSR)
        snprintf(detail, sizeof(detail), " %s %#lx",
                 e->reason == HVM_EXIT_CPUID ? "leaf" : "msr",
                 v->regs.gpr[e->reason == HVM_EXIT_CPUID ? GPR_RAX : GPR_RCX]);
    pr_info("exit %s/%u: %s (%s %#x) at RIP %#lx%s\n", v->domain->name, v->id,
            hvm_exit_name(e->reason), hvm->name, e->raw, v->regs.rip, detail);
}

/*
 * Inject a pending interrupt when the guest can take it, or ask to exit
 * as soon as it can. Two sources: the test device's one-shot vector,
 * and the virtual 8259 pair (its lines driven by device models), whose
 * vector is acknowledged (the INTA cycle) only when it is injected.
 */
static void deliver_pending_irq(struct vcpu *v)
{
    bool testdev = v->irq_pending && time_ns() >= v->irq_due_ns;
    if (!testdev && (!vpic_any_request(v->domain->vpic) ||
                     vpic_pending_vector(v->domain->vpic) < 0))
        return;
    if (!hvm->irq_allowed(v)) {
        hvm->irq_window(v, true);
        return;
    }
    int vector = testdev ? v->irq_vector : vpic_ack(v->domain->vpic);
    v->irq_pending = v->irq_pending && !testdev;
    hvm->irq_window(v, false);
    if (vector >= 0)
        hvm->inject(v, HVM_EVENT_EXTINT, (uint8_t)vector, false, 0);
}

void hvm_set_isa_irq(struct domain *d, unsigned int irq, int level)
{
    vpic_set_irq(d->vpic, irq, level);
    /* A vCPU halted with interrupts on wakes for it. */
    struct vcpu *v = d->nr_vcpus ? d->vcpus[0] : NULL;
    if (v && v->state == VCPU_BLOCKED && vpic_pending_vector(d->vpic) >= 0)
        v->state = VCPU_RUNNABLE;
}

/* Run one exit's handler; the access it is waiting for has been
 * answered if it is run again (io_replay). */
static int hvm_handle_exit(struct vcpu *v, struct hvm_exit *e)
{
    exit_handler_t h = e->reason < NR_HVM_EXITS ? hvm_exit_handlers[e->reason] : NULL;
    if (!h)
        h = handle_failed;
    ioreq_replay_start(&v->io);
    int rc = h(v, e);
    if (rc == EXIT_RETRY) {
        if (e != &v->io_exit)
            v->io_exit = *e;
        return EXIT_YIELD;
    }
    ioreq_commit(&v->io);
    return rc;
}

void hvm_vcpu_run(struct vcpu *v)
{
    struct hvm_exit e;

    v->exits_tick = this_cpu()->ticks;
    v->domain->state = DOMAIN_RUNNING;
    if (v->io_replay) {
        v->io_replay = false;
        if (cmdline_options.trace & TRACE_IOREQ)
            pr_info("ioreq: %lu ns %s/%u: resumes the instruction at RIP "
                    "%#lx\n", time_ns(), v->domain->name, v->id, v->regs.rip);
        if (hvm_handle_exit(v, &v->io_exit) == EXIT_YIELD ||
            v->state != VCPU_RUNNABLE)
            return;
    }
    for (;;) {
        deliver_pending_irq(v);
        e.reason = HVM_EXIT_NONE;
        e.fail.what = NULL;
        hvm->vcpu_run(v, &e);
        v->exits++;
        if (cmdline_options.trace & TRACE_EXITS)
            trace_exit(v, &e);
        if (hvm_handle_exit(v, &e) == EXIT_YIELD || v->state != VCPU_RUNNABLE)
            return;
    }
}

void hvm_vcpu_start_segments(struct vcpu *v, enum hvm_start_mode mode)
{
    /* Real mode: base 0, 64 KiB limits, as at a boot sector. Multiboot:
     * flat 4 GiB 32-bit segments (D/B=1, G=1) with the selectors of a
     * typical GDT. TR must be a usable busy TSS on every entry; LDTR is
     * unusable. Attributes in the VMX layout of struct hvm_segment. */
    bool pm = mode == HVM_START_PROTECTED32;
    struct hvm_segment code = pm ? (struct hvm_segment){ 0x08, 0xc09b, 0xffffffff, 0 }
                                 : (struct hvm_segment){ 0, 0x9b, 0xffff, 0 };
    struct hvm_segment data = pm ? (struct hvm_segment){ 0x10, 0xc093, 0xffffffff, 0 }
                                 : (struct hvm_segment){ 0, 0x93, 0xffff, 0 };
    const struct hvm_segment ldtr = { 0, SEG_ATTR_UNUSABLE, 0, 0 };
    const struct hvm_segment tr = { 0, 0x8b, 0xffff, 0 };

    for (enum hvm_seg s = SEG_ES; s <= SEG_GS; s++)
        hvm->set_seg(v, s, s == SEG_CS ? &code : &data);
    hvm->set_seg(v, SEG_LDTR, &ldtr);
    hvm->set_seg(v, SEG_TR, &tr);
}

bool hvm_init(void)
{
    /* Each probe says why its vendor's hardware cannot run guests, when
     * the CPU has it but lacks what Tern needs. */
    hvm = vmx_probe();
    if (!hvm)
        hvm = svm_probe();
    if (!hvm) {
        pr_warn("hvm: no usable hardware virtualization (Intel VT-x with "
                "EPT and unrestricted guest, or AMD SVM with nested "
                "paging): guests cannot run\n");
        return false;
    }
    if (hvm->cpu_enable()) {
        hvm = NULL;
        return false;
    }
    uint32_t a, b, c, d;
    cpuid(0x80000000, &a, &b, &c, &d);
    if (a >= 0x80000008) {
        cpuid(0x80000008, &a, &b, &c, &d);
        guest_maxphyaddr = MIN(MAX(a & 0xff, 32u), 52u);
    }
    pr_info("hvm: using %s\n", hvm->name);
    return true;
}
