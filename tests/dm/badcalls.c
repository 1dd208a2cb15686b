/*
 * tests/dm/badcalls.c: every hypercall with bad arguments, each checked
 * for the exact error include/public/hypercall.h and evtchn.h document,
 * then a good call to show Tern is unharmed.
 *
 * Run beside at least one other domain that it does not control (a guest
 * or another ring-3 domain): the rights checks need a foreign domain.
 *   name=badcalls role=user
 *
 * Where the headers do not name the error, this test fixes Tern's choice:
 *   - an unknown TERN_HC_sched_op command:       -TERN_EINVAL
 *   - an unknown TERN_HC_evtchn_op command:      -TERN_ENOSYS
 *   - TERN_SCHEDOP_shutdown with status > 255:   -TERN_EINVAL
 *   - EVTCHNOP_status of a free, valid port:     0, state closed
 *   - EVTCHNOP_bind_virq of a bound VIRQ:        -TERN_EBUSY
 *   - EVTCHNOP_set_timer with no timer VIRQ:     -TERN_EINVAL
 *   - console_write of 0 bytes, any pointer:     0
 *
 * One "TEST badcalls-...: PASS/FAIL" line per check.
 */
#include "check.h"

#define MS                      (1000ull * 1000)
#define BAD_DOMID               ((domid_t)0x7fe0)
#define KERNEL_VA               0xffff800000000000ull
#define UNMAPPED_VA             0x0000100000000000ull

static domid_t self_id;
static int other_id = -1;       /* a live domain we do not control */

/* A valid request in read-only memory (.rodata). */
static const struct evtchn_alloc_unbound ro_alloc = {
    .dom = TERN_DOMID_SELF, .remote_dom = TERN_DOMID_SELF
};
static char big_buf[2 * TERN_CONSOLE_WRITE_MAX];

/* A pointer 'room' bytes before the end of the stack mapping, so that an
 * object there runs off the mapped memory. */
static void *stack_end(size_t room)
{
    return (void *)(uintptr_t)(TERN_USER_STACK_TOP - room);
}

static long hc(unsigned long nr, unsigned long a1, unsigned long a2)
{
    return tern_hypercall(nr, a1, a2, 0, 0, 0, 0);
}

/* ---- hypercall numbers and the console ---- */

static void test_numbers(void)
{
    check_rc("badcalls-hc-max", hc(TERN_HC_MAX, 0, 0), -TERN_ENOSYS);
    check_rc("badcalls-hc-9999", hc(9999, 0, 0), -TERN_ENOSYS);
    check_rc("badcalls-hc-all-ones", hc(~0ul, 0, 0), -TERN_ENOSYS);
}

static void test_console(void)
{
    check_rc("badcalls-console-null", tern_console_write(NULL, 5), -TERN_EFAULT);
    check_rc("badcalls-console-kernel",
             tern_console_write((const char *)KERNEL_VA, 5), -TERN_EFAULT);
    check_rc("badcalls-console-unmapped",
             tern_console_write((const char *)UNMAPPED_VA, 5), -TERN_EFAULT);
    check_rc("badcalls-console-off-end",
             tern_console_write(stack_end(4), 8), -TERN_EFAULT);
    check_rc("badcalls-console-e2big",
             tern_console_write(big_buf, TERN_CONSOLE_WRITE_MAX + 1), -TERN_E2BIG);
    check_rc("badcalls-console-e2big-huge",
             tern_console_write(big_buf, ~0ul), -TERN_E2BIG);
    check_rc("badcalls-console-len0", tern_console_write(NULL, 0), 0);

    /* Exactly the limit is fine. Tern's console drops '\r', so pad with
     * it to print one short line from a 1024-byte write. */
    static const char line[] = "badcalls: a write of exactly "
                               "TERN_CONSOLE_WRITE_MAX bytes\n";
    size_t pad = TERN_CONSOLE_WRITE_MAX - (sizeof(line) - 1);
    memset(big_buf, '\r', pad);
    memcpy(big_buf + pad, line, sizeof(line) - 1);
    check_rc("badcalls-console-max",
             tern_console_write(big_buf, TERN_CONSOLE_WRITE_MAX),
             TERN_CONSOLE_WRITE_MAX);
}

/* ---- sched_op ---- */

