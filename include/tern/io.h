/*
 * include/tern/io.h: guest port I/O and MMIO that Tern answers itself
 * (kernel/io.c), below the instruction-level handling of kernel/hvm.c.
 *
 * Handled here: the debug console (port 0xe9), isa-debug-exit (port
 * 0xf4: the guest ends itself with a status), and the test device when a
 * domain has it (testdev=on). Everything else is "unclaimed": reads
 * return all ones, writes are dropped, and both are counted (and traced
 * with trace=exits). The ioreq servers of a later issue take over the
 * unclaimed case.
 */
#ifndef TERN_IO_H
#define TERN_IO_H

#include <tern/compiler.h>

struct vcpu;

#define IO_PORT_DEBUGCON    0xe9
#define IO_PORT_DEBUG_EXIT  0xf4
#define IO_PORT_TESTDEV     0xe0        /* 0xe0-0xe7 scratch, 0xe8 irq */
#define IO_PORT_TESTDEV_IRQ 0xe8
#define TESTDEV_IRQ_DELAY_NS 10000000ul /* one host tick */

/* One access of 'size' bytes (1, 2, 4; MMIO also 8). For reads, *val is
 * written; for writes it is read. */
void io_port_access(struct vcpu *v, uint16_t port, unsigned int size,
                    bool in, uint32_t *val);
void io_mmio_access(struct vcpu *v, uint64_t gpa, unsigned int size,
                    bool write, uint64_t *val);

#endif
