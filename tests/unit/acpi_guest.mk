# tests/unit/acpi_guest.mk: the guest's ACPI tables (kernel/acpi_guest.c),
# read back with Tern's own table parser (kernel/acpi.c) as a second
# opinion; included by tests/unit/Makefile.
UNIT_SRCS_acpi_guest := kernel/acpi_guest.c kernel/acpi.c
