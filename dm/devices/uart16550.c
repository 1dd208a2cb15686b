/*
 * dm/devices/uart16550.c: a 16550A UART, the serial port of a PC.
 *
 * Interface (uart16550.h): uart16550_init, uart16550_receive,
 * uart16550_rx_space, and uart16550_ops for the eight ports
 * [base, base + 7] (COM1: 0x3f8, IRQ 4).
 *
 * The registers, by offset (DLAB is LCR bit 7; the register facts are
 * from the TI/National PC16550D datasheet):
 *
 *   0  read: RBR, the oldest received byte    write: THR, send a byte
 *      with DLAB: DLL, divisor latch low byte
 *   1  IER, interrupt enable (bits 3:0)       with DLAB: DLM, divisor high
 *   2  read: IIR, interrupt identification    write: FCR, FIFO control
 *   3  LCR, line control (only DLAB matters here)
 *   4  MCR, modem control: DTR RTS OUT1 OUT2 LOOP
 *   5  LSR, line status (read-only here)
 *   6  MSR, modem status (read-only here)
 *   7  SCR, scratch
 *
 * What is modelled:
 *   - Transmit is instantaneous: a byte written to THR goes to the
 *     platform's console_write at once, so THR and the transmitter are
 *     always empty (LSR THRE and TEMT always set). Tern's console joins
 *     the bytes into lines.
 *   - Receive: uart16550_receive() fills a 16-byte FIFO (1 byte, the
 *     16450's holding register, while the FIFOs are off). A byte that
 *     finds it full is dropped and sets LSR's overrun error (OE).
 *   - Interrupts, in the 16550's priority order, each gated by its IER
 *     bit:
 *        IIR 0x6  receiver line status: OE set; cleared by reading LSR
 *        IIR 0x4  received data: the FIFO holds at least the trigger
 *                 level (FCR bits 7:6: 1, 4, 8, 14 bytes; any data
 *                 while the FIFOs are off); cleared by reading RBR
 *                 below it
 *        IIR 0xc  character timeout: data below the trigger level.
 *                 A real chip waits four characters' time first; this
 *                 model has no time, so it reports it at once
 *        IIR 0x2  THR empty: raised when IER bit 1 is turned on and
 *                 each time a written byte leaves; cleared by reading
 *                 IIR while it is the one reported, or by writing THR
 *        IIR 0x0  modem status: a change in MSR's inputs; cleared by
 *                 reading MSR
 *     and IIR 0x1 when none is pending. IIR bits 7:6 read 11 while the
 *     FIFOs are on.
 *   - The interrupt line, as a PC wires it: the UART's interrupt output
 *     reaches ISA line 'irq' only through a gate that MCR's OUT2 opens,
 *     and in loopback mode the output pins, OUT2's too, are held
 *     inactive. The line is level: set_irq is called each time its
 *     level changes. A byte written to THR with the THR-empty interrupt
 *     enabled drops the line and raises it again (the interrupt is
 *     taken back by the write and comes back when the byte has left),
 *     so an edge-triggered interrupt controller sees a new edge.
 *   - Loopback (MCR bit 4): transmitted bytes come back into the receive
 *     FIFO instead of going out; MSR's inputs are MCR's outputs (RTS ->
 *     CTS, DTR -> DSR, OUT1 -> RI, OUT2 -> DCD), with their change bits;
 *     the serial input is disconnected, so uart16550_receive() drops
 *     what it is given.
 *   - Outside loopback, MSR shows a line whose other end is always
 *     ready: CTS, DSR and DCD asserted, RI not.
 *   - An access wider than a byte acts on the byte at its offset: a
 *     read gives that register zero-extended, a write uses the low 8
 *     bits of the value.
 *
 * What is not: baud rate and line format (the divisor and LCR are
 * stored and read back, nothing more), parity, framing and break errors,
 * LSR bit 7, DMA mode, and the transmit FIFO's fill level (it empties
 * at once).
 *
 * Context: ring 3, the DM's one thread (device.h); no locking.
 */
#include <lib.h>

#include "uart16550.h"

/* Register offsets from the base port. */
enum {
    UART_RBR = 0, UART_THR = 0, UART_DLL = 0,
    UART_IER = 1, UART_DLM = 1,
    UART_IIR = 2, UART_FCR = 2,
    UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};

#define UART_IER_RDI        0x01    /* received data (and timeout) */
#define UART_IER_THRI       0x02    /* THR empty */
#define UART_IER_RLSI       0x04    /* receiver line status */
#define UART_IER_MSI        0x08    /* modem status */

#define UART_IIR_NONE       0x01    /* bit 0 clear: an interrupt pending */
#define UART_IIR_MSI        0x00
#define UART_IIR_THRI       0x02
#define UART_IIR_RDI        0x04
#define UART_IIR_RLSI       0x06
#define UART_IIR_TIMEOUT    0x0c
#define UART_IIR_FIFOS_ON   0xc0

#define UART_FCR_ENABLE     0x01
#define UART_FCR_CLEAR_RX   0x02
#define UART_FCR_TRIGGER    0xc0    /* receive trigger level, bits 7:6 */

