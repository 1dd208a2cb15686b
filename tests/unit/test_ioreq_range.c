/*
 * tests/unit/test_ioreq_range.c: rangesets and server selection
 * (kernel/ioreq/range.c): merge and split, every error and its "nothing
 * changed", the 256-range limit, the ends of the 64-bit space, a random
 * walk checked against a bitmap; then which server an access goes to:
 * newest wins, only whole containment counts, disabled servers and other
 * types do not, and a cf8/cfc access (kernel/ioreq/pci.c) routes by its
 * device.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "stub.h"
#include <tern/ioreq.h>

static struct ioreq_rangeset *rs_new(void)
{
    return calloc(1, sizeof(struct ioreq_rangeset));
}

/* The set is exactly the ranges listed, as {first, last} pairs. */
static void assert_ranges(const struct ioreq_rangeset *rs, unsigned int nr,
                          const uint64_t *pairs)
{
    assert_int_equal(rs->nr, nr);
    for (unsigned int i = 0; i < nr; i++) {
        assert_true(rs->r[i].first == pairs[2 * i]);
        assert_true(rs->r[i].last == pairs[2 * i + 1]);
    }
}

/* Sorted, non-overlapping, non-touching. */
static void assert_well_formed(const struct ioreq_rangeset *rs)
{
    assert_true(rs->nr <= TERN_DMOP_MAX_RANGES);
    for (unsigned int i = 0; i < rs->nr; i++) {
        assert_true(rs->r[i].first <= rs->r[i].last);
        if (i > 0)
            assert_true(rs->r[i - 1].last + 1 < rs->r[i].first);
    }
}

static void test_add_sorts_and_merges(void **state)
{
    struct ioreq_rangeset *rs = rs_new();
    assert_int_equal(ioreq_rangeset_add(rs, 0x40, 0x4f), 0);
    assert_int_equal(ioreq_rangeset_add(rs, 0x10, 0x1f), 0);
    assert_int_equal(ioreq_rangeset_add(rs, 0x80, 0x80), 0);
    assert_ranges(rs, 3, (uint64_t[]){ 0x10, 0x1f, 0x40, 0x4f, 0x80, 0x80 });

    /* Touching on the right of one: merges left. */
    assert_int_equal(ioreq_rangeset_add(rs, 0x20, 0x2f), 0);
    assert_ranges(rs, 3, (uint64_t[]){ 0x10, 0x2f, 0x40, 0x4f, 0x80, 0x80 });
    /* Touching on the left of one: merges right. */
    assert_int_equal(ioreq_rangeset_add(rs, 0x7a, 0x7f), 0);
    assert_ranges(rs, 3, (uint64_t[]){ 0x10, 0x2f, 0x40, 0x4f, 0x7a, 0x80 });
    /* Filling a gap exactly: three become one. */
    assert_int_equal(ioreq_rangeset_add(rs, 0x30, 0x3f), 0);
    assert_ranges(rs, 2, (uint64_t[]){ 0x10, 0x4f, 0x7a, 0x80 });
    /* Not touching (a gap of one): stays separate. */
    assert_int_equal(ioreq_rangeset_add(rs, 0x51, 0x78), 0);
    assert_ranges(rs, 3, (uint64_t[]){ 0x10, 0x4f, 0x51, 0x78, 0x7a, 0x80 });
    assert_well_formed(rs);
    free(rs);
}

static void test_add_errors_change_nothing(void **state)
{
    struct ioreq_rangeset *rs = rs_new();
    assert_int_equal(ioreq_rangeset_add(rs, 0x100, 0x1ff), 0);
    assert_int_equal(ioreq_rangeset_add(rs, 0x300, 0x3ff), 0);
    struct ioreq_rangeset before = *rs;

    assert_int_equal(ioreq_rangeset_add(rs, 5, 4), -TERN_EINVAL);
    /* Any overlap is -TERN_EEXIST: inside, over either end, covering,
     * a single shared address, spanning two ranges. */
    assert_int_equal(ioreq_rangeset_add(rs, 0x180, 0x190), -TERN_EEXIST);
    assert_int_equal(ioreq_rangeset_add(rs, 0x0f0, 0x100), -TERN_EEXIST);
    assert_int_equal(ioreq_rangeset_add(rs, 0x1ff, 0x200), -TERN_EEXIST);
    assert_int_equal(ioreq_rangeset_add(rs, 0x000, 0xfff), -TERN_EEXIST);
    assert_int_equal(ioreq_rangeset_add(rs, 0x100, 0x1ff), -TERN_EEXIST);
    assert_int_equal(ioreq_rangeset_add(rs, 0x150, 0x350), -TERN_EEXIST);
    assert_memory_equal(rs, &before, sizeof(before));
    free(rs);
}

