; tests/guests/paging32.asm: port I/O, string I/O and MMIO with paging on
; (kind=multiboot): first 32-bit paging, then PAE paging.
;
; To emulate INS/OUTS/MOVS/STOS or decode an MMIO access, Tern has to turn
; the guest's linear addresses into guest-physical ones by walking the
; guest's page tables. Each phase maps 0-8 MiB 1:1 (4 KiB pages, except
; 0-4 MiB with 2 MiB pages under PAE), the testdev page and the unclaimed
; MMIO page 1:1, and an alias at ALIAS_VA that is not 1:1: its first page
; is BUF_B, its second BUF_A (in that order, so that a buffer crossing
; the page boundary is split across two non-adjacent frames), its third
; the testdev page.
;
; Checks: io32.inc's checks, prefixed "pg32-" then "pae-", and in each
; phase (e.g. "pg32-alias-ins"):
;   alias-ins alias-ins-next     REP INSB of 8 bytes at ALIAS_VA+0xffc: 4
;                                land at the end of BUF_B, 4 at BUF_A
;   alias-ins-guard alias-ins-guard-next alias-ins-edi
;                                and nothing before or after them
;   alias-ins-back alias-ins-back-next alias-ins-back-edi
;                                REP INSB with DF=1 back across the boundary
;   alias-outs-esi               REP OUTSB of a line crossing the boundary;
;                                it prints "<prefix>alias-outs: ABCDEFGHIJKLMNOP"
;   alias-mmio-write alias-mmio-read
;                                MOV through the alias of the testdev page
;   alias-movs alias-movs-next   REP MOVSB from MMIO (alias) to RAM (alias)
;                                across the boundary
;   alias-stos                   REP STOSD into MMIO through the alias
;   paging-off                   (once per phase) CR0.PG is clear again

%include "mb1.inc"
        org MB1_LOAD_ADDR
        bits 32
%define CHECK_PREFIX "pg32-"
%include "lib32.inc"
%include "io32.inc"

CR0_PG          equ 1 << 31
CR4_PAE         equ 1 << 5
PTE_P           equ 1 << 0
PTE_W           equ 1 << 1
PTE_PS          equ 1 << 7
PAGE            equ 0x1000

PT_POOL         equ 0x400000            ; page tables are taken from here
IDENTITY_END    equ 0x800000
BUF_A           equ 0x600000
BUF_B           equ 0x601000
ALIAS_VA        equ 0x40000000

section .text
        MB1_HEADER start

start:
        GUEST32_START

        ; ---- 32-bit paging.
        call pt_reset
        call pt_alloc
        mov [pd32], eax
        xor eax, eax
.identity32:
        mov edx, eax
        call map32
        add eax, PAGE
        cmp eax, IDENTITY_END
        jb .identity32
        mov eax, TESTDEV_MMIO
        mov edx, eax
        call map32
        mov eax, UNCLAIMED_MMIO
        mov edx, eax
        call map32
        mov eax, ALIAS_VA
        mov edx, BUF_B
        call map32
        mov eax, ALIAS_VA + PAGE
        mov edx, BUF_A
        call map32
        mov eax, ALIAS_VA + 2 * PAGE
        mov edx, TESTDEV_MMIO
        call map32

        mov eax, [pd32]
        mov cr3, eax
        mov eax, cr0
        or eax, CR0_PG
        mov cr0, eax
        call io32_tests
        call alias_tests
        call paging_off

        ; ---- PAE paging.
        mov dword [test_prefix], s_pae
        call pt_reset
        call pt_alloc                   ; the PDPT: 32 bytes, page-aligned
        mov [pdpt], eax
        xor eax, eax
        mov ecx, 1                      ; 0-4 MiB in 2 MiB pages
.identity_2m:
        mov edx, eax
        call map_pae
        add eax, 0x200000
        cmp eax, 0x400000
        jb .identity_2m
        xor ecx, ecx                    ; 4-8 MiB in 4 KiB pages
