/*
 * kernel/ioreq/range.c: the ranges an ioreq server claims, and which
 * server an access goes to.
 *
 * Interface (include/tern/ioreq.h):
 *   ioreq_rangeset_add/remove/contains  one server's ranges of one type
 *   ioreq_range_select                  the server for a request
 *
 * A rangeset is a sorted array of at most TERN_DMOP_MAX_RANGES inclusive
 * ranges that neither overlap nor touch: adding a range merges it with
 * the ranges it touches, removing the middle of a range splits it. So a
 * run of addresses that is wholly claimed is always inside one entry,
 * and "does the server claim all of this access" is one binary search.
 * The merge/split rules and the errors (-TERN_EEXIST for a map that
 * overlaps, -TERN_ENOENT for an unmap of something not mapped) follow
 * the behaviour documented for Xen's map/unmap_io_range DM ops
 * (xen/include/public/hvm/dm_op.h); the fixed array replaces Xen's
 * allocated rangesets, so a full set is -TERN_ENOSPC and a failed call
 * changes nothing.
 *
 * Selection: the newest enabled server whose range of the access's type
 * holds the whole access. A partly claimed access goes to no server,
 * rather than to one that would see bytes it never asked for.
 *
 * Context: any; no allocation, no sleeping. Locking: the caller's: the
 * DM ops change a server's sets and the exit path selects, never at the
 * same time on one CPU (include/tern/ioreq.h says what several CPUs
 * will need).
 */
#include <tern/ioreq.h>
#include <tern/lib.h>

/* The index of the first range that ends at or after x (nr if none).
 * Ranges before it end before x. */
static unsigned int first_ending_at_or_after(const struct ioreq_rangeset *rs,
                                             uint64_t x)
{
    unsigned int lo = 0, hi = rs->nr;
    while (lo < hi) {
        unsigned int mid = lo + (hi - lo) / 2;
        if (rs->r[mid].last < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int ioreq_rangeset_add(struct ioreq_rangeset *rs, uint64_t first, uint64_t last)
{
    if (first > last)
        return -TERN_EINVAL;
    /* r[0..i-1] end before 'first'; r[i] is the first that could overlap. */
    unsigned int i = first_ending_at_or_after(rs, first);
    if (i < rs->nr && rs->r[i].first <= last)
        return -TERN_EEXIST;

    /* No overlap, so the "+ 1"s cannot wrap: r[i-1].last < first and
     * last < r[i].first. */
    bool join_left = i > 0 && rs->r[i - 1].last + 1 == first;
    bool join_right = i < rs->nr && last + 1 == rs->r[i].first;
    if (join_left && join_right) {
        /* It fills the gap between two ranges: they become one. */
        rs->r[i - 1].last = rs->r[i].last;
        memmove(&rs->r[i], &rs->r[i + 1], (rs->nr - i - 1) * sizeof(rs->r[0]));
        rs->nr--;
    } else if (join_left) {
        rs->r[i - 1].last = last;
    } else if (join_right) {
        rs->r[i].first = first;
    } else {
        if (rs->nr == TERN_DMOP_MAX_RANGES)
            return -TERN_ENOSPC;
        memmove(&rs->r[i + 1], &rs->r[i], (rs->nr - i) * sizeof(rs->r[0]));
        rs->r[i] = (struct ioreq_range){ first, last };
        rs->nr++;
    }
    return 0;
}

int ioreq_rangeset_remove(struct ioreq_rangeset *rs, uint64_t first,
                          uint64_t last)
{
    if (first > last)
        return -TERN_EINVAL;
    unsigned int i = first_ending_at_or_after(rs, first);
    if (i == rs->nr || rs->r[i].first > first || rs->r[i].last < last)
        return -TERN_ENOENT;

    struct ioreq_range *r = &rs->r[i];
    if (r->first == first && r->last == last) {
        memmove(r, r + 1, (rs->nr - i - 1) * sizeof(*r));
        rs->nr--;
    } else if (r->first == first) {
        r->first = last + 1;            /* last < r->last: no wrap */
    } else if (r->last == last) {
        r->last = first - 1;            /* first > r->first: no wrap */
    } else {
        /* The middle goes: [r.first, first-1] and [last+1, r.last]. */
        if (rs->nr == TERN_DMOP_MAX_RANGES)
            return -TERN_ENOSPC;
        memmove(r + 2, r + 1, (rs->nr - i - 1) * sizeof(*r));
        r[1] = (struct ioreq_range){ last + 1, r->last };
        r->last = first - 1;
        rs->nr++;
    }
    return 0;
}

bool ioreq_rangeset_contains(const struct ioreq_rangeset *rs, uint64_t first,
                             uint64_t last)
{
    if (first > last)
        return false;
    unsigned int i = first_ending_at_or_after(rs, first);
    return i < rs->nr && rs->r[i].first <= first && last <= rs->r[i].last;
}

/*
 * Where a request falls: which of a server's sets, and the span to look
 * for. False for a request no server can take.
 */
static bool request_span(const struct tern_ioreq *req, unsigned int *type,
                         uint64_t *first, uint64_t *last)
{
    if (req->size == 0 || req->size > 8)
        return false;
    switch (req->type) {
    case TERN_IOREQ_TYPE_PIO:
        *type = TERN_DMOP_IO_RANGE_PORT;
        break;
    case TERN_IOREQ_TYPE_COPY:
        *type = TERN_DMOP_IO_RANGE_MEMORY;
        break;
    case TERN_IOREQ_TYPE_PCI_CONFIG:
        /* A device is claimed whole: look up its SBDF alone. */
        *type = TERN_DMOP_IO_RANGE_PCI;
        *first = *last = req->addr >> 32;
        return true;
    default:
        return false;
    }
    *first = req->addr;
    *last = req->addr + req->size - 1;
    return *last >= *first;             /* not running past 2^64 */
}

struct ioreq_server *ioreq_range_select(struct ioreq_server *const servers[],
                                        unsigned int nr,
                                        const struct tern_ioreq *req)
{
    unsigned int type;
    uint64_t first, last;
    if (!request_span(req, &type, &first, &last))
        return NULL;

    struct ioreq_server *best = NULL;
    for (unsigned int i = 0; i < nr; i++) {
        struct ioreq_server *s = servers[i];
        if (!s || !s->enabled || (best && s->created < best->created))
            continue;
        if (ioreq_rangeset_contains(&s->ranges[type], first, last))
            best = s;
    }
    return best;
}
