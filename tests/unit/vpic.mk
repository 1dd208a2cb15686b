# tests/unit/vpic.mk: the guest's 8259A pair (kernel/vpic.c), included by
# tests/unit/Makefile.
UNIT_SRCS_vpic := kernel/vpic.c
