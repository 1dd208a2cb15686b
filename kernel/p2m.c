/*
 * kernel/p2m.c: guest-physical to host memory, for Tern's own accesses
 * to guest RAM (loading images, string I/O, instruction fetch).
 *
 * A domain's RAM is one run of host frames at mem_host; guest-physical
 * RAM is [0, mem_size) less the VGA hole. The EPT/NPT tables built by the
 * backend say the same thing to the CPU.
 *
 * p2m_tables_build() writes the same map in the form the CPU walks, for
 * both backends: EPT (kernel/vmx.c) and NPT (kernel/svm.c) are 4-level
 * radix trees with 512 entries a level, bit 0 meaning present and bit 7 a
 * large leaf; only the permission and memory-type bits differ, and the
 * caller passes those.
 *
 * Context: any; the domain's memory does not move while it exists.
 */
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/mm.h>

bool p2m_is_ram(const struct domain *d, uint64_t gpa)
{
    return gpa < d->mem_size &&
           (gpa < GUEST_VGA_HOLE_START || gpa >= GUEST_VGA_HOLE_END);
}

void *p2m_gpa_to_hva(struct domain *d, uint64_t gpa, size_t len)
{
    if (len == 0 || gpa + len < gpa || !p2m_is_ram(d, gpa) ||
        !p2m_is_ram(d, gpa + len - 1) ||
        (gpa < GUEST_VGA_HOLE_START && gpa + len > GUEST_VGA_HOLE_START))
        return NULL;
    return phys_to_virt(d->mem_host + gpa);
}

int p2m_copy_to_guest(struct domain *d, uint64_t gpa, const void *src,
                      size_t len)
{
    void *dst = p2m_gpa_to_hva(d, gpa, len);
    if (!dst)
        return -EFAULT;
    memcpy(dst, src, len);
    return 0;
}

int p2m_copy_from_guest(struct domain *d, void *dst, uint64_t gpa, size_t len)
{
    const void *src = p2m_gpa_to_hva(d, gpa, len);
    if (!src)
        return -EFAULT;
    memcpy(dst, src, len);
    return 0;
}

/* Install one leaf: 4 KiB (level 1) or 2 MiB (level 2). */
static int p2m_map_one(uint64_t *root, uint64_t gpa, uint64_t leaf,
                       uint64_t table_flags, int leaf_level)
{
    uint64_t *table = root;
    for (int level = 4; level > leaf_level; level--) {
        uint64_t *e = &table[(gpa >> (12 + 9 * (level - 1))) & 511];
        if (!(*e & 1)) {
            void *t = page_alloc_zeroed();
            if (!t)
                return -ENOMEM;
            *e = virt_to_phys(t) | table_flags;
        }
        table = phys_to_virt(*e & PTE_ADDR);
    }
    table[(gpa >> (12 + 9 * (leaf_level - 1))) & 511] = leaf;
    return 0;
}

void p2m_tables_free(uint64_t *table, int level)
{
    for (int i = 0; i < 512 && level > 1; i++)
        if ((table[i] & 1) && !(table[i] & P2M_LARGE))
            p2m_tables_free(phys_to_virt(table[i] & PTE_ADDR), level - 1);
    page_free(table);
}

int p2m_tables_build(struct domain *d, uint64_t table_flags,
                     uint64_t leaf_flags, uint64_t **root)
{
    uint64_t *pml4 = page_alloc_zeroed();
    if (!pml4)
        return -ENOMEM;
    /* 2 MiB leaves where guest and host addresses are both aligned and
     * the range avoids the VGA hole; 4 KiB elsewhere. Holes stay empty. */
    for (uint64_t gpa = 0; gpa < d->mem_size;) {
        bool large = !(gpa & (LARGE_PAGE_SIZE - 1)) &&
                     gpa + LARGE_PAGE_SIZE <= d->mem_size &&
                     !((d->mem_host + gpa) & (LARGE_PAGE_SIZE - 1)) &&
                     (gpa >= GUEST_VGA_HOLE_END ||
                      gpa + LARGE_PAGE_SIZE <= GUEST_VGA_HOLE_START);
        if (p2m_is_ram(d, gpa)) {
            uint64_t leaf = (d->mem_host + gpa) | leaf_flags |
                            (large ? P2M_LARGE : 0);
            if (p2m_map_one(pml4, gpa, leaf, table_flags, large ? 2 : 1)) {
                p2m_tables_free(pml4, 4);
                return -ENOMEM;
            }
        }
        gpa += large ? LARGE_PAGE_SIZE : PAGE_SIZE;
    }
    *root = pml4;
    return 0;
}

