#!/usr/bin/env bash
# tools/linux-assets.sh [--header]: the Linux guest's files (issue #7),
# made from Debian's own packages, into build/linux/:
#
#   vmlinuz     Debian 12's kernel (a bzImage), from linux-image-amd64's
#               dependency linux-image-6.1.0-NN-amd64
#   busybox     the static BusyBox from busybox-static
#   initrd.img  a gzip'd newc cpio: /init (tests/linux/init), /bin/busybox
#               with a symlink for each of its applets, /dev with
#               console, ttyS0 and null, and empty /proc /sys /tmp
#   debs/       the downloaded packages, kept so that a rerun needs no
#               network
#
# Idempotent, as tools/deps.sh is: a package already in debs/ is not
# downloaded again, and a file newer than what it is made from is left
# alone. apt's chatter goes to build/linux/assets.log, shown only when a
# step fails; stdout gets one summary line.
#
# --header prints the bzImage's setup header (the fields a loader reads;
# Documentation/arch/x86/boot.rst, "The Real-Mode Kernel Header").
set -eu
cd "$(dirname "$0")/.."
out=build/linux
debs=$out/debs
log=$out/assets.log
mkdir -p "$debs"
: > "$log"

# The setup header lives at offset 0x1f1 of the bzImage file. Each field
# is read as an unsigned little-endian integer of 1, 2, 4 or 8 bytes.
hdr() { od -An -tu"$2" -j "$1" -N "$2" "$out/vmlinuz" | tr -d ' '; }
hex() { printf '%#x' "$(hdr "$1" "$2")"; }

# The kernel's version string: kernel_version (0x20e) points to it,
# counted from offset 0x200 of the file.
kernel_release() {
    dd if="$out/vmlinuz" bs=1 skip=$(($(hdr 0x20e 2) + 0x200)) count=128 \
        2>/dev/null | tr '\0' '\n' | head -n1 | cut -d' ' -f1
}

print_header() {
    local v xl lf
    [ "$(hdr 0x202 4)" = $((0x53726448)) ] ||   # "HdrS"
        { echo "linux-assets: $out/vmlinuz has no setup header" >&2; exit 1; }
    v=$(hdr 0x206 2) xl=$(hdr 0x236 2) lf=$(hdr 0x211 1)
    echo "bzImage $out/vmlinuz: Linux $(kernel_release)"
    echo "  boot protocol      $((v >> 8)).$((v & 0xff))"
    echo "  setup_sects        $(hdr 0x1f1 1) (protected-mode code at file offset $(( ($(hdr 0x1f1 1) + 1) * 512 )))"
    echo "  loadflags          $(hex 0x211 1) (LOADED_HIGH=$((lf & 1)) KASLR=$((lf >> 1 & 1)) CAN_USE_HEAP=$((lf >> 7 & 1)))"
    echo "  code32_start       $(hex 0x214 4)"
    echo "  initrd_addr_max    $(hex 0x22c 4)"
    echo "  kernel_alignment   $(hex 0x230 4)"
    echo "  relocatable_kernel $(hdr 0x234 1)"
    echo "  min_alignment      $(hdr 0x235 1) (2^n bytes)"
    echo "  xloadflags         $(hex 0x236 2) (KERNEL_64=$((xl & 1)) CAN_BE_LOADED_ABOVE_4G=$((xl >> 1 & 1)))"
    echo "  cmdline_size       $(hdr 0x238 4)"
    echo "  pref_address       $(hex 0x258 8)"
    echo "  init_size          $(hex 0x260 4) ($(($(hdr 0x260 4) >> 20)) MiB)"
    echo "  64-bit entry       pref_address + 0x200, in the protected-mode code"
}

if [ "${1-}" = --header ]; then
    print_header
    exit 0
fi

# apt-get download as root warns that the _apt user cannot write to the
# target folder and then downloads unsandboxed: harmless, but it is
# noise, so it goes to the log with the rest.
fail() {
    echo "linux-assets: $1" >&2
    if [ -s "$log" ]; then
        echo "linux-assets: the end of $log:" >&2
        tail -n 5 "$log" >&2
    fi
    exit 1
}

# A fresh machine's package lists may be empty; then (only then, as
# tools/deps.sh does before installing) update them and try once more.
fetch() {
    (cd "$debs" && apt-get download "$1") >>"$log" 2>&1 && return 0
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 ||
            fail "cannot download $1; as root run: apt-get update"
        sudo=sudo
    fi
    $sudo apt-get update -q >>"$log" 2>&1 || fail "apt-get update failed"
    (cd "$debs" && apt-get download "$1") >>"$log" 2>&1 ||
        fail "cannot download $1"
}

