# tests/unit/ioreq.mk: ioreq servers' pure logic (kernel/ioreq/) and the
# ioreq/dm_op ABI layout, included by tests/unit/Makefile.
UNIT_SRCS_ioreq_abi      :=
UNIT_SRCS_ioreq_range    := kernel/ioreq/range.c kernel/ioreq/pci.c
UNIT_SRCS_ioreq_pci      := kernel/ioreq/pci.c
UNIT_SRCS_ioreq_buffered := kernel/ioreq/buffered.c
UNIT_SRCS_ioreq_sync     := kernel/ioreq/sync.c
# Server lifecycle and the path of an access, with the rest of Tern faked
# in the test.
UNIT_SRCS_ioreq_server   := kernel/ioreq/server.c kernel/ioreq/send.c \
                            kernel/ioreq/range.c kernel/ioreq/pci.c \
                            kernel/ioreq/buffered.c kernel/ioreq/sync.c
