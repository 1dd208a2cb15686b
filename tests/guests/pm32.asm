; tests/guests/pm32.asm: a Multiboot v1 guest in 32-bit protected mode
; without paging (kind=multiboot): the Multiboot entry state and boot
; information, then port I/O, string I/O and MMIO (io32.inc).
;
; Checks (all "pm32-"):
;   bss             a .bss dword is 0 at entry (the loader zeroes the bss)
;   magic           EAX = 0x2badb002 at entry
;   cr0             CR0.PE = 1, CR0.PG = 0
;   entry-if        EFLAGS.IF = 0 at entry
;   mbi-flags       the info block has mem_*, cmdline and mmap (bits 0, 2, 6)
;   mem-lower       mem_lower is 512..640 KiB
;   mem-upper       mem_upper is within 1 MiB of (RAM - 1 MiB), RAM being
;                   mem= from the command line (16 MiB when absent)
;   cmdline         the command line contains "name=pm32"
;   mmap            an available (type 1) region covers
;                   [1 MiB, 1 MiB + mem_upper KiB)
;   and io32.inc's checks, e.g. pm32-in8, pm32-movs-to-mmio, pm32-add-flags

%include "mb1.inc"
        org MB1_LOAD_ADDR
        bits 32
%define CHECK_PREFIX "pm32-"
%include "lib32.inc"
%include "io32.inc"

CR0_PE          equ 1 << 0
CR0_PG          equ 1 << 31
DEFAULT_RAM     equ 16 << 20

section .text
        MB1_HEADER start

start:
        GUEST32_START
        CHECK_EQ "bss", dword [bss_probe], 0
        CHECK_EQ "magic", dword [mb_magic], MB1_BOOT_MAGIC
        mov eax, cr0
        and eax, CR0_PE | CR0_PG
        CHECK_EQ "cr0", eax, CR0_PE
        mov eax, [entry_eflags]
        and eax, FL_IF
        CHECK_EQ "entry-if", eax, 0
        call check_info
        call io32_tests
        jmp guest_exit

; The Multiboot information block. A field whose flag is clear is not
; read: its check fails instead.
check_info:
        mov ebx, [mb_info]
        mov eax, [ebx + MBI_FLAGS]
        and eax, MBI_F_MEM | MBI_F_CMDLINE | MBI_F_MMAP
        CHECK_EQ "mbi-flags", eax, MBI_F_MEM | MBI_F_CMDLINE | MBI_F_MMAP

        ; The command line first: it says how much RAM to expect.
        test dword [ebx + MBI_FLAGS], MBI_F_CMDLINE
        jnz .cmdline
        CHECK_FAIL "cmdline", "flag 2 (cmdline) clear"
        mov eax, DEFAULT_RAM
        jmp .memory
.cmdline:
        mov esi, [ebx + MBI_CMDLINE]
        mov edi, s_name
        call str_find
        test eax, eax
        jz .cmdline_bad
        CHECK_PASS "cmdline"
        jmp .cmdline_done
.cmdline_bad:
        mov esi, s_cmdline
        call check_begin
        call check_failed
        PRINT 'no "name=pm32" in "'
        mov esi, [ebx + MBI_CMDLINE]
        call puts
        PRINT '"', 10
.cmdline_done:
        mov esi, [ebx + MBI_CMDLINE]
        call cmdline_mem

.memory:
        test dword [ebx + MBI_FLAGS], MBI_F_MEM
        jnz .mem_fields
        CHECK_FAIL "mem-lower", "flag 0 (mem_*) clear"
        CHECK_FAIL "mem-upper", "flag 0 (mem_*) clear"
        jmp .mmap
.mem_fields:
        CHECK_RANGE "mem-lower", dword [ebx + MBI_MEM_LOWER], 512, 640
        ; mem_upper counts KiB from 1 MiB up to the end of RAM; allow a
        ; loader to keep up to 1 MiB at the top for itself.
        mov ecx, eax
        shr ecx, 10
        sub ecx, 1024
        lea edx, [ecx - 1024]
        CHECK_RANGE "mem-upper", dword [ebx + MBI_MEM_UPPER], edx, ecx

