/*
 * boot/efi/elf.c: put tern.elf where it is linked to run.
 *
 * Tern is an ELF64 executable whose program headers give each loadable
 * segment a physical address (p_paddr; link.ld's AT()), 2 MiB upward.
 * Like GRUB's Multiboot2 loader, this loader claims exactly those pages
 * (AllocateAddress), zeroes them and copies each segment's file bytes in.
 * The pages are EfiLoaderCode: firmware that maps EfiLoaderData
 * non-executable (OVMF's NX policy does) still lets efi_entry run.
 *
 * ELF layouts from the System V ABI, "ELF Header" and "Program Header",
 * with the x86-64 supplement's EM_X86_64.
 */
#include "loader.h"

struct elf64_ehdr {
    UINT8 e_ident[16];          /* 0x00: \x7fELF, class, data, version */
    UINT16 e_type;              /* 0x10 */
    UINT16 e_machine;           /* 0x12 */
    UINT32 e_version;           /* 0x14 */
    UINT64 e_entry;             /* 0x18 */
    UINT64 e_phoff;             /* 0x20 */
    UINT64 e_shoff;             /* 0x28 */
    UINT32 e_flags;             /* 0x30 */
    UINT16 e_ehsize;            /* 0x34 */
    UINT16 e_phentsize;         /* 0x36 */
    UINT16 e_phnum;             /* 0x38 */
    UINT16 e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
    UINT32 p_type;              /* 0x00 */
    UINT32 p_flags;             /* 0x04 */
    UINT64 p_offset;            /* 0x08 */
    UINT64 p_vaddr;             /* 0x10 */
    UINT64 p_paddr;             /* 0x18 */
    UINT64 p_filesz;            /* 0x20 */
    UINT64 p_memsz;             /* 0x28 */
    UINT64 p_align;             /* 0x30 */
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 phdr is 56 bytes");

#define ELFCLASS64      2
#define ELFDATA2LSB     1
#define ET_EXEC         2
#define EM_X86_64       62
#define PT_LOAD         1
#define TWO_MIB             0x200000ull
#define FOUR_GIB        0x100000000ull

static const struct elf64_phdr *phdr(const void *file, UINTN i)
{
    const struct elf64_ehdr *eh = file;
    return (const void *)((const UINT8 *)file + eh->e_phoff + i * eh->e_phentsize);
}

static EFI_STATUS elf_check(const void *file, UINTN size)
{
    const struct elf64_ehdr *eh = file;
    if (size < sizeof(*eh) || eh->e_ident[0] != 0x7f || eh->e_ident[1] != 'E' ||
        eh->e_ident[2] != 'L' || eh->e_ident[3] != 'F') {
        Print(L"  not an ELF file\n");
        return EFI_LOAD_ERROR;
    }
    if (eh->e_ident[4] != ELFCLASS64 || eh->e_ident[5] != ELFDATA2LSB ||
        eh->e_type != ET_EXEC || eh->e_machine != EM_X86_64) {
        Print(L"  not an x86-64 ELF64 executable\n");
        return EFI_LOAD_ERROR;
    }
    if (eh->e_phentsize != sizeof(struct elf64_phdr) || eh->e_phoff > size ||
        (UINT64)eh->e_phnum * sizeof(struct elf64_phdr) > size - eh->e_phoff) {
        Print(L"  program headers out of the file\n");
        return EFI_LOAD_ERROR;
    }
    for (UINTN i = 0; i < eh->e_phnum; i++) {
        const struct elf64_phdr *ph = phdr(file, i);
        if (ph->p_type != PT_LOAD)
            continue;
        if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset ||
            ph->p_filesz > ph->p_memsz || ph->p_paddr >= FOUR_GIB ||
            ph->p_memsz > FOUR_GIB - ph->p_paddr) {
            Print(L"  segment %u is out of the file or above 4 GiB\n", i);
            return EFI_LOAD_ERROR;
        }
    }
    return EFI_SUCCESS;
}

/* The handoff header, found in the file bytes of the lowest segment:
 * those are what the first TERN_EFI_HANDOFF_SEARCH bytes of the loaded
 * image will hold. */
static const struct tern_efi_handoff *find_handoff(const void *file,
                                                   UINT64 lowest, UINT64 *pa)
{
    const struct elf64_ehdr *eh = file;
    for (UINTN i = 0; i < eh->e_phnum; i++) {
        const struct elf64_phdr *ph = phdr(file, i);
        if (ph->p_type != PT_LOAD || ph->p_paddr != lowest)
            continue;
        UINT64 n = MIN(ph->p_filesz, (UINT64)TERN_EFI_HANDOFF_SEARCH);
        for (UINT64 off = (8 - (ph->p_paddr & 7)) & 7;
             off + sizeof(struct tern_efi_handoff) <= n; off += 8) {
            const struct tern_efi_handoff *h =
                (const void *)((const UINT8 *)file + ph->p_offset + off);
            if (h->magic == TERN_EFI_HANDOFF_MAGIC) {
                *pa = ph->p_paddr + off;
                return h;
            }
        }
    }
    return NULL;
}

