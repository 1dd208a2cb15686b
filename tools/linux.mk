# tools/linux.mk: the Linux guest's files (issue #7). Included by the
# top-level Makefile, after $(BUILD) and $(DEPS_STAMP) are set.
#
#   make linux-assets   build/linux/vmlinuz (Debian 12's kernel) and
#                       build/linux/initrd.img (BusyBox + tests/linux/init),
#                       made by tools/linux-assets.sh from Debian packages
#                       it downloads once into build/linux/debs/
#   make bench-linux    that kernel's boot time to init's marker, booted
#                       by QEMU directly and under Tern (tools/bench-linux.sh)

LINUX_KERNEL := $(BUILD)/linux/vmlinuz
LINUX_INITRD := $(BUILD)/linux/initrd.img

.PHONY: linux-assets bench-linux
linux-assets: $(LINUX_KERNEL) $(LINUX_INITRD)

# One run of the script makes both files (a grouped target, "&:") and
# prints one line about them. It leaves a file alone when that file is
# newer than what it is made from, so the recipe touches both: make then
# sees them newer than the script.
$(LINUX_KERNEL) $(LINUX_INITRD) &: tools/linux-assets.sh tests/linux/init | $(DEPS_STAMP)
	@bash tools/linux-assets.sh
	@touch $(LINUX_KERNEL) $(LINUX_INITRD)

bench-linux: linux-assets
	@bash tools/bench-linux.sh
