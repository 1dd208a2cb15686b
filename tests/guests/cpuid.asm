; tests/guests/cpuid.asm: what CPUID tells a Tern guest (kind=flat, real
; mode).
;
; Checks:
;   cpuid-max-leaf    leaf 0x40000000 EAX (the last hypervisor leaf) is at
;                     least 0x40000000
;   cpuid-vendor      leaf 0x40000000 EBX, ECX, EDX spell "TernTernTern"
;   cpuid-hv-bit      leaf 1 ECX bit 31 (hypervisor present) is set
;   cpuid-no-vmx      leaf 1 ECX bit 5 (VMX) is clear: no nested VT-x
;   cpuid-no-svm      leaf 0x80000001 ECX bit 2 (SVM) is clear: no nested
;                     AMD-V (also passes when that leaf does not exist)

        org 0x7c00
        bits 16
%define CHECK_PREFIX "cpuid-"
%include "lib16.inc"

CPUID_HV_BASE           equ 0x40000000
CPUID1_ECX_VMX          equ 1 << 5
CPUID1_ECX_HYPERVISOR   equ 1 << 31
CPUID81_ECX_SVM         equ 1 << 2

start:
        ; The hypervisor leaves.
        mov eax, CPUID_HV_BASE
        cpuid
        push eax
        ; "TernTernTern" in EBX, ECX, EDX: "Tern" is 0x6e726554 little-endian.
        mov [vendor], ebx
        mov [vendor + 4], ecx
        mov [vendor + 8], edx
        mov si, name_vendor
        call check_begin
        cmp ebx, "Tern"
        jne .vendor_bad
        cmp ecx, "Tern"
        jne .vendor_bad
        cmp edx, "Tern"
        jne .vendor_bad
        call check_passed
        jmp .vendor_done
.vendor_bad:
        call check_failed
        PRINT 'expected "TernTernTern" got "'
        ; The 12 bytes as text ('.' for the unprintable), then in hex.
        mov si, vendor
        mov cx, 12
.vendor_char:
        lodsb
        cmp al, ' '
        jb .vendor_dot
        cmp al, '~'
        jbe .vendor_put
.vendor_dot:
        mov al, '.'
.vendor_put:
        call putc
        loop .vendor_char
        PRINT '" (0x'
        mov cx, 8
        mov eax, [vendor]
        call puthex
        PRINT " 0x"
        mov eax, [vendor + 4]
        call puthex
        PRINT " 0x"
        mov eax, [vendor + 8]
        call puthex
        PRINT ")", 10
.vendor_done:
        ; The highest hypervisor leaf must at least be this one.
        pop eax
        mov edx, eax
        cmp eax, CPUID_HV_BASE
        jae .max_ok
        mov edx, CPUID_HV_BASE          ; fails, and shows what came back
.max_ok:
        CHECK_EQ "max-leaf", eax, edx

        ; Leaf 1: the hypervisor bit on, VMX off.
        mov eax, 1
        cpuid
        mov eax, ecx
        and eax, CPUID1_ECX_HYPERVISOR
        CHECK_EQ "hv-bit", eax, CPUID1_ECX_HYPERVISOR
        mov eax, ecx
        and eax, CPUID1_ECX_VMX
        CHECK_EQ "no-vmx", eax, 0

        ; Leaf 0x80000001: SVM off (a CPU without the leaf has no SVM).
        mov eax, 0x80000000
        cpuid
        xor ecx, ecx
        cmp eax, 0x80000001
        jb .no_ext
        mov eax, 0x80000001
        cpuid
.no_ext:
        and ecx, CPUID81_ECX_SVM
        CHECK_EQ "no-svm", ecx, 0

        jmp guest_exit

section .data
name_vendor:    db "vendor", 0
vendor:         times 12 db 0
