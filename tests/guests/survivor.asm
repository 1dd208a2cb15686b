; tests/guests/survivor.asm: a guest that keeps busy with port I/O while
; another domain crashes (kind=flat, real mode; the suite runs it beside
; tests/guests/triple.asm), then reports and exits 0.
;
; Every round reads the unclaimed port 0x3330 (a VM exit each time), so
; the domain is still running, and taking exits, when the other one dies.
;
; Check: "survivor": all ROUNDS reads returned 0xff.

        org 0x7c00
        bits 16
%include "lib16.inc"

ROUNDS          equ 200000

start:
        mov ecx, ROUNDS
        xor ebx, ebx                    ; reads that were not 0xff
        mov dx, UNCLAIMED_PORT
.round:
        in al, dx
        cmp al, 0xff
        je .next
        inc ebx
.next:
        dec ecx
        jnz .round
        CHECK_EQ "survivor", ebx, 0
        jmp guest_exit
