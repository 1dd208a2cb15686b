/*
 * kernel/vpic.c: a guest's two cascaded 8259A interrupt controllers and
 * the PIIX edge/level control registers, as pure logic.
 *
 * Interface (include/tern/vpic.h):
 *   vpic_init            the state after reset
 *   vpic_port_access     the guest's IN/OUT to 0x20-0x21, 0xa0-0xa1,
 *                        0x4d0-0x4d1
 *   vpic_set_irq         a device drives ISA line 0..15
 *   vpic_pending_vector  the vector the CPU would get now, or -1
 *   vpic_ack             the INTA cycle
 *   vpic_ready           has the guest initialised the master?
 *
 * The master answers at 0x20/0x21 for IRQ 0-7; the slave at 0xa0/0xa1
 * for IRQ 8-15, its INT output wired to master IR2, as in every PC.
 * Each chip follows the Intel 8259A data sheet: the ICW1..ICW4
 * sequence, OCW1 (the mask), OCW2 (EOIs and rotation), OCW3 (register
 * select, poll, special mask), and the priority resolver of "Fully
 * Nested Mode". Section titles are the data sheet's (docs/references.md).
 * ICW1's LTIM bit is ignored, as on the PIIX: the ELCR at 0x4d0/0x4d1
 * says which lines are level-triggered; IRQ 0, 1, 2, 8 and 13 are
 * always edge-triggered (the PIIX reserves their ELCR bits).
 *
 * Two deviations, both because the caller cannot reproduce a bus:
 * an edge-triggered request stays latched in IRR when its line falls
 * (a virtual device pulses its line; the chip wants it held until
 * INTA), and the CPU's INTR sampling and the INTA cycle are one call,
 * so a request cannot vanish between them on the master; docs/vpic.md
 * says what that means for spurious interrupts.
 *
 * Context: the vCPU's exit handlers and a DM's dm_op, on one CPU with
 * interrupts off; no allocation, no sleeping, bounded loops. Locking:
 * the caller's (the domain's vPIC lock, taken around every call, so
 * that vpic_pending_vector() and vpic_ack() see the same state). A
 * guest's writes never fail: whatever it programs, Tern only computes
 * a vector from it.
 */
#include <tern/vpic.h>
#include <tern/lib.h>

/* ICW1 and the A0 = 0 command decode ("Initialization Command Words",
 * "Operation Command Words"). */
#define ICW1_IC4            0x01    /* ICW4 follows */
#define ICW1_SNGL           0x02    /* single chip: no ICW3 */
#define CMD_ICW1            0x10    /* D4 = 1: ICW1 */
#define CMD_OCW3            0x08    /* D4 = 0, D3 = 1: OCW3; else OCW2 */
#define ICW4_AEOI           0x02
#define ICW4_SFNM           0x10

/* OCW2: R, SL, EOI in bits 7..5 select the command; L2..L0 an IR. */
#define OCW2_LEVEL          0x07
enum ocw2_cmd {
    OCW2_AEOI_ROTATE_CLEAR = 0,     /* rotate in automatic EOI mode (clear) */
    OCW2_EOI = 1,                   /* non-specific EOI */
    OCW2_NOP = 2,
    OCW2_SPECIFIC_EOI = 3,
    OCW2_AEOI_ROTATE_SET = 4,       /* rotate in automatic EOI mode (set) */
    OCW2_ROTATE_EOI = 5,            /* rotate on non-specific EOI */
    OCW2_SET_PRIORITY = 6,
    OCW2_ROTATE_SPECIFIC_EOI = 7,
};

/* OCW3. */
#define OCW3_ESMM           0x40    /* SMM below is valid */
#define OCW3_SMM            0x20
#define OCW3_POLL           0x04
#define OCW3_RR             0x02    /* RIS below is valid */
#define OCW3_RIS            0x01

/* The poll word ("Poll Command"): I (an interrupt is requesting) and
 * W2..W0, the highest-priority requesting level. */
#define POLL_INT            0x80

/* PIIX ELCR: IRQ 0, 1, 2 (0x4d0) and 8, 13 (0x4d1) are forced edge. */
static const uint8_t elcr_writable[2] = { 0xf8, 0xde };

/* ---- the priority resolver of one chip ---- */

/* The rank of IR 'ir': 0 is the highest priority, 7 the lowest. Right
 * after ICW1 the lowest is IR7, so the rank of IR n is n. */
static unsigned int chip_rank(const struct vpic_chip *c, unsigned int ir)
{
    return (ir - c->lowest - 1) & 7;
}

