; tests/guests/long64.asm: port I/O, string I/O and MMIO in 64-bit mode
; (kind=multiboot; the guest switches to long mode itself).
;
; Its 4-level page tables map the first 4 GiB 1:1 with 2 MiB pages, and at
; HIGH_VA (in the upper canonical half, so every level of the walk uses a
; non-zero index somewhere) three 4 KiB pages: BUF_B, then BUF_A (so that
; a buffer crossing the page boundary is split across non-adjacent
; frames), then the testdev page. String I/O and MMIO go through HIGH_VA,
; so Tern must walk 64-bit guest page tables, with 64-bit RSI/RDI/RCX.
; MMIO instructions use REX prefixes and r8-r15 as the register operand.
;
; Checks (all "long64-"):
;   magic lma               EAX was 0x2badb002; EFER.LMA is set
;   in8 in16                IN AL/AX keep bits 8-63 / 16-63 of RAX
;   in32-zx                 IN EAX zero-extends into RAX
;   unclaimed-in8 unclaimed-in16 unclaimed-in32-zx   port 0x3330
;   ins-high ins-high-next  REP INSB of 8 bytes at HIGH_VA+0xffc: 4 at the
;                           end of BUF_B, 4 at the start of BUF_A
;   ins-high-guard ins-high-guard-next ins-high-rdi ins-high-rcx
;                           nothing written around them; RDI and RCX after
;   ins-back-high ins-back-high-rdi   REP INSW with DF=1 across it
;   outs-high-rsi           REP OUTSB of a line crossing the boundary;
;                           prints "long64-outs-high: ABCDEFGHIJKLMNOP"
;   outs-back-rsi           REP OUTSB with DF=1; prints
;                           "long64-outs-back: 0123456789"
;   ins-a32 ins-a32-ecx ins-a32-edi
;                           an address-size prefix: ECX and EDI, not RCX/RDI
;   outsd                   REP OUTSD to the scratch register
;   mmio64 mmio64-imm mmio32-zx-r10 mmio16-r9 mmio8-r8 mmio8-sil mmio8-dh
;   mmio64-r15 mmio32-r13d mmio-moffs64 mmio-moffs64-store
;                           MOV of each width, stores and loads with REX
;                           registers; 32-bit loads zero-extend, 8/16-bit
;                           loads keep the rest; the A1/A3 moffs64 forms
;   movzx8-64 movsx8-64 movzx16-r11 movsx16-r14 movzx8-r14d movsxd movsxd-r13
;   alias-mmio-write alias-mmio-read   MOV through HIGH_VA's testdev page
;   alias-movs alias-movs-next   REP MOVSB MMIO (alias) -> RAM (alias),
;                           across the boundary
;   stosq movsq             REP STOSQ / MOVSQ into MMIO through the alias
;   add64 add64-flags or-r8 xor64-flags xor64 cmp64-flags xchg-r13
;   xchg-r13-mem bt64 and64 read-modify-write with 64-bit operands
;   unclaimed-mmio64 unclaimed-mmio32-zx unclaimed-mmio8

%include "mb1.inc"
        org MB1_LOAD_ADDR
%define CHECK_PREFIX "long64-"
%include "lib64.inc"

PAGE            equ 0x1000

; The page tables, at fixed physical addresses (zeroed by the guest).
PT_BASE         equ 0x400000
PML4            equ PT_BASE
                                        ; +0x1000-0x5fff: map_low_4g's
                                        ; PDPT and PDs (0-4 GiB)
PDPT_HIGH       equ PT_BASE + 0x6000
PD_HIGH         equ PT_BASE + 0x7000
PT_HIGH         equ PT_BASE + 0x8000
PT_END          equ PT_BASE + 0x9000

BUF_A           equ 0x600000
BUF_B           equ 0x601000
HIGH_VA         equ 0xffff800000000000  ; PML4 entry 256
HIGH_MMIO       equ HIGH_VA + 2 * PAGE
LOW_BUF         equ 0x5000              ; for ins-a32 (below 0x8000: MBI)

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

        ; The low 4 GiB 1:1 (lib64.inc), then the high half: its tables
        ; zeroed, PML4 entry 256 pointing at them.
        mov edi, PML4
        call map_low_4g
        mov edi, PDPT_HIGH
        mov ecx, (PT_END - PDPT_HIGH) / 4
        xor eax, eax
        rep stosd
        mov dword [PML4 + 256 * 8], PDPT_HIGH | PTE_P | PTE_W
        mov dword [PDPT_HIGH], PD_HIGH | PTE_P | PTE_W
        mov dword [PD_HIGH], PT_HIGH | PTE_P | PTE_W
        mov dword [PT_HIGH], BUF_B | PTE_P | PTE_W
        mov dword [PT_HIGH + 8], BUF_A | PTE_P | PTE_W
        mov dword [PT_HIGH + 16], TESTDEV_MMIO | PTE_P | PTE_W

        ENTER_LONG_MODE PML4, long_entry

        bits 64
