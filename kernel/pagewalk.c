/*
 * kernel/pagewalk.c: the guest page-table walker.
 *
 * Interface (include/tern/pagewalk.h): pagewalk_translate() turns a guest
 * linear address into a guest-physical one the way the processor would,
 * or says which #PF (or, for a non-canonical address, #GP) the guest must
 * take instead.
 *
 * One loop walks every paging mode; the modes differ only in a few
 * numbers (levels, entry size, index width) and in their reserved bits,
 * which rsvd_bits() spells out per level from the tables of Intel SDM
 * Vol. 3A, "32-Bit Paging", "PAE Paging" and "4-Level Paging and 5-Level
 * Paging". Levels are numbered as the SDM's tables are: 1 is the page
 * table, 2 the page directory, 3 the PDPT, 4 the PML4, 5 the PML5.
 *
 * Order of checks, as the processor makes them: each entry on the way
 * down must be present (else P = 0 in the error code) and have no
 * reserved bit set (else P = 1, RSVD = 1); only then are the rights of
 * the whole path checked against the access (Intel SDM Vol. 3A, "Access
 * Rights"), and only a translation that succeeds sets accessed and dirty
 * bits. (The processor may already have set A in the upper entries of a
 * walk that then faults; we write nothing on a fault, a difference no
 * guest has reason to depend on.)
 *
 * Accessed and dirty bits are written one byte at a time through
 * ctx->write_gpa, with a plain write: the processor uses a locked
 * read-modify-write, so a guest that edits the low byte of an entry on
 * another vCPU while we walk it can lose that edit. Closing the race
 * needs a compare-and-exchange on guest memory.
 *
 * Context: any. Pure: no state, no lock, no allocation; everything comes
 * from the ctx and its callbacks. Unit-tested in tests/unit/test_pagewalk.c.
 */
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/pagewalk.h>
#include <tern/panic.h>

/*
 * The guest register bits the walk reads (Intel SDM Vol. 3A, "Control
 * Registers"; the IA32_EFER MSR in "Extended Feature Enable Register").
 * Spelled out here rather than taken from <tern/x86.h>: that header
 * carries the host's privileged instructions, so the host unit tests
 * replace it (tests/unit/stub.h), its bit names included.
 */
#define GUEST_CR0_WP    (1ull << 16)    /* supervisor writes obey R/W */
#define GUEST_CR0_PG    (1ull << 31)    /* paging on */
#define GUEST_CR4_PSE   (1ull << 4)     /* 4 MiB pages in 32-bit paging */
#define GUEST_CR4_PAE   (1ull << 5)     /* 64-bit entries */
#define GUEST_CR4_LA57  (1ull << 12)    /* 5-level paging in IA-32e mode */
#define GUEST_CR4_SMEP  (1ull << 20)    /* no supervisor fetch from user */
#define GUEST_CR4_SMAP  (1ull << 21)    /* no supervisor data on user */
#define GUEST_EFER_LMA  (1ull << 10)    /* IA-32e mode active */
#define GUEST_EFER_NXE  (1ull << 11)    /* bit 63 of entries is XD */

/*
 * Entry bits (PTE_P ... PTE_NX, PTE_ADDR) are the architectural ones of
 * <tern/mm.h>. A 32-bit entry is read zero-extended, so PTE_ADDR gives
 * its address bits 31:12 too; only CR3 and PSE-36 need their own masks.
 */
#define CR3_32BIT_ADDR  0xfffff000ull   /* the page directory */
#define PDE32_PSE36_SHIFT 13            /* 4 MiB PDE bits 20:13 hold */
#define PDE32_PSE36_MASK  0xffull       /* physical address bits 39:32 */
#define PAE_CR3_ADDR    0xffffffe0ull   /* PDPT: 32-byte aligned, < 4 GiB */

enum mode { MODE_32BIT, MODE_PAE, MODE_4LEVEL, MODE_5LEVEL };

/* One walk in progress. */
struct walk {
    const struct pagewalk_ctx *ctx;
    enum mode mode;
    unsigned int maxphyaddr;
    bool nxe;                   /* bit 63 is XD, not reserved */
    /* The entries used, top table first: value, where it lives, level. */
    struct {
        uint64_t val, gpa;
        unsigned int level;
    } used[5];
    unsigned int nr_used;
    /* The rights of the path: every entry allows writes / user access,
     * some entry forbids execution (Intel SDM Vol. 3A, "Access Rights"). */
    bool writable, user, nx;
};

