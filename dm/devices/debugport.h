/*
 * dm/devices/debugport.h: the two one-port debugging devices of Bochs
 * and QEMU (dm/devices/debugport.c): the debug console at port 0xe9 and
 * isa-debug-exit at 0xf4.
 *
 * dm/main.c registers, both with one struct debugport as 'dev':
 *   PORT [0xe9, 0xe9]  debugcon_ops
 *   PORT [0xf4, 0xf7]  debugexit_ops
 */
#ifndef DM_DEBUGPORT_H
#define DM_DEBUGPORT_H

#include <device.h>

#define DEBUGPORT_CON_PORT   0xe9
#define DEBUGPORT_EXIT_PORT  0xf4

struct debugport {
    const struct dm_platform *pf;
};

/* 'pf' must outlive the device. */
void debugport_init(struct debugport *d, const struct dm_platform *pf);

extern const struct dm_device_ops debugcon_ops;
extern const struct dm_device_ops debugexit_ops;

#endif
