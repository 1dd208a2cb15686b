/*
 * kernel/io.c: where a guest's port I/O and MMIO goes (see
 * include/tern/io.h), after kernel/hvm.c has decoded the instruction.
 *
 * In order, first match wins:
 *   1. Tern's own devices, which must answer at once: the virtual 8259
 *      pair (kernel/vpic.c), the PCI CONFIG_ADDRESS latch at 0xcf8, the
 *      ACPI PM timer of a Linux guest, and the test device when the
 *      domain has it (testdev=on);
 *   2. the ioreq servers (kernel/ioreq/): accesses to 0xcfc-0xcff while
 *      the latch is enabled become PCI_CONFIG requests; everything else
 *      goes as port or MMIO requests to the server that claims it;
 *   3. Tern's fallbacks for a guest no DM serves there: the debug
 *      console (0xe9) and isa-debug-exit (0xf4);
 *   4. the default: reads return all ones, writes are dropped, counted
 *      per domain and traced (trace=exits or trace=ioreq).
 *
 * The test device (testdev=on on a guest module) gives the guest test
 * suite something to read back: an 8-byte scratch register at ports
 * 0xe0-0xe7, a 4 KiB scratch page at TESTDEV_MMIO_BASE, and port 0xe8,
 * which raises the written vector as an external interrupt about one host
 * tick later (to test HLT wake-up and interrupt windows).
 *
 * Context: the exit handlers of kernel/hvm.c, interrupts off.
 */
#include <tern/cmdline.h>
#include <tern/console.h>
#include <tern/domain.h>
#include <tern/io.h>
#include <tern/ioreq.h>
#include <tern/lib.h>
#include <tern/time.h>
#include <tern/vpic.h>

static void io_unclaimed(struct vcpu *v, const char *what, uint64_t addr,
                         unsigned int size, bool write)
{
    struct domain *d = v->domain;
    if (cmdline_options.trace & (TRACE_EXITS | TRACE_IOREQ))
        pr_info("io: %s: unclaimed %s %s %#lx, %u byte%s: %s\n", d->name,
                what, write ? "write to" : "read from", addr, size,
                size == 1 ? "" : "s", write ? "dropped" : "all ones");
}

static uint64_t size_mask(unsigned int size)
{
    return size == 8 ? ~0ul : (1ul << (size * 8)) - 1;
}

/* Does step 1 take this port? (No side effects: for string I/O.) */
static bool io_port_is_own(const struct domain *d, uint16_t port,
                           unsigned int size)
{
    return vpic_is_port(port) || ioreq_pci_is_config_address(port, size) ||
           (d->pm_timer_port && port == d->pm_timer_port) ||
           (d->testdev.enabled && port >= IO_PORT_TESTDEV &&
            port <= IO_PORT_TESTDEV_IRQ);
}

/*
 * The ACPI PM timer: a free-running 24-bit counter at 3.579545 MHz (ACPI
 * spec, "Power Management Timer"), read-only. It lives in Tern, not the
 * DM, because Linux calibrates the TSC against it and rejects a read
 * that takes longer than about 50,000 TSC ticks: a round trip to ring 3
 * under a fully emulated CPU takes longer (docs/linux.md).
 */
#define PM_TIMER_HZ     3579545ul
static uint32_t io_pm_timer(void)
{
    uint64_t ns = time_ns();
    uint64_t ticks = (ns / NSEC_PER_SEC) * PM_TIMER_HZ +
                     (ns % NSEC_PER_SEC) * PM_TIMER_HZ / NSEC_PER_SEC;
    return (uint32_t)ticks & 0xffffff;
}

/* Tern's own devices (step 1); false if the port is not theirs. */
static bool io_port_own(struct vcpu *v, uint16_t port, unsigned int size,
                        bool in, uint32_t *val)
{
    struct domain *d = v->domain;
    struct testdev *t = &d->testdev;

    if (vpic_is_port(port) && vpic_port_access(d->vpic, port, size, in, val))
        return true;
    if (d->pm_timer_port && port == d->pm_timer_port && size == 4) {
        if (in)
            *val = io_pm_timer();
        return true;                /* writes: read-only, ignored */
    }
    if (ioreq_pci_is_config_address(port, size)) {
        if (in)
            *val = d->pci_cf8;
        else
            d->pci_cf8 = ioreq_pci_config_address_write(*val);
        return true;
    }
    if (t->enabled && port >= IO_PORT_TESTDEV &&
        port + size <= IO_PORT_TESTDEV + sizeof(t->ports)) {
        if (in) {
            *val = 0;
            memcpy(val, &t->ports[port - IO_PORT_TESTDEV], size);
        } else {
            memcpy(&t->ports[port - IO_PORT_TESTDEV], val, size);
        }
        return true;
    }
    if (t->enabled && port == IO_PORT_TESTDEV_IRQ && !in) {
        v->irq_pending = true;
        v->irq_vector = (uint8_t)*val;
        v->irq_due_ns = time_ns() + TESTDEV_IRQ_DELAY_NS;
        return true;
    }
    return false;
}

