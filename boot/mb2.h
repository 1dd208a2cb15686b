/*
 * boot/mb2.h: the Multiboot2 parser's interface (boot/mb2.c), for the
 * assembly entry and the host unit test.
 */
#ifndef TERN_BOOT_MB2_H
#define TERN_BOOT_MB2_H

#include <tern/boot_info.h>

/* Fill 'bi' (zeroed by the caller) from the boot information at 'info',
 * whose physical address is 'info_phys'. Malformed tags end the walk. */
void mb2_parse(const uint8_t *info, uint64_t info_phys, struct boot_info *bi);

#endif
