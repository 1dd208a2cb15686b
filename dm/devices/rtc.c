/*
 * dm/devices/rtc.c: the Motorola MC146818 real-time clock and its CMOS
 * memory, ports 0x70 (index) and 0x71 (data).
 *
 * Interface (rtc.h): rtc_init, rtc_next_event_ns, rtc_update, rtc_ops
 * (offset 0: index, 1: data), and the two date conversions.
 *
 * The registers (from the MC146818A datasheet; the memory-size bytes
 * from the IBM PC AT Technical Reference's CMOS map):
 *
 *   0x00 seconds  0x01 seconds alarm  0x02 minutes  0x03 minutes alarm
 *   0x04 hours (bit 7 = PM in 12-hour mode)         0x05 hours alarm
 *   0x06 day of week (1 = Sunday)  0x07 day of month  0x08 month
 *   0x09 year (00-99)              0x32 century (the PC's convention)
 *   0x0a A: 7 UIP (read-only)  6:4 DV divider  3:0 RS periodic rate
 *   0x0b B: 7 SET  6 PIE  5 AIE  4 UIE  3 SQWE  2 DM (1 = binary)
 *           1 24/12 (1 = 24-hour)  0 DSE
 *   0x0c C: 7 IRQF  6 PF  5 AF  4 UF; read-only, cleared by reading
 *   0x0d D: 7 VRT (the battery is good); read-only
 *   0x0e-0x7f NVRAM; 0x15/0x16 base memory in KiB, 0x17/0x18 and
 *           0x30/0x31 extended memory in KiB above 1 MiB, 0x34/0x35
 *           memory above 16 MiB in 64 KiB units, 0x2e/0x2f the checksum
 *           of 0x10-0x2d
 *
 * What is modelled: the time is base + offset + now_ns/1e9 seconds, its
 * updates on Tern's whole seconds; the time registers are computed from
 * it on each read, in BCD or binary and 12- or 24-hour form as register
 * B says at the time of the read. A time register written with B.SET on
 * changes the held time, which becomes the clock's when SET goes off;
 * written with SET off, it sets the clock at once. Either way 'offset'
 * moves and the time goes on from what was written. UIP reads 1 in the
 * last 244 us before each update. The flags: PF at every period of RS
 * (2 Hz to 8192 Hz, counted on a 32.768 kHz clock since boot), UF at
 * every update, AF at an update whose time matches the alarm bytes
 * (0xc0-0xff: any value); each sets IRQF when its enable bit is on, and
 * IRQF is IRQ 8's level. SET off-to-on clears UIE, as the datasheet
 * says, and stops updates (no UF or AF) until SET goes off.
 *
 * Flags are computed lazily: 'sync_ns' is the time they are up to date
 * to, and every access first brings them to now. So an interval between
 * two syncs sees no register change, and the flags of an interval the
 * DM did not wake for (IRQ 8 already raised, or nothing enabled) are
 * still right when the guest reads C.
 *
 * What is not: the divider (DV is stored; the clock always runs), the
 * square-wave output, daylight saving (DSE stored), the day of week as
 * a counter of its own (it is derived from the date; writes to it are
 * ignored), and out-of-range writes to the time (ignored, where the
 * chip would store them and count strangely). A day of month past the
 * month's end rolls into the next month. Reads of port 0x70 return the
 * index as written, as many chipsets do.
 *
 * Context: the DM's event loop, one access at a time: no locking.
 */
#include <lib.h>
#include "rtc.h"

#define NS_PER_S        1000000000ull
#define RTC_HZ          32768u      /* the time base the periods count */
#define RTC_UIP_NS      244000u     /* UIP is set this long before updates */

