/*
 * include/tern/vpic.h: a guest's pair of 8259A interrupt controllers,
 * kept inside Tern (kernel/vpic.c). Learner's guide: docs/vpic.md.
 *
 * The state is plain data that a domain embeds; nothing here knows
 * about domains or vCPUs. The caller serialises every call (one lock
 * per domain); each call runs in bounded time and never sleeps.
 */
#ifndef TERN_VPIC_H
#define TERN_VPIC_H

#include <tern/compiler.h>

/* The guest's I/O ports. A0, the chip's one address line, picks the
 * register: base + 0 (A0 = 0) and base + 1 (A0 = 1). */
#define VPIC_MASTER_PORT    0x20    /* IRQ 0-7 */
#define VPIC_SLAVE_PORT     0xa0    /* IRQ 8-15, on master IR2 */
#define VPIC_ELCR_PORT      0x4d0   /* 0x4d0: IRQ 0-7, 0x4d1: IRQ 8-15 */
#define VPIC_CASCADE_IR     2       /* the master input the slave drives */
#define VPIC_NR_IRQS        16

enum { VPIC_MASTER, VPIC_SLAVE };

/* One 8259A. The fields belong to kernel/vpic.c; read them in tests
 * and debug dumps only. */
struct vpic_chip {
    uint8_t irr;            /* Interrupt Request Register */
    uint8_t isr;            /* In-Service Register */
    uint8_t imr;            /* Interrupt Mask Register (OCW1) */
    uint8_t lines;          /* level last seen on each IR input */
    uint8_t elcr;           /* 1 = level-triggered (PIIX ELCR) */
    uint8_t vector_base;    /* ICW2 & 0xf8 */
    uint8_t icw3;           /* master: IRs with a slave; slave: its ID */
    uint8_t lowest;         /* the IR with the lowest priority */
    uint8_t icw_next;       /* the ICW expected next (2..4), 0: none */
    bool is_master;
    bool ready;             /* the ICW sequence has completed */
    bool icw4_needed;       /* ICW1 IC4 */
    bool single;            /* ICW1 SNGL: no ICW3, no cascade */
    bool auto_eoi;          /* ICW4 AEOI */
    bool fully_nested;      /* ICW4 SFNM (special fully nested mode) */
    bool rotate_on_aeoi;    /* OCW2 "rotate in automatic EOI mode" */
    bool special_mask;      /* OCW3 SMM */
    bool read_isr;          /* OCW3 RIS: A0 = 0 reads ISR, else IRR */
    bool poll;              /* OCW3 P: the next read is the poll word */
};

struct vpic {
    struct vpic_chip chip[2];   /* [VPIC_MASTER], [VPIC_SLAVE] */
};

/* The state after reset: both chips uninitialised (they deliver
 * nothing until the guest's ICW1..ICW4), every line edge-triggered,
 * every IMR bit set. */
void vpic_init(struct vpic *p);

/*
 * A guest's IN or OUT. Returns false, touching nothing, when 'port' is
 * not 0x20, 0x21, 0xa0, 0xa1, 0x4d0 or 0x4d1. 'size' is 1, 2 or 4; a
 * wider access is split into byte accesses to port, port + 1, ... as
 * the ISA bus splits it (bytes on ports that are not ours read 0xff
 * and are dropped on write). IN fills *val; OUT reads it.
 */
bool vpic_port_access(struct vpic *p, uint16_t port, unsigned int size,
                      bool in, uint32_t *val);
/* Is 'port' one of the pair's (0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1)?
 * For the exit path's quick test before the call above. */
static inline bool vpic_is_port(uint16_t port)
{
    return (port & ~0x81u) == VPIC_MASTER_PORT ||
           (port & ~1u) == VPIC_ELCR_PORT;
}

/* Drive ISA line 'irq' (0..15) to 'level' (0 low, else high). IRQ 2
 * is the cascade, which only the slave drives: setting it, or a line
 * past 15, does nothing. */
void vpic_set_irq(struct vpic *p, unsigned int irq, int level);

/* The vector an INTA cycle would return now, or -1 when the master's
 * INT output is low. Changes nothing. */
int vpic_pending_vector(const struct vpic *p);
/* The cheap test before it, on every VM entry: with no request latched
 * in either chip, nothing can be pending. */
static inline bool vpic_any_request(const struct vpic *p)
{
    return p->chip[VPIC_MASTER].irr | p->chip[VPIC_SLAVE].irr;
}

/* The INTA cycle: returns the vector and moves the request from IRR to
 * ISR (or not, in automatic EOI mode); -1, changing nothing, when the
 * master's INT output is low. Same answer as vpic_pending_vector()
 * under the same lock. When master IR2 asks but the slave no longer
 * does, the slave answers with its IR7 vector: a spurious IRQ 15. */
int vpic_ack(struct vpic *p);

/* Whether the master has completed its ICW sequence: a guest that
 * never programs the PIC (it uses the APIC) leaves this false. */
bool vpic_ready(const struct vpic *p);

#endif
