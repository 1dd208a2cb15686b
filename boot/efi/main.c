/*
 * boot/efi/main.c: the Tern GNU-EFI loader, BOOTX64.EFI.
 *
 * A UEFI application that boots Tern without GRUB: it reads TERN.CFG
 * beside itself (config.c), offers a two-entry menu when the config asks
 * for one (1: Tern, 2: GRUB, chainloaded), loads tern.elf at its physical
 * address (elf.c) and the modules anywhere below 4 GiB, fills the same
 * struct boot_info that boot/mb2.c fills from Multiboot2 (loader name,
 * command line, modules, memory map, ACPI RSDP, framebuffer, raw UEFI
 * map), leaves boot services (memmap.c) and calls Tern's efi_entry
 * (boot/efi/handoff.h). Tern cannot tell the two paths apart except by
 * the loader's name in its banner.
 *
 * Every failure before ExitBootServices() is printed with what to do and
 * returns to the firmware (which then tries its next boot option) after
 * a key or half a minute. Context: boot services, one CPU, TPL_APPLICATION.
 */
#include "loader.h"

#define FAIL_WAIT_SECONDS   30
#define SECOND_100NS        10000000ull
#define CR4_LA57            (1ull << 12)

typedef void tern_entry_fn(uint64_t bi_phys, uint64_t phys_offset) __attribute__((sysv_abi));

/* How far from its link address elf_load() placed Tern (0 normally). */
static UINT64 kernel_offset;

static struct config cfg;

/* Wait for a key or 'seconds'; the key's character, or 0 on timeout. */
static CHAR16 wait_key(unsigned int seconds)
{
    EFI_EVENT events[2] = { ST->ConIn->WaitForKey, NULL };
    EFI_INPUT_KEY key = { 0, 0 };
    UINTN which = 1;

    if (EFI_ERROR(BS->CreateEvent(EVT_TIMER, 0, NULL, NULL, &events[1])))
        return 0;
    BS->SetTimer(events[1], TimerRelative, seconds * SECOND_100NS);
    BS->WaitForEvent(2, events, &which);
    BS->CloseEvent(events[1]);
    if (which != 0 || EFI_ERROR(ST->ConIn->ReadKeyStroke(ST->ConIn, &key)))
        return 0;
    return key.UnicodeChar ? key.UnicodeChar : L' ';
}

static EFI_STATUS fail(const CHAR16 *what, EFI_STATUS rc)
{
    Print(L"\n%s (%r).\nTern was not started. Press a key to return to the "
          L"firmware (or wait %u s).\n", what, rc, FAIL_WAIT_SECONDS);
    wait_key(FAIL_WAIT_SECONDS);
    return rc;
}

/* The directory the loader was started from, e.g. "\EFI\BOOT\", from the
 * file-path nodes of its device path ("Device Path Protocol"). */
static void loader_dir(const EFI_LOADED_IMAGE *li, char *dir, UINTN size)
{
    UINTN n = 0;
    for (EFI_DEVICE_PATH *dp = li->FilePath; dp && !IsDevicePathEnd(dp);
         dp = NextDevicePathNode(dp)) {
        if (DevicePathType(dp) != MEDIA_DEVICE_PATH ||
            DevicePathSubType(dp) != MEDIA_FILEPATH_DP)
            continue;
        const FILEPATH_DEVICE_PATH *fp = (const void *)dp;
        UINTN chars = (DevicePathNodeLength(dp) - 4) / sizeof(CHAR16);
        if (n && dir[n - 1] != '\\' && fp->PathName[0] != L'\\' && n + 1 < size)
            dir[n++] = '\\';
        for (UINTN i = 0; i < chars && fp->PathName[i] && n + 1 < size; i++)
            dir[n++] = fp->PathName[i] == L'/' ? '\\' : (char)fp->PathName[i];
    }
    while (n && dir[n - 1] != '\\')     /* drop the file name */
        n--;
    if (n == 0)
        ascii_copy(dir, size, "\\EFI\\BOOT\\", 10);
    else
        dir[n] = '\0';
}

static void read_config(const EFI_LOADED_IMAGE *li, EFI_FILE_HANDLE root)
{
    char path[CONFIG_PATH_MAX];
    void *text;
    UINTN len;

    loader_dir(li, path, sizeof(path) - 16);
    UINTN n = ascii_len(path);
    ascii_copy(path + n, sizeof(path) - n, "TERN.CFG", 8);
    EFI_STATUS rc = file_read(root, path, FALSE, &text, &len);
    if (EFI_ERROR(rc)) {
        Print(L"No %a (%r): booting %a with an empty command line\n", path,
              rc, "/boot/tern.elf");
        config_parse(&cfg, "", 0);
        return;
    }
    Print(L"Config %a\n", path);
    config_parse(&cfg, text, len);
    FreePool(text);
}

/* Menu entry 2: GRUB, as an ordinary UEFI image. Returns if it could not
 * be started or exited back to us. */
static void chainload_grub(EFI_HANDLE image, const EFI_LOADED_IMAGE *li)
{
    CHAR16 path16[CONFIG_PATH_MAX + 2];
    EFI_HANDLE child;

    file_path16(path16, ARRAY_SIZE(path16), cfg.grub);
    EFI_DEVICE_PATH *dp = FileDevicePath(li->DeviceHandle, path16);
    EFI_STATUS rc = dp ? BS->LoadImage(FALSE, image, dp, NULL, 0, &child)
                       : EFI_OUT_OF_RESOURCES;
    if (dp)
        FreePool(dp);
    if (EFI_ERROR(rc)) {
        Print(L"\nCannot load %s (%r); booting Tern instead\n", path16, rc);
        return;
    }
    rc = BS->StartImage(child, NULL, NULL);
    Print(L"\nGRUB returned (%r); booting Tern\n", rc);
}

