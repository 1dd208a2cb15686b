/*
 * tests/dm/dmops.c: every DM operation of include/public/dm_op.h with bad
 * arguments, each checked for the exact error the header documents, and
 * each checked to have changed nothing; then good calls, checked for
 * what they do. Through the raw call tern_dm_op() where the typed
 * wrappers of dm/lib/dmop.c cannot say it (a pad, a bad pointer, a
 * flag), through the wrappers everywhere else.
 *
 * Run as the device model of one guest with mem=16M, beside a second
 * guest that nothing targets (the foreign domain of the rights checks):
 *   GUEST name=g role=guest ... mem=16M
 *   GUEST name=other role=guest ...
 *   name=dmops role=dm target=g
 * The guest stays paused until the end: then dmops unpauses it and at
 * once shuts it down with status 0 (TERN_DMOP_remote_shutdown), and
 * checks the ops on a guest that has ended.
 *
 * Where the header does not name the error, this test fixes Tern's
 * choice: create_ioreq_server for a guest that has ended is -TERN_EINVAL.
 *
 * One "TEST dmops-...: PASS/FAIL" line per check. It prints a line as the
 * guest's ("[g] dmops says hi"), and must never print the line of its
 * read-only console write ("must not appear").
 */
#include <public/ioreq.h>

#include "check.h"

#define BAD_DOMID               ((domid_t)0x7fe0)
#define KERNEL_VA               0xffff800000000000ull
#define UNMAPPED_VA             0x0000100000000000ull
#define GUEST_MEM               (16ull << 20)   /* the guest's mem=16M */
#define SENTINEL                0xabcd

static domid_t self_id, guest;
static int other_id = -1;       /* a live domain we do not control */

static struct tern_dm_op op_new(uint32_t nr)
{
    struct tern_dm_op op;
    memset(&op, 0, sizeof(op));
    op.op = nr;
    return op;
}

/* An op struct whose end runs off the stack mapping. */
static struct tern_dm_op *off_end(void)
{
    return (struct tern_dm_op *)(uintptr_t)(TERN_USER_STACK_TOP - 16);
}

/* How many of the guest's servers we can see (ids 0..7). */
static unsigned int nr_servers(void)
{
    unsigned int n = 0;
    for (ioservid_t id = 0; id < TERN_MAX_IOREQ_SERVERS; id++) {
        evtchn_port_t port;
        uint64_t va, buf_va;
        n += tern_dm_get_ioreq_server_info(guest, id, &port, &va, &buf_va) == 0;
    }
    return n;
}

/* Whether server 'id' maps address x of 'type': 1, 0, or an error. A
 * probe leaves the ranges as it found them. */
static int mapped(ioservid_t id, uint32_t type, uint64_t x)
{
    int rc = tern_dm_map_io_range(guest, id, type, x, x, 0);
    if (rc == -TERN_EEXIST)
        return 1;
    if (rc)
        return rc;
    rc = tern_dm_unmap_io_range(guest, id, type, x, x);
    return rc ? rc : 0;
}

/* Whether [va, va+1) is mapped writable in us: Tern writes there only
 * when it is, so this probes an address that should be unmapped. */
static bool writable(uint64_t va)
{
    return tern_domain_info(TERN_DOMID_SELF, (void *)(uintptr_t)va) == 0;
}

/* ---- what every op checks: the domain and the op struct ---- */

static void test_general(void)
{
    struct tern_dm_op op = op_new(TERN_DMOP_create_ioreq_server);

    check_rc("dmops-domid-self", tern_dm_op(TERN_DOMID_SELF, &op), -TERN_EINVAL);
    check_rc("dmops-domid-15", tern_dm_op(15, &op), -TERN_ENOENT);
    check_rc("dmops-domid-bad", tern_dm_op(BAD_DOMID, &op), -TERN_ENOENT);
    check_rc("dmops-domid-own-id", tern_dm_op(self_id, &op), -TERN_EINVAL);
    check_rc("dmops-domid-foreign",
             other_id >= 0 ? tern_dm_op((domid_t)other_id, &op) : -1,
             -TERN_EPERM);

    check_rc("dmops-op-null", tern_dm_op(guest, NULL), -TERN_EFAULT);
    check_rc("dmops-op-kernel",
             tern_dm_op(guest, (struct tern_dm_op *)KERNEL_VA), -TERN_EFAULT);
    check_rc("dmops-op-unmapped",
             tern_dm_op(guest, (struct tern_dm_op *)UNMAPPED_VA), -TERN_EFAULT);
    check_rc("dmops-op-off-end", tern_dm_op(guest, off_end()), -TERN_EFAULT);

    static const uint32_t unknown[] = { 0, 7, 8, 63, 68, 0xffffffff };
    unsigned int wrong = 0;
    for (unsigned int i = 0; i < ARRAY_SIZE(unknown); i++) {
        struct tern_dm_op u = op_new(unknown[i]);
        wrong += tern_dm_op(guest, &u) != -TERN_ENOSYS;
    }
    check(wrong == 0, "dmops-op-unknown", "%u of %zu unknown op numbers "
          "did not return -ENOSYS", wrong, ARRAY_SIZE(unknown));

    op.pad = 1;
    check_rc("dmops-op-pad", tern_dm_op(guest, &op), -TERN_EINVAL);
    /* None of those created a server. */
    check(nr_servers() == 0, "dmops-general-nothing-done",
          "%u servers after failed creates", nr_servers());
}

