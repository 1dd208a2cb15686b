/*
 * boot/efi/loader.h: the pieces of the Tern GNU-EFI loader.
 *
 * The loader is a UEFI application (BOOTX64.EFI) built against Debian's
 * gnu-efi. main.c runs the steps in order; each other file is one step:
 *
 *   config.c   TERN.CFG beside the loader: kernel, cmdline, modules, menu
 *   file.c     reading files from the partition the loader came from
 *   elf.c      tern.elf's PT_LOAD segments at their physical addresses
 *   firmware.c the ACPI RSDP and the GOP framebuffer, into struct boot_info
 *   memmap.c   the UEFI memory map, ExitBootServices(), the map converted
 *
 * Context: boot services until exit_boot_services(); after it, only
 * memmap_convert() and the jump into Tern run (no Print, no allocation).
 * Built with GNU_EFI_USE_MS_ABI, so firmware calls are plain C calls
 * through EFIAPI (ms_abi) function pointers.
 */
#ifndef TERN_BOOT_EFI_LOADER_H
#define TERN_BOOT_EFI_LOADER_H

#include <efi.h>
#include <efilib.h>
#include <tern/boot_info.h>

#include "handoff.h"

#define LOADER_NAME         "Tern GNU-EFI loader"
#define CONFIG_NAME         L"TERN.CFG"
#define CONFIG_PATH_MAX     256
#define BELOW_4G            0xffffffffull

/* ---- config.c ---- */

struct config_module {
    char path[CONFIG_PATH_MAX];
    char args[BOOT_MODULE_CMDLINE_MAX];
};

struct config {
    char kernel[CONFIG_PATH_MAX];
    char cmdline[BOOT_CMDLINE_MAX];
    struct config_module modules[BOOT_MAX_MODULES];
    unsigned int nr_modules;
    unsigned int timeout;               /* menu wait in seconds, 0: none */
    BOOLEAN relocate;                   /* load Tern wherever there is room,
                                           even if its link address is free */
    char grub[CONFIG_PATH_MAX];         /* menu entry 2, "" if none */
};

/* Defaults, then each "key=value" line of 'text' (not NUL-terminated).
 * Bad lines are named on the console and skipped. */
void config_parse(struct config *cfg, const char *text, UINTN len);

/* ---- file.c ---- */

/* Read a whole file, 'path' in ASCII with '/' or '\'. Into pool memory
 * (*buf, FreePool when done) or, with below_4g, into EfiLoaderData pages
 * below 4 GiB (at least one page even for an empty file). */
EFI_STATUS file_read(EFI_FILE_HANDLE root, const char *path, BOOLEAN below_4g,
                     void **buf, UINTN *size);
/* 'path' as a CHAR16 UEFI path in 'out' ('/' -> '\', leading '\'). */
void file_path16(CHAR16 *out, UINTN out_len, const char *path);

/* ---- elf.c ---- */

/* Load the ELF image in 'file' and find its handoff header. */
/* Load tern.elf at its link address or, when that range is taken (or
 * 'relocate'), at any 2 MiB-aligned range below 4 GiB; *offset is how
 * far from the link address it went. */
EFI_STATUS elf_load(const void *file, UINTN size, BOOLEAN relocate,
                    UINT64 *offset,
                    const struct tern_efi_handoff **hdr);

/* ---- firmware.c ---- */

void firmware_find_rsdp(struct boot_info *bi);
void firmware_find_framebuffer(struct boot_info *bi);

/* ---- memmap.c ---- */

struct efi_map {
    void *buf;
    UINTN cap, size, desc_size;
    UINT32 desc_version;
};

/* Take the memory map and leave boot services, retrying on a stale map
 * key. On success boot services are gone. */
EFI_STATUS exit_boot_services(EFI_HANDLE image, struct efi_map *map);
/* The UEFI map as Tern's memory map, and raw into bi->efi_mmap. Pure. */
void memmap_convert(const struct efi_map *map, struct boot_info *bi);

/* ---- small string helpers (config.c) ---- */

UINTN ascii_len(const char *s);
/* Copy with truncation; always NUL-terminates. True if it all fit. */
BOOLEAN ascii_copy(char *dst, UINTN size, const char *src, UINTN n);

#endif
