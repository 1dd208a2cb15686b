/*
 * tests/unit/test_ioreq_sync.c: the synchronous ioreq slot
 * (kernel/ioreq/sync.c): publishing a request, a DM's answer taken and
 * the slot freed, and the judgement of every state a DM can leave in a
 * slot: forward moves waited for, IORESP_READY taken, and steps
 * backwards, invalid states and unasked answers named as errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "stub.h"
#include <tern/ioreq.h>

enum { NONE = TERN_STATE_IOREQ_NONE, READY = TERN_STATE_IOREQ_READY,
       INPROCESS = TERN_STATE_IOREQ_INPROCESS, RESP = TERN_STATE_IORESP_READY };

/* What a DM does: set the state, keeping the other bits of the byte. */
static void dm_set_state(struct tern_ioreq *slot, unsigned int state)
{
    uint8_t f = __atomic_load_n(&slot->flags, __ATOMIC_ACQUIRE);
    __atomic_store_n(&slot->flags,
                     (uint8_t)((f & ~TERN_IOREQ_STATE_MASK) | state),
                     __ATOMIC_RELEASE);
}

static void test_publish_fills_the_slot_and_marks_it_ready(void **state)
{
    struct tern_ioreq slot = { .vp_eport = 17, .pad0 = 0xffff,
                               .flags = TERN_IOREQ_FLAGS_RESERVED };
    struct tern_ioreq req = {
        .addr = 0xfeb00010, .data = 0x1000, .count = 4, .size = 2,
        .vp_eport = 99,                         /* not the slot's: ignored */
        .flags = TERN_IOREQ_DATA_IS_PTR | TERN_IOREQ_DIR_READ | TERN_IOREQ_DF |
                 TERN_STATE_IORESP_READY,       /* state bits: ignored */
        .type = TERN_IOREQ_TYPE_COPY,
    };
    ioreq_sync_publish(&slot, &req);
    assert_true(slot.addr == 0xfeb00010);
    assert_true(slot.data == 0x1000);
    assert_int_equal(slot.count, 4);
    assert_int_equal(slot.size, 2);
    assert_int_equal(slot.type, TERN_IOREQ_TYPE_COPY);
    assert_int_equal(slot.vp_eport, 17);        /* the slot keeps its port */
    assert_int_equal(slot.pad0, 0);
    assert_int_equal(slot.flags, TERN_IOREQ_DATA_IS_PTR | TERN_IOREQ_DIR_READ |
                                 TERN_IOREQ_DF | READY);
    assert_int_equal(ioreq_sync_state(&slot), READY);
}

static void test_round_trip_of_a_read(void **state)
{
    struct tern_ioreq slot = { .vp_eport = 3 };
    struct tern_ioreq req = { .addr = 0x71, .count = 1, .size = 1,
                              .flags = TERN_IOREQ_DIR_READ,
                              .type = TERN_IOREQ_TYPE_PIO };
    assert_int_equal(ioreq_sync_check(false, NONE, ioreq_sync_state(&slot)),
                     IOREQ_SYNC_IDLE);
    ioreq_sync_publish(&slot, &req);
    unsigned int seen = READY;

    /* The DM takes it: Tern, woken early, keeps waiting. */
    dm_set_state(&slot, INPROCESS);
    unsigned int now = ioreq_sync_state(&slot);
    assert_int_equal(ioreq_sync_check(true, seen, now), IOREQ_SYNC_WAIT);
    seen = now;

    /* The DM answers: data first, then the state. */
    slot.data = 0x42;
    dm_set_state(&slot, RESP);
    now = ioreq_sync_state(&slot);
    assert_int_equal(ioreq_sync_check(true, seen, now), IOREQ_SYNC_DONE);
    assert_true(ioreq_sync_complete(&slot) == 0x42);
    assert_int_equal(ioreq_sync_state(&slot), NONE);
    /* Freeing keeps the flags the DM may still look at. */
    assert_int_equal(slot.flags, TERN_IOREQ_DIR_READ | NONE);
    assert_int_equal(ioreq_sync_check(false, NONE, ioreq_sync_state(&slot)),
                     IOREQ_SYNC_IDLE);
}

static void test_answer_without_inprocess_is_fine(void **state)
{
    assert_int_equal(ioreq_sync_check(true, READY, RESP), IOREQ_SYNC_DONE);
    assert_int_equal(ioreq_sync_check(true, READY, READY), IOREQ_SYNC_WAIT);
    assert_int_equal(ioreq_sync_check(true, INPROCESS, INPROCESS), IOREQ_SYNC_WAIT);
}

