UNIT_SRCS_evtchn := kernel/evtchn.c
