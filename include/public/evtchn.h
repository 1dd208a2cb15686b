/*
 * include/public/evtchn.h: Tern's event channels.
 *
 * An event channel is a pair of ports, one in each of two domains. A send
 * on one end marks the other end pending; the receiver sees it in its
 * shared-info page without a hypercall, and a receiver blocked in
 * TERN_SCHEDOP_block/poll wakes. Events carry no data and coalesce: two
 * sends before the receiver looks are one pending bit.
 *
 * Lifecycle: domain A allocates an *unbound* port naming the domain that
 * may connect (EVTCHNOP_alloc_unbound); B binds to it
 * (EVTCHNOP_bind_interdomain) and gets its own port; either side sends;
 * either side closes (the other end goes back to unbound).
 *
 * Pending and mask bitmaps are two-level: bit p of pending[] says port p
 * is pending; bit (p / 64) of the vCPU's pending_sel says that word of
 * pending[] may have bits set; upcall_pending says pending_sel may be
 * non-zero. A receiver clears upcall_pending, then atomically exchanges
 * pending_sel with 0, then for each set bit w atomically reads and
 * clears (pending[w] & ~mask[w]). Masked ports still become pending;
 * EVTCHNOP_unmask of a pending port re-raises the selector.
 *
 * Every operation: TERN_HC_evtchn_op(cmd, arg), arg pointing to the
 * command's struct in the caller's memory; IN fields are read, OUT fields
 * written on success. Errors: -TERN_EFAULT (arg not mapped), -TERN_EINVAL
 * (bad port or field), -TERN_ENOENT (no such domain), -TERN_EPERM (no
 * right over that domain), -TERN_ENOSPC (no free port), -TERN_ENOSYS (no
 * such command).
 */
#ifndef TERN_PUBLIC_EVTCHN_H
#define TERN_PUBLIC_EVTCHN_H

#include <stdint.h>
#include "hypercall.h"

typedef uint32_t evtchn_port_t;

#define TERN_EVTCHN_PORTS   1024        /* ports per domain; 0 is never used */
#define TERN_EVTCHN_WORDS   (TERN_EVTCHN_PORTS / 64)
#define TERN_MAX_VCPUS      8

struct tern_vcpu_info {
    uint8_t upcall_pending;             /* pending_sel may be non-zero */
    uint8_t pad[7];
    uint64_t pending_sel;               /* bit w: pending[w] may be set */
};

struct tern_shared_info {
    struct tern_vcpu_info vcpu_info[TERN_MAX_VCPUS];
    uint64_t evtchn_pending[TERN_EVTCHN_WORDS];
    uint64_t evtchn_mask[TERN_EVTCHN_WORDS];
    uint64_t time_ns;                   /* Tern's clock at the last event */
};

/*
 * EVTCHNOP_alloc_unbound: a new port in domain 'dom' that 'remote_dom'
 * may bind to.
 *   IN  dom         TERN_DOMID_SELF, or a domain the caller controls
 *   IN  remote_dom  the domain allowed to bind (or TERN_DOMID_SELF)
 *   OUT port        the new port in 'dom'
 */
#define EVTCHNOP_alloc_unbound      0
struct evtchn_alloc_unbound {
    domid_t dom, remote_dom;
    evtchn_port_t port;
};

/*
 * EVTCHNOP_bind_interdomain: connect a new local port to remote_port of
 * remote_dom, which must be unbound and offered to the caller.
 *   IN  remote_dom, remote_port
 *   OUT local_port
 */
#define EVTCHNOP_bind_interdomain   1
struct evtchn_bind_interdomain {
    domid_t remote_dom;
    uint16_t pad;
    evtchn_port_t remote_port;
    evtchn_port_t local_port;
};

/* EVTCHNOP_send: IN port: a bound local port; marks the other end pending. */
#define EVTCHNOP_send               2
/* EVTCHNOP_close: IN port: free it; an interdomain peer becomes unbound. */
#define EVTCHNOP_close              3
/* EVTCHNOP_unmask: IN port: clear its mask bit; if it is pending, raise
 * the selector and wake the domain as a fresh event would. */
#define EVTCHNOP_unmask             4
struct evtchn_port_arg {
    evtchn_port_t port;
};

/*
 * EVTCHNOP_status: what a port is (a free port is EVTCHNSTAT_closed;
 * -TERN_EINVAL only for port numbers outside 1..TERN_EVTCHN_PORTS-1).
 *   IN  dom, port   (dom: TERN_DOMID_SELF or a controlled domain)
 *   OUT state       EVTCHNSTAT_*; remote_dom/remote_port for
 *                   interdomain, remote_dom for unbound
 */
#define EVTCHNOP_status             5
#define EVTCHNSTAT_closed       0
#define EVTCHNSTAT_unbound      1
#define EVTCHNSTAT_interdomain  2
#define EVTCHNSTAT_virq         3
#define EVTCHNSTAT_internal     4       /* owned by Tern itself */
struct evtchn_status {
    domid_t dom;
    uint16_t state;
    evtchn_port_t port;
    domid_t remote_dom;
    uint16_t pad;
    evtchn_port_t remote_port;
};

/*
 * EVTCHNOP_bind_virq: a port that Tern itself raises.
 *   IN  virq   TERN_VIRQ_TIMER: fires once at the deadline set with
 *              EVTCHNOP_set_timer
 *   OUT port
 *   -TERN_EBUSY if that VIRQ is already bound, -TERN_EINVAL for another virq.
 */
#define EVTCHNOP_bind_virq          6
#define TERN_VIRQ_TIMER         0
struct evtchn_bind_virq {
    uint32_t virq;
    evtchn_port_t port;
};

/* EVTCHNOP_set_timer: IN deadline_ns (Tern's clock, shared_info.time_ns
 * scale); 0 cancels. The TERN_VIRQ_TIMER port fires once when it passes
 * (at once for a deadline already past). -TERN_EINVAL when no
 * TERN_VIRQ_TIMER port is bound. */
#define EVTCHNOP_set_timer          7
struct evtchn_set_timer {
    uint64_t deadline_ns;
};

#endif
