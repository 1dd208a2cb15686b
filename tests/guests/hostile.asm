; tests/guests/hostile.asm: the guest of the hostile-DM cases
; (kind=multiboot, 32-bit protected mode; tests/emu/ioreq.sh).
;
; Its first access of any device, before it prints a byte, is a dword IN
; from the DM's scratch port 0x700, so that a DM started with
; "testdev=on fault=KIND fault_after=1" breaks the protocol on exactly
; that request. What the guest then sees depends on KIND:
;   backwards, badstate, size, wrongport, unsolicited
;                   nothing: Tern crashes it for the DM's fault
;   die, destroy    the DM (or its server) is gone while the request is
;                   out: the IN completes with all ones, and the guest
;                   runs on with Tern's own console and exit ports
;   (no fault)      the DM answers: the scratch register is still 0
; The guest cannot tell which case it is in; it names what it got, and
; the suite says which it expected.
;
; Checks:
;   dm-gone         the IN read 0xffffffff (a FAIL for any value but 0)
;   dm-answered     the IN read 0, the scratch register's reset value
;   dm-mmio         (answered only) a dword written to the DM's MMIO
;                   scratch at 0xfe000000 reads back

%include "mb1.inc"
        org MB1_LOAD_ADDR
        bits 32
%include "lib32.inc"

TD_SCRATCH      equ 0x700
TD_MMIO         equ 0xfe000000

section .text
        MB1_HEADER start

start:
        GUEST32_START
        mov dx, TD_SCRATCH
        in eax, dx
        test eax, eax
        jz .answered
        CHECK_EQ "dm-gone", eax, 0xffffffff
        jmp guest_exit
.answered:
        CHECK_PASS "dm-answered"
        mov dword [TD_MMIO], 0x600dd00d
        mov eax, [TD_MMIO]
        CHECK_EQ "dm-mmio", eax, 0x600dd00d
        jmp guest_exit

        MB1_IMAGE_END
