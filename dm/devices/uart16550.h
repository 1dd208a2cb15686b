/*
 * dm/devices/uart16550.h: a 16550A UART, as a PC's COM port
 * (dm/devices/uart16550.c has the model and what it leaves out).
 *
 * dm/main.c registers eight ports, [base, base + 7], with uart16550_ops
 * and the struct as 'dev'; COM1 is base 0x3f8, ISA IRQ 4.
 */
#ifndef DM_UART16550_H
#define DM_UART16550_H

#include <device.h>

#define UART16550_FIFO_SIZE  16

struct uart16550 {
    const struct dm_platform *pf;
    unsigned int irq;               /* ISA line 0..15 */
    int irq_level;                  /* what set_irq was last told */

    /* The registers as the guest sees them. */
    uint8_t ier;                    /* interrupt enable */
    uint8_t fcr;                    /* FIFO control, as last accepted */
    uint8_t lcr;                    /* line control; bit 7 is DLAB */
    uint8_t mcr;                    /* modem control */
    uint8_t lsr_oe;                 /* LSR's overrun bit until LSR is read */
    uint8_t msr_delta;              /* MSR bits 3:0 until MSR is read */
    uint8_t scr;                    /* scratch */
    uint16_t divisor;               /* DLM:DLL */
    bool thre_pending;              /* THR-empty interrupt not yet taken */

    /* Received bytes not yet read from RBR: a ring of up to 16 (1 while
     * the FIFOs are off, as on a 16450). */
    uint8_t rx[UART16550_FIFO_SIZE];
    unsigned int rx_head, rx_count;
};

/* Reset state, line low; 'pf' must outlive the device. */
void uart16550_init(struct uart16550 *u, const struct dm_platform *pf,
                    unsigned int irq);
/* Bytes arriving on the serial line: into the receive FIFO, raising the
 * interrupt the guest enabled. Bytes that find it full are dropped and
 * set LSR's overrun error. */
void uart16550_receive(struct uart16550 *u, const char *buf, size_t len);
/* How many bytes uart16550_receive() would take now without an overrun:
 * a caller holding more input can wait until the guest reads some. */
unsigned int uart16550_rx_space(const struct uart16550 *u);

extern const struct dm_device_ops uart16550_ops;

#endif
