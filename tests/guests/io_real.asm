; tests/guests/io_real.asm: port I/O and string I/O in real mode
; (kind=flat).
;
; Checks (all "real-"):
;   in8 in16 in32             OUT then IN on the testdev scratch register;
;                             IN AL / IN AX keep the rest of EAX
;   in8-offset in16-offset    a dword written at 0xe0 read back at 0xe3
;                             (byte) and 0xe1 (word)
;   unclaimed-in8/16/32       port 0x3330 reads all ones of the width,
;                             the rest of EAX kept
;   unclaimed-out             a write there is dropped (scratch unchanged)
;   outs-fwd outs-back        REP OUTSB to the console, DF=0 and DF=1: SI
;                             ends past the string; the printed lines are
;                             "real-outs-fwd: 0123456789" and
;                             "real-outs-back: 0123456789" (the suite looks)
;   insb insw                 REP INSB/INSW into ES:DI with ES=0x2000: the
;                             bytes, DI, and the guard after them
;   ins-es-base               ... went to 0x20100, not to 0x100
;   insd-back insd-back-di    REP INSD with DF=1
;   insd-back-guard           ... stopped where it should
;   rep-zero rep-zero-outs    REP INSB / REP OUTSB with CX=0 move nothing
;   rep-cx16 rep-cx16-data    16-bit addressing counts in CX: ECX=0x10002
;                             does 2 iterations and leaves ECX=0x10000
;   outsd                     REP OUTSD to the scratch: the last dword stays
;   outsw-es                  OUTSW with an ES override reads ES:SI

        org 0x7c00
        bits 16
%define CHECK_PREFIX "real-"
%include "lib16.inc"

BUF_SEG         equ 0x2000              ; ES for the INS tests: base 0x20000
BUF             equ 0x100               ; offset of the buffer in it

start:
        xor esi, esi                    ; so that ESI/EDI read back as SI/DI
        xor edi, edi
        cld

        ; ---- IN/OUT of each width on the scratch register.
        mov al, 0x5a
        out TESTDEV_PORT, al
        mov eax, 0x12345678
        in al, TESTDEV_PORT
        CHECK_EQ "in8", eax, 0x1234565a
        mov ax, 0xbeef
        out TESTDEV_PORT + 2, ax
        mov eax, 0x12345678
        in ax, TESTDEV_PORT + 2
        CHECK_EQ "in16", eax, 0x1234beef
        mov dx, TESTDEV_PORT + 4
        mov eax, 0xdeadbeef
        out dx, eax
        xor eax, eax
        in eax, dx
        CHECK_EQ "in32", eax, 0xdeadbeef

        ; A dword at offset 0 fills bytes 0-3; read them back elsewhere.
        mov eax, 0x44332211
        out TESTDEV_PORT, eax
        xor eax, eax
        in al, TESTDEV_PORT + 3
        CHECK_EQ "in8-offset", eax, 0x44
        in ax, TESTDEV_PORT + 1
        CHECK_EQ "in16-offset", eax, 0x3322

        ; ---- An unclaimed port: all ones of the access width.
        mov dx, UNCLAIMED_PORT
        mov eax, 0x12345678
        in al, dx
        CHECK_EQ "unclaimed-in8", eax, 0x123456ff
        mov eax, 0x12345678
        in ax, dx
        CHECK_EQ "unclaimed-in16", eax, 0x1234ffff
        xor eax, eax
        in eax, dx
        CHECK_EQ "unclaimed-in32", eax, 0xffffffff
        mov eax, 0x01020304
        out dx, eax
        in eax, TESTDEV_PORT
        CHECK_EQ "unclaimed-out", eax, 0x44332211

        ; ---- REP OUTSB to the console, forward and backward.
        PRINT "real-outs-fwd: "
        mov si, digits
        mov cx, digits_len
        mov dx, CONSOLE_PORT
        rep outsb
        CHECK_EQ "outs-fwd", esi, digits + digits_len
        PRINT "real-outs-back: "
        std
        mov si, rdigits + rdigits_len - 1
        mov cx, rdigits_len
        rep outsb
        cld
        CHECK_EQ "outs-back", esi, rdigits - 1

        ; ---- REP INS into ES:DI, ES based at 0x20000. The same offsets at
        ; base 0 hold a different pattern, to show where the bytes went.
        mov di, BUF                     ; ES = 0 here: the decoy
        mov cx, 8
        mov ax, 0xeeee
        rep stosw
        mov ax, BUF_SEG
        mov es, ax
        mov di, BUF
        mov cx, 8
        mov ax, 0xcccc
        rep stosw

        mov al, 0xa5
        out TESTDEV_PORT, al
        mov di, BUF
        mov cx, 3
        mov dx, TESTDEV_PORT
        rep insb
        CHECK_EQ "insb", dword [es:BUF], 0xcca5a5a5
        CHECK_EQ "insb-di", edi, BUF + 3
        CHECK_EQ "ins-es-base", dword [BUF], 0xeeeeeeee

        mov ax, 0x1234
        out TESTDEV_PORT, ax
        mov di, BUF + 4
        mov cx, 2
        rep insw
        CHECK_EQ "insw", dword [es:BUF + 4], 0x12341234

        mov eax, 0x89abcdef
        out TESTDEV_PORT, eax
        std
        mov di, BUF + 12
        mov cx, 2
        rep insd
        cld
        CHECK_EQ "insd-back", dword [es:BUF + 8], 0x89abcdef
        CHECK_EQ "insd-back-di", edi, BUF + 4
        CHECK_EQ "insd-back-guard", dword [es:BUF + 4], 0x12341234

        ; ---- REP with CX=0 does nothing at all.
        mov di, BUF
        xor cx, cx
        rep insb
        CHECK_EQ "rep-zero", edi, BUF
        mov si, rep_zero_text
        xor cx, cx
        mov dx, CONSOLE_PORT
        rep outsb
        CHECK_EQ "rep-zero-outs", esi, rep_zero_text

        ; ---- 16-bit addressing: REP counts in CX, not ECX.
        mov al, 0x77
        out TESTDEV_PORT, al
        mov di, BUF
        mov ecx, 0x10002
        mov dx, TESTDEV_PORT
        rep insb
        CHECK_EQ "rep-cx16", ecx, 0x10000
        CHECK_EQ "rep-cx16-data", dword [es:BUF], 0xcca57777

        ; ---- OUTS to the scratch register.
        mov si, pattern
        mov cx, 2
        mov dx, TESTDEV_PORT
        rep outsd
        in eax, dx
        CHECK_EQ "outsd", eax, 0x0badc0de
        mov word [es:BUF + 0x80], 0x5150
        mov si, BUF + 0x80
        mov dx, TESTDEV_PORT + 4
        es outsw
        xor eax, eax
        in ax, dx
        CHECK_EQ "outsw-es", eax, 0x5150

        jmp guest_exit

section .data
digits:         db "0123456789", 10
digits_len      equ $ - digits
rdigits:        db 10, "9876543210"
rdigits_len     equ $ - rdigits
rep_zero_text:  db "BUG: REP OUTSB with CX=0 printed this", 10
pattern:        dd 0xcafef00d, 0x0badc0de
