; tests/guests/hello.asm: the demo guest `make run` boots (kind=flat, real
; mode). It says hello with what CPUID tells it: the hypervisor's name
; (leaf 0x40000000) and the CPU's vendor (leaf 0), through the 16550 UART
; at COM1 (0x3f8), which the ring-3 device model (dm/) emulates: every
; port access below reaches the DM through Tern's ioreq server, and the
; DM hands the bytes to Tern's console under the guest's name. Then it
; ends itself with status 0 (isa-debug-exit, the DM's too), so Tern
; reports and powers off. Without a DM, the UART's ports read all ones
; (its "transmitter empty" bit is set) and the writes are dropped.
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

        call uart_init
        mov si, s_hello
        call uart_puts
        mov si, hv_name
        call uart_puts
        mov si, s_on
        call uart_puts
        mov si, cpu_name
        call uart_puts
        mov si, s_end
        call uart_puts

        mov si, name_tern
        call check_begin
        cmp dword [hv_name], "Tern"
        jne .bad
        call check_passed
        jmp .done
.bad:   call check_failed
.done:  jmp guest_exit

; 115200 baud (divisor 1), 8 data bits, no parity, 1 stop bit: what a
; boot loader sets (the 16550's registers: LCR +3, DLL/DLM +0/+1 while
; LCR.DLAB is set).
COM1            equ 0x3f8
uart_init:
        mov dx, COM1 + 3
        mov al, 0x80                    ; DLAB: the divisor latch
        out dx, al
        mov dx, COM1
        mov al, 1
        out dx, al
        inc dx
        xor al, al
        out dx, al
        mov dx, COM1 + 3
        mov al, 0x03                    ; 8N1, DLAB off
        out dx, al
        ret

; Print the string at DS:SI: wait for LSR bit 5 (transmit holding
; register empty), then write the byte to THR.
uart_puts:
        lodsb
        test al, al
        jz .done
        mov ah, al
        mov dx, COM1 + 5
.wait:  in al, dx
        test al, 0x20
        jz .wait
        mov al, ah
        mov dx, COM1
        out dx, al
        jmp uart_puts
.done:  ret

s_hello:    db "Hello from a guest in real mode, through the DM's UART! The hypervisor calls itself ", 0
s_on:       db ", the CPU says ", 0
s_end:      db ".", 10, 0
name_tern:  db "tern", 0
hv_name:    times 13 db 0
cpu_name:   times 13 db 0
