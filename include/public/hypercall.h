/*
 * include/public/hypercall.h: how a ring-3 domain calls Tern.
 *
 * This header is ABI: it is shared by the hypervisor, dm/ and any other
 * ring-3 domain, uses fixed-width types only and compiles with <stdint.h>
 * alone.
 *
 * Calling convention (x86-64 SYSCALL):
 *   IN   RAX  hypercall number (TERN_HC_*)
 *   IN   RDI, RSI, RDX, R10, R8, R9   arguments 1-6 (R10, not RCX:
 *        SYSCALL overwrites RCX with the return RIP and R11 with RFLAGS)
 *   OUT  RAX  0 or a positive result on success; a negative TERN_E* on
 *        error
 *   RCX and R11 are clobbered; every other register is preserved.
 *
 * Every pointer argument is a user virtual address in the caller's own
 * address space. Tern checks every argument before it acts: an operation
 * that returns an error has changed nothing.
 */
#ifndef TERN_PUBLIC_HYPERCALL_H
#define TERN_PUBLIC_HYPERCALL_H

#include <stdint.h>

typedef uint16_t domid_t;
#define TERN_DOMID_SELF     ((domid_t)0x7ff0)

/* Error numbers: the negated values come back in RAX. */
#define TERN_EPERM      1       /* no right over that domain */
#define TERN_ENOENT     2       /* no such domain */
#define TERN_EIO        5       /* a shared ring's counters are broken */
#define TERN_E2BIG      7       /* a length is over its limit */
#define TERN_EAGAIN     11      /* try again (nothing pending) */
#define TERN_ENOMEM     12
#define TERN_EFAULT     14      /* a pointer is not mapped in the caller */
#define TERN_EBUSY      16
#define TERN_EEXIST     17      /* a range overlaps one already mapped */
#define TERN_EINVAL     22      /* a bad port, command or value */
#define TERN_ENOSPC     28      /* no free port */
#define TERN_ENOSYS     38      /* no such hypercall or command */
#define TERN_ETIMEDOUT  110

/*
 * Hypercall numbers (an unknown number returns -TERN_ENOSYS). Each is
 * documented at its own header:
 *   TERN_HC_console_write  here
 *   TERN_HC_sched_op       here
 *   TERN_HC_evtchn_op      include/public/evtchn.h
 *   TERN_HC_domain_info    here
 */
#define TERN_HC_console_write   0
#define TERN_HC_sched_op        1
#define TERN_HC_evtchn_op       2
#define TERN_HC_domain_info     3
#define TERN_HC_dm_op           4       /* include/public/dm_op.h */
#define TERN_HC_MAX             5

/*
 * TERN_HC_console_write(buf, len)
 *   IN  buf  characters to print on Tern's console, prefixed by the
 *            caller's name at each line start
 *   IN  len  at most TERN_CONSOLE_WRITE_MAX bytes
 *   OUT      len (0 for len 0, whatever buf is), or -TERN_E2BIG (len
 *            over the limit, checked first) or -TERN_EFAULT
 */
#define TERN_CONSOLE_WRITE_MAX  1024

/*
 * TERN_HC_sched_op(cmd, arg)
 *   TERN_SCHEDOP_yield      let others run; returns 0
 *   TERN_SCHEDOP_block      sleep until one of the caller's unmasked event
 *                           channels is pending; returns 0 at once if one
 *                           already is
 *   TERN_SCHEDOP_poll       arg = timeout in nanoseconds: like block, but
 *                           returns -TERN_ETIMEDOUT when the time passes
 *                           first
 *   TERN_SCHEDOP_shutdown   arg = status (0-255): end the calling domain;
 *                           does not return (-TERN_EINVAL for a status
 *                           over 255)
 *   Any other cmd: -TERN_EINVAL.
 */
#define TERN_SCHEDOP_yield      0
#define TERN_SCHEDOP_block      1
#define TERN_SCHEDOP_poll       2
#define TERN_SCHEDOP_shutdown   3

/*
 * TERN_HC_domain_info(domid, info)
 *   IN  domid  a domain, or TERN_DOMID_SELF
 *   OUT info   struct tern_domain_info: its id, name, state, and for the
 *              caller itself the domains it controls
 *   Returns 0, -TERN_ENOENT (no such domain) or -TERN_EFAULT.
 */
#define TERN_DOMAIN_NAME_MAX    32
#define TERN_MAX_TARGETS        4
struct tern_domain_info {
    domid_t domid;
    uint16_t state;             /* 0 created, 1 running, 2 paused,
                                   3 shut down, 4 crashed */
    uint16_t nr_targets;        /* domains the caller may control */
    domid_t targets[TERN_MAX_TARGETS];
    uint16_t pad;
    char name[TERN_DOMAIN_NAME_MAX];
};

/*
 * The shared-info page: one page Tern maps read/write into every ring-3
 * domain at TERN_SHARED_INFO_VA. It carries the event-channel bitmaps
 * (include/public/evtchn.h), so a domain sees pending events without a
 * hypercall.
 */
#define TERN_SHARED_INFO_VA     0x00007fff00000000ull
/*
 * The start-info page, read-only at TERN_START_INFO_VA. A ring-3 domain
 * starts at its ELF entry point with RDI = TERN_START_INFO_VA, RSP =
 * TERN_USER_STACK_TOP (16-byte aligned), interrupts on, every other
 * register 0.
 */
#define TERN_START_INFO_VA      0x00007ffe00000000ull
#define TERN_START_MAGIC        0x5445524e53544152ull   /* "TERNSTAR" */
#define TERN_CMDLINE_MAX        256
struct tern_start_info {
    uint64_t magic;             /* TERN_START_MAGIC */
    domid_t domid;              /* the domain's own id */
    uint16_t nr_targets;        /* domains it may control (role=dm) */
    domid_t targets[TERN_MAX_TARGETS];
    uint64_t shared_info;       /* TERN_SHARED_INFO_VA */
    char name[TERN_DOMAIN_NAME_MAX];
    char cmdline[TERN_CMDLINE_MAX];     /* its module's command line */
};

/* Where a ring-3 domain's stack ends (grows down) and how big it is. */
#define TERN_USER_STACK_TOP     0x00007ffffff00000ull
#define TERN_USER_STACK_SIZE    (64 * 1024)

#endif
