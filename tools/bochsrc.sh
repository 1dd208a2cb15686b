#!/usr/bin/env bash
# tools/bochsrc.sh ISO SERIAL_LOG [CPU_MODEL] > bochsrc
#
# A Bochs configuration that boots ISO from CD with no GUI: the "term"
# display (the caller sends its output to /dev/null and sets TERM), COM1
# into SERIAL_LOG, port 0xe9 captured, and "clock: sync=none" so that
# RDTSC counts one tick per instruction, identically run to run.
# CPU_MODEL defaults to corei7_skylake_x (VMX with EPT, VPID and
# unrestricted guest); ryzen gives AMD SVM with NPT.
set -eu
iso=$1 log=$2 model=${3:-corei7_skylake_x}
cat <<CFG
megs: 256
cpu: model=$model, count=1, ips=100000000, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=cdrom, path="$iso", status=inserted
boot: cdrom
clock: sync=none, time0=local
display_library: term
com1: enabled=1, mode=file, dev="$log"
port_e9_hack: enabled=0
log: /dev/null
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
CFG
