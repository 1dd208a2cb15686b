; tests/guests/ioreq.asm: a guest whose devices are all the device
; model's (kind=multiboot, 32-bit protected mode, no paging). Run with
; dm.elf "role=dm target=ioreq testdev=on" (tests/emu/ioreq.sh): every
; port and MMIO access below, the console included, goes to the DM
; through an ioreq server; only the 8259s, the 0xcf8 latch and the
; watchdog (Tern's testdev, testdev=on on this guest) stay in Tern.
;
; The DM's test device (dm/devices/testdev.c): ports 0x700-0x707 an
; 8-byte scratch register, 0x708 a byte FIFO, 0x70c its count, 0x710/
; 0x714 the bufcheck count and errors; MMIO 0xfe000000 4 KiB of scratch;
; bufcheck, which counts writes posted through the buffered ring, at MMIO
; 0xa0000 and ports 0x720-0x727.
;
; Checks (all "ioreq-"):
;  port I/O on the scratch register
;   port-out8 port-in32-hi  bytes written one by one, read as dwords
;   port-in16-odd port-in8-keeps   IN AX at an odd port, IN AL: the rest
;                           of EAX kept
;   port-out16-lane port-out32-lane port-in32-lane   a word at 0x701 and
;                           a dword at 0x703 land in their bytes
;   port-in32-overrun       a dword at 0x705 runs past 0x707: all ones
;  string I/O through the FIFO (buffers cross a page boundary)
;   fifo-empty8 fifo-empty32   an empty FIFO reads 0xff bytes
;   fifo-outsb-count fifo-outsb-esi fifo-insb fifo-insb-edi fifo-insb-count
;                           REP OUTSB of 300 bytes, REP INSB back
;   fifo-outsw-insd fifo-outsd-insw   the bytes survive a change of width
;   fifo-outsd-back fifo-outsd-back-esi   REP OUTSD with DF=1: the FIFO
;                           got the dwords last first
;   fifo-insw-back fifo-insw-back-edi fifo-insw-back-ecx   REP INSW with
;                           DF=1 fills the buffer from its end
;   fifo-drained            the FIFO is empty after all that
;  MMIO on the DM's scratch page
;   mmio32 mmio32-modrm mmio8-movzx mmio8-movsx mmio16 mmio32-bytes
;   mmio16-keeps mmio8-ah mmio32-unaligned mmio32-unaligned-byte
;   mmio-last-byte mmio-last-dword   MOV of each width and form
;   mmio-add mmio-or mmio-or8 mmio-xchg-reg mmio-xchg-mem mmio-cmp-zf
;                           read-modify-write instructions
;  the buffered ring
;   bufcheck-count bufcheck-errors bufcheck-mmio-read
;                           5120 posted dword writes of 0, 1, 2, ... (ten
;                           rings) arrive all, in order
;   bufcheck-port-count bufcheck-port-errors   the same as posted OUTs
;                           to bufcheck's port window, 0x720
;  PCI configuration space through 0xcf8/0xcfc
;   pci-host-id pci-host-device-word pci-host-vendor-byte pci-host-class
;   pci-host-command        the host bridge 00:00.0 (8086:1237)
;   pci-write-readback pci-write-lane pci-readonly   writable registers
;                           take a write, read-only ones do not
;   pci-cf8-readback        CONFIG_ADDRESS keeps only its writable bits
;   pci-empty-slot pci-empty-word   00:1f.0 has no function: all ones
;   pci-disabled            with the enable bit clear, 0xcfc is nobody's
;  nobody's
;   unclaimed-port8 unclaimed-port16 unclaimed-port32   port 0x7f0
;   unclaimed-mmio32 unclaimed-mmio8 unclaimed-mmio-write   0xfd000000
;  VGA, 8259 and 8254
;   vga-readback            "HELLO VGA" at 0xb8000 (the suite checks the
;                           DM's "vga: row 00: HELLO VGA") reads back
;   pit-irq0                IRQ 0 of a 1 kHz PIT arrives at vector 0x20
;                           three times, HLT waking for it
;   pit-stray               and no other vector came
;  16550 UART (COM1)
;   uart-scr uart-dll uart-lsr   registers; then the line "uart: hello
;                           from COM1" through THR, polling LSR.THRE
;   uart-thre-irq uart-thre-iir  IER.ETBEI with MCR.OUT2: one IRQ 4 at
;                           vector 0x24, IIR says THR empty
;  MC146818 RTC
;   rtc-reg-a rtc-reg-b rtc-century rtc-year rtc-month rtc-day rtc-extmem
;                           the DM's defaults: BCD, 24-hour, 2026-01-01,
;                           and the RAM size (mem=16M) in CMOS 0x17
;  string instructions on MMIO (last: each element is a DM access)
;   mmio-rep-movsd-to mmio-rep-movsd-to-edi mmio-rep-movsd-from
;   vga-rep-stosw           REP MOVSD of 16 dwords RAM -> MMIO and back;
;                           REP STOSW of 80 words into VGA page 1 (never
;                           shown), posted through the ring

%include "mb1.inc"
        org MB1_LOAD_ADDR
        bits 32
%define CHECK_PREFIX "ioreq-"
%include "lib32.inc"

; The DM's test device (dm/devices/testdev.h).
TD_SCRATCH      equ 0x700
TD_FIFO         equ 0x708
TD_FIFO_COUNT   equ 0x70c
TD_BC_COUNT     equ 0x710
TD_BC_ERRORS    equ 0x714
TD_BC_PORT      equ 0x720               ; bufcheck's port window
TD_MMIO         equ 0xfe000000
TD_BUFCHECK     equ 0xa0000
BUFCHECK_N      equ 5120                ; over ten times the 511-slot ring

DM_UNCLAIMED_PORT equ 0x7f0
DM_UNCLAIMED_MMIO equ 0xfd000000

VGA_TEXT        equ 0xb8000
VGA_PAGE1       equ VGA_TEXT + 0x1000   ; display page 1: stored, not shown

PCI_ADDR        equ 0xcf8
PCI_DATA        equ 0xcfc
PCI_ENABLE      equ 0x80000000

PIC1_CMD        equ 0x20
PIC1_DATA       equ 0x21
PIC2_CMD        equ 0xa0
PIC2_DATA       equ 0xa1
PIC_EOI         equ 0x20
IRQ_BASE        equ 0x20                ; master 0x20-0x27, slave 0x28-0x2f

PIT_CH0         equ 0x40
PIT_CTRL        equ 0x43
PIT_1KHZ        equ 1193                ; 1,193,182 Hz / 1193 ~ 1000 Hz

COM1            equ 0x3f8
UART_THR        equ COM1 + 0
UART_DLL        equ COM1 + 0
UART_IER        equ COM1 + 1
UART_DLM        equ COM1 + 1
UART_IIR        equ COM1 + 2
UART_LCR        equ COM1 + 3
UART_MCR        equ COM1 + 4
UART_LSR        equ COM1 + 5
UART_SCR        equ COM1 + 7
LSR_THRE        equ 0x20
LSR_TEMT        equ 0x40
IER_ETBEI       equ 0x02
MCR_OUT2        equ 0x08
IIR_THRE        equ 0x02                ; FIFOs off: bits 7:6 are 0

RTC_INDEX       equ 0x70
RTC_DATA        equ 0x71

; Tern's testdev (abi.inc) is the watchdog of the interrupt waits: it
; raises WATCHDOG_VECTOR ~10 ms after it is asked, whatever the DM does.
WATCHDOG_VECTOR equ 0x50
WATCHDOG_MAX    equ 50                  ; ~0.5 s of waiting at most

; Buffers at fixed addresses, each crossing a page boundary.
BUF_SRC         equ 0x2ffe00
BUF_DST         equ 0x3ffd00
FIFO_BYTES      equ 1200                ; the largest transfer below

section .text
        MB1_HEADER start

start:
        GUEST32_START
        mov eax, IRQ_BASE + 0
        mov edx, pit_handler
        call idt32_set_gate
        mov eax, IRQ_BASE + 4
        mov edx, uart_handler
        call idt32_set_gate
        mov eax, WATCHDOG_VECTOR
        mov edx, watchdog_handler
        call idt32_set_gate

        call ports
        call fifo
        call mmio
        call bufcheck
        call pci
        call unclaimed
        call vga_pit
        call uart
        call rtc
        call mmio_strings
        jmp guest_exit

; ---- Port I/O of each width on the 8-byte scratch register.
ports:
        mov dx, TD_SCRATCH
        mov al, 0x11
.bytes:
        out dx, al
        add al, 0x11
        inc dx
        cmp dx, TD_SCRATCH + 8
        jb .bytes
        mov dx, TD_SCRATCH
        in eax, dx
        CHECK_EQ "port-out8", eax, 0x44332211
        mov dx, TD_SCRATCH + 4
        in eax, dx
        CHECK_EQ "port-in32-hi", eax, 0x88776655
        mov eax, 0xdead0000
        mov dx, TD_SCRATCH + 5
        in ax, dx
        CHECK_EQ "port-in16-odd", eax, 0xdead7766
        mov eax, 0x12345600
        mov dx, TD_SCRATCH + 6
        in al, dx
        CHECK_EQ "port-in8-keeps", eax, 0x12345677

        mov ax, 0xbeef
        mov dx, TD_SCRATCH + 1
        out dx, ax
        mov dx, TD_SCRATCH
        in eax, dx
        CHECK_EQ "port-out16-lane", eax, 0x44beef11
        mov eax, 0xcafef00d
        mov dx, TD_SCRATCH + 3
        out dx, eax
        mov dx, TD_SCRATCH
        in eax, dx
        CHECK_EQ "port-out32-lane", eax, 0x0dbeef11
        mov dx, TD_SCRATCH + 4
        in eax, dx
        CHECK_EQ "port-in32-lane", eax, 0x88cafef0
        mov dx, TD_SCRATCH + 5
        in eax, dx
        CHECK_EQ "port-in32-overrun", eax, 0xffffffff
        ret

; ---- String I/O through the FIFO.
fifo:
        mov dx, TD_FIFO_COUNT
        out dx, eax                     ; empty it
        mov dx, TD_FIFO
        xor eax, eax
        in al, dx
        CHECK_EQ "fifo-empty8", eax, 0xff
        in eax, dx
        CHECK_EQ "fifo-empty32", eax, 0xffffffff

        ; 300 bytes out and back, forwards.
        call fifo_fill_src
        mov esi, BUF_SRC
        mov ecx, 300
        mov dx, TD_FIFO
        rep outsb
        CHECK_EQ "fifo-outsb-esi", esi, BUF_SRC + 300
        call fifo_count
        CHECK_EQ "fifo-outsb-count", eax, 300
        call fifo_clear_dst
        mov edi, BUF_DST
        mov ecx, 300
        mov dx, TD_FIFO
        rep insb
        CHECK_EQ "fifo-insb-edi", edi, BUF_DST + 300
        mov ecx, 300
        call compare_bytes
        CHECK_EQ "fifo-insb", eax, -1
        call fifo_count
        CHECK_EQ "fifo-insb-count", eax, 0

        ; Out as words, in as dwords; out as dwords, in as words.
        mov esi, BUF_SRC
        mov ecx, 200
        mov dx, TD_FIFO
        rep outsw
        call fifo_clear_dst
        mov edi, BUF_DST
        mov ecx, 100
        rep insd
        mov ecx, 400
        call compare_bytes
        CHECK_EQ "fifo-outsw-insd", eax, -1
        mov esi, BUF_SRC
        mov ecx, 300
        rep outsd
        call fifo_clear_dst
        mov edi, BUF_DST
        mov ecx, 600
        rep insw
        mov ecx, FIFO_BYTES
        call compare_bytes
        CHECK_EQ "fifo-outsd-insw", eax, -1

        ; DF=1 out: the FIFO receives dword 299 first, dword 0 last.
        mov esi, BUF_SRC + 299 * 4
        mov ecx, 300
        std
        rep outsd
        cld
        CHECK_EQ "fifo-outsd-back-esi", esi, BUF_SRC - 4
        call fifo_clear_dst
        mov edi, BUF_DST
        mov ecx, 300
        rep insd
        mov ecx, 300
        call compare_dwords_reversed
        CHECK_EQ "fifo-outsd-back", eax, -1

        ; DF=1 in: 400 words in order; the first popped is stored last.
        mov esi, BUF_SRC
        mov ecx, 400
        rep outsw
        call fifo_clear_dst
        mov edi, BUF_DST + 399 * 2
        mov ecx, 400
        std
        rep insw
        cld
        CHECK_EQ "fifo-insw-back-edi", edi, BUF_DST - 2
        CHECK_EQ "fifo-insw-back-ecx", ecx, 0
        mov ecx, 400
        call compare_words_reversed
        CHECK_EQ "fifo-insw-back", eax, -1
        call fifo_count
        CHECK_EQ "fifo-drained", eax, 0
        ret

; EAX = the FIFO's byte count.
fifo_count:
        push edx
        mov dx, TD_FIFO_COUNT
        in eax, dx
        pop edx
        ret

; BUF_SRC = FIFO_BYTES bytes of a pattern with no period of 2 or 4.
fifo_fill_src:
        pushad
        mov edi, BUF_SRC
        mov ecx, FIFO_BYTES
        mov al, 3
.byte:
        stosb
        add al, 7
        rol al, 1
        inc al
        loop .byte
        popad
        ret

fifo_clear_dst:
        pushad
        mov edi, BUF_DST
        mov ecx, FIFO_BYTES
        xor eax, eax
        rep stosb
        popad
        ret

; compare_bytes: ECX bytes of BUF_SRC and BUF_DST; EAX = the first
; differing index, or -1.
compare_bytes:
        push ecx
        push edx
        xor eax, eax
.next:
        mov dl, [BUF_SRC + eax]
        cmp dl, [BUF_DST + eax]
        jne .done
        inc eax
        loop .next
        mov eax, -1
.done:
        pop edx
        pop ecx
        ret

; compare_dwords_reversed: BUF_DST's dword i against BUF_SRC's dword
; ECX - 1 - i, for ECX dwords; EAX = the first differing i, or -1.
compare_dwords_reversed:
        push ebx
        push edx
        xor eax, eax
        lea ebx, [ecx - 1]
.next:
        mov edx, [BUF_DST + eax * 4]
        cmp edx, [BUF_SRC + ebx * 4]
        jne .done
        inc eax
        dec ebx
        jns .next
        mov eax, -1
.done:
        pop edx
        pop ebx
        ret

compare_words_reversed:
        push ebx
        push edx
        xor eax, eax
        lea ebx, [ecx - 1]
.next:
        mov dx, [BUF_DST + eax * 2]
        cmp dx, [BUF_SRC + ebx * 2]
        jne .done
        inc eax
        dec ebx
        jns .next
        mov eax, -1
.done:
        pop edx
        pop ebx
        ret

; ---- MMIO on the DM's scratch page: each form goes through Tern's
; instruction emulator to the DM.
mmio:
        mov dword [TD_MMIO], 0x12345678
        mov eax, [TD_MMIO]              ; A1: moffs
        CHECK_EQ "mmio32", eax, 0x12345678
        mov ebx, TD_MMIO
        mov ecx, [ebx]                  ; 8B: ModRM
        CHECK_EQ "mmio32-modrm", ecx, 0x12345678
        mov byte [TD_MMIO + 5], 0xab
        movzx eax, byte [TD_MMIO + 5]
        CHECK_EQ "mmio8-movzx", eax, 0xab
        movsx eax, byte [TD_MMIO + 5]
        CHECK_EQ "mmio8-movsx", eax, 0xffffffab
        mov word [TD_MMIO + 6], 0xcdef
        movzx eax, word [TD_MMIO + 6]
        CHECK_EQ "mmio16", eax, 0xcdef
        mov eax, [TD_MMIO + 4]
        CHECK_EQ "mmio32-bytes", eax, 0xcdefab00
        mov eax, 0x5555aaaa
        mov ax, [TD_MMIO + 6]
        CHECK_EQ "mmio16-keeps", eax, 0x5555cdef
        mov eax, 0x11223344
        mov ah, [TD_MMIO + 5]
        CHECK_EQ "mmio8-ah", eax, 0x1122ab44
        mov dword [TD_MMIO + 0x101], 0xa1b2c3d4
        mov eax, [TD_MMIO + 0x100]
        CHECK_EQ "mmio32-unaligned", eax, 0xb2c3d400
        movzx eax, byte [TD_MMIO + 0x104]
        CHECK_EQ "mmio32-unaligned-byte", eax, 0xa1
        mov byte [TD_MMIO + 0xfff], 0x42
        movzx eax, byte [TD_MMIO + 0xfff]
        CHECK_EQ "mmio-last-byte", eax, 0x42
        mov eax, [TD_MMIO + 0xffc]
        CHECK_EQ "mmio-last-dword", eax, 0x42000000

        add dword [TD_MMIO], 5
        mov eax, [TD_MMIO]
        CHECK_EQ "mmio-add", eax, 0x1234567d
        mov dword [TD_MMIO + 8], 0
        or dword [TD_MMIO + 8], 0xf0f0
        mov eax, [TD_MMIO + 8]
        CHECK_EQ "mmio-or", eax, 0xf0f0
        or byte [TD_MMIO + 8], 0x0f
        mov eax, [TD_MMIO + 8]
        CHECK_EQ "mmio-or8", eax, 0xf0ff
        mov eax, 0x600d
        xchg [TD_MMIO], eax
        CHECK_EQ "mmio-xchg-reg", eax, 0x1234567d
        mov eax, [TD_MMIO]
        CHECK_EQ "mmio-xchg-mem", eax, 0x600d
        cmp dword [TD_MMIO], 0x600d
        pushfd
        pop eax
        and eax, FL_ZF
        CHECK_EQ "mmio-cmp-zf", eax, FL_ZF
        ret

; ---- The buffered ring: posted writes, all of them, in order.
bufcheck:
        mov dx, TD_BC_COUNT
        out dx, eax                     ; count, errors = 0
        xor eax, eax
.write:
        mov [TD_BUFCHECK], eax
        inc eax
        cmp eax, BUFCHECK_N
        jb .write
        ; A read waits until the DM has drained the ring.
        mov dx, TD_BC_COUNT
        in eax, dx
        CHECK_EQ "bufcheck-count", eax, BUFCHECK_N
        mov dx, TD_BC_ERRORS
        in eax, dx
        CHECK_EQ "bufcheck-errors", eax, 0
        mov eax, [TD_BUFCHECK]
        CHECK_EQ "bufcheck-mmio-read", eax, BUFCHECK_N

        ; The same through bufcheck's port window: posted OUTs.
        mov dx, TD_BC_COUNT
        out dx, eax
        mov dx, TD_BC_PORT
        xor eax, eax
.out:
        out dx, eax
        inc eax
        cmp eax, BUFCHECK_N
        jb .out
        mov dx, TD_BC_COUNT
        in eax, dx
        CHECK_EQ "bufcheck-port-count", eax, BUFCHECK_N
        mov dx, TD_BC_ERRORS
        in eax, dx
        CHECK_EQ "bufcheck-port-errors", eax, 0
        ret

; ---- PCI configuration space.
%macro PCI_SELECT 1
        mov eax, %1
        mov dx, PCI_ADDR
        out dx, eax
%endmacro

pci:
        PCI_SELECT PCI_ENABLE | 0x00
        mov dx, PCI_DATA
        in eax, dx
        CHECK_EQ "pci-host-id", eax, 0x12378086
        xor eax, eax
        mov dx, PCI_DATA + 2
        in ax, dx
        CHECK_EQ "pci-host-device-word", eax, 0x1237
        xor eax, eax
        mov dx, PCI_DATA + 1
        in al, dx
        CHECK_EQ "pci-host-vendor-byte", eax, 0x80
        PCI_SELECT PCI_ENABLE | 0x08
        mov dx, PCI_DATA
        in eax, dx
        CHECK_EQ "pci-host-class", eax, 0x06000002
        PCI_SELECT PCI_ENABLE | 0x04
        mov dx, PCI_DATA
        in eax, dx
        CHECK_EQ "pci-host-command", eax, 0x02800006

        ; Cache line size (0x0c) and latency timer (0x0d) are writable.
        PCI_SELECT PCI_ENABLE | 0x0c
        mov al, 0x10
        mov dx, PCI_DATA
        out dx, al
        xor eax, eax
        in al, dx
        CHECK_EQ "pci-write-readback", eax, 0x10
        mov al, 0x40
        mov dx, PCI_DATA + 1
        out dx, al
        xor eax, eax
        mov dx, PCI_DATA
        in ax, dx
        CHECK_EQ "pci-write-lane", eax, 0x4010
        PCI_SELECT PCI_ENABLE | 0x00
        mov ax, 0xffff
        mov dx, PCI_DATA
        out dx, ax
        in eax, dx
        CHECK_EQ "pci-readonly", eax, 0x12378086

        ; Bits 30..24 and 1..0 of CONFIG_ADDRESS read as zero.
        PCI_SELECT 0xff00f8ff
        in eax, dx
        CHECK_EQ "pci-cf8-readback", eax, 0x8000f8fc
        PCI_SELECT PCI_ENABLE | (0x1f << 11)
        mov dx, PCI_DATA
        in eax, dx
        CHECK_EQ "pci-empty-slot", eax, 0xffffffff
        xor eax, eax
        mov dx, PCI_DATA + 2
        in ax, dx
        CHECK_EQ "pci-empty-word", eax, 0xffff
        PCI_SELECT 0
        mov dx, PCI_DATA
        in eax, dx
        CHECK_EQ "pci-disabled", eax, 0xffffffff
        ret

; ---- What nobody claims: all ones of the width, writes dropped.
unclaimed:
        mov dx, DM_UNCLAIMED_PORT
        xor eax, eax
        in al, dx
        CHECK_EQ "unclaimed-port8", eax, 0xff
        xor eax, eax
        in ax, dx
        CHECK_EQ "unclaimed-port16", eax, 0xffff
        xor eax, eax
        in eax, dx
        CHECK_EQ "unclaimed-port32", eax, 0xffffffff
        mov eax, [DM_UNCLAIMED_MMIO]
        CHECK_EQ "unclaimed-mmio32", eax, 0xffffffff
        movzx eax, byte [DM_UNCLAIMED_MMIO + 3]
        CHECK_EQ "unclaimed-mmio8", eax, 0xff
        mov dword [DM_UNCLAIMED_MMIO], 0
        mov eax, [DM_UNCLAIMED_MMIO]
        CHECK_EQ "unclaimed-mmio-write", eax, 0xffffffff
        ret

; ---- VGA text, then the 8259s and the 8254. The DM prints the VGA row
; on a timer tick; the PIT wait, which prints nothing, covers several
; ticks, so the row cannot land inside a line of ours.
vga_pit:
        mov esi, s_vga
        mov edi, VGA_TEXT
        mov ah, 0x07                    ; light grey on black
.char:
        lodsb
        test al, al
        jz .written
        mov [edi], ax
        add edi, 2
        jmp .char
.written:
        call pic_init
        mov al, 0x34                    ; channel 0, lo/hi byte, mode 2
        out PIT_CTRL, al
        mov al, PIT_1KHZ & 0xff
        out PIT_CH0, al
        mov al, PIT_1KHZ >> 8
        out PIT_CH0, al
        mov al, 0xfe                    ; IRQ 0 only
        out PIC1_DATA, al
        mov ebx, pit_irqs
        mov ecx, 3
        call wait_irqs
        mov al, 0xff
        out PIC1_DATA, al
        mov al, 0x30                    ; mode 0 with no count: stopped
        out PIT_CTRL, al
        movzx eax, word [VGA_TEXT]
        CHECK_EQ "vga-readback", eax, 0x0748
        CHECK_RANGE "pit-irq0", dword [pit_irqs], 3, 0xffffffff
        CHECK_EQ "pit-stray", dword [stray_interrupts], 0
        ret

; The 8259 pair as a PC BIOS sets it up (docs/vpic.md), at 0x20/0x28,
; every line masked.
pic_init:
        mov al, 0x11                    ; ICW1: edge, cascade, ICW4 follows
        out PIC1_CMD, al
        out PIC2_CMD, al
        mov al, IRQ_BASE                ; ICW2: vector bases
        out PIC1_DATA, al
        mov al, IRQ_BASE + 8
        out PIC2_DATA, al
        mov al, 0x04                    ; ICW3: the slave on IR2
        out PIC1_DATA, al
        mov al, 0x02                    ; ICW3: the slave's id
        out PIC2_DATA, al
        mov al, 0x01                    ; ICW4: 8086 mode
        out PIC1_DATA, al
        out PIC2_DATA, al
        mov al, 0xff
        out PIC1_DATA, al
        out PIC2_DATA, al
        ret

; wait_irqs: HLT with IF=1 until the dword at EBX reaches ECX, or
; WATCHDOG_MAX watchdog ticks passed. Returns with IF=0.
wait_irqs:
        mov dword [watchdog_ticks], 0
.wait:
        cmp [ebx], ecx
        jae .done
        cmp dword [watchdog_ticks], WATCHDOG_MAX
        jae .done
        cmp byte [watchdog_armed], 0
        jne .sleep
        mov byte [watchdog_armed], 1
        testdev_inject WATCHDOG_VECTOR
.sleep:
        sti
        hlt
        cli
        jmp .wait
.done:
        ret

pit_handler:
        push eax
        inc dword [pit_irqs]
        mov al, PIC_EOI
        out PIC1_CMD, al
        pop eax
        iret

uart_handler:
        push eax
        push edx
        inc dword [uart_irqs]
        mov dx, UART_IIR
        in al, dx                       ; takes the THR-empty interrupt
        movzx eax, al
        mov [uart_iir], eax
        mov al, PIC_EOI
        out PIC1_CMD, al
        pop edx
        pop eax
        iret

watchdog_handler:
        inc dword [watchdog_ticks]
        mov byte [watchdog_armed], 0
        iret

; ---- COM1.
uart:
        mov dx, UART_SCR
        mov al, 0x5a
        out dx, al
        xor eax, eax
        in al, dx
        CHECK_EQ "uart-scr", eax, 0x5a
        mov dx, UART_LCR
        mov al, 0x80                    ; DLAB
        out dx, al
        mov dx, UART_DLL
        mov al, 1                       ; 115200 baud
        out dx, al
        mov dx, UART_DLM
        xor al, al
        out dx, al
        mov dx, UART_DLL
        xor eax, eax
        in al, dx
        CHECK_EQ "uart-dll", eax, 1
        mov dx, UART_LCR
        mov al, 0x03                    ; 8N1, DLAB off
        out dx, al
        mov dx, UART_LSR
        xor eax, eax
        in al, dx
        and eax, LSR_THRE | LSR_TEMT
        CHECK_EQ "uart-lsr", eax, LSR_THRE | LSR_TEMT

        mov esi, s_uart
.char:
        mov dx, UART_LSR
.busy:
        in al, dx
        test al, LSR_THRE
        jz .busy
        lodsb
        test al, al
        jz .sent
        mov dx, UART_THR
        out dx, al
        jmp .char
.sent:

        ; THR-empty interrupt: raised as IER.ETBEI goes on, through
        ; OUT2's gate to IRQ 4.
        mov dx, UART_MCR
        mov al, MCR_OUT2
        out dx, al
        mov al, 0xef                    ; IRQ 4 only
        out PIC1_DATA, al
        mov dx, UART_IER
        mov al, IER_ETBEI
        out dx, al
        mov ebx, uart_irqs
        mov ecx, 1
        call wait_irqs
        mov dx, UART_IER
        xor al, al
        out dx, al
        mov dx, UART_MCR
        out dx, al
        mov al, 0xff
        out PIC1_DATA, al
        CHECK_EQ "uart-thre-irq", dword [uart_irqs], 1
        CHECK_EQ "uart-thre-iir", dword [uart_iir], IIR_THRE
        ret

; ---- The RTC and CMOS. AL = register -> EAX = its value.
rtc_read:
        out RTC_INDEX, al
        xor eax, eax
        in al, RTC_DATA
        ret

rtc:
        mov al, 0x0a
        call rtc_read
        and eax, 0x7f                   ; without UIP
        CHECK_EQ "rtc-reg-a", eax, 0x26
        mov al, 0x0b
        call rtc_read
        CHECK_EQ "rtc-reg-b", eax, 0x02
        mov al, 0x32
        call rtc_read
        CHECK_EQ "rtc-century", eax, 0x20
        mov al, 0x09
        call rtc_read
        CHECK_EQ "rtc-year", eax, 0x26
        mov al, 0x08
        call rtc_read
        CHECK_EQ "rtc-month", eax, 0x01
        mov al, 0x07
        call rtc_read
        CHECK_EQ "rtc-day", eax, 0x01
        mov al, 0x18
        call rtc_read
        mov ebx, eax
        shl ebx, 8
        mov al, 0x17
        call rtc_read
        or eax, ebx
        CHECK_EQ "rtc-extmem", eax, (16 - 1) * 1024     ; KiB above 1 MiB
        ret

; ---- REP MOVS and REP STOS on DM memory: one instruction, many
; accesses to the device model.
mmio_strings:
        call fifo_fill_src
        mov esi, BUF_SRC
        mov edi, TD_MMIO + 0x200
        mov ecx, 16
        rep movsd
        CHECK_EQ "mmio-rep-movsd-to-edi", edi, TD_MMIO + 0x200 + 64
        xor eax, eax                    ; read back one dword at a time
        mov edx, -1
.to:
        mov ebx, [TD_MMIO + 0x200 + eax * 4]
        cmp ebx, [BUF_SRC + eax * 4]
        jne .to_bad
        inc eax
        cmp eax, 16
        jb .to
        jmp .to_done
.to_bad:
        mov edx, eax
.to_done:
        CHECK_EQ "mmio-rep-movsd-to", edx, -1

        call fifo_clear_dst
        mov esi, TD_MMIO + 0x200
        mov edi, BUF_DST
        mov ecx, 16
        rep movsd
        mov ecx, 64
        call compare_bytes
        CHECK_EQ "mmio-rep-movsd-from", eax, -1

        mov edi, VGA_PAGE1
        mov ecx, 80
        mov ax, 0x072d                  ; '-'
        rep stosw
        mov eax, [VGA_PAGE1 + 78 * 2]
        CHECK_EQ "vga-rep-stosw", eax, 0x072d072d
        ret

section .data
s_vga:          db "HELLO VGA", 0
s_uart:         db "uart: hello from COM1", 10, 0
pit_irqs:       dd 0
uart_irqs:      dd 0
uart_iir:       dd 0xffffffff
watchdog_ticks: dd 0
watchdog_armed: db 0

        MB1_IMAGE_END
