/*
 * kernel/svm.h: the VMCB and SVM bit names, private to kernel/svm.c and
 * kernel/svm_check.c.
 *
 * The VMCB is one 4 KiB page in memory: a control area (offset 000h,
 * what to intercept, exit information, event injection, nested paging)
 * and a state-save area (offset 400h, the guest's registers). AMD APM
 * Vol. 2, "VMCB Layout" (Appendix B, Tables B-1 and B-2); member names
 * follow the APM's field names. Every offset Tern uses is checked below
 * with _Static_assert; reserved ranges are named after their offset.
 */
#ifndef TERN_SVM_PRIV_H
#define TERN_SVM_PRIV_H

#include <tern/compiler.h>
#include <tern/domain.h>
#include <tern/hvm.h>

/* A segment register in the VMCB: "Segment State in the VMCB". attrib
 * holds descriptor bits 47:40 in 7:0 and 55:52 in 11:8 (type, S, DPL, P,
 * then AVL, L, D/B, G); P=0 marks a null segment. */
struct vmcb_seg {
    uint16_t selector;
    uint16_t attrib;
    uint32_t limit;
    uint64_t base;
};
_Static_assert(sizeof(struct vmcb_seg) == 16, "VMCB segment is 16 bytes");

#define VMCB_ATTR_P         (1u << 7)
#define VMCB_ATTR_L         (1u << 9)
#define VMCB_ATTR_DB        (1u << 10)

/* Table B-1, "VMCB Layout, Control Area". */
struct vmcb_control {
    uint32_t intercept_cr;          /* 000h: reads 15:0, writes 31:16 */
    uint32_t intercept_dr;          /* 004h: reads 15:0, writes 31:16 */
    uint32_t intercept_exceptions;  /* 008h: vectors 0-31 */
    uint32_t intercept_misc1;       /* 00Ch: "vector 3", INTERCEPT1_* */
    uint32_t intercept_misc2;       /* 010h: "vector 4", INTERCEPT2_* */
    uint32_t intercept_misc3;       /* 014h: "vector 5" */
    uint8_t reserved_018[0x03c - 0x018];
    uint16_t pause_filter_threshold; /* 03Ch */
    uint16_t pause_filter_count;    /* 03Eh */
    uint64_t iopm_base_pa;          /* 040h */
    uint64_t msrpm_base_pa;         /* 048h */
    uint64_t tsc_offset;            /* 050h */
    uint32_t guest_asid;            /* 058h */
    uint8_t tlb_control;            /* 05Ch: bits 39:32 of the 058h qword */
    uint8_t reserved_05d[3];
    uint64_t int_ctl;               /* 060h: V_TPR, V_IRQ, ..., V_INTR_VECTOR */
    uint64_t int_state;             /* 068h: INTERRUPT_SHADOW */
    uint64_t exitcode;              /* 070h */
    uint64_t exitinfo1;             /* 078h */
    uint64_t exitinfo2;             /* 080h */
    uint64_t exitintinfo;           /* 088h */
    uint64_t np_control;            /* 090h: NP_ENABLE in bit 0 */
    uint64_t avic_apic_bar;         /* 098h */
    uint64_t ghcb_gpa;              /* 0A0h */
    uint64_t eventinj;              /* 0A8h */
    uint64_t n_cr3;                 /* 0B0h: nested page table root */
    uint64_t virt_ext;              /* 0B8h: LBR, VMSAVE/VMLOAD virt. */
    uint32_t vmcb_clean;            /* 0C0h */
    uint32_t reserved_0c4;
    uint64_t nrip;                  /* 0C8h: next sequential RIP */
    uint8_t insn_len;               /* 0D0h: guest instruction bytes ... */
    uint8_t insn_bytes[15];         /* 0D1h: ... fetched (decode assists) */
    uint8_t reserved_0e0[0x400 - 0x0e0];
};

