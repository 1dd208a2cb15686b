#!/usr/bin/env bash
# tools/deps.sh: install what Tern's build, `make run` and `make test` need.
#
# Idempotent: a package already installed is not touched, and when nothing
# is missing the script only checks and returns.  Debian 12 (bookworm) is
# the supported host; elsewhere it prints the package list to install by hand.
set -eu

# Build: nasm, gcc (already on Debian's build-essential), GRUB image tools.
# Run: qemu, bochs with its BIOS images, OVMF for UEFI.
# Test: cmocka for host unit tests. USB image (tools/mkusb.sh): gnu-efi
# for the loader, fdisk (sfdisk) for the GPT, dosfstools and mtools.
# Linux guest (tools/linux-assets.sh): cpio packs its initramfs.
PKGS="nasm gcc make binutils grub-common grub-pc-bin grub-efi-amd64-bin
      xorriso mtools dosfstools fdisk qemu-system-x86 ovmf
      bochs bochsbios vgabios bochs-term
      gnu-efi libcmocka-dev gdb cpio"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "deps: missing:$missing"
if ! command -v apt-get >/dev/null 2>&1 || [ ! -f /etc/debian_version ]; then
    echo "deps: this is not a Debian system; install the equivalents of:$missing" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "deps: not root and no sudo; as root run:" >&2
        echo "  apt-get update && apt-get install -y$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine's package lists may be empty: update before installing.
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends $missing
