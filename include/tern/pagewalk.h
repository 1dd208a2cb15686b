/*
 * include/tern/pagewalk.h: translate a guest linear address to a guest
 * physical address through the guest's own page tables
 * (kernel/pagewalk.c).
 *
 * Used wherever the hypervisor acts on a guest virtual address: string
 * port I/O, MMIO instruction emulation, fetching the instruction bytes at
 * the guest's RIP. The walker reads the guest's control registers from a
 * struct pagewalk_ctx and the guest's tables through a callback, so it
 * knows nothing of VMX, SVM or how guest memory is mapped.
 *
 * Every paging mode (Intel SDM Vol. 3A, "Paging Modes and Control Bits"):
 * none (CR0.PG = 0), 32-bit (4 KiB and, with CR4.PSE, 4 MiB pages with
 * PSE-36 high address bits), PAE (4 KiB, 2 MiB), 4-level (4 KiB, 2 MiB,
 * 1 GiB) and 5-level (CR4.LA57). Checks present, reserved bits,
 * write, user, execute-disable, SMEP and SMAP, and sets accessed and
 * dirty bits, as the processor does. Protection keys and shadow stacks
 * are not modelled.
 */
#ifndef TERN_PAGEWALK_H
#define TERN_PAGEWALK_H

#include <tern/compiler.h>

/* The guest state a walk reads. Filled in by the caller per walk. */
struct pagewalk_ctx {
    uint64_t cr0, cr3, cr4, efer;   /* the guest's, as the guest sees them */
    /*
     * The access is a user-mode access: CPL 3 and not an implicit
     * supervisor access (a descriptor-table or TSS read at CPL 3 is a
     * supervisor access; Intel SDM Vol. 3A, "Access Rights").
     */
    bool user;
    /*
     * RFLAGS.AC for an explicit supervisor access at CPL < 3: with
     * CR4.SMAP it lets supervisor code touch user pages. Must be false
     * for implicit supervisor accesses, which SMAP always checks.
     */
    bool ac;
    /* The guest's MAXPHYADDR (CPUID.80000008H:EAX[7:0]), 32..52; 0
     * means 52. Entry bits at and above it are reserved. */
    unsigned int maxphyaddr;
    /*
     * PAE paging only: the four PDPTEs as the processor loaded them at
     * the guest's last CR3 write, or NULL to read them from memory at
     * CR3[31:5] on every walk.
     */
    const uint64_t *pdptes;
    /*
     * Read or write guest-physical memory (page-table entries); return
     * 0 or a negative errno. write_gpa may be NULL: then the accessed
     * and dirty bits are not updated. A/D updates write the entry's low
     * byte only, and not atomically (see kernel/pagewalk.c).
     */
    int (*read_gpa)(void *opaque, uint64_t gpa, void *buf, size_t len);
    int (*write_gpa)(void *opaque, uint64_t gpa, const void *buf,
                     size_t len);
    void *opaque;
};

/* 'access' for pagewalk_translate(): a data read is 0; at most one of: */
#define PAGEWALK_WRITE          (1u << 0)   /* a data write */
#define PAGEWALK_FETCH          (1u << 1)   /* an instruction fetch */

/* The #PF error code bits the walker produces (Intel SDM Vol. 3A,
 * "Page-Fault Exceptions"). */
#define PAGEWALK_PFEC_P         (1u << 0)   /* 0: not present; 1: rights */
#define PAGEWALK_PFEC_W         (1u << 1)   /* the access was a write */
#define PAGEWALK_PFEC_U         (1u << 2)   /* a user-mode access */
#define PAGEWALK_PFEC_RSVD      (1u << 3)   /* a reserved bit was set */
#define PAGEWALK_PFEC_I         (1u << 4)   /* an instruction fetch */

/*
 * Translate 'gla' for an access of kind 'access' (PAGEWALK_*).
 *
 * Returns:
 *   0        *gpa is the guest-physical address; accessed and dirty bits
 *            are set when ctx->write_gpa is given.
 *   -EFAULT  the guest takes a #PF: *pfec is its error code (CR2 is
 *            'gla'). No accessed or dirty bit was changed.
 *   -EINVAL  'gla' is not canonical (IA-32e mode): the guest takes a #GP
 *            (#SS for a stack access); the walk did not start.
 *   other    a page-table entry could not be read or written: the error
 *            from read_gpa/write_gpa, where -EFAULT and -EINVAL (and any
 *            positive value) become -EIO so the three cases above stay
 *            unambiguous. After a failed write, the entries above the
 *            one that failed may already have their accessed bit set.
 * *gpa and *pfec are written only in their cases above.
 *
 * Context: any; pure, no state of its own, reentrant. Takes no lock:
 * the callbacks decide how guest memory is reached.
 */
int pagewalk_translate(const struct pagewalk_ctx *ctx, uint64_t gla,
                       unsigned int access, uint64_t *gpa, uint32_t *pfec);

#endif
