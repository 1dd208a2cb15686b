/*
 * tests/unit/test_evtchn.c: event channels (kernel/evtchn.c): port
 * allocation, binding, send, close, and the two-level pending/mask/
 * selector logic, including unmask of a pending port and internal ports.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "stub.h"
#include <tern/domain.h>
#include <tern/evtchn.h>

/* ---- what evtchn.c needs from the rest of Tern ---- */
struct domain *domains[MAX_DOMAINS];
static int wakeups[MAX_DOMAINS];

void *kzalloc(size_t n) { return calloc(1, n); }
void kfree(void *p) { free(p); }
void *page_alloc_zeroed(void)
{
    void *p = aligned_alloc(4096, 4096);
    memset(p, 0, 4096);
    return p;
}
void page_free(void *p) { free(p); }
struct domain *domain_by_id(unsigned int id)
{
    return id < MAX_DOMAINS ? domains[id] : NULL;
}
void sched_domain_event(struct domain *d) { wakeups[d->id]++; }

static struct domain *mkdom(unsigned id)
{
    struct domain *d = calloc(1, sizeof(*d));
    d->id = id;
    assert_int_equal(evtchn_domain_init(d), 0);
    domains[id] = d;
    return d;
}

static int setup(void **state)
{
    memset(wakeups, 0, sizeof(wakeups));
    mkdom(0);
    mkdom(1);
    mkdom(2);
    return 0;
}

static int teardown(void **state)
{
    for (unsigned i = 0; i < 3; i++) {
        evtchn_domain_destroy(domains[i]);
        free(domains[i]);
        domains[i] = NULL;
    }
    return 0;
}

static bool pending(struct domain *d, evtchn_port_t p)
{
    return d->shared_info->evtchn_pending[p / 64] & (1ull << (p % 64));
}

/* Connect a port in a to a port in b; returns them. */
static void connect(struct domain *a, struct domain *b, evtchn_port_t *pa,
                    evtchn_port_t *pb)
{
    assert_int_equal(evtchn_alloc_unbound(a, b, pa), 0);
    assert_int_equal(evtchn_bind_interdomain(b, a, *pa, pb), 0);
}

static void test_alloc_lowest_free_port_and_exhaustion(void **state)
{
    struct domain *a = domains[0], *b = domains[1];
    evtchn_port_t p;
    for (evtchn_port_t want = 1; want < TERN_EVTCHN_PORTS; want++) {
        assert_int_equal(evtchn_alloc_unbound(a, b, &p), 0);
        assert_int_equal(p, want);      /* port 0 is never handed out */
    }
    assert_int_equal(evtchn_alloc_unbound(a, b, &p), -TERN_ENOSPC);
    assert_int_equal(evtchn_close(a, 500), 0);
    assert_int_equal(evtchn_alloc_unbound(a, b, &p), 0);
    assert_int_equal(p, 500);
}

static void test_bind_rules(void **state)
{
    struct domain *a = domains[0], *b = domains[1], *c = domains[2];
    evtchn_port_t pa, pb, pc;
    assert_int_equal(evtchn_alloc_unbound(a, b, &pa), 0);
    /* Only the named remote may bind; only unbound ports; valid ports. */
    assert_int_equal(evtchn_bind_interdomain(c, a, pa, &pc), -TERN_EINVAL);
    assert_int_equal(evtchn_bind_interdomain(b, a, 0, &pb), -TERN_EINVAL);
    assert_int_equal(evtchn_bind_interdomain(b, a, TERN_EVTCHN_PORTS, &pb), -TERN_EINVAL);
    assert_int_equal(evtchn_bind_interdomain(b, a, pa + 1, &pb), -TERN_EINVAL);
    assert_int_equal(evtchn_bind_interdomain(b, a, pa, &pb), 0);
    assert_int_equal(evtchn_bind_interdomain(b, a, pa, &pb), -TERN_EINVAL);

    struct evtchn_status st;
    assert_int_equal(evtchn_status(a, pa, &st), 0);
    assert_int_equal(st.state, EVTCHNSTAT_interdomain);
    assert_int_equal(st.remote_dom, 1);
    assert_int_equal(st.remote_port, pb);
    assert_int_equal(evtchn_status(b, pb, &st), 0);
    assert_int_equal(st.remote_port, pa);
}

static void test_send_sets_peer_pending_selector_and_wakes(void **state)
{
    struct domain *a = domains[0], *b = domains[1];
    evtchn_port_t pa, pb;
    /* Use a port in the second selector word. */
    for (int i = 0; i < 70; i++)
        evtchn_alloc_unbound(b, a, &pb);
    connect(a, b, &pa, &pb);
    assert_true(pb >= 64);

    assert_int_equal(evtchn_send(a, pa), 0);
    assert_true(pending(b, pb));
    assert_false(pending(a, pa));
    assert_int_equal(b->shared_info->vcpu_info[0].upcall_pending, 1);
    assert_true(b->shared_info->vcpu_info[0].pending_sel & (1ull << (pb / 64)));
    assert_int_equal(wakeups[1], 1);
    assert_true(evtchn_any_pending(b));

    /* Events coalesce: a second send while pending does not wake again. */
    assert_int_equal(evtchn_send(a, pa), 0);
    assert_int_equal(wakeups[1], 1);

    /* Sends on bad or unbound ports fail. */
    evtchn_port_t unbound;
    evtchn_alloc_unbound(a, b, &unbound);
    assert_int_equal(evtchn_send(a, unbound), -TERN_EINVAL);
    assert_int_equal(evtchn_send(a, 0), -TERN_EINVAL);
    assert_int_equal(evtchn_send(a, 0xffffffffu), -TERN_EINVAL);
}

