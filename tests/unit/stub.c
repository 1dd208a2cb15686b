/*
 * tests/unit/stub.c: host versions of printk() and panic() for unit tests
 * (see stub.h). Not force-included with stub.h: it is compiled as a
 * normal host source with the kernel headers on the include path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char stub_log[16384];
int stub_panics;
char stub_panic_msg[512];
jmp_buf stub_panic_jmp;
bool stub_panic_armed;

void stub_reset(void)
{
    stub_log[0] = '\0';
    stub_panics = 0;
    stub_panic_msg[0] = '\0';
}

void printk(int level, const char *fmt, ...);
void printk(int level, const char *fmt, ...)
{
    size_t used = strlen(stub_log);
    va_list ap;
    (void)level;
    va_start(ap, fmt);
    vsnprintf(stub_log + used, sizeof(stub_log) - used, fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...) __attribute__((noreturn));
void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(stub_panic_msg, sizeof(stub_panic_msg), fmt, ap);
    va_end(ap);
    stub_panics++;
    if (stub_panic_armed)
        longjmp(stub_panic_jmp, 1);
    fprintf(stderr, "unexpected panic: %s\n", stub_panic_msg);
    abort();
}
