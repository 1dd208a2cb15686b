# tests/emu/linux.sh: Debian 12's own kernel as a Tern guest (issue #7),
# every device it touches served by the ring-3 DM, booted to the busybox
# initramfs whose init (tests/linux/init) prints checks and powers off.
# Written as a suite of tests/emu/ (sourced with tests/emu/lib.sh).
#
# Under QEMU (SVM) and Bochs (VT-x, about three minutes). The kernel and
# initramfs come from
# Debian packages (tools/linux-assets.sh); a machine that cannot fetch
# them is told so, loudly, and the suite does not run.
#
# What is asserted: the init's checks that hold under a fully emulated
# CPU, the DM's and Tern's end reports, and the clean power-off through
# the ACPI PM1 block. linux-tsc is asserted under Bochs only: there the
# CPU is Intel's and Linux reads the TSC's frequency from CPUID; under
# QEMU's AMD CPU it must calibrate against the PIT or the PM timer, and
# every port read under emulation is slower than Linux accepts, so it
# runs on jiffies (docs/linux.md, "Known problems").

linux_EMUS="qemu bochs"

LINUX_DIR=${LINUX_DIR:-build/linux}
DM_DIR=${DM_DIR:-build/dm}

linux_suite() {
    local emu=$1

    mkdir -p "$EMU_WORK"
    if ! make -s linux-assets >/dev/null 2>"$EMU_WORK/linux-assets.err"; then
        echo "  NOTE  $emu/linux-*: NOT RUN: the Debian kernel and busybox"
        echo "        packages could not be fetched (see $EMU_WORK/linux-assets.err)"
        return
    fi
    make -s -f dm/Makefile build/dm/dm.elf || {
        emu_record FAIL "$emu/linux-build" "make -f dm/Makefile failed"
        return
    }
    local all=()
    [ "$emu" = bochs ] && all=("[linux] TEST linux-tsc: PASS" \
                               "[linux] done: 8 checks, 0 failed")
    EMU_TIMEOUT=900 emu_case linux-boot "$emu" "onpanic=shutdown" 0 \
        "${all[@]}" \
        "loader: linux: Linux boot protocol 2." \
        "[linux] TERN-LINUX: init started" \
        "[linux] TEST linux-uname: PASS 6.1" \
        "[linux] TEST linux-cpuinfo-fpu: PASS" \
        "[linux] TEST linux-cpuinfo-hypervisor: PASS" \
        "[linux] TEST linux-serial: PASS serial8250: ttyS0 at I/O 0x3f8 (irq = 4" \
        "[linux] TEST linux-timer: PASS" \
        "[linux] TEST linux-timer-irq0: PASS" \
        "[linux] TEST linux-rtc-date: PASS 2026" \
        "reboot: Power down" "domain linux: shut down, status 0" \
        "[dm] dm: guest ended" "domain dm: shut down, status 0" \
        -- "$LINUX_DIR/vmlinuz" "name=linux role=guest kind=linux mem=160M initrd=initrd -- console=ttyS0 cryptomgr.notests" \
           "$LINUX_DIR/initrd.img" "name=initrd role=initrd" \
           "$DM_DIR/dm.elf" "name=dm role=dm target=linux"
}
