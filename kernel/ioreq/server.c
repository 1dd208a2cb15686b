/*
 * kernel/ioreq/server.c: ioreq servers: creating them, their pages and
 * ports, their ranges, enabling, and their end.
 *
 * Interface (include/tern/ioreq.h): ioreq_server_create, _get_info,
 * _map_range, _set_state, _destroy, and ioreq_domain_end(). The DM ops
 * of include/public/dm_op.h reach them through kernel/ioreq/dmop.c,
 * which has already checked that the caller controls the target.
 *
 * A server lives in its target's ioreq_servers[id] and nowhere else;
 * the DM that made it is its 'dm'. Its pages are Tern's, mapped into
 * the DM as foreign frames (kernel/user.c) at an address fixed by
 * (target index in the DM's targets, id), inside TERN_IOREQ_VA. Its
 * ports are ports of the target, offered to the DM (unbound, remote =
 * the DM) and consumed by Tern: when the DM signals one, the callback
 * below runs instead of waking anybody (kernel/ioreq/send.c judges the
 * slot). Each op validates every argument before its first change, and
 * create undoes its steps in reverse on failure.
 *
 * Context: hypercalls of a DM, and domain ends; interrupts off, one
 * CPU. Locking: none yet. With several CPUs, a per-target ioreq lock
 * will serialise ioreq_servers[] and the ranges against the exit path
 * (Xen's ioreq_server.lock); the exit path reads them under it.
 */
#include <tern/console.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/evtchn.h>
#include <tern/ioreq.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/user.h>
#include "private.h"


static uint64_t server_va(const struct domain *dm, const struct domain *d,
                          ioservid_t id)
{
    /* dmop.c checked that dm controls d: the index is < nr_targets. */
    uint64_t n = domain_target_index(dm, d) * TERN_MAX_IOREQ_SERVERS + id;
    return TERN_IOREQ_VA + n * 2 * PAGE_SIZE;
}

/* Server 'id' of 'd', if 'dm' owns it. */
static int server_get(struct domain *dm, struct domain *d, ioservid_t id,
                      struct ioreq_server **out)
{
    struct ioreq_server *s = id < TERN_MAX_IOREQ_SERVERS ?
                             d->ioreq_servers[id] : NULL;
    if (!s)
        return -TERN_ENOENT;
    if (s->dm != dm)
        return -TERN_EPERM;
    *out = s;
    return 0;
}

/* Close the ports made so far (0 entries are not made yet). */
static void server_close_ports(struct ioreq_server *s)
{
    struct domain *d = s->target;
    for (unsigned int i = 0; i < TERN_MAX_VCPUS; i++)
        if (s->vcpu_port[i])
            evtchn_close(d, s->vcpu_port[i]);
    if (s->buf_port)
        evtchn_close(d, s->buf_port);
}

static void server_free(struct ioreq_server *s)
{
    if (s->buf)
        page_free(s->buf);
    if (s->ioreq)
        page_free(s->ioreq);
    kfree(s);
}

static int server_open_ports(struct ioreq_server *s)
{
    struct domain *d = s->target;
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        int rc = evtchn_alloc_internal(d, s->dm, ioreq_send_slot_notify, s,
                                       &s->vcpu_port[i]);
        if (rc)
            return rc;
        s->ioreq->vcpu_ioreq[i].vp_eport = s->vcpu_port[i];
    }
    if (s->buf)
        return evtchn_alloc_internal(d, s->dm, ioreq_send_buf_notify, s,
                                     &s->buf_port);
    return 0;
}

int ioreq_server_create(struct domain *dm, struct domain *d, bool buffered,
                        ioservid_t *id)
{
    ioservid_t free_id = 0;
    while (free_id < TERN_MAX_IOREQ_SERVERS && d->ioreq_servers[free_id])
        free_id++;
    if (free_id == TERN_MAX_IOREQ_SERVERS)
        return -TERN_ENOSPC;

    struct ioreq_server *s = kzalloc(sizeof(*s));
    if (!s)
        return -TERN_ENOMEM;
    s->id = free_id;
    s->target = d;
    s->dm = dm;
    int rc = -TERN_ENOMEM;
    s->ioreq = page_alloc_zeroed();
    if (!s->ioreq)
        goto err_free_server;
    if (buffered && !(s->buf = page_alloc_zeroed()))
        goto err_free_server;
    rc = server_open_ports(s);          /* -TERN_ENOSPC: no free port */
    if (rc)
        goto err_close_ports;
    /* The mappings fail only for want of page-table pages (kernel
     * errno values): say -TERN_ENOMEM. */
    rc = -TERN_ENOMEM;
    s->ioreq_va = server_va(dm, d, free_id);
    if (user_map_foreign(dm, s->ioreq_va, virt_to_phys(s->ioreq), 1))
        goto err_close_ports;
    if (s->buf) {
        s->buf_va = s->ioreq_va + PAGE_SIZE;
        if (user_map_foreign(dm, s->buf_va, virt_to_phys(s->buf), 1))
            goto err_unmap;
    }
    s->created = ++d->ioreq_created;
    d->ioreq_servers[free_id] = s;
    d->ioreq_gen++;
    *id = free_id;
    return 0;

err_unmap:
    user_unmap_foreign(dm, s->ioreq_va, 1);
err_close_ports:
    server_close_ports(s);
err_free_server:
    server_free(s);
    return rc;
}

int ioreq_server_get_info(struct domain *dm, struct domain *d,
                          struct tern_dmop_get_ioreq_server_info *info)
{
    struct ioreq_server *s;
    int rc = server_get(dm, d, info->id, &s);
    if (rc)
        return rc;
    if (info->flags)
        return -TERN_EINVAL;
    info->bufioreq_port = s->buf_port;
    info->ioreq_va = s->ioreq_va;
    info->bufioreq_va = s->buf_va;
    return 0;
}

