/*
 * include/tern/x86.h: x86-64 instructions as inline functions, and the
 * architectural register bits the kernel uses (Intel SDM Vol. 3A,
 * "Control Registers"; AMD APM Vol. 2, "System Resources").
 */
#ifndef TERN_X86_H
#define TERN_X86_H

#include <tern/compiler.h>

#define CR0_PE          (1ul << 0)
#define CR0_MP          (1ul << 1)
#define CR0_EM          (1ul << 2)
#define CR0_TS          (1ul << 3)
#define CR0_ET          (1ul << 4)
#define CR0_NE          (1ul << 5)
#define CR0_WP          (1ul << 16)
#define CR0_PG          (1ul << 31)
#define CR4_PAE         (1ul << 5)
#define CR4_PGE         (1ul << 7)
#define CR4_OSFXSR      (1ul << 9)
#define CR4_OSXMMEXCPT  (1ul << 10)
#define CR4_VMXE        (1ul << 13)

#define RFLAGS_IF       (1ul << 9)
#define RFLAGS_DF       (1ul << 10)
#define RFLAGS_TF       (1ul << 8)
#define RFLAGS_AC       (1ul << 18)

/* CPUID feature bits (Intel SDM Vol. 2A, "CPUID"; AMD APM Vol. 3,
 * "CPUID Fn8000_0001"), those kernel/hvm.c lets a guest see. */
#define CPUID1_ECX_SSE3         (1u << 0)
#define CPUID1_ECX_PCLMULQDQ    (1u << 1)
#define CPUID1_ECX_SSSE3        (1u << 9)
#define CPUID1_ECX_CX16         (1u << 13)
#define CPUID1_ECX_SSE41        (1u << 19)
#define CPUID1_ECX_SSE42        (1u << 20)
#define CPUID1_ECX_MOVBE        (1u << 22)
#define CPUID1_ECX_POPCNT       (1u << 23)
#define CPUID1_ECX_AES          (1u << 25)
#define CPUID1_ECX_RDRAND       (1u << 30)
#define CPUID1_ECX_HYPERVISOR   (1u << 31)
#define CPUID1_EDX_FPU          (1u << 0)
#define CPUID1_EDX_VME          (1u << 1)
#define CPUID1_EDX_DE           (1u << 2)
#define CPUID1_EDX_PSE          (1u << 3)
#define CPUID1_EDX_TSC          (1u << 4)
#define CPUID1_EDX_MSR          (1u << 5)
#define CPUID1_EDX_PAE          (1u << 6)
#define CPUID1_EDX_CX8          (1u << 8)
#define CPUID1_EDX_SEP          (1u << 11)
#define CPUID1_EDX_PGE          (1u << 13)
#define CPUID1_EDX_CMOV         (1u << 15)
#define CPUID1_EDX_PAT          (1u << 16)
#define CPUID1_EDX_PSE36        (1u << 17)
#define CPUID1_EDX_CLFSH        (1u << 19)
#define CPUID1_EDX_MMX          (1u << 23)
#define CPUID1_EDX_FXSR         (1u << 24)
#define CPUID1_EDX_SSE          (1u << 25)
#define CPUID1_EDX_SSE2         (1u << 26)
#define CPUID7_EBX_BMI1         (1u << 3)
#define CPUID7_EBX_SMEP         (1u << 7)
#define CPUID7_EBX_BMI2         (1u << 8)
#define CPUID7_EBX_ERMS         (1u << 9)
#define CPUID7_EBX_RDSEED       (1u << 18)
#define CPUID7_EBX_ADX          (1u << 19)
#define CPUID7_EBX_SMAP         (1u << 20)
#define CPUID7_EBX_CLFLUSHOPT   (1u << 23)
#define CPUID7_EBX_SHA          (1u << 29)
#define CPUID81_ECX_LAHF        (1u << 0)
#define CPUID81_ECX_CMP_LEGACY  (1u << 1)
#define CPUID81_ECX_ABM         (1u << 5)
#define CPUID81_ECX_SSE4A       (1u << 6)
#define CPUID81_ECX_MISALIGNSSE (1u << 7)
#define CPUID81_ECX_3DNOWPREFETCH (1u << 8)
#define CPUID81_ECX_TBM         (1u << 21)
#define CPUID81_EDX_RDTSCP      (1u << 27)
#define CPUID87_EDX_INVARIANT_TSC (1u << 8)

#define MSR_APIC_BASE           0x0000001b
#define MSR_FEATURE_CONTROL     0x0000003a
#define MSR_PAT                 0x00000277
#define MSR_EFER                0xc0000080
#define MSR_FS_BASE             0xc0000100
#define MSR_GS_BASE             0xc0000101
#define MSR_KERNEL_GS_BASE      0xc0000102
#define MSR_SYSENTER_CS         0x00000174
#define MSR_SYSENTER_ESP        0x00000175
#define MSR_SYSENTER_EIP        0x00000176
#define MSR_SYSCALL_STAR        0xc0000081
#define MSR_SYSCALL_LSTAR       0xc0000082
#define MSR_SYSCALL_CSTAR       0xc0000083
#define MSR_SYSCALL_FMASK       0xc0000084

#define EFER_SCE        (1ul << 0)
#define EFER_LME        (1ul << 8)
#define EFER_LMA        (1ul << 10)
#define EFER_NXE        (1ul << 11)
#define EFER_SVME       (1ul << 12)

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ __volatile__("outb %0, %1" :: "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ __volatile__("outw %0, %1" :: "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ __volatile__("outl %0, %1" :: "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ __volatile__("wrmsr" :: "c"(msr), "a"((uint32_t)v),
                         "d"((uint32_t)(v >> 32)));
}

static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a,
                               uint32_t *b, uint32_t *c, uint32_t *d)
{
    __asm__ __volatile__("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
                         : "a"(leaf), "c"(sub));
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b,
                         uint32_t *c, uint32_t *d)
{
    cpuid_count(leaf, 0, a, b, c, d);
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR(n)                                                    \
static inline uint64_t read_cr##n(void)                                 \
{                                                                       \
    uint64_t v;                                                         \
    __asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v));               \
    return v;                                                           \
}                                                                       \
static inline void write_cr##n(uint64_t v)                              \
{                                                                       \
    __asm__ __volatile__("mov %0, %%cr" #n :: "r"(v) : "memory");       \
}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline uint64_t read_rflags(void)
{
    uint64_t f;
    __asm__ __volatile__("pushfq; popq %0" : "=r"(f));
    return f;
}

static inline void irq_enable(void)  { __asm__ __volatile__("sti" ::: "memory"); }
static inline void irq_disable(void) { __asm__ __volatile__("cli" ::: "memory"); }
static inline void cpu_relax(void)   { __asm__ __volatile__("pause" ::: "memory"); }
static inline void hlt(void)         { __asm__ __volatile__("hlt" ::: "memory"); }

/* Save the interrupt flag and disable interrupts; restore it later. */
static inline uint64_t irq_save(void)
{
    uint64_t f = read_rflags();
    irq_disable();
    return f;
}

static inline void irq_restore(uint64_t flags)
{
    if (flags & RFLAGS_IF)
        irq_enable();
}

static inline void invlpg(uint64_t va)
{
    __asm__ __volatile__("invlpg (%0)" :: "r"(va) : "memory");
}

#endif
