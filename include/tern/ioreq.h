/*
 * include/tern/ioreq.h: ioreq servers inside Tern (kernel/ioreq/).
 * The ABI, with the meaning of every op and page, is
 * include/public/ioreq.h and include/public/dm_op.h; the protocol is
 * docs/ioreq.md.
 *
 *   dmop.c      TERN_HC_dm_op: check every argument, then act
 *   server.c    servers: pages, ports, ranges, enable, end
 *   send.c      one access out to a server and its answer back, the
 *               replay of the instruction, posted writes
 *   range.c     rangesets, and which server an access goes to
 *   pci.c       PCI Configuration Mechanism #1 (ports 0xcf8/0xcfc)
 *   buffered.c  the producer side of the buffered ring
 *   sync.c      the synchronous slot: publishing a request, and checking
 *               the state a DM left in it
 *
 * The last four are pure logic, with no domain, vCPU or lock in them;
 * every file is unit-tested on the host (tests/unit/test_ioreq_*.c).
 *
 * Locking: none yet. One CPU runs everything, with interrupts off, so a
 * DM op, a vCPU's exit path and a DM's hypercall never overlap. With
 * several CPUs, a per-guest ioreq lock will have to serialise the
 * servers, their ranges and rings, and each vCPU's io state against the
 * callbacks of send.c (Xen's ioreq_server lock).
 */
#ifndef TERN_IOREQ_H
#define TERN_IOREQ_H

#include <tern/compiler.h>
#include <public/ioreq.h>
#include <public/dm_op.h>

/* ---- range.c ---- */

/* An inclusive range [first, last]. */
struct ioreq_range {
    uint64_t first, last;
};

/*
 * A set of ranges of one type: sorted by first, never overlapping, never
 * touching (ranges that touch are merged, so r[i].last + 1 < r[i+1].first),
 * at most TERN_DMOP_MAX_RANGES of them. All zeroes is the empty set.
 */
struct ioreq_rangeset {
    unsigned int nr;
    struct ioreq_range r[TERN_DMOP_MAX_RANGES];
};

/*
 * Add [first, last]; ranges it touches merge with it. 0, or (nothing
 * changed): -TERN_EINVAL first > last, -TERN_EEXIST part of it is in the
 * set, -TERN_ENOSPC the set would need more than TERN_DMOP_MAX_RANGES.
 */
int ioreq_rangeset_add(struct ioreq_rangeset *rs, uint64_t first,
                       uint64_t last);
/*
 * Remove [first, last], which must lie inside one range of the set (the
 * middle of a range splits it). 0, or (nothing changed): -TERN_EINVAL
 * first > last, -TERN_ENOENT part of it is not in the set, -TERN_ENOSPC
 * a split would need more than TERN_DMOP_MAX_RANGES.
 */
int ioreq_rangeset_remove(struct ioreq_rangeset *rs, uint64_t first,
                          uint64_t last);
/* Does one range of the set hold all of [first, last]? */
bool ioreq_rangeset_contains(const struct ioreq_rangeset *rs, uint64_t first,
                             uint64_t last);

struct domain;
struct vcpu;

/*
 * An ioreq server (kernel/ioreq/server.c): one DM's claim on part of a
 * target guest's I/O. It lives in its target's ioreq_servers[id] and is
 * owned by the DM that created it; it goes away when either ends.
 * range.c reads only id, enabled, created and ranges.
 */
struct ioreq_server {
    ioservid_t id;
    bool enabled;
    uint64_t created;       /* creation order in its domain: larger is newer */
    /* Indexed by TERN_DMOP_IO_RANGE_*: 12 KiB, so servers live on the heap. */
    struct ioreq_rangeset ranges[TERN_DMOP_IO_RANGE_NR];
    /* Of those, the PORT and MEMORY ranges whose writes are posted. */
    struct ioreq_rangeset buffered[TERN_DMOP_IO_RANGE_PCI];