long_entry:
        mov rsp, stack64_top
        call idt64_init

        mov eax, [mb_magic]
        CHECK_EQ "magic", rax, MB1_BOOT_MAGIC
        mov ecx, MSR_EFER
        rdmsr
        and eax, EFER_LMA
        CHECK_EQ "lma", rax, EFER_LMA

        call ports
        call strings
        call mmio_moves
        call mmio_alias
        call mmio_alu
        call mmio_unclaimed
        jmp guest_exit

ports:
        mov al, 0x5a
        out TESTDEV_PORT, al
        mov rax, 0x1122334455667788
        in al, TESTDEV_PORT
        CHECK_EQ "in8", rax, 0x112233445566775a
        mov ax, 0xbeef
        out TESTDEV_PORT + 2, ax
        mov rax, 0x1122334455667788
        in ax, TESTDEV_PORT + 2
        CHECK_EQ "in16", rax, 0x112233445566beef
        mov eax, 0xdeadbeef
        out TESTDEV_PORT + 4, eax
        mov rax, -1
        in eax, TESTDEV_PORT + 4
        CHECK_EQ "in32-zx", rax, 0xdeadbeef

        mov dx, UNCLAIMED_PORT
        mov rax, 0x1122334455667788
        in al, dx
        CHECK_EQ "unclaimed-in8", rax, 0x11223344556677ff
        mov rax, 0x1122334455667788
        in ax, dx
        CHECK_EQ "unclaimed-in16", rax, 0x112233445566ffff
        mov rax, 0x1122334455667788
        in eax, dx
        CHECK_EQ "unclaimed-in32-zx", rax, 0xffffffff
        ret

strings:
        ; 0xcc around the boundary, seen 1:1.
        mov rax, 0xcccccccccccccccc
        mov [BUF_B + PAGE - 8], rax
        mov [BUF_A], rax

        mov al, 0x33
        mov dx, TESTDEV_PORT
        out dx, al
        mov rdi, HIGH_VA + PAGE - 4
        mov rcx, 8
        rep insb
        mov eax, [BUF_B + PAGE - 4]
        CHECK_EQ "ins-high", rax, 0x33333333
        mov eax, [BUF_A]
        CHECK_EQ "ins-high-next", rax, 0x33333333
        mov eax, [BUF_B + PAGE - 8]
        CHECK_EQ "ins-high-guard", rax, 0xcccccccc
        mov eax, [BUF_A + 4]
        CHECK_EQ "ins-high-guard-next", rax, 0xcccccccc
        CHECK_EQ "ins-high-rdi", rdi, HIGH_VA + PAGE + 4
        CHECK_EQ "ins-high-rcx", rcx, 0

        mov ax, 0x4444
        out dx, ax
        std
        mov rdi, HIGH_VA + PAGE     ; words at +0x1000, +0xffe
        mov rcx, 2
        rep insw
        cld
        mov eax, [BUF_B + PAGE - 4]
        mov ecx, [BUF_A]
        shl rcx, 32
        or rax, rcx
        CHECK_EQ "ins-back-high", rax, 0x3333444444443333
        CHECK_EQ "ins-back-high-rdi", rdi, HIGH_VA + PAGE - 4

        ; A line crossing the boundary, put there through HIGH_VA.
        mov rsi, line
        mov rdi, HIGH_VA + PAGE - 8
        mov rcx, line_len
        rep movsb
        PRINT "long64-outs-high: "
        mov rsi, HIGH_VA + PAGE - 8
        mov rcx, line_len
        mov dx, CONSOLE_PORT
        rep outsb
        CHECK_EQ "outs-high-rsi", rsi, HIGH_VA + PAGE - 8 + line_len
        PRINT "long64-outs-back: "
        std
        mov rsi, rdigits + rdigits_len - 1
        mov rcx, rdigits_len
        rep outsb
        cld
        CHECK_EQ "outs-back-rsi", rsi, rdigits - 1

        ; The address-size prefix: ECX and EDI count and point.
        mov dword [LOW_BUF], 0xcccccccc
        mov al, 0x77
        mov dx, TESTDEV_PORT
        out dx, al
        mov rdi, LOW_BUF
        mov rcx, 0xffffffff00000002
        a32 rep insb
        mov eax, [LOW_BUF]
        CHECK_EQ "ins-a32", rax, 0xcccc7777
        mov eax, ecx
        CHECK_EQ "ins-a32-ecx", rax, 0
        mov eax, edi
        CHECK_EQ "ins-a32-edi", rax, LOW_BUF + 2

        mov rsi, pattern
        mov rcx, 2
        rep outsd
        in eax, dx
        CHECK_EQ "outsd", rax, 0x0badc0de
        ret

