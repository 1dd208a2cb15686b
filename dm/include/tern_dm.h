/*
 * dm/include/tern_dm.h: the DM-side API: how a ring-3 domain (the device
 * model, the test programs of tests/dm/) talks to Tern.
 *
 * One C function per hypercall or event-channel command, each a thin
 * wrapper around SYSCALL with the register convention of
 * include/public/hypercall.h; they return what Tern put in RAX (0 or a
 * positive result, or a negative TERN_E*). Above them, the start-info and
 * shared-info pages, and the receiver's half of the two-level
 * pending/mask scan described in include/public/evtchn.h.
 *
 * Implemented in dm/lib/hypercall.c (the calls) and dm/lib/evtchn.c (the
 * shared-info side). Context: ring 3, one vCPU, no interrupts: nothing in
 * here can be re-entered, so no locking.
 */
#ifndef TERN_DM_H
#define TERN_DM_H

#include <stddef.h>
#include <stdint.h>
#include <public/dm_op.h>
#include <public/evtchn.h>
#include <public/hypercall.h>

/* ---- raw hypercalls ---- */

/* Any hypercall: number in RAX, up to six arguments; returns RAX. For
 * callers that need what the typed wrappers refuse to express (an
 * unknown number or command, a deliberately bad pointer). */
long tern_hypercall(unsigned long nr, unsigned long a1, unsigned long a2,
                    unsigned long a3, unsigned long a4, unsigned long a5,
                    unsigned long a6);
/* TERN_HC_evtchn_op(cmd, arg) */
long tern_evtchn_op(unsigned int cmd, void *arg);

/* "-EINVAL" for -TERN_EINVAL and so on; "0" for 0, "positive" above. */
const char *tern_errname(long rc);

/* ---- console and scheduling ---- */

/* Print len bytes (at most TERN_CONSOLE_WRITE_MAX); returns len or
 * -TERN_EFAULT / -TERN_E2BIG. */
long tern_console_write(const char *buf, size_t len);
int tern_sched_yield(void);
/* Sleep until an unmasked port of ours is pending (0 at once if one is). */
int tern_sched_block(void);
/* Like block, but -TERN_ETIMEDOUT once timeout_ns has passed. */
int tern_sched_poll(uint64_t timeout_ns);
/* End this domain with status 0-255 (another status ends it with 255). */
__attribute__((noreturn)) void tern_shutdown(int status);

/* ---- event channels (include/public/evtchn.h) ---- */

int tern_evtchn_alloc_unbound(domid_t dom, domid_t remote_dom,
                              evtchn_port_t *port);
int tern_evtchn_bind_interdomain(domid_t remote_dom, evtchn_port_t remote_port,
                                 evtchn_port_t *local_port);
int tern_evtchn_send(evtchn_port_t port);
int tern_evtchn_close(evtchn_port_t port);
int tern_evtchn_unmask(evtchn_port_t port);
/* st->state etc. for port 'port' of domain 'dom' (TERN_DOMID_SELF or a
 * domain we control). */
int tern_evtchn_status(domid_t dom, evtchn_port_t port,
                       struct evtchn_status *st);
int tern_evtchn_bind_virq(uint32_t virq, evtchn_port_t *port);
/* Fire the TERN_VIRQ_TIMER port once at deadline_ns (0 cancels). */
int tern_evtchn_set_timer(uint64_t deadline_ns);

/* ---- domains ---- */

int tern_domain_info(domid_t domid, struct tern_domain_info *info);
/* The id of the domain called 'name' (scanning ids 0..TERN_DM_MAX_DOMID),
 * or -TERN_ENOENT. */
#define TERN_DM_MAX_DOMID   15
int tern_domain_find(const char *name);
/* Domain states in tern_domain_info.state. */
#define TERN_DOMSTATE_CREATED   0
#define TERN_DOMSTATE_RUNNING   1
#define TERN_DOMSTATE_PAUSED    2
#define TERN_DOMSTATE_SHUTDOWN  3
#define TERN_DOMSTATE_CRASHED   4

/* ---- device-model operations (include/public/dm_op.h) ---- */

/* TERN_HC_dm_op(domid, op): any op, filled in by the caller. */
int tern_dm_op(domid_t domid, struct tern_dm_op *op);
/* One wrapper per op; each returns 0 or a negative TERN_E*. */
int tern_dm_create_ioreq_server(domid_t d, int handle_bufioreq,
                                ioservid_t *id);
int tern_dm_get_ioreq_server_info(domid_t d, ioservid_t id,
                                  evtchn_port_t *bufioreq_port,
                                  uint64_t *ioreq_va, uint64_t *bufioreq_va);
int tern_dm_map_io_range(domid_t d, ioservid_t id, uint32_t type,
                         uint64_t start, uint64_t end, uint16_t flags);
int tern_dm_unmap_io_range(domid_t d, ioservid_t id, uint32_t type,
                           uint64_t start, uint64_t end);
int tern_dm_set_ioreq_server_state(domid_t d, ioservid_t id, int enabled);
int tern_dm_destroy_ioreq_server(domid_t d, ioservid_t id);
int tern_dm_set_isa_irq_level(domid_t d, unsigned int irq, int level);
int tern_dm_remote_shutdown(domid_t d, unsigned int status);
int tern_dm_map_guest_ram(domid_t d, uint64_t *va, uint64_t *size);
int tern_dm_unpause(domid_t d);
int tern_dm_guest_console_write(domid_t d, const char *buf, size_t len);
/* Up to len bytes typed on Tern's console: how many, or a TERN_E*. */
int tern_dm_console_read(domid_t d, char *buf, size_t len);

/* ---- start-info and shared-info ---- */

/*
 * A program's entry: _start (dm/lib/start.asm) checks the start-info
 * magic and calls main(si); main's return value (0-255) is the domain's
 * shutdown status. .bss is zero (Tern's loader zeroes each PT_LOAD past
 * its file bytes); the stack is TERN_USER_STACK_SIZE bytes.
 */
int main(const struct tern_start_info *si);

/* The start-info page _start was given (valid from main() on). */
const struct tern_start_info *tern_start_info(void);
/* Our shared-info page: the event bitmaps and Tern's clock. */
struct tern_shared_info *tern_shared_info(void);
/* Tern's clock as of our last entry from Tern (shared_info.time_ns):
 * it moves on each hypercall that blocks or yields and each time slice. */
uint64_t tern_time_ns(void);

/*
 * The receiver's scan (include/public/evtchn.h): clear upcall_pending,
 * exchange pending_sel with 0, and for each word it names atomically
 * take and clear its pending-and-unmasked bits, calling fn(port, arg) for
 * each, lowest port first. Masked ports stay pending. Returns how many
 * ports it handed to fn.
 */
typedef void (*tern_evtchn_fn)(evtchn_port_t port, void *arg);
int tern_evtchn_poll_pending(tern_evtchn_fn fn, void *arg);
/* Set a port's mask bit: it still becomes pending, but is neither
 * scanned nor wakes us until tern_evtchn_unmask(). */
void tern_evtchn_mask(evtchn_port_t port);

#endif
