# tests/emu/lib.sh: boot Tern under an emulator and judge the run.
#
# Sourced by the suites in tests/emu/. The one entry point is
#
#   emu_case NAME EMU "CMDLINE" STATUS "MARKER" ["MARKER"...] \
#            [-- MODULE_FILE "MODULE_ARGS" ...]
#
# It builds an ISO with CMDLINE (and modules), boots it under EMU with a
# hard timeout, and passes when every MARKER appears in the serial output,
# Tern's "Tern: shutdown, status S" line names STATUS, and (QEMU) the exit
# code is QEMU's (STATUS << 1) | 1 for isa-debug-exit. A MARKER starting
# with '!' must NOT appear. STATUS "-" means the run does not shut down:
# it passes once every marker is seen, and the emulator is stopped.
# STATUS "poweroff" (QEMU only) boots without isa-debug-exit and passes
# when QEMU ends by itself with exit code 0: the ACPI power-off or reset
# path (-no-reboot turns a reset into an exit).
# On failure it prints why and the serial tail.
#
# EMU is one of:
#   qemu        QEMU TCG, SeaBIOS, -cpu qemu64,+svm,+npt
#   ovmf        QEMU TCG, OVMF (UEFI), same CPU
#   bochs       Bochs, corei7_skylake_x (Intel VMX, EPT, VPID, UG)
# and, booting the USB stick image of tools/mkusb.sh as a disk instead of
# the ISO (same CPU as qemu):
#   efi         OVMF, the loader's menu off: the GNU-EFI loader boots Tern
#   usb-ovmf    OVMF, the image as `make usb` builds it: the menu's default
#   usb-grub    OVMF, a key press on the QEMU monitor picks the menu's
#               entry 2: GRUB for UEFI, which boots Tern with Multiboot2
#   usb-bios    SeaBIOS: GRUB for BIOS from the image's MBR
#   efi-screen  as efi, with no serial port at all: the log comes from port
#               0xe9, QEMU stops instead of exiting at power-off, and the
#               screen is saved to DIR/screen.ppm; every marker must also
#               be on the screen, read back with Tern's own font by
#               $EMU_SCREEN_TEXT (built by tests/emu/usb.sh)
#
# Serial input (qemu only): with EMU_SERIAL_INPUT="text" and
# EMU_SERIAL_INPUT_AFTER="marker" set for a case, the serial port is a
# pair of FIFOs (-serial pipe:DIR/ser), and once the marker is in the log
# the text is written to the serial line, as if typed.
#
# Results go to $TEST_RESULTS, one "PASS name" or "FAIL name" a line.
# Cases run $TEST_JOBS at a time (default: one per CPU); emu_wait waits
# for the last of them. Each case prints its report in one piece.

: "${TEST_RESULTS:=/dev/null}"
: "${TEST_TIMEOUT_SCALE:=1}"
TERN_ELF=${TERN_ELF:-build/tern.elf}
EMU_WORK=${EMU_WORK:-build/test}
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd

emu_timeout() {
    # A case may ask for more (a Linux boot): EMU_TIMEOUT=seconds.
    if [ -n "${EMU_TIMEOUT:-}" ]; then
        echo $((EMU_TIMEOUT * TEST_TIMEOUT_SCALE))
        return
    fi
    local base
    case $1 in
        qemu|usb-bios) base=60 ;;
        ovmf|efi|efi-screen|usb-*) base=120 ;;
        bochs*) base=300 ;;
    esac
    echo $((base * TEST_TIMEOUT_SCALE))
}

# emu_start EMU ISO LOG DIR [nodebugexit]: start the emulator in the
# background; sets EMU_PID. The exit code lands in DIR/rc.
emu_start() {
    local emu=$1 iso=$2 log=$3 dir=$4 dbg=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)
    [ "${5:-}" = nodebugexit ] && dbg=()
    case $emu in
        qemu|ovmf)
            local fw=()
            if [ "$emu" = ovmf ]; then
                cp "$OVMF_VARS" "$dir/vars.fd"
                fw=(-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE"
                    -drive "if=pflash,format=raw,file=$dir/vars.fd")
            fi
            local serial=(-serial "file:$log")
            if [ -n "${EMU_SERIAL_INPUT:-}" ]; then
                # QEMU writes DIR/ser.out and reads DIR/ser.in.
                mkfifo "$dir/ser.in" "$dir/ser.out"
                serial=(-serial "pipe:$dir/ser")
                ( cat "$dir/ser.out" > "$log" ) &
            fi
            ( qemu-system-x86_64 -machine q35 -cpu qemu64,+svm,+npt -m 256 \
                "${fw[@]}" -cdrom "$iso" -display none -monitor none \
                "${serial[@]}" -no-reboot "${dbg[@]}" \
                </dev/null >"$dir/emu.out" 2>&1
              echo $? > "$dir/rc" ) &
            ;;
        efi|efi-screen|usb-*)
            emu_start_usb "$emu" "$iso" "$log" "$dir" "${dbg[@]}"
            ;;
        bochs|bochs-*)
            local model=corei7_skylake_x
            [ "$emu" = bochs-amd ] && model=ryzen
            bash tools/bochsrc.sh "$iso" "$log" "$model" > "$dir/bochsrc"
            echo c > "$dir/bochs.rc"
            ( TERM=dumb bochs -q -f "$dir/bochsrc" -rc "$dir/bochs.rc" \
                </dev/null >/dev/null 2>"$dir/emu.out"
              echo $? > "$dir/rc" ) &
            ;;
        *)
            echo "emu_case: unknown emulator '$emu'" >&2
            return 1
            ;;
    esac
    EMU_PID=$!
}