    struct domain *target;
    struct domain *dm;
    struct tern_ioreq_page *ioreq;      /* shared with the DM */
    struct tern_buf_ioreq_page *buf;    /* NULL: no buffered ring */
    uint64_t ioreq_va, buf_va;          /* where the DM sees them */
    /* Ports of the target, offered to the DM; Tern consumes them. */
    evtchn_port_t vcpu_port[TERN_MAX_VCPUS];
    evtchn_port_t buf_port;
    uint64_t sent, posted;              /* requests, for the end report */
};

/*
 * The server that request 'req' goes to: among servers[0..nr-1] (NULL
 * entries are free ids), the newest enabled one with a range of the
 * request's kind that holds all of it; NULL if none. PIO looks in the
 * port ranges at [addr, addr+size-1], COPY in the memory ranges, and
 * PCI_CONFIG in the PCI ranges at its device (addr >> 32). Only addr,
 * size and type of 'req' are read; a size of 0 or over 8, a range
 * running past 2^64, or another type selects nothing.
 */
struct ioreq_server *ioreq_range_select(struct ioreq_server *const servers[],
                                        unsigned int nr,
                                        const struct tern_ioreq *req);

/* ---- pci.c ---- */

#define PCI_CONFIG_ADDRESS      0xcf8   /* a 32-bit register */
#define PCI_CONFIG_DATA         0xcfc   /* 0xcfc..0xcff: the dword's bytes */

/* Is a port access of 'size' bytes at 'port' an access to CONFIG_ADDRESS
 * (a whole dword at 0xcf8)? Other accesses to 0xcf8..0xcfb are ordinary
 * port I/O. */
static inline bool ioreq_pci_is_config_address(uint16_t port,
                                               unsigned int size)
{
    return port == PCI_CONFIG_ADDRESS && size == 4;
}
/* The value CONFIG_ADDRESS holds after the guest writes 'value' to it. */
uint32_t ioreq_pci_config_address_write(uint32_t value);

enum ioreq_pci_decode {
    IOREQ_PCI_CONFIG,       /* a configuration access: *addr is set */
    IOREQ_PCI_DISABLED,     /* a data-port access with the enable bit clear */
    IOREQ_PCI_NOT_DATA,     /* not within 0xcfc..0xcff */
};
/*
 * Decode a port access of 'size' bytes at 'port' while CONFIG_ADDRESS
 * holds 'cf8'. For IOREQ_PCI_CONFIG, *addr is a PCI_CONFIG request's
 * address (include/public/ioreq.h): the SBDF in bits 63..32, the
 * register offset in bits 7..0. Anything else is ordinary port I/O.
 */
enum ioreq_pci_decode ioreq_pci_decode(uint32_t cf8, uint16_t port,
                                       unsigned int size, uint64_t *addr);

/* ---- buffered.c ---- */

/* Can 'req' go through the buffered ring? A single write of 1, 2, 4 or
 * 8 bytes by value, a port or MMIO address below 1 MiB. */
bool ioreq_buf_can_buffer(const struct tern_ioreq *req);
/*
 * Append 'req' to the ring (two slots for 8 bytes) and publish it. The
 * caller then signals the server's buffered port. 0, or (the ring
 * unchanged, so the caller sends 'req' synchronously):
 *   -TERN_EINVAL  'req' cannot be buffered
 *   -TERN_ENOSPC  no room for it: the ring is full
 *   -TERN_EAGAIN  the counters could not be brought down (a DM rewriting
 *                 read_pointer all the while)
 *   -TERN_EIO     the counters say more than 511 slots are in use: the
 *                 DM broke them; report it
 * Context: one producer at a time per ring (today: one CPU; with
 * several, the caller will hold the guest's ioreq lock); the DM
 * consumes concurrently.
 */
int ioreq_buf_push(struct tern_buf_ioreq_page *pg,
                   const struct tern_ioreq *req);