enum {
    RTC_SEC = 0x00, RTC_SEC_ALARM = 0x01, RTC_MIN = 0x02,
    RTC_MIN_ALARM = 0x03, RTC_HOUR = 0x04, RTC_HOUR_ALARM = 0x05,
    RTC_DOW = 0x06, RTC_MDAY = 0x07, RTC_MON = 0x08, RTC_YEAR = 0x09,
    RTC_REG_A = 0x0a, RTC_REG_B = 0x0b, RTC_REG_C = 0x0c, RTC_REG_D = 0x0d,
    RTC_BASE_MEM = 0x15, RTC_EXT_MEM = 0x17, RTC_CHECKSUM = 0x2e,
    RTC_EXT_MEM2 = 0x30, RTC_CENTURY = 0x32, RTC_HIGH_MEM = 0x34,
};

#define RTC_A_UIP       0x80
#define RTC_A_RS        0x0f
#define RTC_B_SET       0x80
#define RTC_B_PIE       0x40
#define RTC_B_AIE       0x20
#define RTC_B_UIE       0x10
#define RTC_B_DM        0x04
#define RTC_B_24H       0x02
#define RTC_C_IRQF      0x80
#define RTC_C_PF        0x40
#define RTC_C_AF        0x20
#define RTC_C_UF        0x10
#define RTC_D_VRT       0x80
#define RTC_HOUR_PM     0x80
#define RTC_ALARM_ANY   0xc0
#define RTC_INDEX_REG   0x7f

/* ---- dates ---- */

/*
 * Days from 0000-03-01 to March 1st of year y. Counting years from
 * March puts the leap day at the end of the year, so a year's leap day
 * is in year y's count exactly when y+1 is a leap year: y/4 - y/100 +
 * y/400 of the years before are leap. y must not be negative (the
 * callers add 400 years, one whole Gregorian cycle, to stay above 0).
 */
static int64_t rtc_march1(int64_t y)
{
    return 365 * y + y / 4 - y / 100 + y / 400;
}

/* 1970-01-01 in rtc_march1()'s count, 400 years on: 1969-03-01 plus the
 * 306 days from March 1st to January 1st. */
#define RTC_EPOCH_DAYS  (rtc_march1(1969 + 400) + 306)

/*
 * Month lengths from March are 31 30 31 30 31 31 30 31 30 31 31 (29):
 * a repeating five-month pattern of 153 days, so the days before month
 * mp (0 = March) are (153 * mp + 2) / 5, and the month of day-of-year
 * d is (5 * d + 2) / 153.
 */
int64_t rtc_days_from_civil(uint32_t year, unsigned int mon,
                            unsigned int mday)
{
    int64_t y = (int64_t)year + 400 - (mon <= 2);
    unsigned int mp = mon <= 2 ? mon + 9 : mon - 3;
    return rtc_march1(y) + (153 * mp + 2) / 5 + mday - 1 - RTC_EPOCH_DAYS;
}

void rtc_civil_from_days(int64_t days, struct rtc_time *tm)
{
    int64_t z = days + RTC_EPOCH_DAYS;
    /* 146097 days in 400 years: a guess at most one year off. */
    int64_t y = z * 400 / 146097;
    while (rtc_march1(y + 1) <= z)
        y++;
    while (rtc_march1(y) > z)
        y--;
    unsigned int doy = (unsigned int)(z - rtc_march1(y));
    unsigned int mp = (5 * doy + 2) / 153;
    tm->mday = (uint8_t)(doy - (153 * mp + 2) / 5 + 1);
    tm->mon = (uint8_t)(mp < 10 ? mp + 3 : mp - 9);
    tm->year = (uint32_t)(y - 400 + (tm->mon <= 2));
}

static int64_t rtc_floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b < 0);
}

/* ---- the clock ---- */

static uint64_t rtc_ns(const struct rtc *r)
{
    return r->pf->now_ns(r->pf->ctx);
}

/* The clock's time at 'now', in seconds since the epoch. */
static int64_t rtc_seconds(const struct rtc *r, uint64_t now)
{
    return (int64_t)(r->base_s + now / NS_PER_S) + r->offset_s;
}