/* Every (outstanding, prev, now) with its verdict, now over all 16 values
 * the four state bits can hold. */
static void test_every_transition(void **state)
{
    for (unsigned int now = 0; now < 16; now++) {
        for (unsigned int prev = READY; prev <= RESP; prev++) {
            enum ioreq_sync_verdict want;
            if (now > RESP)
                want = IOREQ_SYNC_BAD_STATE;
            else if (now == NONE || now < prev)
                want = IOREQ_SYNC_BACKWARDS;
            else if (now == RESP)
                want = IOREQ_SYNC_DONE;
            else
                want = IOREQ_SYNC_WAIT;
            assert_int_equal(ioreq_sync_check(true, prev, now), want);
        }
        enum ioreq_sync_verdict idle = now > RESP ? IOREQ_SYNC_BAD_STATE :
                                       now == NONE ? IOREQ_SYNC_IDLE :
                                       IOREQ_SYNC_UNSOLICITED;
        assert_int_equal(ioreq_sync_check(false, NONE, now), idle);
    }
}

static void test_named_dm_errors(void **state)
{
    /* Backwards: INPROCESS -> READY, an answer withdrawn, a reset. */
    assert_int_equal(ioreq_sync_check(true, INPROCESS, READY), IOREQ_SYNC_BACKWARDS);
    assert_int_equal(ioreq_sync_check(true, RESP, INPROCESS), IOREQ_SYNC_BACKWARDS);
    assert_int_equal(ioreq_sync_check(true, READY, NONE), IOREQ_SYNC_BACKWARDS);
    /* An answer, or any state, in a slot nobody asked. */
    assert_int_equal(ioreq_sync_check(false, NONE, RESP), IOREQ_SYNC_UNSOLICITED);
    assert_int_equal(ioreq_sync_check(false, NONE, READY), IOREQ_SYNC_UNSOLICITED);
    /* No such state, asked or not. */
    assert_int_equal(ioreq_sync_check(true, READY, 4), IOREQ_SYNC_BAD_STATE);
    assert_int_equal(ioreq_sync_check(false, NONE, 15), IOREQ_SYNC_BAD_STATE);

    /* A real slot: the DM rewinds it while Tern waits. */
    struct tern_ioreq slot = { 0 };
    struct tern_ioreq req = { .addr = 0x60, .count = 1, .size = 1,
                              .type = TERN_IOREQ_TYPE_PIO };
    ioreq_sync_publish(&slot, &req);
    dm_set_state(&slot, INPROCESS);
    dm_set_state(&slot, READY);
    assert_int_equal(ioreq_sync_check(true, INPROCESS, ioreq_sync_state(&slot)),
                     IOREQ_SYNC_BACKWARDS);
}

static void test_names_for_the_crash_message(void **state)
{
    const char *err[] = {
        ioreq_sync_verdict_name(IOREQ_SYNC_BAD_STATE),
        ioreq_sync_verdict_name(IOREQ_SYNC_BACKWARDS),
        ioreq_sync_verdict_name(IOREQ_SYNC_UNSOLICITED),
    };
    for (int i = 0; i < 3; i++) {
        assert_non_null(strstr(err[i], "device model"));
        for (int j = 0; j < i; j++)
            assert_string_not_equal(err[i], err[j]);
    }
    assert_non_null(strstr(err[1], "backwards"));
    assert_non_null(strstr(err[2], "no request"));
    assert_string_equal(ioreq_sync_verdict_name(IOREQ_SYNC_WAIT),
                        "waiting for the device model");
    assert_string_equal(ioreq_sync_verdict_name((enum ioreq_sync_verdict)99),
                        "unknown verdict");
    assert_string_equal(ioreq_sync_state_name(NONE), "NONE");
    assert_string_equal(ioreq_sync_state_name(READY), "READY");
    assert_string_equal(ioreq_sync_state_name(INPROCESS), "INPROCESS");
    assert_string_equal(ioreq_sync_state_name(RESP), "IORESP_READY");
    assert_string_equal(ioreq_sync_state_name(4), "invalid");
    assert_string_equal(ioreq_sync_state_name(255), "invalid");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_publish_fills_the_slot_and_marks_it_ready),
        cmocka_unit_test(test_round_trip_of_a_read),
        cmocka_unit_test(test_answer_without_inprocess_is_fine),
        cmocka_unit_test(test_every_transition),
        cmocka_unit_test(test_named_dm_errors),
        cmocka_unit_test(test_names_for_the_crash_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
