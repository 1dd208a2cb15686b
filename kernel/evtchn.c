/*
 * kernel/evtchn.c: event channels, Tern's one notification mechanism.
 *
 * Each domain has a table of TERN_EVTCHN_PORTS ports and a shared-info
 * page with the two-level pending/mask bitmaps (include/public/evtchn.h).
 * A port is closed, unbound (offered to one remote domain), interdomain
 * (connected to a peer port), a VIRQ (raised by Tern), or internal
 * (Tern consumes it: a callback runs when it becomes pending).
 *
 * Sending on a port marks the *peer* pending: set its bit in pending[];
 * if it was not pending and is not masked, set the selector bit and
 * upcall_pending, then wake the receiver (sched_domain_event) or run the
 * internal consumer. The bitmaps are shared with ring 3, which clears
 * bits concurrently on another CPU one day: every update is atomic.
 *
 * Locking: a domain's evtchn_lock serialises changes to its port table.
 * An operation on two domains takes both locks in domain-id order. Today
 * one CPU runs everything with interrupts off; the locks are there so SMP
 * needs no redesign.
 *
 * Context: hypercalls and the scheduler loop, interrupts off.
 */
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/evtchn.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/spinlock.h>

#define WORD(p)     ((p) / 64)
#define BIT(p)      (1ull << ((p) % 64))

/* Per-domain locks live beside the table, one spinlock a domain. */
struct evtchn_table {
    struct spinlock lock;
    struct evtchn ports[TERN_EVTCHN_PORTS];
};

static struct evtchn_table *table_of(const struct domain *d)
{
    return container_of(d->evtchn, struct evtchn_table, ports[0]);
}

int evtchn_domain_init(struct domain *d)
{
    struct evtchn_table *t = kzalloc(sizeof(*t));
    if (!t)
        return -TERN_ENOMEM;
    d->shared_info = page_alloc_zeroed();
    if (!d->shared_info) {
        kfree(t);
        return -TERN_ENOMEM;
    }
    spin_lock_init(&t->lock);
    d->evtchn = t->ports;
    return 0;
}

void evtchn_domain_destroy(struct domain *d)
{
    if (!d->evtchn)
        return;
    evtchn_domain_close_all(d);
    page_free(d->shared_info);
    kfree(table_of(d));
    d->evtchn = NULL;
    d->shared_info = NULL;
}

/* Take the locks of two domains (maybe the same) in id order. */
static void lock_pair(struct domain *a, struct domain *b)
{
    if (a == b) {
        spin_lock(&table_of(a)->lock);
    } else if (a->id < b->id) {
        spin_lock(&table_of(a)->lock);
        spin_lock(&table_of(b)->lock);
    } else {
        spin_lock(&table_of(b)->lock);
        spin_lock(&table_of(a)->lock);
    }
}

static void unlock_pair(struct domain *a, struct domain *b)
{
    spin_unlock(&table_of(a)->lock);
    if (a != b)
        spin_unlock(&table_of(b)->lock);
}

static bool port_valid(evtchn_port_t port)
{
    return port > 0 && port < TERN_EVTCHN_PORTS;
}

/* The lowest free port, or 0 when none is left. Caller holds the lock. */
static evtchn_port_t find_free(struct domain *d)
{
    for (evtchn_port_t p = 1; p < TERN_EVTCHN_PORTS; p++)
        if (d->evtchn[p].state == EVTCHNSTAT_closed)
            return p;
    return 0;
}

/* Clear a port's bits so a reused port starts quiet. */
static void reset_bits(struct domain *d, evtchn_port_t p)
{
    __atomic_fetch_and(&d->shared_info->evtchn_pending[WORD(p)], ~BIT(p),
                       __ATOMIC_SEQ_CST);
    __atomic_fetch_and(&d->shared_info->evtchn_mask[WORD(p)], ~BIT(p),
                       __ATOMIC_SEQ_CST);
}

static int alloc_unbound(struct domain *d, struct domain *remote,
                         evtchn_notify_fn notify, void *arg,
                         evtchn_port_t *port)
{
    spin_lock(&table_of(d)->lock);
    evtchn_port_t p = find_free(d);
    if (p) {
        reset_bits(d, p);
        d->evtchn[p] = (struct evtchn){ .state = EVTCHNSTAT_unbound,
                                        .remote_dom = (uint16_t)remote->id,
                                        .notify = notify, .notify_arg = arg };
        *port = p;
    }
    spin_unlock(&table_of(d)->lock);
    return p ? 0 : -TERN_ENOSPC;
}

