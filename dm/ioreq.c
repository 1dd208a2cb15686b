/*
 * dm/ioreq.c: the device model's side of an ioreq server: taking
 * requests out of the pages Tern shares with us, handing them to the
 * bus (dm/devices/bus.c), and answering.
 *
 * Interface (dm/dm.h): dm_server_create() makes a server for a target
 * and binds its ports, dm_server_claim() claims a range of the bus for
 * it, dm_server_enable() starts it. From then on the event loop calls
 * us on its ports:
 *
 *   a vCPU's port: Tern put a request in that vCPU's slot. We first
 *     drain the buffered ring (so the writes posted before this request
 *     reach the devices before it: program order, include/public/
 *     ioreq.h), then acquire-load the slot's state; on READY we mark it
 *     INPROCESS, do the access (count times; with DATA_IS_PTR each
 *     element from or to guest RAM, downwards when DF is set), write the
 *     answer and release-store IORESP_READY. Xen's DMs then signal the
 *     port back; Tern also looks at a DM's slots whenever the DM stops
 *     running (it blocks right after), so this DM saves that hypercall
 *     unless started with notify=eager.
 *   the buffered port: posted writes wait in the ring: read both
 *     counters with one 64-bit acquire load, do the writes in order
 *     (an 8-byte write is two slots), and advance read_pointer with an
 *     atomic add (release), never a plain store (Tern may be lowering
 *     both counters at the same moment).
 *
 * For the hostile-DM tests, fault=KIND (with fault_after=N, the Nth
 * request; default 1) makes this DM break the protocol on purpose in one
 * of the ways Tern must survive: backwards, badstate, size, wrongport,
 * unsolicited, die, destroy (docs/ioreq.md, "A DM that misbehaves").
 *
 * Context: ring 3, the DM's one vCPU; the event loop calls one handler
 * at a time, so nothing here locks. Tern runs concurrently only in the
 * sense that it writes the slots and the ring between our hypercalls.
 */
#include <lib.h>
#include <tern_dm.h>
#include "dm.h"

static uint8_t with_state(uint8_t flags, unsigned int state)
{
    return (uint8_t)((flags & ~TERN_IOREQ_STATE_MASK) | state);
}

static void set_state(struct tern_ioreq *r, unsigned int state)
{
    uint8_t flags = __atomic_load_n(&r->flags, __ATOMIC_RELAXED);
    __atomic_store_n(&r->flags, with_state(flags, state), __ATOMIC_RELEASE);
}

static enum dm_space space_of(uint8_t type)
{
    return type == TERN_IOREQ_TYPE_PIO ? DM_SPACE_PORT :
           type == TERN_IOREQ_TYPE_COPY ? DM_SPACE_MMIO : DM_SPACE_PCI;
}

/* ---- the buffered ring ---- */

/* Take what the ring holds now; how many slots that was. */
static uint32_t drain_once(struct dm_server *s)
{
    struct tern_buf_ioreq_page *b = s->buf;
    uint64_t ptrs = __atomic_load_n(&b->pointers, __ATOMIC_ACQUIRE);
    uint32_t rp = (uint32_t)ptrs, wp = (uint32_t)(ptrs >> 32);
    uint32_t n = wp - rp;
    if (n > TERN_BUF_IOREQ_SLOTS)
        die("dm: server %u: buffered ring counters broken (read %u, "
            "write %u)", s->id, rp, wp);
    for (uint32_t i = 0; i < n; i++) {
        struct tern_buf_ioreq q = b->slot[(rp + i) % TERN_BUF_IOREQ_SLOTS];
        unsigned int size = 1u << ((q.hdr >> TERN_BUF_IOREQ_SIZE_SHIFT) &
                                   TERN_BUF_IOREQ_SIZE_MASK);
        uint64_t addr = (q.hdr >> TERN_BUF_IOREQ_ADDR_SHIFT) &
                        TERN_BUF_IOREQ_ADDR_MASK;
        uint64_t data = q.data;
        if (size == 8) {
            if (++i == n)
                die("dm: server %u: half an 8-byte buffered write", s->id);
            data |= (uint64_t)b->slot[(rp + i) % TERN_BUF_IOREQ_SLOTS].data << 32;
        }
        dm_bus_access(s->bus, space_of((uint8_t)(q.hdr & TERN_BUF_IOREQ_TYPE_MASK)),
                      addr, size, true, &data);
        s->drained++;
    }
    if (n)
        __atomic_fetch_add(&b->read_pointer, n, __ATOMIC_RELEASE);
    return n;
}

