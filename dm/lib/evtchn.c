/*
 * dm/lib/evtchn.c: the receiver's side of event channels, in the
 * shared-info page (include/public/evtchn.h).
 *
 *   tern_shared_info()          the page, as start-info names it
 *   tern_time_ns()              Tern's clock there
 *   tern_evtchn_poll_pending()  the two-level scan: take every pending,
 *                               unmasked port and hand it to a callback
 *   tern_evtchn_mask()          set a mask bit (unmasking is a hypercall,
 *                               so that Tern can re-deliver)
 *
 * Tern sets pending bits, selector bits and upcall_pending while we run
 * (today only between our time slices, one day from another CPU), so
 * every read-modify-write here is atomic, and the order of the scan
 * matters: clear upcall_pending before taking the selector, and the
 * selector before the words, so that an event arriving mid-scan leaves
 * its bits set for the next scan instead of being lost.
 *
 * Context: ring 3, one vCPU.
 */
#include <lib.h>
#include <tern_dm.h>

struct tern_shared_info *tern_shared_info(void)
{
    return (struct tern_shared_info *)(uintptr_t)tern_start_info()->shared_info;
}

uint64_t tern_time_ns(void)
{
    return __atomic_load_n(&tern_shared_info()->time_ns, __ATOMIC_RELAXED);
}

int tern_evtchn_poll_pending(tern_evtchn_fn fn, void *arg)
{
    struct tern_shared_info *s = tern_shared_info();
    struct tern_vcpu_info *vi = &s->vcpu_info[0];
    int handled = 0;

    __atomic_store_n(&vi->upcall_pending, 0, __ATOMIC_SEQ_CST);
    uint64_t sel = __atomic_exchange_n(&vi->pending_sel, 0, __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned int w = (unsigned int)__builtin_ctzll(sel);
        sel &= sel - 1;
        if (w >= TERN_EVTCHN_WORDS)
            continue;
        /* Take pending & ~mask in one step: AND with the mask clears the
         * unmasked bits and leaves the masked ones pending. */
        uint64_t mask = __atomic_load_n(&s->evtchn_mask[w], __ATOMIC_SEQ_CST);
        uint64_t bits = __atomic_fetch_and(&s->evtchn_pending[w], mask,
                                           __ATOMIC_SEQ_CST) & ~mask;
        while (bits) {
            unsigned int b = (unsigned int)__builtin_ctzll(bits);
            bits &= bits - 1;
            fn(w * 64 + b, arg);
            handled++;
        }
    }
    return handled;
}

void tern_evtchn_mask(evtchn_port_t port)
{
    if (port >= TERN_EVTCHN_PORTS)
        return;
    __atomic_fetch_or(&tern_shared_info()->evtchn_mask[port / 64],
                      1ull << (port % 64), __ATOMIC_SEQ_CST);
}
