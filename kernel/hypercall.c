/*
 * kernel/hypercall.c: the hypercalls of ring-3 domains
 * (include/public/hypercall.h, include/public/evtchn.h).
 *
 * hypercall_dispatch() is called by syscall_entry with the caller's saved
 * registers. Each hypercall first checks every argument (numbers, ports,
 * domain ids, rights) and copies its input from user memory
 * (copy_from_user, which never faults), then acts, then copies its output
 * back: a call that fails has changed nothing. The result goes in RAX.
 * It returns 0 to resume the caller straight away (SYSRET) or a
 * USER_EXIT_* reason to go to the scheduler.
 *
 * Context: the per-CPU ring-3 stack, interrupts off, the caller's CR3.
 */
#include <tern/cmdline.h>
#include <tern/console.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/evtchn.h>
#include <tern/ioreq.h>
#include <tern/lib.h>
#include <tern/percpu.h>
#include <tern/sched.h>
#include <tern/time.h>
#include <tern/user.h>
#include <public/hypercall.h>

/* What a handler returns: a RAX value, and whether to leave to the
 * scheduler afterwards (USER_EXIT_* or 0). */
struct hc_result {
    int64_t ret;
    int leave;
};

typedef struct hc_result (*hypercall_fn)(struct vcpu *v, const uint64_t *a);

static struct hc_result ok(int64_t ret)
{
    return (struct hc_result){ ret, 0 };
}

/* Resolve a domid argument: TERN_DOMID_SELF or an existing domain. */
static struct domain *arg_domain(struct domain *self, uint64_t domid)
{
    if (domid == TERN_DOMID_SELF)
        return self;
    struct domain *d = domid < MAX_DOMAINS ? domains[domid] : NULL;
    return d && d->evtchn ? d : NULL;
}

static struct hc_result hc_console_write(struct vcpu *v, const uint64_t *a)
{
    char buf[TERN_CONSOLE_WRITE_MAX];
    uint64_t len = a[1];

    if (len > sizeof(buf))
        return ok(-TERN_E2BIG);
    if (copy_from_user(v->domain, buf, a[0], len))
        return ok(-TERN_EFAULT);
    for (uint64_t i = 0; i < len; i++)
        domain_console_putc(v->domain, buf[i]);
    return ok((int64_t)len);
}

static struct hc_result hc_sched_op(struct vcpu *v, const uint64_t *a)
{
    struct domain *d = v->domain;

    switch (a[0]) {
    case TERN_SCHEDOP_yield:
        return (struct hc_result){ 0, USER_EXIT_PREEMPTED };
    case TERN_SCHEDOP_block:
    case TERN_SCHEDOP_poll:
        if (evtchn_any_pending(d))
            return ok(0);
        if (a[0] == TERN_SCHEDOP_poll && a[1] == 0)
            return ok(-TERN_ETIMEDOUT);
        /* Woken by an event: RAX is set to 0 by the scheduler; by the
         * deadline: it stays -ETIMEDOUT. */
        v->block_deadline = a[0] == TERN_SCHEDOP_poll ?
                            time_ns() + MIN(a[1], 3600ul * NSEC_PER_SEC) : 0;
        v->state = VCPU_BLOCKED;
        return (struct hc_result){ -TERN_ETIMEDOUT, USER_EXIT_BLOCKED };
    case TERN_SCHEDOP_shutdown:
        if (a[1] > 255)
            return ok(-TERN_EINVAL);
        domain_shutdown(d, (int)a[1]);
        return (struct hc_result){ 0, USER_EXIT_DEAD };
    default:
        return ok(-TERN_EINVAL);
    }
}

static struct hc_result hc_domain_info(struct vcpu *v, const uint64_t *a)
{
    struct domain *self = v->domain;
    struct domain *d = arg_domain(self, a[0]);
    struct tern_domain_info info = { 0 };

    if (!d)
        return ok(-TERN_ENOENT);
    info.domid = (domid_t)d->id;
    info.state = (uint16_t)d->state;
    if (d == self) {
        info.nr_targets = (uint16_t)d->nr_targets;
        for (unsigned i = 0; i < d->nr_targets; i++)
            info.targets[i] = (domid_t)d->targets[i];
    }
    strlcpy(info.name, d->name, sizeof(info.name));
    if (copy_to_user(self, a[1], &info, sizeof(info)))
        return ok(-TERN_EFAULT);
    return ok(0);
}

/* ---- event channels: one small function per command ---- */

