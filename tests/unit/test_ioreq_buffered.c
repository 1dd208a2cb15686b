/*
 * tests/unit/test_ioreq_buffered.c: the buffered ioreq ring
 * (kernel/ioreq/buffered.c): which requests may be buffered, the slot
 * encoding, 8-byte writes in two slots, the full ring, the wrap of the
 * slot index at 511 and of the uint32 counters at 2^32, broken counters
 * from a DM, a burst ten times the ring through a simulated DM that
 * loses nothing and keeps order (with the synchronous fallback when the
 * ring is full), and the same with a real consumer thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <cmocka.h>

#include "stub.h"
#include <tern/ioreq.h>

#define SLOTS TERN_BUF_IOREQ_SLOTS

static struct tern_buf_ioreq_page *page_new(void)
{
    struct tern_buf_ioreq_page *pg = aligned_alloc(4096, 4096);
    memset(pg, 0, 4096);
    return pg;
}

static struct tern_ioreq wr(uint8_t type, uint64_t addr, uint32_t size,
                            uint64_t data)
{
    return (struct tern_ioreq){ .type = type, .addr = addr, .size = size,
                                .data = data, .count = 1,
                                .flags = TERN_IOREQ_WRITE << TERN_IOREQ_DIR_SHIFT };
}

/* Pop one request and check it is 'want'. */
static void pop_expect(struct tern_buf_ioreq_page *pg, const struct tern_ioreq *want)
{
    struct tern_ioreq got;
    assert_int_equal(ioreq_buf_pop(pg, &got), 1);
    assert_int_equal(got.type, want->type);
    assert_true(got.addr == want->addr);
    assert_int_equal(got.size, want->size);
    assert_true(got.data == want->data);
    assert_int_equal(got.count, 1);
    assert_int_equal(got.flags, 0);                 /* a write, state NONE */
}

static void test_what_can_be_buffered(void **state)
{
    struct tern_ioreq r;
    for (uint32_t size = 1; size <= 8; size *= 2) {
        r = wr(TERN_IOREQ_TYPE_PIO, 0x3c0, size, 0);
        assert_true(ioreq_buf_can_buffer(&r));
        r = wr(TERN_IOREQ_TYPE_COPY, 0xa0000, size, 0);
        assert_true(ioreq_buf_can_buffer(&r));
    }
    r = wr(TERN_IOREQ_TYPE_COPY, 0xfffff, 4, 0);    /* the last 20-bit address */
    assert_true(ioreq_buf_can_buffer(&r));
    r = wr(TERN_IOREQ_TYPE_COPY, 0x100000, 1, 0);   /* 21 bits */
    assert_false(ioreq_buf_can_buffer(&r));
    r = wr(TERN_IOREQ_TYPE_COPY, 0xfee00000, 4, 0);
    assert_false(ioreq_buf_can_buffer(&r));
    r = wr(TERN_IOREQ_TYPE_PIO, 0x3c0, 1, 0);
    r.flags = TERN_IOREQ_DIR_READ;                  /* reads wait for data */
    assert_false(ioreq_buf_can_buffer(&r));
    r = wr(TERN_IOREQ_TYPE_PIO, 0x3c0, 1, 0);
    r.count = 2;                                    /* REP OUTS */
    assert_false(ioreq_buf_can_buffer(&r));
    r = wr(TERN_IOREQ_TYPE_PIO, 0x3c0, 1, 0);
    r.flags |= TERN_IOREQ_DATA_IS_PTR;
    assert_false(ioreq_buf_can_buffer(&r));
    uint32_t bad_sizes[] = { 0, 3, 5, 16 };
    for (unsigned int i = 0; i < ARRAY_SIZE(bad_sizes); i++) {
        r = wr(TERN_IOREQ_TYPE_PIO, 0x3c0, bad_sizes[i], 0);
        assert_false(ioreq_buf_can_buffer(&r));
    }
    r = wr(TERN_IOREQ_TYPE_PCI_CONFIG, 0, 4, 0);
    assert_false(ioreq_buf_can_buffer(&r));

    struct tern_buf_ioreq_page *pg = page_new();
    r = wr(TERN_IOREQ_TYPE_PIO, 0x3c0, 3, 0);
    assert_int_equal(ioreq_buf_push(pg, &r), -TERN_EINVAL);
    assert_int_equal(pg->write_pointer, 0);
    free(pg);
}