static void test_sched(void)
{
    check_rc("badcalls-sched-bad-cmd",
             hc(TERN_HC_sched_op, 99, 0), -TERN_EINVAL);
    check_rc("badcalls-sched-cmd-after-last",
             hc(TERN_HC_sched_op, TERN_SCHEDOP_shutdown + 1, 0), -TERN_EINVAL);
    check_rc("badcalls-shutdown-status-256",
             hc(TERN_HC_sched_op, TERN_SCHEDOP_shutdown, 256), -TERN_EINVAL);
    check_rc("badcalls-shutdown-status-negative",
             hc(TERN_HC_sched_op, TERN_SCHEDOP_shutdown, ~0ul), -TERN_EINVAL);
    check_rc("badcalls-poll-zero", tern_sched_poll(0), -TERN_ETIMEDOUT);

    uint64_t t0 = tern_time_ns();
    int rc = tern_sched_poll(1 * MS);
    uint64_t waited = tern_time_ns() - t0;
    check(rc == -TERN_ETIMEDOUT && waited >= 1 * MS, "badcalls-poll-timeout",
          "poll(1 ms) with nothing pending returned %d (%s) after %lu us",
          rc, tern_errname(rc), waited / 1000);
}

/* ---- evtchn_op: the argument pointer ---- */

static void test_evtchn_pointers(void)
{
    static const struct {
        unsigned int cmd;
        const char *name;
    } cmds[] = {
        { EVTCHNOP_alloc_unbound, "alloc-unbound" },
        { EVTCHNOP_bind_interdomain, "bind-interdomain" },
        { EVTCHNOP_send, "send" },
        { EVTCHNOP_close, "close" },
        { EVTCHNOP_unmask, "unmask" },
        { EVTCHNOP_status, "status" },
        { EVTCHNOP_bind_virq, "bind-virq" },
        { EVTCHNOP_set_timer, "set-timer" },
    };
    static const struct {
        uint64_t va;
        const char *name;
    } bad[] = {
        { 0, "null" },
        { KERNEL_VA, "kernel" },
        { UNMAPPED_VA, "unmapped" },
        { TERN_USER_STACK_TOP - 2, "off-end" },
    };
    char name[64];

    for (unsigned int i = 0; i < ARRAY_SIZE(cmds); i++)
        for (unsigned int j = 0; j < ARRAY_SIZE(bad); j++) {
            snprintf(name, sizeof(name), "badcalls-evtchn-%s-%s",
                     cmds[i].name, bad[j].name);
            check_rc(name, tern_evtchn_op(cmds[i].cmd, (void *)bad[j].va),
                     -TERN_EFAULT);
        }

    struct evtchn_port_arg arg = { .port = 1 };
    check_rc("badcalls-evtchn-bad-cmd", tern_evtchn_op(99, &arg), -TERN_ENOSYS);
    check_rc("badcalls-evtchn-cmd-after-last",
             tern_evtchn_op(EVTCHNOP_set_timer + 1, &arg), -TERN_ENOSYS);

    /* A read-only argument for a command with an OUT field fails before
     * anything happens: the port it would have got stays free. */
    struct evtchn_status st;
    int before = 0;
    for (evtchn_port_t p = 1; p < TERN_EVTCHN_PORTS && !before; p++)
        if (tern_evtchn_status(TERN_DOMID_SELF, p, &st) == 0 &&
            st.state == EVTCHNSTAT_closed)
            before = (int)p;
    long rc = tern_evtchn_op(EVTCHNOP_alloc_unbound, (void *)&ro_alloc);
    int still = tern_evtchn_status(TERN_DOMID_SELF, (evtchn_port_t)before, &st);
    check(rc == -TERN_EFAULT && still == 0 && st.state == EVTCHNSTAT_closed,
          "badcalls-evtchn-alloc-unbound-readonly",
          "returned %ld (%s); free port %d is now in state %u", rc,
          tern_errname(rc), before, st.state);
}

/* ---- ports ---- */

