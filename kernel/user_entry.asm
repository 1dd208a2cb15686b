; kernel/user_entry.asm: entering ring 3 and coming back.
;
; Ring-3 domains (the device models) are run by the scheduler much like a
; guest vCPU: user_enter() is the counterpart of vmx_enter(). It saves the
; scheduler's callee-saved registers, records RSP in the per-CPU area
; (PERCPU_USER_RETURN_RSP), loads the domain's registers and IRETQs to
; ring 3. The domain comes back through one of three doors:
;   - SYSCALL (a hypercall): syscall_entry saves its registers into the
;     vCPU, calls hypercall_dispatch() on the per-CPU ring-3 stack, and
;     either returns to the caller with SYSRETQ (the common case: no trip
;     through the scheduler) or leaves to the scheduler;
;   - an interrupt or exception: kernel/traps.c saves the registers and
;     may leave to the scheduler (time slice over, or the domain died);
;   - user_leave(reason), which any of those calls to return from
;     user_enter() with 'reason'.
; Intel SDM Vol. 3A, "Fast System Calls in 64-Bit Mode" (SYSCALL/SYSRET,
; IA32_STAR/LSTAR/FMASK) and "Interrupt and Exception Handling in 64-bit
; Mode" (IRETQ frames).

bits 64
section .text

%include "hvm_regs.inc"

%define PERCPU_USER_REGS        8
%define PERCPU_USER_RETURN_RSP  16
%define PERCPU_USER_KSTACK_TOP  24
%define PERCPU_SCRATCH          32

%define USER_CS     (0x28 | 3)
%define USER_DS     (0x20 | 3)

; Load every general register from the hvm_regs at RDI (RDI last).
%macro LOAD_GPRS 0
        mov rax, [rdi + HVM_RAX]
        LOAD_GPRS_BUT_RAX_RDI
        mov rdi, [rdi + HVM_RDI]
%endmacro

; int user_enter(struct hvm_regs *regs)
global user_enter
user_enter:
        push rbp
        push rbx
        push r12
        push r13
        push r14
        push r15
        mov [gs:PERCPU_USER_RETURN_RSP], rsp
        mov [gs:PERCPU_USER_REGS], rdi
        ; The IRETQ frame: SS, RSP, RFLAGS, CS, RIP.
        push USER_DS
        push qword [rdi + HVM_RSP]
        push qword [rdi + HVM_RFLAGS]
        push USER_CS
        push qword [rdi + HVM_RIP]
        LOAD_GPRS
        swapgs                          ; user GS base in, per-CPU out
        iretq

; __noreturn void user_leave(int reason): back to user_enter's caller.
; Any stack may be current (the ring-3 stack of a trap or hypercall);
; its frames are abandoned. The user registers must already be saved.
global user_leave
user_leave:
        mov eax, edi
        mov rsp, [gs:PERCPU_USER_RETURN_RSP]
        pop r15
        pop r14
        pop r13
        pop r12
        pop rbx
        pop rbp
        ret

; SYSCALL lands here (IA32_LSTAR) with RCX = user RIP, R11 = user RFLAGS,
; interrupts off (IA32_FMASK clears IF, DF, TF, AC), still on the user
; stack and the user GS.
global syscall_entry
syscall_entry:
        swapgs
        mov [gs:PERCPU_SCRATCH], rdi
        mov rdi, [gs:PERCPU_USER_REGS]
        mov [rdi + HVM_RAX], rax
        SAVE_GPRS_BUT_RAX_RDI
        mov [rdi + HVM_RSP], rsp
        mov [rdi + HVM_RIP], rcx
        mov [rdi + HVM_RFLAGS], r11
        mov rax, [gs:PERCPU_SCRATCH]
        mov [rdi + HVM_RDI], rax
        mov rsp, [gs:PERCPU_USER_KSTACK_TOP]
        xor ebp, ebp
        extern hypercall_dispatch
        call hypercall_dispatch         ; (regs): 0 = return to the caller
        test eax, eax
        jz .return
        mov edi, eax
        jmp user_leave
.return:
        ; SYSRETQ takes RIP from RCX and RFLAGS from R11. RIP came from the
        ; SYSCALL itself, so it is canonical (a non-canonical RCX would
        ; fault in ring 0 on Intel CPUs).
        mov rdi, [gs:PERCPU_USER_REGS]
        mov rsp, [rdi + HVM_RSP]
        LOAD_GPRS
        mov rcx, [gs:PERCPU_USER_REGS]
        mov r11, [rcx + HVM_RFLAGS]
        mov rcx, [rcx + HVM_RIP]
        swapgs
        o64 sysret
