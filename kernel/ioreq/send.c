/*
 * kernel/ioreq/send.c: one guest access on its way to a device model,
 * and its answer on the way back.
 *
 * Interface (include/tern/ioreq.h): ioreq_send() from kernel/io.c for
 * each port, MMIO or PCI-config access Tern does not answer itself;
 * ioreq_commit() and ioreq_vcpu_ready() for kernel/hvm.c and the
 * scheduler; the event-channel callbacks of server.c's ports; and
 * ioreq_send_abort_waiters() for a server that goes away.
 *
 * The life of a synchronous request (docs/ioreq.md draws it):
 *
 *   1. exit: kernel/hvm.c decodes the instruction, kernel/io.c routes
 *      the access here; ioreq_range_select() picks the server.
 *   2. send: the request goes into the vCPU's slot, READY last (release
 *      store, sync.c), the vCPU's port is signalled, the vCPU waits
 *      (VCPU_IOREQ_WAIT) and hvm.c abandons the instruction, keeping the
 *      exit in v->io_exit.
 *   3. the DM answers and signals the port: ioreq_send_slot_notify() runs
 *      in the DM's hypercall, judges the slot (sync.c), takes the answer
 *      into v->io.done[], frees the slot and marks the vCPU runnable
 *      with io_replay set.
 *   4. resume: before entering the guest, hvm.c runs the exit's handler
 *      again; the instruction's accesses come here again and the ones
 *      in done[] are answered from there, in order, so the instruction
 *      completes (an instruction with two DM accesses, a read and a
 *      write of the same MMIO byte, goes round twice).
 *
 * A buffered write (a write the server mapped with
 * TERN_DMOP_RANGE_BUFFERED) is appended to the ring instead and counts
 * as done at once. Before a synchronous request, a server's ring must be
 * empty: if it is not, the vCPU waits (io.drain) until the DM has read
 * it, which the scheduler checks with ioreq_vcpu_ready(). So the DM sees
 * the guest's writes in program order whatever order it looks at its
 * pages in, and a write that found the ring full (sent synchronously)
 * cannot overtake the writes before it.
 *
 * Context: a guest vCPU's exit path; the callbacks run inside a DM's
 * hypercall. Interrupts off, one CPU. Locking: with several CPUs, the
 * target's ioreq lock (server.c) covers selection and the callbacks;
 * a vCPU's own io state is touched only by that vCPU's exit path and by
 * callbacks for the slot it waits on, which the slot's state orders.
 */
#include <tern/cmdline.h>
#include <tern/console.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/evtchn.h>
#include <tern/ioreq.h>
#include <tern/lib.h>
#include <tern/time.h>
#include "private.h"


#define FLAGS_KEPT  (TERN_IOREQ_DATA_IS_PTR | TERN_IOREQ_DIR_READ | TERN_IOREQ_DF)
/* The vCPU waiting for 's' may go on: it runs its instruction again. */
static void wake_for_replay(struct vcpu *v)
{
    if (v->state == VCPU_IOREQ_WAIT) {
        v->state = VCPU_RUNNABLE;
        v->io_replay = true;
    }
}

static bool tracing(void)
{
    return cmdline_options.trace & TRACE_IOREQ;
}

static bool is_read(const struct tern_ioreq *req)
{
    return req->flags & TERN_IOREQ_DIR_READ;
}

static const char *type_name(const struct tern_ioreq *req)
{
    static const char *const names[] = { "port", "MMIO", "PCI config" };
    return req->type < ARRAY_SIZE(names) ? names[req->type] : "?";
}

/* Is 'b' the access 'a' recorded, run again? Where it goes and how,
 * and for DATA_IS_PTR the guest memory it names; not a write's value
 * (the device took the value it was given the first time). */
static bool same_access(const struct tern_ioreq *a, const struct tern_ioreq *b)
{
    return a->addr == b->addr && a->size == b->size && a->count == b->count &&
           a->type == b->type &&
           (a->flags & FLAGS_KEPT) == (b->flags & FLAGS_KEPT) &&
           (!(a->flags & TERN_IOREQ_DATA_IS_PTR) || a->data == b->data);
}

