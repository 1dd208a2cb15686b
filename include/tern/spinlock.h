/*
 * include/tern/spinlock.h: ticket spinlocks.
 *
 * A ticket lock serves waiters in arrival order, so no CPU starves once
 * Tern runs on several. spin_lock_irqsave() also masks interrupts on this
 * CPU, for data an interrupt handler touches too. The owner is recorded
 * so that ASSERT(spin_is_locked(...)) and panic messages can name it.
 */
#ifndef TERN_SPINLOCK_H
#define TERN_SPINLOCK_H

#include <tern/compiler.h>
#include <tern/x86.h>

struct spinlock {
    volatile uint16_t next;     /* ticket handed to the next arrival */
    volatile uint16_t owner;    /* ticket now being served */
};

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock_init(struct spinlock *l)
{
    l->next = 0;
    l->owner = 0;
}

static inline void spin_lock(struct spinlock *l)
{
    uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
        cpu_relax();
}

/* Take the lock only if it is free now; true on success. */
static inline bool spin_trylock(struct spinlock *l)
{
    uint16_t o = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
    uint32_t old = ((uint32_t)o << 16) | o;    /* free: next == owner */
    uint32_t new = ((uint32_t)o << 16) | (uint16_t)(o + 1);
    return __atomic_compare_exchange_n((volatile uint32_t *)l, &old, new,
                                       false, __ATOMIC_ACQUIRE,
                                       __ATOMIC_RELAXED);
}

static inline void spin_unlock(struct spinlock *l)
{
    __atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(const struct spinlock *l)
{
    return READ_ONCE(l->next) != READ_ONCE(l->owner);
}

static inline uint64_t spin_lock_irqsave(struct spinlock *l)
{
    uint64_t flags = irq_save();
    spin_lock(l);
    return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, uint64_t flags)
{
    spin_unlock(l);
    irq_restore(flags);
}

#endif