static void test_remove_trims_and_splits(void **state)
{
    struct ioreq_rangeset *rs = rs_new();
    assert_int_equal(ioreq_rangeset_add(rs, 0x100, 0x1ff), 0);
    /* The middle: one becomes two. */
    assert_int_equal(ioreq_rangeset_remove(rs, 0x140, 0x14f), 0);
    assert_ranges(rs, 2, (uint64_t[]){ 0x100, 0x13f, 0x150, 0x1ff });
    /* The left end, the right end. */
    assert_int_equal(ioreq_rangeset_remove(rs, 0x100, 0x10f), 0);
    assert_int_equal(ioreq_rangeset_remove(rs, 0x1f0, 0x1ff), 0);
    assert_ranges(rs, 2, (uint64_t[]){ 0x110, 0x13f, 0x150, 0x1ef });
    /* A whole range. */
    assert_int_equal(ioreq_rangeset_remove(rs, 0x110, 0x13f), 0);
    assert_ranges(rs, 1, (uint64_t[]){ 0x150, 0x1ef });
    /* Mapping the hole again merges back. */
    assert_int_equal(ioreq_rangeset_add(rs, 0x100, 0x14f), 0);
    assert_ranges(rs, 1, (uint64_t[]){ 0x100, 0x1ef });
    free(rs);
}

static void test_remove_errors_change_nothing(void **state)
{
    struct ioreq_rangeset *rs = rs_new();
    assert_int_equal(ioreq_rangeset_remove(rs, 0, 0), -TERN_ENOENT);
    assert_int_equal(ioreq_rangeset_add(rs, 0x100, 0x1ff), 0);
    assert_int_equal(ioreq_rangeset_add(rs, 0x300, 0x3ff), 0);
    struct ioreq_rangeset before = *rs;

    assert_int_equal(ioreq_rangeset_remove(rs, 9, 8), -TERN_EINVAL);
    assert_int_equal(ioreq_rangeset_remove(rs, 0x200, 0x2ff), -TERN_ENOENT);
    assert_int_equal(ioreq_rangeset_remove(rs, 0x0ff, 0x100), -TERN_ENOENT);
    assert_int_equal(ioreq_rangeset_remove(rs, 0x1ff, 0x200), -TERN_ENOENT);
    assert_int_equal(ioreq_rangeset_remove(rs, 0x100, 0x3ff), -TERN_ENOENT);
    assert_int_equal(ioreq_rangeset_remove(rs, 0x400, 0x400), -TERN_ENOENT);
    assert_memory_equal(rs, &before, sizeof(before));
    free(rs);
}

