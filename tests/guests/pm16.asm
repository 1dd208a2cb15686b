; tests/guests/pm16.asm: port, string I/O and MMIO in 16-bit protected
; mode, through segments whose base is not 0 (kind=flat: starts in real
; mode and switches itself).
;
; A hypervisor that emulates INS/OUTS/MOVS or decodes an MMIO access must
; add the segment base (and honour segment overrides); in real mode the
; base is selector * 16, here it comes from the GDT, so these catch code
; that computes it from the selector.
;
; Checks (all "pm16-"):
;   in16                  OUT/IN AX on the scratch register in 16-bit PM
;   unclaimed-in32        IN EAX (operand-size prefix) on port 0x3330
;   outs-ds outs-fs       REP OUTSB to the console from DS:SI, DS based at
;                         0x10000, and with an FS override, FS based at
;                         0x20000: SI ends past the string; the lines
;                         "pm16-outs-ds: 0123456789" and
;                         "pm16-outs-fs: abcdefghij" are printed (the
;                         suite looks; base 0 would print "bad: ...")
;   ins-es ins-es-di      REP INSW into ES:DI, ES based at 0x20000
;   ins-es-base           ... and not at base 0
;   ins-back-es           REP INSB with DF=1 into ES:DI (and -di: DI)
;   outsd-ds              OUTSD from DS:SI (base 0x10000) to the scratch
;   rep-cx16              REP counts in CX with 16-bit addressing
;   mmio-fs-write         MOV to FS:off, FS based at the testdev page,
;                         read back through the flat data segment
;   mmio-fs-read          and the other way round
;   mmio-movs-es          REP MOVSB from DS:SI (RAM) to ES:DI (MMIO)

        org 0x7c00
        bits 16
%define CHECK_PREFIX "pm16-"
%include "lib16.inc"

; Selectors of the GDT below.
SEL_CODE        equ 0x08                ; 16-bit code, base 0, limit 64 KiB
SEL_FLAT        equ 0x10                ; 16-bit data, base 0, limit 4 GiB
SEL_DS1         equ 0x18                ; data, base 0x10000, limit 64 KiB
SEL_ES2         equ 0x20                ; data, base 0x20000, limit 64 KiB
SEL_MMIO        equ 0x28                ; data, base TESTDEV_MMIO, 4 KiB

; The same offset in each segment holds a different string, so whatever
; base a hypervisor wrongly uses shows up in the output.
STR_OFF         equ 0x100

CR0_PE          equ 1 << 0

start:
        cld
        xor esi, esi
        xor edi, edi

        ; ---- In real mode: put the strings where the segments will point.
        mov di, STR_OFF                 ; base 0: the decoy
        mov si, bad_text
        mov cx, text_len
        rep movsb
        mov ax, 0x1000                  ; base 0x10000: DS's
        mov es, ax
        mov di, STR_OFF
        mov si, ds_text
        mov cx, text_len
        rep movsb
        mov dword [es:0x180], 0xfeedc0de
        mov ax, 0x2000                  ; base 0x20000: FS's and ES's
        mov es, ax
        mov di, STR_OFF
        mov si, fs_text
        mov cx, text_len
        rep movsb
        xor ax, ax
        mov es, ax

        ; ---- Enter 16-bit protected mode (IF is 0 and stays 0).
        lgdt [gdt_desc]
        mov eax, cr0
        or eax, CR0_PE
        mov cr0, eax
        jmp SEL_CODE:.pm
