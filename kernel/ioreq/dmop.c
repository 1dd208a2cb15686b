/*
 * kernel/ioreq/dmop.c: TERN_HC_dm_op, the device model's operations on
 * the guests it serves (include/public/dm_op.h documents each op, its IN
 * and OUT fields and its errors).
 *
 * Interface: ioreq_dm_op(), called by kernel/hypercall.c.
 *
 * Decode, then act (seL4's decode/invoke split): the op is copied in,
 * the target resolved and the caller's right over it checked, every
 * field of the op checked (pads included), and the op's struct checked
 * to be writable for the answer; only then does the op act. The acting
 * halves in server.c check their own ids (a server of the right owner)
 * before changing anything, so an op that fails has changed nothing.
 *
 * Context: a DM's hypercall, interrupts off, the DM's CR3.
 */
#include <tern/cmdline.h>
#include <tern/console.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/ioreq.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/user.h>

static bool zero(const void *p, size_t len)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++)
        if (b[i])
            return false;
    return true;
}

/* The op's own fields: values in range, pads zero. */
static int dm_op_check(const struct tern_dm_op *op)
{
    const struct tern_dmop_create_ioreq_server *c = &op->u.create_ioreq_server;
    const struct tern_dmop_set_ioreq_server_state *st = &op->u.set_ioreq_server_state;
    const struct tern_dmop_set_isa_irq_level *irq = &op->u.set_isa_irq_level;

    switch (op->op) {
    case TERN_DMOP_create_ioreq_server:
        if ((c->handle_bufioreq != TERN_DMOP_BUFIOREQ_OFF &&
             c->handle_bufioreq != TERN_DMOP_BUFIOREQ_ATOMIC) ||
            !zero(c->pad, sizeof(c->pad)) || c->pad2)
            return -TERN_EINVAL;
        return 0;
    case TERN_DMOP_set_ioreq_server_state:
        return st->enabled > 1 || st->pad ? -TERN_EINVAL : 0;
    case TERN_DMOP_destroy_ioreq_server:
        return op->u.destroy_ioreq_server.pad ? -TERN_EINVAL : 0;
    case TERN_DMOP_set_isa_irq_level:
        return irq->isa_irq > 15 || irq->level > 1 || irq->pad ?
               -TERN_EINVAL : 0;
    case TERN_DMOP_remote_shutdown:
        return op->u.remote_shutdown.status > 255 ? -TERN_EINVAL : 0;
    case TERN_DMOP_console_read:
        if (op->u.console_read.pad)
            return -TERN_EINVAL;
        return op->u.console_read.len > TERN_CONSOLE_WRITE_MAX ?
               -TERN_E2BIG : 0;
    case TERN_DMOP_guest_console_write:
        if (op->u.guest_console_write.pad)
            return -TERN_EINVAL;
        return op->u.guest_console_write.len > TERN_CONSOLE_WRITE_MAX ?
               -TERN_E2BIG : 0;
    case TERN_DMOP_get_ioreq_server_info:   /* checked by server.c */
    case TERN_DMOP_map_io_range_to_ioreq_server:
    case TERN_DMOP_unmap_io_range_from_ioreq_server:
    case TERN_DMOP_map_guest_ram:
    case TERN_DMOP_unpause:
        return 0;
    default:
        return -TERN_ENOSYS;
    }
}

static int map_guest_ram(struct domain *dm, struct domain *d,
                         struct tern_dmop_map_guest_ram *out)
{
    unsigned int t = domain_target_index(dm, d);
    uint64_t va = TERN_GUEST_RAM_VA + t * TERN_GUEST_RAM_VA_STRIDE;

    if (d->mem_size > TERN_GUEST_RAM_VA_STRIDE)
        return -TERN_ENOMEM;
    if (!(dm->dm_ram_mapped & (1u << t))) {
        if (user_map_foreign(dm, va, d->mem_host, d->mem_size / PAGE_SIZE))
            return -TERN_ENOMEM;
        dm->dm_ram_mapped |= (uint8_t)(1u << t);
    }
    out->va = va;
    out->size = d->mem_size;
    return 0;
}

static int unpause(struct domain *dm, struct domain *d)
{
    unsigned int bit = 1u << domain_target_index(dm, d);
    if (!(dm->dm_pausing & bit))
        return -TERN_EBUSY;
    dm->dm_pausing &= (uint8_t)~bit;
    d->pause_count--;
    if (cmdline_options.trace & TRACE_IOREQ)
        pr_info("ioreq: %s unpaused %s (%u pause%s left)\n", dm->name,
                d->name, d->pause_count, d->pause_count == 1 ? "" : "s");
    return 0;
}

