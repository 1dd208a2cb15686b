/*
 * kernel/mm/frame.c: the physical frame allocator.
 *
 * One bit per 4 KiB frame from address 0 to the end of the highest
 * available RAM: set = in use or not RAM, clear = free. Built once from
 * the boot memory map (frame_init_bitmap(), pure logic, unit-tested in
 * tests/unit/test_frame.c); afterwards frame_alloc()/frame_free() take
 * frame_lock. A search hint keeps single-frame allocation close to O(1)
 * in the common case. Double frees and frees of never-allocated frames are
 * hypervisor bugs and panic.
 *
 * Context: any, interrupts on or off (the lock masks interrupts).
 */
#include <tern/boot_info.h>
#include <tern/console.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/panic.h>
#include <tern/spinlock.h>

uint64_t kernel_phys_offset;

/* Serialises bitmap, nr_frames, nr_free, hint. */
static struct spinlock frame_lock = SPINLOCK_INIT;
static uint8_t *bitmap;
static uint64_t nr_frames;      /* frames the bitmap covers */
static uint64_t nr_free;
static uint64_t nr_usable;      /* free right after init */
static uint64_t hint;           /* no free frame below this index */

static inline bool bit_test(uint64_t i) { return bitmap[i / 8] & (1u << (i % 8)); }
static inline void bit_set(uint64_t i)  { bitmap[i / 8] |= (uint8_t)(1u << (i % 8)); }
static inline void bit_clear(uint64_t i) { bitmap[i / 8] &= (uint8_t)~(1u << (i % 8)); }

static uint64_t highest_available(const struct boot_info *bi)
{
    uint64_t top = 0;
    for (unsigned i = 0; i < bi->nr_memmap; i++) {
        const struct boot_mem_region *r = &bi->memmap[i];
        if (r->type == BOOT_MEM_AVAILABLE && r->base + r->length > top)
            top = r->base + r->length;
    }
    return ALIGN_DOWN(top, PAGE_SIZE);
}

size_t frame_bitmap_bytes(const struct boot_info *bi)
{
    return (size_t)((highest_available(bi) / PAGE_SIZE + 7) / 8);
}

/* Mark [start, end) used, rounding outwards to whole frames. */
static void mark_used(uint64_t start, uint64_t end)
{
    uint64_t first = start / PAGE_SIZE;
    uint64_t last = MIN(ALIGN_UP(end, PAGE_SIZE) / PAGE_SIZE, nr_frames);
    for (uint64_t i = first; i < last; i++) {
        if (!bit_test(i)) {
            bit_set(i);
            nr_free--;
        }
    }
}

/* Mark [start, end) free, rounding inwards: a partial frame stays used. */
static void mark_free(uint64_t start, uint64_t end)
{
    uint64_t first = ALIGN_UP(start, PAGE_SIZE) / PAGE_SIZE;
    uint64_t last = MIN(end / PAGE_SIZE, nr_frames);
    for (uint64_t i = first; i < last; i++) {
        if (bit_test(i)) {
            bit_clear(i);
            nr_free++;
        }
    }
}

void frame_init_bitmap(const struct boot_info *bi,
                       const struct phys_range *reserved, unsigned nr_reserved,
                       uint8_t *bm, size_t bm_bytes)
{
    bitmap = bm;
    nr_frames = MIN(highest_available(bi) / PAGE_SIZE, (uint64_t)bm_bytes * 8);
    memset(bitmap, 0xff, bm_bytes);
    nr_free = 0;

    /* Free what the firmware calls RAM, then take back everything any
     * other entry claims: overlapping entries resolve to "used". */
    for (unsigned i = 0; i < bi->nr_memmap; i++) {
        const struct boot_mem_region *r = &bi->memmap[i];
        if (r->type == BOOT_MEM_AVAILABLE)
            mark_free(r->base, r->base + r->length);
    }
    for (unsigned i = 0; i < bi->nr_memmap; i++) {
        const struct boot_mem_region *r = &bi->memmap[i];
        if (r->type != BOOT_MEM_AVAILABLE)
            mark_used(r->base, r->base + r->length);
    }
    /* The first MiB holds the IVT, BDA, EBDA and option ROMs; keeping it
     * also means frame 0 is never handed out, so 0 can mean "none". */
    mark_used(0, 0x100000);
    for (unsigned i = 0; i < nr_reserved; i++)
        mark_used(reserved[i].start, reserved[i].end);
    for (unsigned i = 0; i < bi->nr_modules; i++)
        mark_used(bi->modules[i].start, bi->modules[i].end);
    mark_used(bi->loader_data_start, bi->loader_data_end);

    nr_usable = nr_free;
    hint = 0;
}

uint64_t frame_alloc(void)
{
    return frame_alloc_contig(1, PAGE_SIZE);
}

