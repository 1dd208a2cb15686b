/*
 * kernel/p2m.c: guest-physical to host memory, for Tern's own accesses
 * to guest RAM (loading images, string I/O, instruction fetch).
 *
 * A domain's RAM is one run of host frames at mem_host; guest-physical
 * RAM is [0, mem_size) less the VGA hole. The EPT/NPT tables built by the
 * backend say the same thing to the CPU.
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