static void rtc_split(int64_t s, struct rtc_time *tm)
{
    int64_t days = rtc_floor_div(s, 86400);
    unsigned int sod = (unsigned int)(s - days * 86400);
    rtc_civil_from_days(days, tm);
    tm->hour = (uint8_t)(sod / 3600);
    tm->min = (uint8_t)(sod / 60 % 60);
    tm->sec = (uint8_t)(sod % 60);
}

/* What the time registers show: the held time while SET is on. */
static void rtc_current(const struct rtc *r, uint64_t now, struct rtc_time *tm)
{
    if (r->cmos[RTC_REG_B] & RTC_B_SET)
        *tm = r->held;
    else
        rtc_split(rtc_seconds(r, now), tm);
}

/* Make 'tm' the time at 'now': it goes on from there. */
static void rtc_set_clock(struct rtc *r, const struct rtc_time *tm,
                          uint64_t now)
{
    int64_t s = rtc_days_from_civil(tm->year, tm->mon, tm->mday) * 86400 +
                tm->hour * 3600 + tm->min * 60 + tm->sec;
    r->offset_s = s - (int64_t)(r->base_s + now / NS_PER_S);
}

/* ---- register encodings ---- */

static uint8_t rtc_encode(const struct rtc *r, unsigned int v)
{
    if (r->cmos[RTC_REG_B] & RTC_B_DM)
        return (uint8_t)v;
    return (uint8_t)((v / 10) << 4 | v % 10);
}

/* False for a BCD byte with a digit above 9. */
static bool rtc_decode(const struct rtc *r, uint8_t v, unsigned int *out)
{
    if (r->cmos[RTC_REG_B] & RTC_B_DM) {
        *out = v;
        return true;
    }
    if ((v >> 4) > 9 || (v & 0xf) > 9)
        return false;
    *out = (v >> 4) * 10 + (v & 0xf);
    return true;
}

/* 12-hour mode: 12 AM is midnight, 12 PM noon; bit 7 is PM. */
static uint8_t rtc_encode_hour(const struct rtc *r, unsigned int h)
{
    if (r->cmos[RTC_REG_B] & RTC_B_24H)
        return rtc_encode(r, h);
    return rtc_encode(r, h % 12 ? h % 12 : 12) | (h >= 12 ? RTC_HOUR_PM : 0);
}

static bool rtc_decode_hour(const struct rtc *r, uint8_t v, unsigned int *h)
{
    if (r->cmos[RTC_REG_B] & RTC_B_24H)
        return rtc_decode(r, v, h) && *h < 24;
    if (!rtc_decode(r, v & ~RTC_HOUR_PM, h) || *h < 1 || *h > 12)
        return false;
    *h = *h % 12 + (v & RTC_HOUR_PM ? 12 : 0);
    return true;
}

static uint8_t rtc_read_time(const struct rtc *r, unsigned int reg,
                             uint64_t now)
{
    struct rtc_time tm;
    rtc_current(r, now, &tm);
    switch (reg) {
    case RTC_SEC:     return rtc_encode(r, tm.sec);
    case RTC_MIN:     return rtc_encode(r, tm.min);
    case RTC_HOUR:    return rtc_encode_hour(r, tm.hour);
    case RTC_DOW: {
        int64_t days = rtc_days_from_civil(tm.year, tm.mon, tm.mday);
        /* 1970-01-01 was a Thursday: day 5 when Sunday is 1. */
        return rtc_encode(r, (unsigned int)((days % 7 + 7 + 4) % 7 + 1));
    }
    case RTC_MDAY:    return rtc_encode(r, tm.mday);
    case RTC_MON:     return rtc_encode(r, tm.mon);
    case RTC_YEAR:    return rtc_encode(r, tm.year % 100);
    default:          return rtc_encode(r, tm.year / 100 % 100);
    }
}

