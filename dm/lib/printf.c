/*
 * dm/lib/printf.c: formatted output (dm/include/lib.h).
 *
 * vsnprintf() writes through a small cursor that counts every character
 * it was asked for, stores those that fit, and always leaves the buffer
 * NUL-terminated, so the return value is C99's: the length the whole
 * output would have had. printf() formats into one buffer of
 * TERN_CONSOLE_WRITE_MAX bytes and hands it to Tern in one hypercall, so
 * a line from one printf() is never split between domains on the console.
 *
 * Conversions: %d %i %u %x %X %p %s %c %%; flags '-' (left-justify), '0'
 * (pad with zeros) and '#' (0x before a non-zero %x); a width, or '*'; a
 * precision for %s ("%.*s"); length modifiers hh h l ll z. No floating
 * point (no SSE in ring 3).
 *
 * Context: any.
 */
#include <lib.h>
#include <tern_dm.h>

struct out {
    char *buf;
    size_t size;        /* of buf, including the NUL */
    size_t len;         /* characters produced, stored or not */
};

static void out_char(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        out_char(o, c);
}

/* A string of len bytes, padded to width (left or right). */
static void out_field(struct out *o, const char *s, size_t len, int width,
                      bool left)
{
    int pad = width > (int)len ? width - (int)len : 0;
    if (!left)
        out_pad(o, ' ', pad);
    for (size_t i = 0; i < len; i++)
        out_char(o, s[i]);
    if (left)
        out_pad(o, ' ', pad);
}

struct spec {
    bool left, zero, alt;   /* '-', '0', '#' */
    int width;
    int precision;      /* -1: none */
    int length;         /* -2 hh, -1 h, 0, 1 l, 2 ll, 3 z */
};

static void out_number(struct out *o, uint64_t v, bool negative,
                       unsigned int base, bool upper, const char *prefix,
                       const struct spec *sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;

    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    size_t plen = strlen(prefix) + (negative ? 1 : 0);
    int pad = sp->width > n + (int)plen ? sp->width - n - (int)plen : 0;

    /* Spaces go before the sign and prefix, zeros after them. */
    if (!sp->left && !sp->zero)
        out_pad(o, ' ', pad);
    if (negative)
        out_char(o, '-');
    while (*prefix)
        out_char(o, *prefix++);
    if (!sp->left && sp->zero)
        out_pad(o, '0', pad);
    while (n)
        out_char(o, tmp[--n]);
    if (sp->left)
        out_pad(o, ' ', pad);
}

/* Read the integer argument that sp->length says was passed. */
static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
    switch (sp->length) {
    case -2: return (unsigned char)va_arg(*ap, unsigned int);
    case -1: return (unsigned short)va_arg(*ap, unsigned int);
    case 0:  return va_arg(*ap, unsigned int);
    case 3:  return va_arg(*ap, size_t);
    default: return va_arg(*ap, unsigned long long);
    }
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
    switch (sp->length) {
    case -2: return (signed char)va_arg(*ap, int);
    case -1: return (short)va_arg(*ap, int);
    case 0:  return va_arg(*ap, int);
    case 3:  return (int64_t)va_arg(*ap, size_t);
    default: return va_arg(*ap, long long);
    }
}

/* Parse flags, width, precision and length at *fmt into sp. */
static const char *parse_spec(const char *fmt, struct spec *sp, va_list *ap)
{
    *sp = (struct spec){ .precision = -1 };
    for (;; fmt++) {
        if (*fmt == '-')
            sp->left = true;
        else if (*fmt == '0')
            sp->zero = true;
        else if (*fmt == '#')
            sp->alt = true;
        else
            break;
    }
    if (*fmt == '*') {
        sp->width = va_arg(*ap, int);
        if (sp->width < 0) {
            sp->left = true;
            sp->width = -sp->width;
        }
        fmt++;
    }
    while (*fmt >= '0' && *fmt <= '9')
        sp->width = sp->width * 10 + (*fmt++ - '0');
    if (*fmt == '.') {
        fmt++;
        sp->precision = 0;
        if (*fmt == '*') {
            sp->precision = va_arg(*ap, int);
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            sp->precision = sp->precision * 10 + (*fmt++ - '0');
    }
    for (;; fmt++) {
        if (*fmt == 'h')
            sp->length--;
        else if (*fmt == 'l')
            sp->length++;
        else if (*fmt == 'z')
            sp->length = 3;
        else
            break;
    }
    return fmt;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    va_list args;

    va_copy(args, ap);
    while (*fmt) {
        if (*fmt != '%') {
            out_char(&o, *fmt++);
            continue;
        }
        struct spec sp;
        fmt = parse_spec(fmt + 1, &sp, &args);
        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = arg_signed(&sp, &args);
            out_number(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10,
                       false, "", &sp);
            break;
        }
        case 'u':
            out_number(&o, arg_unsigned(&sp, &args), false, 10, false, "", &sp);
            break;
        case 'x':
        case 'X': {
            uint64_t v = arg_unsigned(&sp, &args);
            const char *prefix = !sp.alt || !v ? "" : *fmt == 'X' ? "0X" : "0x";
            out_number(&o, v, false, 16, *fmt == 'X', prefix, &sp);
            break;
        }
        case 'p':
            out_number(&o, (uintptr_t)va_arg(args, void *), false, 16, false,
                       "0x", &sp);
            break;
        case 'c': {
            char c = (char)va_arg(args, int);
            out_field(&o, &c, 1, sp.width, sp.left);
            break;
        }
        case 's': {
            const char *s = va_arg(args, const char *);
            if (!s)
                s = "(null)";
            size_t len = sp.precision >= 0 ? strnlen(s, (size_t)sp.precision)
                                           : strlen(s);
            out_field(&o, s, len, sp.width, sp.left);
            break;
        }
        case '%':
            out_char(&o, '%');
            break;
        default:
            /* Unknown or cut short: show it rather than guess. */
            out_char(&o, '%');
            if (!*fmt)
                continue;
            out_char(&o, *fmt);
            break;
        }
        fmt++;
    }
    va_end(args);
    if (size)
        buf[MIN(o.len, size - 1)] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int vprintf(const char *fmt, va_list ap)
{
    char buf[TERN_CONSOLE_WRITE_MAX + 1];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    return (int)tern_console_write(buf, (size_t)MIN(n, TERN_CONSOLE_WRITE_MAX));
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

void die(const char *fmt, ...)
{
    char buf[TERN_CONSOLE_WRITE_MAX - 8];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    size_t len = strlen(buf);
    printf("die: %s%s", buf, len && buf[len - 1] == '\n' ? "" : "\n");
    tern_shutdown(1);
}
