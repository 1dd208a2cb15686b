/*
 * tests/dm/unit/test_uart16550.c: host unit tests of the 16550A UART
 * (dm/devices/uart16550.c): reset values and read-back, the divisor
 * latch, transmit, the receive FIFO and overrun, interrupt priorities,
 * and when the IRQ line goes up and down (OUT2, loopback).
 *
 * Built by `make -f dm/Makefile units` (see dm/Makefile). The fake
 * platform (fake_platform.h) records every set_irq call and the console
 * output; the tests check the line themselves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <device.h>
#include <uart16550.h>

#include "fake_platform.h"

static struct uart16550 uart;

/* The line's level as the platform last heard it (low before any call). */
static int line(void)
{
    return fake.nirqs ? fake.irqs[fake.nirqs - 1].level : 0;
}

enum { RBR, IER, IIR, LCR, MCR, LSR, MSR, SCR };
#define FCR     IIR
#define THR     RBR
#define DLL     RBR
#define DLM     IER

#define OUT2    0x08
#define LOOP    0x10

static uint8_t rd(unsigned int reg)
{
    return (uint8_t)uart16550_ops.read(&uart, reg, 1);
}

static void wr(unsigned int reg, uint8_t value)
{
    uart16550_ops.write(&uart, reg, 1, value);
}

static void receive(const char *s)
{
    uart16550_receive(&uart, s, strlen(s));
}

static int setup(void **state)
{
    (void)state;
    fake_init();
    fake.irq_lines = FAKE_ANY_IRQ;
    uart16550_init(&uart, &fake_platform, 4);
    return 0;
}

/* ---- tests ---- */

static void test_uart_reset_state(void **state)
{
    (void)state;
    assert_int_equal(rd(IER), 0);
    assert_int_equal(rd(IIR), 0x01);        /* none pending, FIFOs off */
    assert_int_equal(rd(LCR), 0);
    assert_int_equal(rd(MCR), 0);
    assert_int_equal(rd(LSR), 0x60);        /* THRE, TEMT */
    assert_int_equal(rd(MSR), 0xb0);        /* DCD, DSR, CTS; no deltas */
    assert_int_equal(rd(SCR), 0);
    assert_int_equal(fake.nirqs, 0);
    assert_int_equal(uart16550_rx_space(&uart), 1);
}

static void test_uart_register_readback(void **state)
{
    (void)state;
    wr(SCR, 0x5a);
    assert_int_equal(rd(SCR), 0x5a);
    wr(LCR, 0x1b);                          /* 8 bits, even parity */
    assert_int_equal(rd(LCR), 0x1b);
    wr(MCR, 0xff);
    assert_int_equal(rd(MCR), 0x1f);        /* bits 7:5 are always 0 */
    wr(MCR, 0x03);
    wr(IER, 0xff);
    assert_int_equal(rd(IER), 0x0f);
    /* LSR and MSR do not take writes. */
    wr(LSR, 0x00);
    assert_int_equal(rd(LSR), 0x60);
}

static void test_uart_divisor_latch(void **state)
{
    (void)state;
    wr(IER, 0x00);
    wr(LCR, 0x80);                          /* DLAB */
    wr(DLL, 0x01);                          /* 115200 baud */
    wr(DLM, 0x02);
    assert_int_equal(rd(DLL), 0x01);
    assert_int_equal(rd(DLM), 0x02);
    assert_int_equal(fake.outlen, 0);       /* DLL is not THR */
    assert_int_equal(rd(LCR), 0x80);

    wr(LCR, 0x03);                          /* 8N1, DLAB off */
    assert_int_equal(rd(IER), 0x00);        /* IER was not overwritten */
    wr(THR, 'x');
    assert_string_equal(fake.out, "x");

    wr(LCR, 0x83);
    assert_int_equal(rd(DLL), 0x01);        /* the latch kept its value */
    assert_int_equal(rd(DLM), 0x02);
}