static void rtc_write_time(struct rtc *r, unsigned int reg, uint8_t v,
                           uint64_t now)
{
    struct rtc_time tm;
    unsigned int x = 0;
    rtc_current(r, now, &tm);
    bool ok = reg == RTC_HOUR ? rtc_decode_hour(r, v, &x)
                              : rtc_decode(r, v, &x);
    switch (reg) {
    case RTC_SEC:     ok = ok && x < 60; tm.sec = (uint8_t)x; break;
    case RTC_MIN:     ok = ok && x < 60; tm.min = (uint8_t)x; break;
    case RTC_HOUR:    tm.hour = (uint8_t)x; break;
    case RTC_MDAY:    ok = ok && x >= 1 && x <= 31; tm.mday = (uint8_t)x; break;
    case RTC_MON:     ok = ok && x >= 1 && x <= 12; tm.mon = (uint8_t)x; break;
    case RTC_YEAR:
        ok = ok && x < 100;
        tm.year = tm.year / 100 * 100 + x;
        break;
    case RTC_CENTURY:
        ok = ok && x < 100;
        tm.year = x * 100 + tm.year % 100;
        break;
    default:          ok = false; break;    /* day of week: derived */
    }
    if (!ok)
        return;
    if (r->cmos[RTC_REG_B] & RTC_B_SET)
        r->held = tm;
    else
        rtc_set_clock(r, &tm, now);
}

/* ---- flags and IRQ 8 ---- */

/* The periodic interrupt's period in 32.768 kHz clocks; 0 for none.
 * RS 1 and 2 are 256 and 128 Hz; RS 3-15 are 65536 >> RS Hz. */
static uint32_t rtc_period(const struct rtc *r)
{
    unsigned int rs = r->cmos[RTC_REG_A] & RTC_A_RS;
    if (rs == 0)
        return 0;
    return 1u << ((rs <= 2 ? rs + 7 : rs) - 1);
}

/* 32.768 kHz clocks since boot, and the first ns of clock 't'; split at
 * whole seconds to stay within 64 bits (as in pit.c). */
static uint64_t rtc_ns_to_clocks(uint64_t ns)
{
    return ns / NS_PER_S * RTC_HZ + ns % NS_PER_S * RTC_HZ / NS_PER_S;
}

static uint64_t rtc_clocks_to_ns(uint64_t t)
{
    return t / RTC_HZ * NS_PER_S +
           (t % RTC_HZ * NS_PER_S + RTC_HZ - 1) / RTC_HZ;
}

static bool rtc_alarm_byte(uint8_t alarm, uint8_t now)
{
    return (alarm & RTC_ALARM_ANY) == RTC_ALARM_ANY || alarm == now;
}

/* Does the alarm match time s, compared as the registers show it? */
static bool rtc_alarm_at(const struct rtc *r, int64_t s)
{
    unsigned int sod = (unsigned int)(s - rtc_floor_div(s, 86400) * 86400);
    return rtc_alarm_byte(r->cmos[RTC_SEC_ALARM], rtc_encode(r, sod % 60)) &&
           rtc_alarm_byte(r->cmos[RTC_MIN_ALARM],
                          rtc_encode(r, sod / 60 % 60)) &&
           rtc_alarm_byte(r->cmos[RTC_HOUR_ALARM],
                          rtc_encode_hour(r, sod / 3600));
}

/* Does the alarm match the time after one of the updates from time s0
 * to s1 (s0 excluded)? The alarm names only a time of day, so a day of
 * updates tries every value it could match. */
static bool rtc_alarm_between(const struct rtc *r, int64_t s0, int64_t s1)
{
    if (s1 - s0 > 86400)
        s0 = s1 - 86400;
    for (int64_t s = s0 + 1; s <= s1; s++)
        if (rtc_alarm_at(r, s))
            return true;
    return false;
}

