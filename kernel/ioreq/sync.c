/*
 * kernel/ioreq/sync.c: the synchronous ioreq slot, Tern's side.
 *
 * Interface (include/tern/ioreq.h):
 *   ioreq_sync_publish        fill a vCPU's slot and mark it READY (inline)
 *   ioreq_sync_state          read the slot's state (acquire; inline,
 *                             in include/tern/ioreq.h)
 *   ioreq_sync_complete       take the answer and free the slot (inline)
 *   ioreq_sync_check          judge the state the DM left there
 *   ioreq_sync_verdict_name, ioreq_sync_state_name   for messages
 *
 * Each guest vCPU has one slot in its server's synchronous page
 * (include/public/ioreq.h). The slot's state is the only thing the two
 * sides synchronise on, so every change of it is a release store made
 * after the payload, and every read of it that leads to reading the
 * payload is an acquire load (docs/ioreq.md draws the sequence):
 *
 *   Tern  write addr, data, count, size, type; release-store READY
 *   DM    acquire-load READY; read the request; (INPROCESS); write data;
 *         release-store IORESP_READY; signal vp_eport
 *   Tern  acquire-load IORESP_READY; read data; release-store NONE
 *
 * The DM is not trusted to follow the diagram. Whatever it writes, Tern
 * reads the state once per look and judges it with ioreq_sync_check():
 * forward moves are waited for, IORESP_READY is taken, and a state that
 * does not exist, a step backwards, or an answer nobody asked for is a
 * DM bug that crashes the guest with a message naming it (never a panic:
 * the hypervisor is fine). Xen's wait loop, xen/common/ioreq.c, makes the
 * same "weird state transition" check; Tern also refuses a slot the DM
 * reset to NONE under a pending request (Tern, not the DM, completes a
 * request when a server goes away).
 *
 * Context: any; no sleeping. Locking: none; a slot has one vCPU, and
 * only that vCPU's exit path, the callbacks of its server's ports, and
 * its server's end touch Tern's side of it (kernel/ioreq/send.c), which
 * one CPU never runs at the same time.
 */
#include <tern/ioreq.h>

enum ioreq_sync_verdict ioreq_sync_check(bool outstanding, unsigned int prev,
                                         unsigned int now)
{
    if (now > TERN_STATE_IORESP_READY)
        return IOREQ_SYNC_BAD_STATE;
    if (!outstanding)
        return now == TERN_STATE_IOREQ_NONE ? IOREQ_SYNC_IDLE
                                            : IOREQ_SYNC_UNSOLICITED;
    /* A request is out, so Tern has seen READY at least: NONE is a step
     * back too. */
    if (now == TERN_STATE_IOREQ_NONE || now < prev)
        return IOREQ_SYNC_BACKWARDS;
    /* READY -> IORESP_READY without INPROCESS is allowed: INPROCESS only
     * tells that the DM has the request. */
    return now == TERN_STATE_IORESP_READY ? IOREQ_SYNC_DONE : IOREQ_SYNC_WAIT;
}

const char *ioreq_sync_verdict_name(enum ioreq_sync_verdict v)
{
    switch (v) {
    case IOREQ_SYNC_IDLE:
        return "idle";
    case IOREQ_SYNC_WAIT:
        return "waiting for the device model";
    case IOREQ_SYNC_DONE:
        return "answered";
    case IOREQ_SYNC_BAD_STATE:
        return "device model wrote an invalid ioreq state";
    case IOREQ_SYNC_BACKWARDS:
        return "device model moved an ioreq state backwards";
    case IOREQ_SYNC_UNSOLICITED:
        return "device model answered an ioreq slot with no request";
    }
    return "unknown verdict";
}

const char *ioreq_sync_state_name(unsigned int state)
{
    static const char *const names[] = {
        [TERN_STATE_IOREQ_NONE] = "NONE",
        [TERN_STATE_IOREQ_READY] = "READY",
        [TERN_STATE_IOREQ_INPROCESS] = "INPROCESS",
        [TERN_STATE_IORESP_READY] = "IORESP_READY",
    };
    return state < ARRAY_SIZE(names) ? names[state] : "invalid";
}
