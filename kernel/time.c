/*
 * kernel/time.c: the TSC clock and the PIT used to calibrate it.
 *
 * time_init() measures the TSC and the local APIC timer over the same
 * PIT-timed 10 ms window, then starts the APIC timer at TIMER_HZ. After
 * that time_ns() is the TSC scaled to nanoseconds: ns = tsc * mult >> 32.
 * On Bochs with "clock: sync=none" the TSC counts instructions, so the
 * scale is emulated time, identical run to run.
 *
 * Context: time_init() at boot with interrupts off; time_ns() anywhere.
 */
#include <tern/console.h>
#include <tern/desc.h>
#include <tern/panic.h>
#include <tern/percpu.h>
#include <tern/time.h>
#include <tern/x86.h>

#define PIT_HZ              1193182u
#define PIT_CH2_DATA        0x42
#define PIT_COMMAND         0x43
#define PIT_CMD_CH2_MODE0   0xb0    /* channel 2, lo/hi byte, mode 0, binary */
#define PORT_B              0x61    /* system control port B */
#define PORT_B_GATE2        0x01
#define PORT_B_SPEAKER      0x02
#define PORT_B_OUT2         0x20
#define CALIBRATE_MS        10

static uint64_t tsc_base;
static uint64_t tsc_khz;
static uint64_t tsc_mult;          /* ns per TSC tick, as 32.32 fixed point */

/*
 * Run PIT channel 2 for 'ms' (at most 54) in mode 0 and busy-wait until
 * its output rises; returns the TSC ticks that took. Intel 8254 data
 * sheet, "Mode 0: Interrupt on Terminal Count".
 */
uint64_t pit_wait_ms(unsigned int ms)
{
    uint32_t count = PIT_HZ * ms / 1000;
    uint8_t b = inb(PORT_B);

    outb(PORT_B, (b & ~PORT_B_SPEAKER) & ~PORT_B_GATE2);
    outb(PIT_COMMAND, PIT_CMD_CH2_MODE0);
    outb(PIT_CH2_DATA, count & 0xff);
    outb(PIT_CH2_DATA, (count >> 8) & 0xff);
    outb(PORT_B, (b & ~PORT_B_SPEAKER) | PORT_B_GATE2);   /* start */

    uint64_t t0 = rdtsc();
    /* Bounded: about 100x the expected iterations of a slow machine. */
    for (uint64_t spins = 0; !(inb(PORT_B) & PORT_B_OUT2); spins++) {
        if (spins > 100000000ull)
            panic("time: PIT channel 2 never fired; cannot calibrate");
    }
    return rdtsc() - t0;
}

uint64_t time_ns(void)
{
    if (!tsc_mult)
        return 0;
    return (uint64_t)(((unsigned __int128)(rdtsc() - tsc_base) * tsc_mult) >> 32);
}

uint64_t time_tsc_khz(void)
{
    return tsc_khz;
}

void udelay(uint64_t us)
{
    uint64_t end = rdtsc() + us * tsc_khz / 1000;
    while (rdtsc() < end)
        cpu_relax();
}

static void timer_tick(struct cpu_regs *regs)
{
    (void)regs;
    this_cpu()->ticks++;
    console_poll_input();
    apic_eoi();
}

void time_init(void)
{
    uint64_t tsc = pit_wait_ms(CALIBRATE_MS);
    uint32_t apic_ticks = apic_timer_calibrate(CALIBRATE_MS);

    if (tsc == 0 || apic_ticks == 0)
        panic("time: calibration measured nothing (TSC %lu, APIC %u)",
              tsc, apic_ticks);
    tsc_khz = tsc / CALIBRATE_MS;
    tsc_mult = (1000000ull << 32) / tsc_khz;
    tsc_base = rdtsc();

    uint32_t per_tick = (uint32_t)((uint64_t)apic_ticks * 1000 /
                                   CALIBRATE_MS / TIMER_HZ);
    irq_register(VECTOR_TIMER, timer_tick);
    apic_timer_start_periodic(per_tick, VECTOR_TIMER);
    pr_info("time: TSC %lu.%03lu MHz, APIC timer %u ticks per %u Hz tick "
            "(calibrated against the PIT)\n", tsc_khz / 1000, tsc_khz % 1000,
            per_tick, TIMER_HZ);
}
