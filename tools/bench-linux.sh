#!/usr/bin/env bash
# tools/bench-linux.sh: how long Debian's kernel takes to boot to its
# init's marker (tests/linux/init) under QEMU TCG, booted by QEMU
# directly and as a Tern guest in the same emulated machine, and the
# ratio of the two: what running under Tern costs a real guest.
#
# Both runs use one emulated CPU (qemu64 with SVM and nested paging,
# which Tern's SVM backend needs) and -icount shift=4,sleep=off: each
# guest instruction advances the virtual clock by 2^4 ns, and idle time
# is skipped. The TSC follows that clock, so the kernel's printk clock
# counts emulated time, the same from run to run and from host to host.
# The figure is the printk time init reads back after writing the
# marker to /dev/kmsg: time since the kernel's early TSC setup, so
# neither firmware, GRUB nor Tern's own boot is in it, only the kernel's
# work and what each exit to Tern (and its device model) costs it.
# Booted directly, the kernel never idles before the marker
# (/proc/uptime's idle time is 0 there), so the figure is all work:
# instructions, times 16 ns.
# Wall time is printed for scale; it depends on the host.
#
# The kernel runs with cryptomgr.notests: its crypto self-tests are
# well over half of the boot's instructions (~12 s of guest time) and
# cause no exits, so they would only water the ratio down.
#
# A benchmark, not a test: it passes or fails nothing.
set -u
cd "$(dirname "$0")/.." || exit 1

KERNEL=build/linux/vmlinuz
INITRD=build/linux/initrd.img
GUEST_MEM=256                   # MiB, for the guest in both runs
LINUX_CMDLINE="console=ttyS0 cryptomgr.notests"
TIMEOUT=600                     # seconds of wall time per run
# shellcheck disable=SC2054 # the commas are QEMU's, inside one argument
QEMU_TCG=(qemu-system-x86_64 -accel tcg -machine q35
          -cpu qemu64,+svm,+npt -icount shift=4,sleep=off
          -display none -monitor none -no-reboot)

# The Tern run's image (docs/linux.md): what follows " -- " on the
# guest's module line is the kernel's command line.
TERN_CMDLINE="onpanic=shutdown"
TERN_QEMU_MEM=1024              # MiB: Tern, its DM and the guest
LINUX_ARGS="name=linux role=guest kind=linux mem=${GUEST_MEM}M initrd=initrd -- $LINUX_CMDLINE"
INITRD_ARGS="name=initrd role=initrd"
DM_ARGS="name=dm role=dm target=linux"

out=build/bench/linux
mkdir -p "$out"
for f in "$KERNEL" "$INITRD"; do
    [ -f "$f" ] || { echo "bench-linux: no $f: run make linux-assets" >&2; exit 1; }
done

# The marker's kernel time from a serial log, from init's line
# "TERN-LINUX: marker at S s (kernel clock)"; empty when it is not there.
# Tern may put a prefix before a guest's lines: match anywhere.
marker_time() {
    tr -d '\r' < "$1" | sed -n 's/.*TERN-LINUX: marker at \([0-9.]*\) s.*/\1/p' |
        head -n1
}

# One run: WHAT ("QEMU direct"), LOG, then QEMU's arguments past
# QEMU_TCG. Prints the result line; sets 'guest' to the marker's kernel
# time (empty when there is none).
run() {
    local what=$1 log=$2 t0 wall
    shift 2
    rm -f "$log"
    t0=$(date +%s.%N)
    timeout "$TIMEOUT" "${QEMU_TCG[@]}" -serial "file:$log" "$@" \
        </dev/null >/dev/null 2>&1
    wall=$(echo "$(date +%s.%N) $t0" | awk '{ printf "%.1f", $1 - $2 }')
    guest=$(marker_time "$log")
    if [ -n "$guest" ]; then
        printf 'linux boot to marker, %s: %.2f s (guest time; %s s wall)\n' \
            "$what" "$guest" "$wall"
    else
        echo "linux boot to marker, $what: no marker after $wall s (see $log)"
    fi
    tr -d '\r' < "$log" | grep -q 'done: [0-9]* checks, 0 failed' ||
        echo "  (init's checks did not all pass: see $log)"
}

direct() {
    run "QEMU direct" "$out/direct.log" -m "$GUEST_MEM" \
        -kernel "$KERNEL" -initrd "$INITRD" -append "$LINUX_CMDLINE"
    direct_time=$guest
}

# The same kernel and initrd as modules of Tern's ISO, served by the DM;
# the same QEMU CPU and icount, more memory for Tern itself.
tern_nested() {
    make -s build/tern.elf build/dm/dm.elf || return
    bash tools/mkiso.sh "$out/linux.iso" build/tern.elf "$TERN_CMDLINE" \
        "$KERNEL" "$LINUX_ARGS" "$INITRD" "$INITRD_ARGS" \
        build/dm/dm.elf "$DM_ARGS" || return
    run "Tern nested" "$out/tern.log" -m "$TERN_QEMU_MEM" -cdrom "$out/linux.iso"
    # Under Tern the kernel cannot calibrate its TSC (docs/linux.md) and
    # its clock runs on jiffies, which lag when ticks are coalesced: so
    # time the boot with Tern's own clock (the TSC, emulated time as the
    # direct run's): from the DM letting the guest run to the marker.
    local t
    t=$(tr -d '\r' < "$out/tern.log" | awk '
        /\[dm\] dm: .* serving domain/ && !s { s = substr($0, 2) + 0 }
        /TERN-LINUX: init started/ && s && !m { m = substr($0, 2) + 0 }
        END { if (s && m) printf "%.2f", m - s }')
    if [ -z "$t" ] || [ -z "$direct_time" ]; then
        echo "linux boot, Tern nested / QEMU direct: no ratio (see $out/tern.log)"
        return
    fi
    echo "linux boot to marker, Tern nested: $t s by Tern's clock (from the guest's start)"
    echo "$t $direct_time" |
        awk '{ printf "linux boot, Tern nested / QEMU direct: %.2f\n", $1 / $2 }'
}

echo "Linux $(bash tools/linux-assets.sh --header | sed -n 's/.*: Linux //p') boot to init's marker under QEMU TCG" \
     "(qemu64,+svm,+npt, -icount shift=4,sleep=off; kernel clock):"
direct
tern_nested
