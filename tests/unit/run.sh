#!/usr/bin/env bash
# tests/unit/run.sh: build and run every host unit test binary; each
# cmocka test case is one result in $TEST_RESULTS (TAP output parsed).
set -u
: "${TEST_RESULTS:=/dev/null}"
if ! make -s -f tests/unit/Makefile; then
    echo "FAIL unit/build" >> "$TEST_RESULTS"
    echo "  FAIL  unit tests did not build"
    exit 0
fi
# dm/lib's host tests live with dm/ (tests/dm/unit/), built by its Makefile.
if ! make -s -f dm/Makefile units; then
    echo "FAIL unit/dm-build" >> "$TEST_RESULTS"
    echo "  FAIL  dm/lib unit tests did not build"
fi
for bin in build/unit/test_* build/dm/unit/test_*; do
    [ -x "$bin" ] || continue
    [ -f "$bin" ] || continue
    name=${bin##*/test_}
    case $bin in build/dm/unit/*) [ "$name" = lib ] || name=dm-$name ;; esac
    out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$bin" 2>&1)
    rc=$?
    n_ok=$(grep -cE '^ok [0-9]+' <<< "$out")
    n_bad=$(grep -cE '^not ok [0-9]+' <<< "$out")
    grep -E '^(ok|not ok) [0-9]+' <<< "$out" | while read -r line; do
        t=$(sed -E 's/^(not )?ok [0-9]+ - //' <<< "$line")
        case $line in
            ok*) echo "PASS unit/$name/$t" >> "$TEST_RESULTS" ;;
            *)   echo "FAIL unit/$name/$t" >> "$TEST_RESULTS" ;;
        esac
    done
    # A crash (sanitizer report, abort) after or between cases is a failure.
    if [ $rc -ne 0 ] && [ "$n_bad" -eq 0 ]; then
        echo "FAIL unit/$name/(exit $rc)" >> "$TEST_RESULTS"
        n_bad=$((n_bad + 1))
    fi
    if [ "$n_bad" -eq 0 ]; then
        printf '  PASS  unit/%s (%d cases)\n' "$name" "$n_ok"
    else
        printf '  FAIL  unit/%s (%d passed, %d failed)\n' "$name" "$n_ok" "$n_bad"
        sed 's/^/    | /' <<< "$out" | tail -n 30
    fi
done
