/*
 * include/tern/percpu.h: per-CPU data.
 *
 * Each CPU has one struct percpu, reached through the GS base (IA32_GS_BASE
 * holds its address; its first field points to itself, so one
 * "mov %gs:0" finds it). Today there is one CPU; the APs of an SMP boot
 * will get their own areas from percpu_init_cpu() without other changes.
 */
#ifndef TERN_PERCPU_H
#define TERN_PERCPU_H

#include <tern/compiler.h>

#define MAX_CPUS        64

struct tss;

struct hvm_regs;

struct percpu {
    struct percpu *self;        /* %gs:0; keep first */
    /* Used by kernel/user_entry.asm at fixed offsets (PERCPU_* below). */
    struct hvm_regs *user_regs; /* the running ring-3 vCPU's registers */
    uint64_t user_return_rsp;   /* where user_enter() left the scheduler */
    uint64_t user_kstack_top;   /* stack for SYSCALL and traps from ring 3 */
    uint64_t scratch;
    unsigned int cpu_id;        /* dense, 0 = boot CPU */
    uint32_t apic_id;
    struct tss *tss;
    uint64_t kernel_stack_top;
    unsigned int irq_depth;     /* nested interrupt/exception depth */
    uint64_t ticks;             /* local timer interrupts seen */
    struct vcpu *current;       /* the vCPU running on this CPU, or NULL */
};

#define PERCPU_USER_REGS        8
#define PERCPU_USER_RETURN_RSP  16
#define PERCPU_USER_KSTACK_TOP  24
#define PERCPU_SCRATCH          32
_Static_assert(offsetof(struct percpu, user_regs) == PERCPU_USER_REGS, "asm");
_Static_assert(offsetof(struct percpu, user_return_rsp) == PERCPU_USER_RETURN_RSP, "asm");
_Static_assert(offsetof(struct percpu, user_kstack_top) == PERCPU_USER_KSTACK_TOP, "asm");
_Static_assert(offsetof(struct percpu, scratch) == PERCPU_SCRATCH, "asm");

static inline struct percpu *this_cpu(void)
{
    struct percpu *p;
    __asm__ __volatile__("mov %%gs:0, %0" : "=r"(p));
    return p;
}

extern struct percpu percpu_areas[MAX_CPUS];
extern unsigned int nr_cpus;

/* Point GS at this CPU's area; called first on each CPU. */
void percpu_init_cpu(unsigned int cpu_id, uint64_t stack_top);

#endif