/* Until the ring is seen empty: Tern signals the buffered port only
 * when the ring stops being empty, so writes that arrive while we drain
 * (another CPU, one day) are ours to take now. */
void dm_server_drain(struct dm_server *s)
{
    if (s->buf)
        while (drain_once(s))
            ;
}

static void dm_server_buf_event(evtchn_port_t port, void *arg)
{
    struct dm_server *s = arg;
    (void)port;
    if (!s->destroyed)
        dm_server_drain(s);
}

/* ---- the synchronous slots ---- */

/* One element of a DATA_IS_PTR request: guest RAM at 'gpa'. */
static void *guest_ptr(struct dm_server *s, uint64_t gpa, unsigned int size)
{
    if (!s->ram || gpa >= s->ram_size || s->ram_size - gpa < size)
        return NULL;
    return s->ram + gpa;
}

static void do_access(struct dm_server *s, struct tern_ioreq *r)
{
    enum dm_space space = space_of(r->type);
    bool read = r->flags & TERN_IOREQ_DIR_READ;
    unsigned int size = r->size;

    if (!(r->flags & TERN_IOREQ_DATA_IS_PTR)) {
        uint64_t data = r->data;
        for (uint32_t i = 0; i < r->count; i++)
            dm_bus_access(s->bus, space, r->addr, size, !read, &data);
        if (read)
            r->data = data;
        return;
    }
    bool down = r->flags & TERN_IOREQ_DF;
    for (uint32_t i = 0; i < r->count; i++) {
        uint64_t gpa = down ? r->data - (uint64_t)i * size
                            : r->data + (uint64_t)i * size;
        uint8_t *p = guest_ptr(s, gpa, size);
        uint64_t v = 0;
        if (!p) {
            printf("dm: server %u: data_is_ptr element at %#lx is not "
                   "guest RAM; skipped\n", s->id, gpa);
            continue;
        }
        if (read) {
            dm_bus_access(s->bus, space, r->addr, size, false, &v);
            memcpy(p, &v, size);
        } else {
            memcpy(&v, p, size);
            dm_bus_access(s->bus, space, r->addr, size, true, &v);
        }
    }
}

/* fault=KIND: break the protocol now, instead of answering. Returns
 * true if it did (the request is then left as the fault leaves it). */
static bool inject_fault(struct dm_server *s, struct tern_ioreq *r,
                         evtchn_port_t port)
{
    if (s->fault == DM_FAULT_NONE || s->handled != s->fault_after)
        return false;
    printf("dm: fault=%s on request %lu (%s %#lx)\n",
           dm_fault_names[s->fault], s->handled,
           r->flags & TERN_IOREQ_DIR_READ ? "read" : "write", r->addr);
    switch (s->fault) {
    case DM_FAULT_BACKWARDS:
        set_state(r, TERN_STATE_IOREQ_NONE);
        break;
    case DM_FAULT_BADSTATE:
        set_state(r, 9);
        break;
    case DM_FAULT_SIZE:
        r->size = r->size == 1 ? 2 : 1;
        set_state(r, TERN_STATE_IORESP_READY);
        break;
    case DM_FAULT_WRONGPORT:
        set_state(r, TERN_STATE_IORESP_READY);
        tern_evtchn_send(s->buf_port ? s->buf_port : port);
        return true;
    case DM_FAULT_DIE:
        /* A wild store: Tern kills us with the request INPROCESS. */
        __asm__ __volatile__("movq $1, 0x10" ::: "memory");
        break;
    case DM_FAULT_DESTROY: {
        int rc = tern_dm_destroy_ioreq_server(s->target, s->id);
        printf("dm: destroyed server %u with a request out: %s\n", s->id,
               tern_errname(rc));
        s->destroyed = true;
        return true;
    }
    case DM_FAULT_UNSOLICITED:
        return false;       /* dm_server_inject_early() did it */
    default:
        return false;
    }
    tern_evtchn_send(port);
    return true;
}

