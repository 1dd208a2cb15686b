# tests/emu/usb.sh: the USB stick image and the GNU-EFI loader (docs/usb.md).
# Sourced by tests/run-all.sh with tests/emu/lib.sh, whose USB kinds boot
# tools/mkusb.sh's disk image instead of the ISO.
#
#   efi         the GNU-EFI loader passes the foundation suite's boot tests,
#               with its own name in the banner instead of GRUB's
#   usb-ovmf    UEFI, the image's default: its menu, then the GNU-EFI loader
#   usb-grub    UEFI, menu entry 2 chosen by a key: GRUB, then Multiboot2
#   usb-bios    legacy BIOS: GRUB from the MBR and the BIOS boot partition
#   efi-screen  no serial port: the boot log must be readable on the screen

. tests/emu/foundation.sh        # foundation_report_cases

usb_EMUS="efi usb-ovmf usb-grub usb-bios efi-screen"

USB_SVM_BANNER=("AMD-V (SVM): present" "NPT yes")
# The boot paths' cases run the self-tests that do not measure time (the
# timer test, which compares two clocks, is the efi kind's selftests case).
USB_TESTS="test=frame,paging,heap onpanic=shutdown"

# The foundation suite's cases (tests/emu/foundation.sh), through the
# GNU-EFI loader.
usb_efi_cases() {
    local emu=$1

    emu_case selftests "$emu" "test=all onpanic=shutdown" 0 \
        "Tern GNU-EFI loader" "Kernel /boot/tern.elf" \
        "Tern 0.1, a small type-1 hypervisor" \
        "boot: loaded by Tern GNU-EFI loader; command line \"test=all onpanic=shutdown\"" \
        "boot: ACPI RSDP revision 2 given by the loader" \
        "boot: framebuffer " "boot: UEFI memory map" \
        "${USB_SVM_BANNER[@]}" \
        "TEST frame: PASS" "TEST paging: PASS" "TEST heap: PASS" \
        "TEST timer: PASS" "TESTS DONE: 4 passed, 0 failed" "!FAIL"

    # Told to load Tern away from its link address (as when firmware holds
    # 2 MiB), the loader relocates it; the kernel's physical addresses
    # (page tables, frames, VMCB/VMCS pages, ring-3 stacks) follow.
    export USB_RELOCATE=1
    emu_case relocated-selftests "$emu" "test=frame,paging,heap onpanic=shutdown" 0 \
        "(relocated)" "boot: the loader placed Tern at physical" \
        "TEST frame: PASS" "TEST paging: PASS" "TEST heap: PASS" \
        "TESTS DONE: 3 passed, 0 failed" "!FAIL"
    emu_case relocated-domains "$emu" "onpanic=shutdown" 0 \
        "boot: the loader placed Tern at physical" \
        "[cpuid] done: 5 checks, 0 failed" "domain cpuid: shut down, status 0" \
        "[worker] TEST worker: PASS" "domain worker: shut down, status 0" \
        -- build/guests/cpuid.bin "name=cpuid role=guest kind=flat" \
           build/dm/tests/worker.elf "name=worker role=user iterations=20"
    unset USB_RELOCATE

    foundation_report_cases "$emu"

    # Modules come from TERN.CFG's module= lines; a missing file is named
    # by the loader and by Tern, and boot goes on.
    local mods="$EMU_WORK/modules-usb"
    mkdir -p "$mods"
    printf 'hello from a boot module\n' > "$mods/hello.txt"
    : > "$mods/empty.bin"
    emu_case modules "$emu" "modules=hello,ghost test=frame onpanic=shutdown" 0 \
        "Module /boot/ghost.bin: Not Found; skipped" \
        "boot: 2 modules" "module 'hello' at" "25 bytes, \"name=hello role=demo\"" \
        "boot: module 'empty' is empty" \
        "boot: module 'ghost' (named in modules=) was not loaded" \
        "TESTS DONE: 1 passed, 0 failed" \
        -- "$mods/hello.txt" "name=hello role=demo" \
           "$mods/empty.bin" "name=empty" \
           "$mods/ghost.bin" "name=ghost"

    # Power-off and reset through the FADT the loader's RSDP leads to:
    # the only way on a UEFI PC.
    emu_case acpi-poweroff "$emu" "test=frame" poweroff \
        "acpi: revision 2" "\\_S5 found" "TESTS DONE: 1 passed, 0 failed" \
        "Tern: powering off through ACPI (S5)"
    emu_case acpi-reboot "$emu" "test=panic onpanic=reboot" poweroff \
        "*** PANIC: self-test panic" "reset register present" \
        "Tern: rebooting"

    emu_case plain-boot "$emu" "" - \
        "${USB_SVM_BANNER[@]}" "Tern: boot complete"
}