static void test_limit_of_256_ranges(void **state)
{
    struct ioreq_rangeset *rs = rs_new();
    /* 256 ranges [4i, 4i+1], gaps of two between them. */
    for (uint64_t i = 0; i < TERN_DMOP_MAX_RANGES; i++)
        assert_int_equal(ioreq_rangeset_add(rs, 4 * i, 4 * i + 1), 0);
    assert_int_equal(rs->nr, 256);
    struct ioreq_rangeset before = *rs;

    /* A 257th separate range: no room, and nothing changed. */
    assert_int_equal(ioreq_rangeset_add(rs, 5000, 5000), -TERN_ENOSPC);
    /* A split needs one more entry: no room either. */
    assert_int_equal(ioreq_rangeset_remove(rs, 0, 0), 0);       /* a trim */
    assert_int_equal(ioreq_rangeset_add(rs, 0, 0), 0);          /* back */
    assert_memory_equal(rs, &before, sizeof(before));
    assert_int_equal(ioreq_rangeset_add(rs, 4 * 256, 4 * 256 + 5), -TERN_ENOSPC);
    struct ioreq_rangeset *wide = rs_new();
    for (uint64_t i = 0; i < TERN_DMOP_MAX_RANGES; i++)
        assert_int_equal(ioreq_rangeset_add(wide, 8 * i, 8 * i + 4), 0);
    assert_int_equal(ioreq_rangeset_remove(wide, 2, 2), -TERN_ENOSPC);
    assert_int_equal(wide->nr, 256);
    assert_true(ioreq_rangeset_contains(wide, 2, 2));

    /* Adds that merge always fit, even when full: 255 ranges remain. */
    assert_int_equal(ioreq_rangeset_add(rs, 2, 3), 0);          /* joins two */
    assert_int_equal(rs->nr, 255);
    assert_int_equal(ioreq_rangeset_add(rs, 5000, 5000), 0);    /* room now */
    assert_well_formed(rs);
    free(wide);
    free(rs);
}

static void test_ends_of_the_address_space(void **state)
{
    struct ioreq_rangeset *rs = rs_new();
    const uint64_t top = UINT64_MAX;
    assert_int_equal(ioreq_rangeset_add(rs, top, top), 0);
    assert_int_equal(ioreq_rangeset_add(rs, 0, 0), 0);
    assert_true(ioreq_rangeset_contains(rs, top, top));
    assert_true(ioreq_rangeset_contains(rs, 0, 0));
    assert_false(ioreq_rangeset_contains(rs, top - 1, top));
    /* Touching the top from below merges, without wrapping to 0. */
    assert_int_equal(ioreq_rangeset_add(rs, top - 9, top - 1), 0);
    assert_ranges(rs, 2, (uint64_t[]){ 0, 0, top - 9, top });
    assert_int_equal(ioreq_rangeset_add(rs, top - 3, top), -TERN_EEXIST);
    /* Trim the top, split near it. */
    assert_int_equal(ioreq_rangeset_remove(rs, top, top), 0);
    assert_int_equal(ioreq_rangeset_remove(rs, top - 5, top - 5), 0);
    assert_ranges(rs, 3, (uint64_t[]){ 0, 0, top - 9, top - 6, top - 4, top - 1 });
    /* The whole space is one range. */
    struct ioreq_rangeset *all = rs_new();
    assert_int_equal(ioreq_rangeset_add(all, 0, top), 0);
    assert_true(ioreq_rangeset_contains(all, 0, top));
    assert_int_equal(ioreq_rangeset_remove(all, 1, top - 1), 0);
    assert_ranges(all, 2, (uint64_t[]){ 0, 0, top, top });
    free(all);
    free(rs);
}

static void test_contains_needs_one_range(void **state)
{
    struct ioreq_rangeset *rs = rs_new();
    assert_false(ioreq_rangeset_contains(rs, 0, 0));
    assert_int_equal(ioreq_rangeset_add(rs, 0x10, 0x1f), 0);
    assert_int_equal(ioreq_rangeset_add(rs, 0x21, 0x2f), 0);
    assert_true(ioreq_rangeset_contains(rs, 0x10, 0x1f));
    assert_true(ioreq_rangeset_contains(rs, 0x18, 0x18));
    assert_false(ioreq_rangeset_contains(rs, 0x0f, 0x10));
    assert_false(ioreq_rangeset_contains(rs, 0x1f, 0x20));
    assert_false(ioreq_rangeset_contains(rs, 0x1f, 0x21));     /* across a hole */
    assert_false(ioreq_rangeset_contains(rs, 0x20, 0x20));
    assert_false(ioreq_rangeset_contains(rs, 0x18, 0x17));     /* backwards */
    free(rs);
}

