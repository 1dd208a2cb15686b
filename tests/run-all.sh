#!/usr/bin/env bash
# tests/run-all.sh: `make test`. Runs the host unit tests, then every
# emulator suite, and ends with one line "N passed, N failed".
#
# Each suite tests/emu/NAME.sh defines NAME_suite EMU and NAME_EMUS, the
# emulators it runs on; this script runs every suite on each of those.
#
# Environment: TEST_ONLY=emu|unit runs one layer; TEST_EMUS="qemu bochs"
# limits the emulators; TEST_SUITES="guests" limits the suites;
# TEST_TIMEOUT_SCALE multiplies every emulator timeout (default 1;
# CI=true makes it 2).
set -u
cd "$(dirname "$0")/.."

export TEST_RESULTS=$(mktemp)
trap 'rm -f "$TEST_RESULTS"' EXIT
[ "${CI:-}" = true ] && export TEST_TIMEOUT_SCALE=${TEST_TIMEOUT_SCALE:-2}
only=${TEST_ONLY:-all}

if [ "$only" = all ] || [ "$only" = unit ]; then
    echo "== host unit tests (cmocka, ASan + UBSan)"
    bash tests/unit/run.sh
fi

if [ "$only" = all ] || [ "$only" = emu ]; then
    make -s -f tests/guests/Makefile || echo "FAIL guests/build" >> "$TEST_RESULTS"
    . tests/emu/lib.sh
    for file in tests/emu/*.sh; do
        suite=$(basename "$file" .sh)
        [ "$suite" = lib ] && continue
        case " ${TEST_SUITES:-$suite} " in *" $suite "*) ;; *) continue ;; esac
        . "$file"
        emus_var="${suite}_EMUS"
        for emu in ${!emus_var}; do
            case " ${TEST_EMUS:-$emu} " in *" $emu "*) ;; *) continue ;; esac
            echo "== $suite suite under $emu"
            "${suite}_suite" "$emu"
        done
    done
    emu_wait
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
