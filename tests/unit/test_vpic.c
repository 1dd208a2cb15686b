/*
 * tests/unit/test_vpic.c: the guest's 8259A pair (kernel/vpic.c), driven
 * only through its ports and lines, as a guest and its devices would:
 * the reset state and the ICW sequence, edge and level lines, masks,
 * priorities and nesting, the cascade, EOIs of every kind, rotation,
 * OCW3 reads and polling, automatic EOI, special mask and special fully
 * nested modes, the ELCR, spurious IRQ 15, and split wide accesses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "stub.h"
#include <tern/vpic.h>

static struct vpic pic;

/* ---- the guest's side ---- */

static void out8(uint16_t port, uint8_t v)
{
    uint32_t val = v;
    assert_true(vpic_port_access(&pic, port, 1, false, &val));
}

static uint8_t in8(uint16_t port)
{
    uint32_t val = 0xdeadbeef;
    assert_true(vpic_port_access(&pic, port, 1, true, &val));
    assert_int_equal(val >> 8, 0);
    return (uint8_t)val;
}

/* OCW3 selects, then reads, IRR or ISR of the chip at 'base'. */
static uint8_t read_irr(uint16_t base)
{
    out8(base, 0x0a);
    return in8(base);
}

static uint8_t read_isr(uint16_t base)
{
    out8(base, 0x0b);
    return in8(base);
}

static void eoi(uint16_t base)
{
    out8(base, 0x20);
}

/* The sequence of Linux's init_8259A() and the PC BIOS, with vectors
 * 0x20/0x28, the given ICW4s, and every line unmasked. */
static void init_pair_icw4(uint8_t master_icw4, uint8_t slave_icw4)
{
    out8(0x21, 0xff);               /* mask everything first */
    out8(0xa1, 0xff);
    out8(0x20, 0x11);               /* ICW1: edge, cascade, ICW4 needed */
    out8(0x21, 0x20);               /* ICW2: vectors 0x20-0x27 */
    out8(0x21, 0x04);               /* ICW3: slave on IR2 */
    out8(0x21, master_icw4);        /* ICW4: 8086 mode */
    out8(0xa0, 0x11);
    out8(0xa1, 0x28);               /* vectors 0x28-0x2f */
    out8(0xa1, 0x02);               /* ICW3: slave ID 2 */
    out8(0xa1, slave_icw4);
    out8(0x21, 0x00);
    out8(0xa1, 0x00);
}

static void init_pair(void)
{
    init_pair_icw4(0x01, 0x01);
}

/* A device's pulse on an edge-triggered line. */
static void pulse(unsigned int irq)
{
    vpic_set_irq(&pic, irq, 1);
    vpic_set_irq(&pic, irq, 0);
}

static int setup(void **state)
{
    vpic_init(&pic);
    return 0;
}

/* ---- reset and initialisation ---- */

static void test_reset_state_delivers_nothing(void **state)
{
    assert_false(vpic_ready(&pic));
    assert_int_equal(in8(0x21), 0xff);
    assert_int_equal(in8(0xa1), 0xff);
    assert_int_equal(in8(0x4d0), 0);
    assert_int_equal(in8(0x4d1), 0);
    vpic_set_irq(&pic, 0, 1);
    assert_int_equal(vpic_pending_vector(&pic), -1);
    assert_int_equal(vpic_ack(&pic), -1);
    /* Even unmasked, an uninitialised chip raises no INT; the request
     * is in IRR all the same. */
    out8(0x21, 0x00);
    assert_int_equal(vpic_pending_vector(&pic), -1);
    assert_int_equal(in8(0x20), 0x01);
}