static void test_bad_ports(void)
{
    static const struct {
        evtchn_port_t port;
        const char *name;
    } bad[] = {
        { 0, "port0" },
        { TERN_EVTCHN_PORTS, "port-max" },
        { 0xffffffff, "port-all-ones" },
    };
    char name[64];

    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
        evtchn_port_t p = bad[i].port;
        struct evtchn_status st;
        snprintf(name, sizeof(name), "badcalls-send-%s", bad[i].name);
        check_rc(name, tern_evtchn_send(p), -TERN_EINVAL);
        snprintf(name, sizeof(name), "badcalls-close-%s", bad[i].name);
        check_rc(name, tern_evtchn_close(p), -TERN_EINVAL);
        snprintf(name, sizeof(name), "badcalls-unmask-%s", bad[i].name);
        check_rc(name, tern_evtchn_unmask(p), -TERN_EINVAL);
        snprintf(name, sizeof(name), "badcalls-status-%s", bad[i].name);
        check_rc(name, tern_evtchn_status(TERN_DOMID_SELF, p, &st), -TERN_EINVAL);
        snprintf(name, sizeof(name), "badcalls-bind-remote-%s", bad[i].name);
        evtchn_port_t local;
        check_rc(name, tern_evtchn_bind_interdomain(self_id, p, &local),
                 -TERN_EINVAL);
    }

    /* A valid port number that was never allocated. */
    const evtchn_port_t unused = TERN_EVTCHN_PORTS - 1;
    struct evtchn_status st;
    check_rc("badcalls-send-unallocated", tern_evtchn_send(unused), -TERN_EINVAL);
    check_rc("badcalls-close-unallocated", tern_evtchn_close(unused), -TERN_EINVAL);
    check_rc("badcalls-unmask-unallocated", tern_evtchn_unmask(unused),
             -TERN_EINVAL);
    int rc = tern_evtchn_status(TERN_DOMID_SELF, unused, &st);
    check(rc == 0 && st.state == EVTCHNSTAT_closed,
          "badcalls-status-unallocated", "returned %d (%s), state %u", rc,
          tern_errname(rc), st.state);
}

/* ---- binding, allocation and rights ---- */

static void test_bind(void)
{
    evtchn_port_t local, unbound;

    check_rc("badcalls-bind-no-domain",
             tern_evtchn_bind_interdomain(BAD_DOMID, 1, &local), -TERN_ENOENT);
    check_rc("badcalls-bind-not-unbound",
             tern_evtchn_bind_interdomain(self_id, TERN_EVTCHN_PORTS - 1, &local),
             -TERN_EINVAL);

    /* A loopback pair: a port offered to ourselves, then bound. */
    int rc = tern_evtchn_alloc_unbound(TERN_DOMID_SELF, TERN_DOMID_SELF, &unbound);
    if (!check_rc("badcalls-alloc-loopback", rc, 0))
        return;
    rc = tern_evtchn_bind_interdomain(self_id, unbound, &local);
    check_rc("badcalls-bind-loopback", rc, 0);
    check_rc("badcalls-bind-already-bound",
             tern_evtchn_bind_interdomain(self_id, unbound, &local), -TERN_EINVAL);
    /* Closing one end leaves the other unbound: it cannot send. */
    check_rc("badcalls-close-bound-end", rc == 0 ? tern_evtchn_close(local) : rc,
             0);
    check_rc("badcalls-send-unbound", tern_evtchn_send(unbound), -TERN_EINVAL);
    tern_evtchn_close(unbound);

    if (!check(other_id >= 0, "badcalls-other-domain", "no other domain to "
               "test rights against: run badcalls beside a guest or another "
               "ring-3 domain"))
        return;
    domid_t other = (domid_t)other_id;
    rc = tern_evtchn_alloc_unbound(TERN_DOMID_SELF, other, &unbound);
    if (check_rc("badcalls-alloc-for-other", rc, 0)) {
        check_rc("badcalls-bind-not-offered",
                 tern_evtchn_bind_interdomain(self_id, unbound, &local),
                 -TERN_EINVAL);
        tern_evtchn_close(unbound);
    }
    check_rc("badcalls-alloc-foreign-dom",
             tern_evtchn_alloc_unbound(other, TERN_DOMID_SELF, &unbound),
             -TERN_EPERM);
    check_rc("badcalls-alloc-no-dom",
             tern_evtchn_alloc_unbound(BAD_DOMID, TERN_DOMID_SELF, &unbound),
             -TERN_ENOENT);
    check_rc("badcalls-alloc-no-remote-dom",
             tern_evtchn_alloc_unbound(TERN_DOMID_SELF, BAD_DOMID, &unbound),
             -TERN_ENOENT);
    struct evtchn_status st;
    check_rc("badcalls-status-foreign-dom",
             tern_evtchn_status(other, 1, &st), -TERN_EPERM);
    check_rc("badcalls-status-no-dom",
             tern_evtchn_status(BAD_DOMID, 1, &st), -TERN_ENOENT);
}

/* ---- running out of ports ---- */