static void test_one_push_fills_a_slot_then_publishes(void **state)
{
    struct tern_buf_ioreq_page *pg = page_new();
    struct tern_ioreq r = wr(TERN_IOREQ_TYPE_COPY, 0xb8000, 2, 0x0741);
    assert_int_equal(ioreq_buf_push(pg, &r), 0);
    assert_int_equal(pg->read_pointer, 0);
    assert_int_equal(pg->write_pointer, 1);
    /* type 1, dir 0, size code 1, addr 0xb8000 */
    assert_int_equal(pg->slot[0].hdr, 0xb8000000u | 1u << 10 | 1);
    assert_int_equal(pg->slot[0].data, 0x0741);
    pop_expect(pg, &r);
    assert_int_equal(pg->read_pointer, 1);
    struct tern_ioreq none;
    assert_int_equal(ioreq_buf_pop(pg, &none), 0);
    free(pg);
}

static void test_eight_bytes_take_two_slots(void **state)
{
    struct tern_buf_ioreq_page *pg = page_new();
    struct tern_ioreq q = wr(TERN_IOREQ_TYPE_COPY, 0xa0008, 8,
                             0x1122334455667788ull);
    assert_int_equal(ioreq_buf_push(pg, &q), 0);
    assert_int_equal(pg->write_pointer, 2);
    uint32_t hdr = 0xa0008000u | 3u << 10 | TERN_IOREQ_TYPE_COPY;
    assert_int_equal(pg->slot[0].hdr, hdr);
    assert_int_equal(pg->slot[0].data, 0x55667788);     /* low half first */
    assert_int_equal(pg->slot[1].hdr, hdr);             /* header repeated */
    assert_int_equal(pg->slot[1].data, 0x11223344);
    pop_expect(pg, &q);
    assert_int_equal(pg->read_pointer, 2);              /* both consumed */
    free(pg);
}

static void test_full_ring_refuses_and_changes_nothing(void **state)
{
    struct tern_buf_ioreq_page *pg = page_new();
    for (uint32_t i = 0; i < SLOTS; i++) {
        struct tern_ioreq r = wr(TERN_IOREQ_TYPE_PIO, 0x80, 1, i & 0xff);
        assert_int_equal(ioreq_buf_push(pg, &r), 0);
    }
    assert_int_equal(ioreq_buf_used(pg->read_pointer, pg->write_pointer), SLOTS);
    struct tern_buf_ioreq_page *before = page_new();
    memcpy(before, pg, 4096);
    struct tern_ioreq one = wr(TERN_IOREQ_TYPE_PIO, 0x80, 1, 0xaa);
    assert_int_equal(ioreq_buf_push(pg, &one), -TERN_ENOSPC);
    assert_memory_equal(pg, before, 4096);

    /* One slot free: a 1-byte write fits, an 8-byte one does not. */
    struct tern_ioreq got;
    assert_int_equal(ioreq_buf_pop(pg, &got), 1);
    struct tern_ioreq eight = wr(TERN_IOREQ_TYPE_COPY, 0x10, 8, ~0ull);
    memcpy(before, pg, 4096);
    assert_int_equal(ioreq_buf_push(pg, &eight), -TERN_ENOSPC);
    assert_memory_equal(pg, before, 4096);
    assert_int_equal(ioreq_buf_push(pg, &one), 0);
    /* Full again; two pops make room for the 8-byte write. */
    assert_int_equal(ioreq_buf_push(pg, &one), -TERN_ENOSPC);
    assert_int_equal(ioreq_buf_pop(pg, &got), 1);
    assert_int_equal(ioreq_buf_pop(pg, &got), 1);
    assert_int_equal(ioreq_buf_push(pg, &eight), 0);
    assert_int_equal(ioreq_buf_used(pg->read_pointer, pg->write_pointer), SLOTS);
    free(before);
    free(pg);
}

