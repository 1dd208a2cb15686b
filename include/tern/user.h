/*
 * include/tern/user.h: ring-3 domains (kernel/user.c) and safe access to
 * their memory (kernel/uaccess.c).
 *
 * A ring-3 domain (role=dm or role=user on its module line) is a static
 * ELF64 program that runs in ring 3 of the host in its own address space:
 * its own PML4 whose lower half holds only its pages (user-accessible),
 * and whose upper half is Tern's (supervisor-only, so unreachable). It
 * talks to Tern with SYSCALL (include/public/hypercall.h) and sees its
 * event channels in the shared-info page.
 */
#ifndef TERN_USER_H
#define TERN_USER_H

#include <tern/compiler.h>

struct domain;
struct vcpu;
struct boot_module;
struct cpu_regs;

#define USER_SPACE_TOP  0x0000800000000000ul    /* first non-user address */

/* Why user_enter() returned. */
enum user_exit {
    USER_EXIT_PREEMPTED = 1,    /* its time slice ended */
    USER_EXIT_BLOCKED,          /* it waits for an event */
    USER_EXIT_DEAD,             /* it shut down or was killed */
};

/* Set up SYSCALL/SYSRET and the ring-3 stacks on this CPU. */
void user_init_cpu(void);
/* Build a ring-3 domain from an ELF64 module, with control over the
 * domains in 'targets'; NULL (and a message naming the problem) if the
 * image is not acceptable. */
struct domain *user_domain_create(const char *name, const uint8_t *image,
                                  size_t size, const char *cmdline,
                                  const unsigned int *targets,
                                  unsigned int nr_targets);
/* Run a ring-3 vCPU until it blocks, is preempted, or dies. */
void user_vcpu_run(struct vcpu *v);
/*
 * Map 'npages' frames from host-physical 'pa' at 'va' in ring-3 domain
 * 'd', read/write and no-execute, as frames it does not own: they are
 * not freed with its address space. 0, -ENOMEM, or -EEXIST (something
 * is mapped there; nothing is mapped then).
 */
int user_map_foreign(struct domain *d, uint64_t va, uint64_t pa,
                     size_t npages);
/* Make such mapped frames the domain's own, freed with its address
 * space; false (nothing changed) if any page is not such a mapping. */
bool user_adopt_foreign(struct domain *d, uint64_t va, size_t npages);
/* Remove such mappings (pages that are not foreign mappings stay). */
void user_unmap_foreign(struct domain *d, uint64_t va, size_t npages);
/* Free a dead ring-3 domain's address space. */
void user_space_destroy(struct domain *d);
/* From traps.c: an interrupt or exception arrived from ring 3. Returns
 * only if the domain should resume. */
void user_trap(struct cpu_regs *r);

/* kernel/hypercall.c, called by syscall_entry: 0 to return to the
 * caller, or a USER_EXIT_* reason to leave to the scheduler. */
struct hvm_regs;
int hypercall_dispatch(struct hvm_regs *regs);

/*
 * Copy to and from a ring-3 domain's memory, checking every page of the
 * range in its page tables (present, user, and writable for copy_to).
 * Return 0 or -EFAULT; nothing is copied on failure. Never faults.
 */
int copy_from_user(struct domain *d, void *dst, uint64_t uaddr, size_t len);
int copy_to_user(struct domain *d, uint64_t uaddr, const void *src, size_t len);

#endif
