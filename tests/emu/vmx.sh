# tests/emu/vmx.sh: VT-x specifics that the guest suite does not cover:
# a guest state the CPU must refuse, explained by name, and trace=exits.

vmx_EMUS="bochs"

vmx_suite() {
    local emu=$1
    emu_case hvm-badstate "$emu" "test=hvm-badstate onpanic=shutdown" 0 \
        "VM entry failed: exit reason 33, VM-entry failure: invalid guest state" \
        "vmx: entry check failed: TR and CS must be usable (GUEST_TR_AR = 0x10000)" \
        "VMCS guest state: RIP 0x7c00" "TEST hvm-badstate: PASS"

    emu_case trace-exits "$emu" "trace=exits onpanic=shutdown" 0 \
        "exit cpuid/0: CPUID (VMX 0xa) at RIP 0x7c" "leaf 0x40000000" \
        "exit cpuid/0: I/O (VMX 0x1e) at RIP 0x" "port 0xe9 out size 1" \
        "domain cpuid: shut down, status 0" \
        -- build/guests/cpuid.bin "name=cpuid role=guest kind=flat"

    vmx_bad_guests "$emu"
}

# Bad guest configurations are refused by name; the good guest still runs.
vmx_bad_guests() {
    local emu=$1 dir="$EMU_WORK/modules"
    mkdir -p "$dir"
    printf 'this is not a kernel\n' > "$dir/notakernel.bin"
    emu_case bad-guests "$emu" "onpanic=shutdown" 1 \
        "loader: module 'weird': bad value in 'kind=pe32'" \
        "loader: module 'typo': unknown option 'memory=4M'" \
        "loader: nomb: no Multiboot header (magic 0x1BADB002 with a valid checksum) in the first 8 KiB" \
        "loader: big: a 21-byte flat image does not fit in guest RAM at 0x1ffff0" \
        "domain cpuid: shut down, status 0" "sched:   nomb: crashed" \
        -- build/guests/cpuid.bin "name=cpuid role=guest kind=flat" \
           "$dir/notakernel.bin" "name=weird role=guest kind=pe32" \
           "$dir/notakernel.bin" "name=typo role=guest memory=4M" \
           "$dir/notakernel.bin" "name=nomb role=guest kind=multiboot" \
           "$dir/notakernel.bin" "name=big role=guest mem=2M load=0x1ffff0"
}
