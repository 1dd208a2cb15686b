/*
 * include/tern/boot_info.h: what the bootloader told us, in Tern's words.
 *
 * Both boot paths (boot/mb2.c for GRUB's Multiboot2, boot/efi/ for the
 * GNU-EFI loader) fill one struct boot_info and call kmain() with it; the
 * kernel never sees a Multiboot2 tag or a UEFI type. Everything here is
 * copied into the kernel image, so the loader's memory can be reused,
 * except module contents, which stay where the loader put them (their
 * frames are reserved by the frame allocator).
 */
#ifndef TERN_BOOT_INFO_H
#define TERN_BOOT_INFO_H

#include <tern/compiler.h>

#define BOOT_MAX_MEMMAP         128
#define BOOT_MAX_MODULES        16
#define BOOT_CMDLINE_MAX        1024
#define BOOT_MODULE_CMDLINE_MAX 256
#define BOOT_LOADER_NAME_MAX    64
#define BOOT_EFI_MMAP_MAX       (16 * 1024)

/* Memory map entry types, as in the ACPI address range types. */
enum boot_mem_type {
    BOOT_MEM_AVAILABLE   = 1,
    BOOT_MEM_RESERVED    = 2,
    BOOT_MEM_ACPI        = 3,   /* ACPI tables: reclaimable after parsing */
    BOOT_MEM_ACPI_NVS    = 4,
    BOOT_MEM_BAD         = 5,
};

struct boot_mem_region {
    uint64_t base;
    uint64_t length;
    uint32_t type;              /* enum boot_mem_type */
};

struct boot_module {
    uint64_t start;             /* physical, inclusive */
    uint64_t end;               /* physical, exclusive */
    char cmdline[BOOT_MODULE_CMDLINE_MAX];
};

struct boot_framebuffer {
    uint64_t addr;              /* physical */
    uint32_t pitch;             /* bytes per scan line */
    uint32_t width, height;
    uint8_t bpp;
    uint8_t type;               /* 0 indexed, 1 RGB, 2 EGA text */
    uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

struct boot_info {
    char loader[BOOT_LOADER_NAME_MAX];  /* "GRUB 2.06" etc., for the banner */
    char cmdline[BOOT_CMDLINE_MAX];

    struct boot_mem_region memmap[BOOT_MAX_MEMMAP];
    unsigned int nr_memmap;

    struct boot_module modules[BOOT_MAX_MODULES];
    unsigned int nr_modules;
    unsigned int nr_modules_dropped;    /* past BOOT_MAX_MODULES */

    /* The loader's own data (Multiboot2 info) to keep out of the frame
     * allocator until boot is done with it. */
    uint64_t loader_data_start, loader_data_end;

    bool has_rsdp;
    uint8_t rsdp[36];           /* ACPI 2.0 RSDP; ACPI 1.0 uses the first 20 */

    bool has_framebuffer;
    struct boot_framebuffer fb;

    /* UEFI memory map, raw, when the firmware was UEFI. */
    uint32_t efi_desc_size, efi_desc_version;
    uint32_t efi_mmap_size;
    uint8_t efi_mmap[BOOT_EFI_MMAP_MAX];
    bool efi_mmap_truncated;
};

/* Entry to the kernel proper. Never returns. */
__noreturn void kmain(struct boot_info *bi);

#endif
