/*
 * kernel/ioreq/buffered.c: the buffered ioreq ring, Tern's side.
 *
 * Interface (include/tern/ioreq.h):
 *   ioreq_buf_can_buffer  may this request skip the wait?
 *   ioreq_buf_push        append it (two slots for 8 bytes) and publish
 *   ioreq_buf_pop         the consumer's side, for the unit tests and as
 *                         the reference for dm/ (Tern never consumes)
 *
 * The page (struct tern_buf_ioreq_page, include/public/ioreq.h) holds two
 * free-running uint32 counters and 511 slots; a counter value c names
 * slot c % 511. Tern alone writes the slots and write_pointer; the DM
 * alone advances read_pointer, with an atomic add. The ordering, in C11
 * terms:
 *
 *   Tern  write slot(s); add to write_pointer (release)
 *   DM    load the pair (acquire); read slot(s); add to read_pointer
 *         (release)
 *   Tern  load the pair (acquire); reuse the slots given back
 *
 * so the DM never sees a slot before its contents, and Tern never
 * overwrites a slot the DM is still reading.
 *
 * The wrap. 2^32 % 511 = 32: were the counters left to run past 2^32,
 * counter 2^32 + j would land in the slot of counter 2^32 - 32 + j, an
 * entry possibly not read yet. So before appending, Tern brings both
 * counters down by the same multiple of 511 once read_pointer reaches
 * 511: every slot index and the count stay the same, and the counters
 * stay below 1024, nowhere near 2^32. Both move in one 64-bit
 * compare-exchange of the pair, which fails (and is retried) if the DM
 * advanced read_pointer meanwhile; that is why the DM must add, not
 * store. The same discipline as Xen's HVM_IOREQSRV_BUFIOREQ_ATOMIC mode.
 *
 * Nothing the DM writes can make Tern touch memory outside the page:
 * every index is taken modulo 511, and a pair of counters more than 511
 * apart is reported (-TERN_EIO), not used.
 *
 * Context: any; no sleeping. Locking: one producer at a time per ring
 * (today one CPU runs everything; with several, the guest's ioreq lock,
 * as several vCPUs may write to the same device); the DM may run
 * concurrently on another CPU, and needs no lock thanks to the ordering
 * above.
 */
#include <tern/ioreq.h>

/* A compare-exchange fails only when the DM moved read_pointer between
 * our load and it; give up after this many and let the caller send the
 * request synchronously. */
#define CANONICALISE_TRIES  8

static uint32_t read_of(uint64_t pointers)
{
    return (uint32_t)pointers;                  /* bytes 0..3 */
}

static uint32_t write_of(uint64_t pointers)
{
    return (uint32_t)(pointers >> 32);          /* bytes 4..7 */
}

/* The size code of the header: 1, 2, 4, 8 bytes -> 0, 1, 2, 3. */
static uint32_t size_code(uint32_t size)
{
    return size == 8 ? 3 : size == 4 ? 2 : size == 2 ? 1 : 0;
}

bool ioreq_buf_can_buffer(const struct tern_ioreq *req)
{
    bool write = !(req->flags & TERN_IOREQ_DIR_READ);
    bool sized = req->size == 1 || req->size == 2 || req->size == 4 ||
                 req->size == 8;
    return (req->type == TERN_IOREQ_TYPE_PIO ||
            req->type == TERN_IOREQ_TYPE_COPY) &&
           write && sized && req->count == 1 &&
           !(req->flags & TERN_IOREQ_DATA_IS_PTR) &&
           req->addr < TERN_BUF_IOREQ_ADDR_LIMIT;
}

/*
 * Make read_pointer < 511 by taking the same multiple of 511 off both
 * counters. *pointers is a snapshot of the pair; on return it is the
 * pair as it now stands.
 */
