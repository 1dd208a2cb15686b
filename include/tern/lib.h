/*
 * include/tern/lib.h: the small C library the kernel carries
 * (kernel/lib/): memory and string functions, formatted output, and
 * number parsing. Freestanding: no allocation, no locale, no floats.
 */
#ifndef TERN_LIB_H
#define TERN_LIB_H

#include <stdarg.h>
#include <tern/compiler.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *dst, const char *src);
char *strchr(const char *s, int c);
/* Copy at most size-1 bytes and always NUL-terminate (when size > 0). */
size_t strlcpy(char *dst, const char *src, size_t size);

/*
 * vsnprintf: %d %i %u %x %X %o %p %s %c %%, with flags '-', '0', '#',
 * width (or '*'), precision for strings, and length modifiers hh h l ll z.
 * Returns the length the full output would have had, like C99.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/*
 * Parse an unsigned number in [s, s+len): decimal, 0x hex, or with a
 * K/M/G suffix (binary multiples). Returns 0 or -EINVAL/-ERANGE.
 */
int parse_u64(const char *s, size_t len, uint64_t *out);

#endif
