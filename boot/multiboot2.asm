; boot/multiboot2.asm: the Multiboot2 header and the road from GRUB's
; 32-bit protected mode to Tern's 64-bit C code.
;
; GRUB (BIOS or UEFI) loads tern.elf at its physical load addresses, then
; jumps to _start with (Multiboot2 specification, "I386 machine state"):
;   EAX = 0x36d76289 (the bootloader magic), EBX = physical address of the
;   boot information, paging off, CS/DS flat 32-bit, interrupts off,
;   and no valid stack.
;
; Here we check for long mode, build early page tables that map the first
; 4 GiB three times (identity; the direct map at DIRECT_MAP_BASE; the kernel
; at KERNEL_VMA), switch on PAE + LME + paging (AMD APM Vol. 2, "Enabling
; and Activating Long Mode"; Intel SDM Vol. 3A, "Initializing IA-32e Mode"),
; and call mb2_boot() in boot/mb2.c on the higher-half boot stack.
; kernel/mm/paging.c later replaces these tables with final ones.

bits 32

; The .boot.* sections are linked at their physical addresses (link.ld),
; so the 32-bit code below uses plain symbols; everything else is linked
; at KERNEL_VMA + physical.

%define MB2_MAGIC         0xe85250d6
%define MB2_ARCH_I386     0
%define MB2_LOADER_MAGIC  0x36d76289

%define PTE_P    (1 << 0)
%define PTE_W    (1 << 1)
%define PTE_PS   (1 << 7)

%define CR0_PE   (1 << 0)
%define CR0_WP   (1 << 16)
%define CR0_PG   (1 << 31)
%define CR4_PAE  (1 << 5)
%define MSR_EFER 0xc0000080
%define EFER_LME (1 << 8)
%define EFER_NXE (1 << 11)

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
        dd MB2_MAGIC
        dd MB2_ARCH_I386
        dd mb2_header_end - mb2_header
        dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
        ; Module alignment tag (type 6): page-align modules, so that the
        ; frame allocator can reserve them in whole frames and guests can
        ; be mapped from them directly.
        align 8
        dw 6, 0
        dd 8
        ; End tag.
        align 8
        dw 0, 0
        dd 8
mb2_header_end:

section .boot.text progbits alloc exec nowrite align=16
global _start
_start:
        cli
        cld
        mov esp, boot_stack_top
        mov edi, eax                    ; keep magic and info pointer in
        mov esi, ebx                    ; EDI/ESI: the SysV argument regs

        cmp edi, MB2_LOADER_MAGIC
        jne .not_multiboot2

        ; CPUID 0x80000001 EDX bit 29 (LM) says the CPU has long mode.
        mov eax, 0x80000000
        cpuid
        cmp eax, 0x80000001
        jb .no_long_mode
        mov eax, 0x80000001
        cpuid
        test edx, 1 << 29
        jz .no_long_mode
        mov ebp, edx                    ; EDX bit 20 (NX) decides EFER.NXE

        ; PML4[0] and PML4[256] share a PDPT whose four entries map 4 GiB
        ; with 2 MiB pages: identity (needed while RIP is still low) and
        ; the direct map. PML4[511] -> PDPT[510] maps the first GiB at
        ; KERNEL_VMA, where the kernel is linked.
        mov eax, (boot_pdpt_low) + PTE_P + PTE_W
        mov [(boot_pml4)], eax
        mov [(boot_pml4) + 256 * 8], eax
        mov eax, (boot_pdpt_high) + PTE_P + PTE_W
        mov [(boot_pml4) + 511 * 8], eax
        mov eax, (boot_pd) + PTE_P + PTE_W
        mov [(boot_pdpt_high) + 510 * 8], eax
        xor ecx, ecx
.fill_pdpt:
        mov [(boot_pdpt_low) + ecx * 8], eax
        add eax, 4096
        inc ecx
        cmp ecx, 4
        jb .fill_pdpt
        ; 2048 PD entries of 2 MiB = 4 GiB; entry i maps i << 21 (the high
        ; dword carries bits 32+ of the address).
        xor ecx, ecx
.fill_pd:
        mov eax, ecx
        shl eax, 21
        or eax, PTE_P + PTE_W + PTE_PS
        mov [(boot_pd) + ecx * 8], eax
        mov eax, ecx
        shr eax, 11
        mov [(boot_pd) + ecx * 8 + 4], eax
        inc ecx
        cmp ecx, 2048
        jb .fill_pd

        mov eax, cr4
        or eax, CR4_PAE
        mov cr4, eax
        mov eax, (boot_pml4)
        mov cr3, eax
        mov ecx, MSR_EFER
        rdmsr
        or eax, EFER_LME
        test ebp, 1 << 20
        jz .no_nx
        or eax, EFER_NXE
.no_nx:
        wrmsr
        mov eax, cr0
        or eax, CR0_PG | CR0_WP | CR0_PE
        mov cr0, eax                    ; now in compatibility mode

        lgdt [boot_gdt_ptr]
        jmp 0x08:long_mode_low

; No long mode, or not loaded by Multiboot2: say so on COM1 and stop. The
; UART is still as the firmware left it; this is best effort.
.not_multiboot2:
        mov esi, (msg_not_mb2)
        jmp .fail
.no_long_mode:
        mov esi, (msg_no_lm)
.fail:
        mov dx, 0x3f8
.fail_loop:
        lodsb
        test al, al
        jz .halt
        out dx, al
        out 0xe9, al
        jmp .fail_loop
.halt:
        hlt
        jmp .halt

bits 64
long_mode_low:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        xor ax, ax
        mov fs, ax
        mov gs, ax
        ; Leave the identity map: continue at the linked (high) address.
        mov rax, long_mode_high
        jmp rax

section .text
long_mode_high:
        mov rsp, kernel_boot_stack_top
        xor ebp, ebp                    ; end of the frame-pointer chain
        ; mb2_boot(magic = EDI, info_phys = ESI): upper halves are zero.
        mov edi, edi
        mov esi, esi
        extern mb2_boot
        call mb2_boot
.hang:                                  ; mb2_boot() does not return
        cli
        hlt
        jmp .hang

section .boot.rodata progbits alloc noexec nowrite align=16
msg_not_mb2: db "Tern: not loaded by a Multiboot2 loader; use GRUB2 'multiboot2'", 13, 10, 0
msg_no_lm:   db "Tern: this CPU has no long mode (x86-64); Tern cannot run here", 13, 10, 0

align 16
; Temporary GDT: null, 64-bit code (0x08), data (0x10). kernel/gdt.c
; installs the real one with a TSS.
boot_gdt:
        dq 0
        dq 0x00af9a000000ffff
        dq 0x00cf92000000ffff
boot_gdt_ptr:
        dw boot_gdt_ptr - boot_gdt - 1
        dd (boot_gdt)

; Early page tables and the 32-bit stack, linked low (identity).
section .boot.bss nobits alloc noexec write align=4096
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_high: resb 4096
boot_pd:        resb 4 * 4096
boot_stack:     resb 4096
boot_stack_top:

; The boot CPU's kernel stack, linked high; kmain() runs on it.
section .bss nobits alloc noexec write align=4096
global kernel_boot_stack, kernel_boot_stack_top
kernel_boot_stack:     resb 32768
kernel_boot_stack_top:
