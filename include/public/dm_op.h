/*
 * include/public/dm_op.h: operations a device model (DM) performs on the
 * guests it serves: ioreq servers, interrupt lines, shutdown.
 *
 * This header is ABI: it is shared by the hypervisor and dm/, uses
 * fixed-width types only and compiles with <stdint.h> alone. The ops and
 * their numbers follow Xen's xen/include/public/hvm/dm_op.h ("IOREQ
 * Servers"), so the two read side by side; the gaps in the numbering are
 * Xen ops Tern does not have (-TERN_ENOSYS). The pages a server shares
 * with its DM are include/public/ioreq.h; the protocol is docs/ioreq.md.
 *
 * TERN_HC_dm_op(domid, op)
 *   IN      domid  the target guest: a domain the caller controls
 *                  (role=dm target=...); TERN_DOMID_SELF is refused
 *   IN/OUT  op     struct tern_dm_op in the caller's memory. Tern copies
 *                  it in, checks every field, checks that the struct is
 *                  writable (by writing it back unchanged), runs the op,
 *                  and on success copies the struct back with the op's
 *                  OUT fields filled. On error nothing changed, and the
 *                  struct holds what the caller put there.
 *   Returns 0 or a negative TERN_E*. Errors every op can return:
 *     -TERN_EFAULT  op is not mapped, or not writable, in the caller
 *     -TERN_ENOENT  no domain 'domid'
 *     -TERN_EPERM   the caller does not control 'domid'
 *     -TERN_EINVAL  'domid' is the caller itself or not a guest (an HVM
 *                   domain), or a pad field is not 0
 *     -TERN_ENOSYS  no such op
 *   Ops on an existing server also return:
 *     -TERN_ENOENT  the target has no server 'id' (a guest that has
 *                   ended has none: its servers went with it)
 *     -TERN_EPERM   server 'id' was created by another DM (a server
 *                   belongs to the DM that created it)
 *
 * An ioreq server is one DM's claim on a set of a guest's I/O: port
 * ranges, MMIO ranges and PCI devices. An access that falls wholly inside
 * a range of an enabled server is sent to that server; when several
 * enabled servers have such a range, the newest (the one created last)
 * gets it. An access no server claims is Tern's own (kernel/io.c): its
 * built-in devices, or the default (reads return all ones, writes are
 * dropped).
 */
#ifndef TERN_PUBLIC_DM_OP_H
#define TERN_PUBLIC_DM_OP_H

#include <stdint.h>
#include "hypercall.h"          /* domid_t, TERN_E* */
#include "evtchn.h"             /* evtchn_port_t */

typedef uint16_t ioservid_t;

#define TERN_MAX_IOREQ_SERVERS  8       /* per target domain; ids 0..7 */
#define TERN_DMOP_MAX_RANGES    256     /* per server, per range type */

/*
 * Where Tern maps servers' pages in a DM: inside this window of its
 * address space, below the start-info page. The op get_ioreq_server_info
 * says where exactly; a DM does not compute it.
 */
#define TERN_IOREQ_VA           0x00007ffd00000000ull
#define TERN_IOREQ_VA_SIZE      0x0000000100000000ull   /* 4 GiB */
/* And where TERN_DMOP_map_guest_ram maps targets' RAM: one window of
 * TERN_GUEST_RAM_VA_STRIDE bytes per target. A DM's ELF segments lie
 * below TERN_GUEST_RAM_VA. */
#define TERN_GUEST_RAM_VA       0x00007f0000000000ull
#define TERN_GUEST_RAM_VA_STRIDE 0x0000001000000000ull  /* 64 GiB */