#define UART_LCR_DLAB       0x80

#define UART_MCR_DTR        0x01
#define UART_MCR_RTS        0x02
#define UART_MCR_OUT1       0x04
#define UART_MCR_OUT2       0x08
#define UART_MCR_LOOP       0x10
#define UART_MCR_MASK       0x1f

#define UART_LSR_DR         0x01    /* data ready */
#define UART_LSR_OE         0x02    /* overrun error */
#define UART_LSR_THRE       0x20    /* THR empty */
#define UART_LSR_TEMT       0x40    /* transmitter empty */

#define UART_MSR_DCTS       0x01    /* bits 3:0: changed since last read */
#define UART_MSR_DDSR       0x02
#define UART_MSR_TERI       0x04    /* RI went from on to off */
#define UART_MSR_DDCD       0x08
#define UART_MSR_CTS        0x10    /* bits 7:4: the inputs */
#define UART_MSR_DSR        0x20
#define UART_MSR_RI         0x40
#define UART_MSR_DCD        0x80

static bool uart_fifos_on(const struct uart16550 *u)
{
    return u->fcr & UART_FCR_ENABLE;
}

static unsigned int uart_rx_capacity(const struct uart16550 *u)
{
    return uart_fifos_on(u) ? UART16550_FIFO_SIZE : 1;
}

/* FCR bits 7:6 -> bytes that raise the received-data interrupt. */
static unsigned int uart_rx_trigger(const struct uart16550 *u)
{
    static const unsigned int level[4] = { 1, 4, 8, 14 };
    return uart_fifos_on(u) ? level[(u->fcr & UART_FCR_TRIGGER) >> 6] : 1;
}

/* MSR bits 7:4: MCR's outputs wired back in loopback, otherwise a
 * partner that is always there. */
static uint8_t uart_msr_inputs(const struct uart16550 *u)
{
    if (!(u->mcr & UART_MCR_LOOP))
        return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;

    uint8_t in = 0;
    if (u->mcr & UART_MCR_RTS)
        in |= UART_MSR_CTS;
    if (u->mcr & UART_MCR_DTR)
        in |= UART_MSR_DSR;
    if (u->mcr & UART_MCR_OUT1)
        in |= UART_MSR_RI;
    if (u->mcr & UART_MCR_OUT2)
        in |= UART_MSR_DCD;
    return in;
}

/* The highest-priority enabled interrupt pending, as IIR bits 3:0. */
static uint8_t uart_iir_id(const struct uart16550 *u)
{
    if ((u->ier & UART_IER_RLSI) && u->lsr_oe)
        return UART_IIR_RLSI;
    if ((u->ier & UART_IER_RDI) && u->rx_count)
        return u->rx_count >= uart_rx_trigger(u) ? UART_IIR_RDI
                                                 : UART_IIR_TIMEOUT;
    if ((u->ier & UART_IER_THRI) && u->thre_pending)
        return UART_IIR_THRI;
    if ((u->ier & UART_IER_MSI) && u->msr_delta)
        return UART_IIR_MSI;
    return UART_IIR_NONE;
}

/* Recompute the ISA line after any change of state, and tell the
 * platform only when its level moves. */
static void uart_update_irq(struct uart16550 *u)
{
    bool gate_open = (u->mcr & UART_MCR_OUT2) && !(u->mcr & UART_MCR_LOOP);
    int level = gate_open && uart_iir_id(u) != UART_IIR_NONE;

    if (level != u->irq_level) {
        u->irq_level = level;
        u->pf->set_irq(u->pf->ctx, u->irq, level);
    }
}

static void uart_rx_clear(struct uart16550 *u)
{
    u->rx_head = 0;
    u->rx_count = 0;
}

static void uart_rx_push(struct uart16550 *u, uint8_t byte)
{
    if (u->rx_count >= uart_rx_capacity(u)) {
        u->lsr_oe = UART_LSR_OE;
        return;
    }
    u->rx[(u->rx_head + u->rx_count) % UART16550_FIFO_SIZE] = byte;
    u->rx_count++;
}

/* RBR: the oldest byte; 0 when there is none. */
static uint8_t uart_rx_pop(struct uart16550 *u)
{
    if (!u->rx_count)
        return 0;
    uint8_t byte = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % UART16550_FIFO_SIZE;
    u->rx_count--;
    return byte;
}

/* A byte written to THR. The line is updated twice on purpose: see
 * "The interrupt line" in the header. */
static void uart_transmit(struct uart16550 *u, uint8_t byte)
{
    u->thre_pending = false;
    uart_update_irq(u);

    if (u->mcr & UART_MCR_LOOP) {
        uart_rx_push(u, byte);
    } else {
        char c = (char)byte;
        u->pf->console_write(u->pf->ctx, &c, 1);
    }

    u->thre_pending = true;         /* the byte has left: THR empty */
}