static int64_t evtchn_cmd(struct domain *self, uint64_t cmd, uint64_t uarg)
{
    switch (cmd) {
    case EVTCHNOP_alloc_unbound: {
        struct evtchn_alloc_unbound op;
        if (copy_from_user(self, &op, uarg, sizeof(op)))
            return -TERN_EFAULT;
        struct domain *d = arg_domain(self, op.dom);
        struct domain *r = arg_domain(self, op.remote_dom);
        if (!d || !r)
            return -TERN_ENOENT;
        if (!domain_controls(self, d))
            return -TERN_EPERM;
        /* Check the output is writable before allocating. */
        if (copy_to_user(self, uarg, &op, sizeof(op)))
            return -TERN_EFAULT;
        int rc = evtchn_alloc_unbound(d, r, &op.port);
        if (rc == 0)
            copy_to_user(self, uarg, &op, sizeof(op));
        return rc;
    }
    case EVTCHNOP_bind_interdomain: {
        struct evtchn_bind_interdomain op;
        if (copy_from_user(self, &op, uarg, sizeof(op)) ||
            copy_to_user(self, uarg, &op, sizeof(op)))
            return -TERN_EFAULT;
        struct domain *r = arg_domain(self, op.remote_dom);
        if (!r)
            return -TERN_ENOENT;
        int rc = evtchn_bind_interdomain(self, r, op.remote_port, &op.local_port);
        if (rc == 0)
            copy_to_user(self, uarg, &op, sizeof(op));
        return rc;
    }
    case EVTCHNOP_send:
    case EVTCHNOP_close:
    case EVTCHNOP_unmask: {
        struct evtchn_port_arg op;
        if (copy_from_user(self, &op, uarg, sizeof(op)))
            return -TERN_EFAULT;
        if (cmd == EVTCHNOP_send)
            return evtchn_send(self, op.port);
        return cmd == EVTCHNOP_close ? evtchn_close(self, op.port)
                                     : evtchn_unmask(self, op.port);
    }
    case EVTCHNOP_status: {
        struct evtchn_status op;
        if (copy_from_user(self, &op, uarg, sizeof(op)))
            return -TERN_EFAULT;
        struct domain *d = arg_domain(self, op.dom);
        if (!d)
            return -TERN_ENOENT;
        if (!domain_controls(self, d))
            return -TERN_EPERM;
        int rc = evtchn_status(d, op.port, &op);
        if (rc == 0 && copy_to_user(self, uarg, &op, sizeof(op)))
            return -TERN_EFAULT;
        return rc;
    }
    case EVTCHNOP_bind_virq: {
        struct evtchn_bind_virq op;
        if (copy_from_user(self, &op, uarg, sizeof(op)) ||
            copy_to_user(self, uarg, &op, sizeof(op)))
            return -TERN_EFAULT;
        int rc = evtchn_bind_virq(self, op.virq, &op.port);
        if (rc == 0)
            copy_to_user(self, uarg, &op, sizeof(op));
        return rc;
    }
    case EVTCHNOP_set_timer: {
        struct evtchn_set_timer op;
        if (copy_from_user(self, &op, uarg, sizeof(op)))
            return -TERN_EFAULT;
        if (!self->virq_timer_port)
            return -TERN_EINVAL;
        /* A deadline already past fires at the next scheduler pass. */
        self->timer_deadline = op.deadline_ns ? MAX(op.deadline_ns, 1ul) : 0;
        sched_timer_armed(self->timer_deadline);
        return 0;
    }
    default:
        return -TERN_ENOSYS;
    }
}

static struct hc_result hc_evtchn_op(struct vcpu *v, const uint64_t *a)
{
    int64_t rc = evtchn_cmd(v->domain, a[0], a[1]);
    if (cmdline_options.trace & TRACE_EVTCHN)
        pr_info("evtchn: %s: op %lu -> %ld\n", v->domain->name, a[0], rc);
    return ok(rc);
}

static struct hc_result hc_dm_op(struct vcpu *v, const uint64_t *a)
{
    return ok(ioreq_dm_op(v->domain, a[0], a[1]));
}

static const hypercall_fn hypercalls[TERN_HC_MAX] = {
    [TERN_HC_console_write] = hc_console_write,
    [TERN_HC_sched_op] = hc_sched_op,
    [TERN_HC_evtchn_op] = hc_evtchn_op,
    [TERN_HC_domain_info] = hc_domain_info,
    [TERN_HC_dm_op] = hc_dm_op,
};

int hypercall_dispatch(struct hvm_regs *regs)
{
    struct vcpu *v = this_cpu()->current;
    const uint64_t *g = regs->gpr;
    uint64_t nr = g[GPR_RAX];
    const uint64_t args[6] = { g[GPR_RDI], g[GPR_RSI], g[GPR_RDX],
                               g[GPR_R10], g[GPR_R8], g[GPR_R9] };
    hypercall_fn fn = nr < TERN_HC_MAX ? hypercalls[nr] : NULL;

    if (!fn) {
        regs->gpr[GPR_RAX] = (uint64_t)-TERN_ENOSYS;
        return 0;
    }
    struct hc_result r = fn(v, args);
    regs->gpr[GPR_RAX] = (uint64_t)r.ret;
    return r.leave;
}