static void test_linux_init_sequence(void **state)
{
    out8(0x21, 0xff);
    out8(0x20, 0x11);
    assert_int_equal(in8(0x21), 0x00);          /* ICW1 clears the IMR */
    assert_false(vpic_ready(&pic));
    out8(0x21, 0x27);                           /* low bits are ignored */
    out8(0x21, 0x04);
    assert_false(vpic_ready(&pic));             /* ICW4 still due */
    out8(0x21, 0x01);
    assert_true(vpic_ready(&pic));
    out8(0xa0, 0x11);
    out8(0xa1, 0x28);
    out8(0xa1, 0x02);
    out8(0xa1, 0x01);
    out8(0x21, 0xfa);                           /* OCW1s now */
    out8(0xa1, 0xbf);
    assert_int_equal(in8(0x21), 0xfa);
    assert_int_equal(in8(0xa1), 0xbf);
    assert_int_equal(pic.chip[VPIC_MASTER].vector_base, 0x20);
    pulse(0);
    assert_int_equal(vpic_pending_vector(&pic), 0x20);
    pulse(14);
    pulse(3);                                   /* masked */
    assert_int_equal(vpic_ack(&pic), 0x20);
    eoi(0x20);
    assert_int_equal(vpic_ack(&pic), 0x2e);
    assert_int_equal(vpic_pending_vector(&pic), -1);
}

static void test_single_mode_skips_icw3_and_icw4(void **state)
{
    /* SNGL, no IC4: ready after ICW2; the next write is OCW1. */
    out8(0x20, 0x12);
    out8(0x21, 0x40);
    assert_true(vpic_ready(&pic));
    out8(0x21, 0xfe);
    assert_int_equal(in8(0x21), 0xfe);
    pulse(0);
    assert_int_equal(vpic_ack(&pic), 0x40);
    /* No cascade declared: a slave request on IR2 is the master's own
     * IR2, vector 0x42, and the slave is not asked. */
    out8(0x21, 0xfb);
    out8(0xa0, 0x13);                           /* slave: SNGL, IC4 */
    out8(0xa1, 0x70);
    out8(0xa1, 0x01);                           /* ICW4, no ICW3 */
    pulse(8);
    eoi(0x20);
    assert_int_equal(vpic_ack(&pic), 0x42);
    assert_int_equal(read_isr(0xa0), 0);
}

static void test_reinit_resets_requests_and_edge_sense(void **state)
{
    init_pair();
    vpic_set_irq(&pic, 1, 1);                   /* held high */
    pulse(4);
    assert_int_equal(vpic_ack(&pic), 0x21);
    out8(0x21, 0x10);
    out8(0x20, 0x0b);                           /* read ISR next */
    out8(0x20, 0x11);
    out8(0x21, 0x30);
    out8(0x21, 0x04);
    out8(0x21, 0x01);
    assert_int_equal(in8(0x21), 0);
    assert_int_equal(in8(0x20), 0);             /* IRR, and empty */
    assert_int_equal(read_isr(0x20), 0);
    /* IRQ1 is still high: no request until it falls and rises. */
    assert_int_equal(vpic_pending_vector(&pic), -1);
    vpic_set_irq(&pic, 1, 0);
    vpic_set_irq(&pic, 1, 1);
    assert_int_equal(vpic_ack(&pic), 0x31);
}

/* ---- lines, masks, priorities ---- */

static void test_edge_irq0_ack_eoi(void **state)
{
    init_pair();
    pulse(0);
    assert_int_equal(read_irr(0x20), 0x01);
    assert_int_equal(vpic_pending_vector(&pic), 0x20);
    assert_int_equal(vpic_ack(&pic), 0x20);
    assert_int_equal(read_irr(0x20), 0x00);
    assert_int_equal(read_isr(0x20), 0x01);
    /* In service: a new edge waits in IRR until the EOI. */
    pulse(0);
    assert_int_equal(vpic_pending_vector(&pic), -1);
    assert_int_equal(vpic_ack(&pic), -1);
    eoi(0x20);
    assert_int_equal(read_isr(0x20), 0x00);
    assert_int_equal(vpic_ack(&pic), 0x20);
    eoi(0x20);
    assert_int_equal(vpic_pending_vector(&pic), -1);
}

static void test_edge_needs_a_rising_edge(void **state)
{
    init_pair();
    vpic_set_irq(&pic, 4, 1);
    assert_int_equal(vpic_ack(&pic), 0x24);
    eoi(0x20);
    vpic_set_irq(&pic, 4, 1);                   /* still high: no edge */
    assert_int_equal(vpic_pending_vector(&pic), -1);
    vpic_set_irq(&pic, 4, 0);
    vpic_set_irq(&pic, 4, 1);
    assert_int_equal(vpic_pending_vector(&pic), 0x24);
}

