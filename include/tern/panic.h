/*
 * include/tern/panic.h: stopping the machine on a hypervisor bug.
 *
 * panic() prints the message, a register dump with a symbolised RIP and a
 * backtrace, then stops this CPU. It is for Tern's own bugs only: a guest's
 * or a device model's mistake crashes that domain instead.
 */
#ifndef TERN_PANIC_H
#define TERN_PANIC_H

#include <tern/compiler.h>

/* General-purpose registers as the exception entry (kernel/entry.asm)
 * saves them; the hardware frame follows. Keep in step with entry.asm. */
struct cpu_regs {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    /* Pushed by the CPU: */
    uint64_t rip, cs, rflags, rsp, ss;
};

__noreturn void panic(const char *fmt, ...) __printf(1, 2);
/* Print every register in 'r', decoded, with RIP symbolised. */
void dump_regs(const struct cpu_regs *r);
/* Walk the frame-pointer chain from 'rbp' and print each return address. */
void dump_backtrace(uint64_t rbp);
/* Stop this CPU for good, interrupts off. */
__noreturn void halt_forever(void);

#define BUG_ON(cond)                                                    \
    do {                                                                \
        if (unlikely(cond))                                             \
            panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__);    \
    } while (0)

#define ASSERT(cond)                                                    \
    do {                                                                \
        if (unlikely(!(cond)))                                          \
            panic("assertion '%s' failed at %s:%d", #cond, __FILE__,    \
                  __LINE__);                                            \
    } while (0)

#endif
