/*
 * include/tern/domain.h: domains, their vCPUs, and guest memory
 * (kernel/domain.c, kernel/p2m.c).
 *
 * A domain is one guest: a name, guest-physical RAM backed by host
 * frames (the p2m), one vCPU today (the array is ready for more), and a
 * state with the reason it got there. vCPUs are what the scheduler runs.
 *
 * Guest-physical layout (a PC's): RAM from 0 to mem_size, except the
 * legacy VGA window 0xA0000-0xBFFFF, which is an MMIO hole like every
 * address at or above mem_size. Holes exit to the hypervisor (EPT/NPT
 * violation) and go to kernel/io.c.
 */
#ifndef TERN_DOMAIN_H
#define TERN_DOMAIN_H

#include <tern/compiler.h>
#include <tern/decode.h>
#include <tern/hvm.h>
#include <tern/ioreq.h>

#define DOMAIN_NAME_MAX     32
#define MAX_DOMAINS         16
#define MAX_VCPUS           8
#define GUEST_VGA_HOLE_START 0xa0000ul
#define GUEST_VGA_HOLE_END  0xc0000ul

enum domain_state {
    DOMAIN_CREATED,         /* being built */
    DOMAIN_RUNNING,
    DOMAIN_PAUSED,
    DOMAIN_SHUTDOWN,        /* the guest asked to stop; see shutdown_status */
    DOMAIN_CRASHED,         /* stopped by Tern; see reason */
};

enum domain_kind {
    DOMAIN_HVM,             /* a guest under VT-x/SVM */
    DOMAIN_USER,            /* a ring-3 program: a device model or a helper */
};

enum vcpu_state {
    VCPU_RUNNABLE,
    VCPU_BLOCKED,           /* HLT, or a ring-3 wait for an event */
    VCPU_IOREQ_WAIT,        /* a device model has its I/O (kernel/ioreq/) */
    VCPU_STOPPED,           /* its domain ended */
};

/* The testdev device (kernel/testdev.c): scratch I/O and MMIO, and a
 * delayed interrupt, for the guest test suite. */
#define TESTDEV_MMIO_BASE   0xfeb00000ul
#define TESTDEV_MMIO_SIZE   0x1000ul
struct testdev {
    bool enabled;
    uint8_t ports[8];               /* 0xe0-0xe7 */
    uint8_t mmio[TESTDEV_MMIO_SIZE];
};

struct vcpu {
    struct domain *domain;
    unsigned int id;
    enum vcpu_state state;
    struct hvm_regs regs;           /* GPRs, RIP, RFLAGS: see hvm.h */
    void *arch;                     /* the backend's state (VMCS, VMCB) */

    /* One pending external interrupt, delivered when the guest allows. */
    bool irq_pending;
    uint8_t irq_vector;
    uint64_t irq_due_ns;            /* not before this time */

    /* x87/SSE state (FXSAVE format), switched by the scheduler: Tern
     * itself never touches these registers (-mgeneral-regs-only). */
    uint8_t fpu[512] __aligned(16);

    /* A ring-3 vCPU blocked in TERN_SCHEDOP_poll wakes at this time
     * (0: no deadline). */
    uint64_t block_deadline;

    /* I/O out to a device model, and the exit it belongs to: the
     * handler runs again with it when the answer comes (io_replay). */
    struct ioreq_vcpu io;
    struct hvm_exit io_exit;
    bool io_replay;
    /* The MMIO instruction waiting for a DM, decoded once (hvm.c). */
    struct decode_insn io_insn;
    uint64_t io_insn_rip;
    bool io_insn_valid;

    struct vcpu *next_run;          /* scheduler's ring */
    uint64_t exits;                 /* exits taken, for the end report */
    uint64_t exits_tick;            /* host tick when its slice began */
};

struct evtchn;
struct tern_shared_info;

struct domain {
    unsigned int id;
    char name[DOMAIN_NAME_MAX];
    enum domain_kind kind;
    enum domain_state state;
    int shutdown_status;
    char reason[96];

    uint64_t mem_size;              /* guest RAM, bytes */
    uint64_t mem_host;              /* host-physical base of that RAM */
    void *arch;                     /* backend's: EPT or NPT root */

    struct vcpu *vcpus[MAX_VCPUS];
    unsigned int nr_vcpus;