.identity_4k:
        mov edx, eax
        call map_pae
        add eax, PAGE
        cmp eax, IDENTITY_END
        jb .identity_4k
        mov eax, TESTDEV_MMIO
        mov edx, eax
        call map_pae
        mov eax, UNCLAIMED_MMIO         ; a 2 MiB page
        mov edx, eax
        mov ecx, 1
        call map_pae
        xor ecx, ecx
        mov eax, ALIAS_VA
        mov edx, BUF_B
        call map_pae
        mov eax, ALIAS_VA + PAGE
        mov edx, BUF_A
        call map_pae
        mov eax, ALIAS_VA + 2 * PAGE
        mov edx, TESTDEV_MMIO
        call map_pae

        mov eax, cr4
        or eax, CR4_PAE
        mov cr4, eax
        mov eax, [pdpt]
        mov cr3, eax
        mov eax, cr0
        or eax, CR0_PG
        mov cr0, eax
        call io32_tests
        call alias_tests
        call paging_off
        mov eax, cr4
        and eax, ~CR4_PAE
        mov cr4, eax

        jmp guest_exit

paging_off:
        mov eax, cr0
        and eax, ~CR0_PG
        mov cr0, eax
        mov eax, cr0
        and eax, CR0_PG
        CHECK_EQ "paging-off", eax, 0
        ret

; ---- Checks through the alias. BUF_A/BUF_B are read back 1:1.
alias_tests:
        mov edi, BUF_B + PAGE - 8       ; 0xcc around the boundary
        mov ecx, 2
        mov eax, 0xcccccccc
        rep stosd
        mov edi, BUF_A
        mov ecx, 2
        rep stosd

        mov al, 0x11
        mov dx, TESTDEV_PORT
        out dx, al
        mov edi, ALIAS_VA + PAGE - 4
        mov ecx, 8
        rep insb
        CHECK_EQ "alias-ins", dword [BUF_B + PAGE - 4], 0x11111111
        CHECK_EQ "alias-ins-next", dword [BUF_A], 0x11111111
        CHECK_EQ "alias-ins-guard", dword [BUF_B + PAGE - 8], 0xcccccccc
        CHECK_EQ "alias-ins-guard-next", dword [BUF_A + 4], 0xcccccccc
        CHECK_EQ "alias-ins-edi", edi, ALIAS_VA + PAGE + 4

        mov al, 0x22
        out dx, al
        std
        mov edi, ALIAS_VA + PAGE + 1
        mov ecx, 4
        rep insb
        cld
        CHECK_EQ "alias-ins-back", dword [BUF_A], 0x11112222
        CHECK_EQ "alias-ins-back-next", dword [BUF_B + PAGE - 4], 0x22221111
        CHECK_EQ "alias-ins-back-edi", edi, ALIAS_VA + PAGE - 3

        ; A line that starts 8 bytes before the boundary (put there by the
        ; CPU itself, through the alias).
        mov esi, alias_line
        mov edi, ALIAS_VA + PAGE - 8
        mov ecx, alias_line_len
        rep movsb
        mov esi, [test_prefix]
        call puts
        PRINT "alias-outs: "
        mov esi, ALIAS_VA + PAGE - 8
        mov ecx, alias_line_len
        mov dx, CONSOLE_PORT
        rep outsb
        CHECK_EQ "alias-outs-esi", esi, ALIAS_VA + PAGE - 8 + alias_line_len

        ; The testdev page through the alias.
        mov dword [ALIAS_VA + 2 * PAGE + 0x600], 0x600dcafe
        mov eax, [TESTDEV_MMIO + 0x600]
        CHECK_EQ "alias-mmio-write", eax, 0x600dcafe
        mov dword [TESTDEV_MMIO + 0x604], 0x0ddba11
        mov eax, [ALIAS_VA + 2 * PAGE + 0x604]
        CHECK_EQ "alias-mmio-read", eax, 0x0ddba11

        mov dword [TESTDEV_MMIO + 0x610], 0x04030201
        mov dword [TESTDEV_MMIO + 0x614], 0x08070605
        mov esi, ALIAS_VA + 2 * PAGE + 0x610
        mov edi, ALIAS_VA + PAGE - 4
        mov ecx, 8
        rep movsb
        CHECK_EQ "alias-movs", dword [BUF_B + PAGE - 4], 0x04030201
        CHECK_EQ "alias-movs-next", dword [BUF_A], 0x08070605

        mov edi, ALIAS_VA + 2 * PAGE + 0x620
        mov eax, 0x12345678
        mov ecx, 2
        rep stosd
        mov eax, [TESTDEV_MMIO + 0x624]
        CHECK_EQ "alias-stos", eax, 0x12345678
        ret