static void test_masked_line_pends_until_unmask(void **state)
{
    init_pair();
    out8(0x21, 0x08);
    pulse(3);
    assert_int_equal(vpic_pending_vector(&pic), -1);
    assert_int_equal(read_irr(0x20), 0x08);
    out8(0x21, 0x00);
    assert_int_equal(vpic_ack(&pic), 0x23);
}

static void test_masking_ir2_masks_the_slave(void **state)
{
    init_pair();
    out8(0x21, 0x04);
    pulse(9);
    assert_int_equal(vpic_pending_vector(&pic), -1);
    out8(0x21, 0x00);
    assert_int_equal(vpic_ack(&pic), 0x29);
}

static void test_priority_irq1_before_irq3_lower_waits(void **state)
{
    init_pair();
    pulse(3);
    pulse(1);
    assert_int_equal(vpic_ack(&pic), 0x21);
    /* IRQ3 is below IRQ1, which is in service. */
    assert_int_equal(vpic_pending_vector(&pic), -1);
    eoi(0x20);
    assert_int_equal(vpic_ack(&pic), 0x23);
    eoi(0x20);
    assert_int_equal(read_isr(0x20), 0);
}

static void test_higher_priority_nests(void **state)
{
    init_pair();
    pulse(3);
    assert_int_equal(vpic_ack(&pic), 0x23);
    pulse(1);
    assert_int_equal(vpic_ack(&pic), 0x21);
    assert_int_equal(read_isr(0x20), 0x0a);
    /* A non-specific EOI ends the highest level in service: IRQ1. */
    eoi(0x20);
    assert_int_equal(read_isr(0x20), 0x08);
    eoi(0x20);
    assert_int_equal(read_isr(0x20), 0x00);
}

static void test_slave_via_cascade_eoi_to_both(void **state)
{
    init_pair();
    pulse(3);
    pulse(12);
    /* The slave sits at master IR2, above IRQ3. */
    assert_int_equal(vpic_pending_vector(&pic), 0x2c);
    assert_int_equal(vpic_ack(&pic), 0x2c);
    assert_int_equal(read_isr(0x20), 0x04);
    assert_int_equal(read_isr(0xa0), 0x10);
    assert_int_equal(read_irr(0xa0), 0x00);
    assert_int_equal(vpic_pending_vector(&pic), -1);
    eoi(0xa0);
    assert_int_equal(vpic_pending_vector(&pic), -1);    /* IR2 in service */
    eoi(0x20);
    assert_int_equal(vpic_ack(&pic), 0x23);
    eoi(0x20);
    /* Within the slave, IRQ8 beats IRQ15. */
    pulse(15);
    pulse(8);
    assert_int_equal(vpic_ack(&pic), 0x28);
    eoi(0xa0);
    eoi(0x20);
    assert_int_equal(vpic_ack(&pic), 0x2f);
    assert_int_equal(read_isr(0xa0), 0x80);     /* a real IRQ15 */
}

static void test_level_line_redelivers_until_lowered(void **state)
{
    init_pair();
    out8(0x4d0, 0x20);                          /* IRQ5 level */
    vpic_set_irq(&pic, 5, 1);
    assert_int_equal(vpic_ack(&pic), 0x25);
    assert_int_equal(read_irr(0x20), 0x20);     /* follows the line */
    assert_int_equal(vpic_pending_vector(&pic), -1);
    eoi(0x20);
    assert_int_equal(vpic_ack(&pic), 0x25);     /* still asserted */
    vpic_set_irq(&pic, 5, 0);
    eoi(0x20);
    assert_int_equal(vpic_pending_vector(&pic), -1);
    assert_int_equal(read_irr(0x20), 0x00);
    /* Lowered before the ack: the request is gone, and so is INT. */
    vpic_set_irq(&pic, 5, 1);
    vpic_set_irq(&pic, 5, 0);
    assert_int_equal(vpic_ack(&pic), -1);
}

