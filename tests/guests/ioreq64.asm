; tests/guests/ioreq64.asm: 8-byte accesses to the device model, from
; long mode (kind=multiboot; the guest switches to long mode itself).
; Run with dm.elf "role=dm target=ioreq64 testdev=on"
; (tests/emu/ioreq.sh): MMIO goes to the DM's test device through an
; ioreq server, 8 bytes at a time, and 8-byte posted writes take two
; slots of the buffered ring each.
;
; Paging: the first 4 GiB 1:1 with 2 MiB pages (the DM's MMIO at
; 0xfe000000 and the bufcheck window at 0xa0000 included).
;
; Checks (all "ioreq64-"):
;   lma                     EFER.LMA is set
;   mmio64 mmio64-modrm-r9  MOV RAX / R9 of a qword on the DM's scratch
;   mmio64-halves           the qword's bytes, read as two dwords
;   mmio64-unaligned mmio64-unaligned-byte   a qword at offset 0x103
;   mmio64-imm-sx           MOV qword [mem], imm32 sign-extends
;   mmio64-add mmio64-add-cf   ADD of a qword, the carry out of bit 63
;   mmio64-xchg mmio64-xchg-mem   XCHG R13, [mem]
;   mmio32-zx               a dword load clears bits 63..32
;   bufcheck64-count bufcheck64-errors bufcheck64-read
;                           2600 posted qword writes of 0, 1, 2, ...
;                           (5200 ring slots: ten rings), all arrive in
;                           order; an 8-byte read gives the count
;   bufcheck-mixed-count bufcheck-mixed-errors
;                           2048 posted writes cycling 8, 1, 4, 2 bytes,
;                           so two-slot writes start at every slot index
;   msr-lstar msr-kgs msr-star   the SYSCALL MSRs a 64-bit kernel sets
;                           are the guest's: written, then read back after
;                           round trips to the DM, which runs ring-3 code
;                           needing Tern's own values in between (VMX
;                           switches them lazily, SVM with VMLOAD/VMSAVE)

%include "mb1.inc"
        org MB1_LOAD_ADDR
%define CHECK_PREFIX "ioreq64-"
%include "lib64.inc"

PML4            equ 0x400000        ; map_low_4g's 6 pages (lib64.inc)

; The DM's test device (dm/devices/testdev.h).
TD_BC_COUNT     equ 0x710
TD_BC_ERRORS    equ 0x714
TD_MMIO         equ 0xfe000000
TD_SCRATCH      equ 0x700
TD_BUFCHECK     equ 0xa0000
BUFCHECK64_N    equ 2600                ; 5200 slots: over ten rings
BUFCHECK_MIXED_N equ 2048               ; 512 rounds of four

section .text
        MB1_HEADER start

        bits 32
start:
        mov [mb_magic], eax
        mov [mb_info], ebx
        cli
        cld
        lgdt [gdt64_desc]
        jmp GDT64_CODE32:.flat
.flat:
        mov eax, GDT64_DATA
        mov ds, eax
        mov es, eax
        mov ss, eax
        mov esp, stack64_top

        mov edi, PML4
        call map_low_4g
        ENTER_LONG_MODE PML4, long_entry

        bits 64
long_entry:
        mov rsp, stack64_top
        call idt64_init
        mov ecx, MSR_EFER
        rdmsr
        and eax, EFER_LMA
        CHECK_EQ "lma", rax, EFER_LMA

        call syscall_msrs
        call mmio
        call bufcheck64
        call bufcheck_mixed
        jmp guest_exit

; ---- The SYSCALL MSRs survive the DM's turns on the CPU.
MSR_STAR        equ 0xc0000081
MSR_LSTAR       equ 0xc0000082
MSR_KGS         equ 0xc0000102
LSTAR_VAL       equ 0xffff800012345678
KGS_VAL         equ 0x000000009abcd000
STAR_VAL        equ 0x0023001000000000
syscall_msrs:
        mov ecx, MSR_LSTAR
        mov eax, LSTAR_VAL & 0xffffffff
        mov edx, LSTAR_VAL >> 32
        wrmsr
        mov ecx, MSR_KGS
        mov eax, KGS_VAL & 0xffffffff
        mov edx, KGS_VAL >> 32
        wrmsr
        mov ecx, MSR_STAR
        mov eax, STAR_VAL & 0xffffffff
        mov edx, STAR_VAL >> 32
        wrmsr
        mov ecx, 3                      ; round trips: the DM runs each time
        mov dx, TD_SCRATCH
