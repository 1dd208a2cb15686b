/*
 * boot/efi_handoff.c: the kernel's half of the GNU-EFI boot path.
 *
 * The loader (boot/efi/) finds efi_handoff_header in the image, fills a
 * struct boot_info and enters boot/efi_entry.asm, which builds the early
 * page tables and calls efi_boot() on the kernel boot stack, interrupts
 * off. Everything the firmware said is already in Tern's words, so this
 * only copies the struct into the kernel image (the loader's pages are
 * ordinary free RAM from here on) and enters kmain(), as mb2_boot() does
 * for GRUB. The protocol: boot/efi/handoff.h.
 */
#include <tern/boot_info.h>
#include <tern/lib.h>
#include <tern/mm.h>

#include "efi/handoff.h"

extern char efi_entry[];

/* Read by the loader, never by the kernel: 'used' keeps it. */
__section(".boot.rodata") __attribute__((used, aligned(8)))
static const struct tern_efi_handoff efi_handoff_header = {
    .magic = TERN_EFI_HANDOFF_MAGIC,
    .version = TERN_EFI_HANDOFF_VERSION,
    .boot_info_size = sizeof(struct boot_info),
    .entry = (uint64_t)efi_entry,
    .image_start = (uint64_t)_kernel_phys_start,
    .image_end = (uint64_t)_kernel_phys_end,
};

/* Called from boot/efi_entry.asm only. */
__noreturn void efi_boot(uint64_t bi_phys, uint64_t phys_offset);

__noreturn void efi_boot(uint64_t bi_phys, uint64_t phys_offset)
{
    static struct boot_info bi;

    /* First: every virt_to_phys() of a kernel address depends on it. */
    kernel_phys_offset = phys_offset;
    memcpy(&bi, phys_to_virt(bi_phys), sizeof(bi));
    kmain(&bi);
}
