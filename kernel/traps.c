/*
 * kernel/traps.c: the IDT, exception reports, interrupt dispatch, panic().
 *
 * Every exception Tern takes in ring 0 is a Tern bug (guests' exceptions
 * arrive as VM exits, not here), so it is reported like a panic: name,
 * vector, decoded error code, CR2, every register, the symbolised RIP and
 * a backtrace; then the CPU stops (or the machine shuts down, with
 * onpanic=shutdown, which the tests use). Interrupts (vectors >= 32) go
 * to handlers registered with irq_register().
 *
 * Context: trap_dispatch() runs on the interrupted stack, or an IST stack
 * for #DF, NMI and #MC, with interrupts off (all gates are interrupt gates).
 */
#include <tern/cmdline.h>
#include <tern/console.h>
#include <tern/desc.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/panic.h>
#include <tern/percpu.h>
#include <tern/power.h>
#include <tern/symbols.h>
#include <tern/time.h>
#include <tern/user.h>
#include <tern/x86.h>

#define GATE_INTERRUPT  0x8e    /* P, DPL 0, 64-bit interrupt gate */

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __packed;
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate is 16 bytes");

static struct idt_gate idt[256] __aligned(16);
static irq_handler_t irq_handlers[256];
extern const uint8_t trap_stubs[];      /* kernel/entry.asm, 16 bytes each */
#define TRAP_STUB_SIZE  16

/* Intel SDM Vol. 3A, "Exception and Interrupt Reference". */
static const char *const exception_names[32] = {
    [0] = "#DE Divide Error",           [1] = "#DB Debug",
    [2] = "NMI Non-maskable Interrupt", [3] = "#BP Breakpoint",
    [4] = "#OF Overflow",               [5] = "#BR BOUND Range Exceeded",
    [6] = "#UD Invalid Opcode",         [7] = "#NM Device Not Available",
    [8] = "#DF Double Fault",           [9] = "Coprocessor Segment Overrun",
    [10] = "#TS Invalid TSS",           [11] = "#NP Segment Not Present",
    [12] = "#SS Stack-Segment Fault",   [13] = "#GP General Protection",
    [14] = "#PF Page Fault",            [16] = "#MF x87 Floating-Point Error",
    [17] = "#AC Alignment Check",       [18] = "#MC Machine Check",
    [19] = "#XM SIMD Floating-Point",   [20] = "#VE Virtualization Exception",
    [21] = "#CP Control Protection",    [28] = "#HV Hypervisor Injection",
    [29] = "#VC VMM Communication",     [30] = "#SX Security Exception",
};

static void idt_set_gate(uint8_t vector, uint64_t handler, uint8_t ist)
{
    idt[vector] = (struct idt_gate){
        .offset_low = handler & 0xffff,
        .selector = GDT_KERNEL_CS,
        .ist = ist,
        .type_attr = GATE_INTERRUPT,
        .offset_mid = (handler >> 16) & 0xffff,
        .offset_high = handler >> 32,
    };
}

void idt_load(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __packed p = { sizeof(idt) - 1, (uint64_t)idt };
    __asm__ __volatile__("lidt %0" :: "m"(p));
}

void idt_init(void)
{
    for (int v = 0; v < 256; v++)
        idt_set_gate((uint8_t)v, (uint64_t)&trap_stubs[v * TRAP_STUB_SIZE], 0);
    /* Faults that may arrive on a broken stack get known-good stacks. */
    idt_set_gate(8, (uint64_t)&trap_stubs[8 * TRAP_STUB_SIZE], IST_DOUBLE_FAULT);
    idt_set_gate(2, (uint64_t)&trap_stubs[2 * TRAP_STUB_SIZE], IST_NMI);
    idt_set_gate(18, (uint64_t)&trap_stubs[18 * TRAP_STUB_SIZE], IST_MACHINE_CHECK);
    idt_load();
}

void irq_register(uint8_t vector, irq_handler_t fn)
{
    irq_handlers[vector] = fn;
}

/* ---- reporting ---- */

/* Unlocked formatted output: reports must get out even if a CPU died
 * holding the console lock. */
static void __printf(1, 2) report(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_write_unlocked(buf, MIN((size_t)n, sizeof(buf) - 1));
}

static void report_symbol(const char *label, uint64_t addr)
{
    uint64_t off;
    const char *name = symbols_lookup(addr, &off);
    if (name)
        report("%s%016lx <%s+%#lx>\n", label, addr, name, off);
    else
        report("%s%016lx\n", label, addr);
}

static void decode_error_code(uint64_t vector, uint64_t ec)
{
    if (vector == 14) {
        /* Intel SDM Vol. 3A, "Interrupt 14-Page-Fault Exception (#PF)". */
        report("  error code %#lx: %s, %s, %s%s%s%s\n", ec,
               ec & 1 ? "protection violation" : "page not present",
               ec & 2 ? "write" : "read",
               ec & 4 ? "user mode" : "supervisor mode",
               ec & 8 ? ", reserved bit set" : "",
               ec & 16 ? ", instruction fetch" : "",
               ec & 32 ? ", protection key" : "");
    } else if (vector == 10 || vector == 11 || vector == 12 || vector == 13 ||
               vector == 17) {
        /* Selector error code: EXT, IDT, TI, index. */
        if (ec == 0)
            report("  error code 0\n");
        else
            report("  error code %#lx: %s %s index %#lx%s\n", ec,
                   ec & 2 ? "IDT" : (ec & 4 ? "LDT" : "GDT"),
                   ec & 2 ? "vector" : "selector", (ec >> 3) & 0x1fff,
                   ec & 1 ? " (external event)" : "");
    } else {
        report("  error code %#lx\n", ec);
    }
}

