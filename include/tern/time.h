/*
 * include/tern/time.h: time keeping (kernel/time.c) and the local APIC
 * timer (kernel/apic.c).
 *
 * The TSC and the local APIC timer are calibrated against the 8254 PIT
 * (channel 2, gated through port 0x61), whose 1.193182 MHz input clock is
 * the one frequency every PC and emulator agrees on. The APIC timer then
 * ticks periodically at TIMER_HZ on vector VECTOR_TIMER.
 */
#ifndef TERN_TIME_H
#define TERN_TIME_H

#include <tern/compiler.h>

#define TIMER_HZ        100
#define NSEC_PER_SEC    1000000000ul

void time_init(void);
/* Nanoseconds since time_init(); 0 before. */
uint64_t time_ns(void);
uint64_t time_tsc_khz(void);
/* Busy-wait, calibrated; for short device delays only. */
void udelay(uint64_t us);
/* PIT-timed busy wait used for calibration: returns TSC ticks elapsed. */
uint64_t pit_wait_ms(unsigned int ms);

/* kernel/apic.c */
void apic_init(void);
void apic_eoi(void);
uint32_t apic_id(void);
/* Count APIC-timer ticks (divide by 16) over 'ms' of PIT time. */
uint32_t apic_timer_calibrate(unsigned int ms);
void apic_timer_start_periodic(uint32_t initial_count, uint8_t vector);

#endif