/*
 * A random walk of adds and removes over [0, 1023] against a bitmap: the
 * result of each call (0 or which error) and the set afterwards must be
 * what the bitmap says. Mostly one- and two-address ranges, and more
 * adds than removes, so that the walk fills the set to its 256 ranges
 * and meets both kinds of -TERN_ENOSPC; now and then a longer range, to
 * merge and split across many.
 */
#define UNIVERSE 1024
static bool all_set(const bool *bits, uint64_t a, uint64_t b)
{
    for (uint64_t x = a; x <= b; x++)
        if (!bits[x])
            return false;
    return true;
}

static bool any_set(const bool *bits, uint64_t a, uint64_t b)
{
    for (uint64_t x = a; x <= b; x++)
        if (bits[x])
            return true;
    return false;
}

static unsigned int runs_in(const bool *bits)
{
    unsigned int runs = 0;
    for (unsigned int x = 0; x < UNIVERSE; x++)
        if (bits[x] && (x == 0 || !bits[x - 1]))
            runs++;
    return runs;
}

/* What the set must answer to add (or remove) [a, b], per the bitmap;
 * *next is the bitmap afterwards if it succeeds. */
static int model(const bool *bits, bool *next, bool add, uint64_t a, uint64_t b)
{
    if (add ? any_set(bits, a, b) : !all_set(bits, a, b))
        return add ? -TERN_EEXIST : -TERN_ENOENT;
    memcpy(next, bits, UNIVERSE * sizeof(bool));
    for (uint64_t x = a; x <= b; x++)
        next[x] = add;
    return runs_in(next) > TERN_DMOP_MAX_RANGES ? -TERN_ENOSPC : 0;
}

static void test_random_walk_matches_a_bitmap(void **state)
{
    struct ioreq_rangeset *rs = rs_new();
    bool bits[UNIVERSE] = { false }, next[UNIVERSE];
    unsigned int seen[2][4] = { { 0 } };  /* [add][0, EEXIST/ENOENT, ENOSPC] */
    srandom(42);
    for (int step = 0; step < 20000; step++) {
        uint64_t a = random() % UNIVERSE;
        uint64_t len = random() % 8 ? random() % 2 : random() % 24;
        uint64_t b = MIN(a + len, UNIVERSE - 1);    /* len: MIN repeats */
        bool add = random() % 5 < 3;
        int want = model(bits, next, add, a, b);
        int got = add ? ioreq_rangeset_add(rs, a, b)
                      : ioreq_rangeset_remove(rs, a, b);
        assert_int_equal(got, want);
        if (!want)
            memcpy(bits, next, sizeof(bits));
        seen[add][want == 0 ? 0 : want == -TERN_ENOSPC ? 2 : 1]++;

        assert_well_formed(rs);
        assert_int_equal(rs->nr, runs_in(bits));
        uint64_t p = random() % UNIVERSE, plen = random() % 8;
        uint64_t q = MIN(p + plen, UNIVERSE - 1);
        assert_int_equal(ioreq_rangeset_contains(rs, p, q), all_set(bits, p, q));
    }
    /* The walk met every outcome of both calls. */
    for (int add = 0; add < 2; add++)
        for (int k = 0; k < 3; k++)
            assert_true(seen[add][k] > 0);
    free(rs);
}

/* ---- selection ---- */

static uint64_t clock_;

static struct ioreq_server *server(ioservid_t id, bool enabled)
{
    struct ioreq_server *s = calloc(1, sizeof(*s));
    s->id = id;
    s->enabled = enabled;
    s->created = ++clock_;
    return s;
}

static struct tern_ioreq mkreq(uint8_t type, uint64_t addr, uint32_t size)
{
    return (struct tern_ioreq){ .type = type, .addr = addr, .size = size,
                                .count = 1 };
}

static struct ioreq_server *pick(struct ioreq_server *const *s, unsigned int nr,
                                 uint8_t type, uint64_t addr, uint32_t size)
{
    struct tern_ioreq req = mkreq(type, addr, size);
    return ioreq_range_select(s, nr, &req);
}

