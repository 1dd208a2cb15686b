/*
 * include/tern/evtchn.h: event channels inside Tern (kernel/evtchn.c).
 * The ABI, with the meaning of each operation, is include/public/evtchn.h.
 */
#ifndef TERN_EVTCHN_H
#define TERN_EVTCHN_H

#include <tern/compiler.h>
#include <public/evtchn.h>

struct domain;

/* Called when an internal port becomes pending: Tern's own consumer (for
 * example, waking a guest vCPU that waits for its ioreq's answer). */
typedef void (*evtchn_notify_fn)(struct domain *d, evtchn_port_t port,
                                 void *arg);

struct evtchn {
    uint8_t state;              /* EVTCHNSTAT_* */
    uint16_t remote_dom;        /* unbound: who may bind; else the peer */
    evtchn_port_t remote_port;  /* interdomain: the peer's port */
    uint32_t virq;              /* EVTCHNSTAT_virq */
    evtchn_notify_fn notify;    /* non-NULL: Tern consumes this port */
    void *notify_arg;
};

int evtchn_domain_init(struct domain *d);
void evtchn_domain_destroy(struct domain *d);
/* Close every port (on shutdown or crash): peers go back to unbound. */
void evtchn_domain_close_all(struct domain *d);

/* The operations of include/public/evtchn.h, on validated domains.
 * Each returns 0 or a negative TERN_E* and changes nothing on error. */
int evtchn_alloc_unbound(struct domain *d, struct domain *remote,
                         evtchn_port_t *port);
int evtchn_bind_interdomain(struct domain *d, struct domain *remote,
                            evtchn_port_t remote_port, evtchn_port_t *port);
int evtchn_send(struct domain *d, evtchn_port_t port);
int evtchn_close(struct domain *d, evtchn_port_t port);
int evtchn_unmask(struct domain *d, evtchn_port_t port);
int evtchn_status(struct domain *d, evtchn_port_t port,
                  struct evtchn_status *st);
int evtchn_bind_virq(struct domain *d, uint32_t virq, evtchn_port_t *port);

/* An unbound port in 'd' that 'remote' may bind, consumed by Tern: when
 * it becomes pending, notify(d, port, arg) runs instead of waking d. */
int evtchn_alloc_internal(struct domain *d, struct domain *remote,
                          evtchn_notify_fn notify, void *arg,
                          evtchn_port_t *port);
/* Mark a port of 'd' pending, as a send from its peer would. */
void evtchn_set_pending(struct domain *d, evtchn_port_t port);
/* Raise a VIRQ in 'd' if it bound one. */
void evtchn_fire_virq(struct domain *d, uint32_t virq);
/* Is any unmasked port of 'd' pending? */
bool evtchn_any_pending(const struct domain *d);

/* Provided by the scheduler: 'd' has a new event; wake it if it waits. */
void sched_domain_event(struct domain *d);

#endif
