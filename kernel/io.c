/*
 * kernel/io.c: the devices Tern itself emulates for a guest, and the
 * default for everything nobody claims (see include/tern/io.h).
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
#include <tern/lib.h>
#include <tern/time.h>

static void io_unclaimed(struct vcpu *v, const char *what, uint64_t addr,
                         unsigned int size, bool write)
{
    struct domain *d = v->domain;
    if (cmdline_options.trace & TRACE_EXITS)
        pr_info("io: %s: unclaimed %s %s %#lx, %u byte%s: %s\n", d->name,
                what, write ? "write to" : "read from", addr, size,
                size == 1 ? "" : "s", write ? "dropped" : "all ones");
}

void io_port_access(struct vcpu *v, uint16_t port, unsigned int size,
                    bool in, uint32_t *val)
{
    struct domain *d = v->domain;
    struct testdev *t = &d->testdev;
    uint32_t mask = size == 4 ? ~0u : (1u << (size * 8)) - 1;

    if (port == IO_PORT_DEBUGCON && !in) {
        domain_console_putc(d, (char)*val);
        return;
    }
    if (port == IO_PORT_DEBUG_EXIT && !in) {
        domain_shutdown(d, (int)(*val & 0xff));
        return;
    }
    if (t->enabled && port >= IO_PORT_TESTDEV &&
        port + size <= IO_PORT_TESTDEV + sizeof(t->ports)) {
        if (in) {
            *val = 0;
            memcpy(val, &t->ports[port - IO_PORT_TESTDEV], size);
        } else {
            memcpy(&t->ports[port - IO_PORT_TESTDEV], val, size);
        }
        return;
    }
    if (t->enabled && port == IO_PORT_TESTDEV_IRQ && !in) {
        v->irq_pending = true;
        v->irq_vector = (uint8_t)*val;
        v->irq_due_ns = time_ns() + TESTDEV_IRQ_DELAY_NS;
        return;
    }
    d->unclaimed_io++;
    io_unclaimed(v, "port", port, size, !in);
    if (in)
        *val = mask;
}

void io_mmio_access(struct vcpu *v, uint64_t gpa, unsigned int size,
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
        return;
    }
    d->unclaimed_mmio++;
    io_unclaimed(v, "MMIO", gpa, size, write);
    if (!write)
        *val = size == 8 ? ~0ul : (1ul << (size * 8)) - 1;
}