/* Remember a finished access of the current instruction. */
static bool record_done(struct vcpu *v, const struct tern_ioreq *req,
                        uint64_t data, uint16_t how)
{
    struct ioreq_vcpu *io = &v->io;
    if (io->nr_done == IOREQ_DONE_MAX) {
        domain_crash(v->domain, "one instruction needs more than %u device "
                     "model accesses", IOREQ_DONE_MAX);
        return false;
    }
    struct tern_ioreq *r = &io->done[io->nr_done++];
    *r = *req;
    /* Only a by-value read's answer is data; otherwise keep what was sent,
     * which the replay compares. */
    if (!is_read(req) || (req->flags & TERN_IOREQ_DATA_IS_PTR))
        data = req->data;
    r->data = data;
    r->pad0 = how;
    io->replayed = io->nr_done;
    return true;
}

/* Post a write to the server's ring: true if it went. */
static bool post(struct vcpu *v, struct ioreq_server *s, struct tern_ioreq *req)
{
    struct domain *d = v->domain;
    struct tern_buf_ioreq_page *b = s->buf;
    bool was_empty = b->read_pointer == b->write_pointer;
    int rc = ioreq_buf_push(b, req);

    if (rc == -TERN_EIO) {
        domain_crash(d, "device model %s broke the counters of server %u's "
                     "buffered ring (read %u, write %u)", s->dm->name, s->id,
                     s->buf->read_pointer, s->buf->write_pointer);
        return true;            /* the caller sees the domain dead */
    }
    if (rc)
        return false;           /* full, or not postable: synchronous */
    s->posted++;
    if (tracing())
        pr_info("ioreq: %lu ns %s/%u: posted %s write %#lx size %u = %#lx "
                "to server %u (%s), ring %u used\n", time_ns(), d->name,
                v->id, type_name(req), req->addr, req->size, req->data, s->id,
                s->dm->name, ioreq_buf_used(s->buf->read_pointer,
                                            s->buf->write_pointer));
    if (!record_done(v, req, req->data, 0))
        return true;            /* crashed: s is gone */
    /* The DM drains until it finds the ring empty (dm/ioreq.c), so it
     * needs telling only when the ring stops being empty. */
    if (was_empty)
        evtchn_send(d, s->buf_port);
    return true;
}

/* Is the access in a range the server asked to have posted? (Whether
 * this access can be posted, a single write, ioreq_buf_push() checks.) */
static bool buffered(const struct ioreq_server *s, const struct tern_ioreq *req)
{
    unsigned int t = req->type == TERN_IOREQ_TYPE_PIO ? TERN_DMOP_IO_RANGE_PORT
                                                      : TERN_DMOP_IO_RANGE_MEMORY;
    return s->buf && req->type != TERN_IOREQ_TYPE_PCI_CONFIG &&
           ioreq_rangeset_contains(&s->buffered[t], req->addr,
                                   req->addr + req->size - 1);
}

/* The DM broke the counters of s's ring (more than 511 apart): the
 * guest cannot go on, since the ring can never drain. */
static void ring_broken(struct vcpu *v, struct ioreq_server *s)
{
    domain_crash(v->domain, "device model %s broke the counters of server "
                 "%u's buffered ring (read %u, write %u)", s->dm->name, s->id,
                 s->buf->read_pointer, s->buf->write_pointer);
}

/* Slots the server's ring holds now (more than 511: broken). */
static inline uint32_t ring_used(const struct ioreq_server *s)
{
    return ioreq_buf_used(__atomic_load_n(&s->buf->read_pointer,
                                          __ATOMIC_ACQUIRE),
                          s->buf->write_pointer);
}

static enum ioreq_result send_sync(struct vcpu *v, struct ioreq_server *s,
                                   struct tern_ioreq *req)
{
    struct domain *d = v->domain;
    struct ioreq_vcpu *io = &v->io;
    struct tern_ioreq *slot = &s->ioreq->vcpu_ioreq[v->id];