static void test_slot_index_wraps_at_511(void **state)
{
    struct tern_buf_ioreq_page *pg = page_new();
    /* Both counters at 510: the next slot is the last one. */
    pg->read_pointer = pg->write_pointer = SLOTS - 1;
    struct tern_ioreq q = wr(TERN_IOREQ_TYPE_PIO, 0x1234, 8, 0xdeadbeefcafef00dull);
    assert_int_equal(ioreq_buf_push(pg, &q), 0);
    /* Its halves are slot 510 and slot 0. */
    assert_int_equal(pg->slot[SLOTS - 1].data, 0xcafef00d);
    assert_int_equal(pg->slot[0].data, 0xdeadbeef);
    assert_int_equal(pg->write_pointer, SLOTS + 1);
    pop_expect(pg, &q);
    assert_int_equal(pg->read_pointer, SLOTS + 1);

    /* read_pointer is past 511: the next push lowers both counters by
     * 511 first; slot 1 is still next. */
    struct tern_ioreq r = wr(TERN_IOREQ_TYPE_PIO, 0x80, 1, 0x42);
    assert_int_equal(ioreq_buf_push(pg, &r), 0);
    assert_int_equal(pg->read_pointer, 1);
    assert_int_equal(pg->write_pointer, 2);
    assert_int_equal(pg->slot[1].data, 0x42);
    pop_expect(pg, &r);
    free(pg);
}

static void test_lowering_keeps_waiting_requests(void **state)
{
    struct tern_buf_ioreq_page *pg = page_new();
    /* 700 requests through, 300 of them still unread. */
    pg->read_pointer = pg->write_pointer = 400;
    struct tern_ioreq r[300];
    for (int i = 0; i < 300; i++) {
        r[i] = wr(TERN_IOREQ_TYPE_COPY, 0xa0000 + i, 4, 0x1000u + i);
        assert_int_equal(ioreq_buf_push(pg, &r[i]), 0);
    }
    struct tern_ioreq got;
    for (int i = 0; i < 150; i++)
        assert_int_equal(ioreq_buf_pop(pg, &got), 1);
    assert_int_equal(pg->read_pointer, 550);
    /* The next push takes 511 off both: 39 and 189, same slots. */
    struct tern_ioreq last = wr(TERN_IOREQ_TYPE_PIO, 0x60, 1, 0xfe);
    assert_int_equal(ioreq_buf_push(pg, &last), 0);
    assert_int_equal(pg->read_pointer, 550 - SLOTS);
    assert_int_equal(pg->write_pointer, 700 - SLOTS + 1);
    for (int i = 150; i < 300; i++)
        pop_expect(pg, &r[i]);
    pop_expect(pg, &last);
    assert_int_equal(ioreq_buf_pop(pg, &got), 0);
    free(pg);
}

/*
 * Why Tern lowers the counters: 2^32 % 511 = 32, so free-running
 * counters 2^32 - 32 and 2^32 (which is 0 in uint32) name the same
 * slot, although a ring with 33 requests in it holds both.
 */
static void test_counters_must_not_cross_2_32(void **state)
{
    assert_int_equal((uint32_t)(1ull << 32) % SLOTS, 0);
    assert_int_equal((uint32_t)((1ull << 32) - 32) % SLOTS, 0);
    assert_int_equal((1ull << 32) % SLOTS, 32);
    /* The count itself is right across 2^32. */
    assert_int_equal(ioreq_buf_used(0xffffffffu, 1), 2);
    assert_int_equal(ioreq_buf_used(0xfffffff0u, 0xfffffff0u), 0);
    assert_int_equal(ioreq_buf_used(0xffffff00u, 0xffu), 0x1ff);
}

static void test_counters_near_2_32_are_lowered_first(void **state)
{
    struct tern_buf_ioreq_page *pg = page_new();
    /*
     * A DM left both counters 16 short of 2^32, with 5 requests unread
     * (put in the slots their counters name: 16..20). The first push
     * lowers the pair by a multiple of 511 before it writes, keeping
     * every slot index: nothing is lost and the counters never pass 2^32.
     */
    uint32_t start = 0xfffffff0u;
    assert_int_equal(start % SLOTS, 16);
    struct tern_ioreq old[5];
    for (uint32_t k = 0; k < 5; k++) {
        old[k] = wr(TERN_IOREQ_TYPE_PIO, 0x70 + k, 1, k);
        pg->slot[(start + k) % SLOTS] = (struct tern_buf_ioreq){
            .hdr = (0x70 + k) << TERN_BUF_IOREQ_ADDR_SHIFT, .data = k };
    }
    pg->read_pointer = start;
    pg->write_pointer = start + 5;
    struct tern_ioreq q = wr(TERN_IOREQ_TYPE_COPY, 0xa0000, 8, 0x0102030405060708ull);
    assert_int_equal(ioreq_buf_push(pg, &q), 0);
    assert_int_equal(pg->read_pointer, 16);
    assert_int_equal(pg->write_pointer, 23);
    for (int k = 0; k < 5; k++)
        pop_expect(pg, &old[k]);
    pop_expect(pg, &q);

    /* Then ten rings' worth through: the counters stay small. */
    for (uint32_t i = 0; i < 10 * SLOTS; i++) {
        struct tern_ioreq r = wr(TERN_IOREQ_TYPE_PIO, i & 0xfffff, 4, i);
        assert_int_equal(ioreq_buf_push(pg, &r), 0);
        assert_true(pg->write_pointer < 2 * SLOTS + 2);
        pop_expect(pg, &r);
    }
    free(pg);
}