static void test_level_line_on_slave(void **state)
{
    init_pair();
    out8(0x4d1, 0x04);                          /* IRQ10 level */
    vpic_set_irq(&pic, 10, 1);
    assert_int_equal(vpic_ack(&pic), 0x2a);
    eoi(0xa0);
    eoi(0x20);
    assert_int_equal(vpic_ack(&pic), 0x2a);
    vpic_set_irq(&pic, 10, 0);
    eoi(0xa0);
    eoi(0x20);
    assert_int_equal(vpic_pending_vector(&pic), -1);
    assert_int_equal(read_isr(0x20), 0);
    assert_int_equal(read_isr(0xa0), 0);
}

static void test_elcr_forced_edge_bits(void **state)
{
    out8(0x4d0, 0xff);
    out8(0x4d1, 0xff);
    assert_int_equal(in8(0x4d0), 0xf8);         /* IRQ 0, 1, 2 edge */
    assert_int_equal(in8(0x4d1), 0xde);         /* IRQ 8, 13 edge */
    uint32_t val = 0;
    assert_true(vpic_port_access(&pic, 0x4d0, 2, true, &val));
    assert_int_equal(val, 0xdef8);
    val = 0x0000;
    assert_true(vpic_port_access(&pic, 0x4d0, 2, false, &val));
    assert_int_equal(in8(0x4d0), 0);
    assert_int_equal(in8(0x4d1), 0);
    /* IRQ0 stays edge: a held line is one request. */
    init_pair();
    out8(0x4d0, 0x01);
    vpic_set_irq(&pic, 0, 1);
    assert_int_equal(vpic_ack(&pic), 0x20);
    eoi(0x20);
    assert_int_equal(vpic_pending_vector(&pic), -1);
}

/* ---- reading status, polling ---- */

static void test_ocw3_selects_irr_or_isr(void **state)
{
    init_pair();
    pulse(6);
    pulse(1);
    assert_int_equal(vpic_ack(&pic), 0x21);
    assert_int_equal(in8(0x20), 0x40);          /* IRR after reset */
    out8(0x20, 0x0b);
    assert_int_equal(in8(0x20), 0x02);
    assert_int_equal(in8(0x20), 0x02);          /* the choice sticks */
    out8(0x20, 0x08);                           /* RR = 0: no change */
    assert_int_equal(in8(0x20), 0x02);
    assert_int_equal(in8(0x21), 0x00);          /* A0 = 1: the IMR */
    out8(0x20, 0x0a);
    assert_int_equal(in8(0x20), 0x40);
}

static void test_poll_command(void **state)
{
    init_pair();
    out8(0x21, 0xff);                           /* a polling guest */
    out8(0x20, 0x0c);
    assert_int_equal(in8(0x20), 0x00);          /* I = 0: nothing */
    out8(0x21, 0x00);
    pulse(5);
    pulse(3);
    out8(0x20, 0x0c);
    assert_int_equal(in8(0x20), 0x83);          /* I = 1, level 3 */
    assert_int_equal(read_isr(0x20), 0x08);
    assert_int_equal(read_irr(0x20), 0x20);
    /* Poll is an acknowledge, so nesting rules apply; then a plain
     * read is IRR again. */
    out8(0x20, 0x0c);
    assert_int_equal(in8(0x21), 0x00);          /* either port */
    eoi(0x20);
    out8(0x20, 0x0c);
    assert_int_equal(in8(0x20), 0x85);
    eoi(0x20);
    assert_int_equal(in8(0x20), 0x00);
    /* Polling the master for a slave request finds level 2. */
    pulse(11);
    out8(0x20, 0x0c);
    assert_int_equal(in8(0x20), 0x82);
    out8(0xa0, 0x0c);
    assert_int_equal(in8(0xa0), 0x83);
}

/* ---- EOI modes and rotation ---- */

