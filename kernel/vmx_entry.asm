; kernel/vmx_entry.asm: entering a VMX guest and coming back.
;
; int vmx_enter(struct hvm_regs *regs, uint64_t launched)
;   Saves the host's callee-saved registers, records RSP in the VMCS's
;   HOST_RSP (so the exit lands on this very stack frame), loads the
;   guest's general registers from regs (RSP, RIP and RFLAGS are in the
;   VMCS: vmx.c writes them), and executes VMLAUNCH or VMRESUME.
;   Returns 0 after a VM exit (guest registers saved back into regs),
;   1 on VMfailInvalid (CF=1: no current VMCS), 2 on VMfailValid (ZF=1:
;   the VM-instruction error field says why). Intel SDM Vol. 3C,
;   "VMLAUNCH/VMRESUME-Launch/Resume Virtual Machine" and "Conventions".
;
; vmx_exit_stub is HOST_RIP: the CPU arrives here on every VM exit with
; RSP = HOST_RSP, interrupts off (RFLAGS = 2), host segment state loaded.

bits 64
section .text

%include "hvm_regs.inc"
%define VMCS_HOST_RSP 0x6c14

global vmx_enter, vmx_exit_stub
vmx_enter:
        push rbp
        push rbx
        push r12
        push r13
        push r14
        push r15
        push rdi                        ; [rsp] = regs, found again on exit
        mov rax, VMCS_HOST_RSP
        vmwrite rax, rsp
        test rsi, rsi
        mov rax, [rdi + HVM_RAX]
        LOAD_GPRS_BUT_RAX_RDI
        mov rdi, [rdi + HVM_RDI]        ; last: it held the pointer
        jnz .resume                     ; flags from "test rsi, rsi"
        vmlaunch
        jmp .failed
.resume:
        vmresume
.failed:
        ; Only reached when the instruction failed: CF or ZF says how.
        mov eax, 1
        mov ecx, 2
        cmovz eax, ecx
        pop rdi
        pop r15
        pop r14
        pop r13
        pop r12
        pop rbx
        pop rbp
        ret

vmx_exit_stub:
        push rdi                        ; the guest's RDI
        mov rdi, [rsp + 8]              ; regs
        mov [rdi + HVM_RAX], rax
        SAVE_GPRS_BUT_RAX_RDI
        pop rax
        mov [rdi + HVM_RDI], rax
        pop rdi
        pop r15
        pop r14
        pop r13
        pop r12
        pop rbx
        pop rbp
        xor eax, eax
        ret