static void test_broken_counters_are_reported_not_used(void **state)
{
    struct tern_buf_ioreq_page *pg = page_new();
    struct tern_buf_ioreq_page *before = page_new();
    struct tern_ioreq r = wr(TERN_IOREQ_TYPE_PIO, 0x80, 1, 1), got;
    /* More than 511 apart, or read_pointer ahead of write_pointer. */
    static const uint32_t pairs[][2] = {
        { 0, SLOTS + 1 }, { 5, 3 }, { 0xfffffff0u, 0x300 }, { 1000, 0 },
    };
    for (unsigned int i = 0; i < ARRAY_SIZE(pairs); i++) {
        pg->read_pointer = pairs[i][0];
        pg->write_pointer = pairs[i][1];
        memcpy(before, pg, 4096);
        assert_int_equal(ioreq_buf_push(pg, &r), -TERN_EIO);
        assert_int_equal(ioreq_buf_pop(pg, &got), -TERN_EIO);
        assert_memory_equal(pg, before, 4096);
    }
    /* Exactly 511 apart is a full ring, not a broken one. */
    pg->read_pointer = 3;
    pg->write_pointer = 3 + SLOTS;
    assert_int_equal(ioreq_buf_push(pg, &r), -TERN_ENOSPC);
    free(before);
    free(pg);
}

static void test_broken_eight_byte_pair(void **state)
{
    struct tern_buf_ioreq_page *pg = page_new();
    uint32_t hdr = 0x10u << TERN_BUF_IOREQ_ADDR_SHIFT | 3u << TERN_BUF_IOREQ_SIZE_SHIFT;
    struct tern_ioreq got;
    /* Only its first half counted. */
    pg->slot[0] = (struct tern_buf_ioreq){ hdr, 1 };
    pg->slot[1] = (struct tern_buf_ioreq){ hdr, 2 };
    pg->write_pointer = 1;
    assert_int_equal(ioreq_buf_pop(pg, &got), -TERN_EIO);
    /* Halves that disagree. */
    pg->write_pointer = 2;
    pg->slot[1].hdr ^= 1u << TERN_BUF_IOREQ_ADDR_SHIFT;
    assert_int_equal(ioreq_buf_pop(pg, &got), -TERN_EIO);
    assert_int_equal(pg->read_pointer, 0);
    pg->slot[1].hdr = hdr;
    assert_int_equal(ioreq_buf_pop(pg, &got), 1);
    assert_true(got.data == 0x0000000200000001ull);
    free(pg);
}

/* ---- bursts ---- */

/* Request number i of a burst: sizes, types, addresses and data vary. */
static struct tern_ioreq burst_req(uint32_t i)
{
    static const uint32_t sizes[] = { 1, 2, 4, 8, 8, 4, 1, 8, 2 };
    uint32_t size = sizes[i % ARRAY_SIZE(sizes)];
    uint64_t data = (uint64_t)i * 0x9e3779b97f4a7c15ull;
    if (size < 8)
        data &= (1ull << (8 * size)) - 1;
    return wr(i % 3 ? TERN_IOREQ_TYPE_COPY : TERN_IOREQ_TYPE_PIO,
              (i * 7u) & TERN_BUF_IOREQ_ADDR_MASK, size, data);
}

static bool same(const struct tern_ioreq *a, const struct tern_ioreq *b)
{
    return a->type == b->type && a->addr == b->addr && a->size == b->size &&
           a->data == b->data;
}

/* Is 'got' request number i of the burst? */
static bool is_burst_req(const struct tern_ioreq *got, uint32_t i)
{
    struct tern_ioreq want = burst_req(i);
    return same(got, &want);
}