/* Bits hi..lo of a 64-bit value set; none when hi < lo. */
static uint64_t bits(unsigned int hi, unsigned int lo)
{
    if (hi < lo)
        return 0;
    return (~0ull >> (63 - hi)) & (~0ull << lo);
}

static unsigned int top_level(enum mode mode)
{
    switch (mode) {
    case MODE_32BIT:  return 2;
    case MODE_PAE:    return 3;
    case MODE_4LEVEL: return 4;
    default:          return 5;
    }
}

/* The lowest linear-address bit that indexes a level's table. */
static unsigned int level_shift(const struct walk *w, unsigned int level)
{
    unsigned int index_bits = w->mode == MODE_32BIT ? 10 : 9;
    return PAGE_SHIFT + index_bits * (level - 1);
}

/* PAE's four PDPTEs act as registers (Intel SDM Vol. 3A, "PDPTE
 * Registers"): no rights, no accessed bit, reserved bits of their own. */
static bool is_pae_pdpte(const struct walk *w, unsigned int level)
{
    return w->mode == MODE_PAE && level == 3;
}

/* Does this present entry map a page rather than point to a table? */
static bool is_large(const struct walk *w, unsigned int level, uint64_t e)
{
    if (!(e & PTE_PS))
        return false;
    switch (w->mode) {
    case MODE_32BIT:
        /* Bit 7 of a PDE is ignored unless CR4.PSE. */
        return level == 2 && (w->ctx->cr4 & GUEST_CR4_PSE);
    default:
        /* 2 MiB PDEs and 1 GiB PDPTEs; PS elsewhere is reserved. */
        return level == 2 || (level == 3 && w->mode != MODE_PAE);
    }
}

/*
 * The bits of a present entry that must be 0, else #PF with RSVD (the
 * "Reserved (must be 0)" rows of the entry-format tables in Intel SDM
 * Vol. 3A, "32-Bit Paging", "PAE Paging", "4-Level Paging and 5-Level
 * Paging"). M is MAXPHYADDR.
 */
static uint64_t rsvd_bits(const struct walk *w, unsigned int level,
                          bool large)
{
    unsigned int m = w->maxphyaddr;

    if (w->mode == MODE_32BIT) {
        /*
         * Only a 4 MiB PDE has reserved bits. PSE-36 gives it at most 40
         * address bits: bits (M'-20):13 carry address bits (M'-1):32 and
         * bits 21:(M'-19) are reserved, with M' = min(M, 40).
         */
        unsigned int m40 = MIN(m, 40u);
        return large ? bits(21, m40 - 19) : 0;
    }
    /* Bit 5 (A) is reserved in PAE PDPTEs by both manuals, but QEMU's
     * TCG sets it when its CPU walks a PAE guest's tables (seen with
     * QEMU 7.2): a walker stricter than the CPU running the guest would
     * fault where that CPU does not, so bit 5 is let be. */
    if (is_pae_pdpte(w, level))
        return bits(63, m) | bits(8, 6) | bits(2, 1);

    /* Above the address: PAE reserves bits 62:M, 4- and 5-level only
     * 51:M (62:52 are ignored, or protection keys). */
    uint64_t r = bits(w->mode == MODE_PAE ? 62 : 51, m);
    if (!w->nxe)
        r |= PTE_NX;
    if (level >= 4)
        r |= PTE_PS;                    /* no 512 GiB or 256 TiB pages */
    if (large)
        r |= bits(level_shift(w, level) - 1, 13);  /* below the address,
                                                      above PAT (bit 12) */
    return r;
}

/* Read the entry at 'gpa'; 0 or the reader's error. */
static int read_entry(const struct walk *w, unsigned int level, uint64_t gpa,
                      unsigned int index, uint64_t *e)
{
    const struct pagewalk_ctx *ctx = w->ctx;
    int rc;

    if (is_pae_pdpte(w, level) && ctx->pdptes) {
        *e = ctx->pdptes[index];
        return 0;
    }
    if (w->mode == MODE_32BIT) {
        uint32_t v = 0;
        rc = ctx->read_gpa(ctx->opaque, gpa, &v, sizeof(v));
        *e = v;
    } else {
        rc = ctx->read_gpa(ctx->opaque, gpa, e, sizeof(*e));
    }
    return rc;
}

/*
 * A callback's error, kept apart from the results the walker itself
 * gives -EFAULT and -EINVAL (pagewalk.h).
 */