_Static_assert(offsetof(struct vmcb_control, intercept_cr) == 0x000, "VMCB");
_Static_assert(offsetof(struct vmcb_control, intercept_dr) == 0x004, "VMCB");
_Static_assert(offsetof(struct vmcb_control, intercept_exceptions) == 0x008, "VMCB");
_Static_assert(offsetof(struct vmcb_control, intercept_misc1) == 0x00c, "VMCB");
_Static_assert(offsetof(struct vmcb_control, intercept_misc2) == 0x010, "VMCB");
_Static_assert(offsetof(struct vmcb_control, iopm_base_pa) == 0x040, "VMCB");
_Static_assert(offsetof(struct vmcb_control, msrpm_base_pa) == 0x048, "VMCB");
_Static_assert(offsetof(struct vmcb_control, tsc_offset) == 0x050, "VMCB");
_Static_assert(offsetof(struct vmcb_control, guest_asid) == 0x058, "VMCB");
_Static_assert(offsetof(struct vmcb_control, tlb_control) == 0x05c, "VMCB");
_Static_assert(offsetof(struct vmcb_control, int_ctl) == 0x060, "VMCB");
_Static_assert(offsetof(struct vmcb_control, int_state) == 0x068, "VMCB");
_Static_assert(offsetof(struct vmcb_control, exitcode) == 0x070, "VMCB");
_Static_assert(offsetof(struct vmcb_control, exitinfo1) == 0x078, "VMCB");
_Static_assert(offsetof(struct vmcb_control, exitinfo2) == 0x080, "VMCB");
_Static_assert(offsetof(struct vmcb_control, exitintinfo) == 0x088, "VMCB");
_Static_assert(offsetof(struct vmcb_control, np_control) == 0x090, "VMCB");
_Static_assert(offsetof(struct vmcb_control, eventinj) == 0x0a8, "VMCB");
_Static_assert(offsetof(struct vmcb_control, n_cr3) == 0x0b0, "VMCB");
_Static_assert(offsetof(struct vmcb_control, vmcb_clean) == 0x0c0, "VMCB");
_Static_assert(offsetof(struct vmcb_control, nrip) == 0x0c8, "VMCB");
_Static_assert(offsetof(struct vmcb_control, insn_len) == 0x0d0, "VMCB");
_Static_assert(sizeof(struct vmcb_control) == 0x400, "VMCB control area");

/* Table B-2, "VMCB Layout, State Save Area" (offsets from its start). */
struct vmcb_save {
    struct vmcb_seg es;             /* 000h */
    struct vmcb_seg cs;             /* 010h */
    struct vmcb_seg ss;             /* 020h */
    struct vmcb_seg ds;             /* 030h */
    struct vmcb_seg fs;             /* 040h */
    struct vmcb_seg gs;             /* 050h */
    struct vmcb_seg gdtr;           /* 060h: limit and base only */
    struct vmcb_seg ldtr;           /* 070h */
    struct vmcb_seg idtr;           /* 080h: limit and base only */
    struct vmcb_seg tr;             /* 090h */
    uint8_t reserved_0a0[0x0cb - 0x0a0];
    uint8_t cpl;                    /* 0CBh */
    uint32_t reserved_0cc;
    uint64_t efer;                  /* 0D0h */
    uint8_t reserved_0d8[0x148 - 0x0d8];
    uint64_t cr4;                   /* 148h */
    uint64_t cr3;                   /* 150h */
    uint64_t cr0;                   /* 158h */
    uint64_t dr7;                   /* 160h */
    uint64_t dr6;                   /* 168h */
    uint64_t rflags;                /* 170h */
    uint64_t rip;                   /* 178h */
    uint8_t reserved_180[0x1d8 - 0x180];
    uint64_t rsp;                   /* 1D8h */
    uint8_t reserved_1e0[0x1f8 - 0x1e0];
    uint64_t rax;                   /* 1F8h */
    uint64_t star;                  /* 200h */
    uint64_t lstar;                 /* 208h */
    uint64_t cstar;                 /* 210h */
    uint64_t sfmask;                /* 218h */
    uint64_t kernel_gs_base;        /* 220h */
    uint64_t sysenter_cs;           /* 228h */
    uint64_t sysenter_esp;          /* 230h */
    uint64_t sysenter_eip;          /* 238h */
    uint64_t cr2;                   /* 240h */
    uint8_t reserved_248[0x268 - 0x248];
    uint64_t g_pat;                 /* 268h: guest PAT, with nested paging */
    uint8_t reserved_270[0xc00 - 0x270];
};

