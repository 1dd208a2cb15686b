; tests/guests/elf/mb_elf.asm: a Multiboot (v1) kernel in ELF32 form, as
; hobby OS tutorials build them (no a.out kludge: flags bit 16 clear), so
; Tern loads it by its program headers. Checks: the boot magic in EAX, that
; .data arrived with its contents and .bss (memsz past filesz) is zeroed,
; then exits through port 0xf4.
; Built by tests/guests/Makefile: nasm -f elf32, ld -m elf_i386 at 1 MiB.

bits 32
MB_MAGIC    equ 0x1badb002
MB_FLAGS    equ 0

; The header opens .text, which the link puts at file offset 0x1000: within
; the first 8 KiB, as the specification requires.
section .text
        align 4
        dd MB_MAGIC
        dd MB_FLAGS
        dd -(MB_MAGIC + MB_FLAGS)

global _start
_start:
        mov esp, stack_top
        mov esi, msg_magic
        cmp eax, 0x2badb002
        call report
        mov esi, msg_data
        cmp dword [data_word], 0x1234abcd
        call report
        mov esi, msg_bss
        mov ecx, 1024
        mov edi, bss_area
        xor eax, eax
        repe scasd
        call report
        mov esi, msg_done
        call print
        mov al, [failures]
        out 0xf4, al
.hang:  hlt
        jmp .hang

; ZF set: print "TEST <name>: PASS", else FAIL and count it.
report:
        pushf
        push esi
        mov esi, msg_test
        call print
        pop esi
        call print
        popf
        mov esi, msg_pass
        je .ok
        inc byte [failures]
        mov esi, msg_fail
.ok:    jmp print

print:
        lodsb
        test al, al
        jz .end
        out 0xe9, al
        jmp print
.end:   ret

section .data
data_word:  dd 0x1234abcd
failures:   db 0
msg_test:   db "TEST ", 0
msg_magic:  db "mb-elf-magic", 0
msg_data:   db "mb-elf-data", 0
msg_bss:    db "mb-elf-bss", 0
msg_pass:   db ": PASS", 10, 0
msg_fail:   db ": FAIL", 10, 0
msg_done:   db "done: 3 checks", 10, 0

section .bss
bss_area:   resd 1024
            resb 4096
stack_top:
