/*
 * include/tern/cmdline.h: Tern's boot options (kernel/cmdline.c).
 *
 * The one parser of the kernel command line. Options are words
 * "name=value" separated by spaces; the full list, with defaults, is in
 * README.md ("Boot options"). An unknown or malformed option prints a
 * warning that names it, and boot continues with the default.
 */
#ifndef TERN_CMDLINE_H
#define TERN_CMDLINE_H

#include <tern/compiler.h>

#define CMDLINE_MAX_LIST    16      /* entries in test=, trace=, modules= */
#define CMDLINE_NAME_MAX    32

enum onpanic {
    ONPANIC_HALT,           /* default: stop, keep the report on screen */
    ONPANIC_SHUTDOWN,       /* power off with a failure status (tests) */
    ONPANIC_REBOOT,
};

/* Trace classes for trace= (hvm.c, kernel/ioreq/, hypercall.c). */
#define TRACE_EXITS     (1u << 0)
#define TRACE_IOREQ     (1u << 1)
#define TRACE_EVTCHN    (1u << 2)

struct cmdline_list {
    unsigned int count;
    char names[CMDLINE_MAX_LIST][CMDLINE_NAME_MAX];
};

struct cmdline_options {
    unsigned int console;           /* CONSOLE_* sinks */
    int loglevel;                   /* 0..7 */
    enum onpanic onpanic;
    unsigned int trace;             /* TRACE_* */
    struct cmdline_list tests;      /* in-kernel self-tests to run */
    struct cmdline_list modules;    /* module names the boot must have */
    unsigned int warnings;          /* options rejected */
};

extern struct cmdline_options cmdline_options;

/* Reset 'o' to the defaults, then apply 'cmdline'. Warnings go to
 * printk(LOG_WARN) and are counted in o->warnings. */
void cmdline_parse(const char *cmdline, struct cmdline_options *o);
bool cmdline_list_has(const struct cmdline_list *l, const char *name);

#endif
