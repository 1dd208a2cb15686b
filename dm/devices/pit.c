/*
 * dm/devices/pit.c: the Intel 8254 programmable interval timer (PIT) at
 * ports 0x40-0x43, and port 0x61, the PC's system control port B.
 *
 * Interface (pit.h): pit_init, pit_next_event_ns, pit_update, and
 * pit_ops (offset 0-2: counters 0-2, 3: control word) and
 * pit_port61_ops.
 *
 * Facts from the Intel 8254 datasheet (order no. 231164):
 *
 *   control word (port 0x43, write-only)
 *     7:6  SC   counter 0-2; 3 = read-back command
 *     5:4  RW   0 = counter latch command, 1 = low byte only,
 *               2 = high byte only, 3 = low byte then high byte
 *     3:1  M    mode 0-5 (6 and 7 are modes 2 and 3)
 *     0    BCD  count in four decimal digits instead of 16 bits
 *   read-back (SC = 3): bit 5 clear latches the counts, bit 4 clear
 *   latches the status, bits 3:1 select counters 2, 1, 0. Status:
 *     7 OUT, 6 NULL COUNT, 5:4 RW, 3:1 mode, 0 BCD
 *
 * What is modelled: the six modes, computed from the clock rather than
 * stepped: a counter is a start tick and a count, and its value and OUT
 * at any tick follow from the time elapsed. Input clock 1,193,182 Hz,
 * from the platform's now_ns().
 *   0  interrupt on terminal count: OUT low, high after 'count' clocks;
 *      the gate pauses counting
 *   1  one-shot: a gate rising edge (channel 2) starts it; OUT low for
 *      'count' clocks
 *   2  rate generator: OUT low for the last clock of every period
 *   3  square wave: OUT high for the first (count+1)/2 clocks of the
 *      period, low for the rest; the value counts down by two in each
 *      half (odd counts are approximate: both halves start at count-1)
 *   4  software strobe: OUT low for one clock at terminal count
 *   5  hardware strobe: mode 4 started by a gate rising edge
 * In modes 2 and 3 a low gate stops counting with OUT high and a rising
 * edge restarts the period; a count written while counting takes effect
 * at the end of the period in progress (the datasheet says so for mode
 * 2; mode 3 would take it at the end of the half-period). All access
 * modes, the counter latch command, read-back, and BCD counting.
 * Channel 0's OUT rising edges are IRQ 0 (channels 1 and 2 have none).
 *
 * What is not: the clock delay between writing a count and loading it
 * (counting starts at the write; NULL COUNT reads set until the next
 * clock); the value of a counter that has no count since its control
 * word (the datasheet leaves it undefined; this reads the last count);
 * OUT's change when a control word is written raising no interrupt (only
 * counting does); the speaker (port 0x61 bit 1 is stored, nothing plays).
 *
 * Port 0x61: bit 0 channel 2's gate, bit 1 speaker data enable, bits 3:2
 * stored (parity and channel check enables); read-only bit 4 refresh
 * request (toggled by each read, which is enough for code that waits for
 * it to change), bit 5 channel 2's OUT, bits 7:6 (error flags) zero.
 *
 * Timer: pit_update() raises IRQ 0 when an edge is due; the DM calls it
 * at pit_next_event_ns(). Each port access calls it first as well, so an
 * edge due before a reprogramming is never lost. 'irq_after' records the
 * last tick whose edges were raised: missed periods give one edge, and
 * the next is the next multiple of the period from the start, so the
 * phase holds.
 *
 * Context: the DM's event loop, one access at a time: no locking.
 */
#include <lib.h>
#include "pit.h"

#define NS_PER_S        1000000000ull
#define PIT_NEVER       UINT64_MAX

/* Control word fields. */
#define PIT_CW_SC(v)    (((v) >> 6) & 3)
#define PIT_CW_RW(v)    (((v) >> 4) & 3)
#define PIT_CW_MODE(v)  (((v) >> 1) & 7)
#define PIT_CW_BCD      0x01
#define PIT_SC_READBACK 3
#define PIT_RW_LATCH    0
#define PIT_RW_LO       1
#define PIT_RW_HI       2
#define PIT_RW_LOHI     3
#define PIT_RB_NO_COUNT  0x20
#define PIT_RB_NO_STATUS 0x10
#define PIT_ST_OUT      0x80
#define PIT_ST_NULL     0x40

/* Port 0x61. */
#define PIT_P61_GATE2   0x01
#define PIT_P61_STORED  0x0f
#define PIT_P61_REFRESH 0x10
#define PIT_P61_OUT2    0x20

/*
 * Nanoseconds to clocks and back, split at whole seconds so that no
 * product passes 64 bits: ns/1e9 * PIT_HZ stays below 2^55 for any ns,
 * and the remainders' products below 2^51. pit_ticks_to_ns gives the
 * first nanosecond whose tick is at least 't'.
 */
