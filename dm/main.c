/*
 * dm/main.c: the device model's event loop.
 *
 * A device model is a ring-3 domain started with
 *   name=dm role=dm target=GUEST[,GUEST...] [tick_ms=100]
 * and Tern gives it control of those guests. Today it only watches them:
 * it binds the timer VIRQ, ticks every tick_ms, and on each tick asks
 * Tern whether its targets are still alive; when none is, it shuts down
 * with status 0. Later the ioreq servers hang their ports on the same
 * loop through dm_evtchn_register() (dm/dm.h).
 *
 * The loop: block in TERN_SCHEDOP_block until a port of ours is pending,
 * take every pending port with the two-level scan
 * (tern_evtchn_poll_pending) and call the handler registered for it.
 *
 * Context: ring 3, one vCPU, nothing runs concurrently with the loop:
 * the handler table needs no locking.
 */
#include <lib.h>
#include <tern_dm.h>
#include "dm.h"

#define NS_PER_MS       1000000ul
#define DM_TICK_MS      100     /* default period; tick_ms= on the module line */

/* Port -> handler, indexed by port: O(1) dispatch, 16 KiB of .bss. */
static struct {
    dm_evtchn_fn fn;
    void *arg;
} handlers[TERN_EVTCHN_PORTS];

static struct tern_domain_info self;    /* name, targets */
static evtchn_port_t timer_port;
static uint64_t tick_ns;
static uint64_t ticks;
static bool running = true;

int dm_evtchn_register(evtchn_port_t port, dm_evtchn_fn fn, void *arg)
{
    if (port == 0 || port >= TERN_EVTCHN_PORTS || handlers[port].fn)
        return -TERN_EINVAL;
    handlers[port].fn = fn;
    handlers[port].arg = arg;
    return 0;
}

static void dm_dispatch(evtchn_port_t port, void *unused)
{
    (void)unused;
    if (handlers[port].fn)
        handlers[port].fn(port, handlers[port].arg);
    else
        printf("dm: event on port %u, which has no handler\n", port);
}

/* ---- targets ---- */

static bool target_alive(domid_t id)
{
    struct tern_domain_info info;
    /* A domain Tern no longer knows has ended too. */
    return tern_domain_info(id, &info) == 0 &&
           info.state < TERN_DOMSTATE_SHUTDOWN;
}

static bool any_target_alive(void)
{
    for (unsigned int i = 0; i < self.nr_targets; i++)
        if (target_alive(self.targets[i]))
            return true;
    return false;
}

/* "dm: NAME serving A, B" */
static void dm_print_banner(void)
{
    char list[TERN_MAX_TARGETS * (TERN_DOMAIN_NAME_MAX + 16)] = "";
    size_t len = 0;

    for (unsigned int i = 0; i < self.nr_targets; i++) {
        struct tern_domain_info info;
        const char *sep = i ? ", " : "";
        if (tern_domain_info(self.targets[i], &info) == 0)
            len += snprintf(list + len, sizeof(list) - len, "%s%.*s", sep,
                            TERN_DOMAIN_NAME_MAX, info.name);
        else
            len += snprintf(list + len, sizeof(list) - len, "%sdomain %u",
                            sep, self.targets[i]);
        len = MIN(len, sizeof(list) - 1);
    }
    printf("dm: %.*s serving %s\n", TERN_DOMAIN_NAME_MAX,
           tern_start_info()->name, self.nr_targets ? list : "no targets");
}

/* ---- the timer ---- */

static void dm_timer_arm(void)
{
    int rc = tern_evtchn_set_timer(tern_time_ns() + tick_ns);
    if (rc)
        die("dm: set_timer: %s", tern_errname(rc));
}

static void dm_tick(evtchn_port_t port, void *arg)
{
    (void)port;
    (void)arg;
    ticks++;
    if (!any_target_alive()) {
        printf("dm: all targets ended (after %lu ticks)\n", ticks);
        running = false;
        return;
    }
    dm_timer_arm();
}

static void dm_timer_init(void)
{
    int rc = tern_evtchn_bind_virq(TERN_VIRQ_TIMER, &timer_port);
    if (rc)
        die("dm: bind_virq(timer): %s", tern_errname(rc));
    rc = dm_evtchn_register(timer_port, dm_tick, NULL);
    if (rc)
        die("dm: timer port %u: %s", timer_port, tern_errname(rc));
    dm_timer_arm();
}

int main(const struct tern_start_info *si)
{
    uint64_t ms;
    if (!cmdline_get_u64(si->cmdline, "tick_ms", DM_TICK_MS, &ms) || ms == 0)
        die("dm: bad tick_ms= in '%s'", si->cmdline);
    tick_ns = ms * NS_PER_MS;

    /* Tern's view of us is the authority on which domains we control. */
    int rc = tern_domain_info(TERN_DOMID_SELF, &self);
    if (rc)
        die("dm: domain_info(self): %s", tern_errname(rc));
    dm_print_banner();
    dm_timer_init();

    while (running) {
        rc = tern_sched_block();
        if (rc)
            die("dm: sched_block: %s", tern_errname(rc));
        tern_evtchn_poll_pending(dm_dispatch, NULL);
    }
    return 0;
}