/* ---- create_ioreq_server ---- */

static void test_create(void)
{
    ioservid_t id = SENTINEL;

    check_rc("dmops-create-legacy-bufioreq",
             tern_dm_create_ioreq_server(guest, 1, &id), -TERN_EINVAL);
    check_rc("dmops-create-bufioreq-3",
             tern_dm_create_ioreq_server(guest, 3, &id), -TERN_EINVAL);
    for (unsigned int i = 0; i < 4; i++) {
        struct tern_dm_op op = op_new(TERN_DMOP_create_ioreq_server);
        if (i < 3)
            op.u.create_ioreq_server.pad[i] = 1;
        else
            op.u.create_ioreq_server.pad2 = 1;
        op.u.create_ioreq_server.id = SENTINEL;
        int rc = tern_dm_op(guest, &op);
        char name[48];
        snprintf(name, sizeof(name), "dmops-create-pad-%u", i);
        check(rc == -TERN_EINVAL && op.u.create_ioreq_server.id == SENTINEL,
              name, "returned %d (%s), id %#x (nothing may be written back)",
              rc, tern_errname(rc), op.u.create_ioreq_server.id);
    }
    check(nr_servers() == 0, "dmops-create-bad-nothing-done",
          "%u servers after failed creates", nr_servers());

    /* Server 0 has a buffered ring, 1..7 do not; ids come lowest first. */
    unsigned int out_of_order = 0, failed = 0;
    for (ioservid_t want = 0; want < TERN_MAX_IOREQ_SERVERS; want++) {
        int mode = want == 0 ? TERN_DMOP_BUFIOREQ_ATOMIC : TERN_DMOP_BUFIOREQ_OFF;
        failed += tern_dm_create_ioreq_server(guest, mode, &id) != 0;
        out_of_order += id != want;
    }
    check(failed == 0 && out_of_order == 0, "dmops-create-8",
          "%u creates failed, %u ids out of order", failed, out_of_order);
    id = SENTINEL;
    check_rc("dmops-create-9th-enospc",
             tern_dm_create_ioreq_server(guest, TERN_DMOP_BUFIOREQ_OFF, &id),
             -TERN_ENOSPC);
    check(nr_servers() == TERN_MAX_IOREQ_SERVERS, "dmops-create-count",
          "%u servers, expected %u", nr_servers(), TERN_MAX_IOREQ_SERVERS);

    /* A destroyed server's pages leave us; its id is the next one. */
    evtchn_port_t port;
    uint64_t va3 = 0, buf_va;
    tern_dm_get_ioreq_server_info(guest, 3, &port, &va3, &buf_va);
    check_rc("dmops-destroy-3", tern_dm_destroy_ioreq_server(guest, 3), 0);
    check(va3 && !writable(va3), "dmops-destroy-unmaps",
          "server 3's page at %#lx is still mapped", va3);
    id = SENTINEL;
    int rc = tern_dm_create_ioreq_server(guest, TERN_DMOP_BUFIOREQ_OFF, &id);
    check(rc == 0 && id == 3, "dmops-create-reuses-id",
          "returned %d (%s), id %u, expected 3", rc, tern_errname(rc), id);

    /* Keep 0 (buffered) and 1 (not). */
    failed = 0;
    for (ioservid_t i = 2; i < TERN_MAX_IOREQ_SERVERS; i++)
        failed += tern_dm_destroy_ioreq_server(guest, i) != 0;
    check(failed == 0 && nr_servers() == 2, "dmops-destroy-6",
          "%u destroys failed, %u servers left", failed, nr_servers());
}

/* ---- get_ioreq_server_info ---- */