static uint64_t pit_ns_to_ticks(uint64_t ns)
{
    return ns / NS_PER_S * PIT_HZ + ns % NS_PER_S * PIT_HZ / NS_PER_S;
}

static uint64_t pit_ticks_to_ns(uint64_t t)
{
    return t / PIT_HZ * NS_PER_S +
           (t % PIT_HZ * NS_PER_S + PIT_HZ - 1) / PIT_HZ;
}

static uint64_t pit_now(const struct pit *p)
{
    return pit_ns_to_ticks(p->pf->now_ns(p->pf->ctx));
}

/* ---- one counter ---- */

/* Modes 6 and 7 are 2 and 3 (the datasheet's "X10" and "X11"). */
static unsigned int pit_mode(const struct pit_channel *c)
{
    return c->mode > 5 ? c->mode - 4 : c->mode;
}

/* The counter's range: a count of 0 stands for this many clocks. */
static uint32_t pit_modulus(const struct pit_channel *c)
{
    return c->bcd ? 10000 : 65536;
}

/* A count register value (as the guest writes it) to clocks. Invalid
 * BCD digits are taken at face value; the result is kept in range. */
static uint32_t pit_count_from_reg(const struct pit_channel *c, uint16_t v)
{
    uint32_t n = v;
    if (c->bcd)
        n = (v >> 12) * 1000 + ((v >> 8) & 0xf) * 100 +
            ((v >> 4) & 0xf) * 10 + (v & 0xf);
    n %= pit_modulus(c);
    return n ? n : pit_modulus(c);
}

/* Clocks to the value the guest reads (a full count reads as 0). */
static uint16_t pit_count_to_reg(const struct pit_channel *c, uint32_t n)
{
    n %= pit_modulus(c);
    if (!c->bcd)
        return (uint16_t)n;
    return (uint16_t)((n / 1000) << 12 | (n / 100 % 10) << 8 |
                      (n / 10 % 10) << 4 | n % 10);
}

/* The count and start of the cycle in progress at tick 't'. */
static void pit_cycle(const struct pit_channel *c, uint64_t t,
                      uint32_t *count, uint64_t *start)
{
    if (c->pending && t >= c->next_tick) {
        *count = c->next_count;
        *start = c->next_tick;
    } else {
        *count = c->count;
        *start = c->start;
    }
}

/* Make a pending count current once its cycle has begun. */
static void pit_fold(struct pit_channel *c, uint64_t t)
{
    if (c->pending && t >= c->next_tick) {
        pit_cycle(c, t, &c->count, &c->start);
        c->pending = false;
    }
}

/* The counter's value (in clocks) and OUT at tick 't'. */
static void pit_eval(const struct pit_channel *c, uint64_t t,
                     uint32_t *value, bool *out)
{
    unsigned int mode = pit_mode(c);
    if (!c->armed) {
        *value = c->count;
        *out = mode != 0;       /* a control word sets OUT low in mode 0 */
        return;
    }
    uint32_t n;
    uint64_t start, e;
    pit_cycle(c, t, &n, &start);
    e = c->counting ? t - start : c->frozen;
    uint32_t m = pit_modulus(c);
    uint32_t p = (uint32_t)(e % n);
    uint32_t half = (n + 1) / 2;
    switch (mode) {
    case 0: case 1:
        *value = (n + m - (uint32_t)(e % m)) % m;
        *out = e >= n;
        break;
    case 4: case 5:
        *value = (n + m - (uint32_t)(e % m)) % m;
        *out = e != n;
        break;
    case 2:
        *value = n - p;
        *out = !c->counting || p != n - 1;
        break;
    default:    /* 3 */
        *value = (n & ~1u) - 2 * (p < half ? p : p - half);
        *out = !c->counting || p < half;
        break;
    }
}

/*
 * The first tick after 't' at which OUT rises, or PIT_NEVER. Rising
 * edges: the terminal count in modes 0 and 1, the clock after it in 4
 * and 5, the end of every period in 2 and 3 (the first one a whole
 * period after the count was loaded).
 */
static uint64_t pit_edge_after(const struct pit_channel *c, uint64_t t)
{
    if (!c->counting)
        return PIT_NEVER;
    if (c->pending && t < c->next_tick)
        return c->next_tick;    /* the current period ends there */
    uint32_t n;
    uint64_t start;
    pit_cycle(c, t, &n, &start);
    switch (pit_mode(c)) {
    case 0: case 1:
        return start + n > t ? start + n : PIT_NEVER;
    case 4: case 5:
        return start + n + 1 > t ? start + n + 1 : PIT_NEVER;
    default:    /* 2, 3 */
        if (t < start)
            return start + n;
        return start + ((t - start) / n + 1) * n;
    }
}

