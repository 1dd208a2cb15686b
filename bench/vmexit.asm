; bench/vmexit.asm: the exit-cost microbenchmark (`make bench`), in the
; style of kvm-unit-tests' vmexit test: each operation runs N times
; between two RDTSCs, the cost of the empty loop is subtracted, and the
; result is TSC ticks per operation. Under Bochs with "clock: sync=none" a
; tick is one instruction, so the figures are instructions, deterministic
; run to run; under QEMU -icount they are deterministic too.
;
; A 32-bit Multiboot guest with testdev=on, served by the device model
; (dm/, started with testdev=on): the "-dm" rows are round trips to it
; in ring 3 through the ioreq server (docs/ioreq.md): a synchronous IN
; and OUT on its test device's scratch port, a posted (buffered) OUT,
; and an MMIO read and write through the decoder. Prints one line per
; operation:
;   BENCH <name>: <ticks> ticks/op, <ratio> x vmcall
; then exits with status 0.

%include "mb1.inc"
        org MB1_LOAD_ADDR
        bits 32
%include "lib32.inc"

N               equ 2000
DM_SCRATCH_PORT equ 0x700               ; dm/devices/testdev.h
DM_BUFFERED_PORT equ 0x720
DM_MMIO         equ 0xfe000000

section .text
        MB1_HEADER entry
entry:
        GUEST32_START
        ; VMCALL on Intel, VMMCALL on AMD: patch the hypercall site.
        xor eax, eax
        cpuid
        cmp ebx, 0x68747541             ; "Auth" of AuthenticAMD
        jne .intel
        mov byte [op_vmcall.site + 2], 0xd9     ; 0f 01 c1 -> 0f 01 d9
.intel:
        call measure_empty
        mov [empty_ticks], eax

        mov esi, name_vmcall
        mov edi, op_vmcall
        call run_one
        mov [vmcall_ticks], eax
        call report

        mov esi, name_cpuid
        mov edi, op_cpuid
        call run_report
        mov esi, name_pio_in_tern
        mov edi, op_pio_in
        call run_report
        mov esi, name_pio_out_tern
        mov edi, op_pio_out
        call run_report
        mov esi, name_pio_unclaimed
        mov edi, op_pio_unclaimed
        call run_report
        mov esi, name_mmio_read
        mov edi, op_mmio_read
        call run_report
        mov esi, name_mmio_write
        mov edi, op_mmio_write
        call run_report
        mov esi, name_pio_in_dm
        mov edi, op_pio_in_dm
        call run_report
        mov esi, name_pio_out_dm
        mov edi, op_pio_out_dm
        call run_report
        mov esi, name_pio_buffered
        mov edi, op_pio_buffered
        call run_report
        mov esi, name_mmio_read_dm
        mov edi, op_mmio_read_dm
        call run_report
        mov esi, name_mmio_write_dm
        mov edi, op_mmio_write_dm
        call run_report

        xor eax, eax
        out 0xf4, al
.hang:  hlt
        jmp .hang

; ---- the operations: each does its thing once and returns ----
op_empty:
        ret
op_vmcall:
        mov eax, 0
.site:  vmcall
        ret
op_cpuid:
        xor eax, eax
        cpuid
        ret
op_pio_in:
        in al, TESTDEV_PORT
        ret
op_pio_out:
        out TESTDEV_PORT, al
        ret
op_pio_unclaimed:
        mov dx, UNCLAIMED_PORT
        in al, dx
        ret
op_mmio_read:
        mov eax, [TESTDEV_MMIO]
        ret
op_mmio_write:
        mov [TESTDEV_MMIO], eax
        ret

op_pio_in_dm:
        mov dx, DM_SCRATCH_PORT
        in al, dx
        ret
op_pio_out_dm:
        mov dx, DM_SCRATCH_PORT
        out dx, al
        ret
op_pio_buffered:
        mov dx, DM_BUFFERED_PORT
        out dx, eax
        ret
op_mmio_read_dm:
        mov eax, [DM_MMIO]
        ret
op_mmio_write_dm:
        mov [DM_MMIO], eax
        ret

; EAX = TSC ticks for N calls of the routine at EDI.
time_n:
        push ebx
        push ecx
        push ebp
        rdtsc
        mov ebp, eax
        mov ecx, N
.loop:  push ecx
        call edi
        pop ecx
        dec ecx
        jnz .loop
        rdtsc
        sub eax, ebp
        pop ebp
        pop ecx
        pop ebx
        ret

measure_empty:
        push edi
        mov edi, op_empty
        call time_n
        pop edi
        ret

; EAX = ticks per operation of the routine at EDI, empty loop removed.
run_one:
        call time_n
        sub eax, [empty_ticks]
        xor edx, edx
        mov ecx, N
        div ecx
        ret

run_report:
        call run_one
        ; fall through
; Print "BENCH <name ESI>: <EAX> ticks/op, <ratio> x vmcall".
report:
        push eax
        push esi
        mov esi, s_bench
        call puts
        pop esi
        call puts
        mov esi, s_colon
        call puts
        pop eax
        push eax
        call putdec
        mov esi, s_ticks
        call puts
        ; ratio in hundredths: eax * 100 / vmcall_ticks
        pop eax
        mov ecx, 100
        mul ecx
        mov ecx, [vmcall_ticks]
        test ecx, ecx
        jz .no_ratio
        div ecx
        xor edx, edx
        mov ecx, 100
        div ecx
        push edx
        call putdec
        mov al, '.'
        call putc
        pop eax
        cmp eax, 10
        jae .two
        push eax
        mov al, '0'
        call putc
        pop eax
.two:   call putdec
        mov esi, s_ratio
        call puts
.no_ratio:
        mov al, 10
        call putc
        ret

section .data
empty_ticks:    dd 0
vmcall_ticks:   dd 0
s_bench:        db "BENCH ", 0
s_colon:        db ": ", 0
s_ticks:        db " ticks/op, ", 0
s_ratio:        db " x vmcall", 0
name_vmcall:    db "vmcall", 0
name_cpuid:     db "cpuid", 0
name_pio_in_tern: db "port-in-tern", 0
name_pio_out_tern: db "port-out-tern", 0
name_pio_unclaimed: db "port-in-unclaimed", 0
name_mmio_read: db "mmio-read-tern", 0
name_mmio_write: db "mmio-write-tern", 0
name_pio_in_dm: db "port-in-dm", 0
name_pio_out_dm: db "port-out-dm", 0
name_pio_buffered: db "port-out-buffered", 0
name_mmio_read_dm: db "mmio-read-dm", 0
name_mmio_write_dm: db "mmio-write-dm", 0

        MB1_IMAGE_END
