/*
 * include/public/ioreq.h: the pages through which Tern hands a guest's
 * I/O to its device model (DM), and gets the answers back.
 *
 * This header is ABI: it is shared by the hypervisor and dm/, uses
 * fixed-width types only and compiles with <stdint.h> alone. Its byte
 * layouts are Xen's (xen/include/public/hvm/ioreq.h, "I/O request
 * definitions for device models"), so that a reader can put the two side
 * by side; tests/unit/test_ioreq_abi.c pins every offset. The code that
 * uses them is Tern's own. The protocol, with its state diagram, is
 * docs/ioreq.md.
 *
 * An ioreq server (include/public/dm_op.h) has two pages, both mapped
 * read/write into the DM that created it:
 *
 *   the synchronous page (struct tern_ioreq_page): one 32-byte request
 *     slot per guest vCPU. Tern fills vCPU i's slot, marks it READY and
 *     signals the slot's event channel; the vCPU waits. The DM answers in
 *     the same slot and signals back; Tern completes the access and the
 *     vCPU runs on. (Tern also looks at the slots a DM serves each time
 *     that DM stops running, blocked or preempted: a DM that answers and
 *     then blocks may leave the signal out and save a hypercall.)
 *
 *   the buffered page (struct tern_buf_ioreq_page), if the server asked
 *     for one: a ring of 511 8-byte slots for writes whose completion the
 *     guest cannot observe (a VGA framebuffer store, say). Tern appends
 *     and lets the vCPU run on at once; the DM drains the ring when the
 *     server's buffered port fires.
 *
 * Only x86-64 is described: every multi-byte field is little-endian.
 */
#ifndef TERN_PUBLIC_IOREQ_H
#define TERN_PUBLIC_IOREQ_H

#include <stdint.h>
#include "evtchn.h"             /* TERN_MAX_VCPUS, evtchn_port_t */


/* ---- the synchronous request ---- */

/* dir: which way the data goes, seen from the guest. */
#define TERN_IOREQ_WRITE        0       /* guest -> device */
#define TERN_IOREQ_READ         1       /* device -> guest */

/*
 * state: where a slot is in its life (docs/ioreq.md draws the diagram).
 * Who may move it:
 *
 *   NONE -> READY            Tern: a request is in the slot
 *   READY -> INPROCESS       DM: it took the request (optional step)
 *   READY or INPROCESS
 *        -> IORESP_READY     DM: the answer is in the slot
 *   IORESP_READY -> NONE     Tern: it took the answer; the slot is free
 *
 * Any other change by the DM (a step backwards, a value above 3, an
 * answer in a slot with no request) is a DM bug: Tern crashes the guest
 * with a message naming it (kernel/ioreq/sync.c).
 */
#define TERN_STATE_IOREQ_NONE       0
#define TERN_STATE_IOREQ_READY      1
#define TERN_STATE_IOREQ_INPROCESS  2
#define TERN_STATE_IORESP_READY     3

/*
 * type: what kind of access. Xen's values; Xen's 7 (TIMEOFFSET) and 8
 * (INVALIDATE) are messages from Xen to QEMU that Tern does not send.
 */
#define TERN_IOREQ_TYPE_PIO         0   /* port I/O: addr is the port */
#define TERN_IOREQ_TYPE_COPY        1   /* MMIO: addr is guest-physical */
#define TERN_IOREQ_TYPE_PCI_CONFIG  2   /* PCI config space, addr below */