# emu_start_usb EMU IMAGE LOG DIR [DEBUG-EXIT-ARGS...]: the USB image as
# the machine's disk. A monitor on DIR/mon.{in,out} (FIFOs) takes
# emu_monitor's commands for usb-grub and efi-screen.
emu_start_usb() {
    local emu=$1 img=$2 log=$3 dir=$4
    shift 4
    local fw=() mon=(-monitor none) con=(-serial "file:$log") dbg=("$@")
    if [ "$emu" != usb-bios ]; then
        cp "$OVMF_VARS" "$dir/vars.fd"
        fw=(-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE"
            -drive "if=pflash,format=raw,file=$dir/vars.fd")
    fi
    if [ "$emu" = usb-grub ] || [ "$emu" = efi-screen ]; then
        mkfifo "$dir/mon.in" "$dir/mon.out"
        mon=(-monitor "pipe:$dir/mon")
    fi
    if [ "$emu" = efi-screen ]; then
        con=(-serial none -debugcon "file:$log" -vga std -no-shutdown)
        dbg=()
    fi
    ( qemu-system-x86_64 -machine q35 -cpu qemu64,+svm,+npt -m 256 \
        "${fw[@]}" -drive "file=$img,format=raw" -display none "${mon[@]}" \
        "${con[@]}" -no-reboot "${dbg[@]}" \
        </dev/null >"$dir/emu.out" 2>&1
      echo $? > "$dir/rc" ) &
}

# emu_monitor DIR COMMAND: one QEMU monitor command. Opened read-write,
# the FIFO never blocks, even when QEMU is gone.
emu_monitor() {
    local fd
    exec {fd}<>"$1/mon.in"
    printf '%s\n' "$2" >&$fd
    exec {fd}>&-
}

# emu_poll EMU DIR LOG: called while a case runs; types the serial input
# once its marker is seen; usb-grub answers the loader's menu with "2"
# once it is shown.
emu_poll() {
    if [ -n "${EMU_SERIAL_INPUT:-}" ] && [ -p "$2/ser.in" ] &&
       [ ! -e "$2/input-sent" ] &&
       grep -qF "$EMU_SERIAL_INPUT_AFTER" "$3" 2>/dev/null; then
        local fd
        exec {fd}<>"$2/ser.in"
        printf '%s' "$EMU_SERIAL_INPUT" >&$fd
        exec {fd}>&-
        : > "$2/input-sent"
    fi
    [ "$1" = usb-grub ] && [ ! -e "$2/key-sent" ] || return 0
    if grep -qF "Press 1 or 2" "$3" 2>/dev/null; then
        emu_monitor "$2" "sendkey 2"
        : > "$2/key-sent"
    fi
}