static void test_auto_eoi(void **state)
{
    init_pair_icw4(0x03, 0x03);
    pulse(1);
    pulse(4);
    assert_int_equal(vpic_ack(&pic), 0x21);
    assert_int_equal(read_isr(0x20), 0);
    /* Nothing in service, so IRQ4 follows without an EOI. */
    assert_int_equal(vpic_ack(&pic), 0x24);
    /* Two slave requests: the slave's INT drops during INTA and rises
     * again, so master IR2 sees the second one too. */
    pulse(9);
    pulse(14);
    assert_int_equal(vpic_ack(&pic), 0x29);
    assert_int_equal(vpic_ack(&pic), 0x2e);
    assert_int_equal(vpic_ack(&pic), -1);
    assert_int_equal(read_isr(0x20), 0);
    assert_int_equal(read_isr(0xa0), 0);
}

static void test_specific_eoi(void **state)
{
    init_pair();
    pulse(3);
    assert_int_equal(vpic_ack(&pic), 0x23);
    pulse(1);
    assert_int_equal(vpic_ack(&pic), 0x21);
    out8(0x20, 0x63);                           /* specific EOI, IR3 */
    assert_int_equal(read_isr(0x20), 0x02);
    out8(0x20, 0x61);
    assert_int_equal(read_isr(0x20), 0x00);
    out8(0x20, 0x40);                           /* no operation */
    out8(0x20, 0x20);                           /* EOI, nothing in service */
    assert_int_equal(read_isr(0x20), 0x00);
}

static void test_rotate_on_nonspecific_eoi(void **state)
{
    init_pair();
    pulse(0);
    assert_int_equal(vpic_ack(&pic), 0x20);
    out8(0x20, 0xa0);                           /* IR0 becomes lowest */
    pulse(0);
    pulse(1);
    assert_int_equal(vpic_ack(&pic), 0x21);
    out8(0x20, 0xa0);                           /* now IR1 is lowest */
    assert_int_equal(vpic_pending_vector(&pic), 0x20);
    /* IR2 now ranks highest: a slave request beats the pending IRQ0. */
    pulse(8);
    assert_int_equal(vpic_ack(&pic), 0x28);
}

static void test_set_priority_and_rotate_specific(void **state)
{
    init_pair();
    out8(0x20, 0xc4);                           /* IR4 lowest, IR5 highest */
    pulse(3);
    pulse(5);
    assert_int_equal(vpic_ack(&pic), 0x25);
    /* IR3 ranks below IR5, so it waits. */
    assert_int_equal(vpic_pending_vector(&pic), -1);
    out8(0x20, 0xe5);                           /* EOI IR5, IR5 lowest */
    assert_int_equal(read_isr(0x20), 0x00);
    /* The order is now 6, 7, 0, 1, 2, 3, 4, 5. */
    pulse(7);
    assert_int_equal(vpic_ack(&pic), 0x27);
    pulse(0);
    assert_int_equal(vpic_pending_vector(&pic), -1);   /* below IR7 */
    eoi(0x20);
    assert_int_equal(vpic_ack(&pic), 0x20);
    /* IR6 outranks IR0 in service, so it nests. */
    pulse(6);
    assert_int_equal(vpic_ack(&pic), 0x26);
    assert_int_equal(read_isr(0x20), 0x41);
    assert_int_equal(read_irr(0x20), 0x08);     /* IR3 still waits */
}

static void test_rotate_in_auto_eoi(void **state)
{
    init_pair_icw4(0x03, 0x01);
    out8(0x20, 0x80);                           /* rotate in AEOI: set */
    pulse(0);
    assert_int_equal(vpic_ack(&pic), 0x20);
    pulse(0);
    pulse(1);
    assert_int_equal(vpic_ack(&pic), 0x21);     /* IR0 went lowest */
    assert_int_equal(vpic_ack(&pic), 0x20);
    out8(0x20, 0x00);                           /* clear: no more rotation */
    pulse(1);
    pulse(3);
    assert_int_equal(vpic_ack(&pic), 0x21);     /* IR0 lowest, IR1 top */
    pulse(1);
    assert_int_equal(vpic_ack(&pic), 0x21);
}

/* ---- special modes ---- */

