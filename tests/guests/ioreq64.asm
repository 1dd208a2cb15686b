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

%include "mb1.inc"
        org MB1_LOAD_ADDR
%define CHECK_PREFIX "ioreq64-"
%include "lib64.inc"

CR0_PG          equ 1 << 31
CR4_PAE         equ 1 << 5
MSR_EFER        equ 0xc0000080
EFER_LME        equ 1 << 8
EFER_LMA        equ 1 << 10
PTE_P           equ 1 << 0
PTE_W           equ 1 << 1
PTE_PS          equ 1 << 7

PT_BASE         equ 0x400000
PML4            equ PT_BASE
PDPT            equ PT_BASE + 0x1000
PD              equ PT_BASE + 0x2000    ; four: 0-4 GiB
PT_END          equ PT_BASE + 0x6000

; The DM's test device (dm/devices/testdev.h).
TD_BC_COUNT     equ 0x710
TD_BC_ERRORS    equ 0x714
TD_MMIO         equ 0xfe000000
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

        ; 4-level tables (Intel SDM Vol. 3A, "4-Level Paging and 5-Level
        ; Paging"): one PML4 entry, four PDPT entries, 2048 2 MiB pages.
        mov edi, PT_BASE
        mov ecx, (PT_END - PT_BASE) / 4
        xor eax, eax
        rep stosd
        mov dword [PML4], PDPT | PTE_P | PTE_W
        xor ecx, ecx
.pdpt:
        mov eax, ecx
        shl eax, 12
        add eax, PD | PTE_P | PTE_W
        mov [PDPT + ecx * 8], eax
        inc ecx
        cmp ecx, 4
        jb .pdpt
        xor ecx, ecx
.pd:
        mov eax, ecx
        shl eax, 21
        or eax, PTE_P | PTE_W | PTE_PS
        mov [PD + ecx * 8], eax
        inc ecx
        cmp ecx, 2048
        jb .pd

        mov eax, cr4
        or eax, CR4_PAE
        mov cr4, eax
        mov eax, PML4
        mov cr3, eax
        mov ecx, MSR_EFER
        rdmsr
        or eax, EFER_LME
        wrmsr
        mov eax, cr0
        or eax, CR0_PG
        mov cr0, eax
        jmp GDT64_CODE:long_entry

        bits 64
long_entry:
        mov rsp, stack64_top
        call idt64_init
        mov ecx, MSR_EFER
        rdmsr
        and eax, EFER_LMA
        CHECK_EQ "lma", rax, EFER_LMA

        call mmio
        call bufcheck64
        call bufcheck_mixed
        jmp guest_exit

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
