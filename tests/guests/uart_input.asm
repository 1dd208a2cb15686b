; tests/guests/uart_input.asm: console input reaches a guest through the
; device model's 16550 UART, by interrupt (kind=flat, real mode; served
; by dm/ with its platform devices).
;
; The guest programs the virtual 8259 pair (ICW1-ICW4, only IRQ 4
; unmasked), points vector 0x24 at its handler, turns on the UART's
; "received data available" interrupt (IER bit 0) with OUT2 set (a PC
; wires the UART's interrupt to IRQ 4 through OUT2), prints "ready" and
; halts. What is typed on Tern's serial console travels: COM1 -> Tern's
; input ring -> the DM (TERN_DMOP_console_read) -> the UART's receive
; FIFO -> IRQ 4 raised (TERN_DMOP_set_isa_irq_level) -> the vPIC ->
; vector 0x24 injected, waking the HLT. The handler drains RBR while LSR
; says data ready, then EOIs. At a carriage return or newline the guest
; checks what it got.
;
; Checks: uart-input-line    the line typed was "tern"
;         uart-input-irqs    at least one interrupt brought it

        org 0x7c00
        bits 16
%define CHECK_PREFIX "uart-input-"
%include "lib16.inc"

COM1            equ 0x3f8
LINE_MAX        equ 32

start:
        cli
        ; The 8259 pair as a PC BIOS leaves it: vectors 0x20 and 0x28,
        ; slave on IR2, 8086 mode; then mask all but IRQ 4.
        mov al, 0x11
        out 0x20, al
        out 0xa0, al
        mov al, 0x20
        out 0x21, al
        mov al, 0x28
        out 0xa1, al
        mov al, 4
        out 0x21, al
        mov al, 2
        out 0xa1, al
        mov al, 1
        out 0x21, al
        out 0xa1, al
        mov al, 0xef
        out 0x21, al
        mov al, 0xff
        out 0xa1, al

        mov word [0x24 * 4], irq4       ; real-mode IVT entry of vector 0x24
        mov word [0x24 * 4 + 2], 0

        mov dx, COM1 + 3                ; 8N1, DLAB off
        mov al, 0x03
        out dx, al
        mov dx, COM1 + 4                ; MCR: DTR, RTS, OUT2
        mov al, 0x0b
        out dx, al
        mov dx, COM1 + 1                ; IER: received data available
        mov al, 0x01
        out dx, al

        mov si, s_ready
        call puts
        sti
.wait:  hlt
        cmp byte [line_done], 0
        je .wait
        cli

        mov si, s_got
        call puts
        mov si, line
        call puts
        mov al, 10
        call putc
        CHECK_EQ "line", dword [line], "tern"
        mov eax, [irqs]
        cmp eax, 0
        je .no_irq
        CHECK_PASS "irqs"
        jmp guest_exit
.no_irq:
        CHECK_FAIL "irqs", "no interrupt"
        jmp guest_exit

; IRQ 4: take every byte the UART holds, then end the interrupt.
irq4:
        push ax
        push bx
        push dx
        inc dword [irqs]
.next:  mov dx, COM1 + 5
        in al, dx
        test al, 1                      ; LSR.DR
        jz .done
        mov dx, COM1
        in al, dx
        cmp al, 13
        je .eol
        cmp al, 10
        je .eol
        movzx bx, byte [line_len]
        cmp bx, LINE_MAX - 1
        jae .next
        mov [line + bx], al
        inc byte [line_len]
        jmp .next
.eol:   mov byte [line_done], 1
        jmp .next
.done:  mov al, 0x20                    ; non-specific EOI
        out 0x20, al
        pop dx
        pop bx
        pop ax
        iret

s_ready:    db "ready for input", 10, 0
s_got:      db "got: ", 0
irqs:       dd 0
line_len:   db 0
line_done:  db 0
line:       times LINE_MAX db 0
