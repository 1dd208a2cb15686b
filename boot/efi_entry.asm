; boot/efi_entry.asm: where the GNU-EFI loader (boot/efi/) enters Tern.
;
; The loader calls efi_entry(bi_phys) after ExitBootServices() as a SysV
; function (boot/efi/handoff.h): RDI = physical address of a filled
; struct boot_info, below 4 GiB. The CPU is in 64-bit mode on the
; firmware's page tables, which map physical memory 1:1 but not Tern's
; higher half; its GDT and stack lie in boot-services memory that Tern's
; frame allocator will hand out. Interrupts are off.
;
; So, in order: a stack inside the image; the same early page tables
; boot/multiboot2.asm builds (the first 4 GiB at 0, at DIRECT_MAP_BASE,
; and the first GiB at KERNEL_VMA); CR4 as the Multiboot2 path leaves it
; (PAE only; writing it also flushes global TLB entries), EFER.NXE if
; the CPU has NX; a GDT of our own; then the higher half and
; efi_boot(bi_phys) in boot/efi_handoff.c on the kernel boot stack.
; Long mode stays on throughout: CR0.PG and EFER.LME cannot be cleared
; in 64-bit mode, and need not be (Intel SDM Vol. 3A, "Initializing
; IA-32e Mode"; AMD APM Vol. 2, "Enabling and Activating Long Mode").

bits 64

%define PTE_P    (1 << 0)
%define PTE_W    (1 << 1)
%define PTE_PS   (1 << 7)
%define CR0_WP   (1 << 16)
%define CR4_PAE  (1 << 5)
%define MSR_EFER 0xc0000080
%define EFER_NXE (1 << 11)

; Linked at its physical address (link.ld's .boot), where the firmware's
; identity map lets it run.
section .boot.text
global efi_entry
efi_entry:
        cli
        cld
        lea rsp, [rel efi_stack_top]
        mov r12, rdi                    ; bi_phys, kept in a callee-saved reg
        mov r13, rsi                    ; how far the loader moved Tern

        ; Zero the three top-level tables: the loader zeroes the whole
        ; image, but these must not depend on it.
        lea rdi, [rel efi_pml4]
        xor eax, eax
        mov ecx, 3 * 4096 / 8
        rep stosq

        ; PML4[0] and PML4[256] -> one PDPT whose four entries cover 4 GiB;
        ; PML4[511] -> PDPT[510] -> the first GiB again, at KERNEL_VMA.
        lea rax, [rel efi_pdpt_low]
        or rax, PTE_P | PTE_W
        mov [rel efi_pml4], rax
        mov [rel efi_pml4 + 256 * 8], rax
        lea rax, [rel efi_pdpt_high]
        or rax, PTE_P | PTE_W
        mov [rel efi_pml4 + 511 * 8], rax
        lea rax, [rel efi_pd_high]
        or rax, PTE_P | PTE_W
        mov [rel efi_pdpt_high + 510 * 8], rax
        ; The high GiB maps the link addresses to where Tern really is:
        ; entry i -> (i << 21) + offset (2 MiB-aligned, from the loader).
        lea rdi, [rel efi_pd_high]
        mov rax, r13
        or rax, PTE_P | PTE_W | PTE_PS
        mov ecx, 512
.fill_pd_high:
        mov [rdi], rax
        add rax, 1 << 21
        add rdi, 8
        dec ecx
        jnz .fill_pd_high
        lea rax, [rel efi_pd]
        or rax, PTE_P | PTE_W
        lea rdi, [rel efi_pdpt_low]
        mov ecx, 4
.fill_pdpt:
        mov [rdi], rax
        add rax, 4096
        add rdi, 8
        dec ecx
        jnz .fill_pdpt
        ; 2048 PD entries of 2 MiB each: entry i maps i << 21.
        lea rdi, [rel efi_pd]
        mov eax, PTE_P | PTE_W | PTE_PS
        mov ecx, 2048
.fill_pd:
        mov [rdi], rax
        add rax, 1 << 21
        add rdi, 8
        dec ecx
        jnz .fill_pd

        ; CR4 = PAE alone: drops whatever else the firmware enabled and,
        ; because PGE goes to 0, flushes its global TLB entries too.
        mov eax, CR4_PAE
        mov cr4, rax
        lea rax, [rel efi_pml4]
        mov cr3, rax
        mov rax, cr0
        or eax, CR0_WP
        mov cr0, rax

        ; EFER.NXE if CPUID 0x80000001 EDX bit 20 (NX) says so; paging.c
        ; sets NX bits in its tables when the CPU has it.
        mov eax, 0x80000001
        cpuid
        test edx, 1 << 20
        jz .no_nx
        mov ecx, MSR_EFER
        rdmsr
        or eax, EFER_NXE
        wrmsr
.no_nx:

        ; Our GDT (the firmware's is in memory Tern will reuse), and CS
        ; reloaded from it by a far return.
        ; The descriptor's base is where the GDT really is: the loader may
        ; have put Tern away from its link address.
        lea rax, [rel efi_gdt]
        mov [rel efi_gdt_ptr + 2], rax
        lgdt [rel efi_gdt_ptr]
        push 0x08
        lea rax, [rel .reload_cs]
        push rax
        retfq
.reload_cs:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        xor eax, eax
        mov fs, ax
        mov gs, ax
        mov rax, efi_entry_high
        jmp rax

section .text
efi_entry_high:
        extern kernel_boot_stack_top
        mov rsp, kernel_boot_stack_top
        xor ebp, ebp                    ; end of the frame-pointer chain
        mov rdi, r12
        mov rsi, r13
        extern efi_boot
        call efi_boot
.hang:                                  ; efi_boot() does not return
        cli
        hlt
        jmp .hang

section .boot.rodata
align 16
; Null, 64-bit code (0x08), data (0x10): the same selectors as the
; Multiboot2 path's, until kernel/gdt.c installs the real GDT.
efi_gdt:
        dq 0
        dq 0x00af9a000000ffff
        dq 0x00cf92000000ffff
efi_gdt_ptr:
        dw efi_gdt_ptr - efi_gdt - 1
        dq efi_gdt

section .boot.bss nobits alloc noexec write align=4096
efi_pml4:       resb 4096
efi_pdpt_low:   resb 4096
efi_pdpt_high:  resb 4096
efi_pd:         resb 4 * 4096
efi_pd_high:    resb 4096
efi_stack:      resb 256
efi_stack_top:
