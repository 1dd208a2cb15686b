; tests/guests/triple.asm: a guest that triple-faults (kind=flat, real
; mode). Tern must crash this domain, say so naming it, and let the other
; domains run on (tests/guests/survivor.asm is the one that runs beside
; it in the suite).
;
; With an IDT limit of 0 no vector fits: INT3 cannot be delivered and
; raises #GP, which cannot be delivered either, so #DF, which cannot:
; the CPU shuts down (Intel SDM Vol. 3A, "Interrupt 8 - Double Fault
; Exception (#DF)"); under VT-x that is a triple-fault exit, under SVM a
; shutdown intercept.
;
; Prints "about to triple fault" and nothing else. Should the guest run
; on, it fails the check "triple" and exits with status 1.

        org 0x7c00
        bits 16
%include "lib16.inc"

start:
        PRINT "about to triple fault", 10
        lidt [idt_none]
        int3
        CHECK_FAIL "triple", "still running after the triple fault"
        jmp guest_exit

section .data
idt_none:       dw 0                    ; limit 0: not even vector 0 fits
                dd 0