/* The highest-priority IR among 'bits', or -1. */
static int chip_highest(const struct vpic_chip *c, uint8_t bits)
{
    for (unsigned int i = 1; i <= 8; i++) {
        unsigned int ir = (c->lowest + i) & 7;
        if (bits & (1u << ir))
            return (int)ir;
    }
    return -1;
}

/* The in-service levels that hold back requests of lower priority. In
 * special mask mode a masked level does not ("Special Mask Mode"), and
 * a non-specific EOI does not clear it either. */
static uint8_t chip_in_service(const struct vpic_chip *c)
{
    return c->special_mask ? c->isr & ~c->imr : c->isr;
}

/* Whether acknowledging 'ir' on this chip goes on to the slave: the
 * guest must have declared the cascade (ICW1 without SNGL, ICW3 bit 2),
 * and only IR2 has a slave on it. */
static bool chip_cascaded(const struct vpic_chip *c, unsigned int ir)
{
    return c->is_master && !c->single && ir == VPIC_CASCADE_IR &&
           (c->icw3 & (1u << VPIC_CASCADE_IR));
}

/*
 * The IR this chip would raise INT for, or -1: the highest-priority
 * unmasked request, if it beats every level in service ("Fully Nested
 * Mode"). In special fully nested mode the master also lets a request
 * from its slave through while the slave's level is in service, so a
 * slave interrupt can nest inside another slave interrupt.
 */
static int chip_resolve(const struct vpic_chip *c)
{
    if (!c->ready)
        return -1;
    int req = chip_highest(c, c->irr & ~c->imr);
    if (req < 0)
        return -1;
    int busy = chip_highest(c, chip_in_service(c));
    if (busy < 0 || chip_rank(c, req) < chip_rank(c, busy))
        return req;
    if (c->fully_nested && req == busy && chip_cascaded(c, req))
        return req;
    return -1;
}

/* This chip's half of an INTA cycle for 'ir' ("Interrupt Sequence"):
 * the IRR bit goes, the ISR bit comes, unless in automatic EOI mode,
 * where it is cleared again at once (and may rotate). A level line
 * that is still high re-enters IRR in update_outputs(). */
static void chip_inta(struct vpic_chip *c, unsigned int ir)
{
    c->irr &= ~(1u << ir);
    if (!c->auto_eoi)
        c->isr |= 1u << ir;
    else if (c->rotate_on_aeoi)
        c->lowest = ir;
}

/*
 * Bring the derived state up to date after any change: a level line's
 * IRR bit follows the line ("Edge and Level Triggered Modes"), and the
 * slave's INT output is master IR2's input. IR2 is edge-triggered (its
 * ELCR bit is forced 0), so a rising INT latches master IRR bit 2.
 */
static void update_outputs(struct vpic *p)
{
    for (unsigned int i = 0; i < 2; i++) {
        struct vpic_chip *c = &p->chip[i];
        c->irr = (c->irr & ~c->elcr) | (c->lines & c->elcr);
    }
    struct vpic_chip *m = &p->chip[VPIC_MASTER];
    uint8_t bit = 1u << VPIC_CASCADE_IR;
    bool slave_int = chip_resolve(&p->chip[VPIC_SLAVE]) >= 0;
    if (slave_int && !(m->lines & bit))
        m->irr |= bit;
    m->lines = slave_int ? m->lines | bit : m->lines & ~bit;
}

/* ---- the guest's commands to one chip ---- */

/*
 * ICW1 starts (or restarts) the sequence. What it resets is listed in
 * "Initialization Command Words": the edge sense (a line already high
 * must fall and rise again, so pending edge requests go), the IMR, the
 * priorities (IR7 lowest), special mask mode, the read select (IRR),
 * and without IC4 everything ICW4 sets. The data sheet is silent on
 * the ISR; clearing it lets a guest that re-initialises start clean.
 */
static void chip_icw1(struct vpic_chip *c, uint8_t v)
{
    c->icw4_needed = v & ICW1_IC4;
    c->single = v & ICW1_SNGL;
    c->icw_next = 2;
    c->ready = false;
    c->irr &= c->elcr;
    c->isr = 0;
    c->imr = 0;
    c->lowest = 7;
    c->icw3 = 0;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->auto_eoi = false;
    c->fully_nested = false;
    c->rotate_on_aeoi = false;
}