static void test_info_slots(uint64_t ioreq_va)
{
    const struct tern_ioreq_page *page = (const void *)(uintptr_t)ioreq_va;
    unsigned int busy = 0;
    for (unsigned int i = 0; i < TERN_MAX_VCPUS; i++)
        busy += (page->vcpu_ioreq[i].flags & TERN_IOREQ_STATE_MASK) !=
                TERN_STATE_IOREQ_NONE;
    check(busy == 0, "dmops-info-slots-none", "%u slots not NONE", busy);

    /* Slot 0's port is the guest's, offered to us; no vCPU 1, no port. */
    evtchn_port_t p0 = page->vcpu_ioreq[0].vp_eport;
    struct evtchn_status st = { 0 };
    int rc = p0 ? tern_evtchn_status(guest, p0, &st) : -1;
    check(rc == 0 && st.state != EVTCHNSTAT_closed && st.remote_dom == self_id,
          "dmops-info-slot0-port", "vp_eport %u: status %d (%s), state %u, "
          "remote %u", p0, rc, tern_errname(rc), st.state, st.remote_dom);
    check(page->vcpu_ioreq[1].vp_eport == 0, "dmops-info-slot1-no-port",
          "vp_eport %u for a vCPU the guest does not have",
          page->vcpu_ioreq[1].vp_eport);
    evtchn_port_t local;
    rc = p0 ? tern_evtchn_bind_interdomain(guest, p0, &local) : -1;
    check_rc("dmops-info-slot0-bind", rc, 0);
    if (rc == 0)
        tern_evtchn_close(local);
}

static void test_info(void)
{
    evtchn_port_t port0, port1;
    uint64_t va0, va1, buf0, buf1;

    int rc = tern_dm_get_ioreq_server_info(guest, 0, &port0, &va0, &buf0);
    check(rc == 0 && port0 && va0 && buf0 && buf0 != va0,
          "dmops-info-buffered", "returned %d (%s): port %u, ioreq_va %#lx, "
          "bufioreq_va %#lx", rc, tern_errname(rc), port0, va0, buf0);
    if (rc == 0) {
        const volatile struct tern_buf_ioreq_page *ring =
            (const void *)(uintptr_t)buf0;
        check(ring->read_pointer == 0 && ring->write_pointer == 0,
              "dmops-info-ring-empty", "a new ring's pointers are %u, %u",
              ring->read_pointer, ring->write_pointer);
    }
    rc = tern_dm_get_ioreq_server_info(guest, 1, &port1, &va1, &buf1);
    check(rc == 0 && port1 == 0 && va1 && va1 != va0 && buf1 == 0,
          "dmops-info-plain", "returned %d (%s): port %u, ioreq_va %#lx, "
          "bufioreq_va %#lx", rc, tern_errname(rc), port1, va1, buf1);
    if (rc == 0)
        test_info_slots(va1);

    struct tern_dm_op op = op_new(TERN_DMOP_get_ioreq_server_info);
    op.u.get_ioreq_server_info.id = 1;
    op.u.get_ioreq_server_info.flags = 1;
    op.u.get_ioreq_server_info.ioreq_va = SENTINEL;
    rc = tern_dm_op(guest, &op);
    check(rc == -TERN_EINVAL && op.u.get_ioreq_server_info.ioreq_va == SENTINEL,
          "dmops-info-flags", "returned %d (%s), ioreq_va %#lx (nothing may "
          "be written back)", rc, tern_errname(rc),
          op.u.get_ioreq_server_info.ioreq_va);
    check_rc("dmops-info-id-8",
             tern_dm_get_ioreq_server_info(guest, 8, &port1, &va1, &buf1),
             -TERN_ENOENT);
    check_rc("dmops-info-id-100",
             tern_dm_get_ioreq_server_info(guest, 100, &port1, &va1, &buf1),
             -TERN_ENOENT);
    check_rc("dmops-info-id-free",
             tern_dm_get_ioreq_server_info(guest, 2, &port1, &va1, &buf1),
             -TERN_ENOENT);
}

/* ---- map/unmap_io_range ---- */

static int map(ioservid_t id, uint32_t type, uint64_t s, uint64_t e)
{
    return tern_dm_map_io_range(guest, id, type, s, e, 0);
}

static int unmap(ioservid_t id, uint32_t type, uint64_t s, uint64_t e)
{
    return tern_dm_unmap_io_range(guest, id, type, s, e);
}

/* A map or unmap with any flags, through the raw call. */
static int range_op(uint32_t nr, ioservid_t id, uint16_t flags, uint32_t type,
                    uint64_t s, uint64_t e)
{
    struct tern_dm_op op = op_new(nr);
    op.u.map_io_range = (struct tern_dmop_ioreq_server_range){
        .id = id, .flags = flags, .type = type, .start = s, .end = e };
    return tern_dm_op(guest, &op);
}