; 64-bit code cannot name 0xfeb00000 in a disp32 (it would be sign-
; extended), so MMIO goes through RBX, and the moffs64 forms.
mmio_moves:
        mov rbx, TESTDEV_MMIO
        mov rax, 0x0123456789abcdef
        mov [rbx], rax
        mov rcx, [rbx]
        CHECK_EQ "mmio64", rcx, 0x0123456789abcdef
        mov qword [rbx + 8], -2
        mov rdx, [rbx + 8]
        CHECK_EQ "mmio64-imm", rdx, 0xfffffffffffffffe
        mov r10, -1
        mov r10d, [rbx]
        CHECK_EQ "mmio32-zx-r10", r10, 0x89abcdef
        mov r9, -1
        mov r9w, [rbx]
        CHECK_EQ "mmio16-r9", r9, 0xffffffffffffcdef
        mov r8, -1
        mov r8b, [rbx]
        CHECK_EQ "mmio8-r8", r8, 0xffffffffffffffef
        mov rsi, 0x1122334455667788
        mov sil, [rbx + 1]
        CHECK_EQ "mmio8-sil", rsi, 0x11223344556677cd
        mov rdx, 0x1122334455667788
        mov dh, [rbx + 1]
        CHECK_EQ "mmio8-dh", rdx, 0x112233445566cd88
        mov r15, 0xfedcba9876543210
        mov [rbx + 0x10], r15
        mov rax, [rbx + 0x10]
        CHECK_EQ "mmio64-r15", rax, 0xfedcba9876543210
        mov r13d, 0x0badf00d
        mov [rbx + 0x18], r13d
        mov rax, -1
        mov eax, [rbx + 0x18]
        CHECK_EQ "mmio32-r13d", rax, 0x0badf00d
        mov rax, [qword TESTDEV_MMIO + 0x10]    ; REX.W A1 moffs64
        CHECK_EQ "mmio-moffs64", rax, 0xfedcba9876543210
        mov rax, 0x5555aaaa5555aaaa
        mov [qword TESTDEV_MMIO + 0x20], rax    ; REX.W A3 moffs64
        mov rcx, [rbx + 0x20]
        CHECK_EQ "mmio-moffs64-store", rcx, 0x5555aaaa5555aaaa

        mov byte [rbx + 0x30], 0x80
        mov word [rbx + 0x32], 0x8001
        mov dword [rbx + 0x34], 0x80000001
        mov dword [rbx + 0x38], 0x7fffffff
        mov rax, -1
        movzx rax, byte [rbx + 0x30]
        CHECK_EQ "movzx8-64", rax, 0x80
        movsx rax, byte [rbx + 0x30]
        CHECK_EQ "movsx8-64", rax, 0xffffffffffffff80
        mov r11, -1
        movzx r11, word [rbx + 0x32]
        CHECK_EQ "movzx16-r11", r11, 0x8001
        movsx r14, word [rbx + 0x32]
        CHECK_EQ "movsx16-r14", r14, 0xffffffffffff8001
        mov r14, -1
        movzx r14d, byte [rbx + 0x30]
        CHECK_EQ "movzx8-r14d", r14, 0x80
        movsxd rax, dword [rbx + 0x34]
        CHECK_EQ "movsxd", rax, 0xffffffff80000001
        mov r13, -1
        movsxd r13, dword [rbx + 0x38]
        CHECK_EQ "movsxd-r13", r13, 0x7fffffff
        ret

