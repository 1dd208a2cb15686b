# tests/unit/decode.mk: the MMIO instruction decoder and emulator
# (kernel/decode.c, kernel/emulate.c), included by tests/unit/Makefile.
UNIT_SRCS_decode := kernel/decode.c
UNIT_SRCS_emulate := kernel/emulate.c kernel/decode.c