static void test_range_args(void)
{
    const uint32_t port = TERN_DMOP_IO_RANGE_PORT, pci = TERN_DMOP_IO_RANGE_PCI;
    const uint32_t mem = TERN_DMOP_IO_RANGE_MEMORY;

    check_rc("dmops-range-type-3", map(1, 3, 0x10, 0x1f), -TERN_EINVAL);
    check_rc("dmops-range-type-huge", map(1, 0xffffffff, 0x10, 0x1f),
             -TERN_EINVAL);
    check_rc("dmops-range-start-after-end", map(1, mem, 0x2000, 0x1fff),
             -TERN_EINVAL);
    check_rc("dmops-range-port-over-ffff", map(1, port, 0xfff0, 0x10000),
             -TERN_EINVAL);
    check_rc("dmops-range-pci-over-32-bits",
             map(1, pci, 0, 0x100000000ull), -TERN_EINVAL);
    check_rc("dmops-range-unmap-type-3", unmap(1, 3, 0x10, 0x1f), -TERN_EINVAL);
    check_rc("dmops-range-id-free", map(2, port, 0x10, 0x1f), -TERN_ENOENT);
    check_rc("dmops-range-id-8", map(8, port, 0x10, 0x1f), -TERN_ENOENT);
    check(mapped(1, port, 0x10) == 0 && mapped(1, mem, 0x1fff) == 0 &&
          mapped(1, pci, 0) == 0, "dmops-range-bad-nothing-done",
          "a refused map mapped something");

    /* The limits themselves are in range. */
    check_rc("dmops-range-port-all", map(1, port, 0, 0xffff), 0);
    check_rc("dmops-range-port-all-unmap", unmap(1, port, 0, 0xffff), 0);
    uint32_t sbdf = TERN_DMOP_PCI_SBDF(0, 0, 3, 0);
    check_rc("dmops-range-pci-device", map(1, pci, sbdf, sbdf), 0);
    check_rc("dmops-range-pci-top", map(1, pci, 0xffffffff, 0xffffffff), 0);
    check_rc("dmops-range-mem-top", map(1, mem, ~0ull - 0xfff, ~0ull), 0);
    check(unmap(1, pci, sbdf, sbdf) == 0 &&
          unmap(1, pci, 0xffffffff, 0xffffffff) == 0 &&
          unmap(1, mem, ~0ull - 0xfff, ~0ull) == 0, "dmops-range-limits-unmap",
          "could not unmap what was mapped");
}

static void test_range_rules(void)
{
    const uint32_t port = TERN_DMOP_IO_RANGE_PORT;
    int rc;

    check_rc("dmops-range-map", map(1, port, 0x10, 0x1f), 0);
    check_rc("dmops-range-overlap", map(1, port, 0x18, 0x28), -TERN_EEXIST);
    check_rc("dmops-range-same", map(1, port, 0x10, 0x1f), -TERN_EEXIST);
    check(mapped(1, port, 0x20) == 0 && mapped(1, port, 0x28) == 0,
          "dmops-range-overlap-nothing-done", "the refused map took 0x20");
    /* Touching ranges merge: one unmap takes both. */
    check_rc("dmops-range-touching", map(1, port, 0x20, 0x2f), 0);
    check_rc("dmops-range-merged-unmap", unmap(1, port, 0x10, 0x2f), 0);
    check_rc("dmops-range-unmap-again", unmap(1, port, 0x10, 0x10), -TERN_ENOENT);
    check_rc("dmops-range-unmap-never", unmap(1, port, 0x500, 0x5ff),
             -TERN_ENOENT);

    /* Partly mapped is not mapped; the middle of a range splits it. */
    map(1, port, 0x100, 0x1ff);
    check_rc("dmops-range-unmap-partly", unmap(1, port, 0x180, 0x27f),
             -TERN_ENOENT);
    check(mapped(1, port, 0x180) == 1, "dmops-range-partly-nothing-done",
          "the refused unmap took 0x180");
    check_rc("dmops-range-split", unmap(1, port, 0x140, 0x14f), 0);
    check(mapped(1, port, 0x140) == 0 && mapped(1, port, 0x14f) == 0 &&
          mapped(1, port, 0x13f) == 1 && mapped(1, port, 0x150) == 1,
          "dmops-range-split-hole", "the hole [0x140, 0x14f] is not exact");
    check_rc("dmops-range-split-low", unmap(1, port, 0x100, 0x13f), 0);
    check_rc("dmops-range-split-high", unmap(1, port, 0x150, 0x1ff), 0);
    check_rc("dmops-range-split-gone", unmap(1, port, 0x140, 0x14f),
             -TERN_ENOENT);

    /* Ranges of different servers may overlap. */
    rc = map(0, port, 0x60, 0x64);
    check(rc == 0 && map(1, port, 0x60, 0x64) == 0, "dmops-range-two-servers",
          "server 0 map returned %d (%s) or server 1's was refused", rc,
          tern_errname(rc));
    check(unmap(0, port, 0x60, 0x64) == 0 && unmap(1, port, 0x60, 0x64) == 0,
          "dmops-range-two-servers-unmap", "an unmap failed");
}

