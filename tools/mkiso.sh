#!/usr/bin/env bash
# tools/mkiso.sh OUT.iso KERNEL "CMDLINE" [MODULE_FILE "MODULE_ARGS"]...
#
# Build a hybrid GRUB2 image (BIOS via El Torito + UEFI via an ESP) that
# boots KERNEL with Multiboot2, passing CMDLINE, and loads each module with
# its arguments. The menu has no timeout and GRUB talks on COM1, so a run
# under an emulator needs no keyboard. Only the GRUB modules this needs
# are installed, which keeps the image small and the boot fast.
set -eu
out=$1 kernel=$2 cmdline=$3
shift 3

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$kernel" "$stage/boot/tern.elf"

{
    echo 'set timeout=0'
    echo 'set default=0'
    echo 'serial --unit=0 --speed=115200'
    echo 'terminal_input serial console'
    echo 'terminal_output serial console'
    echo 'menuentry "Tern" {'
    echo "    multiboot2 /boot/tern.elf $cmdline"
    n=0
    while [ $# -ge 2 ]; do
        file=$1 args=$2
        shift 2
        base=$(basename "$file")
        if [ -e "$file" ]; then
            cp "$file" "$stage/boot/$base"
        fi
        # A missing file is kept in grub.cfg on purpose: the tests use it
        # to check that Tern reports a module the loader could not load.
        echo "    module2 /boot/$base $args"
        n=$((n + 1))
    done
    echo '    boot'
    echo '}'
} > "$stage/boot/grub/grub.cfg"

mods="multiboot2 normal serial terminal echo configfile part_msdos part_gpt
      iso9660 fat all_video boot part_acorn part_amiga part_apple part_bsd
      part_dfly part_dvh part_plan part_sun part_sunpc"
grub-mkrescue -o "$out" --install-modules="$(echo $mods)" \
    --modules="$(echo $mods)" \
    --locales= --fonts= --themes= "$stage" >/dev/null 2>"$stage.log" || {
    cat "$stage.log" >&2
    rm -f "$stage.log"
    exit 1
}
rm -f "$stage.log"