.mmap:
        mov eax, [ebx + MBI_FLAGS]
        and eax, MBI_F_MMAP | MBI_F_MEM
        cmp eax, MBI_F_MMAP | MBI_F_MEM
        je .mmap_walk
        CHECK_FAIL "mmap", "flag 6 (mmap) or 0 (mem_*) clear"
        ret
.mmap_walk:
        mov esi, [ebx + MBI_MMAP_ADDR]
        mov edi, esi
        add edi, [ebx + MBI_MMAP_LENGTH]
        mov ecx, [ebx + MBI_MEM_UPPER]
        shl ecx, 10
        add ecx, 1 << 20                ; where RAM above 1 MiB ends
.entry:
        cmp esi, edi
        jae .mmap_bad
        cmp dword [esi + MMAP_TYPE], MMAP_TYPE_RAM
        jne .next
        cmp dword [esi + MMAP_BASE + 4], 0
        jne .next
        cmp dword [esi + MMAP_BASE], 1 << 20
        ja .next
        mov eax, [esi + MMAP_BASE]
        mov edx, [esi + MMAP_BASE + 4]
        add eax, [esi + MMAP_LENGTH]
        adc edx, [esi + MMAP_LENGTH + 4]
        test edx, edx
        jnz .mmap_ok
        cmp eax, ecx
        jae .mmap_ok
.next:
        add esi, [esi + MMAP_SIZE]
        add esi, 4
        jmp .entry
.mmap_ok:
        CHECK_PASS "mmap"
        ret
.mmap_bad:
        mov esi, s_mmap
        call check_begin
        call check_failed
        PRINT "no available region covers 0x00100000..0x"
        mov eax, ecx
        mov ecx, 8
        call puthex
        mov al, 10
        call putc
        ret

; str_find: EAX = the first place in the NUL-terminated string at ESI
; where the one at EDI occurs, or 0.
str_find:
        push ebx
        push ecx
.start:
        xor ecx, ecx
.compare:
        mov al, [edi + ecx]
        test al, al
        jz .found
        mov bl, [esi + ecx]
        cmp al, bl
        jne .advance
        inc ecx
        jmp .compare
.advance:
        cmp byte [esi], 0
        je .none
        inc esi
        jmp .start
.found:
        mov eax, esi
        jmp .done
.none:
        xor eax, eax
.done:
        pop ecx
        pop ebx
        ret

; cmdline_mem: EAX = the RAM size that "mem=N[K|M|G]" on the command
; line at ESI names (the word must start the line or follow a space), or
; DEFAULT_RAM.
cmdline_mem:
        push ebx
        push ecx
        push edx
        push esi
        push edi
        mov ebx, esi
        mov edi, s_mem
.find:
        call str_find
        test eax, eax
        jz .default
        cmp eax, ebx
        je .parse
        cmp byte [eax - 1], ' '
        je .parse
        lea esi, [eax + 1]
        jmp .find
.parse:
        lea esi, [eax + 4]
        xor eax, eax
        xor ecx, ecx
.digit:
        mov cl, [esi]
        sub cl, '0'
        cmp cl, 9
        ja .suffix
        imul eax, eax, 10
        add eax, ecx
        inc esi
        jmp .digit
.suffix:
        mov cl, [esi]
        or cl, 0x20                     ; lower case
        cmp cl, 'k'
        jne .not_k
        shl eax, 10
.not_k:
        cmp cl, 'm'
        jne .not_m
        shl eax, 20
.not_m:
        cmp cl, 'g'
        jne .done
        shl eax, 30
        jmp .done
.default:
        mov eax, DEFAULT_RAM
.done:
        pop edi
        pop esi
        pop edx
        pop ecx
        pop ebx
        ret

section .data
s_name:         db "name=pm32", 0
s_mem:          db "mem=", 0
s_cmdline:      db "cmdline", 0
s_mmap:         db "mmap", 0

section .bss
bss_probe:      resd 1

        MB1_IMAGE_END
