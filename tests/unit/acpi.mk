UNIT_SRCS_acpi := kernel/acpi.c