static void serve_slot(struct dm_server *s, unsigned int vcpu)
{
    struct tern_ioreq *r = &s->page->vcpu_ioreq[vcpu];
    evtchn_port_t port = s->port[vcpu];

    if ((__atomic_load_n(&r->flags, __ATOMIC_ACQUIRE) &
         TERN_IOREQ_STATE_MASK) != TERN_STATE_IOREQ_READY)
        return;
    set_state(r, TERN_STATE_IOREQ_INPROCESS);
    s->handled++;
    if (inject_fault(s, r, port))
        return;
    do_access(s, r);
    set_state(r, TERN_STATE_IORESP_READY);
    /* Tern looks at our slots whenever we stop running (we block right
     * after this event's handlers), so signalling is needed only by a
     * DM that goes on working: notify=eager does it anyway. */
    if (s->notify)
        tern_evtchn_send(port);
}

void dm_server_inject_early(struct dm_server *s)
{
    if (s->fault != DM_FAULT_UNSOLICITED)
        return;
    /* The guest is still paused, so no request can be out: any answer
     * now is one nobody asked for. (Later, a DM preempted between two
     * stores could race the guest's next request and answer that one.) */
    printf("dm: fault=unsolicited: answering vCPU 0's slot before the "
           "guest runs\n");
    set_state(&s->page->vcpu_ioreq[0], TERN_STATE_IORESP_READY);
    tern_evtchn_send(s->port[0]);
}

static void dm_server_event(evtchn_port_t port, void *arg)
{
    struct dm_server *s = arg;
    if (s->destroyed)
        return;
    dm_server_drain(s);
    for (unsigned int i = 0; i < TERN_MAX_VCPUS; i++)
        if (s->port[i] == port)
            serve_slot(s, i);
}

/* ---- setting up ---- */

int dm_server_create(struct dm_server *s, domid_t target, struct dm_bus *bus,
                     bool buffered)
{
    evtchn_port_t buf_port;
    uint64_t ioreq_va, buf_va;

    s->target = target;
    s->bus = bus;
    int rc = tern_dm_create_ioreq_server(target, buffered ?
                                         TERN_DMOP_BUFIOREQ_ATOMIC :
                                         TERN_DMOP_BUFIOREQ_OFF, &s->id);
    if (rc)
        return rc;
    rc = tern_dm_get_ioreq_server_info(target, s->id, &buf_port, &ioreq_va,
                                       &buf_va);
    if (rc)
        return rc;
    s->page = (struct tern_ioreq_page *)ioreq_va;
    s->buf = (struct tern_buf_ioreq_page *)buf_va;
    /* One port per vCPU, named in its slot; then the buffered port. */
    for (unsigned int i = 0; i < TERN_MAX_VCPUS; i++) {
        evtchn_port_t remote = s->page->vcpu_ioreq[i].vp_eport;
        if (!remote)
            continue;
        rc = tern_evtchn_bind_interdomain(target, remote, &s->port[i]);
        if (rc == 0)
            rc = dm_evtchn_register(s->port[i], dm_server_event, s);
        if (rc)
            return rc;
    }
    if (buf_port) {
        rc = tern_evtchn_bind_interdomain(target, buf_port, &s->buf_port);
        if (rc == 0)
            rc = dm_evtchn_register(s->buf_port, dm_server_buf_event, s);
        if (rc)
            return rc;
    }
    if (s->ram)
        return 0;                   /* mapped already (dm/main.c's RTC) */
    return tern_dm_map_guest_ram(target, (uint64_t *)&s->ram, &s->ram_size);
}

int dm_server_claim(struct dm_server *s, enum dm_space space, uint64_t first,
                    uint64_t last, bool buffered)
{
    static const uint32_t types[DM_SPACE_NR] = {
        [DM_SPACE_PORT] = TERN_DMOP_IO_RANGE_PORT,
        [DM_SPACE_MMIO] = TERN_DMOP_IO_RANGE_MEMORY,
        [DM_SPACE_PCI] = TERN_DMOP_IO_RANGE_PCI,
    };
    return tern_dm_map_io_range(s->target, s->id, types[space], first, last,
                                buffered ? TERN_DMOP_RANGE_BUFFERED : 0);
}

int dm_server_enable(struct dm_server *s)
{
    return tern_dm_set_ioreq_server_state(s->target, s->id, 1);
}

const char *const dm_fault_names[DM_FAULT_NR] = {
    [DM_FAULT_NONE] = "none", [DM_FAULT_BACKWARDS] = "backwards",
    [DM_FAULT_BADSTATE] = "badstate", [DM_FAULT_SIZE] = "size",
    [DM_FAULT_WRONGPORT] = "wrongport", [DM_FAULT_UNSOLICITED] = "unsolicited",
    [DM_FAULT_DIE] = "die", [DM_FAULT_DESTROY] = "destroy",
};