static void test_special_mask_mode(void **state)
{
    init_pair();
    pulse(1);
    assert_int_equal(vpic_ack(&pic), 0x21);
    pulse(3);
    assert_int_equal(vpic_pending_vector(&pic), -1);
    /* The IRQ1 handler masks itself and enables special mask mode: a
     * lower level may now interrupt it. */
    out8(0x21, 0x02);
    out8(0x20, 0x68);
    assert_int_equal(vpic_ack(&pic), 0x23);
    assert_int_equal(read_isr(0x20), 0x0a);
    /* A non-specific EOI skips the masked level in service. */
    eoi(0x20);
    assert_int_equal(read_isr(0x20), 0x02);
    out8(0x20, 0x48);                           /* special mask mode off */
    out8(0x20, 0x61);
    out8(0x21, 0x00);
    assert_int_equal(read_isr(0x20), 0x00);
}

static void test_special_fully_nested_mode(void **state)
{
    /* Without SFNM, a higher slave request waits for the master EOI. */
    init_pair();
    pulse(12);
    assert_int_equal(vpic_ack(&pic), 0x2c);
    pulse(8);
    assert_int_equal(vpic_pending_vector(&pic), -1);

    vpic_init(&pic);
    init_pair_icw4(0x11, 0x01);                 /* master in SFNM */
    pulse(12);
    assert_int_equal(vpic_ack(&pic), 0x2c);
    pulse(15);                                  /* below 12: waits */
    assert_int_equal(vpic_pending_vector(&pic), -1);
    pulse(8);
    assert_int_equal(vpic_ack(&pic), 0x28);
    assert_int_equal(read_isr(0xa0), 0x11);
    assert_int_equal(read_isr(0x20), 0x04);
}

/* ---- spurious interrupts ---- */

static void test_spurious_irq15_when_slave_request_vanishes(void **state)
{
    init_pair();
    out8(0x4d1, 0x04);                          /* IRQ10 level */
    vpic_set_irq(&pic, 10, 1);                  /* master IRR2 latches */
    vpic_set_irq(&pic, 10, 0);
    /* The master still requests IR2; the slave has nothing and answers
     * with its IR7 vector, leaving its ISR clear. */
    assert_int_equal(vpic_pending_vector(&pic), 0x2f);
    assert_int_equal(vpic_ack(&pic), 0x2f);
    assert_int_equal(read_isr(0xa0), 0x00);
    assert_int_equal(read_isr(0x20), 0x04);     /* the master EOI is due */
    eoi(0x20);
    assert_int_equal(vpic_pending_vector(&pic), -1);
    /* Masking at the slave after the latch does the same. */
    pulse(8);
    out8(0xa1, 0x01);
    assert_int_equal(vpic_ack(&pic), 0x2f);
    eoi(0x20);
    out8(0xa1, 0x00);
    assert_int_equal(vpic_ack(&pic), 0x28);
}

static void test_irq7_genuine_vs_vanished(void **state)
{
    init_pair();
    /* A real IRQ7 sets ISR bit 7: that is how a guest tells it from a
     * spurious one. */
    pulse(7);
    assert_int_equal(vpic_ack(&pic), 0x27);
    assert_int_equal(read_isr(0x20), 0x80);
    eoi(0x20);
    /* On the master the INTR check and INTA are one call: a request
     * that went away means no INTA, not a spurious IRQ7. */
    out8(0x4d0, 0x80);
    vpic_set_irq(&pic, 7, 1);
    assert_int_equal(vpic_pending_vector(&pic), 0x27);
    vpic_set_irq(&pic, 7, 0);
    assert_int_equal(vpic_ack(&pic), -1);
    assert_int_equal(read_isr(0x20), 0x00);
}

/* ---- the port interface ---- */