# emu_screendump DIR: save the screen, then end QEMU (efi-screen). The
# log shows a line a moment before the screen does: wait that moment.
emu_screendump() {
    sleep 1
    emu_monitor "$1" "screendump $1/screen.ppm"
    emu_monitor "$1" "quit"
    local i=0
    while [ ! -f "$1/rc" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
}

# Kill the emulator subshell and everything below it, with SIGKILL: Bochs
# ignores SIGTERM, and a run that is over has nothing left to flush.
emu_kill_tree() {
    local child
    for child in $(pgrep -P "$1"); do
        emu_kill_tree "$child"
    done
    kill -KILL "$1" 2>/dev/null
}

emu_stop() {
    emu_kill_tree "$1"
    wait "$1" 2>/dev/null
}

emu_record() {
    echo "$1 $2" >> "$TEST_RESULTS"
    if [ "$1" = PASS ]; then
        printf '  PASS  %s\n' "$2"
    else
        printf '  FAIL  %s: %s\n' "$2" "$3"
    fi
}

EMU_JOBS=${TEST_JOBS:-$(nproc)}

emu_case() {
    if [ "$EMU_JOBS" -le 1 ]; then
        emu_case_run "$@"
        return
    fi
    while [ "$(jobs -rp | wc -l)" -ge "$EMU_JOBS" ]; do
        wait -n
    done
    ( out=$(emu_case_run "$@" 2>&1); printf '%s\n' "$out" ) &
}

emu_wait() {
    wait
}

emu_case_run() {
    local name=$1 emu=$2 cmdline=$3 status=$4
    shift 4
    local markers=() modules=()
    while [ $# -gt 0 ]; do
        if [ "$1" = -- ]; then
            shift
            modules=("$@")
            break
        fi
        markers+=("$1")
        shift
    done

    local full="$emu/$name"
    local dir="$EMU_WORK/$emu/$name"
    rm -rf "$dir"
    mkdir -p "$dir"
    local iso="$dir/tern.iso" log="$dir/serial.log" mk=tools/mkiso.sh menu=""
    # The USB kinds boot tools/mkusb.sh's disk image instead (same
    # arguments); efi and efi-screen turn the loader's menu off, usb-grub
    # gives the test's key press time to arrive.
    case $emu in
        efi|efi-screen|usb-*) mk=tools/mkusb.sh iso="$dir/tern-usb.img" ;;
    esac
    case $emu in
        efi|efi-screen) menu=0 ;;
        usb-grub) menu=30 ;;
    esac
    if ! env ${menu:+USB_MENU_TIMEOUT=$menu} bash "$mk" "$iso" "$TERN_ELF" \
            "$cmdline" "${modules[@]}" 2>"$dir/mkiso.err"; then
        emu_record FAIL "$full" "could not build the image: $(tail -1 "$dir/mkiso.err")"
        return
    fi
    : > "$log"

    local how=""
    [ "$status" = poweroff ] && how=nodebugexit
    emu_start "$emu" "$iso" "$log" "$dir" $how || {
        emu_record FAIL "$full" "could not start $emu"; return; }
    local limit=$(( $(emu_timeout "$emu") * 10 )) ticks=0 why=""
    while :; do
        if [ -f "$dir/rc" ]; then
            break
        fi
        if [ "$status" = - ] && emu_markers_ok "$log" "${markers[@]}"; then
            break
        fi
        if [ $ticks -ge $limit ]; then
            why="timed out after $(emu_timeout "$emu") s"
            break
        fi
        emu_poll "$emu" "$dir" "$log"
        sleep 0.1
        ticks=$((ticks + 1))
    done
    [ "$emu" = efi-screen ] && emu_screendump "$dir"
    emu_stop "$EMU_PID"
    # A file the emulator still writes could lose its tail: read it last.
    tr -d '\r' < "$log" > "$dir/serial.txt"

    if [ -z "$why" ]; then
        why=$(emu_judge "$emu" "$dir" "$status" "${markers[@]}")
    fi
    if [ -z "$why" ]; then
        emu_record PASS "$full"
    else
        emu_record FAIL "$full" "$why"
        echo "    ---- serial output (last 25 lines of $dir/serial.txt) ----"
        tail -n 25 "$dir/serial.txt" | sed 's/^/    | /'
        if [ -s "$dir/emu.out" ]; then
            echo "    ---- emulator messages ----"
            tail -n 5 "$dir/emu.out" | sed 's/^/    | /'
        fi
    fi
}

# True when every positive marker is in the log (used to stop runs that
# do not shut down).
emu_markers_ok() {
    local log=$1
    shift
    local m
    for m in "$@"; do
        case $m in
            '!'*) ;;
            *) grep -qF -- "$m" "$log" 2>/dev/null || return 1 ;;
        esac
    done
}

# Print why the run failed, or nothing when it passed.
emu_judge() {
    local emu=$1 dir=$2 status=$3
    shift 3
    local txt="$dir/serial.txt" m
    for m in "$@"; do
        case $m in
            '!'*)
                if grep -qF -- "${m#!}" "$txt"; then
                    echo "unexpected '${m#!}' in the output"; return
                fi ;;
            *)
                if ! grep -qF -- "$m" "$txt"; then
                    echo "marker '$m' not seen"; return
                fi ;;
        esac
    done
    if [ "$emu" = efi-screen ]; then
        emu_judge_screen "$dir" "$@"
        return
    fi
    [ "$status" = - ] && return
    if [ "$status" = poweroff ]; then
        local rc
        rc=$(cat "$dir/rc" 2>/dev/null)
        [ "$rc" = 0 ] || echo "QEMU did not power off by itself (exit code ${rc:-none})"
        return
    fi
    if ! grep -qF "Tern: shutdown, status $status" "$txt"; then
        echo "no 'Tern: shutdown, status $status' line"; return
    fi
    case $emu in
        qemu|ovmf|efi|usb-*)
            local rc want=$(( (status << 1) | 1 ))
            rc=$(cat "$dir/rc" 2>/dev/null)
            if [ "$rc" != "$want" ]; then
                echo "QEMU exit code ${rc:-none}, expected $want (isa-debug-exit status $status)"
            fi ;;
    esac
}

# The screen of an efi-screen run as text (DIR/screen.txt), and every
# positive marker on it.
emu_judge_screen() {
    local dir=$1 m
    shift
    if [ ! -s "$dir/screen.ppm" ]; then
        echo "no screenshot"; return
    fi
    if ! "${EMU_SCREEN_TEXT:-$EMU_WORK/screen-text}" "$dir/screen.ppm" \
            > "$dir/screen.txt" 2>&1; then
        echo "screenshot unreadable: $(tail -1 "$dir/screen.txt")"; return
    fi
    for m in "$@"; do
        case $m in
            '!'*) ;;
            *) grep -qF -- "$m" "$dir/screen.txt" ||
                   { echo "marker '$m' not on the screen ($dir/screen.txt)"; return; } ;;
        esac
    done
}
