/*
 * tests/dm/pingpong.c: two ring-3 domains bounce one event channel back
 * and forth and check that no event is lost or invented.
 *
 * Two instances run, each told about the other on its module line:
 *   name=ping role=user peer=pong count=10000 first=1
 *   name=pong role=user peer=ping count=10000
 * The side with first=1 offers an unbound port to its peer (port 1 in a
 * fresh domain), waits until the peer has bound it, and sends first. The
 * other side binds to (peer, 1), retrying while the peer has not
 * allocated yet (-TERN_EINVAL). Then they strictly alternate: the first
 * side sends and waits, the other waits and replies, 'count' times.
 * Strict alternation makes every event count: each wait must find
 * exactly our port pending, once; a wait that times out lost an event, a
 * wake-up with nothing for us, another port, or an event after the last
 * round is spurious.
 *
 * Checks: pingpong-bind, pingpong-count. Prints the time taken on Tern's
 * clock (shared_info.time_ns) and the event rate.
 */
#include "check.h"

#define PEER_PORT           1               /* the first port of a fresh domain */
#define BIND_TRIES          100000
#define WAIT_TIMEOUT_NS     (5ull * 1000 * 1000 * 1000)
#define QUIET_NS            (20ull * 1000 * 1000)
#define MAX_EMPTY_WAKEUPS   1000

struct stats {
    evtchn_port_t port;         /* ours */
    uint64_t received;          /* events on our port */
    uint64_t other_ports;       /* events on any other port */
    uint64_t empty_wakeups;     /* wait returned 0, scan found nothing */
    uint64_t got;               /* events seen by the current wait */
};

static void on_event(evtchn_port_t port, void *arg)
{
    struct stats *st = arg;
    if (port == st->port) {
        st->received++;
        st->got++;
    } else {
        st->other_ports++;
    }
}

/* Wait for our port: 0, or -TERN_ETIMEDOUT / another error (lost). */
static int wait_event(struct stats *st, uint64_t timeout_ns)
{
    st->got = 0;
    while (!st->got) {
        int rc = tern_sched_poll(timeout_ns);
        if (rc)
            return rc;
        if (tern_evtchn_poll_pending(on_event, st) == 0 &&
            ++st->empty_wakeups >= MAX_EMPTY_WAKEUPS)
            return -TERN_EAGAIN;        /* pending, yet nothing to scan */
    }
    return 0;
}

/* First side: offer a port to the peer and wait until it is bound. */
static int bind_first(domid_t peer, evtchn_port_t *port)
{
    int rc = tern_evtchn_alloc_unbound(TERN_DOMID_SELF, peer, port);
    if (rc)
        return rc;
    for (unsigned int i = 0; i < BIND_TRIES; i++) {
        struct evtchn_status st;
        rc = tern_evtchn_status(TERN_DOMID_SELF, *port, &st);
        if (rc)
            return rc;
        if (st.state == EVTCHNSTAT_interdomain)
            return st.remote_dom == peer ? 0 : -TERN_EPERM;
        tern_sched_yield();
    }
    return -TERN_ETIMEDOUT;
}

/* Second side: bind to the peer's port, once the peer has offered it. */
static int bind_second(domid_t peer, evtchn_port_t *port)
{
    for (unsigned int i = 0; i < BIND_TRIES; i++) {
        int rc = tern_evtchn_bind_interdomain(peer, PEER_PORT, port);
        if (rc != -TERN_EINVAL)
            return rc;
        tern_sched_yield();
    }
    return -TERN_ETIMEDOUT;
}

/* The 'count' rounds; returns how many sends failed. */
static uint64_t run_rounds(struct stats *st, uint64_t count, bool first,
                           int *wait_rc)
{
    uint64_t send_errors = 0;
    *wait_rc = 0;
    for (uint64_t i = 0; i < count; i++) {
        if (first && tern_evtchn_send(st->port))
            send_errors++;
        *wait_rc = wait_event(st, WAIT_TIMEOUT_NS);
        if (*wait_rc)
            break;
        if (!first && tern_evtchn_send(st->port))
            send_errors++;
    }
    return send_errors;
}

int main(const struct tern_start_info *si)
{
    char peer_name[TERN_DOMAIN_NAME_MAX];
    uint64_t count, first;

    if (!cmdline_get(si->cmdline, "peer", peer_name, sizeof(peer_name)) ||
        !cmdline_get_u64(si->cmdline, "count", 10000, &count) ||
        !cmdline_get_u64(si->cmdline, "first", 0, &first) || count == 0) {
        check(false, "pingpong-bind", "bad command line '%s' (want peer=NAME "
              "[count=N] [first=1])", si->cmdline);
        return check_done();
    }

    struct stats st = { 0 };
    int peer = tern_domain_find(peer_name);
    if (peer < 0) {
        check(false, "pingpong-bind", "no domain named '%s'", peer_name);
        return check_done();
    }
    int rc = first ? bind_first((domid_t)peer, &st.port)
                   : bind_second((domid_t)peer, &st.port);
    if (!check(rc == 0, "pingpong-bind", "%s with %s (domain %d): %s",
               first ? "offering a port" : "binding", peer_name, peer,
               tern_errname(rc)))
        return check_done();
    printf("pingpong: port %u bound to %s (domain %d), %lu rounds, %s\n",
           st.port, peer_name, peer, count, first ? "sending first" : "replying");

    uint64_t t0 = tern_time_ns();
    int wait_rc;
    uint64_t send_errors = run_rounds(&st, count, first, &wait_rc);
    uint64_t t1 = tern_time_ns();

    /* After the last round nothing more may arrive. */
    uint64_t before = st.received;
    int quiet_rc = wait_event(&st, QUIET_NS);
    uint64_t extra = st.received - before;

    check(wait_rc == 0 && send_errors == 0 && st.received == count &&
          extra == 0 && st.other_ports == 0 && st.empty_wakeups == 0 &&
          quiet_rc == -TERN_ETIMEDOUT, "pingpong-count",
          "received %lu of %lu (wait: %s), %lu extra after the last round, "
          "%lu send errors, %lu on other ports, %lu empty wake-ups",
          st.received - extra, count, tern_errname(wait_rc), extra,
          send_errors, st.other_ports, st.empty_wakeups);

    uint64_t ns = t1 - t0;
    uint64_t us = ns / 1000;
    printf("pingpong: %lu round trips in %lu.%03lu ms: %lu round trips/s, "
           "%lu events/s\n", count, us / 1000, us % 1000,
           ns ? count * 1000000000ul / ns : 0,
           ns ? 2 * count * 1000000000ul / ns : 0);
    return check_done();
}