.pm:
        mov ax, SEL_FLAT
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov fs, ax
        mov gs, ax

        mov ax, 0xbeef
        out TESTDEV_PORT + 2, ax
        mov eax, 0x12345678
        in ax, TESTDEV_PORT + 2
        CHECK_EQ "in16", eax, 0x1234beef
        mov dx, UNCLAIMED_PORT
        xor eax, eax
        in eax, dx
        CHECK_EQ "unclaimed-in32", eax, 0xffffffff

        ; ---- OUTS from a based DS, then through an FS override.
        PRINT "pm16-outs-ds: "
        mov ax, SEL_DS1
        mov ds, ax
        mov si, STR_OFF
        mov cx, text_len
        mov dx, CONSOLE_PORT
        rep outsb
        mov ax, SEL_FLAT                ; the library wants DS at base 0
        mov ds, ax
        CHECK_EQ "outs-ds", esi, STR_OFF + text_len

        PRINT "pm16-outs-fs: "
        mov ax, SEL_DS1
        mov ds, ax
        mov ax, SEL_ES2
        mov fs, ax
        mov si, STR_OFF
        mov cx, text_len
        fs rep outsb
        mov ax, SEL_FLAT
        mov ds, ax
        CHECK_EQ "outs-fs", esi, STR_OFF + text_len

        ; ---- INS into a based ES. Guard words around the target first.
        mov dword [dword 0x20200], 0xcccccccc
        mov dword [dword 0x20204], 0xcccccccc
        mov dword [0x200], 0xeeeeeeee
        mov ax, 0x4d4c
        out TESTDEV_PORT, ax
        mov ax, SEL_ES2
        mov es, ax
        mov di, 0x200
        mov cx, 2
        mov dx, TESTDEV_PORT
        rep insw
        CHECK_EQ "ins-es", dword [dword 0x20200], 0x4d4c4d4c
        CHECK_EQ "ins-es-di", edi, 0x204
        CHECK_EQ "ins-es-base", dword [0x200], 0xeeeeeeee

        mov dword [dword 0x2030c], 0
        mov al, 0x3c
        out TESTDEV_PORT, al
        std
        mov di, 0x30f
        mov cx, 4
        rep insb
        cld
        CHECK_EQ "ins-back-es", dword [dword 0x2030c], 0x3c3c3c3c
        CHECK_EQ "ins-back-es-di", edi, 0x30b

        ; ---- OUTSD from a based DS to the scratch register.
        mov ax, SEL_DS1
        mov ds, ax
        mov si, 0x180
        mov dx, TESTDEV_PORT
        outsd
        mov ax, SEL_FLAT
        mov ds, ax
        in eax, dx
        CHECK_EQ "outsd-ds", eax, 0xfeedc0de

        ; ---- 16-bit addressing counts in CX, in protected mode too.
        mov di, 0x200
        mov ecx, 0x10001
        rep insb
        CHECK_EQ "rep-cx16", ecx, 0x10000

        ; ---- MMIO through a segment based at the testdev page.
        mov ax, SEL_MMIO
        mov fs, ax
        mov word [fs:0x20], 0x1234
        xor eax, eax
        mov ax, [dword TESTDEV_MMIO + 0x20]
        CHECK_EQ "mmio-fs-write", eax, 0x1234
        mov dword [dword TESTDEV_MMIO + 0x24], 0xa5a55a5a
        mov eax, [fs:0x24]
        CHECK_EQ "mmio-fs-read", eax, 0xa5a55a5a

        ; REP MOVSB from DS1:0x180 (the 0xfeedc0de dword) to MMIO:0x30.
        mov ax, SEL_DS1
        mov ds, ax
        mov ax, SEL_MMIO
        mov es, ax
        mov si, 0x180
        mov di, 0x30
        mov cx, 4
        rep movsb
        mov ax, SEL_FLAT
        mov ds, ax
        mov es, ax
        ; Into a register first: CHECK_EQ would PUSH from MMIO, a form the
        ; ABI does not promise.
        mov eax, [dword TESTDEV_MMIO + 0x30]
        CHECK_EQ "mmio-movs-es", eax, 0xfeedc0de

        jmp guest_exit

section .data
ds_text:        db "0123456789", 10
text_len        equ $ - ds_text
fs_text:        db "abcdefghij", 10
bad_text:       db "bad: base0", 10

; The GDT. Descriptor: limit 15:0, base 23:0, access, flags | limit 19:16,
; base 31:24 (Intel SDM Vol. 3A, "Segment Descriptors").
%macro DESC 4   ; base, limit (20 bits), access, flags (G, D/B)
        dw (%2) & 0xffff
        dw (%1) & 0xffff
        db ((%1) >> 16) & 0xff
        db %3
        db (((%2) >> 16) & 0x0f) | (%4)
        db ((%1) >> 24) & 0xff
%endmacro
ACC_CODE        equ 0x9b                ; present, ring 0, code, readable
ACC_DATA        equ 0x93                ; present, ring 0, data, writable
FLG_G           equ 0x80                ; limit in 4 KiB units

        align 8
gdt:    dq 0
        DESC 0, 0xffff, ACC_CODE, 0
        DESC 0, 0xfffff, ACC_DATA, FLG_G
        DESC 0x10000, 0xffff, ACC_DATA, 0
        DESC 0x20000, 0xffff, ACC_DATA, 0
        DESC TESTDEV_MMIO, 0xfff, ACC_DATA, 0
gdt_end:
gdt_desc:
        dw gdt_end - gdt - 1
        dd gdt