int ioreq_server_map_range(struct domain *dm, struct domain *d,
                           const struct tern_dmop_ioreq_server_range *r,
                           bool map)
{
    static const uint64_t limit[TERN_DMOP_IO_RANGE_NR] = {
        [TERN_DMOP_IO_RANGE_PORT] = 0xffff,
        [TERN_DMOP_IO_RANGE_MEMORY] = ~0ull,
        [TERN_DMOP_IO_RANGE_PCI] = 0xffffffff,
    };
    struct ioreq_server *s;
    int rc = server_get(dm, d, r->id, &s);
    if (rc)
        return rc;
    if (r->type >= TERN_DMOP_IO_RANGE_NR || r->start > r->end ||
        r->end > limit[r->type])
        return -TERN_EINVAL;
    bool buffered = r->flags & TERN_DMOP_RANGE_BUFFERED;
    if ((r->flags & ~TERN_DMOP_RANGE_BUFFERED) || (buffered && !map))
        return -TERN_EINVAL;
    if (buffered && (r->type == TERN_DMOP_IO_RANGE_PCI || !s->buf ||
                     r->end >= TERN_BUF_IOREQ_ADDR_LIMIT))
        return -TERN_EINVAL;

    /* The buffered set merges less than the main set (neighbours that
     * are not buffered stay apart), so it can be full when the main set
     * is not. It holds only ranges of the main set, so once the main
     * set has taken [start, end], the buffered set can take it too
     * unless it is full: refuse that before anything changes. (A full
     * set might still have merged it: refusing is the simple rule.) */
    struct ioreq_rangeset *set = &s->ranges[r->type];
    struct ioreq_rangeset *b = buffered ? &s->buffered[r->type] : NULL;
    if (b && b->nr == TERN_DMOP_MAX_RANGES)
        return -TERN_ENOSPC;

    rc = map ? ioreq_rangeset_add(set, r->start, r->end)
             : ioreq_rangeset_remove(set, r->start, r->end);
    if (rc)
        return rc;
    d->ioreq_gen++;         /* routing changed: forget cached choices */
    if (b)
        ioreq_rangeset_add(b, r->start, r->end);        /* cannot fail */
    if (!map && r->type != TERN_DMOP_IO_RANGE_PCI) {
        /* A buffered range loses its posting wholly (dm_op.h). */
        struct ioreq_rangeset *bs = &s->buffered[r->type];
        unsigned int i = 0;
        while (i < bs->nr) {
            if (bs->r[i].first <= r->end && r->start <= bs->r[i].last)
                ioreq_rangeset_remove(bs, bs->r[i].first, bs->r[i].last);
            else
                i++;
        }
    }
    return 0;
}

int ioreq_server_set_state(struct domain *dm, struct domain *d,
                           ioservid_t id, bool enabled)
{
    struct ioreq_server *s;
    int rc = server_get(dm, d, id, &s);
    if (rc == 0) {
        s->enabled = enabled;
        d->ioreq_gen++;
    }
    return rc;
}

/* Take a server away: its waiting vCPUs complete as if no device were
 * there, then its ports, mappings and pages go. */
static void server_destroy(struct ioreq_server *s)
{
    struct domain *d = s->target;

    s->enabled = false;
    d->ioreq_servers[s->id] = NULL;
    d->ioreq_gen++;
    ioreq_send_abort_waiters(s);
    server_close_ports(s);
    if (!domain_is_alive(d) && domain_is_alive(s->dm)) {
        /* The guest ended under a DM that may be using the pages right
         * now (answering the request that ended it): they become the
         * DM's own, freed with it, so neither side touches freed
         * memory. */
        if (user_adopt_foreign(s->dm, s->ioreq_va, 1))
            s->ioreq = NULL;
        if (s->buf && user_adopt_foreign(s->dm, s->buf_va, 1))
            s->buf = NULL;
    } else {
        user_unmap_foreign(s->dm, s->ioreq_va, 1);
        if (s->buf)
            user_unmap_foreign(s->dm, s->buf_va, 1);
    }
    pr_info("ioreq: %s: server %u of %s gone (%lu requests sent, %lu "
            "posted)\n", d->name, s->id, s->dm->name, s->sent, s->posted);
    server_free(s);
}

int ioreq_server_destroy(struct domain *dm, struct domain *d, ioservid_t id)
{
    struct ioreq_server *s;
    int rc = server_get(dm, d, id, &s);
    if (rc == 0)
        server_destroy(s);
    return rc;
}

void ioreq_domain_end(struct domain *d)
{
    if (d->kind == DOMAIN_HVM) {
        for (unsigned int i = 0; i < TERN_MAX_IOREQ_SERVERS; i++)
            if (d->ioreq_servers[i])
                server_destroy(d->ioreq_servers[i]);
        return;
    }
    /* A DM: its servers in each target, and the pauses it still holds. */
    for (unsigned int t = 0; t < d->nr_targets; t++) {
        struct domain *g = domain_by_id(d->targets[t]);
        if (!g)
            continue;
        for (unsigned int i = 0; i < TERN_MAX_IOREQ_SERVERS; i++)
            if (g->ioreq_servers[i] && g->ioreq_servers[i]->dm == d)
                server_destroy(g->ioreq_servers[i]);
        if (d->dm_pausing & (1u << t)) {
            d->dm_pausing &= (uint8_t)~(1u << t);
            g->pause_count--;
        }
    }
}