/*
 * TERN_DMOP_create_ioreq_server: a new server for the target, disabled,
 * with no ranges. Its synchronous page (and buffered page, if asked for)
 * are mapped read/write into the caller at once, every slot NONE with
 * its vCPU's vp_eport filled in.
 *   IN  handle_bufioreq  TERN_DMOP_BUFIOREQ_OFF: no buffered ring, every
 *                        request is synchronous
 *                        TERN_DMOP_BUFIOREQ_ATOMIC: with a buffered ring,
 *                        under the discipline of include/public/ioreq.h
 *                        (Xen's HVM_IOREQSRV_BUFIOREQ_ATOMIC; Xen's
 *                        "legacy" mode 1 is refused)
 *   OUT id               the server's id, 0..TERN_MAX_IOREQ_SERVERS-1:
 *                        the lowest free one, so a destroyed server's id
 *                        is reused
 *   Errors: -TERN_EINVAL (handle_bufioreq not one of the two values, or
 *   the target has ended),
 *   -TERN_ENOSPC (the target has TERN_MAX_IOREQ_SERVERS servers, or no
 *   free event-channel port for the server's ports), -TERN_ENOMEM.
 */
#define TERN_DMOP_create_ioreq_server           1
#define TERN_DMOP_BUFIOREQ_OFF      0
#define TERN_DMOP_BUFIOREQ_ATOMIC   2
struct tern_dmop_create_ioreq_server {
    uint8_t handle_bufioreq;            /* IN */
    uint8_t pad[3];
    ioservid_t id;                      /* OUT */
    uint16_t pad2;
};

/*
 * TERN_DMOP_get_ioreq_server_info: what a DM needs to serve server 'id'.
 *   IN  id
 *   IN  flags          0
 *   OUT bufioreq_port  a port of the target, offered to the caller: bind
 *                      it (EVTCHNOP_bind_interdomain) to hear of buffered
 *                      requests; 0 when the server has no buffered ring.
 *                      The synchronous slots' ports are in each slot's
 *                      vp_eport.
 *   OUT ioreq_va       where the synchronous page (struct
 *                      tern_ioreq_page) is mapped in the caller
 *   OUT bufioreq_va    where the buffered page (struct
 *                      tern_buf_ioreq_page) is, or 0 without a ring
 *   Errors: -TERN_EINVAL (flags not 0).
 */
#define TERN_DMOP_get_ioreq_server_info         2
struct tern_dmop_get_ioreq_server_info {
    ioservid_t id;                      /* IN */
    uint16_t flags;                     /* IN: 0 */
    evtchn_port_t bufioreq_port;        /* OUT */
    uint64_t ioreq_va;                  /* OUT */
    uint64_t bufioreq_va;               /* OUT */
};

/*
 * TERN_DMOP_map_io_range_to_ioreq_server: claim [start, end] (inclusive)
 * of one type for server 'id'.
 * TERN_DMOP_unmap_io_range_from_ioreq_server: give [start, end] back.
 *   IN  id
 *   IN  type   TERN_DMOP_IO_RANGE_PORT    ports, end <= 0xffff
 *              TERN_DMOP_IO_RANGE_MEMORY  guest-physical addresses
 *              TERN_DMOP_IO_RANGE_PCI     devices: start and end are
 *                                         TERN_DMOP_PCI_SBDF() values,
 *                                         end <= 0xffffffff
 *   IN  start, end   start <= end
 * A server keeps each type's ranges sorted, and merges ranges that touch:
 * mapping [0x10, 0x1f] then [0x20, 0x2f] leaves one range [0x10, 0x2f].
 * Unmapping may split a range in two.
 *   Errors (the server's ranges unchanged):
 *     -TERN_EINVAL  bad type; start > end; end over the type's limit
 *     -TERN_EEXIST  map: part of [start, end] is already mapped by this
 *                   server (ranges of different servers may overlap)
 *     -TERN_ENOENT  unmap: part of [start, end] is not mapped by it
 *     -TERN_ENOSPC  the server would hold more than TERN_DMOP_MAX_RANGES
 *                   ranges of this type, or of its buffered ranges of
 *                   this type (a map that merges, or an unmap that does
 *                   not split, always has room in the first)
 * Routing (kernel/ioreq/range.c): an access of 'size' bytes at 'addr'
 * goes to a server only if one range holds all of [addr, addr+size-1]. A
 * PCI config access goes by its device alone (its SBDF, the top 32 bits
 * of the request's addr).
 */
