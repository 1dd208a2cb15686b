/*
 * include/tern/hvm.h: the vendor-neutral hardware-virtualization layer.
 *
 * kernel/hvm.c picks one backend at boot (kernel/vmx.c for Intel VT-x,
 * kernel/svm.c for AMD SVM) and talks to it only through struct hvm_ops.
 * A backend turns its exits (VMCS exit reason + qualification, or VMCB
 * EXITCODE + EXITINFO) into a struct hvm_exit at the edge, so nothing
 * outside vmx.c/svm.c ever reads a VMCS field or a VMCB bit.
 *
 * Registers: the general-purpose registers live in struct vcpu (regs.gpr,
 * in x86 encoding order); the backend loads them before entry and saves
 * them after exit, RSP and RIP and RFLAGS included. Everything else
 * (control registers, segments, EFER) is read and written through ops.
 */
#ifndef TERN_HVM_H
#define TERN_HVM_H

#include <tern/compiler.h>

struct domain;
struct vcpu;

/* General-purpose registers, x86 encoding order (ModRM reg numbers). */
enum hvm_gpr {
    GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
    GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
};

struct hvm_regs {
    uint64_t gpr[16];
    uint64_t rip;
    uint64_t rflags;
};
/* kernel/hvm_regs.inc gives the assembly these offsets. */
_Static_assert(offsetof(struct hvm_regs, gpr[GPR_R15]) == 120, "hvm_regs.inc");
_Static_assert(offsetof(struct hvm_regs, rip) == 128, "hvm_regs.inc");
_Static_assert(offsetof(struct hvm_regs, rflags) == 136, "hvm_regs.inc");

enum hvm_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR,
               SEG_TR, NR_SEGS };

/* A segment register as VMX and SVM both describe it. 'attr' uses the
 * VMX access-rights layout: type[3:0] S[4] DPL[6:5] P[7] AVL[12] L[13]
 * D/B[14] G[15], bit 16 = unusable. */
struct hvm_segment {
    uint16_t sel;
    uint32_t attr;
    uint32_t limit;
    uint64_t base;
};
#define SEG_ATTR_UNUSABLE   (1u << 16)

/* Control and model-specific state the common code reads or writes. */
enum hvm_creg { CREG_CR0, CREG_CR2, CREG_CR3, CREG_CR4, CREG_EFER,
                CREG_PAT,       /* IA32_PAT, checked by the caller */
                NR_CREGS };

enum hvm_exit_reason {
    HVM_EXIT_NONE,
    HVM_EXIT_EXTINT,        /* a host interrupt arrived */
    HVM_EXIT_NMI,
    HVM_EXIT_EXCEPTION,     /* a guest exception we intercepted */
    HVM_EXIT_IO,            /* IN/OUT/INS/OUTS */
    HVM_EXIT_MMIO,          /* EPT violation / nested page fault on a hole */
    HVM_EXIT_CPUID,
    HVM_EXIT_RDMSR,
    HVM_EXIT_WRMSR,
    HVM_EXIT_CR,            /* a control-register access we intercept */
    HVM_EXIT_HLT,
    HVM_EXIT_VMCALL,        /* hypercall (VMCALL or VMMCALL) */
    HVM_EXIT_SHUTDOWN,      /* triple fault */
    HVM_EXIT_INIT,
    HVM_EXIT_SIPI,
    HVM_EXIT_IRQ_WINDOW,    /* the guest can take an interrupt now */
    HVM_EXIT_INVLPG,
    HVM_EXIT_XSETBV,
    HVM_EXIT_VIRT_INSN,     /* VMX/SVM instructions the guest tried */
    HVM_EXIT_ENTRY_FAILED,  /* the CPU refused the guest state */
    HVM_EXIT_UNHANDLED,     /* an exit the backend does not normalise */
    NR_HVM_EXITS
};

struct hvm_exit {
    enum hvm_exit_reason reason;
    uint32_t raw;               /* the vendor's exit code, for traces */
    uint8_t insn_len;           /* 0: not known (SVM without next-RIP) */
    union {
        struct {
            uint16_t port;
            uint8_t size;       /* 1, 2, 4 */
            bool in;
            bool string;
            bool rep;
            uint8_t addr_size;  /* string: 2, 4, 8 */
            uint8_t seg;        /* string OUTS: enum hvm_seg of the source */
        } io;
        struct {
            uint64_t gpa;
            bool write;
            bool fetch;
        } mmio;
        struct {
            uint8_t cr;         /* 0, 3, 4, 8 */
            uint8_t type;       /* HVM_CR_MOV_TO, ... */
            uint8_t gpr;
            uint16_t lmsw_data;
        } cr;
        struct {
            uint8_t vector;
            bool has_error;
            uint32_t error;
        } exc;
        struct {
            const char *what;   /* ENTRY_FAILED, UNHANDLED: explanation */
        } fail;
    };
};

enum { HVM_CR_MOV_TO, HVM_CR_MOV_FROM, HVM_CR_CLTS, HVM_CR_LMSW };

/* Event types for injection. */
enum hvm_event { HVM_EVENT_EXTINT, HVM_EVENT_NMI, HVM_EVENT_EXCEPTION,
                 HVM_EVENT_SOFTINT };

/* How a vCPU starts (see kernel/loader.c). */
enum hvm_start_mode { HVM_START_REAL, HVM_START_PROTECTED32 };

