# tests/emu/ioreq.sh: the ioreq suite. Guests whose port I/O and MMIO
# Tern hands to a device model (dm/, started as the module dm.elf) through
# ioreq servers: every access width and form reaches the DM's devices and
# comes back, the buffered ring loses and reorders nothing, PCI
# configuration reaches the DM that claims the device, and a DM that
# breaks the protocol costs the guest it serves, never Tern. Sourced by
# tests/run-all.sh with tests/emu/lib.sh ("ioreq_suite EMU").
#
# The guests (tests/guests/ioreq.asm, ioreq64.asm, twodm.asm,
# hostile.asm) print "TEST <check>: PASS|FAIL" lines and "done: N
# checks, M failed" through port 0xe9, which is the DM's debug console
# while a DM serves them: Tern prints the lines as "[GUEST] ...", and
# the DMs' own lines as "[dm] ..." and "[dm2] ...". Counts are exact, so
# a check that silently went missing fails the case.

# VT-x (Bochs) and AMD-V (QEMU TCG).
ioreq_EMUS="bochs qemu"

DM_DIR=${DM_DIR:-build/dm}
GUESTS_DIR=${GUESTS_DIR:-build/guests}

# ioreq_case NAME EMU COUNT [MARKER...] [-- MODULE ARGS...]: boot Tern
# (onpanic=shutdown) with the modules; passes when every MARKER was
# printed, the guest NAME ran COUNT checks with none failed, no line
# says FAIL, and the guest, its DM (named dm) and Tern ended with
# status 0. The markers come first, so a failure names the first one
# missing.
ioreq_case() {
    local name=$1 emu=$2 count=$3
    shift 3
    local markers=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        markers+=("$1")
        shift
    done
    emu_case "ioreq-$name" "$emu" "onpanic=shutdown" 0 "${markers[@]}" \
        "[$name] done: $count checks, 0 failed" \
        "domain $name: shut down, status 0" \
        "[dm] dm: guest ended" "domain dm: shut down, status 0" \
        "!FAIL" "$@"
}

# ioreq_hostile_crash EMU FAULT REASON [MARKER...]: the DM breaks the
# protocol on the guest's first request (its IN from the scratch port,
# before it printed anything); Tern crashes the guest with a reason that
# starts with REASON, the DM sees its guest gone and ends, and Tern ends
# with status 1 (a domain crashed).
ioreq_hostile_crash() {
    local emu=$1 fault=$2 reason=$3
    shift 3
    emu_case "ioreq-hostile-$fault" "$emu" "onpanic=shutdown" 1 \
        "${DM_FAULT_MARKER:-[dm] dm: fault=$fault on request 1 (read 0x700)}" \
        "domain hostile: crashed: $reason" "$@" \
        "[dm] dm: guest ended" "domain dm: shut down, status 0" \
        "!TEST dm-" "!domain hostile: shut down" \
        -- "$GUESTS_DIR/hostile.bin" "name=hostile role=guest kind=multiboot mem=16M" \
           "$DM_DIR/dm.elf" "name=dm role=dm target=hostile testdev=on fault=$fault fault_after=1"
}