#define TERN_DMOP_map_io_range_to_ioreq_server      3
#define TERN_DMOP_unmap_io_range_from_ioreq_server  4
#define TERN_DMOP_IO_RANGE_PORT     0
#define TERN_DMOP_IO_RANGE_MEMORY   1
#define TERN_DMOP_IO_RANGE_PCI      2
#define TERN_DMOP_IO_RANGE_NR       3
#define TERN_DMOP_RANGE_BUFFERED    0x1     /* flags: see below */
struct tern_dmop_ioreq_server_range {
    ioservid_t id;                      /* IN */
    uint16_t flags;                     /* IN: map: 0 or _BUFFERED;
                                           unmap: 0 (Xen: pad) */
    uint32_t type;                      /* IN: TERN_DMOP_IO_RANGE_* */
    uint64_t start, end;                /* IN: inclusive */
};
/*
 * flags TERN_DMOP_RANGE_BUFFERED (map only; a PORT or MEMORY range of a
 * server created with a buffered ring): the guest's writes to this range
 * are posted through the buffered ring when they can be (a single write
 * of 1, 2, 4 or 8 bytes below 1 MiB, include/public/ioreq.h); its reads,
 * and writes that cannot be posted, stay synchronous. Xen buffers the
 * VGA window 0xA0000-0xBFFFF by fixed rule; a Tern DM asks for it by
 * mapping that window with this flag. Unmapping a part of a buffered
 * range unmaps it whole from the buffered set (it stays buffered nowhere
 * it is not mapped). Errors: -TERN_EINVAL (another flag; PCI type; no
 * buffered ring; end at or above 1 MiB).
 */

/*
 * A PCI function's name as one number, Xen's SBDF:
 *
 *     31        16 15     8 7      3 2     0
 *   +------------+--------+--------+-------+
 *   |  segment   |  bus   | device | func  |
 *   +------------+--------+--------+-------+
 *
 * Tern's one host bridge is segment 0.
 */
#define TERN_DMOP_PCI_SBDF(s, b, d, f)                  \
    ((((uint32_t)(s) & 0xffffu) << 16) |                \
     (((uint32_t)(b) & 0xffu) << 8) |                   \
     (((uint32_t)(d) & 0x1fu) << 3) |                   \
     ((uint32_t)(f) & 0x7u))

/*
 * TERN_DMOP_set_ioreq_server_state: start or stop sending requests to
 * server 'id'. A new server is disabled; while it is, it gets no
 * requests and its ranges route nothing. Setting the state it already
 * has succeeds and does nothing.
 *   IN  id
 *   IN  enabled   1 enable, 0 disable
 *   Errors: -TERN_EINVAL (enabled not 0 or 1).
 */
#define TERN_DMOP_set_ioreq_server_state        5
struct tern_dmop_set_ioreq_server_state {
    ioservid_t id;                      /* IN */
    uint8_t enabled;                    /* IN */
    uint8_t pad;
};

/*
 * TERN_DMOP_destroy_ioreq_server: remove server 'id': its ranges, its
 * ports, its pages (unmapped from the caller). A request it had not
 * answered completes as if there were no device: a read returns all ones.
 * Its id becomes free.
 *   IN  id
 */
#define TERN_DMOP_destroy_ioreq_server          6
struct tern_dmop_destroy_ioreq_server {
    ioservid_t id;                      /* IN */
    uint16_t pad;
};

/*
 * TERN_DMOP_set_isa_irq_level: drive one of the target's ISA interrupt
 * lines (into its virtual 8259 pair, kernel/vpic.c), as a device would.
 *   IN  isa_irq  0..15
 *   IN  level    1 raise (assert), 0 lower (deassert)
 *   Errors: -TERN_EINVAL (isa_irq over 15, level not 0 or 1).
 */
#define TERN_DMOP_set_isa_irq_level             9
struct tern_dmop_set_isa_irq_level {
    uint8_t isa_irq;                    /* IN */
    uint8_t level;                      /* IN */
    uint16_t pad;
};

