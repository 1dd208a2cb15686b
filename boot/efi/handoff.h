/*
 * boot/efi/handoff.h: how the GNU-EFI loader finds and enters Tern.
 *
 * Shared by the loader (boot/efi/, a UEFI application) and the kernel
 * (boot/efi_handoff.c, boot/efi_entry.asm). The kernel carries one
 * struct tern_efi_handoff in its .boot section, 8-byte aligned within the
 * first TERN_EFI_HANDOFF_SEARCH bytes of the loaded image, much as a
 * Multiboot2 kernel carries its header. The loader:
 *
 *   1. loads every PT_LOAD segment of tern.elf at its physical address,
 *      after allocating [image_start, image_end) and zeroing it (so the
 *      NOLOAD .bss sections are zero, as GRUB leaves them);
 *   2. finds this header, checks magic, version and boot_info_size (a
 *      loader and kernel from different builds must not shake hands);
 *   3. fills a struct boot_info (include/tern/boot_info.h) in memory
 *      below 4 GiB, calls ExitBootServices(), and calls 'entry' as a
 *      SysV function: RDI = physical address of the struct boot_info.
 *
 * At 'entry' the CPU is as UEFI x64 leaves it (UEFI specification,
 * "Calling Conventions", x64 platforms): 64-bit mode, paging on with
 * physical memory identity-mapped, plus interrupts off (the loader's
 * last act). Nothing else may be assumed: the kernel brings its own
 * stack, GDT and page tables before it touches the higher half.
 */
#ifndef TERN_BOOT_EFI_HANDOFF_H
#define TERN_BOOT_EFI_HANDOFF_H

#include <stdint.h>

/* "TernEFI1" as a little-endian 64-bit number. */
#define TERN_EFI_HANDOFF_MAGIC      0x314946456e726554ull
#define TERN_EFI_HANDOFF_VERSION    1
/* How far into the image (from image_start) the loader looks. */
#define TERN_EFI_HANDOFF_SEARCH     (64 * 1024)

struct tern_efi_handoff {
    uint64_t magic;             /* 0x00: TERN_EFI_HANDOFF_MAGIC */
    uint32_t version;           /* 0x08: TERN_EFI_HANDOFF_VERSION */
    uint32_t boot_info_size;    /* 0x0c: sizeof(struct boot_info) */
    uint64_t entry;             /* 0x10: physical address of efi_entry */
    uint64_t image_start;       /* 0x18: physical, first byte of the image */
    uint64_t image_end;         /* 0x20: physical, end of .bss (exclusive) */
};

_Static_assert(sizeof(struct tern_efi_handoff) == 0x28,
               "the handoff header's layout is an ABI between two binaries");

#endif