ioreq_suite() {
    local emu=$1

    if ! make -s -f dm/Makefile; then
        emu_record FAIL "$emu/ioreq-build" "make -f dm/Makefile failed"
        return
    fi

    # Every device of the PC platform and the test device, from 32-bit
    # protected mode: the VGA row and the UART line are printed by the
    # DM on the guest's behalf.
    ioreq_case ioreq "$emu" 83 \
        "[ioreq] TEST ioreq-bufcheck-count: PASS" \
        "[ioreq] TEST ioreq-bufcheck-port-count: PASS" \
        "[dm] vga: row 00: HELLO VGA" "[ioreq] uart: hello from COM1" \
        "[ioreq] TEST ioreq-pit-irq0: PASS" \
        "[ioreq] TEST ioreq-uart-thre-irq: PASS" \
        "[ioreq] TEST ioreq-mmio-rep-movsd-to: PASS" \
        -- "$GUESTS_DIR/ioreq.bin" \
              "name=ioreq role=guest kind=multiboot mem=16M testdev=on" \
           "$DM_DIR/dm.elf" "name=dm role=dm target=ioreq testdev=on"

    # Long mode: 8-byte MMIO, and 8-byte posted writes (two ring slots
    # each) mixed with narrower ones.
    ioreq_case ioreq64 "$emu" 20 \
        "[ioreq64] TEST ioreq64-mmio64: PASS" "[ioreq64] TEST ioreq64-msr-lstar: PASS" \
        "[ioreq64] TEST ioreq64-bufcheck64-count: PASS" \
        "[ioreq64] TEST ioreq64-bufcheck-mixed-count: PASS" \
        -- "$GUESTS_DIR/ioreq64.bin" "name=ioreq64 role=guest kind=multiboot mem=16M" \
           "$DM_DIR/dm.elf" "name=dm role=dm target=ioreq64 testdev=on"

    # Two DMs for one guest: PCI configuration and the BAR reach the one
    # that claims the device.
    ioreq_case twodm "$emu" 13 \
        "[dm2] dm: BAR of pcitest-bar0 moved from 0 to 0xfe900000" \
        "[dm2] dm: pcitest 2: 9 config accesses, 8 BAR accesses" \
        "[dm2] dm: guest ended" \
        "domain dm2: shut down, status 0" \
        -- "$GUESTS_DIR/twodm.bin" "name=twodm role=guest kind=multiboot mem=16M" \
           "$DM_DIR/dm.elf" "name=dm role=dm target=twodm" \
           "$DM_DIR/dm.elf" "name=dm2 role=dm target=twodm devices=pcitest pcitest_id=2 notify=eager"

    # A DM that breaks the protocol: the guest is crashed, with the
    # broken rule named (kernel/ioreq/sync.c and send.c).
    ioreq_hostile_crash "$emu" backwards \
        "device model moved an ioreq state backwards"
    ioreq_hostile_crash "$emu" badstate \
        "device model wrote an invalid ioreq state"
    ioreq_hostile_crash "$emu" size \
        "device model dm changed the size of the request it answered"
    ioreq_hostile_crash "$emu" wrongport "device model dm signalled port" \
        "server 0's buffered-ring port, which only Tern signals"
    # (An answer in an idle slot is injected before the guest first runs:
    # later, a preempted DM could race the guest's next request.)
    DM_FAULT_MARKER="[dm] dm: fault=unsolicited: answering vCPU 0's slot before the guest runs" \
    ioreq_hostile_crash "$emu" unsolicited \
        "device model answered an ioreq slot with no request"

    # A DM that goes away mid-request: the read completes with all ones
    # and the guest carries on, its console back on Tern's port 0xe9.
    # A crashed DM makes Tern's status 1; a destroyed server does not.
    emu_case ioreq-hostile-die "$emu" "onpanic=shutdown" 1 \
        "[dm] dm: fault=die on request 1 (read 0x700)" \
        "domain dm: crashed: #PF" "completes without a device" \
        "[hostile] TEST dm-gone: PASS" "[hostile] done: 1 checks, 0 failed" \
        "domain hostile: shut down, status 0" "!dm: guest ended" "!FAIL" \
        -- "$GUESTS_DIR/hostile.bin" "name=hostile role=guest kind=multiboot mem=16M" \
           "$DM_DIR/dm.elf" "name=dm role=dm target=hostile testdev=on fault=die fault_after=1"
    emu_case ioreq-hostile-destroy "$emu" "onpanic=shutdown" 0 \
        "[dm] dm: fault=destroy on request 1 (read 0x700)" \
        "[dm] dm: destroyed server" "completes without a device" \
        "[hostile] TEST dm-gone: PASS" "[hostile] done: 1 checks, 0 failed" \
        "domain hostile: shut down, status 0" "[dm] dm: guest ended" \
        "domain dm: shut down, status 0" "!FAIL" \
        -- "$GUESTS_DIR/hostile.bin" "name=hostile role=guest kind=multiboot mem=16M" \
           "$DM_DIR/dm.elf" "name=dm role=dm target=hostile testdev=on fault=destroy fault_after=1"

    # trace=ioreq: each step of a request's life is on the console.
    emu_case ioreq-trace "$emu" "onpanic=shutdown trace=ioreq" 0 \
        "hostile/0: port read 0x700 size 4 count 1 -> server" \
        "hostile/0: picked up by dm" "hostile/0: answered by dm" \
        "hostile/0: resumes the instruction at RIP" \
        "hostile/0: MMIO write 0xfe000000 size 4 count 1 -> server" \
        "[hostile] TEST dm-answered: PASS" "[hostile] TEST dm-mmio: PASS" \
        "[hostile] done: 2 checks, 0 failed" \
        "domain hostile: shut down, status 0" "!FAIL" \
        -- "$GUESTS_DIR/hostile.bin" "name=hostile role=guest kind=multiboot mem=16M" \
           "$DM_DIR/dm.elf" "name=dm role=dm target=hostile testdev=on"
}