static void test_range_full(void)
{
    const uint32_t port = TERN_DMOP_IO_RANGE_PORT;
    unsigned int failed = 0;
    int rc;

    /* 256 disjoint ports: 0, 2, 4, ..., 510. */
    for (uint64_t i = 0; i < TERN_DMOP_MAX_RANGES; i++)
        failed += map(1, port, 2 * i, 2 * i) != 0;
    check(failed == 0, "dmops-range-256", "%u of 256 maps failed", failed);
    check_rc("dmops-range-257th", map(1, port, 0x400, 0x400), -TERN_ENOSPC);
    /* (A full set cannot take the probe of mapped(): unmap instead.) */
    check_rc("dmops-range-257th-nothing-done", unmap(1, port, 0x400, 0x400),
             -TERN_ENOENT);
    check_rc("dmops-range-full-other-type",
             map(1, TERN_DMOP_IO_RANGE_MEMORY, 0x1000, 0x1fff), 0);
    unmap(1, TERN_DMOP_IO_RANGE_MEMORY, 0x1000, 0x1fff);
    /* A map that merges has room; then 256 again, and a split has not. */
    check_rc("dmops-range-full-merge", map(1, port, 1, 1), 0);
    check_rc("dmops-range-full-again", map(1, port, 0x400, 0x400), 0);
    check_rc("dmops-range-full-split", unmap(1, port, 1, 1), -TERN_ENOSPC);
    check_rc("dmops-range-full-unmap-whole", unmap(1, port, 0, 2), 0);

    failed = 0;
    for (uint64_t i = 2; i < TERN_DMOP_MAX_RANGES; i++)
        failed += unmap(1, port, 2 * i, 2 * i) != 0;
    failed += unmap(1, port, 0x400, 0x400) != 0;
    rc = map(1, port, 0, 0xffff);
    check(failed == 0 && rc == 0 && unmap(1, port, 0, 0xffff) == 0,
          "dmops-range-all-unmapped", "%u unmaps failed; then mapping every "
          "port returned %d (%s)", failed, rc, tern_errname(rc));
}

static void test_range_buffered(void)
{
    const uint32_t map_nr = TERN_DMOP_map_io_range_to_ioreq_server;
    const uint32_t unmap_nr = TERN_DMOP_unmap_io_range_from_ioreq_server;
    const uint32_t port = TERN_DMOP_IO_RANGE_PORT, mem = TERN_DMOP_IO_RANGE_MEMORY;
    const uint16_t buf = TERN_DMOP_RANGE_BUFFERED;

    check_rc("dmops-buffered-port",
             tern_dm_map_io_range(guest, 0, port, 0x3f8, 0x3ff, buf), 0);
    check_rc("dmops-buffered-vga",
             tern_dm_map_io_range(guest, 0, mem, 0xa0000, 0xbffff, buf), 0);
    check_rc("dmops-buffered-below-1m",
             tern_dm_map_io_range(guest, 0, mem, 0xff000, 0xfffff, buf), 0);
    check_rc("dmops-buffered-1m",
             tern_dm_map_io_range(guest, 0, mem, 0x100000, 0x100fff, buf),
             -TERN_EINVAL);
    check_rc("dmops-buffered-across-1m",
             tern_dm_map_io_range(guest, 0, mem, 0xc0000, 0x100000, buf),
             -TERN_EINVAL);
    check_rc("dmops-buffered-pci",
             tern_dm_map_io_range(guest, 0, TERN_DMOP_IO_RANGE_PCI, 8, 8, buf),
             -TERN_EINVAL);
    check_rc("dmops-buffered-no-ring",
             tern_dm_map_io_range(guest, 1, port, 0x3f8, 0x3ff, buf),
             -TERN_EINVAL);
    check_rc("dmops-range-flag-2",
             range_op(map_nr, 1, 0x2, port, 0x70, 0x71), -TERN_EINVAL);
    check_rc("dmops-range-flag-top",
             range_op(map_nr, 0, 0x8000 | buf, port, 0x70, 0x71), -TERN_EINVAL);
    check_rc("dmops-unmap-buffered",
             range_op(unmap_nr, 0, buf, port, 0x3f8, 0x3ff), -TERN_EINVAL);
    check_rc("dmops-unmap-flag-2",
             range_op(unmap_nr, 0, 0x2, port, 0x3f8, 0x3ff), -TERN_EINVAL);
    check(mapped(0, port, 0x3f8) == 1 && mapped(1, port, 0x3f8) == 0 &&
          mapped(0, mem, 0xc0000) == 0 && mapped(0, mem, 0x100000) == 0 &&
          mapped(1, port, 0x70) == 0 && mapped(0, port, 0x70) == 0,
          "dmops-buffered-bad-nothing-done", "a refused map or unmap changed "
          "the ranges");
    check(unmap(0, port, 0x3f8, 0x3ff) == 0 &&
          unmap(0, mem, 0xa0000, 0xbffff) == 0 &&
          unmap(0, mem, 0xff000, 0xfffff) == 0, "dmops-buffered-unmap",
          "could not unmap a buffered range");
}

