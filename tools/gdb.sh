#!/usr/bin/env bash
# tools/gdb.sh ISO ELF: `make gdb`.
#
# Starts QEMU (TCG, SVM CPU) frozen at reset with its GDB stub on
# localhost:1234, and GDB with Tern's symbols, a breakpoint on kmain and
# the QEMU session attached. Tern's serial console goes to build/gdb-serial.log.
set -eu
iso=$1 elf=$2
log=build/gdb-serial.log
qemu-system-x86_64 -accel tcg -cpu qemu64,+svm,+npt -machine q35 -m 512 \
    -cdrom "$iso" -display none -serial "file:$log" -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -s -S &
qpid=$!
trap 'kill $qpid 2>/dev/null' EXIT
echo "gdb: QEMU pid $qpid is waiting; serial output goes to $log"
gdb -q "$elf" \
    -ex "target remote localhost:1234" \
    -ex "hbreak kmain" \
    -ex "continue"
