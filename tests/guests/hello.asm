; tests/guests/hello.asm: the demo guest `make run` boots (kind=flat, real
; mode). It says hello with what CPUID tells it: the hypervisor's name
; (leaf 0x40000000) and the CPU's vendor (leaf 0), then ends itself with
; status 0, so Tern reports and powers off.
;
; Check: hello-tern   the hypervisor leaf says "TernTernTern"

        org 0x7c00
        bits 16
%define CHECK_PREFIX "hello-"
%include "lib16.inc"

start:
        mov eax, 0x40000000
        cpuid
        mov [hv_name], ebx
        mov [hv_name + 4], ecx
        mov [hv_name + 8], edx
        xor eax, eax
        cpuid
        mov [cpu_name], ebx
        mov [cpu_name + 4], edx
        mov [cpu_name + 8], ecx

        mov si, s_hello
        call puts
        mov si, hv_name
        call puts
        mov si, s_on
        call puts
        mov si, cpu_name
        call puts
        mov si, s_end
        call puts

        mov si, name_tern
        call check_begin
        cmp dword [hv_name], "Tern"
        jne .bad
        call check_passed
        jmp .done
.bad:   call check_failed
.done:  jmp guest_exit

s_hello:    db "Hello from a guest in real mode! The hypervisor calls itself ", 0
s_on:       db ", the CPU says ", 0
s_end:      db ".", 10, 0
name_tern:  db "tern", 0
hv_name:    times 13 db 0
cpu_name:   times 13 db 0
