/*
 * kernel/ioreq/private.h: what server.c and send.c share and nobody
 * else calls. server.c makes a server's ports with send.c's callbacks;
 * send.c finishes the waiting vCPUs of a server that goes away.
 */
#ifndef TERN_IOREQ_PRIVATE_H
#define TERN_IOREQ_PRIVATE_H

#include <tern/ioreq.h>

struct domain;

/* The event-channel callbacks of a server's ports (evtchn_alloc_internal):
 * a vCPU's port (the DM answered, or says it did), and the buffered-ring
 * port (which only Tern signals). */
void ioreq_send_slot_notify(struct domain *d, evtchn_port_t port, void *arg);
void ioreq_send_buf_notify(struct domain *d, evtchn_port_t port, void *arg);
/* Server 's' is going away: its waiting vCPUs complete without a device. */
void ioreq_send_abort_waiters(struct ioreq_server *s);

#endif