static void test_newest_enabled_server_wins(void **state)
{
    struct ioreq_server *s[TERN_MAX_IOREQ_SERVERS] = { NULL };
    s[0] = server(0, true);
    s[1] = server(1, true);
    s[2] = server(2, true);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ioreq_rangeset_add(&s[i]->ranges[TERN_DMOP_IO_RANGE_PORT],
                                            0x3f8, 0x3ff), 0);
    assert_ptr_equal(pick(s, 8, TERN_IOREQ_TYPE_PIO, 0x3f8, 1), s[2]);

    /* Disabled servers are skipped: the next newest gets it. */
    s[2]->enabled = false;
    assert_ptr_equal(pick(s, 8, TERN_IOREQ_TYPE_PIO, 0x3f8, 1), s[1]);

    /* Ids are reused: a server created into id 0 later is the newest,
     * whatever its id says. */
    free(s[0]);
    s[0] = NULL;
    assert_ptr_equal(pick(s, 8, TERN_IOREQ_TYPE_PIO, 0x3fd, 1), s[1]);
    s[0] = server(0, true);
    assert_int_equal(ioreq_rangeset_add(&s[0]->ranges[TERN_DMOP_IO_RANGE_PORT],
                                        0x3f8, 0x3ff), 0);
    assert_ptr_equal(pick(s, 8, TERN_IOREQ_TYPE_PIO, 0x3fd, 1), s[0]);

    /* No enabled server claims it: nobody. */
    s[0]->enabled = s[1]->enabled = false;
    assert_null(pick(s, 8, TERN_IOREQ_TYPE_PIO, 0x3f8, 1));
    assert_null(pick(s, 0, TERN_IOREQ_TYPE_PIO, 0x3f8, 1));
    for (int i = 0; i < 3; i++)
        free(s[i]);
}

static void test_only_full_containment_routes(void **state)
{
    struct ioreq_server *s[2] = { server(0, true), server(1, true) };
    /* The older one claims 0x1000-0x1fff; the newer one just 0x1000-0x1003. */
    ioreq_rangeset_add(&s[0]->ranges[TERN_DMOP_IO_RANGE_MEMORY], 0x1000, 0x1fff);
    ioreq_rangeset_add(&s[1]->ranges[TERN_DMOP_IO_RANGE_MEMORY], 0x1000, 0x1003);
    assert_ptr_equal(pick(s, 2, TERN_IOREQ_TYPE_COPY, 0x1000, 4), s[1]);
    /* 4 bytes at 0x1002 run past the newer range: the older one holds it. */
    assert_ptr_equal(pick(s, 2, TERN_IOREQ_TYPE_COPY, 0x1002, 4), s[0]);
    assert_ptr_equal(pick(s, 2, TERN_IOREQ_TYPE_COPY, 0x1ff8, 8), s[0]);
    /* Over the end of everything claimed: nobody, not a partial owner. */
    assert_null(pick(s, 2, TERN_IOREQ_TYPE_COPY, 0x1ffc, 8));
    assert_null(pick(s, 2, TERN_IOREQ_TYPE_COPY, 0x0fff, 2));
    /* Sizes the exit path never makes, and wrapping past 2^64. */
    assert_null(pick(s, 2, TERN_IOREQ_TYPE_COPY, 0x1000, 0));
    assert_null(pick(s, 2, TERN_IOREQ_TYPE_COPY, 0x1000, 16));
    ioreq_rangeset_add(&s[1]->ranges[TERN_DMOP_IO_RANGE_MEMORY],
                       UINT64_MAX - 7, UINT64_MAX);
    assert_ptr_equal(pick(s, 2, TERN_IOREQ_TYPE_COPY, UINT64_MAX - 7, 8), s[1]);
    assert_null(pick(s, 2, TERN_IOREQ_TYPE_COPY, UINT64_MAX - 3, 8));
    free(s[0]);
    free(s[1]);
}