int evtchn_alloc_unbound(struct domain *d, struct domain *remote,
                         evtchn_port_t *port)
{
    return alloc_unbound(d, remote, NULL, NULL, port);
}

int evtchn_alloc_internal(struct domain *d, struct domain *remote,
                          evtchn_notify_fn notify, void *arg,
                          evtchn_port_t *port)
{
    return alloc_unbound(d, remote, notify, arg, port);
}

int evtchn_bind_interdomain(struct domain *d, struct domain *remote,
                            evtchn_port_t remote_port, evtchn_port_t *port)
{
    int rc = -TERN_EINVAL;

    if (!port_valid(remote_port))
        return -TERN_EINVAL;
    lock_pair(d, remote);
    struct evtchn *r = &remote->evtchn[remote_port];
    /* The remote port must be unbound and offered to us. */
    if (r->state != EVTCHNSTAT_unbound || r->remote_dom != d->id)
        goto out;
    evtchn_port_t p = find_free(d);
    if (!p) {
        rc = -TERN_ENOSPC;
        goto out;
    }
    reset_bits(d, p);
    d->evtchn[p] = (struct evtchn){ .state = EVTCHNSTAT_interdomain,
                                    .remote_dom = (uint16_t)remote->id,
                                    .remote_port = remote_port };
    r->state = EVTCHNSTAT_interdomain;
    r->remote_port = p;
    *port = p;
    rc = 0;
out:
    unlock_pair(d, remote);
    return rc;
}

bool evtchn_any_pending(const struct domain *d)
{
    const struct tern_shared_info *s = d->shared_info;
    /* A port that became pending unmasked set its word's selector bit,
     * and the receiver's scan clears a selector bit only after taking
     * every pending unmasked port of that word: no selector, nothing
     * deliverable. (A domain that clears the selector by hand, against
     * the ABI, stops hearing of those ports until another port of the
     * same word fires: its own loss.) */
    if (!__atomic_load_n(&s->vcpu_info[0].pending_sel, __ATOMIC_SEQ_CST))
        return false;
    for (unsigned w = 0; w < TERN_EVTCHN_WORDS; w++)
        if (__atomic_load_n(&s->evtchn_pending[w], __ATOMIC_SEQ_CST) &
            ~__atomic_load_n(&s->evtchn_mask[w], __ATOMIC_SEQ_CST))
            return true;
    return false;
}

/* Raise the selector for a pending, unmasked port and tell the receiver. */
static void deliver(struct domain *d, evtchn_port_t p)
{
    if (d->evtchn[p].notify) {
        /* Tern consumes the event at once: clear it, so that the next
         * signal on the port is seen as new. */
        __atomic_fetch_and(&d->shared_info->evtchn_pending[WORD(p)], ~BIT(p),
                           __ATOMIC_SEQ_CST);
        d->evtchn[p].notify(d, p, d->evtchn[p].notify_arg);
        return;
    }
    struct tern_vcpu_info *vi = &d->shared_info->vcpu_info[0];
    __atomic_fetch_or(&vi->pending_sel, 1ull << WORD(p), __ATOMIC_SEQ_CST);
    __atomic_store_n(&vi->upcall_pending, 1, __ATOMIC_SEQ_CST);
    sched_domain_event(d);
}

void evtchn_set_pending(struct domain *d, evtchn_port_t p)
{
    struct tern_shared_info *s = d->shared_info;
    uint64_t old = __atomic_fetch_or(&s->evtchn_pending[WORD(p)], BIT(p),
                                     __ATOMIC_SEQ_CST);
    if (old & BIT(p))
        return;                 /* already pending: events coalesce */
    if (__atomic_load_n(&s->evtchn_mask[WORD(p)], __ATOMIC_SEQ_CST) & BIT(p))
        return;                 /* masked: stays pending until unmasked */
    deliver(d, p);
}

