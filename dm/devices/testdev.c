/*
 * dm/devices/testdev.c: the test device. Not hardware: registers that
 * Tern's guest tests use to check that every width of port and MMIO
 * access, and the buffered ioreq ring, reach the device model whole and
 * in order. Enabled by the DM option testdev=on.
 *
 * Interface (testdev.h): testdev_init, and three ops tables, all with
 * the struct testdev as 'dev':
 *
 *   PORT [0x700, 0x71f]            testdev_port_ops
 *   MMIO [0xfe000000, 0xfe000fff]  testdev_mmio_ops
 *   MMIO [0xa0000, 0xa0fff]        testdev_bufcheck_ops
 *
 * All values are little endian: byte i of an access is bits 8i+7..8i.
 *
 * Ports (the offset in the port range in brackets):
 *
 *   0x700-0x707 [0x00] scratch: an 8-byte register. An access of 1, 2
 *               or 4 bytes at any port of it reads or writes those bytes
 *               of the register; one that runs past 0x707 reads all ones
 *               and writes nothing.
 *   0x708       [0x08] fifo, accesses of 1, 2 or 4 bytes: a write
 *               appends the value's 'size' bytes to a 64 KiB byte FIFO
 *               (bytes that find it full are dropped); a read takes
 *               'size' bytes off it, and bytes it does not have read
 *               as 0xff.
 *   0x70c       [0x0c] fifo count, 4 bytes: a read gives the number of
 *               bytes in the FIFO; a write (any value) empties it.
 *   0x710       [0x10] bufcheck count, 4 bytes: a read gives the low 32
 *               bits of the count (below); a write (any value) sets the
 *               count, the errors and the first bad write to zero.
 *   0x714       [0x14] bufcheck errors, 4 bytes: a read gives the
 *               number of bad writes (low 32 bits).
 *   0x718       [0x18] the index (count before it) of the first bad
 *               write, low 32 bits; 0 while errors is 0.
 *   0x71c       [0x1c] the value of the first bad write, low 32 bits.
 *
 *   The registers at 0x708 and up answer only at their own port: an
 *   access that starts at 0x709, say, reads all ones and writes
 *   nothing, as do the ports no register uses. Writes to 0x714, 0x718
 *   and 0x71c are ignored.
 *
 * MMIO 0xfe000000-0xfe000fff, "mmio scratch": 4 KiB of bytes; an
 *   access of 1, 2, 4 or 8 bytes at any address in it reads or writes
 *   those bytes.
 *
 * MMIO 0xa0000-0xa0fff, "bufcheck": below 1 MiB so that Tern may post
 *   writes to it through the buffered ioreq ring without waiting, and
 *   inside the legacy VGA window (its graphics part, unused in text
 *   mode), which is not guest RAM: the rest of the first MiB is. Every
 *   write of value v and size s, at any address in it, is checked
 *   against a count of the writes so far: if v differs from the count
 *   cut to s bytes, errors goes up by one (and the first such write's
 *   index and value are kept); then count goes up by one. A guest
 *   writing 0, 1, 2, ... in order therefore ends with errors 0, and a
 *   write lost, repeated or reordered on the way shows up as errors.
 *   Reads of the region return the count (cut to the access's size).
 *
 * Context: ring 3, the DM's one thread (device.h); no locking.
 */
#include <lib.h>

#include "testdev.h"

/* Offsets in the port range. */
#define TESTDEV_SCRATCH        0x00
#define TESTDEV_FIFO           0x08
#define TESTDEV_FIFO_COUNT     0x0c
#define TESTDEV_BC_COUNT       0x10
#define TESTDEV_BC_ERRORS      0x14
#define TESTDEV_BC_BAD_INDEX   0x18
#define TESTDEV_BC_BAD_VALUE   0x1c

