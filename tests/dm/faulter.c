/*
 * tests/dm/faulter.c: a ring-3 domain that faults on purpose, so that
 * Tern shows it kills only that domain, with a decoded message, while
 * the others go on.
 *
 *   name=faulter role=user fault=pf|gp|ud|de|kernel
 *
 *   pf      write to address 0 (#PF, not mapped)
 *   gp      read a non-canonical address (#GP)
 *   ud      UD2 (#UD)
 *   de      divide by zero (#DE)
 *   kernel  write to Tern's direct map of physical memory at
 *           0xffff800000000000 (#PF, protection violation: the page is
 *           mapped in our address space, but supervisor-only). Not Tern's
 *           link address 0xffffffff80200000: Tern maps its image from
 *           0xffffffff80209000 on, so a write there is "not mapped".
 *
 * It prints "faulter: about to <fault>" first; nothing may follow. Each
 * fault is one instruction in inline asm: in C, gcc would be free to
 * replace a NULL store or a division by zero by something else.
 */
#include "check.h"

#define NON_CANONICAL_VA    0x8000000000000000ull
#define TERN_DIRECT_MAP_VA  0xffff800000000000ull

static void fault_pf(void)
{
    __asm__ __volatile__("movq $1, (%0)" :: "r"(0ul) : "memory");
}

static void fault_gp(void)
{
    uint64_t v;
    __asm__ __volatile__("movq (%1), %0" : "=r"(v) : "r"(NON_CANONICAL_VA));
}

static void fault_ud(void)
{
    __asm__ __volatile__("ud2");
}

static void fault_de(void)
{
    uint32_t quotient, remainder;
    __asm__ __volatile__("divl %2"
                         : "=a"(quotient), "=d"(remainder)
                         : "r"(0u), "a"(1u), "d"(0u));
}

static void fault_kernel(void)
{
    __asm__ __volatile__("movq $1, (%0)" :: "r"(TERN_DIRECT_MAP_VA) : "memory");
}

static const struct {
    const char *name;
    void (*fn)(void);
} faults[] = {
    { "pf", fault_pf },
    { "gp", fault_gp },
    { "ud", fault_ud },
    { "de", fault_de },
    { "kernel", fault_kernel },
};

int main(const struct tern_start_info *si)
{
    char fault[16];

    if (!cmdline_get(si->cmdline, "fault", fault, sizeof(fault))) {
        check(false, "faulter", "no fault= on the command line '%s'",
              si->cmdline);
        return check_done();
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(faults); i++) {
        if (strcmp(fault, faults[i].name) != 0)
            continue;
        printf("faulter: about to %s\n", fault);
        faults[i].fn();
        check(false, "faulter", "survived fault=%s", fault);
        return check_done();
    }
    check(false, "faulter", "unknown fault=%s (pf, gp, ud, de, kernel)", fault);
    return check_done();
}