/*
 * One request: 32 bytes, naturally aligned, one per vCPU.
 *
 *   offset  field      written by  meaning
 *   0x00    addr       Tern        port, guest-physical address, or for
 *                                  PCI_CONFIG:
 *                                    63..48 segment  47..40 bus
 *                                    39..35 device   34..32 function
 *                                    31..0  register offset
 *                                  (the segment:bus:device.function is
 *                                  TERN_DMOP_PCI_SBDF(), include/public/
 *                                  dm_op.h, shifted left by 32)
 *   0x08    data       Tern, DM    a write's value; a read's answer, put
 *                                  there by the DM (low 'size' bytes);
 *                                  or, with DATA_IS_PTR, the guest-
 *                                  physical address of the data
 *   0x10    count      Tern        repetitions (REP prefix), >= 1
 *   0x14    size       Tern        bytes per repetition: 1, 2, 4 or 8
 *   0x18    vp_eport   Tern        this vCPU's event channel: a port of
 *                                  the guest domain, offered to the DM,
 *                                  which binds it once with
 *                                  EVTCHNOP_bind_interdomain (an
 *                                  evtchn_port_t)
 *   0x1c    pad0                   0
 *   0x1e    flags      Tern, DM    the state and three flags, drawn below
 *   0x1f    type       Tern        TERN_IOREQ_TYPE_*
 *
 * The flags byte (Xen declares these as bitfields; Tern spells the bits
 * out, because the state is the field both sides synchronise on and a
 * bitfield cannot be loaded or stored atomically):
 *
 *     7      6      5      4             3    0
 *   +------+------+------+-------------+--------+
 *   |  0   |  df  | dir  | data_is_ptr | state  |
 *   +------+------+------+-------------+--------+
 *
 *   state        TERN_STATE_*
 *   data_is_ptr  1: 'data' is the guest-physical address of 'count'
 *                elements of 'size' bytes (string I/O, REP MOVS)
 *   dir          TERN_IOREQ_READ or TERN_IOREQ_WRITE
 *   df           the guest's RFLAGS.DF: with data_is_ptr, the elements
 *                run downwards from 'data'
 *
 * Whoever changes the state writes the whole byte: it keeps bits 7..4
 * and replaces bits 3..0, with one byte-sized store (the release store of
 * docs/ioreq.md). Nobody else writes the byte while it is that side's
 * turn, so no read-modify-write atomic is needed.
 */
struct tern_ioreq {
    uint64_t addr;
    uint64_t data;
    uint32_t count;
    uint32_t size;
    uint32_t vp_eport;
    uint16_t pad0;
    uint8_t flags;
    uint8_t type;
};

#define TERN_IOREQ_STATE_MASK       0x0fu   /* bits 3..0 */
#define TERN_IOREQ_DATA_IS_PTR      0x10u   /* bit 4 */
#define TERN_IOREQ_DIR_SHIFT        5       /* bit 5: TERN_IOREQ_READ/WRITE */
#define TERN_IOREQ_DIR_READ         (1u << TERN_IOREQ_DIR_SHIFT)
#define TERN_IOREQ_DF               0x40u   /* bit 6 */
#define TERN_IOREQ_FLAGS_RESERVED   0x80u   /* bit 7: always 0 */

/*
 * The synchronous page: slot i is vCPU i's. A domain has at most
 * TERN_MAX_VCPUS vCPUs; slots of vCPUs it does not have stay NONE with
 * vp_eport 0. 256 bytes used of the page.
 */
struct tern_ioreq_page {
    struct tern_ioreq vcpu_ioreq[TERN_MAX_VCPUS];
};

/* ---- the buffered ring ---- */

/*
 * One buffered request: 8 bytes. Only writes are buffered, of 1, 2, 4 or
 * 8 bytes, to a port or an MMIO address below 1 MiB (20 bits), once
 * (no REP, no DATA_IS_PTR).
 *
 * hdr, a little-endian 32-bit word:
 *
 *     31                  12 11  10    9     8    7          0
 *   +----------------------+--------+-----+-----+------------+
 *   |  addr (20 bits)      |  size  | dir |  0  |    type    |
 *   +----------------------+--------+-----+-----+------------+
 *
 *   type  TERN_IOREQ_TYPE_PIO or TERN_IOREQ_TYPE_COPY (byte 0)
 *   dir   TERN_IOREQ_WRITE (bit 9; the field exists for Xen's layout)
 *   size  code: 0 => 1 byte, 1 => 2, 2 => 4, 3 => 8 (bits 11..10)
 *   addr  the port or guest-physical address (bits 31..12)
 *
 * data: the value, or for an 8-byte write its low 32 bits. An 8-byte
 * write takes two consecutive slots (consecutive counter values, so the
 * second may be slot 0 after slot 510): the second repeats hdr and
 * carries the high 32 bits in its data.
 */