static int guest_console_write(struct domain *dm, struct domain *d,
                               const struct tern_dmop_guest_console_write *w)
{
    char buf[TERN_CONSOLE_WRITE_MAX];
    if (copy_from_user(dm, buf, w->buf, w->len))
        return -TERN_EFAULT;
    for (uint32_t i = 0; i < w->len; i++)
        domain_console_putc(d, buf[i]);
    return 0;
}

static int console_read_op(struct domain *dm, struct tern_dmop_console_read *r)
{
    char buf[TERN_CONSOLE_WRITE_MAX];
    /* Check the buffer before taking bytes out of the ring (zeroes:
     * never Tern's stack). */
    memset(buf, 0, r->len);
    if (r->len && copy_to_user(dm, r->buf, buf, r->len))
        return -TERN_EFAULT;
    size_t n = console_read(buf, r->len);
    copy_to_user(dm, r->buf, buf, n);
    r->len = (uint32_t)n;
    return 0;
}

static int dm_op_act(struct domain *dm, struct domain *d, struct tern_dm_op *op)
{
    switch (op->op) {
    case TERN_DMOP_create_ioreq_server: {
        struct tern_dmop_create_ioreq_server *c = &op->u.create_ioreq_server;
        return ioreq_server_create(dm, d, c->handle_bufioreq ==
                                   TERN_DMOP_BUFIOREQ_ATOMIC, &c->id);
    }
    case TERN_DMOP_get_ioreq_server_info:
        return ioreq_server_get_info(dm, d, &op->u.get_ioreq_server_info);
    case TERN_DMOP_map_io_range_to_ioreq_server:
    case TERN_DMOP_unmap_io_range_from_ioreq_server:
        return ioreq_server_map_range(dm, d, &op->u.map_io_range, op->op ==
                                      TERN_DMOP_map_io_range_to_ioreq_server);
    case TERN_DMOP_set_ioreq_server_state:
        return ioreq_server_set_state(dm, d, op->u.set_ioreq_server_state.id,
                                      op->u.set_ioreq_server_state.enabled);
    case TERN_DMOP_destroy_ioreq_server:
        return ioreq_server_destroy(dm, d, op->u.destroy_ioreq_server.id);
    case TERN_DMOP_set_isa_irq_level:
        hvm_set_isa_irq(d, op->u.set_isa_irq_level.isa_irq,
                        op->u.set_isa_irq_level.level);
        return 0;
    case TERN_DMOP_remote_shutdown:
        domain_shutdown(d, (int)op->u.remote_shutdown.status);
        return 0;
    case TERN_DMOP_map_guest_ram:
        return map_guest_ram(dm, d, &op->u.map_guest_ram);
    case TERN_DMOP_unpause:
        return unpause(dm, d);
    case TERN_DMOP_guest_console_write:
        return guest_console_write(dm, d, &op->u.guest_console_write);
    case TERN_DMOP_console_read:
        return console_read_op(dm, &op->u.console_read);
    }
    return -TERN_ENOSYS;
}

int ioreq_dm_op(struct domain *dm, uint64_t domid, uint64_t uarg)
{
    struct tern_dm_op op;

    if (copy_from_user(dm, &op, uarg, sizeof(op)))
        return -TERN_EFAULT;
    struct domain *d = domid < MAX_DOMAINS ? domain_by_id((unsigned int)domid)
                                           : NULL;
    if (!d)
        return domid == TERN_DOMID_SELF ? -TERN_EINVAL : -TERN_ENOENT;
    if (!domain_controls(dm, d))
        return -TERN_EPERM;
    if (d == dm || d->kind != DOMAIN_HVM || op.pad)
        return -TERN_EINVAL;
    int rc = dm_op_check(&op);
    if (rc)
        return rc;
    /* Ops on a guest that has ended find no servers; a new one would
     * never be used. */
    if (op.op == TERN_DMOP_create_ioreq_server && !domain_is_alive(d))
        return -TERN_EINVAL;
    /* The answer must fit before anything changes. */
    if (copy_to_user(dm, uarg, &op, sizeof(op)))
        return -TERN_EFAULT;
    rc = dm_op_act(dm, d, &op);
    if (rc == 0)
        copy_to_user(dm, uarg, &op, sizeof(op));
    if (cmdline_options.trace & TRACE_IOREQ)
        pr_info("ioreq: %s: dm_op %u on %s -> %d\n", dm->name, op.op,
                d->name, rc);
    return rc;
}