static evtchn_port_t ports[TERN_EVTCHN_PORTS];

static void test_exhaust(void)
{
    unsigned int used = 0, n = 0;
    struct evtchn_status st;
    int rc;

    for (evtchn_port_t p = 1; p < TERN_EVTCHN_PORTS; p++)
        if (tern_evtchn_status(TERN_DOMID_SELF, p, &st) == 0 &&
            st.state != EVTCHNSTAT_closed)
            used++;
    rc = 0;
    while (n < ARRAY_SIZE(ports) &&
           (rc = tern_evtchn_alloc_unbound(TERN_DOMID_SELF, TERN_DOMID_SELF,
                                           &ports[n])) == 0)
        n++;
    unsigned int want = TERN_EVTCHN_PORTS - 1 - used;
    check(rc == -TERN_ENOSPC && n == want, "badcalls-ports-exhaust",
          "%u allocations before %s, expected %u before -ENOSPC (%u ports "
          "were in use)", n, tern_errname(rc), want, used);

    evtchn_port_t local;
    check_rc("badcalls-bind-no-free-port",
             n ? tern_evtchn_bind_interdomain(self_id, ports[0], &local) : -1,
             -TERN_ENOSPC);

    unsigned int close_errors = 0, not_closed = 0;
    for (unsigned int i = 0; i < n; i++)
        close_errors += tern_evtchn_close(ports[i]) != 0;
    for (unsigned int i = 0; i < n; i++)
        not_closed += tern_evtchn_status(TERN_DOMID_SELF, ports[i], &st) != 0 ||
                      st.state != EVTCHNSTAT_closed;
    check(close_errors == 0, "badcalls-ports-close-all",
          "%u of %u closes failed", close_errors, n);
    check(not_closed == 0, "badcalls-ports-status-closed",
          "%u of %u ports not reported closed", not_closed, n);
    check_rc("badcalls-close-twice",
             n ? tern_evtchn_close(ports[0]) : -1, -TERN_EINVAL);

    /* Freed ports are usable again. */
    rc = tern_evtchn_alloc_unbound(TERN_DOMID_SELF, TERN_DOMID_SELF, &local);
    check_rc("badcalls-ports-reuse", rc, 0);
    if (rc == 0)
        tern_evtchn_close(local);
}

/* ---- masking, the timer VIRQ and waiting ---- */

static void count_port(evtchn_port_t port, void *arg)
{
    struct { evtchn_port_t port; unsigned int hits, others; } *c = arg;
    if (port == c->port)
        c->hits++;
    else
        c->others++;
}

/* How many times port was handed out by one scan, and whether others were. */
static unsigned int scan_for(evtchn_port_t port, unsigned int *others)
{
    struct { evtchn_port_t port; unsigned int hits, others; } c = { port, 0, 0 };
    tern_evtchn_poll_pending(count_port, &c);
    *others = c.others;
    return c.hits;
}

static void test_mask(void)
{
    evtchn_port_t a, b;
    unsigned int others;

    if (tern_evtchn_alloc_unbound(TERN_DOMID_SELF, TERN_DOMID_SELF, &a) ||
        tern_evtchn_bind_interdomain(self_id, a, &b)) {
        check(false, "badcalls-mask-setup", "no loopback pair");
        return;
    }
    /* A masked port becomes pending but neither wakes us nor is scanned. */
    tern_evtchn_mask(a);
    check_rc("badcalls-mask-send", tern_evtchn_send(b), 0);
    check_rc("badcalls-mask-no-wake", tern_sched_poll(1 * MS), -TERN_ETIMEDOUT);
    unsigned int hits = scan_for(a, &others);
    check(hits == 0, "badcalls-mask-not-scanned", "masked port scanned %u times",
          hits);
    /* Unmasking a pending port delivers it as a fresh event would. */
    check_rc("badcalls-unmask", tern_evtchn_unmask(a), 0);
    int rc = tern_sched_poll(100 * MS);
    hits = scan_for(a, &others);
    check(rc == 0 && hits == 1 && others == 0, "badcalls-unmask-delivers",
          "poll returned %d (%s), port seen %u times, %u other ports", rc,
          tern_errname(rc), hits, others);
    tern_evtchn_close(b);
    tern_evtchn_close(a);
}