/* IRQF and the line follow the flags and their enables. */
static void rtc_irq_update(struct rtc *r)
{
    uint8_t b = r->cmos[RTC_REG_B], c = r->cmos[RTC_REG_C];
    bool irqf = ((c & RTC_C_PF) && (b & RTC_B_PIE)) ||
                ((c & RTC_C_AF) && (b & RTC_B_AIE)) ||
                ((c & RTC_C_UF) && (b & RTC_B_UIE));
    r->cmos[RTC_REG_C] = (uint8_t)((c & ~RTC_C_IRQF) | (irqf ? RTC_C_IRQF : 0));
    if (irqf != r->irq) {
        r->irq = irqf;
        r->pf->set_irq(r->pf->ctx, RTC_IRQ, irqf);
    }
}

/* Set the flags of what happened in (sync_ns, now]. */
void rtc_update(struct rtc *r, uint64_t now)
{
    uint64_t from = r->sync_ns;
    if (now <= from)
        return;
    uint32_t period = rtc_period(r);
    if (period &&
        rtc_ns_to_clocks(now) / period > rtc_ns_to_clocks(from) / period)
        r->cmos[RTC_REG_C] |= RTC_C_PF;
    if (!(r->cmos[RTC_REG_B] & RTC_B_SET) && now / NS_PER_S > from / NS_PER_S) {
        r->cmos[RTC_REG_C] |= RTC_C_UF;
        if (rtc_alarm_between(r, rtc_seconds(r, from), rtc_seconds(r, now)))
            r->cmos[RTC_REG_C] |= RTC_C_AF;
    }
    r->sync_ns = now;
    rtc_irq_update(r);
}

uint64_t rtc_next_event_ns(const struct rtc *r)
{
    if (r->irq)
        return 0;       /* nothing changes until the guest reads C */
    uint8_t b = r->cmos[RTC_REG_B];
    uint64_t next = 0;
    uint32_t period = rtc_period(r);
    if ((b & RTC_B_PIE) && period) {
        uint64_t k = rtc_ns_to_clocks(r->sync_ns) / period + 1;
        next = rtc_clocks_to_ns(k * period);
    }
    if ((b & (RTC_B_UIE | RTC_B_AIE)) && !(b & RTC_B_SET)) {
        uint64_t update = (r->sync_ns / NS_PER_S + 1) * NS_PER_S;
        if (!next || update < next)
            next = update;
    }
    return next;
}

/* ---- the ports ---- */

static uint8_t rtc_read_reg(struct rtc *r, unsigned int reg, uint64_t now)
{
    switch (reg) {
    case RTC_SEC: case RTC_MIN: case RTC_HOUR: case RTC_DOW:
    case RTC_MDAY: case RTC_MON: case RTC_YEAR: case RTC_CENTURY:
        return rtc_read_time(r, reg, now);
    case RTC_REG_A: {
        bool uip = !(r->cmos[RTC_REG_B] & RTC_B_SET) &&
                   now % NS_PER_S >= NS_PER_S - RTC_UIP_NS;
        return (uint8_t)(r->cmos[RTC_REG_A] | (uip ? RTC_A_UIP : 0));
    }
    case RTC_REG_C: {
        uint8_t c = r->cmos[RTC_REG_C];
        r->cmos[RTC_REG_C] = 0;
        rtc_irq_update(r);
        return c;
    }
    default:
        return r->cmos[reg];
    }
}

static void rtc_write_reg(struct rtc *r, unsigned int reg, uint8_t v,
                          uint64_t now)
{
    switch (reg) {
    case RTC_SEC: case RTC_MIN: case RTC_HOUR: case RTC_DOW:
    case RTC_MDAY: case RTC_MON: case RTC_YEAR: case RTC_CENTURY:
        rtc_write_time(r, reg, v, now);
        break;
    case RTC_REG_A:
        r->cmos[reg] = v & ~RTC_A_UIP;
        break;
    case RTC_REG_B: {
        uint8_t old = r->cmos[reg];
        if ((v & RTC_B_SET) && !(old & RTC_B_SET)) {
            rtc_current(r, now, &r->held);     /* hold the time as it is */
            v &= ~RTC_B_UIE;
        }
        r->cmos[reg] = v;
        if (!(v & RTC_B_SET) && (old & RTC_B_SET))
            rtc_set_clock(r, &r->held, now);
        rtc_irq_update(r);
        break;
    }
    case RTC_REG_C: case RTC_REG_D:
        break;                                  /* read-only */
    default:
        r->cmos[reg] = v;
        break;
    }
}