static void test_ports_and_wide_accesses(void **state)
{
    uint32_t val = 0x1234;
    assert_false(vpic_port_access(&pic, 0x22, 1, true, &val));
    assert_false(vpic_port_access(&pic, 0x1f, 2, true, &val));
    assert_false(vpic_port_access(&pic, 0x4d2, 1, false, &val));
    assert_false(vpic_port_access(&pic, 0x60, 1, true, &val));
    assert_int_equal(val, 0x1234);
    /* A word OUT at 0x20 is ICW1 at 0x20 then ICW2 at 0x21. */
    val = 0x3011;
    assert_true(vpic_port_access(&pic, 0x20, 2, false, &val));
    out8(0x21, 0x04);
    out8(0x21, 0x01);
    assert_true(vpic_ready(&pic));
    out8(0x21, 0x5a);
    pulse(0);
    assert_true(vpic_port_access(&pic, 0x20, 2, true, &val));
    assert_int_equal(val, 0x5a01);
    /* A dword at 0x21: the IMR, then three bytes that are not ours. */
    assert_true(vpic_port_access(&pic, 0x21, 4, true, &val));
    assert_int_equal(val, 0xffffff5a);
    out8(0x21, 0x00);
    assert_int_equal(vpic_ack(&pic), 0x30);
}

static void test_bad_lines_are_ignored(void **state)
{
    init_pair();
    vpic_set_irq(&pic, 2, 1);
    vpic_set_irq(&pic, 16, 1);
    vpic_set_irq(&pic, 0xffffffffu, 1);
    assert_int_equal(vpic_pending_vector(&pic), -1);
    assert_int_equal(read_irr(0x20), 0);
    assert_int_equal(read_irr(0xa0), 0);
    /* Any byte sequence is a valid program: nothing breaks. */
    for (unsigned int v = 0; v < 256; v++) {
        out8(0x20, (uint8_t)v);
        out8(0x21, (uint8_t)(v * 7));
        out8(0xa0, (uint8_t)(v ^ 0x5a));
        out8(0xa1, (uint8_t)v);
        pulse(v & 15);
        int vec = vpic_pending_vector(&pic);
        assert_int_equal(vpic_ack(&pic), vec);
        (void)in8(0x20);
        (void)in8(0xa1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_reset_state_delivers_nothing, setup),
        cmocka_unit_test_setup(test_linux_init_sequence, setup),
        cmocka_unit_test_setup(test_single_mode_skips_icw3_and_icw4, setup),
        cmocka_unit_test_setup(test_reinit_resets_requests_and_edge_sense, setup),
        cmocka_unit_test_setup(test_edge_irq0_ack_eoi, setup),
        cmocka_unit_test_setup(test_edge_needs_a_rising_edge, setup),
        cmocka_unit_test_setup(test_masked_line_pends_until_unmask, setup),
        cmocka_unit_test_setup(test_masking_ir2_masks_the_slave, setup),
        cmocka_unit_test_setup(test_priority_irq1_before_irq3_lower_waits, setup),
        cmocka_unit_test_setup(test_higher_priority_nests, setup),
        cmocka_unit_test_setup(test_slave_via_cascade_eoi_to_both, setup),
        cmocka_unit_test_setup(test_level_line_redelivers_until_lowered, setup),
        cmocka_unit_test_setup(test_level_line_on_slave, setup),
        cmocka_unit_test_setup(test_elcr_forced_edge_bits, setup),
        cmocka_unit_test_setup(test_ocw3_selects_irr_or_isr, setup),
        cmocka_unit_test_setup(test_poll_command, setup),
        cmocka_unit_test_setup(test_auto_eoi, setup),
        cmocka_unit_test_setup(test_specific_eoi, setup),
        cmocka_unit_test_setup(test_rotate_on_nonspecific_eoi, setup),
        cmocka_unit_test_setup(test_set_priority_and_rotate_specific, setup),
        cmocka_unit_test_setup(test_rotate_in_auto_eoi, setup),
        cmocka_unit_test_setup(test_special_mask_mode, setup),
        cmocka_unit_test_setup(test_special_fully_nested_mode, setup),
        cmocka_unit_test_setup(test_spurious_irq15_when_slave_request_vanishes, setup),
        cmocka_unit_test_setup(test_irq7_genuine_vs_vanished, setup),
        cmocka_unit_test_setup(test_ports_and_wide_accesses, setup),
        cmocka_unit_test_setup(test_bad_lines_are_ignored, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
