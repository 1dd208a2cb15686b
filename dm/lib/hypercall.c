/*
 * dm/lib/hypercall.c: the hypercall wrappers of dm/include/tern_dm.h and
 * the C half of the start-up code.
 *
 * Every call goes through tern_hypercall(), the one SYSCALL in the
 * library. Register use (include/public/hypercall.h): RAX the number and
 * the result, RDI RSI RDX R10 R8 R9 the arguments; SYSCALL itself
 * overwrites RCX (return RIP) and R11 (RFLAGS); Tern preserves the rest.
 * "memory" is clobbered because Tern reads and writes our buffers.
 *
 * Context: ring 3, one vCPU.
 */
#include <lib.h>
#include <tern_dm.h>

long tern_hypercall(unsigned long nr, unsigned long a1, unsigned long a2,
                    unsigned long a3, unsigned long a4, unsigned long a5,
                    unsigned long a6)
{
    register unsigned long r10 __asm__("r10") = a4;
    register unsigned long r8 __asm__("r8") = a5;
    register unsigned long r9 __asm__("r9") = a6;
    long ret;

    __asm__ __volatile__("syscall"
                         : "=a"(ret)
                         : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10),
                           "r"(r8), "r"(r9)
                         : "rcx", "r11", "memory");
    return ret;
}

const char *tern_errname(long rc)
{
    switch (rc) {
    case 0:                 return "0";
    case -TERN_EPERM:       return "-EPERM";
    case -TERN_ENOENT:      return "-ENOENT";
    case -TERN_EIO:         return "-EIO";
    case -TERN_E2BIG:       return "-E2BIG";
    case -TERN_EAGAIN:      return "-EAGAIN";
    case -TERN_ENOMEM:      return "-ENOMEM";
    case -TERN_EFAULT:      return "-EFAULT";
    case -TERN_EBUSY:       return "-EBUSY";
    case -TERN_EEXIST:      return "-EEXIST";
    case -TERN_EINVAL:      return "-EINVAL";
    case -TERN_ENOSPC:      return "-ENOSPC";
    case -TERN_ENOSYS:      return "-ENOSYS";
    case -TERN_ETIMEDOUT:   return "-ETIMEDOUT";
    default:                return rc > 0 ? "positive" : "unknown error";
    }
}

/* ---- console and scheduling ---- */

long tern_console_write(const char *buf, size_t len)
{
    return tern_hypercall(TERN_HC_console_write, (unsigned long)buf, len,
                          0, 0, 0, 0);
}

static int sched_op(unsigned long cmd, unsigned long arg)
{
    return (int)tern_hypercall(TERN_HC_sched_op, cmd, arg, 0, 0, 0, 0);
}

int tern_sched_yield(void)
{
    return sched_op(TERN_SCHEDOP_yield, 0);
}

int tern_sched_block(void)
{
    return sched_op(TERN_SCHEDOP_block, 0);
}

int tern_sched_poll(uint64_t timeout_ns)
{
    return sched_op(TERN_SCHEDOP_poll, timeout_ns);
}

void tern_shutdown(int status)
{
    /* Tern refuses a status outside 0-255 (-TERN_EINVAL); end anyway. */
    sched_op(TERN_SCHEDOP_shutdown, (unsigned long)status);
    sched_op(TERN_SCHEDOP_shutdown, 255);
    for (;;)
        __asm__ __volatile__("ud2");
}

/* ---- event channels ---- */

long tern_evtchn_op(unsigned int cmd, void *arg)
{
    return tern_hypercall(TERN_HC_evtchn_op, cmd, (unsigned long)arg,
                          0, 0, 0, 0);
}

int tern_evtchn_alloc_unbound(domid_t dom, domid_t remote_dom,
                              evtchn_port_t *port)
{
    struct evtchn_alloc_unbound op = { .dom = dom, .remote_dom = remote_dom };
    int rc = (int)tern_evtchn_op(EVTCHNOP_alloc_unbound, &op);
    if (rc == 0)
        *port = op.port;
    return rc;
}

int tern_evtchn_bind_interdomain(domid_t remote_dom, evtchn_port_t remote_port,
                                 evtchn_port_t *local_port)
{
    struct evtchn_bind_interdomain op = { .remote_dom = remote_dom,
                                          .remote_port = remote_port };
    int rc = (int)tern_evtchn_op(EVTCHNOP_bind_interdomain, &op);
    if (rc == 0)
        *local_port = op.local_port;
    return rc;
}

static int port_op(unsigned int cmd, evtchn_port_t port)
{
    struct evtchn_port_arg op = { .port = port };
    return (int)tern_evtchn_op(cmd, &op);
}

int tern_evtchn_send(evtchn_port_t port)
{
    return port_op(EVTCHNOP_send, port);
}

int tern_evtchn_close(evtchn_port_t port)
{
    return port_op(EVTCHNOP_close, port);
}

int tern_evtchn_unmask(evtchn_port_t port)
{
    return port_op(EVTCHNOP_unmask, port);
}

int tern_evtchn_status(domid_t dom, evtchn_port_t port,
                       struct evtchn_status *st)
{
    *st = (struct evtchn_status){ .dom = dom, .port = port };
    return (int)tern_evtchn_op(EVTCHNOP_status, st);
}

int tern_evtchn_bind_virq(uint32_t virq, evtchn_port_t *port)
{
    struct evtchn_bind_virq op = { .virq = virq };
    int rc = (int)tern_evtchn_op(EVTCHNOP_bind_virq, &op);
    if (rc == 0)
        *port = op.port;
    return rc;
}

int tern_evtchn_set_timer(uint64_t deadline_ns)
{
    struct evtchn_set_timer op = { .deadline_ns = deadline_ns };
    return (int)tern_evtchn_op(EVTCHNOP_set_timer, &op);
}

/* ---- domains ---- */

int tern_domain_info(domid_t domid, struct tern_domain_info *info)
{
    return (int)tern_hypercall(TERN_HC_domain_info, domid,
                               (unsigned long)info, 0, 0, 0, 0);
}

int tern_domain_find(const char *name)
{
    for (domid_t id = 0; id <= TERN_DM_MAX_DOMID; id++) {
        struct tern_domain_info info;
        if (tern_domain_info(id, &info) == 0 &&
            strncmp(info.name, name, sizeof(info.name)) == 0)
            return id;
    }
    return -TERN_ENOENT;
}

/* ---- start-up ---- */

static const struct tern_start_info *start_info;

const struct tern_start_info *tern_start_info(void)
{
    return start_info;
}

__noreturn void tern_start(const struct tern_start_info *si);

/* Called by _start (dm/lib/start.asm) with the start-info page. */
void tern_start(const struct tern_start_info *si)
{
    if (si->magic != TERN_START_MAGIC) {
        static const char msg[] = "start: bad start-info magic\n";
        tern_console_write(msg, sizeof(msg) - 1);
        tern_shutdown(255);
    }
    start_info = si;
    tern_shutdown(main(si));
}
