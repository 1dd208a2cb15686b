; kernel/entry.asm: interrupt and exception entry.
;
; One stub per vector pushes an error code (a zero where the CPU pushes
; none, so every frame looks alike), then the vector, then jumps to
; trap_common, which saves the general registers in the order of
; struct cpu_regs (include/tern/panic.h) and calls trap_dispatch(regs).
; Vectors with an error code: Intel SDM Vol. 3A, "Exception and Interrupt
; Reference" (8, 10-14, 17, 21, 29, 30).
;
; Entries from ring 3 (the ring-3 domains: device models) swap GS so that
; %gs:0 is the per-CPU area while in Tern.

bits 64
section .text

%macro STUB 1
stub_%1:
%if %1 = 8 || (%1 >= 10 && %1 <= 14) || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
%else
        push 0
%endif
        push %1
        jmp trap_common
        align 16
%endmacro

        align 16
global trap_stubs
trap_stubs:
%assign v 0
%rep 256
        STUB v
%assign v v + 1
%endrep

; Stack on arrival: vector, error code, RIP, CS, RFLAGS, RSP, SS.
trap_common:
        test qword [rsp + 24], 3        ; CS.RPL of the interrupted code
        jz .from_kernel
        swapgs
.from_kernel:
        push rax
        push rbx
        push rcx
        push rdx
        push rsi
        push rdi
        push rbp
        push r8
        push r9
        push r10
        push r11
        push r12
        push r13
        push r14
        push r15
        cld
        mov rdi, rsp
        extern trap_dispatch
        call trap_dispatch
        pop r15
        pop r14
        pop r13
        pop r12
        pop r11
        pop r10
        pop r9
        pop r8
        pop rbp
        pop rdi
        pop rsi
        pop rdx
        pop rcx
        pop rbx
        pop rax
        add rsp, 16                     ; vector and error code
        test qword [rsp + 8], 3
        jz .to_kernel
        swapgs
.to_kernel:
        iretq
