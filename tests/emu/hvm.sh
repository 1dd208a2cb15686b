# tests/emu/hvm.sh: hardware-virtualization specifics that the guest suite
# does not cover, on both vendors: a guest state the CPU must refuse,
# explained by name; trace=exits; bad guest configurations.

hvm_EMUS="bochs qemu bochs-amd"

# The vendor's name in trace lines, and its exit codes for CPUID and I/O.
hvm_vendor() {
    case $1 in
        bochs) echo "VMX|0xa|0x1e|vmx: entry check failed: in IA-32e mode, CS.L=1 requires CS.D/B=0|VMCS guest state" ;;
        *)     echo "SVM|0x72|0x7b|svm: VMRUN check failed: EFER.LME, CR0.PG, CR4.PAE, CS.L, and CS.D are all non-zero|VMCB" ;;
    esac
}

hvm_suite() {
    local emu=$1 v=()
    IFS='|' read -r -a v <<< "$(hvm_vendor "$emu")"

    emu_case hvm-badstate "$emu" "test=hvm-badstate onpanic=shutdown" 0 \
        "${v[3]}" "domain badstate: crashed: VM entry failed:" "${v[4]}" \
        "TEST hvm-badstate: PASS"

    emu_case trace-exits "$emu" "trace=exits onpanic=shutdown" 0 \
        "exit cpuid/0: CPUID (${v[0]} ${v[1]}) at RIP 0x7c" "leaf 0x40000000" \
        "exit cpuid/0: I/O (${v[0]} ${v[2]}) at RIP 0x" "port 0xe9 out size 1" \
        "domain cpuid: shut down, status 0" \
        -- build/guests/cpuid.bin "name=cpuid role=guest kind=flat"

    hvm_bad_guests "$emu"
}

# Bad guest configurations are refused by name; the good guest still runs.
hvm_bad_guests() {
    local emu=$1 dir="$EMU_WORK/modules"
    mkdir -p "$dir"
    printf 'this is not a kernel\n' > "$dir/notakernel.bin"
    emu_case bad-guests "$emu" "onpanic=shutdown" 1 \
        "loader: module 'weird': bad value in 'kind=pe32'" \
        "loader: module 'typo': unknown option 'memory=4M'" \
        "loader: nomb: no Multiboot header (magic 0x1BADB002 with a valid checksum) in the first 8 KiB" \
        "loader: big: a 21-byte flat image does not fit in guest RAM at 0x1ffff0" \
        "domain cpuid: shut down, status 0" "sched:   nomb: crashed" \
        "sched:   4 modules could not start" \
        -- build/guests/cpuid.bin "name=cpuid role=guest kind=flat" \
           "$dir/notakernel.bin" "name=weird role=guest kind=pe32" \
           "$dir/notakernel.bin" "name=typo role=guest memory=4M" \
           "$dir/notakernel.bin" "name=nomb role=guest kind=multiboot" \
           "$dir/notakernel.bin" "name=big role=guest mem=2M load=0x1ffff0"
}
