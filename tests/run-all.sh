#!/usr/bin/env bash
# tests/run-all.sh: `make test`. Runs the host unit tests, then every
# emulator suite, and ends with one line "N passed, N failed".
#
# Environment: TEST_ONLY=emu|unit runs one layer; TEST_EMUS="qemu bochs"
# picks emulators (default: qemu ovmf bochs); TEST_TIMEOUT_SCALE
# multiplies every emulator timeout (default 1; CI=true makes it 2).
set -u
cd "$(dirname "$0")/.."

export TEST_RESULTS=$(mktemp)
trap 'rm -f "$TEST_RESULTS"' EXIT
[ "${CI:-}" = true ] && export TEST_TIMEOUT_SCALE=${TEST_TIMEOUT_SCALE:-2}
only=${TEST_ONLY:-all}
emus=${TEST_EMUS:-qemu ovmf bochs}

if [ "$only" = all ] || [ "$only" = unit ]; then
    echo "== host unit tests (cmocka, ASan + UBSan)"
    bash tests/unit/run.sh
fi

if [ "$only" = all ] || [ "$only" = emu ]; then
    . tests/emu/lib.sh
    for suite in tests/emu/foundation.sh; do
        . "$suite"
    done
    for emu in $emus; do
        echo "== boot tests under $emu"
        foundation_suite "$emu"
    done
fi

passed=$(grep -c '^PASS ' "$TEST_RESULTS")
failed=$(grep -c '^FAIL ' "$TEST_RESULTS")
if [ "$failed" -gt 0 ]; then
    echo "failed tests:"
    grep '^FAIL ' "$TEST_RESULTS" | sed 's/^FAIL /  /'
fi
if [ $((passed + failed)) -eq 0 ]; then
    echo "no test ran"
    failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
