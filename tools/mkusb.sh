#!/usr/bin/env bash
# tools/mkusb.sh OUT.img KERNEL "CMDLINE" [MODULE_FILE "MODULE_ARGS"]...
#
# Build Tern's USB stick image (`make usb`; docs/usb.md): a 64 MiB disk
# with a GPT that boots on UEFI PCs through the Tern GNU-EFI loader and
# on legacy BIOS PCs through GRUB, with the same kernel, command line and
# modules on each path. The arguments are mkiso.sh's.
#
#   LBA 0          protective MBR; its first 440 bytes are GRUB's boot.img
#   LBA 1-33       GPT (and its backup in the last 33 sectors)
#   partition 1    BIOS boot, 1 MiB at 1 MiB: GRUB's i386-pc core.img
#   partition 2    EFI system partition, FAT32, the rest:
#     /EFI/BOOT/BOOTX64.EFI  the Tern GNU-EFI loader: what UEFI starts
#     /EFI/BOOT/TERN.CFG     its configuration (boot/efi/config.c)
#     /EFI/BOOT/GRUBX64.EFI  GRUB for UEFI: entry 2 of the loader's menu
#     /boot/tern.elf, /boot/MODULES
#     /boot/grub/grub.cfg    GRUB's menu, for BIOS and UEFI alike
#
# Both GRUBs are single images with every module they need built in, and
# find the ESP by its FAT volume ID (random per image), so the stick boots
# whatever the BIOS or firmware calls the other disks. No loop devices or
# root: sfdisk, mkfs.fat and mtools work on plain files, and GRUB's BIOS
# boot code is patched in by hand as grub-bios-setup would.
#
# Environment: EFI_LOADER (default build/efi/BOOTX64.EFI), USB_MENU_TIMEOUT
# (seconds the loader's menu waits; default 3, 0 skips the menu).
set -eu
out=$1 kernel=$2 cmdline=$3
shift 3
loader=${EFI_LOADER:-build/efi/BOOTX64.EFI}
timeout=${USB_MENU_TIMEOUT:-3}

SECTOR=512
DISK_SECTORS=$((64 * 2048))             # 64 MiB
BIOS_START=2048 BIOS_SECTORS=2048       # 1 MiB at 1 MiB
ESP_START=4096
ESP_SECTORS=$((DISK_SECTORS - ESP_START - 2048))   # leaves the backup GPT room
GRUB_PC=/usr/lib/grub/i386-pc

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/esp/EFI/BOOT" "$stage/esp/boot/grub"
cp "$kernel" "$stage/esp/boot/tern.elf"
cp "$loader" "$stage/esp/EFI/BOOT/BOOTX64.EFI"

# The module lines, for GRUB and for the loader. A missing file keeps its
# line on purpose, as in mkiso.sh: the tests check Tern names it.
grub_mods="" cfg_mods=""
while [ $# -ge 2 ]; do
    file=$1 args=$2
    shift 2
    base=$(basename "$file")
    [ -e "$file" ] && cp "$file" "$stage/esp/boot/$base"
    grub_mods+="    module2 /boot/$base $args"$'\n'
    cfg_mods+="module=/boot/$base $args"$'\n'
done

cat > "$stage/esp/EFI/BOOT/TERN.CFG" <<CFG
# The Tern GNU-EFI loader's configuration (docs/usb.md).
# Paths are on this partition; one module= line per module.
kernel=/boot/tern.elf
cmdline=$cmdline
${cfg_mods}timeout=$timeout
grub=/EFI/BOOT/GRUBX64.EFI
${USB_RELOCATE:+relocate=yes}
CFG

cat > "$stage/esp/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
menuentry "Tern (GRUB, Multiboot2)" {
    multiboot2 /boot/tern.elf $cmdline
${grub_mods}    boot
}
CFG

# GRUB finds the ESP by its volume ID, then reads /boot/grub/grub.cfg.
volid=$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')
cat > "$stage/early.cfg" <<CFG
search --no-floppy --fs-uuid --set=root ${volid:0:4}-${volid:4:4}
set prefix=(\$root)/boot/grub
CFG
mods="part_gpt part_msdos fat search search_fs_uuid normal configfile echo
      test boot multiboot2 serial terminal"
grub-mkimage -O x86_64-efi -o "$stage/esp/EFI/BOOT/GRUBX64.EFI" \
    -p /boot/grub -c "$stage/early.cfg" $mods efi_gop efi_uga all_video
grub-mkimage -O i386-pc -o "$stage/core.img" -p /boot/grub \
    -c "$stage/early.cfg" $mods biosdisk
core_sectors=$(( ($(stat -c %s "$stage/core.img") + SECTOR - 1) / SECTOR ))
if [ "$core_sectors" -gt "$BIOS_SECTORS" ]; then
    echo "mkusb: GRUB's core.img ($core_sectors sectors) exceeds the BIOS boot partition" >&2
    exit 1
fi

# The disk and its GPT.
rm -f "$out"
truncate -s $((DISK_SECTORS * SECTOR)) "$out"
sfdisk --quiet --no-reread --no-tell-kernel "$out" >/dev/null <<GPT
label: gpt
start=$BIOS_START, size=$BIOS_SECTORS, type=21686148-6449-6E6F-744E-656564454649, name="BIOS boot"
start=$ESP_START, size=$ESP_SECTORS, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system"
GPT

# The ESP, built as a file and copied in.
mkfs.fat -F 32 -s 1 -S $SECTOR -n TERN -i "$volid" \
    -C "$stage/esp.img" $((ESP_SECTORS * SECTOR / 1024)) >/dev/null
export MTOOLS_SKIP_CHECK=1
mcopy -s -Q -i "$stage/esp.img" "$stage/esp/EFI" "$stage/esp/boot" ::/
dd if="$stage/esp.img" of="$out" bs=$SECTOR seek=$ESP_START conv=notrunc,sparse status=none

# put_le OFFSET BYTES VALUE: a little-endian number into the image.
put_le() {
    local off=$1 n=$2 v=$3 i esc=""
    for ((i = 0; i < n; i++)); do
        esc+=$(printf '\\x%02x' $(( (v >> (8 * i)) & 0xff )))
    done
    printf "$esc" | dd of="$out" bs=1 seek="$off" conv=notrunc status=none
}

# BIOS: boot.img's code (not the partition table) into the MBR, told
# where core.img starts (GRUB's boot.h: GRUB_BOOT_MACHINE_KERNEL_SECTOR
# 0x5c); its drive check jump at 0x66 becomes two NOPs, as
# grub-bios-setup does for hard disks, so BIOSes that pass a wrong DL
# still read from 0x80. core.img's first sector (diskboot.img) ends in a
# block list (start LBA at 0x1f4, count and segment after it) that
# grub-mkimage filled except for the start: the sector after its own.
dd if="$GRUB_PC/boot.img" of="$out" bs=440 count=1 conv=notrunc status=none
put_le $((0x5c)) 8 $BIOS_START
put_le $((0x66)) 2 0x9090
dd if="$stage/core.img" of="$out" bs=$SECTOR seek=$BIOS_START conv=notrunc status=none
put_le $((BIOS_START * SECTOR + 0x1f4)) 8 $((BIOS_START + 1))
