#!/usr/bin/env bash
# tools/bench.sh: `make bench`. Boots Tern with the exit-cost benchmark
# guest (bench/vmexit.asm) and prints its table:
#   - under Bochs, corei7_skylake_x (VT-x), "clock: sync=none": one TSC
#     tick per instruction, so the figures are instruction counts,
#     identical run to run;
#   - under QEMU TCG with an SVM CPU and -icount shift=4,sleep=off (TSC
#     deltas deterministic), when Tern's SVM backend runs there.
# The guest is served by the device model (build/dm/dm.elf, testdev=on)
# for its "-dm" and "-buffered" rows.
# A benchmark, not a test: it passes or fails nothing.
set -u
cd "$(dirname "$0")/.."
out=build/bench
mkdir -p "$out"
nasm -f bin -w+all -Werror -Itests/guests/ -o "$out/vmexit.bin" bench/vmexit.asm || exit 1
make -s -f dm/Makefile build/dm/dm.elf || exit 1
bash tools/mkiso.sh "$out/bench.iso" build/tern.elf "onpanic=shutdown" \
    "$out/vmexit.bin" "name=bench role=guest kind=multiboot testdev=on" \
    build/dm/dm.elf "name=dm role=dm target=bench testdev=on" || exit 1

table() {
    tr -d '\r' < "$1" | sed -n 's/.*\[bench\] BENCH /  /p'
    grep -q "domain bench: shut down, status 0" <(tr -d '\r' < "$1") ||
        echo "  (the benchmark did not finish: see $1)"
}

echo "Exit costs under Bochs (Intel VT-x), in instructions (1 TSC tick = 1 instruction):"
bash tools/bochsrc.sh "$out/bench.iso" "$out/bochs.log" > "$out/bochsrc"
echo c > "$out/bochs.rc"
TERM=${TERM:-dumb} timeout -s KILL 600 bochs -q -f "$out/bochsrc" -rc "$out/bochs.rc" \
    >/dev/null 2>"$out/bochs.err"
table "$out/bochs.log"
echo "  (for scale, Linux KVM on the same emulated CPU: vmcall 1140, port read through its userspace VMM 7592)"

echo
echo "Exit costs under QEMU TCG (AMD SVM, -icount shift=4), in TSC ticks:"
timeout 300 qemu-system-x86_64 -machine q35 -cpu qemu64,+svm,+npt -m 256 \
    -icount shift=4,sleep=off -cdrom "$out/bench.iso" -display none \
    -monitor none -serial "file:$out/qemu.log" -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >/dev/null 2>&1
table "$out/qemu.log"