/* ---- set_ioreq_server_state, set_isa_irq_level ---- */

static void test_state(void)
{
    check_rc("dmops-state-2", tern_dm_set_ioreq_server_state(guest, 1, 2),
             -TERN_EINVAL);
    struct tern_dm_op op = op_new(TERN_DMOP_set_ioreq_server_state);
    op.u.set_ioreq_server_state.id = 1;
    op.u.set_ioreq_server_state.pad = 1;
    check_rc("dmops-state-pad", tern_dm_op(guest, &op), -TERN_EINVAL);
    check_rc("dmops-state-id-free", tern_dm_set_ioreq_server_state(guest, 2, 1),
             -TERN_ENOENT);
    check_rc("dmops-state-enable", tern_dm_set_ioreq_server_state(guest, 1, 1), 0);
    check_rc("dmops-state-enable-again",
             tern_dm_set_ioreq_server_state(guest, 1, 1), 0);
    check_rc("dmops-state-disable", tern_dm_set_ioreq_server_state(guest, 1, 0), 0);
    check_rc("dmops-state-disable-again",
             tern_dm_set_ioreq_server_state(guest, 1, 0), 0);
}

static void test_irq(void)
{
    check_rc("dmops-irq-16", tern_dm_set_isa_irq_level(guest, 16, 1), -TERN_EINVAL);
    check_rc("dmops-irq-255", tern_dm_set_isa_irq_level(guest, 255, 0),
             -TERN_EINVAL);
    check_rc("dmops-irq-level-2", tern_dm_set_isa_irq_level(guest, 3, 2),
             -TERN_EINVAL);
    struct tern_dm_op op = op_new(TERN_DMOP_set_isa_irq_level);
    op.u.set_isa_irq_level.isa_irq = 3;
    op.u.set_isa_irq_level.pad = 1;
    check_rc("dmops-irq-pad", tern_dm_op(guest, &op), -TERN_EINVAL);
    check_rc("dmops-irq-raise", tern_dm_set_isa_irq_level(guest, 3, 1), 0);
    check_rc("dmops-irq-lower", tern_dm_set_isa_irq_level(guest, 3, 0), 0);
}

/* ---- map_guest_ram ---- */

static uint64_t ram_va;

static void test_ram(void)
{
    uint64_t va = 0, size = 0, va2 = 0, size2 = 0;
    int rc = tern_dm_map_guest_ram(guest, &va, &size);
    check(rc == 0 && va >= TERN_GUEST_RAM_VA &&
          va < TERN_GUEST_RAM_VA + TERN_MAX_TARGETS * TERN_GUEST_RAM_VA_STRIDE &&
          size == GUEST_MEM, "dmops-ram-map",
          "returned %d (%s): va %#lx, size %#lx (expected %#llx)", rc,
          tern_errname(rc), va, size, GUEST_MEM);
    if (rc)
        return;
    ram_va = va;
    const volatile uint8_t *ram = (const void *)(uintptr_t)va;
    (void)ram[0];
    (void)ram[size - 1];
    check(true, "dmops-ram-read", "first and last bytes read");
    rc = tern_dm_map_guest_ram(guest, &va2, &size2);
    check(rc == 0 && va2 == va && size2 == size, "dmops-ram-again",
          "returned %d (%s): va %#lx, size %#lx; first time %#lx, %#lx", rc,
          tern_errname(rc), va2, size2, va, size);
}

/* ---- the consoles ---- */

static char big_buf[TERN_CONSOLE_WRITE_MAX + 1];
static const char ro_buf[8];

