/*
 * dm/dm.h: what the parts of the device model share: the event loop's
 * handler registry (dm/main.c).
 */
#ifndef DM_DM_H
#define DM_DM_H

#include <tern_dm.h>

/* Called with the port that was pending and the registered argument. */
typedef void (*dm_evtchn_fn)(evtchn_port_t port, void *arg);

/* Call fn(port, arg) from the event loop whenever 'port' is pending.
 * Returns 0, or -TERN_EINVAL for port 0, a port out of range, or one
 * that already has a handler. */
int dm_evtchn_register(evtchn_port_t port, dm_evtchn_fn fn, void *arg);

#endif