    /* Ring-3 domains: the address space (kernel/user.c) and the
     * domains this one may control (role=dm target=...). */
    uint64_t user_cr3;
    /* kernel/uaccess.c's last translation (page-aligned; va 0: none),
     * forgotten whenever Tern unmaps anything from this space. */
    uint64_t uaccess_va, uaccess_pa;
    bool uaccess_writable;
    unsigned int nr_targets;
    unsigned int targets[4];

    /* Event channels (kernel/evtchn.c): the port table and the shared
     * page with the pending and mask bitmaps. evtchn_lock serialises
     * changes to ports[]; two domains' locks are taken in domain-id
     * order. */
    struct evtchn *evtchn;
    struct tern_shared_info *shared_info;
    uint64_t timer_deadline;        /* TERN_VIRQ_TIMER, 0: not armed */
    unsigned int virq_timer_port;

    /* Guests: ioreq servers (kernel/ioreq/server.c), indexed by id, and
     * how many were ever made (their creation order); the PCI
     * CONFIG_ADDRESS latch (port 0xcf8); the virtual 8259 pair; pauses
     * held by device models that are not ready yet. */
    struct ioreq_server *ioreq_servers[TERN_MAX_IOREQ_SERVERS];
    uint64_t ioreq_created;
    uint64_t ioreq_gen;     /* bumped by every change to the servers */
    uint32_t pci_cf8;
    struct vpic *vpic;
    uint16_t pm_timer_port;         /* ACPI PM timer in Tern; 0: none */
    unsigned int pause_count;
    /* Device models: targets[i] still paused by us (bit i); targets
     * whose RAM is mapped into us (bit i). */
    uint8_t dm_pausing, dm_ram_mapped;

    struct testdev testdev;
    uint64_t unclaimed_io, unclaimed_mmio;  /* default-handled accesses */
    bool console_raw;               /* console=raw: no prefix, no buffering */
    char console[160];              /* port 0xe9 line being assembled */
    unsigned int console_len;
};

extern struct domain *domains[MAX_DOMAINS];

/* Create a guest domain with 'mem_size' bytes of RAM (whole pages),
 * zeroed; NULL and a message when it cannot. */
struct domain *domain_create(const char *name, uint64_t mem_size);
/* The common part: a slot, a name, event channels. Used by the above and
 * by user_domain_create(). */
struct domain *domain_alloc(const char *name, enum domain_kind kind);
void domain_free(struct domain *d);
struct domain *domain_by_id(unsigned int id);
/* May 'd' act on 'target' (itself, or a domain it was given)? */
bool domain_controls(const struct domain *d, const struct domain *target);
/* Which of d's targets 'target' is (0..nr_targets-1), or nr_targets. */
unsigned int domain_target_index(const struct domain *d,
                                 const struct domain *target);
struct vcpu *domain_add_vcpu(struct domain *d, enum hvm_start_mode mode);
/* The guest stopped itself (e.g. isa-debug-exit); status as given. */
void domain_shutdown(struct domain *d, int status);
/* Tern stops the domain: prints 'why' and the vCPU state. Other domains
 * carry on. */
void domain_crash(struct domain *d, const char *fmt, ...) __printf(2, 3);
bool domain_is_alive(const struct domain *d);
/* Print a line of guest console output, prefixed with the name. */
void domain_console_putc(struct domain *d, char c);

/* Guest memory (kernel/p2m.c). A pointer to guest-physical [gpa, gpa+len)
 * if all of it is RAM in one page-contiguous run, else NULL. */
void *p2m_gpa_to_hva(struct domain *d, uint64_t gpa, size_t len);
bool p2m_is_ram(const struct domain *d, uint64_t gpa);
int p2m_copy_to_guest(struct domain *d, uint64_t gpa, const void *src, size_t len);
int p2m_copy_from_guest(struct domain *d, void *dst, uint64_t gpa, size_t len);

/*
 * The nested page tables of d's RAM (EPT or NPT): a 4-level tree whose
 * entries are present when bit 0 is set and large when P2M_LARGE is.
 * Upper levels get 'table_flags', leaves 'leaf_flags'. 0 or -ENOMEM.
 */
#define P2M_LARGE   (1ul << 7)
int p2m_tables_build(struct domain *d, uint64_t table_flags,
                     uint64_t leaf_flags, uint64_t **root);
void p2m_tables_free(uint64_t *root, int level);

#endif