static void test_uart_transmit(void **state)
{
    (void)state;
    for (const char *s = "Hello\n"; *s; s++) {
        assert_true(rd(LSR) & 0x20);        /* poll THRE like a driver */
        wr(THR, (uint8_t)*s);
    }
    assert_string_equal(fake.out, "Hello\n");
    assert_int_equal(fake.nirqs, 0);        /* no interrupt enabled */
}

static void test_uart_thre_interrupt(void **state)
{
    (void)state;
    wr(MCR, OUT2);
    assert_int_equal(fake.nirqs, 0);

    /* Enabling the THR-empty interrupt raises it: THR is empty. */
    wr(IER, 0x02);
    assert_int_equal(fake.nirqs, 1);
    assert_int_equal(line(), 1);
    assert_int_equal(fake.irqs[fake.nirqs - 1].irq, 4);

    /* Reading IIR while it reports THRE takes it. */
    assert_int_equal(rd(IIR), 0x02);
    assert_int_equal(line(), 0);
    assert_int_equal(rd(IIR), 0x01);

    /* Each byte sent brings it back... */
    wr(THR, 'a');
    assert_int_equal(line(), 1);
    unsigned int n = fake.nirqs;
    /* ...and a write while it is up drops the line and raises it
     * again: an edge for an edge-triggered PIC. */
    wr(THR, 'b');
    assert_int_equal(fake.nirqs, n + 2);
    assert_int_equal(fake.irqs[n].level, 0);
    assert_int_equal(fake.irqs[n + 1].level, 1);
    assert_string_equal(fake.out, "ab");

    /* Turning it off lowers the line; on again raises it. */
    wr(IER, 0x00);
    assert_int_equal(line(), 0);
    wr(IER, 0x02);
    assert_int_equal(line(), 1);
    /* Writing IER with the bit already on does not raise another. */
    assert_int_equal(rd(IIR), 0x02);
    wr(IER, 0x02);
    assert_int_equal(line(), 0);
    assert_int_equal(rd(IIR), 0x01);
}

static void test_uart_out2_gates_line(void **state)
{
    (void)state;
    wr(IER, 0x01);
    receive("a");
    /* Pending, but OUT2 is off: the line stays low. */
    assert_int_equal(rd(IIR), 0x04);
    assert_int_equal(fake.nirqs, 0);

    wr(MCR, OUT2);
    assert_int_equal(line(), 1);
    wr(MCR, 0);
    assert_int_equal(line(), 0);
    wr(MCR, OUT2);
    assert_int_equal(line(), 1);
    assert_int_equal(rd(RBR), 'a');
    assert_int_equal(line(), 0);
    assert_int_equal(fake.nirqs, 4);
}

static void test_uart_rx_interrupt(void **state)
{
    (void)state;
    wr(MCR, OUT2);
    wr(IER, 0x01);
    assert_int_equal(fake.nirqs, 0);

    wr(FCR, 0x07);                          /* FIFOs on, trigger 1 */
    receive("ab");
    assert_int_equal(fake.nirqs, 1);
    assert_int_equal(line(), 1);
    assert_int_equal(rd(IIR), 0xc4);        /* FIFOs on, RX data */
    assert_int_equal(rd(LSR), 0x61);        /* DR */

    assert_int_equal(rd(RBR), 'a');
    assert_int_equal(line(), 1);            /* 'b' is still there */
    assert_int_equal(rd(RBR), 'b');
    assert_int_equal(line(), 0);            /* empty: the line drops */
    assert_int_equal(rd(LSR), 0x60);
    assert_int_equal(rd(IIR), 0xc1);
    assert_int_equal(fake.nirqs, 2);
}

static void test_uart_fifo_order_and_overrun(void **state)
{
    (void)state;
    wr(FCR, 0x01);
    assert_int_equal(uart16550_rx_space(&uart), 16);
    receive("0123456789abcdef");
    assert_int_equal(uart16550_rx_space(&uart), 0);
    assert_int_equal(rd(LSR), 0x61);        /* full, no overrun yet */

    receive("XY");                          /* no room: dropped */
    assert_int_equal(rd(LSR), 0x63);        /* DR | OE */
    assert_int_equal(rd(LSR), 0x61);        /* OE cleared by the read */

    char got[17] = { 0 };
    for (int i = 0; i < 16; i++)
        got[i] = (char)rd(RBR);
    assert_string_equal(got, "0123456789abcdef");
    assert_int_equal(rd(LSR), 0x60);
    assert_int_equal(rd(RBR), 0);           /* empty reads 0 */
}