/* The access's bytes, little endian. */
static uint64_t testdev_get_le(const uint8_t *p, unsigned int size)
{
    uint64_t v = 0;
    for (unsigned int i = 0; i < size; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void testdev_put_le(uint8_t *p, unsigned int size, uint64_t v)
{
    for (unsigned int i = 0; i < size; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t testdev_mask(unsigned int size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* ---- the byte FIFO ---- */

static void testdev_fifo_push(struct testdev *t, unsigned int size,
                              uint64_t v)
{
    for (unsigned int i = 0; i < size; i++) {
        if (t->fifo_count == TESTDEV_FIFO_SIZE)
            return;
        uint32_t tail = (t->fifo_head + t->fifo_count) % TESTDEV_FIFO_SIZE;
        t->fifo[tail] = (uint8_t)(v >> (8 * i));
        t->fifo_count++;
    }
}

static uint64_t testdev_fifo_pop(struct testdev *t, unsigned int size)
{
    uint64_t v = 0;
    for (unsigned int i = 0; i < size; i++) {
        uint8_t byte = 0xff;
        if (t->fifo_count) {
            byte = t->fifo[t->fifo_head];
            t->fifo_head = (t->fifo_head + 1) % TESTDEV_FIFO_SIZE;
            t->fifo_count--;
        }
        v |= (uint64_t)byte << (8 * i);
    }
    return v;
}

/* ---- ports 0x700-0x71f ---- */

static uint64_t testdev_port_read(void *dev, uint64_t offset,
                                  unsigned int size)
{
    struct testdev *t = dev;

    if (offset < sizeof(t->scratch))
        return offset + size <= sizeof(t->scratch)
               ? testdev_get_le(&t->scratch[offset], size) : ~0ull;

    switch (offset) {
    case TESTDEV_FIFO:          return testdev_fifo_pop(t, size);
    case TESTDEV_FIFO_COUNT:    return t->fifo_count;
    case TESTDEV_BC_COUNT:      return (uint32_t)t->bufcheck_count;
    case TESTDEV_BC_ERRORS:     return (uint32_t)t->bufcheck_errors;
    case TESTDEV_BC_BAD_INDEX:  return (uint32_t)t->bufcheck_bad_index;
    case TESTDEV_BC_BAD_VALUE:  return (uint32_t)t->bufcheck_bad_value;
    default:                    return ~0ull;
    }
}

static void testdev_port_write(void *dev, uint64_t offset,
                               unsigned int size, uint64_t value)
{
    struct testdev *t = dev;

    if (offset < sizeof(t->scratch)) {
        if (offset + size <= sizeof(t->scratch))
            testdev_put_le(&t->scratch[offset], size, value);
        return;
    }

    switch (offset) {
    case TESTDEV_FIFO:
        testdev_fifo_push(t, size, value);
        break;
    case TESTDEV_FIFO_COUNT:
        t->fifo_head = 0;
        t->fifo_count = 0;
        break;
    case TESTDEV_BC_COUNT:
        t->bufcheck_count = 0;
        t->bufcheck_errors = 0;
        t->bufcheck_bad_index = 0;
        t->bufcheck_bad_value = 0;
        break;
    default:
        break;
    }
}

const struct dm_device_ops testdev_port_ops = {
    .read = testdev_port_read,
    .write = testdev_port_write,
};

/* ---- MMIO 0xfe000000-0xfe000fff ---- */

/* The bus hands over only accesses inside the 4 KiB registered; the
 * check keeps a mistaken registration from reaching past the array. */
static uint64_t testdev_mmio_read(void *dev, uint64_t offset,
                                  unsigned int size)
{
    struct testdev *t = dev;

    if (offset + size > TESTDEV_MMIO_SIZE)
        return ~0ull;
    return testdev_get_le(&t->mmio[offset], size);
}

static void testdev_mmio_write(void *dev, uint64_t offset, unsigned int size,
                               uint64_t value)
{
    struct testdev *t = dev;

    if (offset + size <= TESTDEV_MMIO_SIZE)
        testdev_put_le(&t->mmio[offset], size, value);
}

const struct dm_device_ops testdev_mmio_ops = {
    .read = testdev_mmio_read,
    .write = testdev_mmio_write,
};

/* ---- bufcheck, MMIO 0xa0000-0xa0fff ---- */

static uint64_t testdev_bufcheck_read(void *dev, uint64_t offset,
                                      unsigned int size)
{
    struct testdev *t = dev;

    (void)offset;
    (void)size;
    return t->bufcheck_count;
}

static void testdev_bufcheck_write(void *dev, uint64_t offset,
                                   unsigned int size, uint64_t value)
{
    struct testdev *t = dev;
    uint64_t mask = testdev_mask(size);

    (void)offset;
    if ((value & mask) != (t->bufcheck_count & mask)) {
        if (!t->bufcheck_errors) {
            t->bufcheck_bad_index = t->bufcheck_count;
            t->bufcheck_bad_value = value & mask;
        }
        t->bufcheck_errors++;
    }
    t->bufcheck_count++;
}

const struct dm_device_ops testdev_bufcheck_ops = {
    .read = testdev_bufcheck_read,
    .write = testdev_bufcheck_write,
};

void testdev_init(struct testdev *t)
{
    memset(t, 0, sizeof(*t));
}