; ---- Page tables. pt_alloc hands out zeroed pages from PT_POOL;
; pt_reset starts over (the tables of the phase before are dead then).

pt_reset:
        mov dword [pt_next], PT_POOL
        ret

; pt_alloc: EAX = a zeroed 4 KiB page.
pt_alloc:
        push ecx
        push edi
        mov eax, [pt_next]
        add dword [pt_next], PAGE
        push eax
        mov edi, eax
        mov ecx, PAGE / 4
        xor eax, eax
        rep stosd
        pop eax
        pop edi
        pop ecx
        ret

; map32: map the 4 KiB page at linear EAX to physical EDX in the page
; directory [pd32] (32-bit paging: 10 + 10 + 12 bits, Intel SDM Vol. 3A,
; "32-Bit Paging").
map32:
        pushad
        mov ebx, [pd32]
        mov ecx, eax
        shr ecx, 22
        mov esi, [ebx + ecx * 4]
        test esi, PTE_P
        jnz .have_pt
        push eax
        call pt_alloc
        mov esi, eax
        or eax, PTE_P | PTE_W
        mov [ebx + ecx * 4], eax
        pop eax
.have_pt:
        and esi, ~(PAGE - 1)
        shr eax, 12
        and eax, 0x3ff
        or edx, PTE_P | PTE_W
        mov [esi + eax * 4], edx
        popad
        ret

; map_pae: map linear EAX to physical EDX under the PDPT [pdpt] (PAE
; paging: 2 + 9 + 9 + 12 bits, Intel SDM Vol. 3A, "PAE Paging"). ECX = 0
; maps a 4 KiB page, else a 2 MiB one; never a 4 KiB page inside a 2 MiB
; one. PDPTEs have no R/W bit: only P.
map_pae:
        pushad
        mov ebx, [pdpt]
        mov edi, eax
        shr edi, 30
        mov esi, [ebx + edi * 8]
        test esi, PTE_P
        jnz .have_pd
        push eax
        call pt_alloc
        mov esi, eax
        or eax, PTE_P
        mov [ebx + edi * 8], eax
        pop eax
.have_pd:
        and esi, ~(PAGE - 1)
        mov edi, eax
        shr edi, 21
        and edi, 511
        test ecx, ecx
        jz .small
        or edx, PTE_P | PTE_W | PTE_PS
        mov [esi + edi * 8], edx
        jmp .done
.small:
        mov ebx, [esi + edi * 8]
        test ebx, PTE_P
        jnz .have_pt
        push eax
        call pt_alloc
        mov ebx, eax
        or eax, PTE_P | PTE_W
        mov [esi + edi * 8], eax
        pop eax
.have_pt:
        and ebx, ~(PAGE - 1)
        shr eax, 12
        and eax, 511
        or edx, PTE_P | PTE_W
        mov [ebx + eax * 8], edx
.done:
        popad
        ret

section .data
s_pae:          db "pae-", 0
alias_line:     db "ABCDEFGHIJKLMNOP", 10
alias_line_len  equ $ - alias_line
pt_next:        dd PT_POOL
pd32:           dd 0
pdpt:           dd 0

        MB1_IMAGE_END
