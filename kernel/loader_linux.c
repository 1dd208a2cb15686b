/*
 * kernel/loader_linux.c: a Linux guest (kind=linux), booted by the
 * Linux x86 boot protocol's 32-bit entry, as a boot loader does.
 *
 * Interface: loader_linux(), called by kernel/loader.c with the bzImage,
 * its initrd module and the kernel command line.
 *
 * The facts are the boot protocol's (Linux Documentation/arch/x86/
 * boot.rst, "The Linux/x86 Boot Protocol", and zero-page.rst):
 *
 *   - a bzImage starts with the real-mode setup (setup_sects+1 sectors
 *     of 512 bytes); its setup header sits at offset 0x1f1 with the
 *     magic "HdrS" at 0x202 and the protocol version at 0x206; the rest
 *     of the file is the protected-mode kernel, which goes at 0x100000
 *     (LOADED_HIGH) and decompresses itself;
 *   - the loader fills a "zero page" (struct boot_params): the setup
 *     header copied from the image, type_of_loader, the command line's
 *     and the initrd's addresses, an E820 memory map, and (protocol
 *     2.14+) where the ACPI RSDP is;
 *   - 32-bit entry at code32_start: protected mode, paging off, CS a
 *     flat 4 GiB code segment with selector __BOOT_CS (0x10), DS/ES/SS
 *     flat data with __BOOT_DS (0x18), interrupts off, ESI the zero
 *     page, EBX EBP EDI 0.
 *
 * The guest-physical layout Tern gives a Linux guest:
 *
 *   0x00000-0x9fbff  RAM            0xa0000-0xbffff  hole (VGA: MMIO)
 *   0x9fc00-0x9ffff  reserved       0xe0000-0xfffff  reserved: ACPI
 *   0x10000          zero page      0x20000          command line
 *   0x100000-        the kernel (it moves itself to 16 MiB)
 *   top of RAM       the initrd
 *
 * The ACPI tables (kernel/acpi_guest.c) describe no local APIC and no
 * I/O APIC, so Linux drives the 8259 pair; their PM1 block is the
 * device model's (dm/devices/acpi_pm.c): its poweroff and reboot end
 * the domain. docs/linux.md has the why of each choice.
 *
 * Context: boot, before the scheduler starts.
 */
#include <tern/acpi_guest.h>
#include <tern/boot.h>
#include <tern/console.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/hvm.h>
#include <tern/lib.h>
#include <tern/loader.h>
#include <tern/mm.h>

/* The setup header, at these offsets in the image and the zero page. */
#define HDR_SETUP_SECTS     0x1f1
#define HDR_BOOT_FLAG       0x1fe
#define HDR_JUMP            0x200       /* byte 0x201: the header's length */
#define HDR_MAGIC           0x202       /* "HdrS" */
#define HDR_VERSION         0x206
#define HDR_TYPE_OF_LOADER  0x210
#define HDR_LOADFLAGS       0x211
#define HDR_CODE32_START    0x214
#define HDR_RAMDISK_IMAGE   0x218
#define HDR_RAMDISK_SIZE    0x21c
#define HDR_CMD_LINE_PTR    0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_CMDLINE_SIZE    0x238
#define HDR_INIT_SIZE       0x260

#define LOADFLAGS_LOADED_HIGH   0x01
#define BOOT_FLAG               0xaa55
#define HDRS_MAGIC              0x53726448u     /* "HdrS" */
#define PROTOCOL_MIN            0x020a          /* 2.10: init_size, cmdline_size... */
#define PROTOCOL_RSDP           0x020e          /* 2.14: acpi_rsdp_addr */

/* The zero page beyond the header (zero-page.rst). */
#define BP_ACPI_RSDP_ADDR   0x070
#define BP_E820_ENTRIES     0x1e8
#define BP_E820_TABLE       0x2d0
#define E820_MAX            128

#define E820_RAM            1
#define E820_RESERVED       2

#define ZERO_PAGE_GPA       0x10000ul
#define CMDLINE_GPA         0x20000ul
#define KERNEL_GPA          0x100000ul
#define KERNEL_RUN_GPA      0x1000000ul     /* where it decompresses itself
                                               (CONFIG_PHYSICAL_START) */
