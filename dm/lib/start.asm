; dm/lib/start.asm: _start, the ELF entry point of every ring-3 domain.
;
; Tern enters here (include/public/hypercall.h, "The start-info page")
; with RDI = the start-info page, RSP = TERN_USER_STACK_TOP (16-byte
; aligned), every other register 0, in ring 3 with interrupts on.
;
; .bss is not cleared here: Tern's loader (kernel/user.c) backs every
; PT_LOAD page with a fresh zeroed frame and copies only p_filesz bytes,
; so the tail up to p_memsz, which is .bss, is already zero.
;
; With RSP 16-byte aligned, the CALL leaves tern_start() with RSP + 8
; aligned, as the System V ABI expects at a function's entry. RBP = 0
; ends the frame-pointer chain for debuggers.

bits 64
section .text.entry

extern tern_start
global _start
_start:
        xor ebp, ebp
        call tern_start                 ; (si): never returns
        ud2                             ; if it did: a fault, and Tern says so

section .note.GNU-stack noalloc noexec nowrite progbits