static int memory_error(int rc)
{
    return rc == -EFAULT || rc == -EINVAL || rc > 0 ? -EIO : rc;
}

/* Fold one entry into the path's rights and remember it for A/D. */
static void use_entry(struct walk *w, unsigned int level, uint64_t e,
                      uint64_t gpa)
{
    w->used[w->nr_used].val = e;
    w->used[w->nr_used].gpa = gpa;
    w->used[w->nr_used].level = level;
    w->nr_used++;
    if (is_pae_pdpte(w, level))
        return;
    w->writable = w->writable && (e & PTE_W);
    w->user = w->user && (e & PTE_U);
    w->nx = w->nx || (w->nxe && (e & PTE_NX));
}

/*
 * Walk from CR3 to the entry that maps 'gla'. Returns 0 with *gpa set,
 * -EFAULT with *fault = the P and RSVD bits of the error code, or the
 * reader's error.
 */
static int walk_tables(struct walk *w, uint64_t gla, uint64_t *gpa,
                       uint32_t *fault)
{
    const struct pagewalk_ctx *ctx = w->ctx;
    unsigned int level = top_level(w->mode);
    unsigned int index_mask = w->mode == MODE_32BIT ? 0x3ff : 0x1ff;
    unsigned int entry_size = w->mode == MODE_32BIT ? 4 : 8;
    uint64_t table;

    /* Where CR3 points (the "Use of CR3 with ..." table of each mode). */
    if (w->mode == MODE_32BIT)
        table = ctx->cr3 & CR3_32BIT_ADDR;
    else if (w->mode == MODE_PAE)
        table = ctx->cr3 & PAE_CR3_ADDR;
    else
        table = ctx->cr3 & bits(w->maxphyaddr - 1, PAGE_SHIFT);

    for (;;) {
        unsigned int shift = level_shift(w, level);
        /* For PAE's PDPT this is gla[31:30]: 'gla' has 32 bits there. */
        unsigned int index = (gla >> shift) & index_mask;
        uint64_t entry_gpa = table + (uint64_t)index * entry_size;
        uint64_t e;

        int rc = read_entry(w, level, entry_gpa, index, &e);
        if (rc)
            return memory_error(rc);
        if (!(e & PTE_P)) {
            *fault = 0;
            return -EFAULT;
        }
        bool large = is_large(w, level, e);
        if (e & rsvd_bits(w, level, large)) {
            *fault = PAGEWALK_PFEC_P | PAGEWALK_PFEC_RSVD;
            return -EFAULT;
        }
        use_entry(w, level, e, entry_gpa);

        if (level == 1 || large) {
            uint64_t offset = gla & bits(shift - 1, 0);
            *gpa = (e & PTE_ADDR & ~bits(shift - 1, 0)) | offset;
            /* PSE-36: a 4 MiB page can lie above 4 GiB. */
            if (w->mode == MODE_32BIT && large)
                *gpa |= ((e >> PDE32_PSE36_SHIFT) & PDE32_PSE36_MASK) << 32;
            return 0;
        }
        table = e & PTE_ADDR;
        level--;
    }
}

/*
 * May this access go ahead with the path's rights? Intel SDM Vol. 3A,
 * "Access Rights": user accesses need U/S = 1 everywhere, and R/W = 1
 * everywhere to write; supervisor writes need R/W only under CR0.WP;
 * XD forbids fetches; SMEP forbids supervisor fetches from user pages,
 * SMAP supervisor data accesses to them unless RFLAGS.AC allows.
 */
static bool access_allowed(const struct walk *w, bool write, bool fetch)
{
    const struct pagewalk_ctx *ctx = w->ctx;

    if (ctx->user) {
        if (!w->user)
            return false;
        if (fetch)
            return !w->nx;
        return !write || w->writable;
    }
    if (fetch) {
        if (w->user && (ctx->cr4 & GUEST_CR4_SMEP))
            return false;
        return !w->nx;
    }
    if (w->user && (ctx->cr4 & GUEST_CR4_SMAP) && !ctx->ac)
        return false;
    return !write || w->writable || !(ctx->cr0 & GUEST_CR0_WP);
}

/*
 * The rest of the error code, from the access alone (Intel SDM Vol. 3A,
 * "Page-Fault Exceptions"). I/D is set for a fetch only where the
 * processor could fault on one for its own sake: with SMEP, or with XD
 * (CR4.PAE and EFER.NXE).
 */