uint64_t frame_alloc_contig(uint64_t count, uint64_t align)
{
    uint64_t step = MAX(align / PAGE_SIZE, 1);
    uint64_t flags = spin_lock_irqsave(&frame_lock);
    uint64_t found = 0;

    if (count == 0 || count > nr_free)
        goto out;
    for (uint64_t i = ALIGN_UP(hint, step); i + count <= nr_frames; i += step) {
        uint64_t n = 0;
        while (n < count && !bit_test(i + n))
            n++;
        if (n == count) {
            for (n = 0; n < count; n++)
                bit_set(i + n);
            nr_free -= count;
            if (count == 1 && step == 1)
                hint = i + 1;
            found = i * PAGE_SIZE;
            break;
        }
    }
out:
    spin_unlock_irqrestore(&frame_lock, flags);
    return found;
}

void frame_free_contig(uint64_t pa, uint64_t count)
{
    uint64_t first = pa / PAGE_SIZE;
    uint64_t bad = 0;

    if (pa % PAGE_SIZE || count == 0 || first + count > nr_frames)
        panic("frame_free: %#lx (+%lu frames) is not a frame Tern owns",
              pa, count);
    /* Check every frame before changing any, and panic only after
     * dropping the lock. */
    uint64_t flags = spin_lock_irqsave(&frame_lock);
    for (uint64_t i = first; i < first + count && !bad; i++)
        if (!bit_test(i))
            bad = i * PAGE_SIZE + 1;    /* +1: frame 0 is a valid answer */
    if (!bad) {
        for (uint64_t i = first; i < first + count; i++)
            bit_clear(i);
        nr_free += count;
        if (first < hint)
            hint = first;
    }
    spin_unlock_irqrestore(&frame_lock, flags);
    if (bad)
        panic("frame_free: double free of frame %#lx", bad - 1);
}

void frame_free(uint64_t pa)
{
    frame_free_contig(pa, 1);
}

bool frame_is_free(uint64_t pa)
{
    uint64_t i = pa / PAGE_SIZE;
    return i < nr_frames && !bit_test(i);
}

void frame_get_stats(struct frame_stats *st)
{
    st->total = nr_usable;
    st->free = READ_ONCE(nr_free);
    st->max_phys = nr_frames * PAGE_SIZE;
}

void *page_alloc_zeroed(void)
{
    uint64_t pa = frame_alloc();
    if (!pa)
        return NULL;
    void *va = phys_to_virt(pa);
    memset(va, 0, PAGE_SIZE);
    return va;
}

void page_free(void *va)
{
    frame_free(virt_to_phys(va));
}

#ifndef UNIT_TEST
/*
 * Find a home for the bitmap: the first available region above the kernel
 * and the boot data, large enough, below 4 GiB (reachable through the boot
 * page tables' direct map before paging_init()).
 */
void frame_init(const struct boot_info *bi)
{
    size_t bytes = frame_bitmap_bytes(bi);
    uint64_t need = ALIGN_UP((uint64_t)bytes, PAGE_SIZE);
    struct phys_range reserved[2] = {
        { (uint64_t)_kernel_phys_start + kernel_phys_offset,
          (uint64_t)_kernel_phys_end + kernel_phys_offset, "kernel" },
        { 0, 0, "frame bitmap" },
    };

    for (unsigned i = 0; i < bi->nr_memmap && !reserved[1].end; i++) {
        const struct boot_mem_region *r = &bi->memmap[i];
        if (r->type != BOOT_MEM_AVAILABLE)
            continue;
        /* Try the region's start and the end of each obstacle in it. */
        uint64_t cands[3 + BOOT_MAX_MODULES];
        unsigned nc = 0;
        cands[nc++] = r->base;
        cands[nc++] = reserved[0].end;
        cands[nc++] = bi->loader_data_end;
        for (unsigned m = 0; m < bi->nr_modules; m++)
            cands[nc++] = bi->modules[m].end;
        for (unsigned c = 0; c < nc; c++) {
            uint64_t s = ALIGN_UP(MAX(cands[c], (uint64_t)0x100000), PAGE_SIZE);
            uint64_t e = s + need;
            bool clash = s < r->base || e > r->base + r->length ||
                         e > 0x100000000ul ||
                         (s < reserved[0].end && e > reserved[0].start) ||
                         (s < bi->loader_data_end && e > bi->loader_data_start);
            for (unsigned m = 0; m < bi->nr_modules && !clash; m++)
                clash = s < bi->modules[m].end && e > bi->modules[m].start;
            if (!clash) {
                reserved[1].start = s;
                reserved[1].end = e;
                break;
            }
        }
    }
    if (!reserved[1].end)
        panic("frame_init: no room below 4 GiB for a %zu-byte frame bitmap",
              bytes);

    frame_init_bitmap(bi, reserved, ARRAY_SIZE(reserved),
                      phys_to_virt(reserved[1].start), bytes);
    pr_info("mm: %lu MiB usable RAM in %lu frames, up to %#lx; "
            "bitmap at %#lx\n", nr_free * PAGE_SIZE >> 20, nr_free,
            nr_frames * PAGE_SIZE, reserved[1].start);
}
#endif
