/*
 * kernel/console.c: printk() and the console sinks (COM1, port 0xe9).
 *
 * printk formats into a buffer on the caller's stack, then writes the
 * line to each sink under console_lock with interrupts masked, so lines
 * from an interrupt handler never interleave with others. Each line gets
 * a "[seconds.micros]" stamp once the TSC is calibrated. panic() bypasses
 * the lock with console_write_unlocked(): a CPU that died holding it must
 * still be able to say why.
 *
 * Input: console_poll_input(), from the timer tick, moves what COM1 has
 * received into a small ring (Tern takes no UART interrupts); a device
 * model takes it with console_read() (TERN_DMOP_console_read) and feeds
 * its guest's emulated UART.
 */
#include <tern/console.h>
#include <tern/fbcon.h>
#include <tern/lib.h>
#include <tern/spinlock.h>
#include <tern/time.h>
#include <tern/x86.h>

#define COM1            0x3f8
#define UART_THR        0       /* transmit holding (write) */
#define UART_IER        1
#define UART_FCR        2
#define UART_LCR        3
#define UART_MCR        4
#define UART_LSR        5
#define UART_SCR        7
#define UART_DLL        0       /* divisor latch, when LCR.DLAB = 1 */
#define UART_DLM        1
#define LCR_8N1         0x03
#define LCR_DLAB        0x80
#define LSR_THRE        0x20    /* transmit holding register empty */
#define LSR_DR          0x01    /* data ready */
#define UART_RBR        0       /* receive buffer (read) */
#define MCR_DTR_RTS     0x03
#define MCR_LOOP        0x10
#define DEBUG_PORT_E9   0xe9

/* Serialises output to the sinks, so lines never interleave. */
static struct spinlock console_lock = SPINLOCK_INIT;
static unsigned int console_sinks = CONSOLE_SERIAL | CONSOLE_E9;
static bool serial_present;
static int loglevel = LOG_INFO;

/* Received bytes: written by the timer interrupt, read by hypercalls
 * with interrupts off; one CPU, so the two never overlap. */
static char input[256];
static unsigned int input_head, input_len;

void console_poll_input(void)
{
    if (!serial_present || !(console_sinks & CONSOLE_SERIAL))
        return;
    for (int i = 0; i < 16 && (inb(COM1 + UART_LSR) & LSR_DR); i++) {
        char c = (char)inb(COM1 + UART_RBR);
        if (input_len < sizeof(input))
            input[(input_head + input_len++) % sizeof(input)] = c;
    }
}

size_t console_read(char *buf, size_t len)
{
    size_t n = 0;
    for (; n < len && input_len; n++, input_len--) {
        buf[n] = input[input_head];
        input_head = (input_head + 1) % sizeof(input);
    }
    return n;
}

/*
 * A 16550 is there if its scratch register keeps a value and, in loopback
 * mode, a byte sent comes back. Laptops without a COM port read 0xff.
 */
static bool serial_probe(void)
{
    outb(COM1 + UART_SCR, 0x5a);
    if (inb(COM1 + UART_SCR) != 0x5a)
        return false;
    outb(COM1 + UART_MCR, MCR_LOOP | MCR_DTR_RTS);
    outb(COM1 + UART_THR, 0xa5);
    for (int i = 0; i < 1000; i++) {
        if (inb(COM1 + UART_LSR) & 0x01)
            break;
    }
    bool ok = inb(COM1 + UART_THR) == 0xa5;
    outb(COM1 + UART_MCR, MCR_DTR_RTS);
    return ok;
}

void console_init(void)
{
    outb(COM1 + UART_IER, 0x00);            /* no UART interrupts */
    outb(COM1 + UART_LCR, LCR_DLAB);
    outb(COM1 + UART_DLL, 1);               /* 115200 = 115200 / 1 */
    outb(COM1 + UART_DLM, 0);
    outb(COM1 + UART_LCR, LCR_8N1);
    outb(COM1 + UART_FCR, 0xc7);            /* enable + clear FIFOs */
    serial_present = serial_probe();
}

bool console_serial_present(void)
{
    return serial_present;
}

void console_set_sinks(unsigned int sinks)
{
    console_sinks = sinks;
}

void console_set_loglevel(int level)
{
    loglevel = level;
}

int console_get_loglevel(void)
{
    return loglevel;
}

static void serial_putc(char c)
{
    /* Bounded wait: a wedged UART must not hang the hypervisor. */
    for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
        cpu_relax();
    outb(COM1 + UART_THR, (uint8_t)c);
}

void console_write_unlocked(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((console_sinks & CONSOLE_SERIAL) && serial_present) {
            if (s[i] == '\n')
                serial_putc('\r');
            serial_putc(s[i]);
        }
        if (console_sinks & CONSOLE_E9)
            outb(DEBUG_PORT_E9, (uint8_t)s[i]);
    }
    fbcon_write(s, n);                  /* the screen mirrors every sink */
}

void printk(int level, const char *fmt, ...)
{
    char line[512];
    int n = 0;
    va_list ap;

    if (level > loglevel)
        return;
    uint64_t ns = time_ns();
    if (ns)
        n = snprintf(line, sizeof(line), "[%5lu.%06lu] ",
                     ns / NSEC_PER_SEC, ns % NSEC_PER_SEC / 1000);
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    if ((size_t)n >= sizeof(line))
        n = sizeof(line) - 1;

    uint64_t flags = spin_lock_irqsave(&console_lock);
    console_write_unlocked(line, (size_t)n);
    spin_unlock_irqrestore(&console_lock, flags);
}