# screen-text: prints what a screenshot of Tern's framebuffer console
# says, reading each 8x16 cell back with the kernel's own font
# (kernel/font8x16.c); '?' for a cell no glyph matches. Exits 1 on a
# blank or unreadable picture. Input: QEMU's screendump, binary PPM.
usb_build_screen_text() {
    local src="$EMU_WORK/screen-text.c"
    mkdir -p "$EMU_WORK"
    cat > "$src" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tern/fbcon.h>

static unsigned char *px;
static int w, h;

static int lit(int x, int y)
{
    const unsigned char *p = px + ((size_t)y * w + x) * 3;
    return p[0] >= 0x60 || p[1] >= 0x60 || p[2] >= 0x60;
}

/* The character in cell (col, row) at font scale s, 0 if none. */
static int cell_char(int col, int row, int s)
{
    unsigned char bits[FONT_H];
    for (int y = 0; y < FONT_H; y++) {
        bits[y] = 0;
        for (int x = 0; x < FONT_W; x++)
            if (lit(col * FONT_W * s + x * s, row * FONT_H * s + y * s))
                bits[y] |= 0x80 >> x;
    }
    for (int c = 0x20; c < 0x7f; c++)
        if (!memcmp(bits, font_glyph((unsigned char)c), FONT_H))
            return c;
    return 0;
}

/* Read the screen at scale s into 'out'; the count of non-blank cells
 * that matched a glyph. */
static int read_screen(int s, char *out)
{
    int cols = w / (FONT_W * s), rows = h / (FONT_H * s), good = 0;
    char *o = out;
    for (int r = 0; r < rows; r++) {
        char *line = o;
        for (int c = 0; c < cols; c++) {
            int ch = cell_char(c, r, s);
            *o++ = ch ? (char)ch : '?';
            good += ch > ' ';
        }
        while (o > line && o[-1] == ' ')
            o--;
        *o++ = '\n';
    }
    *o = '\0';
    return good;
}

int main(int argc, char **argv)
{
    FILE *f = argc == 2 ? fopen(argv[1], "rb") : NULL;
    int max;
    if (!f || fscanf(f, "P6 %d %d %d", &w, &h, &max) != 3 || max != 255 ||
        w < FONT_W || h < FONT_H || fgetc(f) == EOF) {
        fprintf(stderr, "screen-text: not a binary PPM\n");
        return 1;
    }
    px = malloc((size_t)w * h * 3);
    char *best = malloc((size_t)(w + 1) * h + 1), *text = malloc((size_t)(w + 1) * h + 1);
    if (!px || !best || !text || fread(px, 3, (size_t)w * h, f) != (size_t)w * h) {
        fprintf(stderr, "screen-text: short picture\n");
        return 1;
    }
    int most = 0;
    for (int s = 1; s <= 4; s++) {
        int n = read_screen(s, text);
        if (n > most) {
            most = n;
            strcpy(best, text);
        }
    }
    if (!most) {
        fprintf(stderr, "screen-text: no text on a %dx%d screen\n", w, h);
        return 1;
    }
    fputs(best, stdout);
    return 0;
}
C
    gcc -std=gnu11 -O2 -Wall -Werror -Iinclude -o "$EMU_WORK/screen-text" \
        "$src" kernel/font8x16.c
}

usb_suite() {
    local emu=$1

    case $emu in
    efi)
        usb_efi_cases "$emu"
        ;;
    usb-ovmf)
        # `make usb`'s image on a UEFI PC: the menu, then entry 1.
        emu_case default-entry "$emu" "$USB_TESTS" 0 \
            "  1  Tern, through this loader (default)" \
            "  2  GRUB (/EFI/BOOT/GRUBX64.EFI)" "booting 1 in 3 s" \
            "boot: loaded by Tern GNU-EFI loader" \
            "TESTS DONE: 3 passed, 0 failed" "!FAIL"
        ;;
    usb-grub)
        # Entry 2: GRUB for UEFI, from the same ESP, boots with Multiboot2.
        emu_case grub-entry "$emu" "$USB_TESTS" 0 \
            "Press 1 or 2" "Booting \`Tern (GRUB, Multiboot2)'" \
            "boot: loaded by GRUB" "boot: UEFI memory map" \
            "boot: ACPI RSDP revision 2 given by the loader" \
            "TESTS DONE: 3 passed, 0 failed" \
            "!boot: loaded by Tern GNU-EFI loader" "!FAIL"
        ;;
    usb-bios)
        # A legacy BIOS boots GRUB's boot.img from the protective MBR.
        emu_case grub-bios "$emu" "$USB_TESTS" 0 \
            "Booting \`Tern (GRUB, Multiboot2)'" "boot: loaded by GRUB" \
            "boot: framebuffer 80x25, 16 bpp at 0xb8000" \
            "TESTS DONE: 3 passed, 0 failed" \
            "!boot: UEFI memory map" "!FAIL"
        ;;
    efi-screen)
        # A laptop without a COM port: the boot log and a guest's output
        # are on the screen.
        if ! usb_build_screen_text 2>"$EMU_WORK/screen-text.err"; then
            emu_record FAIL "$emu/boot-log" "screen-text did not build: $(tail -1 "$EMU_WORK/screen-text.err")"
            return
        fi
        emu_case boot-log "$emu" "onpanic=shutdown" - \
            "Tern 0.1, a small type-1 hypervisor for x86-64" \
            "boot: loaded by Tern GNU-EFI loader" \
            "console: no 16550 UART answered at COM1" \
            "${USB_SVM_BANNER[@]}" \
            "[cpuid] TEST cpuid-vendor: PASS" \
            "[cpuid] done: 5 checks, 0 failed" \
            "domain cpuid: shut down, status 0" "Tern: shutdown, status 0" \
            -- "${GUESTS_DIR:-build/guests}/cpuid.bin" \
               "name=cpuid role=guest kind=flat testdev=on"
        ;;
    esac
}
