/*
 * kernel/sched.c: the scheduler: round robin over runnable vCPUs on one
 * physical CPU.
 *
 * vCPUs sit on one ring. sched_run() picks the next runnable one after
 * the last it ran and lets hvm_vcpu_run() handle its exits until it
 * yields: it blocked in HLT, its domain ended, or a host timer tick ended
 * its time slice (one tick, 1/TIMER_HZ s). A blocked vCPU becomes
 * runnable when an interrupt for it is due. With nothing runnable the CPU
 * halts until the next host interrupt. When every domain has ended, Tern
 * reports them and shuts the machine down: status 0 if all shut down
 * with status 0, else 1.
 *
 * Ring-3 domains (kernel/user.c) are vCPUs of another kind on the same
 * ring: they block in TERN_SCHEDOP_block/poll until an event channel of
 * theirs is pending (sched_domain_event) or their poll times out, and
 * their TERN_VIRQ_TIMER deadlines are checked here.
 *
 * Context: the boot CPU after kmain(), interrupts off except while idle.
 */
#include <tern/console.h>
#include <tern/domain.h>
#include <tern/evtchn.h>
#include <tern/hvm.h>
#include <tern/ioreq.h>
#include <tern/loader.h>
#include <tern/power.h>
#include <tern/sched.h>
#include <tern/time.h>
#include <tern/user.h>
#include <tern/x86.h>

static struct vcpu *ring;           /* any vCPU on the ring, or NULL */
static struct vcpu *last;           /* the one that ran last */
static struct vcpu *fpu_owner;      /* whose x87/SSE state the CPU holds */

/* Guests own the x87/SSE registers while they run; switch them only when
 * another vCPU runs (FXSAVE/FXRSTOR: Intel SDM Vol. 1, "FXSAVE"). */
static void sched_switch_fpu(struct vcpu *v)
{
    if (fpu_owner == v)
        return;
    if (fpu_owner)
        __asm__ __volatile__("fxsave64 %0" : "=m"(fpu_owner->fpu));
    __asm__ __volatile__("fxrstor64 %0" :: "m"(v->fpu));
    fpu_owner = v;
}

void sched_add(struct vcpu *v)
{
    if (!ring) {
        v->next_run = v;
        ring = last = v;
    } else {
        v->next_run = last->next_run;
        last->next_run = v;
    }
}

void sched_domain_event(struct domain *d)
{
    if (d->kind != DOMAIN_USER || !d->nr_vcpus)
        return;
    struct vcpu *v = d->vcpus[0];
    if (v->state == VCPU_BLOCKED) {
        v->regs.gpr[GPR_RAX] = 0;       /* block/poll: "an event came" */
        v->block_deadline = 0;
        v->state = VCPU_RUNNABLE;
    }
}

/* Wake a blocked vCPU whose interrupt is due, or whose poll timed out
 * (its RAX already says -ETIMEDOUT); one waiting for a device model's
 * buffered ring to drain when it has (kernel/ioreq/send.c). A guest
 * paused by device models that are not ready yet does not run. */
static bool sched_wake(struct vcpu *v, uint64_t now)
{
    if (v->domain->pause_count)
        return false;
    if (v->state == VCPU_IOREQ_WAIT)
        return ioreq_vcpu_ready(v);
    if (v->state == VCPU_BLOCKED &&
        ((v->irq_pending && now >= v->irq_due_ns) ||
         (v->block_deadline && now >= v->block_deadline))) {
        v->block_deadline = 0;
        v->state = VCPU_RUNNABLE;
    }
    return v->state == VCPU_RUNNABLE;
}

/* The earliest armed TERN_VIRQ_TIMER deadline, or later: the domains
 * are scanned only when it has passed (UINT64_MAX: none armed). */
static uint64_t next_timer = UINT64_MAX;

void sched_timer_armed(uint64_t deadline)
{
    if (deadline && deadline < next_timer)
        next_timer = deadline;
}

/* Fire the TERN_VIRQ_TIMER of every domain whose deadline passed. */
static void sched_timers(uint64_t now)
{
    if (now < next_timer)
        return;
    next_timer = UINT64_MAX;
    for (unsigned i = 0; i < MAX_DOMAINS; i++) {
        struct domain *d = domains[i];
        if (!d || !d->timer_deadline || !domain_is_alive(d))
            continue;
        if (now >= d->timer_deadline) {
            d->timer_deadline = 0;
            evtchn_fire_virq(d, TERN_VIRQ_TIMER);
        } else {
            sched_timer_armed(d->timer_deadline);
        }
    }
}

static struct vcpu *sched_pick(void)
{
    uint64_t now = time_ns();
    sched_timers(now);
    struct vcpu *v = last->next_run;
    do {
        if (sched_wake(v, now))
            return v;
        v = v->next_run;
    } while (v != last->next_run);
    return NULL;
}

static __noreturn void sched_finish(void)
{
    int status = SHUTDOWN_STATUS_OK;

    pr_info("sched: all domains have ended\n");
    if (loader_failed) {
        pr_info("sched:   %u module%s could not start (see the loader's "
                "messages)\n", loader_failed, loader_failed == 1 ? "" : "s");
        status = SHUTDOWN_STATUS_FAIL;
    }
    for (unsigned i = 0; i < MAX_DOMAINS; i++) {
        struct domain *d = domains[i];
        if (!d)
            continue;
        uint64_t exits = 0;
        for (unsigned j = 0; j < d->nr_vcpus; j++)
            exits += d->vcpus[j]->exits;
        if (d->state == DOMAIN_SHUTDOWN && d->kind == DOMAIN_HVM)
            pr_info("sched:   %s: shut down, status %d, %lu exits, %lu "
                    "unclaimed I/O, %lu unclaimed MMIO\n", d->name,
                    d->shutdown_status, exits, d->unclaimed_io,
                    d->unclaimed_mmio);
        else if (d->state == DOMAIN_SHUTDOWN)
            pr_info("sched:   %s: shut down, status %d\n", d->name,
                    d->shutdown_status);
        else
            pr_info("sched:   %s: crashed: %s\n", d->name, d->reason);
        if (d->state != DOMAIN_SHUTDOWN || d->shutdown_status != 0)
            status = SHUTDOWN_STATUS_FAIL;
    }
    machine_shutdown(status);
}

static bool any_alive(void)
{
    for (unsigned i = 0; i < MAX_DOMAINS; i++)
        if (domains[i] && domain_is_alive(domains[i]))
            return true;
    return false;
}

__noreturn void sched_run(void)
{
    irq_disable();
    for (;;) {
        if (!ring)
            sched_finish();
        struct vcpu *v = sched_pick();
        if (!v) {
            /* Nothing runnable: all ended, or all wait. (Checked only
             * here: a live domain's vCPU is runnable or waiting.) */
            if (!any_alive())
                sched_finish();
            /* Idle: sleep until the next host interrupt (the timer tick). */
            irq_enable();
            hlt();
            irq_disable();
            continue;
        }
        last = v;
        sched_switch_fpu(v);
        if (v->domain->kind == DOMAIN_USER)
            user_vcpu_run(v);
        else
            hvm_vcpu_run(v);
    }
}