static int canonicalise(struct tern_buf_ioreq_page *pg, uint64_t *pointers)
{
    for (int tries = 0; tries < CANONICALISE_TRIES; tries++) {
        uint32_t rp = read_of(*pointers), wp = write_of(*pointers);
        if (rp < TERN_BUF_IOREQ_SLOTS)
            return 0;
        uint32_t drop = rp - rp % TERN_BUF_IOREQ_SLOTS;
        uint64_t lower = (uint64_t)(wp - drop) << 32 | (rp - drop);
        /* On failure *pointers is reloaded with the DM's newer pair. */
        if (__atomic_compare_exchange_n(&pg->pointers, pointers, lower, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            *pointers = lower;
            return 0;
        }
    }
    return -TERN_EAGAIN;
}

int ioreq_buf_push(struct tern_buf_ioreq_page *pg, const struct tern_ioreq *req)
{
    if (!ioreq_buf_can_buffer(req))
        return -TERN_EINVAL;

    /* Acquire: the DM's reads of the slots it has given back are done.
     * Broken counters are refused before lowering could touch them. */
    uint64_t pointers = __atomic_load_n(&pg->pointers, __ATOMIC_ACQUIRE);
    if (ioreq_buf_used(read_of(pointers), write_of(pointers)) >
        TERN_BUF_IOREQ_SLOTS)
        return -TERN_EIO;
    int rc = canonicalise(pg, &pointers);
    if (rc)
        return rc;
    uint32_t wp = write_of(pointers);
    uint32_t used = ioreq_buf_used(read_of(pointers), wp);
    if (used > TERN_BUF_IOREQ_SLOTS)
        return -TERN_EIO;           /* the pair changed under us, badly */
    uint32_t need = req->size == 8 ? 2 : 1;
    if (TERN_BUF_IOREQ_SLOTS - used < need)
        return -TERN_ENOSPC;

    uint32_t hdr = req->type |
                   (uint32_t)TERN_IOREQ_WRITE << TERN_BUF_IOREQ_DIR_SHIFT |
                   size_code(req->size) << TERN_BUF_IOREQ_SIZE_SHIFT |
                   (uint32_t)req->addr << TERN_BUF_IOREQ_ADDR_SHIFT;
    pg->slot[wp % TERN_BUF_IOREQ_SLOTS] =
        (struct tern_buf_ioreq){ hdr, (uint32_t)req->data };
    if (need == 2)
        pg->slot[(wp + 1) % TERN_BUF_IOREQ_SLOTS] =
            (struct tern_buf_ioreq){ hdr, (uint32_t)(req->data >> 32) };
    /*
     * Release: the slots are written before the DM can see them counted.
     * write_pointer += need, as an add to the 64-bit pair: the same
     * object the DM loads, and a carry out of write_pointer falls off
     * the top instead of reaching read_pointer.
     */
    __atomic_fetch_add(&pg->pointers, (uint64_t)need << 32, __ATOMIC_RELEASE);
    return 0;
}

/*
 * read_pointer += n, with release: a compare-exchange of the pair, so it
 * composes with Tern's appends and lowering and cannot carry into
 * write_pointer. (A LOCK XADD on read_pointer alone does the same on
 * x86; this form keeps every access to the pair one 64-bit object, which
 * is what the C11 memory model, and ThreadSanitizer, can reason about.)
 */
static void advance_read_pointer(struct tern_buf_ioreq_page *pg,
                                 uint64_t pointers, uint32_t n)
{
    uint64_t next;
    do {
        next = (pointers & ~0xffffffffull) | (uint32_t)(read_of(pointers) + n);
    } while (!__atomic_compare_exchange_n(&pg->pointers, &pointers, next, false,
                                          __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

int ioreq_buf_pop(struct tern_buf_ioreq_page *pg, struct tern_ioreq *req)
{
    /* One 64-bit load: a pair Tern lowered between two 32-bit loads
     * would look like billions of requests. */
    uint64_t pointers = __atomic_load_n(&pg->pointers, __ATOMIC_ACQUIRE);
    uint32_t rp = read_of(pointers);
    uint32_t used = ioreq_buf_used(rp, write_of(pointers));
    if (used == 0)
        return 0;
    if (used > TERN_BUF_IOREQ_SLOTS)
        return -TERN_EIO;

    struct tern_buf_ioreq lo = pg->slot[rp % TERN_BUF_IOREQ_SLOTS];
    uint32_t code = (lo.hdr >> TERN_BUF_IOREQ_SIZE_SHIFT) &
                    TERN_BUF_IOREQ_SIZE_MASK;
    uint32_t take = code == 3 ? 2 : 1;
    uint64_t data = lo.data;
    if (take == 2) {
        /* The high half: published together with the low half, with the
         * same header. */
        struct tern_buf_ioreq hi = pg->slot[(rp + 1) % TERN_BUF_IOREQ_SLOTS];
        if (used < 2 || hi.hdr != lo.hdr)
            return -TERN_EIO;
        data |= (uint64_t)hi.data << 32;
    }
    uint32_t dir = (lo.hdr >> TERN_BUF_IOREQ_DIR_SHIFT) & 1;
    *req = (struct tern_ioreq){
        .addr = lo.hdr >> TERN_BUF_IOREQ_ADDR_SHIFT,
        .data = data,
        .count = 1,
        .size = 1u << code,
        .flags = (uint8_t)(dir << TERN_IOREQ_DIR_SHIFT),
        .type = (uint8_t)(lo.hdr & TERN_BUF_IOREQ_TYPE_MASK),
    };
    /* Our reads of the slots are done before Tern may reuse them. An
     * add, never a store: Tern may have lowered the pair meanwhile. */
    advance_read_pointer(pg, pointers, take);
    return 1;
}