struct hvm_ops {
    const char *name;           /* "VMX", "SVM" */
    /* Per physical CPU: VMXON or EFER.SVME with a host save area. */
    int (*cpu_enable)(void);
    /* Build the nested page tables (EPT/NPT) for d's guest RAM. */
    int (*domain_init)(struct domain *d);
    void (*domain_destroy)(struct domain *d);
    int (*vcpu_init)(struct vcpu *v, enum hvm_start_mode mode);
    void (*vcpu_destroy)(struct vcpu *v);
    /* Enter the guest; returns when it exits, with *exit filled. */
    void (*vcpu_run)(struct vcpu *v, struct hvm_exit *exit);
    uint64_t (*get_creg)(struct vcpu *v, enum hvm_creg r);
    /* Write a control register as the guest's MOV to CR / WRMSR would,
     * with all side effects (paging mode, EFER.LMA); 0 or -EINVAL (the
     * caller injects #GP). */
    int (*set_creg)(struct vcpu *v, enum hvm_creg r, uint64_t val);
    void (*get_seg)(struct vcpu *v, enum hvm_seg s, struct hvm_segment *out);
    void (*set_seg)(struct vcpu *v, enum hvm_seg s, const struct hvm_segment *in);
    unsigned int (*get_cpl)(struct vcpu *v);
    /* Inject an event at the next entry. */
    void (*inject)(struct vcpu *v, enum hvm_event type, uint8_t vector,
                   bool has_error, uint32_t error);
    /* True when an external interrupt could be delivered now (RFLAGS.IF,
     * no STI/MOV-SS shadow, nothing else being injected). */
    bool (*irq_allowed)(struct vcpu *v);
    /* Exit as soon as the guest can take an interrupt. */
    void (*irq_window)(struct vcpu *v, bool on);
    /* Print the vendor's view of the vCPU (VMCS or VMCB) for learners. */
    void (*dump)(struct vcpu *v);
    /* Tern is about to run ring-3 code on this CPU: the SYSCALL MSRs
     * (STAR, LSTAR, CSTAR, FMASK, KERNEL_GS_BASE) must be Tern's, not a
     * guest's. NULL when the backend switches them on every exit. */
    void (*host_msrs)(void);
    /* The guest touched a SYSCALL MSR that still exits: make the set its
     * own (the access then runs again). NULL when they never exit. */
    void (*syscall_msrs_claim)(struct vcpu *v);
};

/*
 * The MSRs a guest reads and writes without an exit, because both CPUs
 * switch them between guest and host themselves (VMX: the guest-state
 * area; SVM: VMLOAD/VMSAVE): the FS/GS bases and SYSENTER (Intel SDM
 * Vol. 3C, "VM Exits", "Saving MSRs"; AMD APM Vol. 2, "VMSAVE and
 * VMLOAD Instructions").
 */
extern const uint32_t hvm_passthrough_msrs[];
extern const unsigned int hvm_nr_passthrough_msrs;
/*
 * A 64-bit kernel's SYSCALL MSRs and SWAPGS's KERNEL_GS_BASE, in this
 * order: SVM switches them with VMLOAD/VMSAVE too; VMX does not, so
 * vmx.c lets a guest have them only once it touches one, and switches
 * them lazily (host_msrs, syscall_msrs_claim).
 */
#define HVM_NR_SYSCALL_MSRS 5
extern const uint32_t hvm_syscall_msrs[HVM_NR_SYSCALL_MSRS];

extern const struct hvm_ops *hvm;

/* Pick and enable a backend; false when this CPU cannot run guests. */
bool hvm_init(void);
/* The segment registers a vCPU starts with in 'mode' (after vcpu_init). */
void hvm_vcpu_start_segments(struct vcpu *v, enum hvm_start_mode mode);
/* Drive ISA interrupt line 'irq' (0-15) of guest 'd' into its virtual
 * 8259 pair, waking its halted vCPU when an interrupt becomes pending. */
void hvm_set_isa_irq(struct domain *d, unsigned int irq, int level);
/* Run a vCPU until it yields: handles exits in a loop. */
void hvm_vcpu_run(struct vcpu *v);
const char *hvm_exit_name(enum hvm_exit_reason r);
/*
 * Read the instruction bytes at the guest's CS:RIP (up to 15) through its
 * page tables, for backends that must decode an instruction themselves
 * (SVM without decode assists). Returns 0 with *len bytes; 1 when the
 * fetch faulted and the fault was injected into the guest; -1 when the
 * bytes are not in the guest's RAM (the caller crashes the domain).
 */
int hvm_fetch_insn(struct vcpu *v, uint8_t buf[15], size_t *len);
/*
 * Read 'len' bytes at guest linear address 'gla' as a data read by the
 * guest at its current privilege level (an instruction operand the
 * backend was not told, such as LMSW's on SVM). Returns as
 * hvm_fetch_insn(): 0; 1 when a fault was injected; -1 when the bytes
 * are not in the guest's RAM.
 */
int hvm_read_linear(struct vcpu *v, uint64_t gla, void *buf, size_t len);

/* Backends: kernel/vmx.c (Intel VT-x) and kernel/svm.c (AMD SVM); NULL
 * when the CPU lacks the vendor's extension or what Tern needs of it. */
const struct hvm_ops *vmx_probe(void);
const struct hvm_ops *svm_probe(void);

#endif
