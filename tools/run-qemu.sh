#!/usr/bin/env bash
# tools/run-qemu.sh ISO [extra QEMU args]: `make run`.
#
# Boots ISO under QEMU with the serial console on this terminal
# (Ctrl-A X quits, Ctrl-A C is QEMU's monitor). Tern needs a CPU with
# VT-x or AMD-V to run guests, so:
#   - where /dev/kvm is usable and the host CPU has VMX or SVM, QEMU runs
#     on KVM with -cpu host, and Tern gets nested VT-x or SVM;
#   - otherwise QEMU emulates (TCG) a CPU with SVM and nested paging
#     (TCG has no VT-x), which is slower but works everywhere.
set -eu
iso=$1
shift

accel=(-accel tcg -cpu qemu64,+svm,+npt)
if [ ! -e /dev/kvm ]; then
    why="no /dev/kvm on this machine"
elif ! ( exec 3<>/dev/kvm ) 2>/dev/null; then
    why="/dev/kvm exists but $(id -un) cannot open it (join group kvm)"
elif ! grep -qwE 'vmx|svm' /proc/cpuinfo; then
    why="/dev/kvm exists but the CPU shows neither vmx nor svm (nested virtualization is off in the outer hypervisor)"
else
    accel=(-accel kvm -cpu host)
    why=""
fi
if [ -z "$why" ]; then
    echo "run: using KVM (-cpu host): Tern gets this CPU's VT-x or AMD-V, nested"
else
    echo "run: using TCG with an emulated SVM CPU (-cpu qemu64,+svm,+npt): $why"
fi
echo "run: serial console below; Ctrl-A X quits QEMU"
rc=0
qemu-system-x86_64 "${accel[@]}" -machine q35 -m 512 -cdrom "$iso" \
    -display none -serial mon:stdio -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@" || rc=$?
# isa-debug-exit makes QEMU exit with (status << 1) | 1: give back Tern's
# own status (0 when every domain ended well).
if [ $((rc & 1)) -eq 1 ]; then
    exit $((rc >> 1))
fi
exit $rc