_Static_assert(offsetof(struct vmcb_save, es) == 0x000, "VMCB");
_Static_assert(offsetof(struct vmcb_save, cs) == 0x010, "VMCB");
_Static_assert(offsetof(struct vmcb_save, ss) == 0x020, "VMCB");
_Static_assert(offsetof(struct vmcb_save, ds) == 0x030, "VMCB");
_Static_assert(offsetof(struct vmcb_save, fs) == 0x040, "VMCB");
_Static_assert(offsetof(struct vmcb_save, gs) == 0x050, "VMCB");
_Static_assert(offsetof(struct vmcb_save, gdtr) == 0x060, "VMCB");
_Static_assert(offsetof(struct vmcb_save, ldtr) == 0x070, "VMCB");
_Static_assert(offsetof(struct vmcb_save, idtr) == 0x080, "VMCB");
_Static_assert(offsetof(struct vmcb_save, tr) == 0x090, "VMCB");
_Static_assert(offsetof(struct vmcb_save, cpl) == 0x0cb, "VMCB");
_Static_assert(offsetof(struct vmcb_save, efer) == 0x0d0, "VMCB");
_Static_assert(offsetof(struct vmcb_save, cr4) == 0x148, "VMCB");
_Static_assert(offsetof(struct vmcb_save, cr3) == 0x150, "VMCB");
_Static_assert(offsetof(struct vmcb_save, cr0) == 0x158, "VMCB");
_Static_assert(offsetof(struct vmcb_save, dr7) == 0x160, "VMCB");
_Static_assert(offsetof(struct vmcb_save, dr6) == 0x168, "VMCB");
_Static_assert(offsetof(struct vmcb_save, rflags) == 0x170, "VMCB");
_Static_assert(offsetof(struct vmcb_save, rip) == 0x178, "VMCB");
_Static_assert(offsetof(struct vmcb_save, rsp) == 0x1d8, "VMCB");
_Static_assert(offsetof(struct vmcb_save, rax) == 0x1f8, "VMCB");
_Static_assert(offsetof(struct vmcb_save, star) == 0x200, "VMCB");
_Static_assert(offsetof(struct vmcb_save, kernel_gs_base) == 0x220, "VMCB");
_Static_assert(offsetof(struct vmcb_save, sysenter_eip) == 0x238, "VMCB");
_Static_assert(offsetof(struct vmcb_save, cr2) == 0x240, "VMCB");
_Static_assert(offsetof(struct vmcb_save, g_pat) == 0x268, "VMCB");
_Static_assert(sizeof(struct vmcb_save) == 0xc00, "VMCB state-save area");

struct vmcb {
    struct vmcb_control control;    /* 000h */
    struct vmcb_save save;          /* 400h */
};
_Static_assert(offsetof(struct vmcb, save) == 0x400, "VMCB");
_Static_assert(sizeof(struct vmcb) == 4096, "a VMCB is one 4 KiB page");