void dump_regs(const struct cpu_regs *r)
{
    report_symbol("  RIP ", r->rip);
    report("  CS %04lx  RFLAGS %016lx  SS %04lx  RSP %016lx\n",
           r->cs, r->rflags, r->ss, r->rsp);
    report("  RAX %016lx  RBX %016lx  RCX %016lx\n", r->rax, r->rbx, r->rcx);
    report("  RDX %016lx  RSI %016lx  RDI %016lx\n", r->rdx, r->rsi, r->rdi);
    report("  RBP %016lx  R8  %016lx  R9  %016lx\n", r->rbp, r->r8, r->r9);
    report("  R10 %016lx  R11 %016lx  R12 %016lx\n", r->r10, r->r11, r->r12);
    report("  R13 %016lx  R14 %016lx  R15 %016lx\n", r->r13, r->r14, r->r15);
    report("  CR0 %016lx  CR2 %016lx  CR3 %016lx  CR4 %016lx\n",
           read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

void dump_backtrace(uint64_t rbp)
{
    report("  backtrace:\n");
    /* Frames are [saved rbp][return address]; stop at a null or
     * non-kernel rbp, or after 16 frames, whatever comes first. */
    for (int depth = 0; depth < 16 && rbp >= DIRECT_MAP_BASE &&
         (rbp & 7) == 0; depth++) {
        const uint64_t *frame = (const uint64_t *)rbp;
        if (!frame[1])
            break;
        report_symbol("    ", frame[1]);
        rbp = frame[0];
    }
}

__noreturn void halt_forever(void)
{
    for (;;) {
        irq_disable();
        hlt();
    }
}

/* Stop after a fatal report, as onpanic= asks. */
static __noreturn void fatal_stop(void)
{
    switch (cmdline_options.onpanic) {
    case ONPANIC_SHUTDOWN:
        report("Tern: shutting down after a fatal error (onpanic=shutdown)\n");
        machine_shutdown(SHUTDOWN_STATUS_PANIC);
    case ONPANIC_REBOOT:
        report("Tern: rebooting after a fatal error (onpanic=reboot)\n");
        machine_reboot();
    case ONPANIC_HALT:
    default:
        report("Tern: system halted.\n");
        halt_forever();
    }
}

__noreturn void panic(const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    irq_disable();
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    report("\n*** PANIC: %s\n", msg);

    /* Capture this function's own registers for the dump. */
    struct cpu_regs r = { 0 };
    __asm__ __volatile__(
        "mov %%rax, %0\n\tmov %%rbx, %1\n\tmov %%rcx, %2\n\tmov %%rdx, %3\n\t"
        "mov %%rsi, %4\n\tmov %%rdi, %5\n\tmov %%rbp, %6\n\tmov %%rsp, %7\n\t"
        : "=m"(r.rax), "=m"(r.rbx), "=m"(r.rcx), "=m"(r.rdx),
          "=m"(r.rsi), "=m"(r.rdi), "=m"(r.rbp), "=m"(r.rsp));
    __asm__ __volatile__(
        "mov %%r8, %0\n\tmov %%r9, %1\n\tmov %%r10, %2\n\tmov %%r11, %3\n\t"
        "mov %%r12, %4\n\tmov %%r13, %5\n\tmov %%r14, %6\n\tmov %%r15, %7\n\t"
        : "=m"(r.r8), "=m"(r.r9), "=m"(r.r10), "=m"(r.r11),
          "=m"(r.r12), "=m"(r.r13), "=m"(r.r14), "=m"(r.r15));
    __asm__ __volatile__("leaq 0(%%rip), %0\n\tmov %%cs, %1\n\tmov %%ss, %2"
                         : "=r"(r.rip), "=r"(r.cs), "=r"(r.ss));
    r.rflags = read_rflags();
    dump_regs(&r);
    dump_backtrace((uint64_t)__builtin_frame_address(0));
    fatal_stop();
}

static void report_exception(const struct cpu_regs *r)
{
    const char *name = r->vector < 32 && exception_names[r->vector] ?
                       exception_names[r->vector] : "reserved exception";

    report("\n*** EXCEPTION %s (vector %lu) in %s mode on CPU %u\n", name,
           r->vector, (r->cs & 3) ? "user" : "kernel", this_cpu()->cpu_id);
    decode_error_code(r->vector, r->error_code);
    if (r->vector == 14)
        report_symbol("  faulting address (CR2) ", read_cr2());
    dump_regs(r);
    dump_backtrace(r->rbp);
}

/* Called from kernel/entry.asm only. */
void trap_dispatch(struct cpu_regs *r);

void trap_dispatch(struct cpu_regs *r)
{
    struct percpu *cpu = this_cpu();

    if (r->vector >= 32) {
        irq_handler_t fn = irq_handlers[r->vector];
        cpu->irq_depth++;
        if (fn)
            fn(r);
        else if (r->vector != VECTOR_SPURIOUS)
            pr_warn("irq: unexpected interrupt vector %#lx\n", r->vector);
        cpu->irq_depth--;
        if (r->cs & 3)
            user_trap(r);       /* may end the ring-3 domain's slice */
        return;
    }
    if ((r->cs & 3) && r->vector != 2 && r->vector != 18)
        user_trap(r);           /* a ring-3 domain faulted: it dies */
    if (r->vector == 2) {
        /* An NMI nobody asked for: report it and go on. */
        report("NMI received on CPU %u at %016lx\n", cpu->cpu_id, r->rip);
        return;
    }
    report_exception(r);
    fatal_stop();
}
