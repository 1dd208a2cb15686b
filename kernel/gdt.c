/*
 * kernel/gdt.c: the per-CPU GDT and TSS.
 *
 * Each CPU has its own GDT because each needs its own TSS descriptor (the
 * TSS holds that CPU's IST stacks and its ring-0 stack for interrupts
 * from ring 3). Long mode ignores segment bases and limits
 * except for FS/GS and the TSS, so the code and data descriptors are flat.
 * Intel SDM Vol. 3A, "Segment Descriptors" and "Task Management in 64-bit
 * Mode".
 *
 * Context: boot, interrupts off, once per CPU.
 */
#include <tern/desc.h>
#include <tern/lib.h>
#include <tern/percpu.h>

/* Access byte and flags of the flat descriptors. */
#define DESC_CODE64     0x00209a0000000000ul   /* P, DPL0, code, L */
#define DESC_DATA       0x0000920000000000ul   /* P, DPL0, data, W */
#define DESC_DPL3       0x0000600000000000ul
#define DESC_CODE32     0x00cf9a000000fffful   /* P, code, D, G, 4 GiB */
#define DESC_TSS_AVAIL  0x89ul                 /* type 9: 64-bit TSS */

struct gdt_ptr {
    uint16_t limit;
    uint64_t base;
} __packed;

static uint64_t gdt[MAX_CPUS][GDT_ENTRIES] __aligned(16);
static struct tss tss[MAX_CPUS] __aligned(16);
/* The boot CPU's IST stacks; other CPUs will allocate theirs. */
static uint8_t boot_ist_stacks[3][IST_STACK_SIZE] __aligned(16);

static void gdt_set_tss(uint64_t *g, const struct tss *t)
{
    uint64_t base = (uint64_t)t;
    uint64_t limit = sizeof(*t) - 1;

    g[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
                     (DESC_TSS_AVAIL << 40) | (((limit >> 16) & 0xf) << 48) |
                     (((base >> 24) & 0xff) << 56);
    g[GDT_TSS / 8 + 1] = base >> 32;
}

void gdt_init_cpu(unsigned int cpu_id)
{
    uint64_t *g = gdt[cpu_id];
    struct tss *t = &tss[cpu_id];

    g[0] = 0;
    g[GDT_KERNEL_CS / 8] = DESC_CODE64;
    g[GDT_KERNEL_DS / 8] = DESC_DATA;
    g[GDT_USER_CS32 / 8] = DESC_CODE32 | DESC_DPL3;
    g[GDT_USER_DS / 8] = DESC_DATA | DESC_DPL3;
    g[GDT_USER_CS / 8] = DESC_CODE64 | DESC_DPL3;

    memset(t, 0, sizeof(*t));
    t->iomap_base = sizeof(*t);
    if (cpu_id == 0) {
        for (int i = 0; i < 3; i++)
            t->ist[i] = (uint64_t)boot_ist_stacks[i] + IST_STACK_SIZE;
    }
    t->rsp[0] = percpu_areas[cpu_id].kernel_stack_top;
    gdt_set_tss(g, t);
    percpu_areas[cpu_id].tss = t;

    struct gdt_ptr p = { sizeof(gdt[0]) - 1, (uint64_t)g };
    /*
     * Load the GDT, reload CS with a far return, reload the data segment
     * registers, then the task register. GS is not reloaded here: its
     * base (the per-CPU area) lives in IA32_GS_BASE and a selector load
     * would clear it.
     */
    __asm__ __volatile__(
        "lgdt %0\n\t"
        "pushq %1\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "movw %2, %%ax\n\t"
        "movw %%ax, %%ds\n\t"
        "movw %%ax, %%es\n\t"
        "movw %%ax, %%ss\n\t"
        "ltr %w3\n\t"
        :: "m"(p), "i"(GDT_KERNEL_CS), "i"(GDT_KERNEL_DS), "r"((uint16_t)GDT_TSS)
        : "rax", "memory");
}