static void test_console(void)
{
    check_rc("dmops-console-write-e2big",
             tern_dm_guest_console_write(guest, big_buf,
                                         TERN_CONSOLE_WRITE_MAX + 1),
             -TERN_E2BIG);
    check_rc("dmops-console-write-null",
             tern_dm_guest_console_write(guest, NULL, 5), -TERN_EFAULT);
    check_rc("dmops-console-write-kernel",
             tern_dm_guest_console_write(guest, (const char *)KERNEL_VA, 5),
             -TERN_EFAULT);
    check_rc("dmops-console-write-off-end",
             tern_dm_guest_console_write(guest, (const char *)off_end(), 32),
             -TERN_EFAULT);
    static const char pad_line[] = "dmops: a padded write must not appear\n";
    struct tern_dm_op op = op_new(TERN_DMOP_guest_console_write);
    op.u.guest_console_write.buf = (uint64_t)(uintptr_t)pad_line;
    op.u.guest_console_write.len = sizeof(pad_line) - 1;
    op.u.guest_console_write.pad = 1;
    check_rc("dmops-console-write-pad", tern_dm_op(guest, &op), -TERN_EINVAL);
    static const char hi[] = "dmops says hi\n";
    check_rc("dmops-console-write",
             tern_dm_guest_console_write(guest, hi, sizeof(hi) - 1), 0);

    check_rc("dmops-console-read-e2big",
             tern_dm_console_read(guest, big_buf, TERN_CONSOLE_WRITE_MAX + 1),
             -TERN_E2BIG);
    check_rc("dmops-console-read-null",
             tern_dm_console_read(guest, NULL, 5), -TERN_EFAULT);
    check_rc("dmops-console-read-kernel",
             tern_dm_console_read(guest, (char *)KERNEL_VA, 5), -TERN_EFAULT);
    check_rc("dmops-console-read-readonly",
             tern_dm_console_read(guest, (char *)ro_buf, sizeof(ro_buf)),
             -TERN_EFAULT);
    op = op_new(TERN_DMOP_console_read);
    op.u.console_read.buf = (uint64_t)(uintptr_t)big_buf;
    op.u.console_read.pad = 1;
    check_rc("dmops-console-read-pad", tern_dm_op(guest, &op), -TERN_EINVAL);
    check_rc("dmops-console-read-len0", tern_dm_console_read(guest, big_buf, 0),
             0);
}

/* ---- a valid op in read-only memory: refused, and not done ---- */

static const char ro_line[] = "dmops: a read-only op's line must not appear\n";
static char rw_buf[16];
#define RO_OP(nr, field, ...) \
    { .op = (nr), .u.field = { __VA_ARGS__ } }
static const struct tern_dm_op ro_ops[] = {
    RO_OP(TERN_DMOP_create_ioreq_server, create_ioreq_server, 0),
    RO_OP(TERN_DMOP_get_ioreq_server_info, get_ioreq_server_info, .id = 1),
    RO_OP(TERN_DMOP_map_io_range_to_ioreq_server, map_io_range, .id = 1,
          .type = TERN_DMOP_IO_RANGE_PORT, .start = 0x70, .end = 0x71),
    RO_OP(TERN_DMOP_set_ioreq_server_state, set_ioreq_server_state, .id = 1,
          .enabled = 1),
    RO_OP(TERN_DMOP_destroy_ioreq_server, destroy_ioreq_server, .id = 1),
    RO_OP(TERN_DMOP_set_isa_irq_level, set_isa_irq_level, .isa_irq = 4,
          .level = 1),
    RO_OP(TERN_DMOP_remote_shutdown, remote_shutdown, .status = 7),
    RO_OP(TERN_DMOP_map_guest_ram, map_guest_ram, 0),
    RO_OP(TERN_DMOP_unpause, map_guest_ram, 0),
    RO_OP(TERN_DMOP_guest_console_write, guest_console_write,
          .buf = (uint64_t)(uintptr_t)ro_line, .len = sizeof(ro_line) - 1),
    RO_OP(TERN_DMOP_console_read, console_read,
          .buf = (uint64_t)(uintptr_t)rw_buf, .len = sizeof(rw_buf)),
};

static void test_readonly(void)
{
    unsigned int wrong = 0;
    for (unsigned int i = 0; i < ARRAY_SIZE(ro_ops); i++) {
        int rc = tern_dm_op(guest, (struct tern_dm_op *)&ro_ops[i]);
        if (rc != -TERN_EFAULT) {
            printf("dmops: read-only op %u returned %d (%s)\n", ro_ops[i].op,
                   rc, tern_errname(rc));
            wrong++;
        }
    }
    check(wrong == 0, "dmops-readonly-efault", "%u of %zu ops in read-only "
          "memory did not return -EFAULT", wrong, ARRAY_SIZE(ro_ops));

    /* Nothing was done: no server made or destroyed, no range mapped, the
     * guest still there and still paused by us (checked at the end). */
    check(nr_servers() == 2, "dmops-readonly-servers", "%u servers, expected 2",
          nr_servers());
    check(mapped(1, TERN_DMOP_IO_RANGE_PORT, 0x70) == 0,
          "dmops-readonly-no-range", "port 0x70 was mapped");
    struct tern_domain_info info;
    int rc = tern_domain_info(guest, &info);
    check(rc == 0 && info.state == TERN_DOMSTATE_CREATED,
          "dmops-readonly-guest-alive", "returned %d (%s), guest state %u",
          rc, tern_errname(rc), info.state);
}