/* Intercept vector 3 (00Ch) and vector 4 (010h): "VMCB Layout". */
#define INTERCEPT_CR_WRITE(n)       (1u << (16 + (n)))
#define INTERCEPT1_INTR             (1u << 0)
#define INTERCEPT1_NMI              (1u << 1)
#define INTERCEPT1_INIT             (1u << 3)
#define INTERCEPT1_VINTR            (1u << 4)
#define INTERCEPT1_CR0_SEL_WRITE    (1u << 5)
#define INTERCEPT1_CPUID            (1u << 18)
#define INTERCEPT1_HLT              (1u << 24)
#define INTERCEPT1_INVLPGA          (1u << 26)
#define INTERCEPT1_IOIO_PROT        (1u << 27)
#define INTERCEPT1_MSR_PROT         (1u << 28)
#define INTERCEPT1_SHUTDOWN         (1u << 31)
#define INTERCEPT2_VMRUN            (1u << 0)
#define INTERCEPT2_VMMCALL          (1u << 1)
#define INTERCEPT2_VMLOAD           (1u << 2)
#define INTERCEPT2_VMSAVE           (1u << 3)
#define INTERCEPT2_STGI             (1u << 4)
#define INTERCEPT2_CLGI             (1u << 5)
#define INTERCEPT2_SKINIT           (1u << 6)
#define INTERCEPT2_XSETBV           (1u << 13)

/* TLB_CONTROL: "TLB Control". 03h and 07h need FlushByAsid. */
#define TLB_CONTROL_DO_NOTHING      0x00
#define TLB_CONTROL_FLUSH_ALL       0x01
#define TLB_CONTROL_FLUSH_ASID      0x03

/* int_ctl (060h) and int_state (068h): "Injecting Virtual (INTR)
 * Interrupts", "Interrupt Shadows". */
#define V_TPR_MASK                  0xfful
#define V_IRQ                       (1ul << 8)
#define V_INTR_PRIO_SHIFT           16
#define V_INTR_PRIO_MASK            (0xful << V_INTR_PRIO_SHIFT)
#define V_IGN_TPR                   (1ul << 20)
#define V_INTR_MASKING              (1ul << 24)
#define V_INTR_VECTOR_SHIFT         32
#define INTERRUPT_SHADOW            (1ul << 0)

#define NP_ENABLE                   (1ul << 0)

/* EVENTINJ and EXITINTINFO: "Event Injection", "Intercepts During IDT
 * Interrupt Delivery". */
#define EVENT_VECTOR_MASK           0xfful
#define EVENT_TYPE_SHIFT            8
#define EVENT_TYPE_MASK             (7ul << EVENT_TYPE_SHIFT)
#define EVENT_TYPE_INTR             0ul
#define EVENT_TYPE_NMI              2ul
#define EVENT_TYPE_EXCEPTION        3ul
#define EVENT_TYPE_SOFTINT          4ul
#define EVENT_EV                    (1ul << 11)     /* error code valid */
#define EVENT_VALID                 (1ul << 31)
#define EVENT_ERROR_SHIFT           32

/* EXITINFO1 of an IOIO intercept: "IOIO Intercepts". */
#define IOIO_TYPE_IN                (1ul << 0)
#define IOIO_STR                    (1ul << 2)
#define IOIO_REP                    (1ul << 3)
#define IOIO_SZ16                   (1ul << 5)
#define IOIO_SZ32                   (1ul << 6)
#define IOIO_A16                    (1ul << 7)
#define IOIO_A32                    (1ul << 8)
#define IOIO_A64                    (1ul << 9)
#define IOIO_SEG_SHIFT              10
#define IOIO_PORT_SHIFT             16

/* EXITINFO1 of a nested page fault: "Nested versus Guest Page Faults,
 * Fault Ordering". EXITINFO2 is the guest-physical address. */
#define NPF_WRITE                   (1ul << 1)
#define NPF_RSV                     (1ul << 3)
#define NPF_FETCH                   (1ul << 4)
#define NPF_IN_WALK                 (1ul << 33)     /* guest page tables */

/* EXITINFO1 of a CR access with decode assists: "MOV CRx/DRx Intercepts". */
#define CR_EXITINFO_MOV             (1ul << 63)
#define CR_EXITINFO_GPR_MASK        0xful