/* FIFOs off, the 16450's single holding register: a second byte before
 * the first is read is an overrun. */
static void test_uart_overrun_without_fifo(void **state)
{
    (void)state;
    wr(MCR, OUT2);
    wr(IER, 0x05);                          /* RX data, line status */
    receive("xy");
    assert_int_equal(rd(IIR), 0x06);        /* line status first */
    assert_int_equal(line(), 1);
    assert_int_equal(rd(LSR), 0x63);
    assert_int_equal(rd(IIR), 0x04);        /* then the data */
    assert_int_equal(rd(RBR), 'x');
    assert_int_equal(line(), 0);
    assert_int_equal(rd(RBR), 0);           /* 'y' was lost */
}

static void test_uart_fcr(void **state)
{
    (void)state;
    /* Without bit 0, the other bits are not taken. */
    wr(FCR, 0xc0);
    assert_int_equal(rd(IIR), 0x01);
    assert_int_equal(uart16550_rx_space(&uart), 1);

    wr(FCR, 0x01);
    receive("abc");
    wr(FCR, 0x03);                          /* clear the receive FIFO */
    assert_int_equal(rd(LSR), 0x60);
    receive("abc");
    wr(FCR, 0x00);                          /* FIFOs off: emptied too */
    assert_int_equal(rd(LSR), 0x60);
    assert_int_equal(rd(IIR), 0x01);
}

static void test_uart_trigger_and_timeout(void **state)
{
    (void)state;
    wr(MCR, OUT2);
    wr(IER, 0x01);
    wr(FCR, 0xc1);                          /* trigger level 14 */
    receive("abc");
    /* Below the trigger: the timeout interrupt, at once here. */
    assert_int_equal(rd(IIR), 0xcc);
    assert_int_equal(line(), 1);
    receive("defghijklmn");                 /* 14 bytes */
    assert_int_equal(rd(IIR), 0xc4);
    rd(RBR);
    assert_int_equal(rd(IIR), 0xcc);        /* 13: below again */

    wr(FCR, 0x41);                          /* trigger 4 (FIFO kept) */
    assert_int_equal(rd(IIR), 0xc4);
}

static void test_uart_priorities(void **state)
{
    (void)state;
    wr(MCR, OUT2);
    wr(FCR, 0x01);
    wr(IER, 0x0f);                          /* all four */
    receive("0123456789abcdefg");           /* one too many: OE */
    assert_int_equal(line(), 1);

    /* Line status > received data > THR empty. */
    assert_int_equal(rd(IIR), 0xc6);
    rd(LSR);
    assert_int_equal(rd(IIR), 0xc4);
    /* THRE stays pending under RX data: reading IIR did not take it. */
    for (int i = 0; i < 16; i++)
        rd(RBR);
    assert_int_equal(rd(IIR), 0xc2);
    assert_int_equal(rd(IIR), 0xc1);
    assert_int_equal(line(), 0);
}

static void test_uart_loopback(void **state)
{
    (void)state;
    wr(FCR, 0x01);
    wr(IER, 0x01);
    /* The check Linux's 8250 driver makes: RTS and OUT2 looped back
     * show as CTS and DCD. */
    wr(MCR, LOOP | OUT2 | 0x02);
    assert_int_equal(rd(MSR) & 0xf0, 0x90);
    assert_int_equal(rd(MSR), 0x90);        /* the change bits cleared */

    wr(THR, 'Z');
    wr(THR, 'z');
    assert_int_equal(fake.outlen, 0);       /* nothing went out */
    assert_int_equal(rd(LSR), 0x61);
    /* Interrupts pend, but the pins are off in loopback. */
    assert_int_equal(rd(IIR), 0xc4);
    assert_int_equal(fake.nirqs, 0);
    assert_int_equal(rd(RBR), 'Z');

    /* The serial input is disconnected meanwhile. */
    assert_int_equal(uart16550_rx_space(&uart), 0);
    receive("q");
    assert_int_equal(rd(RBR), 'z');
    assert_int_equal(rd(LSR), 0x60);

    /* Leaving loopback with data waiting raises the line. */
    wr(THR, '!');
    wr(MCR, OUT2);
    assert_int_equal(line(), 1);
    assert_int_equal(rd(RBR), '!');
    assert_int_equal(line(), 0);
}

