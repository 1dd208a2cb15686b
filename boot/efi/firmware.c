/*
 * boot/efi/firmware.c: what the firmware knows that Tern needs, in
 * Tern's words: the ACPI RSDP and the GOP framebuffer.
 *
 * The RSDP comes from the EFI configuration table (UEFI specification,
 * "EFI Configuration Table & Properties Table"): the ACPI 2.0 entry when
 * there is one, else the ACPI 1.0 entry. There is no BIOS area to scan on
 * a UEFI machine, so this is the only way Tern finds ACPI here.
 *
 * The framebuffer is the Graphics Output Protocol's current mode ("EFI
 * Graphics Output Protocol"): Tern keeps whatever mode the firmware set,
 * which is the one it is already showing.
 */
#include "loader.h"

static BOOLEAN guid_eq(const EFI_GUID *a, const EFI_GUID *b)
{
    return CompareMem(a, b, sizeof(*a)) == 0;
}

void firmware_find_rsdp(struct boot_info *bi)
{
    static const EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
    const UINT8 *rsdp = NULL;

    for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
        const EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
        if (guid_eq(&t->VendorGuid, &acpi20)) {
            rsdp = t->VendorTable;
            break;
        }
        if (guid_eq(&t->VendorGuid, &acpi10))
            rsdp = t->VendorTable;
    }
    if (!rsdp) {
        Print(L"  no ACPI tables from the firmware\n");
        return;
    }
    /* Revision 2+ has the 36-byte layout with the XSDT address. */
    UINTN len = rsdp[15] >= 2 ? 36 : 20;
    CopyMem(bi->rsdp, rsdp, len);
    bi->has_rsdp = true;
    Print(L"  ACPI RSDP revision %u at %lx\n", rsdp[15], (UINT64)(UINTN)rsdp);
}

/* A PixelBitMask channel: its lowest bit and its width. */
static void mask_to_field(UINT32 mask, uint8_t *pos, uint8_t *size)
{
    *pos = 0;
    *size = 0;
    if (!mask)
        return;
    while (!(mask & 1)) {
        mask >>= 1;
        (*pos)++;
    }
    while (mask & 1) {
        mask >>= 1;
        (*size)++;
    }
}

static unsigned int mask_bits(UINT32 mask)
{
    unsigned int n = 0;
    while (mask) {
        mask >>= 1;
        n++;
    }
    return n;
}

/* A GOP with a framebuffer. A real device (one with a device path) is
 * preferred to the firmware console's virtual one, which some firmware
 * installs without a framebuffer address. */
static EFI_GRAPHICS_OUTPUT_PROTOCOL *find_gop(void)
{
    EFI_GRAPHICS_OUTPUT_PROTOCOL *best = NULL;
    EFI_HANDLE *handles;
    UINTN n;

    if (EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &GraphicsOutputProtocol,
                                         NULL, &n, &handles)))
        return NULL;
    for (UINTN i = 0; i < n; i++) {
        EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
        void *dp;
        if (EFI_ERROR(BS->HandleProtocol(handles[i], &GraphicsOutputProtocol,
                                         (void **)&gop)) ||
            !gop->Mode || !gop->Mode->Info || !gop->Mode->FrameBufferBase)
            continue;
        if (!EFI_ERROR(BS->HandleProtocol(handles[i], &DevicePathProtocol, &dp))) {
            best = gop;
            break;
        }
        if (!best)
            best = gop;
    }
    FreePool(handles);
    return best;
}

void firmware_find_framebuffer(struct boot_info *bi)
{
    EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = find_gop();
    if (!gop) {
        Print(L"  no graphics output: the screen console stays off\n");
        return;
    }
    const EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = gop->Mode->Info;
    struct boot_framebuffer *fb = &bi->fb;

    switch (info->PixelFormat) {
    case PixelRedGreenBlueReserved8BitPerColor:
        *fb = (struct boot_framebuffer){ .bpp = 32, .red_pos = 0, .green_pos = 8,
                                         .blue_pos = 16 };
        fb->red_size = fb->green_size = fb->blue_size = 8;
        break;
    case PixelBlueGreenRedReserved8BitPerColor:
        *fb = (struct boot_framebuffer){ .bpp = 32, .red_pos = 16, .green_pos = 8,
                                         .blue_pos = 0 };
        fb->red_size = fb->green_size = fb->blue_size = 8;
        break;
    case PixelBitMask: {
        const EFI_PIXEL_BITMASK *m = &info->PixelInformation;
        *fb = (struct boot_framebuffer){ 0 };
        mask_to_field(m->RedMask, &fb->red_pos, &fb->red_size);
        mask_to_field(m->GreenMask, &fb->green_pos, &fb->green_size);
        mask_to_field(m->BlueMask, &fb->blue_pos, &fb->blue_size);
        unsigned int bits = mask_bits(m->RedMask | m->GreenMask | m->BlueMask |
                                      m->ReservedMask);
        fb->bpp = (uint8_t)ALIGN_UP(bits, 8u);
        break;
    }
    default:
        Print(L"  the graphics output has no framebuffer (blit only): the "
              L"screen console stays off\n");
        return;
    }
    fb->type = 1;                       /* direct RGB, as Multiboot2 says */
    fb->addr = gop->Mode->FrameBufferBase;
    fb->width = info->HorizontalResolution;
    fb->height = info->VerticalResolution;
    fb->pitch = info->PixelsPerScanLine * (fb->bpp / 8);
    bi->has_framebuffer = fb->addr != 0 && fb->bpp != 0;
    Print(L"  framebuffer %ux%u, %u bpp at %lx\n", fb->width, fb->height,
          fb->bpp, fb->addr);
}
