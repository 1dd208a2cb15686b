/*
 * kernel/lib/printf.c: vsnprintf/snprintf, the only formatter in Tern.
 * printk() (kernel/console.c) formats into a buffer with it. Pure C, no
 * state: safe from any context, including exception handlers.
 */
#include <tern/lib.h>

struct out {
    char *buf;
    size_t size, pos;
};

static void out_char(struct out *o, char c)
{
    if (o->pos + 1 < o->size)
        o->buf[o->pos] = c;
    o->pos++;
}

static void out_pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        out_char(o, c);
}

/* One formatted conversion's flags and sizes. */
struct spec {
    bool left, zero, alt;
    int width, prec;
};

static void out_string(struct out *o, const char *s, const struct spec *sp)
{
    if (!s)
        s = "(null)";
    int len = (int)strnlen(s, sp->prec >= 0 ? (size_t)sp->prec : SIZE_MAX);
    if (!sp->left)
        out_pad(o, ' ', sp->width - len);
    for (int i = 0; i < len; i++)
        out_char(o, s[i]);
    if (sp->left)
        out_pad(o, ' ', sp->width - len);
}

static void out_number(struct out *o, uint64_t v, bool neg, unsigned base,
                       bool upper, const struct spec *sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;

    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);

    const char *prefix = neg ? "-" : (sp->alt && base == 16) ?
                         (upper ? "0X" : "0x") : "";
    int plen = (int)strlen(prefix);
    int pad = sp->width - n - plen;

    if (!sp->left && !sp->zero)
        out_pad(o, ' ', pad);
    for (int i = 0; i < plen; i++)
        out_char(o, prefix[i]);
    if (!sp->left && sp->zero)
        out_pad(o, '0', pad);
    while (n)
        out_char(o, tmp[--n]);
    if (sp->left)
        out_pad(o, ' ', pad);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { .buf = buf, .size = size, .pos = 0 };

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            out_char(&o, *fmt);
            continue;
        }
        struct spec sp = { .prec = -1 };
        for (;; fmt++) {
            if (fmt[1] == '-')
                sp.left = true;
            else if (fmt[1] == '0')
                sp.zero = true;
            else if (fmt[1] == '#')
                sp.alt = true;
            else
                break;
        }
        fmt++;
        if (*fmt == '*') {
            sp.width = va_arg(ap, int);
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            sp.width = sp.width * 10 + (*fmt++ - '0');
        if (*fmt == '.') {
            fmt++;
            sp.prec = 0;
            if (*fmt == '*') {
                sp.prec = va_arg(ap, int);
                fmt++;
            }
            while (*fmt >= '0' && *fmt <= '9')
                sp.prec = sp.prec * 10 + (*fmt++ - '0');
        }
        int lng = 0;        /* 0 int, 1 long, 2 long long/size_t, -1 short, -2 char */
        for (;; fmt++) {
            if (*fmt == 'l' || *fmt == 'z')
                lng = lng < 2 ? lng + 1 + (*fmt == 'z') : 2;
            else if (*fmt == 'h')
                lng = lng > -2 ? lng - 1 : -2;
            else
                break;
        }
        if (lng > 2)
            lng = 2;

        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = lng >= 1 ? va_arg(ap, int64_t) : va_arg(ap, int);
            if (lng == -1)
                v = (short)v;
            else if (lng == -2)
                v = (signed char)v;
            out_number(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10,
                       false, &sp);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uint64_t v = lng >= 1 ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            if (lng == -1)
                v = (unsigned short)v;
            else if (lng == -2)
                v = (unsigned char)v;
            unsigned base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
            out_number(&o, v, false, base, *fmt == 'X', &sp);
            break;
        }
        case 'p':
            sp.alt = true;
            out_number(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, &sp);
            break;
        case 's':
            out_string(&o, va_arg(ap, const char *), &sp);
            break;
        case 'c':
            out_char(&o, (char)va_arg(ap, int));
            break;
        case '%':
            out_char(&o, '%');
            break;
        case '\0':
            fmt--;          /* a lone '%' at the end: stop cleanly */
            break;
        default:            /* unknown conversion: print it as written */
            out_char(&o, '%');
            out_char(&o, *fmt);
            break;
        }
    }
    if (o.size)
        o.buf[o.pos < o.size ? o.pos : o.size - 1] = '\0';
    return (int)o.pos;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