static void menu(EFI_HANDLE image, const EFI_LOADED_IMAGE *li)
{
    EFI_INPUT_KEY key;

    Print(L"\n  1  Tern, through this loader (default)\n"
          L"  2  GRUB (%a)\n\n", cfg.grub);
    while (!EFI_ERROR(ST->ConIn->ReadKeyStroke(ST->ConIn, &key)))
        ;                               /* forget keys pressed earlier */
    for (unsigned int left = cfg.timeout; left > 0; left--) {
        Print(L"\rPress 1 or 2; booting 1 in %u s ", left);
        CHAR16 c = wait_key(1);
        if (c == L'2') {
            Print(L"\n");
            chainload_grub(image, li);
            return;
        }
        if (c)
            break;
    }
    Print(L"\n");
}

static void load_modules(EFI_FILE_HANDLE root, struct boot_info *bi)
{
    for (unsigned int i = 0; i < cfg.nr_modules; i++) {
        const struct config_module *m = &cfg.modules[i];
        void *p;
        UINTN n;
        EFI_STATUS rc = file_read(root, m->path, TRUE, &p, &n);
        if (EFI_ERROR(rc)) {
            /* As GRUB does: name it and go on; Tern's modules= option
             * reports modules a configuration needs but did not get. */
            Print(L"Module %a: %r; skipped\n", m->path, rc);
            continue;
        }
        struct boot_module *bm = &bi->modules[bi->nr_modules++];
        bm->start = (uint64_t)(UINTN)p;
        bm->end = bm->start + n;
        ascii_copy(bm->cmdline, sizeof(bm->cmdline), m->args, ascii_len(m->args));
        Print(L"Module %a: %lu bytes at %lx \"%a\"\n", m->path, (UINT64)n,
              bm->start, bm->cmdline);
    }
}

static EFI_STATUS load_kernel(EFI_FILE_HANDLE root,
                              const struct tern_efi_handoff **hdr)
{
    void *file;
    UINTN size;
    EFI_STATUS rc = file_read(root, cfg.kernel, FALSE, &file, &size);
    if (EFI_ERROR(rc)) {
        Print(L"Kernel %a: cannot read it\n", cfg.kernel);
        return rc;
    }
    Print(L"Kernel %a: %lu bytes\n", cfg.kernel, (UINT64)size);
    rc = elf_load(file, size, cfg.relocate, &kernel_offset, hdr);
    FreePool(file);
    return rc;
}

static struct boot_info *alloc_boot_info(void)
{
    EFI_PHYSICAL_ADDRESS pa = BELOW_4G;
    UINTN pages = EFI_SIZE_TO_PAGES(sizeof(struct boot_info));
    if (EFI_ERROR(BS->AllocatePages(AllocateMaxAddress, EfiLoaderData, pages, &pa)))
        return NULL;
    struct boot_info *bi = (void *)(UINTN)pa;
    ZeroMem(bi, sizeof(*bi));
    ascii_copy(bi->loader, sizeof(bi->loader), LOADER_NAME, ascii_len(LOADER_NAME));
    ascii_copy(bi->cmdline, sizeof(bi->cmdline), cfg.cmdline, ascii_len(cfg.cmdline));
    return bi;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    EFI_LOADED_IMAGE *li;
    const struct tern_efi_handoff *hdr;
    struct efi_map map;
    uint64_t cr4;
    EFI_STATUS rc;

    InitializeLib(image, systab);
    BS->SetWatchdogTimer(0, 0, 0, NULL);        /* no reset after 5 minutes */
    Print(L"\n%a\n", LOADER_NAME);

    rc = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
    if (EFI_ERROR(rc))
        return fail(L"No loaded-image protocol for this loader", rc);
    EFI_FILE_HANDLE root = LibOpenRoot(li->DeviceHandle);
    if (!root)
        return fail(L"Cannot open the partition this loader is on", EFI_NOT_FOUND);
    read_config(li, root);
    if (cfg.timeout && cfg.grub[0])
        menu(image, li);

    /* Tern's entry builds 4-level page tables; CR4.LA57 cannot be
     * cleared in 64-bit mode. */
    __asm__ __volatile__("mov %%cr4, %0" : "=r"(cr4));
    if (cr4 & CR4_LA57)
        return fail(L"This firmware runs with 5-level paging, which Tern "
                    L"does not support", EFI_UNSUPPORTED);

    struct boot_info *bi = alloc_boot_info();
    if (!bi)
        return fail(L"No memory below 4 GiB for the boot information",
                    EFI_OUT_OF_RESOURCES);
    rc = load_kernel(root, &hdr);
    if (EFI_ERROR(rc))
        return fail(L"Could not load the kernel", rc);
    load_modules(root, bi);
    firmware_find_rsdp(bi);
    firmware_find_framebuffer(bi);

    Print(L"Starting Tern: command line \"%a\"\n", bi->cmdline);
    rc = exit_boot_services(image, &map);
    if (EFI_ERROR(rc)) {
        /* Boot services may be half gone: this Print is best effort. */
        return fail(L"ExitBootServices failed", rc);
    }
    /* From here on: no firmware calls, no Print. */
    memmap_convert(&map, bi);
    __asm__ __volatile__("cli");
    /* The header holds link addresses; Tern may sit elsewhere. */
    ((tern_entry_fn *)(UINTN)(hdr->entry + kernel_offset))((uint64_t)(UINTN)bi,
                                                           kernel_offset);
    __builtin_unreachable();            /* efi_entry never returns */
}