static void test_uart_modem_status_interrupt(void **state)
{
    (void)state;
    wr(IER, 0x08);
    wr(MCR, OUT2);
    assert_int_equal(fake.nirqs, 0);        /* MSR inputs unchanged */

    /* Into loopback with OUT1 and OUT2: RI and DCD on, CTS and DSR off. */
    wr(MCR, LOOP | OUT2 | 0x04);
    assert_int_equal(rd(IIR), 0x00);        /* modem status pending */
    assert_int_equal(fake.nirqs, 0);        /* but the line is off */
    assert_int_equal(rd(MSR), 0xc3);        /* RI DCD, DCTS DDSR */
    assert_int_equal(rd(IIR), 0x01);

    /* RI going off sets TERI. */
    wr(MCR, LOOP | OUT2);
    assert_int_equal(rd(MSR), 0x84);

    /* Out of loopback: CTS and DSR return; the interrupt reaches the
     * line until MSR is read. */
    wr(MCR, OUT2);
    assert_int_equal(line(), 1);
    assert_int_equal(rd(MSR), 0xb3);
    assert_int_equal(line(), 0);
}

/* Wider accesses act on the byte at the offset. */
static void test_uart_wide_access(void **state)
{
    (void)state;
    wr(SCR, 0x77);
    assert_int_equal(uart16550_ops.read(&uart, SCR, 2), 0x77);
    assert_int_equal(uart16550_ops.read(&uart, LSR, 4), 0x60);
    uart16550_ops.write(&uart, THR, 4, 0x41424344);
    assert_string_equal(fake.out, "D");
}

/* Registered on a bus at COM1, as dm/main.c does. */
static void test_uart_on_bus(void **state)
{
    (void)state;
    static struct dm_bus bus;
    uint64_t data;

    assert_int_equal(dm_bus_add(&bus, DM_SPACE_PORT, 0x3f8, 0x3ff,
                                &uart16550_ops, &uart, "com1"), 0);
    data = 'k';
    assert_true(dm_bus_access(&bus, DM_SPACE_PORT, 0x3f8, 1, true, &data));
    assert_true(dm_bus_access(&bus, DM_SPACE_PORT, 0x3fd, 1, false, &data));
    assert_int_equal(data, 0x60);
    assert_string_equal(fake.out, "k");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_uart_reset_state, setup),
        cmocka_unit_test_setup(test_uart_register_readback, setup),
        cmocka_unit_test_setup(test_uart_divisor_latch, setup),
        cmocka_unit_test_setup(test_uart_transmit, setup),
        cmocka_unit_test_setup(test_uart_thre_interrupt, setup),
        cmocka_unit_test_setup(test_uart_out2_gates_line, setup),
        cmocka_unit_test_setup(test_uart_rx_interrupt, setup),
        cmocka_unit_test_setup(test_uart_fifo_order_and_overrun, setup),
        cmocka_unit_test_setup(test_uart_overrun_without_fifo, setup),
        cmocka_unit_test_setup(test_uart_fcr, setup),
        cmocka_unit_test_setup(test_uart_trigger_and_timeout, setup),
        cmocka_unit_test_setup(test_uart_priorities, setup),
        cmocka_unit_test_setup(test_uart_loopback, setup),
        cmocka_unit_test_setup(test_uart_modem_status_interrupt, setup),
        cmocka_unit_test_setup(test_uart_wide_access, setup),
        cmocka_unit_test_setup(test_uart_on_bus, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
