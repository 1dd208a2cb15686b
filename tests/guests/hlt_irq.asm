; tests/guests/hlt_irq.asm: HLT wakeup and the interrupt window
; (kind=multiboot, 32-bit protected mode with an IDT).
;
; testdev injects the vector written to port 0xe8 about one timer tick
; later, once the guest has IF=1 and nothing blocks it. So:
;  1. STI; HLT with a request outstanding: the vCPU sleeps until the
;     interrupt is due, the interrupt wakes it, the handler runs once and
;     returns to after the HLT. The HLT sits in STI's one-instruction
;     shadow, as in every OS's idle loop: a hypervisor that completes the
;     HLT for the guest must also end that shadow, or the interrupt waits
;     behind the CLI that follows.
;  2. With IF=0 the request stays pending, even across VM exits (the wait
;     does port I/O) and for several times the delay that step 1 measured
;     with the TSC; then STI; NOP opens the window after the NOP (STI
;     blocks interrupts for one instruction), and the interrupt lands
;     exactly there, before the CLI that follows.
;
; Checks (all "hlt-"):
;   wake            one interrupt after HLT
;   wake-eip        it returned to the instruction after the HLT
;   masked          none arrived while IF=0
;   window          one arrived in the STI; NOP window
;   window-eip      right after the NOP
;   stray           no other vector arrived

%include "mb1.inc"
        org MB1_LOAD_ADDR
        bits 32
%define CHECK_PREFIX "hlt-"
%include "lib32.inc"

VECTOR          equ 0x40
MIN_SPINS       equ 1000000             ; at least this long a masked wait
DELAY_FACTOR    equ 4                   ; ... and this many times step 1

section .text
        MB1_HEADER start

start:
        GUEST32_START
        mov eax, VECTOR
        mov edx, irq_handler
        call idt32_set_gate

        ; ---- 1. HLT sleeps until the interrupt comes.
        rdtsc
        mov [t0], eax
        mov [t0 + 4], edx
        testdev_inject VECTOR
        sti
        hlt
.after_hlt:
        cli
        rdtsc
        sub eax, [t0]
        sbb edx, [t0 + 4]
        mov [delay], eax
        mov [delay + 4], edx
        CHECK_EQ "wake", dword [irq_count], 1
        CHECK_EQ "wake-eip", dword [irq_eip], .after_hlt

        ; ---- 2. IF=0 holds it back; STI; NOP lets it in after the NOP.
        mov esi, [irq_count]
        testdev_inject VECTOR
        call wait_masked
        CHECK_EQ "masked", dword [irq_count], esi
        sti
        nop
.window_end:
        cli
        inc esi
        CHECK_EQ "window", dword [irq_count], esi
        CHECK_EQ "window-eip", dword [irq_eip], .window_end
        CHECK_EQ "stray", dword [stray_interrupts], 0
        jmp guest_exit

; wait_masked: spin with IF=0 for DELAY_FACTOR times the delay step 1
; measured, and at least MIN_SPINS rounds; every 4096th round reads an
; unclaimed port, a VM exit after which a careless hypervisor might
; inject regardless of IF.
wait_masked:
        pushad
        mov eax, [delay]
        mov edx, [delay + 4]
        mov ecx, DELAY_FACTOR
        xor ebx, ebx
        xor edi, edi
.scale:                                 ; EDI:EBX = delay * DELAY_FACTOR
        add ebx, eax
        adc edi, edx
        loop .scale
        rdtsc
        add ebx, eax
        adc edi, edx                    ; the TSC to wait for
        xor ebp, ebp
.spin:
        inc ebp
        test ebp, 0xfff
        jnz .no_exit
        mov dx, UNCLAIMED_PORT
        in al, dx
.no_exit:
        cmp ebp, MIN_SPINS
        jb .spin
        rdtsc
        sub eax, ebx
        sbb edx, edi
        jb .spin                        ; TSC still below the target
        popad
        ret

irq_handler:
        push eax
        inc dword [irq_count]
        mov eax, [esp + 4]              ; the interrupted EIP
        mov [irq_eip], eax
        irq_eoi
        pop eax
        iret

section .data
irq_count:      dd 0
irq_eip:        dd 0
t0:             dq 0
delay:          dq 0

        MB1_IMAGE_END
