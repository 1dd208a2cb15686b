/*
 * kernel/svm_exit.c: the SVM exit edge (interface in kernel/svm.h).
 *
 * After each #VMEXIT, svm_normalise_exit() turns EXITCODE, EXITINFO1 and
 * EXITINFO2 into the vendor-neutral struct hvm_exit that kernel/hvm.c
 * dispatches, as vmx_normalise_exit() does for VMX (AMD APM Vol. 2,
 * "#VMEXIT", "State Saved on Exit", the intercept sections, and Appendix
 * C, "SVM Intercept Exit Codes").
 *
 * What the VMCB does not say, Tern works out by decoding the guest's
 * instruction. Without next-RIP (NRIPS, "State Saved on Exit") the
 * length of an intercepted instruction is unknown; without decode
 * assists ("Decode Assists") so are the register of a MOV CR, the
 * operand of LMSW and the segment of OUTS. Tern then fetches the bytes at
 * CS:RIP through the guest's page tables (hvm_fetch_insn()) and decodes
 * legacy prefixes, REX (64-bit mode, only right before the opcode), the
 * opcode and, for 0F 01 /6 and /7, ModRM, SIB and displacement (AMD APM
 * Vol. 3, "Instruction Encoding"). QEMU 7.2 (TCG) has neither feature;
 * Bochs's "ryzen" has next-RIP; current AMD processors have both.
 *
 * Context: the host right after a #VMEXIT, interrupts off.
 */
#include <tern/console.h>
#include <tern/cpu.h>
#include <tern/decode.h>
#include <tern/domain.h>
#include <tern/hvm.h>
#include <tern/lib.h>
#include <tern/x86.h>
#include "svm.h"

/* ---- decoding what the VMCB does not say ---- */

/* The instruction at CS:RIP, as far as it has been decoded. */
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
    const struct vmcb_save *g = &svm_vmcb(v)->save;
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
        bases[s] = svm_seg(svm_vmcb(v), s)->base;
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
    const struct vmcb *vmcb = svm_vmcb(v);
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
    const struct vmcb_control *c = &svm_vmcb(v)->control;
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

const char *svm_exit_name(uint64_t code)
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

int svm_normalise_exit(struct vcpu *v, struct hvm_exit *e)
{
    const struct vmcb_control *c = &svm_vmcb(v)->control;
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
        return c->exitinfo1 ? svm_fixed_len(v, e, "WRMSR", "\x0f\x30")
                            : svm_fixed_len(v, e, "RDMSR", "\x0f\x32");
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