static EFI_STATUS handoff_check(const struct tern_efi_handoff *h, UINT64 lo,
                                UINT64 hi)
{
    if (!h) {
        Print(L"  no Tern EFI handoff header: is this tern.elf, and new enough?\n");
        return EFI_LOAD_ERROR;
    }
    if (h->version != TERN_EFI_HANDOFF_VERSION ||
        h->boot_info_size != sizeof(struct boot_info)) {
        Print(L"  tern.elf speaks handoff version %u with a %u-byte boot_info; "
              L"this loader speaks %u with %u bytes.\n"
              L"  Copy BOOTX64.EFI and tern.elf from the same build.\n",
              h->version, h->boot_info_size, TERN_EFI_HANDOFF_VERSION,
              (UINT32)sizeof(struct boot_info));
        return EFI_INCOMPATIBLE_VERSION;
    }
    if (h->image_start != lo || h->image_end < hi || h->image_end > FOUR_GIB ||
        h->entry < lo || h->entry >= hi || (lo & EFI_PAGE_MASK)) {
        Print(L"  the handoff header disagrees with the program headers\n");
        return EFI_LOAD_ERROR;
    }
    return EFI_SUCCESS;
}

/* AllocateAddress failed: say which firmware memory is in the way. */
static void explain_clash(UINT64 lo, UINT64 hi)
{
    UINTN size = 0, key, dsize;
    UINT32 dver;
    BS->GetMemoryMap(&size, NULL, &key, &dsize, &dver);
    size += 4 * dsize;
    UINT8 *map = AllocatePool(size);
    if (!map || EFI_ERROR(BS->GetMemoryMap(&size, (void *)map, &key, &dsize, &dver)))
        goto out;
    for (UINTN off = 0; off + dsize <= size; off += dsize) {
        const EFI_MEMORY_DESCRIPTOR *d = (const void *)(map + off);
        UINT64 s = d->PhysicalStart, e = s + d->NumberOfPages * EFI_PAGE_SIZE;
        if (s < hi && e > lo && d->Type != EfiConventionalMemory)
            Print(L"  in use: %lx-%lx, UEFI memory type %u\n", s, e, d->Type);
    }
out:
    if (map)
        FreePool(map);
}

EFI_STATUS elf_load(const void *file, UINTN size, BOOLEAN relocate,
                    UINT64 *offset, const struct tern_efi_handoff **hdr)
{
    const struct elf64_ehdr *eh = file;
    EFI_STATUS rc = elf_check(file, size);
    if (EFI_ERROR(rc))
        return rc;

    UINT64 lo = ~0ull, hi = 0;
    for (UINTN i = 0; i < eh->e_phnum; i++) {
        const struct elf64_phdr *ph = phdr(file, i);
        if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
            continue;
        lo = MIN(lo, ph->p_paddr);
        hi = MAX(hi, ph->p_paddr + ph->p_memsz);
    }
    if (lo >= hi) {
        Print(L"  no loadable segments\n");
        return EFI_LOAD_ERROR;
    }
    UINT64 h_pa = 0;
    const struct tern_efi_handoff *h = find_handoff(file, lo, &h_pa);
    rc = handoff_check(h, lo, hi);
    if (EFI_ERROR(rc))
        return rc;
    hi = h->image_end;

    EFI_PHYSICAL_ADDRESS at = lo;
    UINTN pages = EFI_SIZE_TO_PAGES(hi - lo);
    rc = relocate ? EFI_NOT_FOUND
                  : BS->AllocatePages(AllocateAddress, EfiLoaderCode, pages, &at);
    if (EFI_ERROR(rc)) {
        /* Anywhere below 4 GiB, 2 MiB-aligned: Tern's early page tables
         * map its image with 2 MiB pages (boot/efi_entry.asm). */
        if (!relocate) {
            Print(L"  Tern's link address %lx-%lx is taken (%r):\n", lo, hi, rc);
            explain_clash(lo, hi);
        }
        at = FOUR_GIB - 1;
        rc = BS->AllocatePages(AllocateMaxAddress, EfiLoaderCode,
                               pages + EFI_SIZE_TO_PAGES(TWO_MIB), &at);
        if (EFI_ERROR(rc)) {
            Print(L"  no room below 4 GiB for %lu KiB (%r)\n", (hi - lo) >> 10, rc);
            return rc;
        }
        at = (at + TWO_MIB - 1) & ~(UINT64)(TWO_MIB - 1);
    }
    *offset = at - lo;

    UINT8 *image = (UINT8 *)(UINTN)at;
    SetMem(image, hi - lo, 0);
    for (UINTN i = 0; i < eh->e_phnum; i++) {
        const struct elf64_phdr *ph = phdr(file, i);
        if (ph->p_type == PT_LOAD)
            CopyMem(image + (ph->p_paddr - lo),
                    (const UINT8 *)file + ph->p_offset, ph->p_filesz);
    }
    h_pa += *offset;
    *hdr = (const void *)(UINTN)h_pa;
    Print(L"  %lu KiB at physical %lx-%lx%s\n", (hi - lo) >> 10, at,
          at + (hi - lo), *offset ? L" (relocated)" : L"");
    return EFI_SUCCESS;
}