# The one .deb of package $1 in debs/, downloading it ($2, a package
# name with an optional =version) when there is none.
deb_of() {
    local f=("$debs/$1"_*.deb)
    if [ ! -e "${f[0]}" ]; then
        fetch "$2"
        f=("$debs/$1"_*.deb)
        [ -e "${f[0]}" ] || fail "apt-get download $2 left no $1_*.deb"
    fi
    echo "${f[0]}"
}

# linux-image-amd64 is a metapackage: it holds no kernel, only a
# dependency on the current one, "linux-image-6.1.0-NN-amd64 (= VER)".
# Reading it from the downloaded .deb (not from apt's lists) keeps the
# kernel the one that goes with the metapackage we have.
meta=$(deb_of linux-image-amd64 linux-image-amd64)
dep=$(dpkg-deb -f "$meta" Depends | tr -d ' ')  # linux-image-6.1.0-NN-amd64(=VER)
kpkg=${dep%%(*}
kver=${dep#*(=}
kver=${kver%)}
case $kpkg in
linux-image-6.1.0-*-amd64) ;;
*) fail "unexpected dependency of linux-image-amd64: $dep" ;;
esac
kdeb=$(deb_of "$kpkg" "$kpkg=$kver")
bdeb=$(deb_of busybox-static busybox-static)

# Take the one file each needs straight out of the package's data tar;
# unpacking the whole kernel package would write ~400 MiB of modules.
# Each goes through a .tmp name so an interrupted run leaves no half file.
extract() {   # DEB PATH-IN-DEB OUT MODE
    if [ ! -s "$3" ] || [ "$1" -nt "$3" ]; then
        dpkg-deb --fsys-tarfile "$1" | tar -xO "$2" > "$3.tmp" ||
            fail "no $2 in $1"
        chmod "$4" "$3.tmp"
        mv "$3.tmp" "$3"
    fi
}
extract "$kdeb" "./boot/vmlinuz-${kpkg#linux-image-}" "$out/vmlinuz" 644
extract "$bdeb" ./bin/busybox "$out/busybox" 755

# The initramfs. The kernel unpacks it into a tmpfs and runs /init as
# PID 1. Its /dev holds the three nodes init needs before it mounts
# devtmpfs over /dev (the kernel opens /dev/console for init's stdin,
# stdout and stderr before /init runs). mknod needs root; without it the
# nodes are left out and the kernel's own built-in initramfs, unpacked
# first, still supplies /dev/console.
build_initrd() {
    local p
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' EXIT
    mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root}
    cp tests/linux/init "$stage/init"
    cp "$out/busybox" "$stage/bin/busybox"
    chmod 755 "$stage/init" "$stage/bin/busybox"
    # One symlink per applet, where BusyBox's own build would put it
    # (bin/sh, sbin/poweroff, usr/bin/...): the host runs the static
    # binary just to list them.
    for p in $("$out/busybox" --list-full); do
        case $p in */*) ;; *) continue ;; esac   # skip /linuxrc
        [ -e "$stage/$p" ] || ln -s /bin/busybox "$stage/$p"
    done
    if [ "$(id -u)" = 0 ]; then
        mknod -m 600 "$stage/dev/console" c 5 1
        mknod -m 660 "$stage/dev/ttyS0" c 4 64
        mknod -m 666 "$stage/dev/null" c 1 3
    fi
    # Names without a leading "./", sorted so the archive's order does
    # not depend on the file system; every file owned by root.
    (cd "$stage" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort |
        cpio -o -H newc -R 0:0 --quiet) | gzip -9 -n > "$out/initrd.img.tmp"
    mv "$out/initrd.img.tmp" "$out/initrd.img"
    rm -rf "$stage"
}
initrd=$out/initrd.img
if [ ! -s "$initrd" ] || [ tests/linux/init -nt "$initrd" ] ||
   [ "$out/busybox" -nt "$initrd" ] || [ tools/linux-assets.sh -nt "$initrd" ]; then
    build_initrd
fi

size() { du -h "$1" | cut -f1; }
v=$(hdr 0x206 2)
echo "linux-assets: $out/vmlinuz $(size "$out/vmlinuz") (Linux $(kernel_release)," \
     "boot protocol $((v >> 8)).$((v & 0xff))), $initrd $(size "$initrd")" \
     "(busybox $(dpkg-deb -f "$bdeb" Version | cut -d: -f2))"
