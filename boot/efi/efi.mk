# boot/efi/efi.mk: the GNU-EFI loader, build/efi/BOOTX64.EFI. Included by
# the top-level Makefile.
#
# gnu-efi's recipe (Debian's gnu-efi package): compile position-
# independent with 2-byte wchar_t (UEFI strings are UCS-2), link as a
# shared object with its crt0 and linker script, then objcopy the
# sections a PE/COFF image needs into an EFI application (subsystem 10).
# GNU_EFI_USE_MS_ABI makes EFIAPI mean __attribute__((ms_abi)), so the
# loader calls firmware functions directly instead of through
# uefi_call_wrapper(). The kernel's flags (-mcmodel=kernel, no SSE) do
# not apply: this runs as a firmware application.

EFI_BUILD   := $(BUILD)/efi
EFI_INC     := /usr/include/efi
EFI_LIBDIR  := /usr/lib
EFI_CFLAGS  := -std=gnu11 -O2 -g -ffreestanding -nostdinc \
               -isystem $(shell $(CC) -print-file-name=include) \
               -isystem $(EFI_INC) -isystem $(EFI_INC)/x86_64 -Iinclude \
               -fpic -fshort-wchar -fno-stack-protector -fno-strict-aliasing \
               -mno-red-zone -maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI \
               -fno-asynchronous-unwind-tables -fcf-protection=none \
               -Wall -Wextra -Werror -Wno-unused-parameter -Wstrict-prototypes \
               -Wmissing-prototypes -Wno-missing-field-initializers -MMD -MP
EFI_SRCS    := $(wildcard boot/efi/*.c)
EFI_OBJS    := $(patsubst boot/efi/%.c,$(EFI_BUILD)/%.o,$(EFI_SRCS))
EFI_APP     := $(EFI_BUILD)/BOOTX64.EFI

$(EFI_BUILD)/%.o: boot/efi/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (UEFI)"
	@$(CC) $(EFI_CFLAGS) -c $< -o $@

$(EFI_BUILD)/loader.so: $(EFI_OBJS) boot/efi/efi.mk
	@echo "  LD      $@"
	@$(LD) -nostdlib -znocombreloc -shared -Bsymbolic \
	    -T $(EFI_LIBDIR)/elf_x86_64_efi.lds -L$(EFI_LIBDIR) \
	    $(EFI_LIBDIR)/crt0-efi-x86_64.o $(EFI_OBJS) -o $@ -lefi -lgnuefi

$(EFI_APP): $(EFI_BUILD)/loader.so
	@echo "  EFI     $@"
	@objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym \
	    -j .rel -j .rela -j .rel.* -j .rela.* -j .reloc \
	    --target efi-app-x86_64 --subsystem=10 $< $@

-include $(EFI_OBJS:.o=.d)