static uint8_t pit_status(const struct pit_channel *c, uint64_t t)
{
    uint32_t value;
    bool out;
    pit_eval(c, t, &value, &out);
    return (uint8_t)((out ? PIT_ST_OUT : 0) |
                     (t < c->null_until ? PIT_ST_NULL : 0) |
                     c->rw << 4 | c->mode << 1 | (c->bcd ? 1 : 0));
}

static void pit_latch_count(struct pit_channel *c, uint64_t t)
{
    if (c->count_latched)
        return;                 /* the first latch holds until read */
    uint32_t value;
    bool out;
    pit_eval(c, t, &value, &out);
    c->latch = pit_count_to_reg(c, value);
    c->count_latched = true;
}

/* Start counting 'n' clocks at tick 't' (modes 0 and 4, or a trigger). */
static void pit_start(struct pit_channel *c, uint32_t n, uint64_t t)
{
    c->count = n;
    c->armed = true;
    c->counting = c->gate || pit_mode(c) == 1 || pit_mode(c) == 5;
    c->start = t;
    c->frozen = 0;
    c->pending = false;
    c->null_until = t + 1;
}

/* A complete initial count 'n' (in clocks) was written at tick 't'. */
static void pit_load(struct pit_channel *c, uint32_t n, uint64_t t)
{
    c->reload = n;
    c->has_count = true;
    switch (pit_mode(c)) {
    case 1: case 5:
        /* Waits for a gate rising edge; a running one-shot goes on. */
        if (!c->armed)
            c->count = n;
        c->null_until = PIT_NEVER;
        break;
    case 2: case 3:
        pit_fold(c, t);
        if (c->counting) {
            /* Takes effect when the period in progress ends. */
            if (!c->pending)
                c->next_tick = pit_edge_after(c, t);
            c->next_count = n;
            c->pending = true;
            c->null_until = c->next_tick;
        } else {
            pit_start(c, n, t);
        }
        break;
    default:    /* 0, 4: reload at once */
        pit_start(c, n, t);
        break;
    }
}

static void pit_set_gate(struct pit_channel *c, bool level, uint64_t t)
{
    bool rising = level && !c->gate;
    bool falling = !level && c->gate;
    c->gate = level;
    pit_fold(c, t);
    switch (pit_mode(c)) {
    case 1: case 5:
        if (rising && c->has_count)
            pit_start(c, c->reload, t);     /* (re)trigger */
        break;
    case 2: case 3:
        if (rising && c->has_count)
            pit_start(c, c->reload, t);     /* a new period */
        else if (falling && c->counting) {
            c->frozen = t - c->start;
            c->counting = false;
            c->pending = false;
        }
        break;
    default:    /* 0, 4: the gate pauses and resumes */
        if (rising && c->armed) {
            c->start = t - c->frozen;
            c->counting = true;
        } else if (falling && c->counting) {
            c->frozen = t - c->start;
            c->counting = false;
        }
        break;
    }
}

/* A byte written to a counter's port. */
static void pit_write_count(struct pit_channel *c, uint8_t v, uint64_t t)
{
    uint16_t reg;
    switch (c->rw) {
    case PIT_RW_LO:
        reg = v;
        break;
    case PIT_RW_HI:
        reg = (uint16_t)(v << 8);
        break;
    default:    /* PIT_RW_LOHI */
        if (!c->write_hi) {
            c->write_lo = v;
            c->write_hi = true;
            /* Mode 0: the first byte stops the count, OUT goes low. */
            if (pit_mode(c) == 0) {
                c->armed = false;
                c->counting = false;
            }
            return;
        }
        c->write_hi = false;
        reg = (uint16_t)(c->write_lo | v << 8);
        break;
    }
    pit_load(c, pit_count_from_reg(c, reg), t);
}

/* A byte read from a counter's port: a latched status, then a latched
 * count, else the live count, by the access mode's byte order. */
static uint8_t pit_read_count(struct pit_channel *c, uint64_t t)
{
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    uint16_t reg = c->latch;
    if (!c->count_latched) {
        uint32_t value;
        bool out;
        pit_eval(c, t, &value, &out);
        reg = pit_count_to_reg(c, value);
    }
    bool hi = c->rw == PIT_RW_HI || (c->rw == PIT_RW_LOHI && c->read_hi);
    if (c->rw == PIT_RW_LOHI)
        c->read_hi = !c->read_hi;
    if (c->rw != PIT_RW_LOHI || !c->read_hi)
        c->count_latched = false;   /* the sequence is complete */
    return (uint8_t)(hi ? reg >> 8 : reg);
}

/* ---- the ports ---- */

