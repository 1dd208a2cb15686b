/*
 * dm/devices/rtc.h: the MC146818 real-time clock and CMOS memory of a PC
 * (dm/devices/rtc.c).
 *
 * dm/main.c registers, with one struct rtc as 'dev':
 *   PORT [0x70, 0x71]  rtc_ops   index (bit 7: NMI disable), data
 *
 * Its interrupts (periodic, alarm, update-ended) are ISA IRQ 8, a level
 * line held until the guest reads register C. Like the PIT it has no
 * timer of its own: the DM arms one for rtc_next_event_ns(), calls
 * rtc_update() when it fires, and re-reads rtc_next_event_ns() after
 * every access to the ports.
 */
#ifndef DM_RTC_H
#define DM_RTC_H

#include <device.h>

#define RTC_IRQ             8
#define RTC_PORT            0x70
/* The clock's time at Tern's boot unless the DM is told otherwise:
 * 2026-01-01 00:00:00 UTC, in seconds since the Unix epoch. */
#define RTC_DEFAULT_EPOCH   1767225600ull

/* A date and time, binary: year in full (0-9999), month 1-12, day 1-31,
 * hours 0-23. */
struct rtc_time {
    uint32_t year;
    uint8_t mon, mday, hour, min, sec;
};

struct rtc {
    const struct dm_platform *pf;
    uint8_t index;          /* port 0x70 as written */
    /* Registers A-D, the alarm bytes and NVRAM, by index. The time
     * registers (0x00, 0x02, 0x04, 0x06-0x09, 0x32) live elsewhere: they
     * are computed from the clock, or are 'held' while B.SET is on. */
    uint8_t cmos[128];
    uint64_t base_s;        /* the time at now_ns() == 0 */
    int64_t offset_s;       /* plus this since the guest set the clock */
    struct rtc_time held;   /* the time registers while B.SET is on */
    uint64_t sync_ns;       /* register C's flags are up to date to here */
    bool irq;               /* IRQ 8's level */
};

/* 'base_epoch_s': the time (seconds since 1970-01-01 00:00:00 UTC) at
 * now_ns() == 0, e.g. RTC_DEFAULT_EPOCH. 'mem_bytes': the guest's RAM,
 * for the memory-size bytes. 'pf' must outlive the device. */
void rtc_init(struct rtc *r, const struct dm_platform *pf,
              uint64_t base_epoch_s, uint64_t mem_bytes);
/* When an interrupt may next be due, in now_ns() time; 0 if none can
 * be (none enabled, or IRQ 8 already raised and waiting for C). */
uint64_t rtc_next_event_ns(const struct rtc *r);
/* Set register C's flags for what happened by 'now_ns'; raise IRQ 8
 * if one of them is enabled. */
void rtc_update(struct rtc *r, uint64_t now_ns);

/* Days since 1970-01-01 of a proleptic Gregorian date (years 0-9999)
 * and back; exposed for the unit tests. */
int64_t rtc_days_from_civil(uint32_t year, unsigned int mon,
                            unsigned int mday);
void rtc_civil_from_days(int64_t days, struct rtc_time *tm);

extern const struct dm_device_ops rtc_ops;

#endif