#define ACPI_GPA            0xe0000ul
#define BIOS_AREA_END       0x100000ul
#define EBDA_GPA            0x9fc00ul
#define BOOT_CS             0x10
#define BOOT_DS             0x18

struct e820_entry {
    uint64_t addr, size;
    uint32_t type;
} __packed;

static uint32_t rd32(const uint8_t *p, size_t off)
{
    uint32_t v;
    memcpy(&v, p + off, 4);
    return v;
}

static uint16_t rd16(const uint8_t *p, size_t off)
{
    uint16_t v;
    memcpy(&v, p + off, 2);
    return v;
}

static void wr32(uint8_t *p, size_t off, uint32_t v)
{
    memcpy(p + off, &v, 4);
}

/* Is this a bzImage Tern can boot? The protected-mode kernel's offset
 * and size in *pm_off, *pm_size. */
static int linux_check_image(const char *name, const uint8_t *img, size_t size,
                             size_t *pm_off, size_t *pm_size)
{
    if (size < 0x1000 || rd16(img, HDR_BOOT_FLAG) != BOOT_FLAG ||
        rd32(img, HDR_MAGIC) != HDRS_MAGIC) {
        pr_err("loader: %s: not a Linux bzImage (no boot flag 0xAA55 at "
               "0x1fe and \"HdrS\" at 0x202)\n", name);
        return -EINVAL;
    }
    uint16_t version = rd16(img, HDR_VERSION);
    if (version < PROTOCOL_MIN) {
        pr_err("loader: %s: boot protocol %u.%02u is older than the 2.10 "
               "Tern needs\n", name, version >> 8, version & 0xff);
        return -EINVAL;
    }
    if (!(img[HDR_LOADFLAGS] & LOADFLAGS_LOADED_HIGH)) {
        pr_err("loader: %s: not a bzImage (LOADED_HIGH is clear: a zImage "
               "for below 1 MiB)\n", name);
        return -EINVAL;
    }
    unsigned int sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
    *pm_off = (sects + 1) * 512ul;
    if (*pm_off >= size) {
        pr_err("loader: %s: its setup (%zu bytes) is as big as the file\n",
               name, *pm_off);
        return -EINVAL;
    }
    *pm_size = size - *pm_off;
    return 0;
}

/* The E820 map of the layout above, into the zero page. */
static void linux_e820(uint8_t *zp, uint64_t mem_size)
{
    const struct e820_entry map[] = {
        { 0, EBDA_GPA, E820_RAM },
        { EBDA_GPA, GUEST_VGA_HOLE_START - EBDA_GPA, E820_RESERVED },
        { ACPI_GPA, BIOS_AREA_END - ACPI_GPA, E820_RESERVED },
        { KERNEL_GPA, mem_size - KERNEL_GPA, E820_RAM },
    };
    memcpy(zp + BP_E820_TABLE, map, sizeof(map));
    zp[BP_E820_ENTRIES] = ARRAY_SIZE(map);
}

/* The ACPI tables at ACPI_GPA: their RSDP's address, or 0 if they could
 * not be built (the guest then boots without ACPI, and says so). */
static uint64_t linux_acpi(struct domain *d)
{
    struct acpi_guest_config cfg;
    uint8_t *buf = p2m_gpa_to_hva(d, ACPI_GPA, ACPI_GUEST_TABLES_MAX);
    uint64_t rsdp = 0;

    acpi_guest_config_default(&cfg);
    d->pm_timer_port = cfg.pm_tmr_port;     /* Tern answers it: io.c */
    if (!buf || acpi_guest_build(buf, ACPI_GUEST_TABLES_MAX, ACPI_GPA, &cfg,
                                 &rsdp) < 0)
        return 0;
    return rsdp;
}

