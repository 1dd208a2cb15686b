/*
 * include/tern/sched.h: the scheduler (kernel/sched.c).
 */
#ifndef TERN_SCHED_H
#define TERN_SCHED_H

#include <tern/compiler.h>

struct vcpu;

void sched_add(struct vcpu *v);
/* A domain armed its TERN_VIRQ_TIMER for 'deadline' (ns, 0: none). */
void sched_timer_armed(uint64_t deadline);
/* Run vCPUs until every domain has ended, then shut down. */
__noreturn void sched_run(void);

#endif
