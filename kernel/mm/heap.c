/*
 * kernel/mm/heap.c: kmalloc/kfree for small kernel objects.
 *
 * Power-of-two size classes from 32 to 2048 bytes, each a free list of
 * blocks carved from whole frames; larger requests take contiguous frames
 * of their own. Every block starts with a 16-byte header holding a magic
 * number and its class, so kfree() needs no size and catches double frees
 * and wild pointers (both hypervisor bugs: panic). Memory comes from
 * frame.c through the direct map.
 *
 * Context: any; heap_lock masks interrupts.
 */
#include <tern/console.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/panic.h>
#include <tern/spinlock.h>

#define HEAP_MAGIC_USED 0x7e4a11ceu
#define HEAP_MAGIC_FREE 0xf4eeb10cu
#define MIN_SHIFT       5               /* 32 bytes */
#define MAX_SHIFT       11              /* 2048 bytes */
#define NR_CLASSES      (MAX_SHIFT - MIN_SHIFT + 1)
#define CLASS_LARGE     0xffffu

struct block_header {
    uint32_t magic;
    uint16_t class;             /* index, or CLASS_LARGE */
    uint16_t reserved;
    uint32_t pages;             /* CLASS_LARGE: frames in the block */
    uint32_t reserved2;
};
_Static_assert(sizeof(struct block_header) == 16, "keep payloads 16-aligned");

struct free_block {
    struct block_header h;
    struct free_block *next;
};

/* Serialises free_lists. */
static struct spinlock heap_lock = SPINLOCK_INIT;
static struct free_block *free_lists[NR_CLASSES];

static unsigned size_class(size_t total)
{
    unsigned c = 0;
    while ((1ul << (MIN_SHIFT + c)) < total)
        c++;
    return c;
}

/* Carve one fresh frame into blocks of class c; false when out of memory. */
static bool refill(unsigned c)
{
    uint8_t *page = page_alloc_zeroed();
    if (!page)
        return false;
    size_t bsize = 1ul << (MIN_SHIFT + c);
    for (size_t off = 0; off + bsize <= PAGE_SIZE; off += bsize) {
        struct free_block *b = (struct free_block *)(page + off);
        b->h.magic = HEAP_MAGIC_FREE;
        b->h.class = (uint16_t)c;
        b->next = free_lists[c];
        free_lists[c] = b;
    }
    return true;
}

void *kmalloc(size_t size)
{
    size_t total = size + sizeof(struct block_header);

    if (size == 0 || size > (1ul << 30))
        return NULL;
    if (total > (1ul << MAX_SHIFT)) {
        uint64_t pages = ALIGN_UP(total, PAGE_SIZE) / PAGE_SIZE;
        uint64_t pa = frame_alloc_contig(pages, PAGE_SIZE);
        if (!pa)
            return NULL;
        struct block_header *h = phys_to_virt(pa);
        *h = (struct block_header){ .magic = HEAP_MAGIC_USED,
                                    .class = CLASS_LARGE,
                                    .pages = (uint32_t)pages };
        return h + 1;
    }

    unsigned c = size_class(total);
    uint64_t flags = spin_lock_irqsave(&heap_lock);
    if (!free_lists[c] && !refill(c)) {
        spin_unlock_irqrestore(&heap_lock, flags);
        return NULL;
    }
    struct free_block *b = free_lists[c];
    if (b->h.magic != HEAP_MAGIC_FREE)
        panic("kmalloc: free list of class %u corrupted at %p", c, (void *)b);
    free_lists[c] = b->next;
    spin_unlock_irqrestore(&heap_lock, flags);

    b->h.magic = HEAP_MAGIC_USED;
    return &b->h + 1;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *p)
{
    if (!p)
        return;
    struct block_header *h = (struct block_header *)p - 1;
    if (h->magic == HEAP_MAGIC_FREE)
        panic("kfree: double free of %p", p);
    if (h->magic != HEAP_MAGIC_USED)
        panic("kfree: %p was not allocated by kmalloc (magic %#x)", p, h->magic);

    if (h->class == CLASS_LARGE) {
        h->magic = HEAP_MAGIC_FREE;
        frame_free_contig(virt_to_phys(h), h->pages);
        return;
    }
    if (h->class >= NR_CLASSES)
        panic("kfree: %p has a corrupted header (class %u)", p, h->class);

    struct free_block *b = (struct free_block *)h;
    uint64_t flags = spin_lock_irqsave(&heap_lock);
    b->h.magic = HEAP_MAGIC_FREE;
    b->next = free_lists[h->class];
    free_lists[h->class] = b;
    spin_unlock_irqrestore(&heap_lock, flags);
}

void heap_init(void)
{
    for (unsigned c = 0; c < NR_CLASSES; c++)
        free_lists[c] = NULL;
}