/*
 * Ten rings' worth of writes. Between pushes a simulated DM reads a
 * few requests now and then, less than the guest writes. When the ring is full the request goes the synchronous
 * way, which the DM serves only after draining the ring
 * (include/public/ioreq.h, "Order"). What the DM sees must be exactly
 * the guest's writes, in order.
 */
static void test_burst_ten_times_the_ring_loses_nothing(void **state)
{
    struct tern_buf_ioreq_page *pg = page_new();
    const uint32_t n = 10 * SLOTS;
    uint32_t seen = 0, full = 0;
    struct tern_ioreq got;
    srandom(7);
    for (uint32_t i = 0; i < n; i++) {
        struct tern_ioreq r = burst_req(i);
        int rc = ioreq_buf_push(pg, &r);
        if (rc == -TERN_ENOSPC) {
            full++;
            while (ioreq_buf_pop(pg, &got) == 1)
                assert_true(is_burst_req(&got, seen++));
            assert_true(is_burst_req(&r, seen++));     /* the sync one */
        } else {
            assert_int_equal(rc, 0);
        }
        assert_true(pg->write_pointer < 2 * SLOTS + 2);
        /* Now and then the DM reads a few: a bit slower than the guest. */
        long k = random() % 8 ? 0 : random() % 12;
        for (; k > 0 && ioreq_buf_pop(pg, &got) == 1; k--)
            assert_true(is_burst_req(&got, seen++));
    }
    while (ioreq_buf_pop(pg, &got) == 1)
        assert_true(is_burst_req(&got, seen++));
    assert_int_equal(seen, n);
    /* The producer outran the consumer: the fallback was taken. */
    assert_true(full > 1);
    free(pg);
}

/* The same with the DM on another thread, consuming concurrently. */
struct race {
    struct tern_buf_ioreq_page *pg;
    uint32_t n;
    time_t deadline;
    uint32_t seen, mismatches, broken;
};

static void *consumer(void *arg)
{
    struct race *r = arg;
    struct tern_ioreq got;
    while (r->seen < r->n && time(NULL) < r->deadline) {
        int rc = ioreq_buf_pop(r->pg, &got);
        if (rc == 1) {
            r->mismatches += !is_burst_req(&got, r->seen++);
        } else if (rc == 0) {
            sched_yield();
        } else {
            r->broken++;
            break;
        }
    }
    return NULL;
}

static void test_concurrent_consumer_sees_every_write_in_order(void **state)
{
    struct race r = { .pg = page_new(), .n = 200000,
                      .deadline = time(NULL) + 60 };
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, consumer, &r), 0);
    uint32_t pushed = 0, retries = 0;
    while (pushed < r.n && time(NULL) < r.deadline) {
        struct tern_ioreq q = burst_req(pushed);
        int rc = ioreq_buf_push(r.pg, &q);
        if (rc == 0) {
            pushed++;
        } else {
            /* Full (or the DM kept moving): wait for it, as the exit path
             * would wait on the synchronous slot. */
            assert_true(rc == -TERN_ENOSPC || rc == -TERN_EAGAIN);
            retries++;
            sched_yield();
        }
    }
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(pushed, r.n);
    assert_int_equal(r.seen, r.n);
    assert_int_equal(r.mismatches, 0);
    assert_int_equal(r.broken, 0);
    assert_true(r.pg->read_pointer < 2 * SLOTS + 2);
    free(r.pg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_what_can_be_buffered),
        cmocka_unit_test(test_one_push_fills_a_slot_then_publishes),
        cmocka_unit_test(test_eight_bytes_take_two_slots),
        cmocka_unit_test(test_full_ring_refuses_and_changes_nothing),
        cmocka_unit_test(test_slot_index_wraps_at_511),
        cmocka_unit_test(test_lowering_keeps_waiting_requests),
        cmocka_unit_test(test_counters_must_not_cross_2_32),
        cmocka_unit_test(test_counters_near_2_32_are_lowered_first),
        cmocka_unit_test(test_broken_counters_are_reported_not_used),
        cmocka_unit_test(test_broken_eight_byte_pair),
        cmocka_unit_test(test_burst_ten_times_the_ring_loses_nothing),
        cmocka_unit_test(test_concurrent_consumer_sees_every_write_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
