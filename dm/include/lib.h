/*
 * dm/include/lib.h: the small C library of ring-3 domains (dm/lib/):
 * memory and string functions, formatted output to Tern's console, and
 * reading "key=value" words from the module command line.
 *
 * Freestanding: no allocation, no locale, no floating point (dm/ is built
 * with -mgeneral-regs-only, see dm/Makefile).
 */
#ifndef DM_LIB_H
#define DM_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)       ((a) < (b) ? (a) : (b))
#define MAX(a, b)       ((a) > (b) ? (a) : (b))

#define __printf(f, a)  __attribute__((__format__(__printf__, f, a)))
#define __noreturn      __attribute__((noreturn))

/* dm/lib/string.c. gcc may call the first four for struct copies. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* Copy at most size-1 bytes and always NUL-terminate (when size > 0). */
size_t strlcpy(char *dst, const char *src, size_t size);

/*
 * dm/lib/printf.c. vsnprintf: %d %i %u %x %X %p %s %c %%, flags '-', '0'
 * and '#', width (or '*'), precision for %s, length modifiers hh h l ll z.
 * Returns the length the whole output would have had, like C99.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
/* Format and write to Tern's console in one hypercall; output past
 * TERN_CONSOLE_WRITE_MAX bytes is cut. Returns what was written or a
 * negative TERN_E*. */
int printf(const char *fmt, ...) __printf(1, 2);
int vprintf(const char *fmt, va_list ap);
/* Print "die: <message>" and shut down with status 1. */
__noreturn void die(const char *fmt, ...) __printf(1, 2);

/*
 * dm/lib/cmdline.c: the words of a module command line,
 * "name=ping role=user count=10000".
 *   cmdline_get      copy the value of "key=VALUE" into out (cut to
 *                    size-1 bytes); false when there is no such word
 *   cmdline_get_u64  its value as a number (decimal or 0x hex); def when
 *                    the word is absent; false when it is not a number
 *   parse_u64        all of [s, s+len) as decimal or 0x hex
 */
bool cmdline_get(const char *cmdline, const char *key, char *out, size_t size);
bool cmdline_get_u64(const char *cmdline, const char *key, uint64_t def,
                     uint64_t *out);
bool parse_u64(const char *s, size_t len, uint64_t *out);

#endif
