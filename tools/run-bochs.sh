#!/usr/bin/env bash
# tools/run-bochs.sh ISO [CPU_MODEL]: `make run-bochs`.
#
# Boots ISO under Bochs (default CPU corei7_skylake_x: Intel VT-x with EPT,
# VPID and unrestricted guest; `ryzen` for AMD SVM). Bochs has no headless
# display, so its screen goes to /dev/null and Tern's serial console is
# followed here. Bochs ends when Tern shuts down; Ctrl-C stops it sooner.
set -eu
iso=$1 model=${2:-corei7_skylake_x}
dir=$(mktemp -d)
trap 'kill $tailpid 2>/dev/null; rm -rf "$dir"' EXIT
: > "$dir/serial.log"
bash "$(dirname "$0")/bochsrc.sh" "$iso" "$dir/serial.log" "$model" > "$dir/bochsrc"
echo c > "$dir/bochs.rc"
echo "run-bochs: Bochs, cpu model $model; serial console below"
tail -f "$dir/serial.log" & tailpid=$!
TERM=${TERM:-dumb} bochs -q -f "$dir/bochsrc" -rc "$dir/bochs.rc" \
    >/dev/null 2>"$dir/bochs.err" || true
sleep 0.5
grep -F "Bochs is exiting" -A1 "$dir/bochs.err" || true
