/*
 * dm/lib/dmop.c: the device-model operations of include/public/dm_op.h,
 * one wrapper each around TERN_HC_dm_op (declared in
 * dm/include/tern_dm.h). Each fills a struct tern_dm_op, makes the call,
 * and on success copies the op's OUT fields to the caller.
 *
 * Context: ring 3, one vCPU.
 */
#include <lib.h>
#include <tern_dm.h>

int tern_dm_op(domid_t domid, struct tern_dm_op *op)
{
    return (int)tern_hypercall(TERN_HC_dm_op, domid, (unsigned long)op,
                               0, 0, 0, 0);
}

static struct tern_dm_op new_op(uint32_t nr)
{
    struct tern_dm_op op;
    memset(&op, 0, sizeof(op));
    op.op = nr;
    return op;
}

int tern_dm_create_ioreq_server(domid_t d, int handle_bufioreq, ioservid_t *id)
{
    struct tern_dm_op op = new_op(TERN_DMOP_create_ioreq_server);
    op.u.create_ioreq_server.handle_bufioreq = (uint8_t)handle_bufioreq;
    int rc = tern_dm_op(d, &op);
    if (rc == 0)
        *id = op.u.create_ioreq_server.id;
    return rc;
}

int tern_dm_get_ioreq_server_info(domid_t d, ioservid_t id,
                                  evtchn_port_t *bufioreq_port,
                                  uint64_t *ioreq_va, uint64_t *bufioreq_va)
{
    struct tern_dm_op op = new_op(TERN_DMOP_get_ioreq_server_info);
    op.u.get_ioreq_server_info.id = id;
    int rc = tern_dm_op(d, &op);
    if (rc == 0) {
        *bufioreq_port = op.u.get_ioreq_server_info.bufioreq_port;
        *ioreq_va = op.u.get_ioreq_server_info.ioreq_va;
        *bufioreq_va = op.u.get_ioreq_server_info.bufioreq_va;
    }
    return rc;
}

static int io_range(uint32_t nr, domid_t d, ioservid_t id, uint32_t type,
                    uint64_t start, uint64_t end, uint16_t flags)
{
    struct tern_dm_op op = new_op(nr);
    op.u.map_io_range.id = id;
    op.u.map_io_range.flags = flags;
    op.u.map_io_range.type = type;
    op.u.map_io_range.start = start;
    op.u.map_io_range.end = end;
    return tern_dm_op(d, &op);
}

int tern_dm_map_io_range(domid_t d, ioservid_t id, uint32_t type,
                         uint64_t start, uint64_t end, uint16_t flags)
{
    return io_range(TERN_DMOP_map_io_range_to_ioreq_server, d, id, type,
                    start, end, flags);
}

int tern_dm_unmap_io_range(domid_t d, ioservid_t id, uint32_t type,
                           uint64_t start, uint64_t end)
{
    return io_range(TERN_DMOP_unmap_io_range_from_ioreq_server, d, id, type,
                    start, end, 0);
}

int tern_dm_set_ioreq_server_state(domid_t d, ioservid_t id, int enabled)
{
    struct tern_dm_op op = new_op(TERN_DMOP_set_ioreq_server_state);
    op.u.set_ioreq_server_state.id = id;
    op.u.set_ioreq_server_state.enabled = (uint8_t)enabled;
    return tern_dm_op(d, &op);
}

int tern_dm_destroy_ioreq_server(domid_t d, ioservid_t id)
{
    struct tern_dm_op op = new_op(TERN_DMOP_destroy_ioreq_server);
    op.u.destroy_ioreq_server.id = id;
    return tern_dm_op(d, &op);
}

int tern_dm_set_isa_irq_level(domid_t d, unsigned int irq, int level)
{
    struct tern_dm_op op = new_op(TERN_DMOP_set_isa_irq_level);
    op.u.set_isa_irq_level.isa_irq = (uint8_t)irq;
    op.u.set_isa_irq_level.level = (uint8_t)level;
    return tern_dm_op(d, &op);
}

int tern_dm_remote_shutdown(domid_t d, unsigned int status)
{
    struct tern_dm_op op = new_op(TERN_DMOP_remote_shutdown);
    op.u.remote_shutdown.status = status;
    return tern_dm_op(d, &op);
}

int tern_dm_map_guest_ram(domid_t d, uint64_t *va, uint64_t *size)
{
    struct tern_dm_op op = new_op(TERN_DMOP_map_guest_ram);
    int rc = tern_dm_op(d, &op);
    if (rc == 0) {
        *va = op.u.map_guest_ram.va;
        *size = op.u.map_guest_ram.size;
    }
    return rc;
}

int tern_dm_unpause(domid_t d)
{
    struct tern_dm_op op = new_op(TERN_DMOP_unpause);
    return tern_dm_op(d, &op);
}

int tern_dm_guest_console_write(domid_t d, const char *buf, size_t len)
{
    struct tern_dm_op op = new_op(TERN_DMOP_guest_console_write);
    op.u.guest_console_write.buf = (uint64_t)buf;
    op.u.guest_console_write.len = (uint32_t)len;
    return tern_dm_op(d, &op);
}

int tern_dm_console_read(domid_t d, char *buf, size_t len)
{
    struct tern_dm_op op = new_op(TERN_DMOP_console_read);
    op.u.console_read.buf = (uint64_t)buf;
    op.u.console_read.len = (uint32_t)len;
    int rc = tern_dm_op(d, &op);
    return rc ? rc : (int)op.u.console_read.len;
}
