/*
 * kernel/percpu.c: per-CPU areas.
 *
 * Context: boot, once per CPU, before anything calls this_cpu().
 */
#include <tern/percpu.h>
#include <tern/x86.h>

struct percpu percpu_areas[MAX_CPUS];
unsigned int nr_cpus;

void percpu_init_cpu(unsigned int cpu_id, uint64_t stack_top)
{
    struct percpu *p = &percpu_areas[cpu_id];

    p->self = p;
    p->cpu_id = cpu_id;
    p->kernel_stack_top = stack_top;
    wrmsr(MSR_GS_BASE, (uint64_t)p);
    if (cpu_id >= nr_cpus)
        nr_cpus = cpu_id + 1;
}
