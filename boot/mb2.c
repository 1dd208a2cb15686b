/*
 * boot/mb2.c: translate the Multiboot2 boot information into struct
 * boot_info, then enter kmain().
 *
 * Runs on the boot CPU, interrupts off, on the early page tables of
 * boot/multiboot2.asm (the first 4 GiB are reachable through the direct
 * map). The tag layouts are those of the Multiboot2 specification,
 * "Boot information format". This is the only file that reads them.
 */
#include <tern/boot_info.h>
#include <tern/mm.h>
#include <tern/lib.h>

enum mb2_tag_type {
    MB2_TAG_END             = 0,
    MB2_TAG_CMDLINE         = 1,
    MB2_TAG_LOADER_NAME     = 2,
    MB2_TAG_MODULE          = 3,
    MB2_TAG_MMAP            = 6,
    MB2_TAG_FRAMEBUFFER     = 8,
    MB2_TAG_ACPI_OLD        = 14,
    MB2_TAG_ACPI_NEW        = 15,
    MB2_TAG_EFI_MMAP        = 17,
};

struct mb2_tag {
    uint32_t type;
    uint32_t size;              /* including this header, excluding padding */
};

struct mb2_tag_module {
    struct mb2_tag tag;
    uint32_t mod_start, mod_end;
    char cmdline[];
};

struct mb2_mmap_entry {
    uint64_t base_addr, length;
    uint32_t type, reserved;
};

struct mb2_tag_mmap {
    struct mb2_tag tag;
    uint32_t entry_size, entry_version;
    struct mb2_mmap_entry entries[];
};

struct mb2_tag_framebuffer {
    struct mb2_tag tag;
    uint64_t addr;
    uint32_t pitch, width, height;
    uint8_t bpp, type;
    uint16_t reserved;
    /* For type 1 (RGB): */
    uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
} __packed;

struct mb2_tag_efi_mmap {
    struct mb2_tag tag;
    uint32_t desc_size, desc_version;
    uint8_t map[];
};

#include "mb2.h"

/* Copy a NUL-terminated string from a tag, truncating to fit. */
static void copy_tag_string(char *dst, size_t dst_size, const char *src,
                            size_t src_max)
{
    size_t n = strnlen(src, src_max);
    if (n >= dst_size)
        n = dst_size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void mb2_parse_mmap(struct boot_info *bi, const struct mb2_tag_mmap *t)
{
    const uint8_t *p = (const uint8_t *)t->entries;
    const uint8_t *end = (const uint8_t *)t + t->tag.size;

    if (t->entry_size < sizeof(struct mb2_mmap_entry))
        return;
    for (; p + t->entry_size <= end && bi->nr_memmap < BOOT_MAX_MEMMAP;
         p += t->entry_size) {
        const struct mb2_mmap_entry *e = (const void *)p;
        struct boot_mem_region *r = &bi->memmap[bi->nr_memmap++];
        r->base = e->base_addr;
        r->length = e->length;
        /* Unknown types are treated as reserved (spec: "any other value"). */
        r->type = (e->type >= 1 && e->type <= 5) ? e->type : BOOT_MEM_RESERVED;
    }
}

static void mb2_parse_tag(struct boot_info *bi, const struct mb2_tag *tag)
{
    size_t payload = tag->size - sizeof(*tag);
    const char *str = (const char *)(tag + 1);

    switch (tag->type) {
    case MB2_TAG_CMDLINE:
        copy_tag_string(bi->cmdline, sizeof(bi->cmdline), str, payload);
        break;
    case MB2_TAG_LOADER_NAME:
        copy_tag_string(bi->loader, sizeof(bi->loader), str, payload);
        break;
    case MB2_TAG_MODULE: {
        const struct mb2_tag_module *m = (const void *)tag;
        if (bi->nr_modules >= BOOT_MAX_MODULES) {
            bi->nr_modules_dropped++;
            break;
        }
        struct boot_module *mod = &bi->modules[bi->nr_modules++];
        mod->start = m->mod_start;
        mod->end = m->mod_end;
        copy_tag_string(mod->cmdline, sizeof(mod->cmdline), m->cmdline,
                        tag->size - sizeof(*m));
        break;
    }
    case MB2_TAG_MMAP:
        mb2_parse_mmap(bi, (const void *)tag);
        break;
    case MB2_TAG_FRAMEBUFFER: {
        const struct mb2_tag_framebuffer *f = (const void *)tag;
        bi->has_framebuffer = true;
        bi->fb = (struct boot_framebuffer){
            .addr = f->addr, .pitch = f->pitch, .width = f->width,
            .height = f->height, .bpp = f->bpp, .type = f->type,
        };
        if (f->type == 1 && tag->size >= sizeof(*f)) {
            bi->fb.red_pos = f->red_pos;
            bi->fb.red_size = f->red_size;
            bi->fb.green_pos = f->green_pos;
            bi->fb.green_size = f->green_size;
            bi->fb.blue_pos = f->blue_pos;
            bi->fb.blue_size = f->blue_size;
        }
        break;
    }
    case MB2_TAG_ACPI_OLD:
    case MB2_TAG_ACPI_NEW:
        /* Prefer the ACPI 2.0 RSDP when both are given. */
        if (bi->has_rsdp && tag->type == MB2_TAG_ACPI_OLD)
            break;
        memset(bi->rsdp, 0, sizeof(bi->rsdp));
        memcpy(bi->rsdp, str, MIN(payload, sizeof(bi->rsdp)));
        bi->has_rsdp = true;
        break;
    case MB2_TAG_EFI_MMAP: {
        const struct mb2_tag_efi_mmap *e = (const void *)tag;
        size_t n = tag->size - sizeof(*e);
        bi->efi_desc_size = e->desc_size;
        bi->efi_desc_version = e->desc_version;
        bi->efi_mmap_truncated = n > sizeof(bi->efi_mmap);
        bi->efi_mmap_size = MIN(n, sizeof(bi->efi_mmap));
        memcpy(bi->efi_mmap, e->map, bi->efi_mmap_size);
        break;
    }
    default:
        break;      /* tags Tern does not use (ELF sections, APM, ...) */
    }
}

void mb2_parse(const uint8_t *info, uint64_t info_phys, struct boot_info *bi)
{
    uint32_t total_size = *(const uint32_t *)info;

    bi->loader_data_start = info_phys;
    bi->loader_data_end = info_phys + total_size;

    /* Tags start after the 8-byte header, each padded to 8 bytes. A tag
     * that claims to run past the end stops the walk. */
    const uint8_t *p = info + 8;
    const uint8_t *end = info + total_size;
    while (p + sizeof(struct mb2_tag) <= end) {
        const struct mb2_tag *tag = (const void *)p;
        if (tag->type == MB2_TAG_END || tag->size < sizeof(*tag) ||
            tag->size > (size_t)(end - p))
            break;
        mb2_parse_tag(bi, tag);
        p += ALIGN_UP(tag->size, 8u);
    }
    if (bi->loader[0] == '\0')
        strcpy(bi->loader, "Multiboot2 loader");
}

#ifndef UNIT_TEST
/* Called from boot/multiboot2.asm only, which checked the magic. */
__noreturn void mb2_boot(uint32_t magic, uint32_t info_phys);

__noreturn void mb2_boot(uint32_t magic, uint32_t info_phys)
{
    static struct boot_info bi;

    (void)magic;
    mb2_parse(phys_to_virt(info_phys), info_phys, &bi);
    kmain(&bi);
}
#endif