    /* Writes first: the DM must have read the ring before this. */
    uint32_t used = s->buf ? ring_used(s) : 0;
    if (unlikely(used > TERN_BUF_IOREQ_SLOTS)) {
        ring_broken(v, s);
        return IOREQ_BLOCKED;
    }
    if (used) {
        io->server = s;
        io->drain = true;
        v->state = VCPU_IOREQ_WAIT;
        evtchn_send(d, s->buf_port);
        return IOREQ_BLOCKED;
    }
    unsigned int st = ioreq_sync_state(slot);
    if (st != TERN_STATE_IOREQ_NONE) {
        domain_crash(d, "%s (server %u of %s, vCPU %u's slot in state %s)",
                     ioreq_sync_verdict_name(IOREQ_SYNC_UNSOLICITED), s->id,
                     s->dm->name, v->id, ioreq_sync_state_name(st));
        return IOREQ_BLOCKED;
    }
    req->vp_eport = s->vcpu_port[v->id];
    ioreq_sync_publish(slot, req);
    io->req = *req;
    io->server = s;
    io->prev = TERN_STATE_IOREQ_READY;
    io->drain = false;
    io->sent_ns = tracing() ? time_ns() : 0;
    io->traced = false;
    v->state = VCPU_IOREQ_WAIT;
    s->sent++;
    if (tracing())
        pr_info("ioreq: %lu ns %s/%u: %s %s %#lx size %u count %u%s -> "
                "server %u (%s) slot %u port %u\n", io->sent_ns, d->name,
                v->id, type_name(req), is_read(req) ? "read" : "write",
                req->addr, req->size, req->count,
                req->flags & TERN_IOREQ_DATA_IS_PTR ? " data_is_ptr" : "",
                s->id, s->dm->name, v->id, req->vp_eport);
    evtchn_send(d, s->vcpu_port[v->id]);
    return IOREQ_BLOCKED;
}

enum ioreq_result ioreq_send(struct vcpu *v, struct tern_ioreq *req)
{
    struct ioreq_vcpu *io = &v->io;
    struct domain *d = v->domain;

    /* This instruction ran before and this access finished then. */
    if (io->replayed < io->nr_done) {
        const struct tern_ioreq *r = &io->done[io->replayed];
        if (same_access(r, req)) {
            io->replayed++;
            req->data = r->data;
            req->pad0 = r->pad0;
            return IOREQ_HANDLED;
        }
        /* A different access: the guest's memory changed under the
         * instruction (a DM can write it). Sending it would repeat the
         * device accesses already done, so stop the guest (as Xen does
         * on a mismatched retry). */
        domain_crash(d, "its instruction at RIP %#lx made different device "
                     "accesses when it ran again (%s %#lx size %u, then %s "
                     "%#lx size %u): its code or operands changed under it",
                     v->regs.rip, type_name(r), r->addr, r->size,
                     type_name(req), req->addr, req->size);
        return IOREQ_BLOCKED;
    }
    struct ioreq_server *s;
    if (io->gen == d->ioreq_gen && io->hit_addr == req->addr &&
        io->hit_size == req->size && io->hit_type == req->type) {
        s = io->hit;
    } else {
        s = ioreq_range_select(d->ioreq_servers, TERN_MAX_IOREQ_SERVERS, req);
        io->gen = d->ioreq_gen;
        io->hit_addr = req->addr;
        io->hit_size = req->size;
        io->hit_type = req->type;
        io->hit = s;
        io->hit_buffered = s && buffered(s, req);
    }
    if (!s)
        return IOREQ_UNCLAIMED;
    if (!is_read(req) && io->hit_buffered && post(v, s, req))
        return domain_is_alive(d) ? IOREQ_HANDLED : IOREQ_BLOCKED;
    return send_sync(v, s, req);
}

bool ioreq_vcpu_ready(struct vcpu *v)
{
    struct ioreq_vcpu *io = &v->io;
    if (v->state != VCPU_IOREQ_WAIT || !io->drain)
        return v->state == VCPU_RUNNABLE;
    uint32_t used = ring_used(io->server);
    if (used > TERN_BUF_IOREQ_SLOTS)
        ring_broken(v, io->server);
    if (used)
        return false;
    io->drain = false;
    io->server = NULL;
    wake_for_replay(v);
    return true;
}

/* The DM changed a field of the request it was answering. */
static const char *changed_field(const struct tern_ioreq *sent,
                                 const struct tern_ioreq *now)
{
    if (now->addr != sent->addr)
        return "address";
    if (now->size != sent->size)
        return "size";
    if (now->count != sent->count)
        return "count";
    if (now->type != sent->type)
        return "type";
    if (now->vp_eport != sent->vp_eport)
        return "event-channel port";
    if ((now->flags & (FLAGS_KEPT | TERN_IOREQ_FLAGS_RESERVED)) !=
        (sent->flags & FLAGS_KEPT))
        return "direction or flags";
    return NULL;
}

/* The DM signalled vCPU v's port of server s: look at v's slot. Returns
 * false when the target was crashed (s is gone then). */
