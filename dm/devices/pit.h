/*
 * dm/devices/pit.h: the Intel 8254 programmable interval timer and the
 * PC's system control port B (dm/devices/pit.c).
 *
 * dm/main.c registers, both with one struct pit as 'dev':
 *   PORT [0x40, 0x43]  pit_ops         counters 0-2, control word
 *   PORT [0x61, 0x61]  pit_port61_ops  channel 2's gate, OUT2, refresh
 *
 * Channel 0 drives ISA IRQ 0. The device has no timer of its own: the DM
 * arms one for pit_next_event_ns() and calls pit_update() when it fires,
 * and re-reads pit_next_event_ns() after every access to the ports
 * (programming the PIT moves the next event).
 */
#ifndef DM_PIT_H
#define DM_PIT_H

#include <device.h>

#define PIT_HZ          1193182u    /* the input clock, 14.31818 MHz / 12 */
#define PIT_IRQ         0
#define PIT_PORT        0x40
#define PIT_PORT61      0x61

/* One counter. 'count', 'reload' and 'next_count' are in clocks,
 * 1..65536 (1..10000 in BCD); ticks are PIT clocks since Tern booted. */
struct pit_channel {
    uint8_t mode;           /* control word bits 3:1, as written (0-7) */
    uint8_t rw;             /* PIT_RW_*: which bytes the guest accesses */
    bool bcd;
    bool gate;
    bool has_count;         /* an initial count was written since the
                             * control word */
    bool armed;             /* the counting element holds a count */
    bool counting;          /* armed and not stopped by the gate */
    uint32_t reload;        /* the last initial count written */
    uint32_t count;         /* the count of the cycle in progress */
    uint64_t start;         /* tick the cycle began (valid when counting) */
    uint64_t frozen;        /* clocks elapsed when the gate stopped it */
    /* Modes 2 and 3: a count written while counting takes effect at
     * the end of the current cycle, tick 'next_tick'. */
    bool pending;
    uint32_t next_count;
    uint64_t next_tick;
    uint64_t null_until;    /* status NULL COUNT is set until this tick */
    /* Byte sequencing of the lo-then-hi access mode. */
    bool write_hi;          /* the next write is the high byte */
    uint8_t write_lo;       /* the low byte already written */
    bool read_hi;           /* the next read is the high byte */
    bool count_latched;     /* latch command: reads see 'latch' */
    uint16_t latch;
    bool status_latched;    /* read-back: the next read is 'status' */
    uint8_t status;
};

struct pit {
    const struct dm_platform *pf;
    struct pit_channel ch[3];
    uint8_t port61;         /* port 0x61 bits 3:0 as written */
    bool refresh;           /* port 0x61 bit 4, toggled by each read */
    uint64_t irq_after;     /* channel 0's edges up to this tick are raised */
};

/* Channels idle (no count: no interrupt until the guest programs one),
 * channel 2's gate low. 'pf' must outlive the device. */
void pit_init(struct pit *p, const struct dm_platform *pf);
/* When the next IRQ 0 edge is due, in platform now_ns() time; 0 if
 * channel 0 is not counting towards one. */
uint64_t pit_next_event_ns(const struct pit *p);
/* Raise IRQ 0 once (set_irq 1 then 0) if an edge was due by 'now_ns';
 * periods missed since the last edge are folded into that one. */
void pit_update(struct pit *p, uint64_t now_ns);

extern const struct dm_device_ops pit_ops;
extern const struct dm_device_ops pit_port61_ops;

#endif