/*
 * TERN_DMOP_remote_shutdown: end the target, as if it had shut itself
 * down with 'status' (a board-level power-off or reset the DM emulates).
 *   IN  status   0..255, reported as the guest's own shutdown status is
 *   Errors: -TERN_EINVAL (status over 255).
 */
#define TERN_DMOP_remote_shutdown               16
struct tern_dmop_remote_shutdown {
    uint32_t status;                    /* IN */
};

/*
 * Tern's own ops, numbered from 64 (Xen does these outside dm_op: its
 * toolstack unpauses a domain, and its DM maps guest memory through
 * privcmd's foreign mappings).
 *
 * TERN_DMOP_map_guest_ram: map all of the target's RAM read/write into
 * the caller, so it can follow DATA_IS_PTR requests (string I/O) and,
 * one day, do DMA. Guest-physical address g is at va + g, for g < size.
 * Asking again returns the same mapping. It stays until the DM ends.
 *   OUT va, size
 *   Errors: -TERN_ENOMEM.
 */
#define TERN_DMOP_map_guest_ram                 64
struct tern_dmop_map_guest_ram {
    uint64_t va;                        /* OUT */
    uint64_t size;                      /* OUT: bytes */
};

/*
 * TERN_DMOP_unpause: a guest that a DM targets (role=dm target=...)
 * starts paused, holding one pause for each DM that targets it, so that
 * none of its I/O runs before its servers exist. Each DM drops its own
 * pause with this op once it is ready; the guest runs when every DM has.
 * A DM that ends without it drops its pause then.
 *   Errors: -TERN_EBUSY (this DM already unpaused this target).
 */
#define TERN_DMOP_unpause                       65

/*
 * TERN_DMOP_guest_console_write: print output of the target's emulated
 * console devices (a UART's transmitter, port 0xe9) on Tern's console as
 * the guest's own, line by line with the guest's name in front, as
 * Tern prints a guest's port-0xe9 output when no DM serves it.
 *   IN  buf   the bytes, in the caller's memory
 *   IN  len   at most TERN_CONSOLE_WRITE_MAX
 *   Errors: -TERN_E2BIG (len too long), -TERN_EFAULT (buf not mapped).
 */
#define TERN_DMOP_guest_console_write           66
struct tern_dmop_guest_console_write {
    uint64_t buf;                       /* IN */
    uint32_t len;                       /* IN */
    uint32_t pad;
};

/*
 * TERN_DMOP_console_read: take what was typed on Tern's serial console
 * (COM1), for the target's emulated console device. Tern keeps up to
 * 256 bytes; each byte goes to the one DM that reads it first.
 *   IN  buf   where to put the bytes, in the caller's memory
 *   IN  len   room there, at most TERN_CONSOLE_WRITE_MAX
 *   OUT len   bytes taken (0: none waiting)
 *   Errors: -TERN_E2BIG (len too long), -TERN_EFAULT (buf not writable).
 */
#define TERN_DMOP_console_read                  67
struct tern_dmop_console_read {
    uint64_t buf;                       /* IN */
    uint32_t len;                       /* IN, OUT */
    uint32_t pad;
};

/* The argument of TERN_HC_dm_op: 32 bytes. */
struct tern_dm_op {
    uint32_t op;                        /* IN: TERN_DMOP_* */
    uint32_t pad;
    union {
        struct tern_dmop_create_ioreq_server create_ioreq_server;
        struct tern_dmop_get_ioreq_server_info get_ioreq_server_info;
        struct tern_dmop_ioreq_server_range map_io_range;     /* and unmap */
        struct tern_dmop_set_ioreq_server_state set_ioreq_server_state;
        struct tern_dmop_destroy_ioreq_server destroy_ioreq_server;
        struct tern_dmop_set_isa_irq_level set_isa_irq_level;
        struct tern_dmop_remote_shutdown remote_shutdown;
        struct tern_dmop_map_guest_ram map_guest_ram;
        struct tern_dmop_guest_console_write guest_console_write;
        struct tern_dmop_console_read console_read;
    } u;
};

#endif