/* ---- remote_shutdown's argument; destroy ---- */

static void test_destroy(void)
{
    check_rc("dmops-shutdown-256", tern_dm_remote_shutdown(guest, 256),
             -TERN_EINVAL);
    check_rc("dmops-shutdown-huge", tern_dm_remote_shutdown(guest, 0xffffffff),
             -TERN_EINVAL);

    check_rc("dmops-destroy-id-8", tern_dm_destroy_ioreq_server(guest, 8),
             -TERN_ENOENT);
    check_rc("dmops-destroy-id-free", tern_dm_destroy_ioreq_server(guest, 5),
             -TERN_ENOENT);
    struct tern_dm_op op = op_new(TERN_DMOP_destroy_ioreq_server);
    op.u.destroy_ioreq_server.id = 1;
    op.u.destroy_ioreq_server.pad = 1;
    check_rc("dmops-destroy-pad", tern_dm_op(guest, &op), -TERN_EINVAL);
    check_rc("dmops-destroy", tern_dm_destroy_ioreq_server(guest, 1), 0);
    check_rc("dmops-destroy-twice", tern_dm_destroy_ioreq_server(guest, 1),
             -TERN_ENOENT);
    check(nr_servers() == 1, "dmops-destroy-count", "%u servers, expected 1",
          nr_servers());
}

/* ---- the end: unpause, shut the guest down, ops on an ended guest ---- */

static void test_end(void)
{
    check_rc("dmops-unpause", tern_dm_unpause(guest), 0);
    check_rc("dmops-unpause-twice", tern_dm_unpause(guest), -TERN_EBUSY);

    check_rc("dmops-shutdown", tern_dm_remote_shutdown(guest, 0), 0);
    struct tern_domain_info info;
    int rc = tern_domain_info(guest, &info);
    check(rc == 0 && info.state == TERN_DOMSTATE_SHUTDOWN,
          "dmops-shutdown-state", "returned %d (%s), guest state %u", rc,
          tern_errname(rc), info.state);

    ioservid_t id = SENTINEL;
    check_rc("dmops-ended-create",
             tern_dm_create_ioreq_server(guest, TERN_DMOP_BUFIOREQ_OFF, &id),
             -TERN_EINVAL);
    evtchn_port_t port;
    uint64_t va, buf_va;
    check_rc("dmops-ended-info",
             tern_dm_get_ioreq_server_info(guest, 0, &port, &va, &buf_va),
             -TERN_ENOENT);
    check_rc("dmops-ended-destroy", tern_dm_destroy_ioreq_server(guest, 0),
             -TERN_ENOENT);
    /* The RAM mapping stays until the DM ends. */
    if (ram_va)
        (void)*(const volatile uint8_t *)(uintptr_t)ram_va;
    check(ram_va != 0, "dmops-ended-ram-read", "guest RAM was never mapped");
}

/* Find a live domain other than us that we do not control. */
static void find_other(const struct tern_start_info *si)
{
    struct tern_domain_info info;
    for (domid_t id = 0; id <= TERN_DM_MAX_DOMID && other_id < 0; id++) {
        bool ours = id == si->domid;
        for (unsigned int i = 0; i < si->nr_targets; i++)
            ours |= si->targets[i] == id;
        if (!ours && tern_domain_info(id, &info) == 0)
            other_id = id;
    }
}

int main(const struct tern_start_info *si)
{
    self_id = si->domid;
    if (!check(si->nr_targets == 1, "dmops-target", "%u targets: run as "
               "role=dm target=GUEST", si->nr_targets))
        return check_done();
    guest = si->targets[0];
    find_other(si);
    printf("dmops: domain %u, guest %u, foreign domain %d\n", self_id, guest,
           other_id);

    test_general();
    test_create();
    test_info();
    test_range_args();
    test_range_rules();
    test_range_full();
    test_range_buffered();
    test_state();
    test_irq();
    test_ram();
    test_console();
    test_readonly();
    test_destroy();
    test_end();
    return check_done();
}