; The testdev page through HIGH_VA (R12), and RAM through HIGH_VA.
mmio_alias:
        mov rbx, TESTDEV_MMIO
        mov r12, HIGH_MMIO
        mov r8, 0xa5a5a5a55a5a5a5a
        mov [r12 + 0x40], r8
        mov rax, [rbx + 0x40]
        CHECK_EQ "alias-mmio-write", rax, 0xa5a5a5a55a5a5a5a
        mov dword [rbx + 0x48], 0x600dcafe
        mov eax, [r12 + 0x48]
        CHECK_EQ "alias-mmio-read", rax, 0x600dcafe

        mov rax, 0x0807060504030201
        mov [rbx + 0x50], rax
        lea rsi, [r12 + 0x50]
        mov rdi, HIGH_VA + PAGE - 4
        mov rcx, 8
        rep movsb
        mov eax, [BUF_B + PAGE - 4]
        CHECK_EQ "alias-movs", rax, 0x04030201
        mov eax, [BUF_A]
        CHECK_EQ "alias-movs-next", rax, 0x08070605

        lea rdi, [r12 + 0x60]
        mov rax, 0x1111222233334444
        mov rcx, 2
        rep stosq
        mov rax, [rbx + 0x68]
        CHECK_EQ "stosq", rax, 0x1111222233334444

        mov rsi, qwords
        lea rdi, [r12 + 0x70]
        mov rcx, 2
        rep movsq
        mov rax, [rbx + 0x78]
        CHECK_EQ "movsq", rax, 0x0fedcba987654321
        ret

%macro FLAGS64 1
        pushfq
        pop rax
        and eax, %1
%endmacro

mmio_alu:
        mov rbx, TESTDEV_MMIO
        mov qword [rbx + 0x100], -1
        mov r9, 1
        add [rbx + 0x100], r9
        FLAGS64 FL_ARITH
        CHECK_EQ "add64-flags", rax, FL_CF | FL_ZF | FL_AF | FL_PF
        mov rax, [rbx + 0x100]
        CHECK_EQ "add64", rax, 0

        mov r10, 0x00ff00ff00ff00ff
        mov [rbx + 0x108], r10
        mov r8, 0x0100000000000000
        or r8, [rbx + 0x108]
        CHECK_EQ "or-r8", r8, 0x01ff00ff00ff00ff
        xor [rbx + 0x108], r10
        FLAGS64 FL_LOGIC
        CHECK_EQ "xor64-flags", rax, FL_ZF | FL_PF
        mov rax, [rbx + 0x108]
        CHECK_EQ "xor64", rax, 0

        ; 0 - 2^63 overflows: CF (borrow), OF, SF; low byte 0 gives PF.
        mov rax, 0x8000000000000000
        mov [rbx + 0x110], rax
        xor r11d, r11d
        cmp r11, [rbx + 0x110]
        FLAGS64 FL_ARITH
        CHECK_EQ "cmp64-flags", rax, FL_CF | FL_OF | FL_SF | FL_PF

        mov rax, 0x1234567812345678
        mov [rbx + 0x118], rax
        mov r13, 0x8765432187654321
        xchg [rbx + 0x118], r13
        CHECK_EQ "xchg-r13", r13, 0x1234567812345678
        mov rax, [rbx + 0x118]
        CHECK_EQ "xchg-r13-mem", rax, 0x8765432187654321

        mov rax, 1 << 40
        mov [rbx + 0x120], rax
        bt qword [rbx + 0x120], 40
        setc al
        bt qword [rbx + 0x120], 39
        setc ah
        movzx eax, ax
        CHECK_EQ "bt64", rax, 1

        mov qword [rbx + 0x128], -1
        and qword [rbx + 0x128], 0x7fffffff     ; imm32, sign-extended
        mov rax, [rbx + 0x128]
        CHECK_EQ "and64", rax, 0x7fffffff
        ret

mmio_unclaimed:
        mov r15, UNCLAIMED_MMIO
        mov rax, [r15]
        CHECK_EQ "unclaimed-mmio64", rax, -1
        mov rax, 0x1122334455667788
        mov eax, [r15 + 8]
        CHECK_EQ "unclaimed-mmio32-zx", rax, 0xffffffff
        mov rax, 0x1122334455667788
        mov al, [r15 + 16]
        CHECK_EQ "unclaimed-mmio8", rax, 0x11223344556677ff
        ret

section .data
line:           db "ABCDEFGHIJKLMNOP", 10
line_len        equ $ - line
rdigits:        db 10, "9876543210"
rdigits_len     equ $ - rdigits
        align 8
pattern:        dd 0xcafef00d, 0x0badc0de
qwords:         dq 0x123456789abcdef0, 0x0fedcba987654321

        MB1_IMAGE_END
