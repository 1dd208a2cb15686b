/*
 * include/tern/console.h: the kernel console and printk().
 *
 * Output goes to every enabled sink: the COM1 16550 UART (115200 8N1)
 * and the 0xe9 debug port that QEMU (-debugcon) and Bochs (port_e9_hack)
 * capture. The console= option picks sinks. Messages above the loglevel=
 * option are dropped.
 */
#ifndef TERN_CONSOLE_H
#define TERN_CONSOLE_H

#include <tern/compiler.h>

enum log_level {
    LOG_EMERG = 0,      /* the machine is going down */
    LOG_ERR = 3,        /* something failed */
    LOG_WARN = 4,       /* something is odd; Tern goes on */
    LOG_INFO = 6,       /* boot progress, the default limit */
    LOG_DEBUG = 7,      /* detail for developers */
};

#define CONSOLE_SERIAL  (1u << 0)
#define CONSOLE_E9      (1u << 1)

void console_init(void);
/* Choose sinks (CONSOLE_*); keeps serial if asked for but absent. */
void console_set_sinks(unsigned int sinks);
void console_set_loglevel(int level);
int console_get_loglevel(void);
bool console_serial_present(void);
/* Move bytes COM1 has received into the input ring (the timer tick). */
void console_poll_input(void);
/* Take up to 'len' received bytes; how many. */
size_t console_read(char *buf, size_t len);

void printk(int level, const char *fmt, ...) __printf(2, 3);
/* Raw write to every sink, no lock and no prefix; for panic(). */
void console_write_unlocked(const char *s, size_t n);

#define pr_err(...)     printk(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)    printk(LOG_WARN, __VA_ARGS__)
#define pr_info(...)    printk(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)   printk(LOG_DEBUG, __VA_ARGS__)

#endif