static uint32_t access_pfec(const struct pagewalk_ctx *ctx, bool write,
                            bool fetch)
{
    uint32_t pfec = 0;

    if (write)
        pfec |= PAGEWALK_PFEC_W;
    if (ctx->user)
        pfec |= PAGEWALK_PFEC_U;
    if (fetch && ((ctx->cr4 & GUEST_CR4_SMEP) ||
                  ((ctx->cr4 & GUEST_CR4_PAE) && (ctx->efer & GUEST_EFER_NXE))))
        pfec |= PAGEWALK_PFEC_I;
    return pfec;
}

/*
 * Set A in every entry used and, for a write, D in the one that mapped
 * the page (Intel SDM Vol. 3A, "Accessed and Dirty Flags"). Both live in
 * an entry's low byte (A bit 5, D bit 6), so only that byte is written,
 * and only when it changes.
 */
static int set_accessed_dirty(const struct walk *w, bool write)
{
    const struct pagewalk_ctx *ctx = w->ctx;

    if (!ctx->write_gpa)
        return 0;
    for (unsigned int i = 0; i < w->nr_used; i++) {
        if (is_pae_pdpte(w, w->used[i].level))
            continue;
        uint64_t e = w->used[i].val | PTE_A;
        if (write && i == w->nr_used - 1)
            e |= PTE_D;
        if (e == w->used[i].val)
            continue;
        uint8_t low = (uint8_t)e;
        int rc = ctx->write_gpa(ctx->opaque, w->used[i].gpa, &low, 1);
        if (rc)
            return memory_error(rc);
    }
    return 0;
}

static bool is_canonical(uint64_t gla, unsigned int va_bits)
{
    unsigned int unused = 64 - va_bits;
    return (uint64_t)((int64_t)(gla << unused) >> unused) == gla;
}

int pagewalk_translate(const struct pagewalk_ctx *ctx, uint64_t gla,
                       unsigned int access, uint64_t *gpa, uint32_t *pfec)
{
    /* The caller's bugs, not the guest's. */
    ASSERT(!(access & ~(PAGEWALK_WRITE | PAGEWALK_FETCH)));
    ASSERT(access != (PAGEWALK_WRITE | PAGEWALK_FETCH));
    ASSERT(ctx->maxphyaddr == 0 ||
           (ctx->maxphyaddr >= 32 && ctx->maxphyaddr <= 52));

    /* Paging off: linear is physical, 32 bits wide (IA-32e mode needs
     * CR0.PG, so there is no 64-bit case). */
    if (!(ctx->cr0 & GUEST_CR0_PG)) {
        *gpa = (uint32_t)gla;
        return 0;
    }

    struct walk w = {
        .ctx = ctx,
        .maxphyaddr = ctx->maxphyaddr ? ctx->maxphyaddr : 52,
        .nxe = ctx->efer & GUEST_EFER_NXE,
        .writable = true,
        .user = true,
    };
    /* Intel SDM Vol. 3A, "Paging Modes and Control Bits". */
    if (ctx->efer & GUEST_EFER_LMA)
        w.mode = ctx->cr4 & GUEST_CR4_LA57 ? MODE_5LEVEL : MODE_4LEVEL;
    else
        w.mode = ctx->cr4 & GUEST_CR4_PAE ? MODE_PAE : MODE_32BIT;

    /* Outside IA-32e mode linear addresses have 32 bits; inside, the
     * bits above the top level's index must copy its top bit (Intel SDM
     * Vol. 1, "Canonical Addressing"). */
    if (w.mode == MODE_4LEVEL || w.mode == MODE_5LEVEL) {
        if (!is_canonical(gla, w.mode == MODE_5LEVEL ? 57 : 48))
            return -EINVAL;
    } else {
        gla = (uint32_t)gla;
    }

    bool fetch = access & PAGEWALK_FETCH;
    bool write = access & PAGEWALK_WRITE;
    uint32_t fault = 0;
    uint64_t addr;
    int rc = walk_tables(&w, gla, &addr, &fault);
    if (rc == 0 && !access_allowed(&w, write, fetch)) {
        fault = PAGEWALK_PFEC_P;        /* present, but not for this */
        rc = -EFAULT;
    }
    if (rc == -EFAULT)
        *pfec = fault | access_pfec(ctx, write, fetch);
    if (rc)
        return rc;

    rc = set_accessed_dirty(&w, write);
    if (rc)
        return rc;
    *gpa = addr;
    return 0;
}