static void test_timer(void)
{
    evtchn_port_t tp, dup;
    unsigned int others;

    check_rc("badcalls-set-timer-unbound", tern_evtchn_set_timer(1), -TERN_EINVAL);
    check_rc("badcalls-bind-virq-bad", tern_evtchn_bind_virq(1, &tp), -TERN_EINVAL);
    check_rc("badcalls-bind-virq-all-ones",
             tern_evtchn_bind_virq(0xffffffff, &tp), -TERN_EINVAL);
    if (!check_rc("badcalls-bind-virq-timer",
                  tern_evtchn_bind_virq(TERN_VIRQ_TIMER, &tp), 0))
        return;
    check_rc("badcalls-bind-virq-twice",
             tern_evtchn_bind_virq(TERN_VIRQ_TIMER, &dup), -TERN_EBUSY);
    check_rc("badcalls-bind-to-virq-port",
             tern_evtchn_bind_interdomain(self_id, tp, &dup), -TERN_EINVAL);

    /* A deadline in the past fires at once. */
    check_rc("badcalls-set-timer-past", tern_evtchn_set_timer(1), 0);
    int rc = tern_sched_poll(100 * MS);
    unsigned int hits = scan_for(tp, &others);
    check(rc == 0 && hits == 1 && others == 0, "badcalls-timer-past-fires",
          "poll returned %d (%s), timer port seen %u times", rc,
          tern_errname(rc), hits);

    /* Deadline 0 cancels: nothing fires. */
    tern_evtchn_set_timer(tern_time_ns() + 5 * MS);
    check_rc("badcalls-set-timer-cancel", tern_evtchn_set_timer(0), 0);
    rc = tern_sched_poll(30 * MS);
    hits = scan_for(tp, &others);
    check(rc == -TERN_ETIMEDOUT && hits == 0, "badcalls-timer-cancelled",
          "poll returned %d (%s), timer port seen %u times", rc,
          tern_errname(rc), hits);
    check_rc("badcalls-close-virq", tern_evtchn_close(tp), 0);
    check_rc("badcalls-set-timer-after-close", tern_evtchn_set_timer(1),
             -TERN_EINVAL);
}

/* ---- domain_info ---- */

static void test_domain_info(void)
{
    struct tern_domain_info info;

    check_rc("badcalls-domain-info-no-dom",
             tern_domain_info(BAD_DOMID, &info), -TERN_ENOENT);
    check_rc("badcalls-domain-info-null",
             tern_hypercall(TERN_HC_domain_info, TERN_DOMID_SELF, 0, 0, 0, 0, 0),
             -TERN_EFAULT);
    check_rc("badcalls-domain-info-kernel",
             tern_hypercall(TERN_HC_domain_info, TERN_DOMID_SELF, KERNEL_VA,
                            0, 0, 0, 0), -TERN_EFAULT);
    check_rc("badcalls-domain-info-unmapped",
             tern_hypercall(TERN_HC_domain_info, TERN_DOMID_SELF, UNMAPPED_VA,
                            0, 0, 0, 0), -TERN_EFAULT);
    check_rc("badcalls-domain-info-off-end",
             tern_domain_info(TERN_DOMID_SELF, stack_end(8)), -TERN_EFAULT);
    /* The start-info page is mapped read-only. */
    check_rc("badcalls-domain-info-readonly",
             tern_domain_info(TERN_DOMID_SELF, (void *)tern_start_info()),
             -TERN_EFAULT);
}

/* Find a live domain other than us that we do not control. */
static void find_other(void)
{
    struct tern_domain_info me, info;
    if (tern_domain_info(TERN_DOMID_SELF, &me))
        return;
    self_id = me.domid;
    for (domid_t id = 0; id <= TERN_DM_MAX_DOMID && other_id < 0; id++) {
        bool ours = id == me.domid;
        for (unsigned int i = 0; i < me.nr_targets; i++)
            ours |= me.targets[i] == id;
        if (!ours && tern_domain_info(id, &info) == 0)
            other_id = id;
    }
}

int main(const struct tern_start_info *si)
{
    self_id = si->domid;
    find_other();
    printf("badcalls: domain %u; foreign domain for rights checks: %d\n",
           self_id, other_id);

    test_numbers();
    test_console();
    test_sched();
    test_evtchn_pointers();
    test_bad_ports();
    test_bind();
    test_exhaust();
    test_mask();
    test_timer();
    test_domain_info();

    static const char ok[] = "badcalls: Tern still answers\n";
    check_rc("badcalls-still-alive", tern_console_write(ok, sizeof(ok) - 1),
             sizeof(ok) - 1);
    return check_done();
}
