/*
 * include/tern/io.h: a guest's port I/O and MMIO below the
 * instruction-level handling of kernel/hvm.c (kernel/io.c): Tern's own
 * devices, the ioreq servers of device models, Tern's fallbacks, and
 * the default for what nobody claims (reads all ones, writes dropped,
 * counted).
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

enum ioreq_result;

/* What an access did: IO_DONE (a read's *val is set), or IO_BLOCKED: it
 * went to a device model and the vCPU waits for the answer; the caller
 * abandons the instruction without side effects, and runs it again when
 * the answer is in (kernel/ioreq/send.c). */
#define IO_DONE     0
#define IO_BLOCKED  1

/* One access of 'size' bytes (1, 2, 4; MMIO also 8). For reads, *val is
 * written; for writes it is read. */
int io_port_access(struct vcpu *v, uint16_t port, unsigned int size,
                   bool in, uint32_t *val);
int io_mmio_access(struct vcpu *v, uint64_t gpa, unsigned int size,
                   bool write, uint64_t *val);
/*
 * 'count' elements of a REP INS/OUTS at guest-physical 'gpa' (in RAM,
 * running down from gpa when 'df'), as one DATA_IS_PTR request to the
 * device model that claims the port. IOREQ_UNCLAIMED when no server does
 * (or Tern handles the port itself): the caller goes element by element.
 * *no_device: the server went away before answering (a read leaves
 * all ones).
 */
enum ioreq_result io_port_string(struct vcpu *v, uint16_t port,
                                 unsigned int size, bool in, uint64_t gpa,
                                 uint32_t count, bool df, bool *no_device);

#endif