/* Each access first brings the flags up to now; a wider access is byte
 * cycles (outw 0x70 writes the index, then the data). */
static uint64_t rtc_read(void *dev, uint64_t offset, unsigned int size)
{
    struct rtc *r = dev;
    uint64_t now = rtc_ns(r);
    uint64_t value = 0;
    rtc_update(r, now);
    for (unsigned int i = 0; i < size; i++) {
        uint8_t byte = 0xff;
        if (offset + i == 0)
            byte = r->index;
        else if (offset + i == 1)
            byte = rtc_read_reg(r, r->index & RTC_INDEX_REG, now);
        value |= (uint64_t)byte << (8 * i);
    }
    return value;
}

static void rtc_write(void *dev, uint64_t offset, unsigned int size,
                      uint64_t value)
{
    struct rtc *r = dev;
    uint64_t now = rtc_ns(r);
    rtc_update(r, now);
    for (unsigned int i = 0; i < size; i++) {
        uint8_t byte = (uint8_t)(value >> (8 * i));
        if (offset + i == 0)
            r->index = byte;        /* bit 7, NMI disable: kept, no effect */
        else if (offset + i == 1)
            rtc_write_reg(r, r->index & RTC_INDEX_REG, byte, now);
    }
}

const struct dm_device_ops rtc_ops = {
    .read = rtc_read,
    .write = rtc_write,
};

/* ---- init ---- */

static void rtc_put16(struct rtc *r, unsigned int reg, uint64_t v)
{
    if (v > 0xffff)
        v = 0xffff;
    r->cmos[reg] = (uint8_t)v;
    r->cmos[reg + 1] = (uint8_t)(v >> 8);
}

static void rtc_set_memory(struct rtc *r, uint64_t mem)
{
    const uint64_t kib = 1024, mib = 1024 * kib;
    rtc_put16(r, RTC_BASE_MEM, MIN(mem / kib, 640));
    uint64_t ext = mem > mib ? (mem - mib) / kib : 0;
    rtc_put16(r, RTC_EXT_MEM, ext);
    rtc_put16(r, RTC_EXT_MEM2, ext);
    uint64_t high = mem > 16 * mib ? (mem - 16 * mib) / (64 * kib) : 0;
    rtc_put16(r, RTC_HIGH_MEM, high);
    /* The AT BIOS's checksum: the sum of 0x10-0x2d, high byte first. */
    unsigned int sum = 0;
    for (unsigned int i = 0x10; i < RTC_CHECKSUM; i++)
        sum += r->cmos[i];
    r->cmos[RTC_CHECKSUM] = (uint8_t)(sum >> 8);
    r->cmos[RTC_CHECKSUM + 1] = (uint8_t)sum;
}

void rtc_init(struct rtc *r, const struct dm_platform *pf,
              uint64_t base_epoch_s, uint64_t mem_bytes)
{
    memset(r, 0, sizeof(*r));
    r->pf = pf;
    r->base_s = base_epoch_s;
    r->cmos[RTC_REG_A] = 0x26;      /* 32.768 kHz time base, 1024 Hz rate */
    r->cmos[RTC_REG_B] = RTC_B_24H; /* BCD, 24-hour, no interrupts */
    r->cmos[RTC_REG_D] = RTC_D_VRT;
    rtc_set_memory(r, mem_bytes);
    r->sync_ns = rtc_ns(r);
}
