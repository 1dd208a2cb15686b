/*
 * kernel/cmdline.c: parse the kernel command line into struct
 * cmdline_options.
 *
 * Each option has a parser that returns true when it accepted the value;
 * a rejected value leaves the default in place and is reported with what
 * was expected. Pure logic with printk as its only dependency: unit-tested
 * in tests/unit/test_cmdline.c.
 *
 * Context: boot, once, after console_init().
 */
#include <tern/cmdline.h>
#include <tern/console.h>
#include <tern/lib.h>

struct cmdline_options cmdline_options;

/* A value: not NUL-terminated, [s, s + len). */
struct word {
    const char *s;
    size_t len;
};

static bool word_is(struct word w, const char *lit)
{
    return strlen(lit) == w.len && memcmp(w.s, lit, w.len) == 0;
}

/* Parse a comma-separated list of names; calls 'accept' on each. */
static bool parse_list(struct word v, struct cmdline_list *l,
                       bool (*accept)(struct word name, void *arg), void *arg)
{
    size_t i = 0;
    while (i <= v.len) {
        size_t j = i;
        while (j < v.len && v.s[j] != ',')
            j++;
        struct word name = { v.s + i, j - i };
        if (name.len == 0 || name.len >= CMDLINE_NAME_MAX ||
            l->count >= CMDLINE_MAX_LIST || (accept && !accept(name, arg)))
            return false;
        memcpy(l->names[l->count], name.s, name.len);
        l->names[l->count][name.len] = '\0';
        l->count++;
        i = j + 1;
    }
    return true;
}

static bool opt_console(struct word v, struct cmdline_options *o)
{
    unsigned int sinks = 0;
    size_t i = 0;
    while (i <= v.len) {
        size_t j = i;
        while (j < v.len && v.s[j] != ',')
            j++;
        struct word name = { v.s + i, j - i };
        if (word_is(name, "serial"))
            sinks |= CONSOLE_SERIAL;
        else if (word_is(name, "e9"))
            sinks |= CONSOLE_E9;
        else
            return false;
        i = j + 1;
    }
    o->console = sinks;
    return true;
}

static bool opt_loglevel(struct word v, struct cmdline_options *o)
{
    uint64_t n;
    if (parse_u64(v.s, v.len, &n) != 0 || n > LOG_DEBUG)
        return false;
    o->loglevel = (int)n;
    return true;
}

static bool opt_onpanic(struct word v, struct cmdline_options *o)
{
    if (word_is(v, "halt"))
        o->onpanic = ONPANIC_HALT;
    else if (word_is(v, "shutdown"))
        o->onpanic = ONPANIC_SHUTDOWN;
    else if (word_is(v, "reboot"))
        o->onpanic = ONPANIC_REBOOT;
    else
        return false;
    return true;
}

static const struct {
    const char *name;
    unsigned int bit;
} trace_classes[] = {
    { "exits", TRACE_EXITS },
    { "ioreq", TRACE_IOREQ },
    { "evtchn", TRACE_EVTCHN },
};

static bool accept_trace(struct word name, void *arg)
{
    unsigned int *trace = arg;
    for (size_t i = 0; i < ARRAY_SIZE(trace_classes); i++) {
        if (word_is(name, trace_classes[i].name)) {
            *trace |= trace_classes[i].bit;
            return true;
        }
    }
    return false;
}

static bool opt_trace(struct word v, struct cmdline_options *o)
{
    struct cmdline_list scratch = { 0 };
    unsigned int trace = 0;
    if (!parse_list(v, &scratch, accept_trace, &trace))
        return false;
    o->trace = trace;
    return true;
}

/* A list of names, replacing *dst only when all of it parses. */
static bool opt_names(struct word v, struct cmdline_list *dst)
{
    struct cmdline_list l = { 0 };
    if (!parse_list(v, &l, NULL, NULL))
        return false;
    *dst = l;
    return true;
}

static bool opt_test(struct word v, struct cmdline_options *o)
{
    return opt_names(v, &o->tests);
}

static bool opt_modules(struct word v, struct cmdline_options *o)
{
    return opt_names(v, &o->modules);
}

static const struct option {
    const char *name;
    bool (*parse)(struct word v, struct cmdline_options *o);
    const char *expected;
} options[] = {
    { "console",  opt_console,  "a list of serial,e9" },
    { "loglevel", opt_loglevel, "a number 0-7" },
    { "onpanic",  opt_onpanic,  "halt, shutdown or reboot" },
    { "trace",    opt_trace,    "a list of exits,ioreq,evtchn" },
    { "test",     opt_test,     "a list of self-test names" },
    { "modules",  opt_modules,  "a list of module names" },
};

static void apply_option(struct word w, struct cmdline_options *o)
{
    size_t eq = 0;
    while (eq < w.len && w.s[eq] != '=')
        eq++;
    struct word key = { w.s, eq };
    struct word val = { w.s + eq + 1, eq < w.len ? w.len - eq - 1 : 0 };

    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        if (!word_is(key, options[i].name))
            continue;
        if (eq == w.len || val.len == 0) {
            pr_warn("cmdline: '%.*s' needs a value (%s=...); ignored\n",
                    (int)w.len, w.s, options[i].name);
            o->warnings++;
        } else if (!options[i].parse(val, o)) {
            pr_warn("cmdline: bad value in '%.*s': expected %s; "
                    "keeping the default\n", (int)w.len, w.s,
                    options[i].expected);
            o->warnings++;
        }
        return;
    }
    pr_warn("cmdline: unknown option '%.*s' ignored (known: console= "
            "loglevel= onpanic= trace= test= modules=)\n", (int)w.len, w.s);
    o->warnings++;
}

void cmdline_parse(const char *cmdline, struct cmdline_options *o)
{
    *o = (struct cmdline_options){
        .console = CONSOLE_SERIAL | CONSOLE_E9,
        .loglevel = LOG_INFO,
        .onpanic = ONPANIC_HALT,
    };

    const char *p = cmdline;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (p > start)
            apply_option((struct word){ start, (size_t)(p - start) }, o);
    }
}

bool cmdline_list_has(const struct cmdline_list *l, const char *name)
{
    for (unsigned i = 0; i < l->count; i++)
        if (strcmp(l->names[i], name) == 0)
            return true;
    return false;
}