/* Finish the sequence after ICW 'n' if no later ICW is due. */
static void chip_icw_next(struct vpic_chip *c, unsigned int n)
{
    if (n < 3 && !c->single)
        c->icw_next = 3;
    else if (n < 4 && c->icw4_needed)
        c->icw_next = 4;
    else {
        c->icw_next = 0;
        c->ready = true;
    }
}

/* A write with A0 = 1: the next ICW during the sequence, else OCW1.
 * ICW4's uPM, BUF and M/S bits are ignored: Tern always answers as in
 * 8086 mode, which is all an x86 CPU understands. */
static void chip_write_data(struct vpic_chip *c, uint8_t v)
{
    switch (c->icw_next) {
    case 2:
        c->vector_base = v & 0xf8;
        chip_icw_next(c, 2);
        break;
    case 3:
        c->icw3 = v;
        chip_icw_next(c, 3);
        break;
    case 4:
        c->auto_eoi = v & ICW4_AEOI;
        c->fully_nested = v & ICW4_SFNM;
        chip_icw_next(c, 4);
        break;
    default:
        c->imr = v;
        break;
    }
}

/* OCW2: the EOI and rotation commands ("Operation Command Words",
 * "Automatic Rotation", "Specific Rotation"). Setting level L lowest
 * makes L + 1 the highest. */
static void chip_ocw2(struct vpic_chip *c, uint8_t v)
{
    unsigned int level = v & OCW2_LEVEL;
    switch ((enum ocw2_cmd)(v >> 5)) {
    case OCW2_EOI:
    case OCW2_ROTATE_EOI: {
        int ir = chip_highest(c, chip_in_service(c));
        if (ir < 0)
            break;                  /* nothing in service: no-op */
        c->isr &= ~(1u << ir);
        if (v >> 5 == OCW2_ROTATE_EOI)
            c->lowest = ir;
        break;
    }
    case OCW2_SPECIFIC_EOI:
        c->isr &= ~(1u << level);
        break;
    case OCW2_ROTATE_SPECIFIC_EOI:
        c->isr &= ~(1u << level);
        c->lowest = level;
        break;
    case OCW2_SET_PRIORITY:
        c->lowest = level;
        break;
    case OCW2_AEOI_ROTATE_SET:
        c->rotate_on_aeoi = true;
        break;
    case OCW2_AEOI_ROTATE_CLEAR:
        c->rotate_on_aeoi = false;
        break;
    case OCW2_NOP:
        break;
    }
}

/* OCW3: special mask mode, the poll command, which register A0 = 0
 * reads. Each field only counts when its enable bit is set. */
static void chip_ocw3(struct vpic_chip *c, uint8_t v)
{
    if (v & OCW3_ESMM)
        c->special_mask = v & OCW3_SMM;
    if (v & OCW3_RR)
        c->read_isr = v & OCW3_RIS;
    if (v & OCW3_POLL)
        c->poll = true;
}

static void chip_write(struct vpic_chip *c, unsigned int a0, uint8_t v)
{
    if (a0)
        chip_write_data(c, v);
    else if (v & CMD_ICW1)
        chip_icw1(c, v);
    else if (v & CMD_OCW3)
        chip_ocw3(c, v);
    else
        chip_ocw2(c, v);
}

/*
 * A read. After a poll command the next read of either port is the
 * poll word and acts as an acknowledge ("Poll Command"): the level's
 * IS bit is set, without automatic EOI (that belongs to INTA pulses;
 * the guest EOIs). Polling the master for the slave's level sets ISR
 * bit 2 only; the guest then polls the slave.
 */
static uint8_t chip_read(struct vpic_chip *c, unsigned int a0)
{
    if (c->poll) {
        c->poll = false;
        int ir = chip_resolve(c);
        if (ir < 0)
            return 0;
        c->irr &= ~(1u << ir);
        c->isr |= 1u << ir;
        return POLL_INT | ir;
    }
    if (a0)
        return c->imr;
    return c->read_isr ? c->isr : c->irr;
}

/* ---- the interface ---- */

void vpic_init(struct vpic *p)
{
    memset(p, 0, sizeof(*p));
    for (unsigned int i = 0; i < 2; i++) {
        p->chip[i].is_master = i == VPIC_MASTER;
        p->chip[i].imr = 0xff;
        p->chip[i].lowest = 7;
    }
}

/* The chip, or ELCR, at 'port', as an index 0/1 in *idx; the A0 line
 * in *a0. Returns 0 for no register, 1 for a chip, 2 for an ELCR. */