int loader_linux(struct domain *d, struct vcpu *v, const uint8_t *img,
                 size_t size, const struct boot_module *initrd,
                 const char *cmdline)
{
    size_t pm_off, pm_size;
    int rc = linux_check_image(d->name, img, size, &pm_off, &pm_size);
    if (rc)
        return rc;
    if (!initrd) {
        pr_err("loader: %s: kind=linux needs its initrd: a module "
               "'name=NAME role=initrd' and initrd=NAME on the guest's "
               "line\n", d->name);
        return -EINVAL;
    }

    /* Where everything goes, checked before anything is written. */
    uint64_t init_size = rd32(img, HDR_INIT_SIZE);
    uint64_t initrd_size = initrd->end - initrd->start;
    uint64_t initrd_max = MIN((uint64_t)rd32(img, HDR_INITRD_ADDR_MAX) + 1,
                              d->mem_size);
    uint64_t initrd_gpa = ALIGN_DOWN(initrd_max - MIN(initrd_size, initrd_max),
                                     PAGE_SIZE);
    uint64_t kernel_end = MAX(KERNEL_GPA + pm_size, KERNEL_RUN_GPA + init_size);
    if (initrd_size > initrd_max || initrd_gpa < kernel_end) {
        pr_err("loader: %s: the kernel (%zu bytes, %lu MiB once unpacked "
               "at 16 MiB) and its initrd (%lu bytes) do not fit in %lu MiB "
               "of RAM: give it more (mem=)\n", d->name, pm_size,
               init_size >> 20, initrd_size, d->mem_size >> 20);
        return -E2BIG;
    }
    uint32_t cmdline_max = rd32(img, HDR_CMDLINE_SIZE);
    size_t cmdline_len = strlen(cmdline);
    if (cmdline_max && cmdline_len > cmdline_max) {
        pr_err("loader: %s: its command line is %zu bytes, over the "
               "kernel's %u\n", d->name, cmdline_len, cmdline_max);
        return -E2BIG;
    }

    /* The zero page: the image's setup header, then what a loader says. */
    uint8_t *zp = p2m_gpa_to_hva(d, ZERO_PAGE_GPA, PAGE_SIZE);
    size_t hdr_end = HDR_MAGIC + img[HDR_JUMP + 1];
    memset(zp, 0, PAGE_SIZE);
    memcpy(zp + HDR_SETUP_SECTS, img + HDR_SETUP_SECTS,
           MIN(hdr_end, (size_t)PAGE_SIZE) - HDR_SETUP_SECTS);
    zp[HDR_TYPE_OF_LOADER] = 0xff;          /* "undefined": no ID of its own */
    wr32(zp, HDR_CMD_LINE_PTR, CMDLINE_GPA);
    wr32(zp, HDR_RAMDISK_IMAGE, (uint32_t)initrd_gpa);
    wr32(zp, HDR_RAMDISK_SIZE, (uint32_t)initrd_size);
    linux_e820(zp, d->mem_size);
    uint64_t rsdp = linux_acpi(d);
    if (rsdp && rd16(img, HDR_VERSION) >= PROTOCOL_RSDP)
        memcpy(zp + BP_ACPI_RSDP_ADDR, &rsdp, 8);
    if (!rsdp)
        pr_warn("loader: %s: no ACPI tables: the guest cannot power off\n",
                d->name);

    p2m_copy_to_guest(d, CMDLINE_GPA, cmdline, cmdline_len + 1);
    p2m_copy_to_guest(d, KERNEL_GPA, img + pm_off, pm_size);
    p2m_copy_to_guest(d, initrd_gpa, phys_to_virt(initrd->start), initrd_size);

    /* The 32-bit entry: the boot protocol's segments and registers. */
    const struct hvm_segment cs = { BOOT_CS, 0xc09b, 0xffffffff, 0 };
    const struct hvm_segment ds = { BOOT_DS, 0xc093, 0xffffffff, 0 };
    for (enum hvm_seg s = SEG_ES; s <= SEG_GS; s++)
        hvm->set_seg(v, s, s == SEG_CS ? &cs : &ds);
    v->regs.rip = rd32(img, HDR_CODE32_START);
    v->regs.gpr[GPR_RSI] = ZERO_PAGE_GPA;
    v->regs.rflags = 0x2;                   /* IF=0 */

    uint16_t version = rd16(img, HDR_VERSION);
    pr_info("loader: %s: Linux boot protocol %u.%02u, kernel %zu bytes at "
            "%#lx (%lu MiB unpacked), initrd %lu bytes at %#lx, ACPI RSDP "
            "%#lx, command line \"%s\"\n", d->name, version >> 8,
            version & 0xff, pm_size, KERNEL_GPA, init_size >> 20, initrd_size,
            initrd_gpa, rsdp, cmdline);
    return 0;
}