/*
 * The consumer's side, as include/public/ioreq.h prescribes to the DM:
 * take the oldest request into *req (dir, type, size, addr, data;
 * count 1). 1 taken, 0 the ring is empty, -TERN_EIO the counters or an
 * 8-byte pair are broken. Tern never consumes; the unit tests do, and
 * dm/ has its own.
 */
int ioreq_buf_pop(struct tern_buf_ioreq_page *pg, struct tern_ioreq *req);
/* Slots in use, from a snapshot of the two counters (uint32 arithmetic,
 * right across 2^32). */
static inline uint32_t ioreq_buf_used(uint32_t read_pointer,
                                      uint32_t write_pointer)
{
    return write_pointer - read_pointer;
}

/* ---- sync.c ---- */

/* A flags byte with its state bits replaced by 'state'. */
static inline uint8_t ioreq_sync_with_state(uint8_t flags, unsigned int state)
{
    return (uint8_t)((flags & ~TERN_IOREQ_STATE_MASK) | state);
}
/* Put 'req' into 'slot' and mark it READY, payload first (release). */
static inline void ioreq_sync_publish(struct tern_ioreq *slot,
                                      const struct tern_ioreq *req)
{
    /* vp_eport is the slot's own, set when the server was made: kept. */
    slot->addr = req->addr;
    slot->data = req->data;
    slot->count = req->count;
    slot->size = req->size;
    slot->pad0 = 0;
    slot->type = req->type;
    uint8_t flags = req->flags & (TERN_IOREQ_DATA_IS_PTR |
                                  TERN_IOREQ_DIR_READ | TERN_IOREQ_DF);
    /* Release: the fields above are visible before READY is. */
    __atomic_store_n(&slot->flags,
                     ioreq_sync_with_state(flags, TERN_STATE_IOREQ_READY),
                     __ATOMIC_RELEASE);
}
/* The slot's state, read with acquire: if it says IORESP_READY, the
 * DM's answer in 'data' is visible. (Inline, as the next one: both are
 * on every round trip to a DM.) */
static inline unsigned int ioreq_sync_state(const struct tern_ioreq *slot)
{
    return __atomic_load_n(&slot->flags, __ATOMIC_ACQUIRE) &
           TERN_IOREQ_STATE_MASK;
}
/* Take the answer out of an IORESP_READY slot and free it (NONE). */
static inline uint64_t ioreq_sync_complete(struct tern_ioreq *slot)
{
    uint64_t data = slot->data;
    uint8_t flags = __atomic_load_n(&slot->flags, __ATOMIC_RELAXED);
    /* Release: 'data' is read before the DM may reuse the slot. */
    __atomic_store_n(&slot->flags,
                     ioreq_sync_with_state(flags, TERN_STATE_IOREQ_NONE),
                     __ATOMIC_RELEASE);
    return data;
}

enum ioreq_sync_verdict {
    IOREQ_SYNC_IDLE,            /* no request out, slot NONE: nothing to do */
    IOREQ_SYNC_WAIT,            /* READY or INPROCESS: the DM is not done */
    IOREQ_SYNC_DONE,            /* IORESP_READY: take the answer */
    IOREQ_SYNC_BAD_STATE,       /* errors, each a DM bug: see sync.c */
    IOREQ_SYNC_BACKWARDS,
    IOREQ_SYNC_UNSOLICITED,
};
/*
 * Judge the state 'now' that Tern finds in a slot, given whether it has
 * a request outstanding there and the state it saw last ('prev':
 * READY when it has just sent). An error verdict means crash the guest
 * with ioreq_sync_verdict_name() in the message.
 */
enum ioreq_sync_verdict ioreq_sync_check(bool outstanding, unsigned int prev,
                                         unsigned int now);
/* Names for the crash message: "<verdict> (<state> -> <state>)". */
const char *ioreq_sync_verdict_name(enum ioreq_sync_verdict v);
const char *ioreq_sync_state_name(unsigned int state);

/* ---- server.c: lifecycle, the DM ops behind TERN_HC_dm_op ---- */