static void uart_write_ier(struct uart16550 *u, uint8_t value)
{
    /* THR is always empty, so turning its interrupt on raises it. */
    if ((value & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
        u->thre_pending = true;
    u->ier = value & 0x0f;
}

static void uart_write_fcr(struct uart16550 *u, uint8_t value)
{
    /* Turning the FIFOs on or off empties them. */
    if ((value ^ u->fcr) & UART_FCR_ENABLE)
        uart_rx_clear(u);

    /* The other bits are only taken while bit 0 is written as 1. */
    if (!(value & UART_FCR_ENABLE)) {
        u->fcr = 0;
        return;
    }
    if (value & UART_FCR_CLEAR_RX)
        uart_rx_clear(u);
    /* Bit 2 clears the transmit FIFO, which is always empty. */
    u->fcr = value & (UART_FCR_ENABLE | UART_FCR_TRIGGER);
}

static void uart_write_mcr(struct uart16550 *u, uint8_t value)
{
    uint8_t before = uart_msr_inputs(u);
    u->mcr = value & UART_MCR_MASK;
    uint8_t after = uart_msr_inputs(u), changed = before ^ after;

    if (changed & UART_MSR_CTS)
        u->msr_delta |= UART_MSR_DCTS;
    if (changed & UART_MSR_DSR)
        u->msr_delta |= UART_MSR_DDSR;
    if ((before & UART_MSR_RI) && !(after & UART_MSR_RI))
        u->msr_delta |= UART_MSR_TERI;
    if (changed & UART_MSR_DCD)
        u->msr_delta |= UART_MSR_DDCD;
}

static uint8_t uart_read_iir(struct uart16550 *u)
{
    uint8_t id = uart_iir_id(u);

    /* Reading IIR takes the THR-empty interrupt, but only when it is the
     * one reported: a higher one hides it and it stays pending. */
    if (id == UART_IIR_THRI)
        u->thre_pending = false;
    return id | (uart_fifos_on(u) ? UART_IIR_FIFOS_ON : 0);
}

static uint8_t uart_read_lsr(struct uart16550 *u)
{
    uint8_t lsr = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_oe;
    if (u->rx_count)
        lsr |= UART_LSR_DR;
    u->lsr_oe = 0;                  /* error bits clear on read */
    return lsr;
}

static uint8_t uart_read_msr(struct uart16550 *u)
{
    uint8_t msr = uart_msr_inputs(u) | u->msr_delta;
    u->msr_delta = 0;
    return msr;
}

static uint64_t uart_read(void *dev, uint64_t offset, unsigned int size)
{
    struct uart16550 *u = dev;
    bool dlab = u->lcr & UART_LCR_DLAB;
    uint8_t value;

    (void)size;                     /* the byte at 'offset', see header */
    switch (offset) {
    case UART_RBR:
        value = dlab ? (uint8_t)u->divisor : uart_rx_pop(u);
        break;
    case UART_IER:
        value = dlab ? (uint8_t)(u->divisor >> 8) : u->ier;
        break;
    case UART_IIR: value = uart_read_iir(u); break;
    case UART_LCR: value = u->lcr; break;
    case UART_MCR: value = u->mcr; break;
    case UART_LSR: value = uart_read_lsr(u); break;
    case UART_MSR: value = uart_read_msr(u); break;
    case UART_SCR: value = u->scr; break;
    default:
        return 0xff;                /* not registered that wide */
    }
    uart_update_irq(u);
    return value;
}

static void uart_write(void *dev, uint64_t offset, unsigned int size,
                       uint64_t value64)
{
    struct uart16550 *u = dev;
    bool dlab = u->lcr & UART_LCR_DLAB;
    uint8_t value = (uint8_t)value64;

    (void)size;
    switch (offset) {
    case UART_THR:
        if (dlab)
            u->divisor = (u->divisor & 0xff00) | value;
        else
            uart_transmit(u, value);
        break;
    case UART_IER:
        if (dlab)
            u->divisor = (uint16_t)((u->divisor & 0x00ff) | value << 8);
        else
            uart_write_ier(u, value);
        break;
    case UART_FCR: uart_write_fcr(u, value); break;
    case UART_LCR: u->lcr = value; break;
    case UART_MCR: uart_write_mcr(u, value); break;
    case UART_SCR: u->scr = value; break;
    default:
        break;                      /* LSR and MSR: read-only */
    }
    uart_update_irq(u);
}

const struct dm_device_ops uart16550_ops = {
    .read = uart_read,
    .write = uart_write,
};

void uart16550_init(struct uart16550 *u, const struct dm_platform *pf,
                    unsigned int irq)
{
    memset(u, 0, sizeof(*u));
    u->pf = pf;
    u->irq = irq;
    u->divisor = 12;                /* 9600 baud; firmware sets its own */
}

void uart16550_receive(struct uart16550 *u, const char *buf, size_t len)
{
    if (u->mcr & UART_MCR_LOOP)
        return;                     /* the serial input is disconnected */
    for (size_t i = 0; i < len; i++)
        uart_rx_push(u, (uint8_t)buf[i]);
    uart_update_irq(u);
}

unsigned int uart16550_rx_space(const struct uart16550 *u)
{
    if (u->mcr & UART_MCR_LOOP)
        return 0;
    return uart_rx_capacity(u) - u->rx_count;
}