static void test_types_are_separate(void **state)
{
    struct ioreq_server *s[3] = { server(0, true), server(1, true),
                                  server(2, true) };
    ioreq_rangeset_add(&s[0]->ranges[TERN_DMOP_IO_RANGE_PORT], 0x60, 0x64);
    ioreq_rangeset_add(&s[1]->ranges[TERN_DMOP_IO_RANGE_MEMORY], 0x60, 0x64);
    ioreq_rangeset_add(&s[2]->ranges[TERN_DMOP_IO_RANGE_PCI],
                       TERN_DMOP_PCI_SBDF(0, 0, 3, 0), TERN_DMOP_PCI_SBDF(0, 0, 3, 7));
    assert_ptr_equal(pick(s, 3, TERN_IOREQ_TYPE_PIO, 0x60, 1), s[0]);
    assert_ptr_equal(pick(s, 3, TERN_IOREQ_TYPE_COPY, 0x60, 1), s[1]);
    /* A PCI range is not a port or memory range with the same numbers. */
    assert_null(pick(s, 3, TERN_IOREQ_TYPE_PIO, TERN_DMOP_PCI_SBDF(0, 0, 3, 0), 1));
    /* PCI goes by the device in bits 63..32; the register is ignored. */
    uint64_t dev3 = (uint64_t)TERN_DMOP_PCI_SBDF(0, 0, 3, 2) << 32;
    assert_ptr_equal(pick(s, 3, TERN_IOREQ_TYPE_PCI_CONFIG, dev3 | 0xfc, 4), s[2]);
    assert_ptr_equal(pick(s, 3, TERN_IOREQ_TYPE_PCI_CONFIG, dev3, 1), s[2]);
    uint64_t dev4 = (uint64_t)TERN_DMOP_PCI_SBDF(0, 0, 4, 0) << 32;
    assert_null(pick(s, 3, TERN_IOREQ_TYPE_PCI_CONFIG, dev4, 4));
    /* Types Tern never routes. */
    assert_null(pick(s, 3, 7, 0x60, 1));
    assert_null(pick(s, 3, 8, 0x60, 1));
    for (int i = 0; i < 3; i++)
        free(s[i]);
}

/* The path of a guest's config read: latch CONFIG_ADDRESS, decode the
 * data-port access, select. */
static void test_cf8_access_routes_to_the_device_owner(void **state)
{
    struct ioreq_server *s[1] = { server(0, true) };
    ioreq_rangeset_add(&s[0]->ranges[TERN_DMOP_IO_RANGE_PCI],
                       TERN_DMOP_PCI_SBDF(0, 0, 2, 0), TERN_DMOP_PCI_SBDF(0, 0, 2, 0));
    uint32_t cf8 = ioreq_pci_config_address_write(0x80001000u | 0x10);  /* 00:02.0 reg 0x10 */
    uint64_t addr;
    assert_int_equal(ioreq_pci_decode(cf8, 0xcfe, 2, &addr), IOREQ_PCI_CONFIG);
    struct tern_ioreq req = mkreq(TERN_IOREQ_TYPE_PCI_CONFIG, addr, 2);
    assert_ptr_equal(ioreq_range_select(s, 1, &req), s[0]);
    assert_true((addr & 0xffffffffu) == 0x12);

    cf8 = ioreq_pci_config_address_write(0x80001100u);        /* 00:02.1 */
    assert_int_equal(ioreq_pci_decode(cf8, 0xcfc, 4, &addr), IOREQ_PCI_CONFIG);
    req = mkreq(TERN_IOREQ_TYPE_PCI_CONFIG, addr, 4);
    assert_null(ioreq_range_select(s, 1, &req));
    free(s[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_sorts_and_merges),
        cmocka_unit_test(test_add_errors_change_nothing),
        cmocka_unit_test(test_remove_trims_and_splits),
        cmocka_unit_test(test_remove_errors_change_nothing),
        cmocka_unit_test(test_limit_of_256_ranges),
        cmocka_unit_test(test_ends_of_the_address_space),
        cmocka_unit_test(test_contains_needs_one_range),
        cmocka_unit_test(test_random_walk_matches_a_bitmap),
        cmocka_unit_test(test_newest_enabled_server_wins),
        cmocka_unit_test(test_only_full_containment_routes),
        cmocka_unit_test(test_types_are_separate),
        cmocka_unit_test(test_cf8_access_routes_to_the_device_owner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