static bool check_slot(struct vcpu *v, struct ioreq_server *s)
{
    struct domain *d = v->domain;
    struct ioreq_vcpu *io = &v->io;
    struct tern_ioreq *slot = &s->ioreq->vcpu_ioreq[v->id];
    bool outstanding = io->server == s && !io->drain;
    unsigned int now = ioreq_sync_state(slot);
    /* The answer to the request out is the usual case; the rest goes
     * through the full judgement. */
    enum ioreq_sync_verdict verdict =
        outstanding && now == TERN_STATE_IORESP_READY ? IOREQ_SYNC_DONE :
        ioreq_sync_check(outstanding, io->prev, now);
    switch (verdict) {
    case IOREQ_SYNC_IDLE:
        return true;
    case IOREQ_SYNC_WAIT:
        io->prev = now;
        return true;
    case IOREQ_SYNC_DONE:
        break;
    default:
        domain_crash(d, "%s (server %u of %s, vCPU %u: %s -> %s)",
                     ioreq_sync_verdict_name(verdict), s->id, s->dm->name,
                     v->id, ioreq_sync_state_name(outstanding ? io->prev
                                                  : TERN_STATE_IOREQ_NONE),
                     ioreq_sync_state_name(now));
        return false;
    }
    const char *field = changed_field(&io->req, slot);
    if (field) {
        domain_crash(d, "device model %s changed the %s of the request it "
                     "answered (server %u, vCPU %u)", s->dm->name, field,
                     s->id, v->id);
        return false;
    }
    uint64_t data = ioreq_sync_complete(slot);
    if (tracing())
        pr_info("ioreq: %lu ns %s/%u: answered by %s: data %#lx (%lu ns "
                "after the exit)\n", time_ns(), d->name, v->id, s->dm->name,
                data, time_ns() - io->sent_ns);
    io->server = NULL;
    if (!record_done(v, &io->req, data, 0))
        return false;
    wake_for_replay(v);
    return true;
}

void ioreq_send_slot_notify(struct domain *d, evtchn_port_t port, void *arg)
{
    struct ioreq_server *s = arg;
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (s->vcpu_port[i] == port && !check_slot(d->vcpus[i], s))
            return;
}

void ioreq_dm_leaves(struct domain *dm)
{
    for (unsigned int t = 0; t < dm->nr_targets; t++) {
        struct domain *d = domain_by_id(dm->targets[t]);
        for (unsigned int i = 0; d && i < d->nr_vcpus; i++) {
            struct vcpu *v = d->vcpus[i];
            struct ioreq_server *s = v->io.server;
            if (s && s->dm == dm && !v->io.drain && !check_slot(v, s))
                break;      /* d was crashed: its servers are gone */
        }
    }
}

void ioreq_send_buf_notify(struct domain *d, evtchn_port_t port, void *arg)
{
    struct ioreq_server *s = arg;
    domain_crash(d, "device model %s signalled port %u, server %u's "
                 "buffered-ring port, which only Tern signals (a vCPU's "
                 "answer goes on that vCPU's vp_eport)", s->dm->name, port,
                 s->id);
}

void ioreq_send_abort_waiters(struct ioreq_server *s)
{
    struct domain *d = s->target;
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        struct ioreq_vcpu *io = &v->io;
        if (io->server != s)
            continue;
        if (!io->drain && domain_is_alive(d)) {
            pr_info("ioreq: %s: vCPU %u's %s %s of %#lx completes without "
                    "a device (server %u of %s is gone)%s\n", d->name, v->id,
                    type_name(&io->req), is_read(&io->req) ? "read" : "write",
                    io->req.addr, s->id, s->dm->name,
                    is_read(&io->req) ? ": it reads all ones" : "");
            record_done(v, &io->req, ~0ull, IOREQ_DONE_NO_DEVICE);
        }
        io->server = NULL;
        io->drain = false;
        wake_for_replay(v);
    }
}

void ioreq_trace_dm_runs(struct domain *dm)
{
    for (unsigned int t = 0; t < dm->nr_targets; t++) {
        struct domain *d = domain_by_id(dm->targets[t]);
        for (unsigned int i = 0; d && i < d->nr_vcpus; i++) {
            struct vcpu *v = d->vcpus[i];
            struct ioreq_vcpu *io = &v->io;
            if (!io->server || io->server->dm != dm || io->drain ||
                io->prev != TERN_STATE_IOREQ_READY)
                continue;
            unsigned int now = ioreq_sync_state(&io->server->ioreq->vcpu_ioreq[v->id]);
            if (now != TERN_STATE_IOREQ_READY || io->traced)
                continue;
            pr_info("ioreq: %lu ns %s/%u: picked up by %s: it runs, the "
                    "slot READY\n", time_ns(), d->name, v->id, dm->name);
            io->traced = true;
        }
    }
}
