# tests/emu/foundation.sh: the foundation's boot tests (issue: boot,
# console, traps, memory, time, boot options, modules), on every firmware
# and emulator. Sourced by tests/run-all.sh with tests/emu/lib.sh.

foundation_EMUS="qemu ovmf bochs"

# The banner names the emulated CPU's virtualization features.
foundation_banner() {
    case $1 in
        bochs) echo "Intel VT-x (VMX): present|EPT yes (2M pages yes|unrestricted guest yes, VPID yes" ;;
        *)     echo "AMD-V (SVM): present|NPT yes" ;;
    esac
}

# The fault, panic and bad-option cases, the same whatever loaded Tern
# (also run by tests/emu/usb.sh through the GNU-EFI loader).
foundation_report_cases() {
    local emu=$1
    # A deliberate page fault gives the named, decoded report.
    emu_case fault "$emu" "test=fault onpanic=shutdown" 2 \
        "*** EXCEPTION #PF Page Fault (vector 14) in kernel mode" \
        "error code 0x2: page not present, write, supervisor mode" \
        "faulting address (CR2) 000000000dead000" \
        "RIP ffffffff8" "<selftest_fault+0x" "CR3 " "R15 " \
        "backtrace:" "<selftest_run+0x"

    # panic() reports the same way.
    emu_case panic "$emu" "test=panic onpanic=shutdown" 2 \
        "*** PANIC: self-test panic, as asked by test=panic" \
        "<panic+0x" "RAX " "backtrace:" "<selftest_run+0x"

    # Malformed boot options are named and boot goes on with defaults.
    emu_case bad-options "$emu" \
        "loglevel=banana frobnicate=1 console= trace=exits,bogus test=frame onpanic=shutdown" 0 \
        "cmdline: bad value in 'loglevel=banana': expected a number 0-7" \
        "cmdline: unknown option 'frobnicate=1' ignored" \
        "cmdline: 'console=' needs a value" \
        "cmdline: bad value in 'trace=exits,bogus'" \
        "TEST frame: PASS" "TESTS DONE: 1 passed, 0 failed"
}

foundation_suite() {
    local emu=$1 banner=()
    IFS='|' read -r -a banner <<< "$(foundation_banner "$emu")"

    # Every returning self-test, and the banner.
    emu_case selftests "$emu" "test=all onpanic=shutdown" 0 \
        "Tern 0.1, a small type-1 hypervisor" "boot: loaded by GRUB" \
        "${banner[@]}" \
        "TEST frame: PASS" "TEST paging: PASS" "TEST heap: PASS" \
        "TEST timer: PASS" "TESTS DONE: 4 passed, 0 failed" "!FAIL"

    foundation_report_cases "$emu"

    # Modules: listed with their command lines; a missing or empty one is
    # reported by name, and boot goes on.
    local mods="$EMU_WORK/modules"
    mkdir -p "$mods"
    printf 'hello from a boot module\n' > "$mods/hello.txt"
    : > "$mods/empty.bin"
    emu_case modules "$emu" "modules=hello,ghost test=frame onpanic=shutdown" 0 \
        "boot: 2 modules" "module 'hello' at" "25 bytes, \"name=hello role=demo\"" \
        "boot: module 'empty' is empty" \
        "boot: module 'ghost' (named in modules=) was not loaded" \
        "TESTS DONE: 1 passed, 0 failed" \
        -- "$mods/hello.txt" "name=hello role=demo" \
           "$mods/empty.bin" "name=empty" \
           "$mods/ghost.bin" "name=ghost"

    # Real hardware has no isa-debug-exit: ACPI S5 powers off, and the
    # ACPI reset register reboots (QEMU's -no-reboot makes that an exit).
    if [ "$emu" = qemu ]; then
        emu_case acpi-poweroff "$emu" "test=frame" poweroff \
            "acpi: revision" "1 I/O APIC in the MADT" "\\_S5 found" "TESTS DONE: 1 passed, 0 failed" \
            "Tern: powering off through ACPI (S5)"
        emu_case acpi-reboot "$emu" "test=panic onpanic=reboot" poweroff \
            "*** PANIC: self-test panic" "reset register present" \
            "Tern: rebooting"
    fi

    # A plain boot (what `make run` shows) reaches the idle loop.
    emu_case plain-boot "$emu" "" - \
        "${banner[@]}" "Tern: boot complete"
}
