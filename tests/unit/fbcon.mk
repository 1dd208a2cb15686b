# tests/unit/fbcon.mk: the framebuffer console and its font
# (kernel/fbcon.c, kernel/font8x16.c), included by tests/unit/Makefile.
UNIT_SRCS_fbcon := kernel/fbcon.c kernel/font8x16.c