static void test_masked_port_pends_silently_until_unmask(void **state)
{
    struct domain *a = domains[0], *b = domains[1];
    evtchn_port_t pa, pb;
    connect(a, b, &pa, &pb);
    b->shared_info->evtchn_mask[pb / 64] |= 1ull << (pb % 64);

    assert_int_equal(evtchn_send(a, pa), 0);
    assert_true(pending(b, pb));
    assert_int_equal(b->shared_info->vcpu_info[0].upcall_pending, 0);
    assert_int_equal(b->shared_info->vcpu_info[0].pending_sel, 0);
    assert_int_equal(wakeups[1], 0);
    assert_false(evtchn_any_pending(b));

    /* Unmasking a pending port delivers it as a fresh event would. */
    assert_int_equal(evtchn_unmask(b, pb), 0);
    assert_int_equal(b->shared_info->vcpu_info[0].upcall_pending, 1);
    assert_true(b->shared_info->vcpu_info[0].pending_sel & (1ull << (pb / 64)));
    assert_int_equal(wakeups[1], 1);
    assert_true(evtchn_any_pending(b));

    /* Unmasking a port that is not pending delivers nothing. */
    evtchn_port_t qa, qb;
    connect(a, b, &qa, &qb);
    b->shared_info->evtchn_mask[qb / 64] |= 1ull << (qb % 64);
    assert_int_equal(evtchn_unmask(b, qb), 0);
    assert_int_equal(wakeups[1], 1);
    assert_int_equal(evtchn_unmask(b, 0), -TERN_EINVAL);
    assert_int_equal(evtchn_unmask(b, 900), -TERN_EINVAL);    /* closed */
}

static void test_close_makes_peer_unbound_and_clears_bits(void **state)
{
    struct domain *a = domains[0], *b = domains[1];
    evtchn_port_t pa, pb, again;
    connect(a, b, &pa, &pb);
    evtchn_send(b, pb);
    assert_true(pending(a, pa));

    assert_int_equal(evtchn_close(a, pa), 0);
    assert_false(pending(a, pa));
    assert_int_equal(evtchn_close(a, pa), -TERN_EINVAL);     /* twice */
    struct evtchn_status st;
    evtchn_status(b, pb, &st);
    assert_int_equal(st.state, EVTCHNSTAT_unbound);          /* offered again */
    assert_int_equal(st.remote_dom, 0);
    assert_int_equal(evtchn_send(b, pb), -TERN_EINVAL);
    /* a may bind to it again. */
    assert_int_equal(evtchn_bind_interdomain(a, b, pb, &again), 0);
    assert_int_equal(evtchn_send(b, pb), 0);
    assert_true(pending(a, again));
}

static void test_close_all_on_domain_end(void **state)
{
    struct domain *a = domains[0], *b = domains[1];
    evtchn_port_t pa, pb;
    connect(a, b, &pa, &pb);
    evtchn_domain_close_all(b);
    struct evtchn_status st;
    evtchn_status(a, pa, &st);
    assert_int_equal(st.state, EVTCHNSTAT_unbound);
    evtchn_status(b, pb, &st);
    assert_int_equal(st.state, EVTCHNSTAT_closed);
    assert_int_equal(evtchn_send(a, pa), -TERN_EINVAL);
}

static int notified;
static evtchn_port_t notified_port;
static void on_event(struct domain *d, evtchn_port_t port, void *arg)
{
    notified += *(int *)arg;
    notified_port = port;
}

static void test_internal_port_runs_its_consumer(void **state)
{
    struct domain *guest = domains[0], *dm = domains[1];
    evtchn_port_t gp, dp;
    int one = 1;
    notified = 0;
    assert_int_equal(evtchn_alloc_internal(guest, dm, on_event, &one, &gp), 0);
    assert_int_equal(evtchn_bind_interdomain(dm, guest, gp, &dp), 0);
    struct evtchn_status st;
    evtchn_status(guest, gp, &st);
    assert_int_equal(st.state, EVTCHNSTAT_internal);

    assert_int_equal(evtchn_send(dm, dp), 0);
    assert_int_equal(notified, 1);
    assert_int_equal(notified_port, gp);
    assert_int_equal(wakeups[0], 0);        /* Tern consumed it */
    assert_false(pending(guest, gp));       /* consumed: not left pending */
    /* A second signal is a new event, seen again. */
    assert_int_equal(evtchn_send(dm, dp), 0);
    assert_int_equal(notified, 2);
    /* The other direction is an ordinary event for the DM. */
    assert_int_equal(evtchn_send(guest, gp), 0);
    assert_true(pending(dm, dp));
    assert_int_equal(wakeups[1], 1);
}

static void test_virq_timer(void **state)
{
    struct domain *a = domains[0];
    evtchn_port_t p, q;
    assert_int_equal(evtchn_bind_virq(a, 7, &p), -TERN_EINVAL);
    assert_int_equal(evtchn_bind_virq(a, TERN_VIRQ_TIMER, &p), 0);
    assert_int_equal(evtchn_bind_virq(a, TERN_VIRQ_TIMER, &q), -TERN_EBUSY);
    evtchn_fire_virq(a, TERN_VIRQ_TIMER);
    assert_true(pending(a, p));
    assert_int_equal(wakeups[0], 1);
    assert_int_equal(evtchn_close(a, p), 0);
    assert_int_equal(evtchn_bind_virq(a, TERN_VIRQ_TIMER, &q), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_alloc_lowest_free_port_and_exhaustion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_sets_peer_pending_selector_and_wakes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_masked_port_pends_silently_until_unmask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_makes_peer_unbound_and_clears_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_all_on_domain_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_internal_port_runs_its_consumer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_virq_timer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
