# tests/unit/pagewalk.mk: the guest page-table walker's unit test.
UNIT_SRCS_pagewalk := kernel/pagewalk.c