struct tern_buf_ioreq {
    uint32_t hdr;
    uint32_t data;
};

#define TERN_BUF_IOREQ_TYPE_MASK    0xffu
#define TERN_BUF_IOREQ_DIR_SHIFT    9
#define TERN_BUF_IOREQ_SIZE_SHIFT   10
#define TERN_BUF_IOREQ_SIZE_MASK    0x3u
#define TERN_BUF_IOREQ_ADDR_SHIFT   12
#define TERN_BUF_IOREQ_ADDR_MASK    0xfffffu        /* 20 bits */
#define TERN_BUF_IOREQ_ADDR_LIMIT   (1u << 20)      /* addr must be below */

/*
 * The buffered page: two counters and 511 slots, exactly 4096 bytes.
 *
 * read_pointer and write_pointer are free-running uint32 counters of
 * slots: the next request is in slot (write_pointer % 511), the oldest
 * unread one in slot (read_pointer % 511), and the ring holds
 * (write_pointer - read_pointer) slots, computed in uint32 arithmetic:
 * never more than 511.
 *
 *   Tern (the producer) alone writes the slots and write_pointer. It
 *   fills the slot(s), publishes them by adding to write_pointer with
 *   release semantics (a locked add to the 64-bit pair), then signals
 *   the server's buffered port. A ring without room for the request is
 *   full: Tern sends that request through the synchronous slot instead.
 *
 *   The DM (the consumer) reads both counters with one 64-bit atomic
 *   load with acquire semantics ('pointers' below), reads the slots from
 *   read_pointer up to write_pointer, then advances read_pointer by the
 *   slots consumed with one atomic read-modify-write with release
 *   semantics: a LOCK XADD on read_pointer (as QEMU does), or a
 *   compare-exchange of the 64-bit pair; never a plain store of a value
 *   it computed.
 *
 *   Order: the DM drains the buffered ring before it serves any
 *   synchronous request of that server. A guest's buffered writes and
 *   its later synchronous accesses then reach the devices in program
 *   order, which is also what makes the full-ring fallback safe.
 *
 * Why the 64-bit view and the atomic add: 2^32 is not a multiple of 511
 * (2^32 % 511 = 32), so a counter running past 2^32 would jump 32 slots
 * back in the ring and overwrite requests not yet read. Tern therefore
 * keeps the counters small: whenever read_pointer has reached 511, it
 * subtracts the same multiple of 511 from both counters with one 64-bit
 * compare-exchange of 'pointers', which changes no slot index and no
 * count. The DM's atomic update composes with that; a plain store of an
 * old read_pointer plus n would undo it. (This is Xen's
 * HVM_IOREQSRV_BUFIOREQ_ATOMIC discipline; its older "legacy" mode is
 * not offered.) Counters near 2^32, which only a DM that writes them
 * can cause, are brought down the same way before Tern appends.
 */
#define TERN_BUF_IOREQ_SLOTS        511

struct tern_buf_ioreq_page {
    union {
        struct {
            uint32_t read_pointer;      /* bytes 0..3, advanced by the DM */
            uint32_t write_pointer;     /* bytes 4..7, advanced by Tern */
        };
        uint64_t pointers;              /* both, for atomic 64-bit access */
    };
    struct tern_buf_ioreq slot[TERN_BUF_IOREQ_SLOTS];
};

#endif
