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
}