/* The request a port access makes (step 2); false when it is a data-port
 * access with the PCI latch disabled, which nobody gets. */
static bool io_port_request(struct domain *d, uint16_t port, unsigned int size,
                            bool in, struct tern_ioreq *req)
{
    uint64_t cfg;
    *req = (struct tern_ioreq){ .addr = port, .size = size, .count = 1,
                                .type = TERN_IOREQ_TYPE_PIO,
                                .flags = in ? TERN_IOREQ_DIR_READ : 0 };
    if ((port & ~3u) != PCI_CONFIG_DATA)
        return true;
    switch (ioreq_pci_decode(d->pci_cf8, port, size, &cfg)) {
    case IOREQ_PCI_CONFIG:
        req->type = TERN_IOREQ_TYPE_PCI_CONFIG;
        req->addr = cfg;
        return true;
    case IOREQ_PCI_DISABLED:
        return false;
    case IOREQ_PCI_NOT_DATA:
        break;
    }
    return true;
}

int io_port_access(struct vcpu *v, uint16_t port, unsigned int size,
                   bool in, uint32_t *val)
{
    struct domain *d = v->domain;
    struct tern_ioreq req;

    if (io_port_own(v, port, size, in, val))
        return IO_DONE;
    if (io_port_request(d, port, size, in, &req)) {
        req.data = in ? 0 : *val;
        switch (ioreq_send(v, &req)) {
        case IOREQ_BLOCKED:
            return IO_BLOCKED;
        case IOREQ_HANDLED:
            if (in)
                *val = (uint32_t)(req.data & size_mask(size));
            return IO_DONE;
        case IOREQ_UNCLAIMED:
            break;
        }
    }
    if (port == IO_PORT_DEBUGCON && !in) {
        domain_console_putc(d, (char)*val);
        return IO_DONE;
    }
    if (port == IO_PORT_DEBUG_EXIT && !in) {
        domain_shutdown(d, (int)(*val & 0xff));
        return IO_DONE;
    }
    d->unclaimed_io++;
    io_unclaimed(v, "port", port, size, !in);
    if (in)
        *val = (uint32_t)size_mask(size);
    return IO_DONE;
}

enum ioreq_result io_port_string(struct vcpu *v, uint16_t port,
                                 unsigned int size, bool in, uint64_t gpa,
                                 uint32_t count, bool df, bool *no_device)
{
    struct domain *d = v->domain;
    struct tern_ioreq req;

    /* Tern's own ports, and the PCI data port, go element by element. */
    if (io_port_is_own(d, port, size) ||
        (port >= PCI_CONFIG_DATA && port < PCI_CONFIG_DATA + 4))
        return IOREQ_UNCLAIMED;
    if (!io_port_request(d, port, size, in, &req))
        return IOREQ_UNCLAIMED;
    req.count = count;
    req.data = gpa;
    req.flags |= TERN_IOREQ_DATA_IS_PTR | (df ? TERN_IOREQ_DF : 0);
    enum ioreq_result r = ioreq_send(v, &req);
    *no_device = req.pad0 == IOREQ_DONE_NO_DEVICE;
    return r;
}

int io_mmio_access(struct vcpu *v, uint64_t gpa, unsigned int size,
                   bool write, uint64_t *val)
{
    struct domain *d = v->domain;
    struct testdev *t = &d->testdev;

    if (t->enabled && gpa >= TESTDEV_MMIO_BASE &&
        gpa + size <= TESTDEV_MMIO_BASE + TESTDEV_MMIO_SIZE) {
        uint8_t *p = &t->mmio[gpa - TESTDEV_MMIO_BASE];
        if (write) {
            memcpy(p, val, size);
        } else {
            *val = 0;
            memcpy(val, p, size);
        }
        return IO_DONE;
    }
    struct tern_ioreq req = { .addr = gpa, .size = size, .count = 1,
                              .type = TERN_IOREQ_TYPE_COPY,
                              .flags = write ? 0 : TERN_IOREQ_DIR_READ,
                              .data = write ? *val & size_mask(size) : 0 };
    switch (ioreq_send(v, &req)) {
    case IOREQ_BLOCKED:
        return IO_BLOCKED;
    case IOREQ_HANDLED:
        if (!write)
            *val = req.data & size_mask(size);
        return IO_DONE;
    case IOREQ_UNCLAIMED:
        break;
    }
    d->unclaimed_mmio++;
    io_unclaimed(v, "MMIO", gpa, size, write);
    if (!write)
        *val = size_mask(size);
    return IO_DONE;
}
