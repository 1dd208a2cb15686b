# Tern's build. `make` builds build/tern.elf and build/tern.iso;
# `make run` boots the demo, `make test` runs every test (README.md).
#
# Every target that needs host packages first runs tools/deps.sh, which
# installs what is missing (and does nothing when all is there).

BUILD    := build
OBJ      := $(BUILD)/obj
CC       := gcc
NASM     := nasm
LD       := ld

# The kernel: freestanding, no red zone (interrupts arrive on the kernel
# stack), no SSE/x87 (their state is not saved on entry), frame pointers
# for backtraces, linked in the top 2 GiB (mcmodel=kernel).
KCFLAGS  := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdinc \
            -isystem $(shell $(CC) -print-file-name=include) \
            -fno-stack-protector -fno-pic -fno-pie -mno-red-zone \
            -mcmodel=kernel -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2 \
            -fno-omit-frame-pointer -fno-tree-loop-distribute-patterns \
            -fno-asynchronous-unwind-tables -fcf-protection=none \
            -Wall -Wextra -Werror -Wno-unused-parameter -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-missing-field-initializers \
            -Iinclude -MMD -MP
KLDFLAGS := -nostdlib -static -z noexecstack -z max-page-size=0x1000 -T link.ld
NASMFLAGS := -f elf64 -g -F dwarf -w+all -Ikernel/

KERNEL_C := $(wildcard boot/*.c kernel/*.c kernel/*/*.c)
KERNEL_S := $(wildcard boot/*.asm kernel/*.asm)
KERNEL_OBJS := $(patsubst %.c,$(OBJ)/%.o,$(KERNEL_C)) \
               $(patsubst %.asm,$(OBJ)/%.o,$(KERNEL_S))

DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all deps run run-bochs run-linux gdb test unit bench clean iso usb
all: $(BUILD)/tern.elf $(BUILD)/tern.iso $(BUILD)/efi/BOOTX64.EFI
# The GNU-EFI loader, $(BUILD)/efi/BOOTX64.EFI (= $(EFI_APP)): boot/efi/efi.mk.
include boot/efi/efi.mk
include tools/linux.mk

deps: $(DEPS_STAMP)
$(DEPS_STAMP): tools/deps.sh
	@mkdir -p $(BUILD)
	@bash tools/deps.sh
	@touch $@

$(OBJ)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c $< -o $@

$(OBJ)/%.o: %.asm | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	@$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) $< -o $@

# Two link passes: the first finds where every function landed, the
# second embeds that symbol table (tools/gensyms.sh) for exception dumps.
$(BUILD)/tern.elf: $(KERNEL_OBJS) link.ld tools/gensyms.sh
	@echo "  LD      $@"
	@$(LD) $(KLDFLAGS) -o $(BUILD)/tern.pass1.elf $(KERNEL_OBJS)
	@sh tools/gensyms.sh $(BUILD)/tern.pass1.elf > $(BUILD)/ksyms.S
	@$(CC) -c $(BUILD)/ksyms.S -o $(BUILD)/ksyms.o
	@$(LD) $(KLDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/ksyms.o
	@cmp -s <(nm -n $(BUILD)/tern.pass1.elf | grep -i ' t ') \
	        <(nm -n $@ | grep -i ' t ') || \
	    { echo "link: text moved between passes; symbols would lie" >&2; exit 1; }

iso: $(BUILD)/tern.iso
# The device model (dm/Makefile builds it and the ring-3 test programs).
.PHONY: $(BUILD)/dm/dm.elf
$(BUILD)/dm/dm.elf: | $(DEPS_STAMP)
	@$(MAKE) -s -f dm/Makefile $@
# The demo image: Tern with one small guest (tests/guests/hello.asm) that
# says hello through the UART of its ring-3 device model (dm/) and ends
# itself, so `make run` shows a guest and its DM at work.
DEMO_GUEST := $(BUILD)/guests/hello.bin
$(DEMO_GUEST): tests/guests/hello.asm $(wildcard tests/guests/*.inc) | $(DEPS_STAMP)
	@$(MAKE) -s -f tests/guests/Makefile $@

$(BUILD)/tern.iso: $(BUILD)/tern.elf $(DEMO_GUEST) $(BUILD)/dm/dm.elf tools/mkiso.sh
	@echo "  ISO     $@"
	@bash tools/mkiso.sh $@ $< "$(CMDLINE)" $(DEMO_GUEST) "name=hello role=guest kind=flat" \
	    $(BUILD)/dm/dm.elf "name=dm role=dm target=hello"

# `make usb`: a GPT disk image to write to a USB stick (docs/usb.md). UEFI
# boots the GNU-EFI loader (GRUB is its menu's entry 2); BIOS boots GRUB.
usb: $(BUILD)/tern-usb.img
$(BUILD)/tern-usb.img: $(BUILD)/tern.elf $(EFI_APP) tools/mkusb.sh
	@echo "  USB     $@"
	@EFI_LOADER=$(EFI_APP) bash tools/mkusb.sh $@ $< "$(CMDLINE)"

# `make run`: QEMU with KVM (nested VT-x or SVM) where /dev/kvm works and
# the host CPU has VMX or SVM, else TCG with an SVM-capable CPU.
run: all
	@bash tools/run-qemu.sh $(BUILD)/tern.iso

run-bochs: all
	@bash tools/run-bochs.sh $(BUILD)/tern.iso

# `make run-linux`: Debian's kernel as a guest of Tern, its devices served
# by the ring-3 DM, with a busybox shell on this terminal through the
# DM's UART (docs/linux.md). Ctrl-A X quits QEMU.
LINUX_ISO := $(BUILD)/linux/tern-linux.iso
LINUX_GUEST_ARGS := name=linux role=guest kind=linux mem=256M initrd=initrd
$(LINUX_ISO): $(BUILD)/tern.elf $(BUILD)/dm/dm.elf $(LINUX_KERNEL) $(LINUX_INITRD) tools/mkiso.sh
	@echo "  ISO     $@"
	@bash tools/mkiso.sh $@ $(BUILD)/tern.elf "$(CMDLINE)" \
	    $(LINUX_KERNEL) "$(LINUX_GUEST_ARGS) console=raw -- console=ttyS0 tern.shell=1" \
	    $(LINUX_INITRD) "name=initrd role=initrd" \
	    $(BUILD)/dm/dm.elf "name=dm role=dm target=linux"
run-linux: all $(LINUX_ISO)
	@bash tools/run-qemu.sh $(LINUX_ISO)

gdb: all
	@bash tools/gdb.sh $(BUILD)/tern.iso $(BUILD)/tern.elf

unit: | $(DEPS_STAMP)
	@$(MAKE) -s -f tests/unit/Makefile

test: all
	@bash tests/run-all.sh

# Exit costs (bench/vmexit.asm) under Bochs and QEMU: a benchmark, not a test.
# `make bench`: exit costs (tools/bench.sh), then Debian's kernel booted
# to its init under Tern and by QEMU directly (tools/bench-linux.sh).
bench: all
	@bash tools/bench.sh
	@echo
	@if $(MAKE) -s linux-assets >/dev/null 2>&1; then bash tools/bench-linux.sh; \
	 else echo "bench: the Linux boot is not timed: the Debian kernel and busybox packages could not be fetched (make linux-assets)"; fi

clean:
	rm -rf $(BUILD)

SHELL := /bin/bash
-include $(KERNEL_OBJS:.o=.d)
