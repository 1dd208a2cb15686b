/*
 * boot/efi/memmap.c: the memory map, and leaving boot services.
 *
 * ExitBootServices() takes the key of the latest memory map, and fails
 * with EFI_INVALID_PARAMETER if the map changed since (an event handler
 * may allocate at any time). After the first call, failed or not, only
 * GetMemoryMap() and ExitBootServices() may be called (UEFI
 * specification, "EFI_BOOT_SERVICES.ExitBootServices()"): so the buffer
 * is allocated once, with room to spare, before the first try.
 *
 * memmap_convert() then turns the final map into Tern's: memory the
 * firmware is done with once boot services are gone (boot services code
 * and data, the loader's own pages, free memory) is available; ACPI
 * tables and NVS keep their ACPI types; everything else (runtime
 * services, MMIO, reserved, persistent memory) is reserved. The kernel
 * image and the modules are available here too: the kernel's frame
 * allocator reserves them by address, as it does on the Multiboot2 path.
 */
#include "loader.h"

#define EBS_TRIES       8
#define RAW_MAX         512     /* descriptors sorted and merged at once */

EFI_STATUS exit_boot_services(EFI_HANDLE image, struct efi_map *map)
{
    UINTN key;
    EFI_STATUS rc;

    /* Learn the size, then leave room for the entries that the buffer's
     * own allocation and later firmware activity add. */
    map->size = 0;
    BS->GetMemoryMap(&map->size, NULL, &key, &map->desc_size, &map->desc_version);
    map->cap = map->size + 32 * map->desc_size + EFI_PAGE_SIZE;
    map->buf = AllocatePool(map->cap);
    if (!map->buf)
        return EFI_OUT_OF_RESOURCES;

    for (int i = 0; i < EBS_TRIES; i++) {
        map->size = map->cap;
        rc = BS->GetMemoryMap(&map->size, map->buf, &key, &map->desc_size,
                              &map->desc_version);
        if (EFI_ERROR(rc))
            return rc;
        rc = BS->ExitBootServices(image, key);
        if (rc != EFI_INVALID_PARAMETER)
            return rc;          /* success, or a failure a retry won't fix */
        /* The map changed under us: take it again. */
    }
    return rc;
}

static uint32_t tern_type(UINT32 efi_type)
{
    switch (efi_type) {
    case EfiLoaderCode:
    case EfiLoaderData:
    case EfiBootServicesCode:
    case EfiBootServicesData:
    case EfiConventionalMemory:
        return BOOT_MEM_AVAILABLE;
    case EfiACPIReclaimMemory:
        return BOOT_MEM_ACPI;
    case EfiACPIMemoryNVS:
        return BOOT_MEM_ACPI_NVS;
    case EfiUnusableMemory:
        return BOOT_MEM_BAD;
    default:
        return BOOT_MEM_RESERVED;
    }
}

static struct boot_mem_region raw[RAW_MAX];

/* Sort by base (the map is usually sorted already: insertion sort is
 * then linear), and merge neighbours of one type. Returns the count. */
static unsigned int sort_and_merge(unsigned int n)
{
    for (unsigned int i = 1; i < n; i++) {
        struct boot_mem_region r = raw[i];
        unsigned int j = i;
        for (; j > 0 && raw[j - 1].base > r.base; j--)
            raw[j] = raw[j - 1];
        raw[j] = r;
    }
    unsigned int out = 0;
    for (unsigned int i = 0; i < n; i++) {
        struct boot_mem_region *prev = out ? &raw[out - 1] : NULL;
        if (prev && prev->type == raw[i].type &&
            prev->base + prev->length == raw[i].base)
            prev->length += raw[i].length;
        else
            raw[out++] = raw[i];
    }
    return out;
}

void memmap_convert(const struct efi_map *map, struct boot_info *bi)
{
    const UINT8 *p = map->buf;
    unsigned int n = 0;

    for (UINTN off = 0; off + map->desc_size <= map->size && n < RAW_MAX;
         off += map->desc_size) {
        const EFI_MEMORY_DESCRIPTOR *d = (const void *)(p + off);
        if (d->NumberOfPages == 0)
            continue;
        raw[n++] = (struct boot_mem_region){
            .base = d->PhysicalStart,
            .length = d->NumberOfPages * EFI_PAGE_SIZE,
            .type = tern_type(d->Type),
        };
    }
    n = sort_and_merge(n);

    /* Too many for struct boot_info: drop the reserved entries first,
     * which tell the frame allocator nothing (it never hands out memory
     * that no entry calls available). */
    bool drop_reserved = n > BOOT_MAX_MEMMAP;
    bi->nr_memmap = 0;
    for (unsigned int i = 0; i < n && bi->nr_memmap < BOOT_MAX_MEMMAP; i++) {
        if (drop_reserved && raw[i].type == BOOT_MEM_RESERVED)
            continue;
        bi->memmap[bi->nr_memmap++] = raw[i];
    }

    bi->efi_desc_size = (uint32_t)map->desc_size;
    bi->efi_desc_version = map->desc_version;
    bi->efi_mmap_truncated = map->size > sizeof(bi->efi_mmap);
    bi->efi_mmap_size = (uint32_t)MIN(map->size, sizeof(bi->efi_mmap));
    CopyMem(bi->efi_mmap, map->buf, bi->efi_mmap_size);
}