static unsigned int decode_port(uint16_t port, unsigned int *idx,
                                unsigned int *a0)
{
    *a0 = port & 1;
    switch (port & ~1u) {
    case VPIC_MASTER_PORT:
        *idx = VPIC_MASTER;
        return 1;
    case VPIC_SLAVE_PORT:
        *idx = VPIC_SLAVE;
        return 1;
    case VPIC_ELCR_PORT:
        *idx = port & 1;
        return 2;
    }
    return 0;
}

static uint8_t read_byte(struct vpic *p, uint16_t port)
{
    unsigned int idx, a0;
    switch (decode_port(port, &idx, &a0)) {
    case 1:
        return chip_read(&p->chip[idx], a0);
    case 2:
        return p->chip[idx].elcr;
    }
    return 0xff;                    /* not ours: an empty bus */
}

static void write_byte(struct vpic *p, uint16_t port, uint8_t v)
{
    unsigned int idx, a0;
    switch (decode_port(port, &idx, &a0)) {
    case 1:
        chip_write(&p->chip[idx], a0, v);
        break;
    case 2:
        p->chip[idx].elcr = v & elcr_writable[idx];
        break;
    }
}

bool vpic_port_access(struct vpic *p, uint16_t port, unsigned int size,
                      bool in, uint32_t *val)
{
    unsigned int idx, a0;
    if (!decode_port(port, &idx, &a0))
        return false;
    if (size < 1 || size > 4)
        size = 1;                   /* no such IN/OUT; act on one byte */

    uint32_t out = 0;
    for (unsigned int i = 0; i < size; i++) {
        uint16_t b = (uint16_t)(port + i);
        if (in)
            out |= (uint32_t)read_byte(p, b) << (8 * i);
        else
            write_byte(p, b, (uint8_t)(*val >> (8 * i)));
        /* A poll read acknowledges; an OCW changes what is requested. */
        update_outputs(p);
    }
    if (in)
        *val = out;
    return true;
}

void vpic_set_irq(struct vpic *p, unsigned int irq, int level)
{
    if (irq >= VPIC_NR_IRQS || irq == VPIC_CASCADE_IR)
        return;
    struct vpic_chip *c = &p->chip[irq >> 3];
    uint8_t bit = 1u << (irq & 7);
    /* An edge line latches its request on the rising edge; a level
     * line's IRR bit follows the line (update_outputs). */
    if (level && !(c->lines & bit))
        c->irr |= bit;
    c->lines = level ? c->lines | bit : c->lines & ~bit;
    update_outputs(p);
}

/*
 * The vector of an INTA cycle now. When the master's request is its
 * slave's level but the slave no longer has a request (its line fell
 * or the guest masked it after master IRR bit 2 latched), the slave
 * answers as the data sheet says of a request that went away: with
 * IR7's vector, without setting its IS bit (the spurious IRQ 15).
 */
int vpic_pending_vector(const struct vpic *p)
{
    const struct vpic_chip *m = &p->chip[VPIC_MASTER];
    int ir = chip_resolve(m);
    if (ir < 0)
        return -1;
    if (!chip_cascaded(m, ir))
        return m->vector_base + ir;
    const struct vpic_chip *s = &p->chip[VPIC_SLAVE];
    int sir = chip_resolve(s);
    return s->vector_base + (sir < 0 ? 7 : sir);
}

/*
 * The INTA cycle, with the same answer as vpic_pending_vector(). The
 * master takes IR2 in service before the slave answers, so a spurious
 * IRQ 15 still needs an EOI to the master. The slave's INT output
 * drops while it answers, so if it still has a request afterwards
 * (automatic EOI) that is a new edge on master IR2.
 */
int vpic_ack(struct vpic *p)
{
    struct vpic_chip *m = &p->chip[VPIC_MASTER];
    int ir = chip_resolve(m);
    if (ir < 0)
        return -1;
    chip_inta(m, ir);
    int vector;
    if (!chip_cascaded(m, ir)) {
        vector = m->vector_base + ir;
    } else {
        struct vpic_chip *s = &p->chip[VPIC_SLAVE];
        int sir = chip_resolve(s);
        if (sir >= 0)
            chip_inta(s, sir);
        vector = s->vector_base + (sir < 0 ? 7 : sir);
        m->lines &= ~(1u << VPIC_CASCADE_IR);
    }
    update_outputs(p);
    return vector;
}

bool vpic_ready(const struct vpic *p)
{
    return p->chip[VPIC_MASTER].ready;
}