.trip:  in al, dx
        loop .trip
        mov ecx, MSR_LSTAR
        call rdmsr64
        CHECK_EQ "msr-lstar", rax, LSTAR_VAL
        mov ecx, MSR_KGS
        call rdmsr64
        CHECK_EQ "msr-kgs", rax, KGS_VAL
        mov ecx, MSR_STAR
        call rdmsr64
        CHECK_EQ "msr-star", rax, STAR_VAL
        ret

; RAX = the MSR ECX names.
rdmsr64:
        rdmsr
        shl rdx, 32
        or rax, rdx
        ret

; ---- 8-byte MMIO on the DM's scratch page.
mmio:
        mov rbx, TD_MMIO
        mov rax, 0x1122334455667788
        mov [rbx], rax
        mov rcx, [rbx]
        CHECK_EQ "mmio64", rcx, 0x1122334455667788
        mov r9, [rbx]
        CHECK_EQ "mmio64-modrm-r9", r9, 0x1122334455667788
        mov eax, [rbx + 4]
        mov ecx, [rbx]
        shl rax, 32
        or rax, rcx
        CHECK_EQ "mmio64-halves", rax, 0x1122334455667788
        mov rax, -1
        mov eax, [rbx + 4]
        CHECK_EQ "mmio32-zx", rax, 0x11223344

        mov rax, 0x0102030405060708
        mov [rbx + 0x103], rax
        mov rcx, [rbx + 0x103]
        CHECK_EQ "mmio64-unaligned", rcx, 0x0102030405060708
        movzx eax, byte [rbx + 0x10a]
        CHECK_EQ "mmio64-unaligned-byte", rax, 0x01
        mov qword [rbx + 0x200], -2
        mov rax, [rbx + 0x200]
        CHECK_EQ "mmio64-imm-sx", rax, 0xfffffffffffffffe

        mov rax, 3
        add [rbx + 0x200], rax          ; -2 + 3: carry out of bit 63
        setc cl
        movzx ecx, cl
        CHECK_EQ "mmio64-add-cf", rcx, 1
        mov rax, [rbx + 0x200]
        CHECK_EQ "mmio64-add", rax, 1
        mov r13, 0x8877665544332211
        xchg r13, [rbx]
        CHECK_EQ "mmio64-xchg", r13, 0x1122334455667788
        mov rax, [rbx]
        CHECK_EQ "mmio64-xchg-mem", rax, 0x8877665544332211
        ret

; ---- 8-byte posted writes: two ring slots each.
bufcheck64:
        mov dx, TD_BC_COUNT
        out dx, eax                     ; count, errors = 0
        mov rbx, TD_BUFCHECK
        xor ecx, ecx
.write:
        mov [rbx], rcx
        inc rcx
        cmp rcx, BUFCHECK64_N
        jb .write
        mov dx, TD_BC_COUNT
        in eax, dx                      ; waits for the ring to drain
        CHECK_EQ "bufcheck64-count", rax, BUFCHECK64_N
        mov dx, TD_BC_ERRORS
        in eax, dx
        CHECK_EQ "bufcheck64-errors", rax, 0
        mov rax, [rbx]
        CHECK_EQ "bufcheck64-read", rax, BUFCHECK64_N
        ret

; ---- Widths 8, 1, 4, 2 in turn: 5 slots a round. 5 and 511 have no
; common factor, so over 511 rounds the two-slot write starts at every
; index of the ring, the last one (its high half in slot 0) included.
bufcheck_mixed:
        mov dx, TD_BC_COUNT
        out dx, eax
        mov rbx, TD_BUFCHECK
        xor ecx, ecx
.round:
        mov [rbx], rcx
        inc rcx
        mov [rbx], cl
        inc rcx
        mov [rbx], ecx
        inc rcx
        mov [rbx], cx
        inc rcx
        cmp rcx, BUFCHECK_MIXED_N
        jb .round
        mov dx, TD_BC_COUNT
        in eax, dx
        CHECK_EQ "bufcheck-mixed-count", rax, BUFCHECK_MIXED_N
        mov dx, TD_BC_ERRORS
        in eax, dx
        CHECK_EQ "bufcheck-mixed-errors", rax, 0
        ret

        MB1_IMAGE_END