int evtchn_send(struct domain *d, evtchn_port_t port)
{
    if (!port_valid(port))
        return -TERN_EINVAL;
    struct evtchn *e = &d->evtchn[port];
    if (e->state != EVTCHNSTAT_interdomain)
        return -TERN_EINVAL;
    struct domain *r = domain_by_id(e->remote_dom);
    if (!r || !r->evtchn)
        return -TERN_EINVAL;
    evtchn_set_pending(r, e->remote_port);
    return 0;
}

int evtchn_close(struct domain *d, evtchn_port_t port)
{
    if (!port_valid(port))
        return -TERN_EINVAL;
    struct evtchn *e = &d->evtchn[port];
    if (e->state == EVTCHNSTAT_closed)
        return -TERN_EINVAL;
    struct domain *r = e->state == EVTCHNSTAT_interdomain ?
                       domain_by_id(e->remote_dom) : NULL;
    if (r && r->evtchn) {
        lock_pair(d, r);
        /* The peer's end goes back to unbound, offered to us again. */
        struct evtchn *re = &r->evtchn[e->remote_port];
        if (re->state == EVTCHNSTAT_interdomain && re->remote_dom == d->id) {
            re->state = EVTCHNSTAT_unbound;
            re->remote_port = 0;
        }
        *e = (struct evtchn){ .state = EVTCHNSTAT_closed };
        unlock_pair(d, r);
    } else {
        spin_lock(&table_of(d)->lock);
        if (e->state == EVTCHNSTAT_virq && e->virq == TERN_VIRQ_TIMER)
            d->virq_timer_port = 0;
        *e = (struct evtchn){ .state = EVTCHNSTAT_closed };
        spin_unlock(&table_of(d)->lock);
    }
    reset_bits(d, port);
    return 0;
}

void evtchn_domain_close_all(struct domain *d)
{
    if (!d->evtchn)
        return;
    for (evtchn_port_t p = 1; p < TERN_EVTCHN_PORTS; p++)
        if (d->evtchn[p].state != EVTCHNSTAT_closed)
            evtchn_close(d, p);
    d->timer_deadline = 0;
}

int evtchn_unmask(struct domain *d, evtchn_port_t port)
{
    if (!port_valid(port) || d->evtchn[port].state == EVTCHNSTAT_closed)
        return -TERN_EINVAL;
    struct tern_shared_info *s = d->shared_info;
    uint64_t old = __atomic_fetch_and(&s->evtchn_mask[WORD(port)], ~BIT(port),
                                      __ATOMIC_SEQ_CST);
    /* A port that became pending while masked is delivered now. */
    if ((old & BIT(port)) &&
        (__atomic_load_n(&s->evtchn_pending[WORD(port)], __ATOMIC_SEQ_CST) & BIT(port)))
        deliver(d, port);
    return 0;
}

int evtchn_status(struct domain *d, evtchn_port_t port, struct evtchn_status *st)
{
    if (!port_valid(port))
        return -TERN_EINVAL;
    const struct evtchn *e = &d->evtchn[port];
    st->state = e->notify && e->state != EVTCHNSTAT_closed ?
                EVTCHNSTAT_internal : e->state;
    st->remote_dom = e->state == EVTCHNSTAT_unbound ||
                     e->state == EVTCHNSTAT_interdomain ? e->remote_dom : 0;
    st->remote_port = e->state == EVTCHNSTAT_interdomain ? e->remote_port : 0;
    return 0;
}

int evtchn_bind_virq(struct domain *d, uint32_t virq, evtchn_port_t *port)
{
    if (virq != TERN_VIRQ_TIMER)
        return -TERN_EINVAL;
    if (d->virq_timer_port)
        return -TERN_EBUSY;
    spin_lock(&table_of(d)->lock);
    evtchn_port_t p = find_free(d);
    if (p) {
        reset_bits(d, p);
        d->evtchn[p] = (struct evtchn){ .state = EVTCHNSTAT_virq, .virq = virq };
        d->virq_timer_port = p;
        *port = p;
    }
    spin_unlock(&table_of(d)->lock);
    return p ? 0 : -TERN_ENOSPC;
}

void evtchn_fire_virq(struct domain *d, uint32_t virq)
{
    if (virq == TERN_VIRQ_TIMER && d->virq_timer_port)
        evtchn_set_pending(d, d->virq_timer_port);
}
