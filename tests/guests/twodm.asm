; tests/guests/twodm.asm: one guest, two device models (kind=multiboot,
; 32-bit protected mode; tests/emu/ioreq.sh). Run with
;   dm.elf "name=dm role=dm target=twodm"      the PC platform: the host
;                                              bridge 00:00.0, console
;   dm.elf "name=dm2 role=dm target=twodm devices=pcitest pcitest_id=2"
;                                              the PCI test device 00:03.0,
;                                              BAR 0 at 0xfe800000
; Tern sends each PCI configuration access to the DM whose server claims
; that device, and each BAR access to the DM that claims the address.
;
; Checks (all "twodm-"):
;   host-id                 00:00.0 is 8086:1237 (DM 1)
;   pcitest-id              00:03.0 is 5445:0001 (DM 2)
;   pcitest-bar0 pcitest-command   BAR 0 at 0xfe800000, memory decode on
;   empty-slot              00:1f.0 is nobody's: all ones
;   bar-magic bar-server-id BAR 0's registers: "TEST" and the id (2)
;   bar-scratch bar-scratch-byte   write and read back BAR 0 scratch
;   bar-count               the device counted each BAR access (7)
;   bar-size                the sizing protocol, decode off: ~0xfff
;   bar-moved bar-old       BAR 0 moved to 0xfe900000: the registers
;                           answer there, and 0xfe800000 is nobody's

%include "mb1.inc"
        org MB1_LOAD_ADDR
        bits 32
%define CHECK_PREFIX "twodm-"
%include "lib32.inc"

PCI_ADDR        equ 0xcf8
PCI_DATA        equ 0xcfc
PCI_ENABLE      equ 0x80000000
PCITEST         equ PCI_ENABLE | (3 << 11)      ; 00:03.0
PCI_COMMAND     equ 0x04
PCI_BAR0        equ 0x10
PCI_CMD_MEMORY  equ 0x02

BAR0            equ 0xfe800000
BAR0_MOVED      equ 0xfe900000
REG_MAGIC       equ 0x00
REG_ID          equ 0x04
REG_COUNT       equ 0x08
REG_SCRATCH     equ 0x10
PCITEST_MAGIC   equ 0x54534554              ; "TEST"

section .text
        MB1_HEADER start

; EAX = the config dword at CONFIG_ADDRESS %1.
%macro PCI_READ 1
        mov eax, %1
        mov dx, PCI_ADDR
        out dx, eax
        mov dx, PCI_DATA
        in eax, dx
%endmacro

; The config dword at CONFIG_ADDRESS %1 = %2 (not EAX).
%macro PCI_WRITE 2
        mov eax, %1
        mov dx, PCI_ADDR
        out dx, eax
        mov eax, %2
        mov dx, PCI_DATA
        out dx, eax
%endmacro

start:
        GUEST32_START
        PCI_READ PCI_ENABLE
        CHECK_EQ "host-id", eax, 0x12378086
        PCI_READ PCITEST
        CHECK_EQ "pcitest-id", eax, 0x00015445
        PCI_READ PCITEST | PCI_BAR0
        CHECK_EQ "pcitest-bar0", eax, BAR0
        PCI_READ PCITEST | PCI_COMMAND
        and eax, PCI_CMD_MEMORY
        CHECK_EQ "pcitest-command", eax, PCI_CMD_MEMORY
        PCI_READ PCI_ENABLE | (0x1f << 11)
        CHECK_EQ "empty-slot", eax, 0xffffffff

        ; BAR 0's registers; each access counts, the count read too.
        mov eax, [BAR0 + REG_MAGIC]
        CHECK_EQ "bar-magic", eax, PCITEST_MAGIC
        mov eax, [BAR0 + REG_ID]
        CHECK_EQ "bar-server-id", eax, 2
        mov dword [BAR0 + REG_SCRATCH], 0xa5a5f00d
        mov eax, [BAR0 + REG_SCRATCH]
        CHECK_EQ "bar-scratch", eax, 0xa5a5f00d
        mov byte [BAR0 + 0xfff], 0x5a
        movzx eax, byte [BAR0 + 0xfff]
        CHECK_EQ "bar-scratch-byte", eax, 0x5a
        mov eax, [BAR0 + REG_COUNT]
        CHECK_EQ "bar-count", eax, 7

        ; Size BAR 0 as firmware does, with memory decode off, then put it
        ; at a new address and turn decode on again.
        PCI_READ PCITEST | PCI_COMMAND
        mov ebx, eax
        mov ecx, eax
        and ecx, ~PCI_CMD_MEMORY
        PCI_WRITE PCITEST | PCI_COMMAND, ecx
        PCI_WRITE PCITEST | PCI_BAR0, 0xffffffff
        PCI_READ PCITEST | PCI_BAR0
        CHECK_EQ "bar-size", eax, 0xfffff000
        PCI_WRITE PCITEST | PCI_BAR0, BAR0_MOVED
        PCI_WRITE PCITEST | PCI_COMMAND, ebx
        mov eax, [BAR0_MOVED + REG_MAGIC]
        CHECK_EQ "bar-moved", eax, PCITEST_MAGIC
        mov eax, [BAR0 + REG_MAGIC]
        CHECK_EQ "bar-old", eax, 0xffffffff
        jmp guest_exit

        MB1_IMAGE_END
