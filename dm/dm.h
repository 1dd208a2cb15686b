/*
 * dm/dm.h: what the parts of the device model share: the event loop's
 * handler registry (dm/main.c) and the ioreq servers (dm/ioreq.c).
 */
#ifndef DM_DM_H
#define DM_DM_H

#include <tern_dm.h>
#include <public/ioreq.h>
#include "devices/device.h"

/* Called with the port that was pending and the registered argument. */
typedef void (*dm_evtchn_fn)(evtchn_port_t port, void *arg);

/* Call fn(port, arg) from the event loop whenever 'port' is pending.
 * Returns 0, or -TERN_EINVAL for port 0, a port out of range, or one
 * that already has a handler. */
int dm_evtchn_register(evtchn_port_t port, dm_evtchn_fn fn, void *arg);

/* ---- dm/ioreq.c ---- */

/* fault=KIND: ways to break the ioreq protocol on purpose, for the
 * hostile-DM tests (docs/ioreq.md). */
enum dm_fault {
    DM_FAULT_NONE, DM_FAULT_BACKWARDS, DM_FAULT_BADSTATE, DM_FAULT_SIZE,
    DM_FAULT_WRONGPORT, DM_FAULT_UNSOLICITED, DM_FAULT_DIE, DM_FAULT_DESTROY,
    DM_FAULT_NR
};
extern const char *const dm_fault_names[DM_FAULT_NR];

/* One ioreq server of ours, for one target. */
struct dm_server {
    domid_t target;
    ioservid_t id;
    struct tern_ioreq_page *page;       /* mapped by Tern */
    struct tern_buf_ioreq_page *buf;    /* NULL: no buffered ring */
    evtchn_port_t port[TERN_MAX_VCPUS]; /* our ends of the slots' ports */
    evtchn_port_t buf_port;             /* our end of the buffered port */
    struct dm_bus *bus;
    uint8_t *ram;                       /* the target's RAM, mapped */
    uint64_t ram_size;
    uint64_t handled, drained;          /* requests served, writes drained */
    enum dm_fault fault;
    uint64_t fault_after;               /* the request that breaks (1..) */
    bool notify;                        /* signal each answer (notify=eager) */
    bool destroyed;
};

/* Create a server for 'target' routed to 'bus' (with a buffered ring
 * if asked), bind its ports into the event loop, and map the target's
 * RAM (for DATA_IS_PTR). 0 or a negative TERN_E*. */
int dm_server_create(struct dm_server *s, domid_t target, struct dm_bus *bus,
                     bool buffered);
/* Claim [first, last] of 'space' (buffered: post its writes). */
int dm_server_claim(struct dm_server *s, enum dm_space space, uint64_t first,
                    uint64_t last, bool buffered);
int dm_server_enable(struct dm_server *s);
/* fault=unsolicited: break the protocol before the guest runs. */
void dm_server_inject_early(struct dm_server *s);
/* Take every posted write out of the ring, in order. */
void dm_server_drain(struct dm_server *s);

#endif
