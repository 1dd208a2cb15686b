/*
 * kernel/uaccess.c: copying to and from a ring-3 domain's memory.
 *
 * Every hypercall argument that is a pointer goes through here. Instead of
 * touching the user address and hoping, Tern walks the domain's own page
 * tables for each page of the range and requires present + user (+
 * writable for copy_to_user) at every level; the bytes are then copied
 * through the direct map. A bad pointer is an -EFAULT, never a fault in
 * Tern. Only 4 KiB leaves exist in ring-3 address spaces (kernel/user.c
 * builds them).
 *
 * Context: hypercalls, any domain's CR3 loaded.
 */
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/user.h>

/* The physical address behind user address 'va', or 0 when the page is
 * not present, not user-accessible, or (write) not writable. */
static uint64_t user_translate(const struct domain *d, uint64_t va, bool write)
{
    uint64_t need = PTE_P | PTE_U | (write ? PTE_W : 0);
    const uint64_t *table = phys_to_virt(d->user_cr3);

    for (int level = 4; level >= 1; level--) {
        uint64_t e = table[(va >> (12 + 9 * (level - 1))) & 511];
        if ((e & need) != need || (e & PTE_PS))
            return 0;
        if (level == 1)
            return (e & PTE_ADDR) | (va & (PAGE_SIZE - 1));
        table = phys_to_virt(e & PTE_ADDR);
    }
    return 0;
}

/* user_translate() through a one-entry cache: a DM makes the same
 * hypercalls with the same argument structs over and over. The cache is
 * dropped by kernel/user.c whenever a page is unmapped (user_map only
 * adds pages), so it never names a page that is gone. */
static uint64_t user_translate_cached(struct domain *d, uint64_t va, bool write)
{
    uint64_t page = ALIGN_DOWN(va, PAGE_SIZE);
    if (page && page == d->uaccess_va && (!write || d->uaccess_writable))
        return d->uaccess_pa | (va & (PAGE_SIZE - 1));
    uint64_t pa = user_translate(d, va, write);
    if (pa) {
        d->uaccess_va = page;
        d->uaccess_pa = ALIGN_DOWN(pa, PAGE_SIZE);
        d->uaccess_writable = write || user_translate(d, va, true);
    }
    return pa;
}

/* Check the whole range first, so a failed copy copies nothing. */
static bool user_range_ok(const struct domain *d, uint64_t uaddr, size_t len,
                          bool write)
{
    if (d->kind != DOMAIN_USER || uaddr + len < uaddr ||
        uaddr + len > USER_SPACE_TOP)
        return false;
    for (uint64_t p = ALIGN_DOWN(uaddr, PAGE_SIZE); p < uaddr + len; p += PAGE_SIZE)
        if (!user_translate(d, p, write))
            return false;
    return true;
}

static int user_copy(struct domain *d, uint64_t uaddr, void *kbuf, size_t len,
                     bool to_user)
{
    if (len == 0)
        return 0;
    /* The common case, a hypercall's small struct within one page: one
     * walk checks and finds it. */
    if ((uaddr & (PAGE_SIZE - 1)) + len <= PAGE_SIZE && d->kind == DOMAIN_USER &&
        uaddr + len <= USER_SPACE_TOP) {
        uint64_t pa = user_translate_cached(d, uaddr, to_user);
        if (!pa)
            return -EFAULT;
        if (to_user)
            memcpy(phys_to_virt(pa), kbuf, len);
        else
            memcpy(kbuf, phys_to_virt(pa), len);
        return 0;
    }
    if (!user_range_ok(d, uaddr, len, to_user))
        return -EFAULT;
    while (len) {
        size_t chunk = MIN(len, PAGE_SIZE - (uaddr & (PAGE_SIZE - 1)));
        void *u = phys_to_virt(user_translate(d, uaddr, to_user));
        if (to_user)
            memcpy(u, kbuf, chunk);
        else
            memcpy(kbuf, u, chunk);
        uaddr += chunk;
        kbuf = (uint8_t *)kbuf + chunk;
        len -= chunk;
    }
    return 0;
}

int copy_from_user(struct domain *d, void *dst, uint64_t uaddr, size_t len)
{
    return user_copy(d, uaddr, dst, len, false);
}

int copy_to_user(struct domain *d, uint64_t uaddr, const void *src, size_t len)
{
    return user_copy(d, uaddr, (void *)src, len, true);
}
