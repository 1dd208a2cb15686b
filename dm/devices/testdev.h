/*
 * dm/devices/testdev.h: the device Tern's guest tests talk to, enabled
 * by the DM option testdev=on (dm/devices/testdev.c has the registers).
 *
 * dm/main.c registers three ranges, each with one struct testdev as
 * 'dev':
 *   PORT [0x700, 0x71f]            testdev_port_ops
 *   MMIO [0xfe000000, 0xfe000fff]  testdev_mmio_ops      (mmio scratch)
 *   MMIO [0xa0000, 0xa0fff]        testdev_bufcheck_ops  (bufcheck)
 *
 * The struct is about 70 KiB (it holds the FIFO): give it static
 * storage, not a place on the stack.
 */
#ifndef DM_TESTDEV_H
#define DM_TESTDEV_H

#include <device.h>

#define TESTDEV_PORT_FIRST      0x700
#define TESTDEV_PORT_LAST       0x71f
#define TESTDEV_MMIO_FIRST      0xfe000000ull
#define TESTDEV_MMIO_LAST       0xfe000fffull
#define TESTDEV_BUFCHECK_FIRST  0xa0000ull
#define TESTDEV_BUFCHECK_LAST   0xa0fffull
/* bufcheck's port window: the same ops at ports 0x720-0x727 (offsets
 * 0-7), also posted through the buffered ring, so a posted write can be
 * timed without the cost of decoding an MMIO instruction (make bench). */
#define TESTDEV_BUFCHECK_PORT_FIRST 0x720
#define TESTDEV_BUFCHECK_PORT_LAST  0x727

#define TESTDEV_MMIO_SIZE       0x1000
#define TESTDEV_FIFO_SIZE       0x10000

struct testdev {
    uint8_t scratch[8];                     /* ports 0x700..0x707 */
    uint8_t mmio[TESTDEV_MMIO_SIZE];        /* the mmio scratch */

    /* The byte FIFO of port 0x708: a ring of fifo_count bytes from
     * fifo_head. */
    uint8_t fifo[TESTDEV_FIFO_SIZE];
    uint32_t fifo_head, fifo_count;

    /* bufcheck: writes seen, how many carried the wrong value, and the
     * first wrong one (valid while errors > 0). */
    uint64_t bufcheck_count, bufcheck_errors;
    uint64_t bufcheck_bad_index, bufcheck_bad_value;
};

/* All registers and buffers zero, the FIFO empty. */
void testdev_init(struct testdev *t);

extern const struct dm_device_ops testdev_port_ops;
extern const struct dm_device_ops testdev_mmio_ops;
extern const struct dm_device_ops testdev_bufcheck_ops;

#endif
