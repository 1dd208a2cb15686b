/*
 * kernel/mm/paging.c: the kernel's page tables.
 *
 * paging_init() replaces the boot tables of boot/multiboot2.asm with:
 *   - the direct map: all physical memory below max(4 GiB, end of RAM) at
 *     DIRECT_MAP_BASE, 2 MiB pages, write-back, no execute;
 *   - the kernel image at KERNEL_VMA, 4 KiB pages, each section with its
 *     own rights: text read+execute, rodata read-only, data and bss
 *     read+write (Intel SDM Vol. 3A, "Paging", "Access Rights");
 *   - an MMIO window above the kernel for device registers, uncached.
 * The low (identity) half is left empty: it is for ring-3 domains. Kernel
 * mappings are global (CR4.PGE), since every address space shares them.
 *
 * Context: paging_init() at boot after frame_init(); the map functions
 * take paging_lock and may be called with interrupts on.
 */
#include <tern/console.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/panic.h>
#include <tern/spinlock.h>
#include <tern/x86.h>

#define MMIO_WINDOW_BASE    0xffffffffc0000000ul
#define MMIO_WINDOW_SIZE    (512ul << 20)

/* Serialises changes to kernel_pml4 and mmio_next. */
static struct spinlock paging_lock = SPINLOCK_INIT;
static uint64_t *kernel_pml4;
static uint64_t mmio_next = MMIO_WINDOW_BASE;
static uint64_t nx_bit;         /* PTE_NX if the CPU has NX, else 0 */

static inline unsigned pt_index(uint64_t va, int level)
{
    return (va >> (12 + 9 * (level - 1))) & 511;
}

/* The table below 'entry', created (zeroed) if absent; NULL on OOM. */
static uint64_t *next_table(uint64_t *entry)
{
    if (!(*entry & PTE_P)) {
        void *t = page_alloc_zeroed();
        if (!t)
            return NULL;
        /* Upper levels are permissive; the leaf decides. */
        *entry = virt_to_phys(t) | PTE_P | PTE_W;
    }
    ASSERT(!(*entry & PTE_PS));
    return phys_to_virt(*entry & PTE_ADDR);
}

/* Install a leaf at 'level' (1 = 4 KiB, 2 = 2 MiB). Caller holds the lock
 * or runs before other CPUs exist. */
static int map_one(uint64_t *pml4, uint64_t va, uint64_t pa, uint64_t flags,
                   int level)
{
    uint64_t *table = pml4;
    for (int l = 4; l > level; l--) {
        table = next_table(&table[pt_index(va, l)]);
        if (!table)
            return -ENOMEM;
    }
    table[pt_index(va, level)] = pa | flags | (level > 1 ? PTE_PS : 0);
    return 0;
}

int paging_map(uint64_t va, uint64_t pa, uint64_t flags)
{
    uint64_t irq = spin_lock_irqsave(&paging_lock);
    int rc = map_one(kernel_pml4, va, pa, flags, 1);
    spin_unlock_irqrestore(&paging_lock, irq);
    invlpg(va);
    return rc;
}

void *paging_map_mmio(uint64_t pa, size_t size)
{
    uint64_t off = pa & ~PAGE_MASK;
    uint64_t pages = ALIGN_UP(size + off, PAGE_SIZE) / PAGE_SIZE;
    uint64_t irq = spin_lock_irqsave(&paging_lock);
    uint64_t va = mmio_next;

    if (va + pages * PAGE_SIZE > MMIO_WINDOW_BASE + MMIO_WINDOW_SIZE)
        panic("paging: MMIO window full mapping %#lx", pa);
    mmio_next += pages * PAGE_SIZE;
    for (uint64_t i = 0; i < pages; i++) {
        if (map_one(kernel_pml4, va + i * PAGE_SIZE,
                    (pa & PAGE_MASK) + i * PAGE_SIZE,
                    PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_G | nx_bit, 1))
            panic("paging: out of memory mapping MMIO %#lx", pa);
    }
    spin_unlock_irqrestore(&paging_lock, irq);
    return (void *)(va + off);
}

uint64_t paging_lookup(uint64_t va, int *level)
{
    uint64_t *table = kernel_pml4;
    for (int l = 4; l >= 1; l--) {
        uint64_t e = table[pt_index(va, l)];
        if (!(e & PTE_P))
            return 0;
        if (l == 1 || (e & PTE_PS)) {
            *level = l;
            return e;
        }
        table = phys_to_virt(e & PTE_ADDR);
    }
    return 0;
}

uint64_t paging_kernel_cr3(void)
{
    return virt_to_phys(kernel_pml4);
}

static void map_kernel_range(const char *start, const char *end,
                             uint64_t flags, const char *what)
{
    for (uint64_t va = ALIGN_DOWN((uint64_t)start, PAGE_SIZE);
         va < (uint64_t)end; va += PAGE_SIZE) {
        if (map_one(kernel_pml4, va, virt_to_phys((void *)va), flags | PTE_G, 1))
            panic("paging: out of memory mapping the kernel's %s", what);
    }
}

void paging_init(uint64_t max_phys)
{
    uint32_t a, b, c, d;
    cpuid(0x80000001, &a, &b, &c, &d);
    nx_bit = (d & (1u << 20)) ? PTE_NX : 0;

    kernel_pml4 = page_alloc_zeroed();
    if (!kernel_pml4)
        panic("paging: no frame for the kernel PML4");

    /* The direct map covers at least 4 GiB, so that tables and devices
     * below 4 GiB are always reachable. */
    uint64_t top = ALIGN_UP(MAX(max_phys, 0x100000000ul), LARGE_PAGE_SIZE);
    for (uint64_t pa = 0; pa < top; pa += LARGE_PAGE_SIZE) {
        if (map_one(kernel_pml4, DIRECT_MAP_BASE + pa, pa,
                    PTE_P | PTE_W | PTE_G | nx_bit, 2))
            panic("paging: out of memory building the direct map");
    }

    map_kernel_range(_text, _etext, PTE_P, "text");
    map_kernel_range(_rodata, _erodata, PTE_P | nx_bit, "rodata");
    map_kernel_range(_data, _end, PTE_P | PTE_W | nx_bit, "data");

    write_cr4(read_cr4() | CR4_PGE);
    write_cr3(virt_to_phys(kernel_pml4));
    pr_info("paging: direct map of %lu MiB at %#lx, kernel at %#lx, NX %s\n",
            top >> 20, DIRECT_MAP_BASE, (uint64_t)_text,
            nx_bit ? "on" : "absent");
}