/* EXITCODE values: Appendix C, "SVM Intercept Exit Codes". */
enum svm_exit_code {
    VMEXIT_CR0_READ         = 0x000,    /* + n for CRn */
    VMEXIT_CR0_WRITE        = 0x010,    /* + n for CRn */
    VMEXIT_CR4_WRITE        = 0x014,
    VMEXIT_EXCP_BASE        = 0x040,    /* + vector */
    VMEXIT_INTR             = 0x060,
    VMEXIT_NMI              = 0x061,
    VMEXIT_SMI              = 0x062,
    VMEXIT_INIT             = 0x063,
    VMEXIT_VINTR            = 0x064,
    VMEXIT_CR0_SEL_WRITE    = 0x065,
    VMEXIT_CPUID            = 0x072,
    VMEXIT_HLT              = 0x078,
    VMEXIT_INVLPG           = 0x079,
    VMEXIT_INVLPGA          = 0x07a,
    VMEXIT_IOIO             = 0x07b,
    VMEXIT_MSR              = 0x07c,
    VMEXIT_TASK_SWITCH      = 0x07d,
    VMEXIT_SHUTDOWN         = 0x07f,
    VMEXIT_VMRUN            = 0x080,
    VMEXIT_VMMCALL          = 0x081,
    VMEXIT_VMLOAD           = 0x082,
    VMEXIT_VMSAVE           = 0x083,
    VMEXIT_STGI             = 0x084,
    VMEXIT_CLGI             = 0x085,
    VMEXIT_SKINIT           = 0x086,
    VMEXIT_XSETBV           = 0x08d,
    VMEXIT_NPF              = 0x400,
    VMEXIT_INVALID          = -1,       /* VMRUN refused the guest state */
};

#define MSR_VM_HSAVE_PA             0xc0010117

/* Architectural bits that <tern/x86.h> does not name. */
#define CR0_NW                      (1ul << 29)
#define CR0_CD                      (1ul << 30)
#define RFLAGS_VM                   (1ul << 17)

/* A vCPU's SVM state (v->arch), shared by svm.c and svm_exit.c. */
struct svm_vcpu {
    struct vmcb *vmcb;
    uint64_t vmcb_pa;
    uint32_t asid_generation;       /* 0: no ASID yet (svm_pick_asid()) */
    bool flush;                     /* its TLB entries are stale */
    bool shadow_step;               /* single-stepping out of an interrupt
                                       shadow (svm_shadow_step_arm()) */
};

static inline struct vmcb *svm_vmcb(const struct vcpu *v)
{
    return ((struct svm_vcpu *)v->arch)->vmcb;
}

/* The VMCB's copy of segment register 's'. */
static inline struct vmcb_seg *svm_seg(struct vmcb *vmcb, enum hvm_seg s)
{
    struct vmcb_save *g = &vmcb->save;
    struct vmcb_seg *const segs[NR_SEGS] = {
        &g->es, &g->cs, &g->ss, &g->ds, &g->fs, &g->gs, &g->ldtr, &g->tr,
    };
    return segs[s];
}

/*
 * svm_exit.c: EXITCODE, EXITINFO1/2 (and, where the CPU said too little,
 * the decoded instruction) -> *e. Returns 0, or SVM_RETRY when decoding
 * injected a fault into the guest, which must then simply run again.
 */
#define SVM_RETRY                   1
int svm_normalise_exit(struct vcpu *v, struct hvm_exit *e);
const char *svm_exit_name(uint64_t exitcode);

/*
 * svm_check.c: print the first check of AMD APM Vol. 2, "VMRUN
 * Instruction", "Canonicalization and Consistency Checks" (and of "Event
 * Injection" and "Nested Paging and VMRUN/#VMEXIT") that 'vmcb' fails,
 * with the field and its value, and return the check's wording.
 */
const char *svm_check_vmcb(const struct vmcb *vmcb);

#endif
