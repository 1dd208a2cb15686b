# tests/emu/dm.sh: the ring-3 suite: Tern runs the programs of tests/dm/
# and the device model (dm/) as ring-3 domains, and the test reads what
# they print. Written as a suite of tests/emu/ (sourced with
# tests/emu/lib.sh, "dm_suite EMU").
#
# Each program prints "TEST <check>: PASS|FAIL <detail>" lines, then
# "done: N checks, M failed", and shuts down with status 0 when all
# passed. Tern prefixes each line with "[NAME] ". Counts are exact, so a
# check that silently went missing fails the case.
#
# The ring-3 cases need no VT-x or AMD-V; the ones that give a device
# model a guest to control need a working HVM backend.

dm_EMUS="qemu bochs"

DM_DIR=${DM_DIR:-build/dm}
GUESTS_DIR=${GUESTS_DIR:-build/guests}

# dm_case NAME EMU STATUS COUNT PROGRAM [MARKER...] [-- MODULE ARGS...]:
# boot Tern with the modules; passes when PROGRAM ran COUNT checks with
# none failed, every MARKER was printed, no line says FAIL, and Tern shut
# down with STATUS.
dm_case() {
    local name=$1 emu=$2 status=$3 count=$4 prog=$5
    shift 5
    local markers=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        markers+=("$1")
        shift
    done
    emu_case "dm-$name" "$emu" "onpanic=shutdown" "$status" \
        "${markers[@]}" "[$prog] done: $count checks, 0 failed" "!FAIL" "$@"
}

# A faulting domain dies with a decoded message; the worker beside it
# finishes, and Tern reports the crash in its status (1).
# dm_fault_case EMU FAULT EXCEPTION DETAIL
dm_fault_case() {
    local emu=$1 fault=$2 exception=$3 detail=$4
    dm_case "fault-$fault" "$emu" 1 1 worker \
        "[faulter] faulter: about to $fault" \
        "domain faulter: crashed: $exception at RIP 0x4" "$detail" \
        "[worker] TEST worker: PASS" "domain worker: shut down, status 0" \
        "!TEST faulter" \
        -- "$DM_DIR/tests/faulter.elf" "name=faulter role=user fault=$fault" \
           "$DM_DIR/tests/worker.elf" "name=worker role=user iterations=50"
}

dm_suite() {
    local emu=$1 t=$DM_DIR/tests

    if ! make -s -f dm/Makefile; then
        emu_record FAIL "$emu/dm-build" "make -f dm/Makefile failed"
        return
    fi

    # Two domains bounce one event channel 10,000 times each way.
    dm_case pingpong "$emu" 0 2 ping \
        "[ping] TEST pingpong-bind: PASS" "[ping] TEST pingpong-count: PASS" \
        "[pong] TEST pingpong-bind: PASS" "[pong] TEST pingpong-count: PASS" \
        "[pong] done: 2 checks, 0 failed" "round trips/s" \
        -- "$t/pingpong.elf" "name=ping role=user peer=pong count=10000 first=1" \
           "$t/pingpong.elf" "name=pong role=user peer=ping count=10000"

    # Every hypercall with bad arguments; the worker is the foreign domain.
    dm_case badcalls "$emu" 0 116 badcalls \
        "[badcalls] TEST badcalls-still-alive: PASS" \
        -- "$t/worker.elf" "name=worker role=user iterations=20" \
           "$t/badcalls.elf" "name=badcalls role=user"

    # Every DM op with bad arguments, as the device model of a guest
    # that stays paused; the second guest is the foreign domain. dmops
    # ends its guest with status 0 (remote_shutdown).
    dm_case dmops "$emu" 0 140 dmops \
        "[g] dmops says hi" "[dmops] TEST dmops-shutdown-state: PASS" \
        "domain g: shut down, status 0" "domain other: shut down, status 0" \
        "!must not appear" \
        -- "$GUESTS_DIR/hlt_irq.bin" \
              "name=g role=guest kind=multiboot testdev=on mem=16M" \
           "$GUESTS_DIR/cpuid.bin" "name=other role=guest kind=flat testdev=on" \
           "$t/dmops.elf" "name=dmops role=dm target=g"

    dm_case startinfo "$emu" 0 11 startinfo \
        -- "$t/startinfo.elf" "name=startinfo role=user"

    # Faults: only the faulting domain dies.
    dm_fault_case "$emu" pf "#PF page fault" "write of 0x0 (not mapped)"
    dm_fault_case "$emu" gp "#GP general protection" "(error code 0x0)"
    dm_fault_case "$emu" ud "#UD invalid opcode" "(error code 0x0)"
    dm_fault_case "$emu" de "#DE divide error" "(error code 0x0)"
    dm_fault_case "$emu" kernel "#PF page fault" \
        "write of 0xffff800000000000 (protection violation)"

    # A device model with a guest: its start-info lists the guest, and
    # the skeleton DM serves it until it ends.
    dm_case startinfo-dm "$emu" 0 11 startinfo \
        "[startinfo] TEST startinfo-targets: PASS" \
        -- "$GUESTS_DIR/cpuid.bin" "name=cpuid role=guest kind=flat testdev=on" \
           "$t/startinfo.elf" "name=startinfo role=dm target=cpuid"
    # The `make run` demo: the real-mode hello guest writes its greeting
    # to the DM's COM1 UART (polling LSR), which prints it as the guest's.
    emu_case dm-demo "$emu" "onpanic=shutdown" 0 \
        "[hello] Hello from a guest in real mode, through the DM's UART! The hypervisor calls itself TernTernTern" \
        "[hello] TEST hello-tern: PASS" "domain hello: shut down, status 0" \
        "[dm] dm: guest ended: " "domain dm: shut down, status 0" "!FAIL" \
        -- "$GUESTS_DIR/hello.bin" "name=hello role=guest kind=flat" \
           "$DM_DIR/dm.elf" "name=dm role=dm target=hello"
    # Typed on Tern's serial console, read by the DM, delivered by the
    # guest's UART interrupt through the vPIC (QEMU: Bochs's serial port
    # here is an output file).
    if [ "$emu" = qemu ]; then
        EMU_SERIAL_INPUT=$'tern\r' EMU_SERIAL_INPUT_AFTER="[uart] ready for input" \
        emu_case dm-uart-input "$emu" "onpanic=shutdown" 0 \
            "[uart] got: tern" "[uart] TEST uart-input-line: PASS" \
            "[uart] TEST uart-input-irqs: PASS" "domain uart: shut down, status 0" \
            "!FAIL" \
            -- "$GUESTS_DIR/uart_input.bin" "name=uart role=guest kind=flat" \
               "$DM_DIR/dm.elf" "name=dm role=dm target=uart"
    else
        echo "  NOTE  $emu/dm-uart-input not run: serial input is wired for QEMU only (Bochs's COM1 here is an output file)"
    fi
    emu_case dm-skeleton "$emu" "onpanic=shutdown" 0 \
        "[dm] dm: dm serving domain 0" "[dm] dm: guest ended" \
        "domain hlt_irq: shut down, status 0" "domain dm: shut down, status 0" \
        "!FAIL" \
        -- "$GUESTS_DIR/hlt_irq.bin" \
              "name=hlt_irq role=guest kind=multiboot testdev=on mem=16M" \
           "$DM_DIR/dm.elf" "name=dm role=dm target=hlt_irq tick_ms=10"
}