/*
 * Each validates its arguments and rights before acting and returns 0 or
 * a negative TERN_E* (include/public/dm_op.h documents each). 'dm' is
 * the caller, 'd' the target it controls.
 */
int ioreq_server_create(struct domain *dm, struct domain *d, bool buffered,
                        ioservid_t *id);
int ioreq_server_get_info(struct domain *dm, struct domain *d,
                          struct tern_dmop_get_ioreq_server_info *info);
int ioreq_server_map_range(struct domain *dm, struct domain *d,
                           const struct tern_dmop_ioreq_server_range *r,
                           bool map);
int ioreq_server_set_state(struct domain *dm, struct domain *d,
                           ioservid_t id, bool enabled);
int ioreq_server_destroy(struct domain *dm, struct domain *d, ioservid_t id);
/* A domain is ending: a guest loses all its servers, a DM the servers
 * it owns. Waiting vCPUs get the "no device" outcome. */
void ioreq_domain_end(struct domain *d);

/* ---- dmop.c: TERN_HC_dm_op ---- */

int ioreq_dm_op(struct domain *dm, uint64_t domid, uint64_t uarg);

/* ---- send.c: the path of one access ---- */

/*
 * What a vCPU keeps of its I/O with device models, in struct vcpu.
 * 'done' holds the accesses of the current instruction that have
 * completed (answered, posted, or given the default), in order: the
 * instruction runs again from its start after each answer and takes
 * them from here instead of sending them again (kernel/hvm.c).
 */
#define IOREQ_DONE_MAX  4
struct ioreq_vcpu {
    struct ioreq_server *server;    /* non-NULL: a request is out */
    unsigned int prev;              /* the slot state seen last */
    bool drain;                     /* waiting for a buffered ring to empty */
    bool traced;                    /* its pick-up was traced */
    struct tern_ioreq req;          /* what was sent, to check the slot */
    uint64_t sent_ns;
    unsigned int nr_done, replayed;
    struct tern_ioreq done[IOREQ_DONE_MAX];
    /* The last routing decision (a device's register is accessed again
     * and again), valid while its domain's ioreq_gen is 'gen'. */
    uint64_t gen, hit_addr;
    uint32_t hit_size;
    uint8_t hit_type;
    bool hit_buffered;              /* a write there may be posted */
    struct ioreq_server *hit;
};

/* In a done[] entry's pad0, and in req->pad0 after ioreq_send(): the
 * access completed without a device (its server went away while it
 * waited): a DATA_IS_PTR read must fill its elements with all ones. */
#define IOREQ_DONE_NO_DEVICE    1

enum ioreq_result {
    IOREQ_HANDLED,          /* done now: a read's answer is in req->data */
    IOREQ_UNCLAIMED,        /* no server: the caller applies its default */
    IOREQ_BLOCKED,          /* sent: the vCPU waits; abandon the instruction */
};
/*
 * Route 'req' (addr, size, count, type, dir/df/data_is_ptr flags, and
 * data for a write) to the server that claims it, from vCPU 'v'.
 */
enum ioreq_result ioreq_send(struct vcpu *v, struct tern_ioreq *req);
/* The instruction completed: forget its finished accesses (inline: it
 * runs after every exit). */
static inline void ioreq_commit(struct ioreq_vcpu *io)
{
    io->nr_done = 0;
    io->replayed = 0;
}
/* Start a run of the instruction: replay finished accesses from the
 * first. */
static inline void ioreq_replay_start(struct ioreq_vcpu *io)
{
    io->replayed = 0;
}
/* May the scheduler run 'v' again (not waiting for a buffered ring to
 * drain)? */
bool ioreq_vcpu_ready(struct vcpu *v);
/* A DM stops running (it blocked, was preempted, or ended): look at the
 * slots it serves, as if it had signalled each (send.c). */
void ioreq_dm_leaves(struct domain *dm);
/* A DM is about to run: trace its pick-up of requests (trace=ioreq). */
void ioreq_trace_dm_runs(struct domain *dm);

#endif