static void pit_control(struct pit *p, uint8_t v, uint64_t t)
{
    if (PIT_CW_SC(v) == PIT_SC_READBACK) {
        for (unsigned int i = 0; i < 3; i++) {
            struct pit_channel *c = &p->ch[i];
            if (!(v & 2u << i))
                continue;
            if (!(v & PIT_RB_NO_COUNT))
                pit_latch_count(c, t);
            if (!(v & PIT_RB_NO_STATUS) && !c->status_latched) {
                c->status = pit_status(c, t);
                c->status_latched = true;
            }
        }
        return;
    }
    struct pit_channel *c = &p->ch[PIT_CW_SC(v)];
    if (PIT_CW_RW(v) == PIT_RW_LATCH) {
        pit_latch_count(c, t);
        return;
    }
    /* A new mode: the counter stops until it is given a count. */
    c->mode = PIT_CW_MODE(v);
    c->rw = PIT_CW_RW(v);
    c->bcd = v & PIT_CW_BCD;
    c->has_count = c->armed = c->counting = c->pending = false;
    c->write_hi = c->read_hi = false;
    c->count_latched = c->status_latched = false;
    c->null_until = PIT_NEVER;
}

static uint8_t pit_read_byte(struct pit *p, uint64_t port, uint64_t t)
{
    if (port < 3)
        return pit_read_count(&p->ch[port], t);
    return 0xff;    /* the control word is write-only: nothing drives it */
}

static void pit_write_byte(struct pit *p, uint64_t port, uint8_t v,
                           uint64_t t)
{
    if (port < 3)
        pit_write_count(&p->ch[port], v, t);
    else if (port == 3)
        pit_control(p, v, t);
}

/* A wider access is split into byte cycles, as the ISA bus does for an
 * 8-bit device. */
static uint64_t pit_read(void *dev, uint64_t offset, unsigned int size)
{
    struct pit *p = dev;
    uint64_t now_ns = p->pf->now_ns(p->pf->ctx);
    pit_update(p, now_ns);
    uint64_t t = pit_ns_to_ticks(now_ns);
    uint64_t value = 0;
    for (unsigned int i = 0; i < size; i++)
        value |= (uint64_t)pit_read_byte(p, offset + i, t) << (8 * i);
    return value;
}

static void pit_write(void *dev, uint64_t offset, unsigned int size,
                      uint64_t value)
{
    struct pit *p = dev;
    uint64_t now_ns = p->pf->now_ns(p->pf->ctx);
    pit_update(p, now_ns);
    uint64_t t = pit_ns_to_ticks(now_ns);
    for (unsigned int i = 0; i < size; i++)
        pit_write_byte(p, offset + i, (uint8_t)(value >> (8 * i)), t);
}

static uint64_t pit_port61_read(void *dev, uint64_t offset, unsigned int size)
{
    struct pit *p = dev;
    (void)offset;
    (void)size;
    uint32_t value;
    bool out2;
    pit_eval(&p->ch[2], pit_now(p), &value, &out2);
    p->refresh = !p->refresh;
    return p->port61 | (p->refresh ? PIT_P61_REFRESH : 0) |
           (out2 ? PIT_P61_OUT2 : 0);
}

static void pit_port61_write(void *dev, uint64_t offset, unsigned int size,
                             uint64_t value)
{
    struct pit *p = dev;
    (void)offset;
    (void)size;
    p->port61 = value & PIT_P61_STORED;
    pit_set_gate(&p->ch[2], value & PIT_P61_GATE2, pit_now(p));
}

const struct dm_device_ops pit_ops = {
    .read = pit_read,
    .write = pit_write,
};

const struct dm_device_ops pit_port61_ops = {
    .read = pit_port61_read,
    .write = pit_port61_write,
};

/* ---- timer and init ---- */

uint64_t pit_next_event_ns(const struct pit *p)
{
    uint64_t edge = pit_edge_after(&p->ch[0], p->irq_after);
    return edge == PIT_NEVER ? 0 : pit_ticks_to_ns(edge);
}

void pit_update(struct pit *p, uint64_t now_ns)
{
    uint64_t t = pit_ns_to_ticks(now_ns);
    if (pit_edge_after(&p->ch[0], p->irq_after) > t)
        return;
    p->irq_after = t;
    pit_fold(&p->ch[0], t);
    p->pf->set_irq(p->pf->ctx, PIT_IRQ, 1);
    p->pf->set_irq(p->pf->ctx, PIT_IRQ, 0);
}

void pit_init(struct pit *p, const struct dm_platform *pf)
{
    memset(p, 0, sizeof(*p));
    p->pf = pf;
    for (unsigned int i = 0; i < 3; i++) {
        p->ch[i].rw = PIT_RW_LOHI;
        p->ch[i].gate = i != 2;     /* channels 0 and 1: tied high */
        p->ch[i].null_until = PIT_NEVER;
    }
}
