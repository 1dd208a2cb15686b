/*
 * tests/unit/test_pagewalk.c: the guest page-table walker
 * (kernel/pagewalk.c).
 *
 * Page tables are built by hand in a fake guest-physical memory, with
 * entry addresses worked out in the comments, so that the tests do not
 * share the walker's index arithmetic. The register and error-code bits
 * are spelled here from the SDM, not taken from the walker, for the same
 * reason (Intel SDM Vol. 3A, "Control Registers", "Page-Fault
 * Exceptions").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "stub.h"
#include <tern/errno.h>
#include <tern/mm.h>
#include <tern/pagewalk.h>

#define CR0_PE      (1ull << 0)
#define CR0_WP      (1ull << 16)
#define CR0_PG      (1ull << 31)
#define CR4_PSE     (1ull << 4)
#define CR4_PAE     (1ull << 5)
#define CR4_LA57    (1ull << 12)
#define CR4_SMEP    (1ull << 20)
#define CR4_SMAP    (1ull << 21)
#define EFER_LME    (1ull << 8)
#define EFER_LMA    (1ull << 10)
#define EFER_NXE    (1ull << 11)

/* Error codes, by the SDM's bit positions. */
#define PF_P        0x01u
#define PF_W        0x02u
#define PF_U        0x04u
#define PF_RSVD     0x08u
#define PF_I        0x10u

#define RWU         (PTE_P | PTE_W | PTE_U)
#define NO_PFEC     0xdeadbeefu     /* "pfec was not written" */
#define NO_GPA      0xdeadbeefdeadull

/* ---- fake guest-physical memory ---- */

static uint8_t mem[64 * 1024];
/* The same memory shows again at 1 TiB: tables above 4 GiB. */
#define HIGH_ALIAS  (1ull << 40)

static struct {
    unsigned int reads;
    uint64_t fail_read;         /* a read here fails ... */
    uint64_t fail_write;        /* ... or a write here ... */
    int fail_rc;                /* ... with this */
    unsigned int nr_writes;
    struct {
        uint64_t gpa;
        size_t len;
    } writes[16];
} io;

static int fake_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    assert_ptr_equal(opaque, &io);
    io.reads++;
    if (gpa == io.fail_read)
        return io.fail_rc;
    uint64_t off = gpa >= HIGH_ALIAS ? gpa - HIGH_ALIAS : gpa;
    if (off >= sizeof(mem) || len > sizeof(mem) - off)
        return -ENOENT;
    memcpy(buf, mem + off, len);
    return 0;
}

static int fake_write(void *opaque, uint64_t gpa, const void *buf,
                      size_t len)
{
    assert_ptr_equal(opaque, &io);
    if (gpa == io.fail_write)
        return io.fail_rc;
    assert_true(io.nr_writes < 16);
    io.writes[io.nr_writes].gpa = gpa;
    io.writes[io.nr_writes].len = len;
    io.nr_writes++;
    uint64_t off = gpa >= HIGH_ALIAS ? gpa - HIGH_ALIAS : gpa;
    assert_true(off < sizeof(mem) && len <= sizeof(mem) - off);
    memcpy(mem + off, buf, len);
    return 0;
}

static void put32(uint64_t gpa, uint32_t v) { memcpy(mem + gpa, &v, 4); }
static void put64(uint64_t gpa, uint64_t v) { memcpy(mem + gpa, &v, 8); }

static uint32_t get32(uint64_t gpa)
{
    uint32_t v;
    memcpy(&v, mem + gpa, 4);
    return v;
}

static uint64_t get64(uint64_t gpa)
{
    uint64_t v;
    memcpy(&v, mem + gpa, 8);
    return v;
}

static struct pagewalk_ctx ctx;

static int reset(void **state)
{
    memset(mem, 0, sizeof(mem));
    memset(&io, 0, sizeof(io));
    io.fail_read = io.fail_write = ~0ull;
    ctx = (struct pagewalk_ctx){
        .read_gpa = fake_read,
        .write_gpa = fake_write,
        .opaque = &io,
    };
    return 0;
}

/* Translate; returns rc, with the results in *gpa and *pfec. */
static int xlate(uint64_t gla, unsigned int access, uint64_t *gpa,
                 uint32_t *pfec)
{
    *gpa = NO_GPA;
    *pfec = NO_PFEC;
    return pagewalk_translate(&ctx, gla, access, gpa, pfec);
}

/* The guest-physical address of 'gla', asserting success. */
static uint64_t gpa_of(uint64_t gla, unsigned int access)
{
    uint64_t gpa;
    uint32_t pfec;
    assert_int_equal(xlate(gla, access, &gpa, &pfec), 0);
    assert_int_equal(pfec, NO_PFEC);
    return gpa;
}

/* The #PF error code 'gla' faults with, asserting a fault. */
static uint32_t pfec_of(uint64_t gla, unsigned int access)
{
    uint64_t gpa;
    uint32_t pfec;
    assert_int_equal(xlate(gla, access, &gpa, &pfec), -EFAULT);
    assert_int_equal(gpa, NO_GPA);
    return pfec;
}

/* ---- layouts ---- */

/*
 * 4-level: G4K = 0x40603abc has PML4/PDPT/PD/PT indices 0/1/3/3, so its
 * entries sit at 0x1000, 0x2008, 0x3018, 0x4018; the page is 0x1234000.
 * G2M = 0x40800123 uses PD index 4 (0x3020), a 2 MiB page at 0x2600000.
 * G1G = 0x80000456 uses PDPT index 2 (0x2010), a 1 GiB page at 5 GiB.
 */
#define G4K         0x40603abcull
#define G2M         0x40800123ull
#define G1G         0x80000456ull
#define PML4E       0x1000
#define PDPTE       0x2008
#define PDE         0x3018
#define PTE         0x4018
#define PDE_2M      0x3020
#define PDPTE_1G    0x2010

static void long_mode(uint64_t efer_extra)
{
    ctx.cr0 = CR0_PG | CR0_WP | CR0_PE;
    ctx.cr4 = CR4_PAE;
    ctx.efer = EFER_LME | EFER_LMA | efer_extra;
    ctx.cr3 = 0x1000;
    put64(PML4E, 0x2000 | RWU);
    put64(PDPTE, 0x3000 | RWU);
    put64(PDE, 0x4000 | RWU);
    put64(PTE, 0x1234000 | RWU);
    put64(PDE_2M, 0x2600000 | PTE_PS | RWU);
    put64(PDPTE_1G, 0x140000000ull | PTE_PS | RWU);
}

/*
 * 32-bit: CR3 = 0x1000. G32 = 0x08048abc has PD index 0x20 (PDE at
 * 0x1080) and PT index 0x48 (PTE at 0x2120); the next page's PTE is at
 * 0x2124. G32_4M = 0xc0123456 has PD index 0x300 (PDE at 0x1c00).
 */
#define G32         0x08048abcull
#define G32_4M      0xc0123456ull
#define PDE32       0x1080
#define PTE32       0x2120
#define PDE32_4M    0x1c00

static void paging32(uint64_t cr4_extra)
{
    ctx.cr0 = CR0_PG | CR0_WP | CR0_PE;
    ctx.cr4 = cr4_extra;
    ctx.cr3 = 0x1000;
    put32(PDE32, 0x2000 | RWU);
    put32(PTE32, 0x123000 | RWU);
    put32(PTE32 + 4, 0x777000 | RWU);
    put32(PDE32_4M, 0x08400000 | PTE_PS | RWU);
}

/*
 * PAE: CR3 = 0x1020, a PDPT that is 32-byte but not page aligned.
 * GPAE = 0xc0201abc: PDPTE 3 (0x1038), PD index 1 (0x2008), PT index 1
 * (0x3008), page at 0x123456000 (above 4 GiB). GPAE_2M = 0x40400123:
 * PDPTE 1 (0x1028), PD index 2 (0x4010), a 2 MiB page at 0x200600000.
 */
#define GPAE        0xc0201abcull
#define GPAE_2M     0x40400123ull
#define PDPTE_PAE   0x1038
#define PDE_PAE     0x2008
#define PTE_PAE     0x3008
#define PDPTE_PAE_2M 0x1028
#define PDE_PAE_2M  0x4010

static void paging_pae(uint64_t efer_extra)
{
    ctx.cr0 = CR0_PG | CR0_WP | CR0_PE;
    ctx.cr4 = CR4_PAE;
    ctx.efer = efer_extra;
    ctx.cr3 = 0x1020;
    put64(PDPTE_PAE, 0x2000 | PTE_P);
    put64(PDE_PAE, 0x3000 | RWU);
    put64(PTE_PAE, 0x123456000ull | RWU);
    put64(PDPTE_PAE_2M, 0x4000 | PTE_P);
    put64(PDE_PAE_2M, 0x200600000ull | PTE_PS | RWU);
}

/* ---- paging off ---- */

static void test_pfec_bits_are_the_sdms(void **state)
{
    assert_int_equal(PAGEWALK_PFEC_P, PF_P);
    assert_int_equal(PAGEWALK_PFEC_W, PF_W);
    assert_int_equal(PAGEWALK_PFEC_U, PF_U);
    assert_int_equal(PAGEWALK_PFEC_RSVD, PF_RSVD);
    assert_int_equal(PAGEWALK_PFEC_I, PF_I);
}

static void test_paging_off_is_identity_in_32_bits(void **state)
{
    ctx.cr0 = CR0_PE;                   /* protected mode, no paging */
    ctx.cr4 = CR4_PAE;                  /* ignored without CR0.PG */
    assert_int_equal(gpa_of(0x12345678, 0), 0x12345678);
    assert_int_equal(gpa_of(0x123456789ull, PAGEWALK_WRITE), 0x23456789);
    assert_int_equal(gpa_of(0xffffffffffffffffull, PAGEWALK_FETCH),
                     0xffffffff);
    assert_int_equal(io.reads, 0);
    ctx.cr0 = 0;                        /* real mode */
    assert_int_equal(gpa_of(0xb8000, 0), 0xb8000);
}

/* ---- 32-bit paging ---- */

static void test_32bit_4k_pages(void **state)
{
    paging32(0);
    ctx.cr3 |= 0x18;                    /* PWT, PCD: not address bits */
    assert_int_equal(gpa_of(G32, 0), 0x123abc);
    assert_int_equal(gpa_of(0x08048000, 0), 0x123000);
    assert_int_equal(gpa_of(0x08048fff, 0), 0x123fff);
    assert_int_equal(gpa_of(0x08049000, 0), 0x777000);   /* next PTE */
    assert_int_equal(gpa_of(0x08049fff, PAGEWALK_WRITE), 0x777fff);
    /* Linear addresses have 32 bits: the rest is dropped. */
    assert_int_equal(gpa_of(0xffffffff00000000ull | G32, 0), 0x123abc);
}

static void test_32bit_4m_pages_need_cr4_pse(void **state)
{
    paging32(CR4_PSE);
    assert_int_equal(gpa_of(G32_4M, 0), 0x08523456);
    assert_int_equal(gpa_of(0xc0000000, 0), 0x08400000);
    assert_int_equal(gpa_of(0xc03fffff, 0), 0x087fffff);
    assert_int_equal(io.reads, 3);      /* one entry per walk */

    /* Without CR4.PSE, PS is ignored: the PDE points to a page table. */
    put32(PDE32, 0x3000 | PTE_PS | RWU);
    put32(0x3000 + 0x48 * 4, 0x999000 | RWU);
    ctx.cr4 = 0;
    assert_int_equal(gpa_of(G32, 0), 0x999abc);
    /* With it, the same PDE maps 4 MiB at 4 GiB: bit 12 is PAT, bit 13
     * is address bit 32. */
    ctx.cr4 = CR4_PSE;
    assert_int_equal(gpa_of(G32, 0), 0x100048abcull);
}

static void test_32bit_pse36_high_bits(void **state)
{
    paging32(CR4_PSE);
    /* Bits 20:13 carry physical address bits 39:32. */
    put32(PDE32_4M, 0x08400000 | (0xa5 << 13) | PTE_PS | RWU);
    assert_int_equal(gpa_of(G32_4M, 0), 0xa508523456ull);
    /* 40 bits at most: bit 21 is reserved even with MAXPHYADDR 52. */
    put32(PDE32_4M, 0x08400000 | (1u << 21) | PTE_PS | RWU);
    assert_int_equal(pfec_of(G32_4M, 0), PF_P | PF_RSVD);

    /* MAXPHYADDR 36: bits 16:13 are address bits 35:32, 21:17 reserved. */
    ctx.maxphyaddr = 36;
    put32(PDE32_4M, 0x08400000 | (0xa << 13) | PTE_PS | RWU);
    assert_int_equal(gpa_of(G32_4M, 0), 0xa08523456ull);
    put32(PDE32_4M, 0x08400000 | (1u << 17) | PTE_PS | RWU);
    assert_int_equal(pfec_of(G32_4M, PAGEWALK_WRITE),
                     PF_P | PF_RSVD | PF_W);
}

static void test_32bit_has_no_xd_and_no_reserved_4k_bits(void **state)
{
    paging32(0);
    ctx.efer = EFER_NXE;                /* no effect on 32-bit entries */
    put32(PDE32, 0x2000 | 0xf00 | PTE_PS | RWU);    /* ignored bits */
    put32(PTE32, 0x123000 | PTE_PS | PTE_G | RWU);  /* PAT, G */
    assert_int_equal(gpa_of(G32, PAGEWALK_FETCH), 0x123abc);
    /* A fetch fault has I/D clear: no XD and no SMEP in this mode. */
    put32(PTE32, 0x123000 | PTE_P);
    ctx.user = true;
    assert_int_equal(pfec_of(G32, PAGEWALK_FETCH), PF_P | PF_U);
}

/* ---- PAE paging ---- */

static void test_pae_4k_and_2m_pages(void **state)
{
    paging_pae(0);
    assert_int_equal(gpa_of(GPAE, 0), 0x123456abcull);
    assert_int_equal(gpa_of(0xc0201000, 0), 0x123456000ull);
    assert_int_equal(gpa_of(0xc0201fff, 0), 0x123456fffull);
    assert_int_equal(gpa_of(GPAE_2M, 0), 0x200600123ull);
    assert_int_equal(gpa_of(0x40400000, 0), 0x200600000ull);
    assert_int_equal(gpa_of(0x405fffff, 0), 0x2007fffffull);
    /* 32-bit linear addresses: upper bits are dropped. */
    assert_int_equal(gpa_of(0xffffffff00000000ull | GPAE, 0),
                     0x123456abcull);
    /* The next 2 MiB (PDE index 3, at 0x4018) is not mapped. */
    assert_int_equal(pfec_of(0x40600000, 0), 0);
}

static void test_pae_pdpte_reserved_bits(void **state)
{
    /* Bits 2:1, 8:6 and 63:M of a PDPTE are reserved; it has no R/W,
     * U/S or XD. Bit 63 is reserved even with EFER.NXE. */
    static const uint64_t bad[] = {
        PTE_W, PTE_U, PTE_D, PTE_PS, PTE_G, PTE_NX, 1ull << 52,
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        paging_pae(EFER_NXE);
        put64(PDPTE_PAE, 0x2000 | PTE_P | bad[i]);
        assert_int_equal(pfec_of(GPAE, 0), PF_P | PF_RSVD);
    }
    /* PWT, PCD and the ignored bits 11:9 are fine; so is A (bit 5),
     * reserved by the manuals but set by QEMU's CPU (pagewalk.c). */
    put64(PDPTE_PAE, 0x2000 | PTE_P | PTE_PWT | PTE_PCD | 0xe00);
    assert_int_equal(gpa_of(GPAE, 0), 0x123456abcull);
    put64(PDPTE_PAE, 0x2000 | PTE_P | PTE_A);
    assert_int_equal(gpa_of(GPAE, 0), 0x123456abcull);
    /* Not present wins over reserved bits. */
    put64(PDPTE_PAE, 0x2000 | PTE_W);
    assert_int_equal(pfec_of(GPAE, PAGEWALK_WRITE), PF_W);
}

static void test_pae_reserves_bits_62_to_maxphyaddr(void **state)
{
    paging_pae(0);
    put64(PTE_PAE, 0x123456000ull | (1ull << 62) | RWU);
    assert_int_equal(pfec_of(GPAE, 0), PF_P | PF_RSVD);
    /* 2 MiB PDE: bits 20:13 reserved, bit 12 is PAT. */
    put64(PDE_PAE_2M, 0x200600000ull | (1ull << 13) | PTE_PS | RWU);
    assert_int_equal(pfec_of(GPAE_2M, 0), PF_P | PF_RSVD);
    put64(PDE_PAE_2M, 0x200600000ull | (1ull << 12) | PTE_PS | RWU);
    assert_int_equal(gpa_of(GPAE_2M, 0), 0x200600123ull);
    /* XD is reserved without EFER.NXE. */
    put64(PTE_PAE, 0x123456000ull | PTE_NX | RWU);
    assert_int_equal(pfec_of(GPAE, 0), PF_P | PF_RSVD);
    ctx.efer = EFER_NXE;
    assert_int_equal(gpa_of(GPAE, 0), 0x123456abcull);
    assert_int_equal(pfec_of(GPAE, PAGEWALK_FETCH), PF_P | PF_I);
}

static void test_pae_pdptes_from_ctx(void **state)
{
    paging_pae(0);
    /* The registers say PDPTE 3 points to 0x5000; memory says 0x2000. */
    uint64_t regs[4] = { 0, 0x4000 | PTE_P, 0, 0x5000 | PTE_P };
    put64(0x5008, 0x6000 | RWU);
    put64(0x6008, 0xabc000 | RWU);
    ctx.pdptes = regs;
    assert_int_equal(gpa_of(GPAE, PAGEWALK_WRITE), 0xabcabcull);
    assert_int_equal(io.reads, 2);      /* PDE and PTE only */
    /* A and D went to the PDE and PTE; the PDPTE has neither. */
    assert_int_equal(io.nr_writes, 2);
    assert_int_equal(io.writes[0].gpa, 0x5008);
    assert_int_equal(io.writes[1].gpa, 0x6008);
    assert_int_equal(regs[3], 0x5000 | PTE_P);
    regs[3] = 0;
    assert_int_equal(pfec_of(GPAE, 0), 0);
}

/* ---- 4-level and 5-level paging ---- */

static void test_4level_4k_page_by_hand(void **state)
{
    long_mode(0);
    /*
     * 0x00007f1234567abc: PML4 index 0xfe (entry at 0x17f0), PDPT 0x48
     * (0x5240), PD 0x1a2 (0x6d10), PT 0x167 (0x7b38), offset 0xabc.
     */
    ctx.cr3 = 0x1000 | 0x18;
    put64(0x17f0, 0x5000 | RWU);
    put64(0x5240, 0x6000 | RWU);
    put64(0x6d10, 0x7000 | RWU);
    put64(0x7b38, 0xabcdef01000ull | RWU);
    assert_int_equal(gpa_of(0x00007f1234567abcull, 0), 0xabcdef01abcull);
    assert_int_equal(gpa_of(0x00007f1234567000ull, 0), 0xabcdef01000ull);
    assert_int_equal(gpa_of(0x00007f1234567fffull, 0), 0xabcdef01fffull);
    /* Upper half: PML4 index 0x100 (0x1800), then index 0 and PT 1. */
    put64(0x1800, 0x8000 | RWU);
    put64(0x8000, 0x9000 | RWU);
    put64(0x9000, 0xa000 | RWU);
    put64(0xa008, 0x42000 | RWU);
    assert_int_equal(gpa_of(0xffff800000001234ull, 0), 0x42234);
}

static void test_4level_large_pages(void **state)
{
    long_mode(0);
    assert_int_equal(gpa_of(G4K, 0), 0x1234abc);
    assert_int_equal(gpa_of(G2M, 0), 0x2600123);
    assert_int_equal(gpa_of(0x40800000, 0), 0x2600000);
    assert_int_equal(gpa_of(0x409fffff, 0), 0x27fffff);
    assert_int_equal(gpa_of(G1G, 0), 0x140000456ull);
    assert_int_equal(gpa_of(0x80000000, 0), 0x140000000ull);
    assert_int_equal(gpa_of(0xbfffffff, 0), 0x17fffffffull);
    /* PAT (bit 12) of a large page is not an address bit. */
    put64(PDPTE_1G, 0x140000000ull | (1ull << 12) | PTE_PS | RWU);
    assert_int_equal(gpa_of(G1G, 0), 0x140000456ull);
}

static void test_4level_reserved_bits(void **state)
{
    /* Per entry, a bit that is reserved there. */
    static const struct {
        uint64_t gpa, good, bad;
        uint64_t gla;
    } cases[] = {
        { PML4E, 0x2000 | RWU, PTE_PS },                /* no 512 GiB */
        { PML4E, 0x2000 | RWU, PTE_NX },                /* no NXE */
        { PML4E, 0x2000 | RWU, 1ull << 51 },            /* >= M (46) */
        { PDPTE, 0x3000 | RWU, 1ull << 46 },
        { PDE, 0x4000 | RWU, PTE_NX },
        { PTE, 0x1234000 | RWU, 1ull << 47 },
        { PDE_2M, 0x2600000 | PTE_PS | RWU, 1ull << 20, G2M },
        { PDE_2M, 0x2600000 | PTE_PS | RWU, 1ull << 13, G2M },
        { PDPTE_1G, 0x140000000ull | PTE_PS | RWU, 1ull << 29, G1G },
        { PDPTE_1G, 0x140000000ull | PTE_PS | RWU, 1ull << 13, G1G },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint64_t gla = cases[i].gla ? cases[i].gla : G4K;
        reset(NULL);
        long_mode(0);
        ctx.maxphyaddr = 46;
        put64(cases[i].gpa, cases[i].good | cases[i].bad);
        assert_int_equal(pfec_of(gla, PAGEWALK_WRITE),
                         PF_P | PF_RSVD | PF_W);
        assert_int_equal(io.nr_writes, 0);
        /* Not present beats reserved. */
        put64(cases[i].gpa, (cases[i].good | cases[i].bad) & ~PTE_P);
        assert_int_equal(pfec_of(gla, 0), 0);
    }

    /* With M = 52, bits 51:46 are address bits; 62:52 are ignored. */
    reset(NULL);
    long_mode(0);
    put64(PTE, 0x000f000001234000ull | (0x7ffull << 52) | RWU);
    assert_int_equal(gpa_of(G4K, 0), 0x000f000001234abcull);
}

static void test_tables_above_4g(void **state)
{
    long_mode(0);
    put64(PDE, (HIGH_ALIAS + 0x4000) | RWU);
    assert_int_equal(gpa_of(G4K, PAGEWALK_WRITE), 0x1234abc);
    assert_int_equal(io.writes[3].gpa, HIGH_ALIAS + PTE);  /* D and A */
    assert_int_equal(get64(PTE), 0x1234000 | RWU | PTE_A | PTE_D);

    /* PAE entries hold 64-bit addresses too. */
    reset(NULL);
    paging_pae(0);
    put64(PDPTE_PAE, (HIGH_ALIAS + 0x2000) | PTE_P);
    assert_int_equal(gpa_of(GPAE, 0), 0x123456abcull);
}

static void test_canonical_addresses(void **state)
{
    long_mode(0);
    uint64_t gpa;
    uint32_t pfec;
    assert_int_equal(xlate(0x0000800000000000ull, 0, &gpa, &pfec), -EINVAL);
    assert_int_equal(xlate(0xffff7fffffffffffull, 0, &gpa, &pfec), -EINVAL);
    assert_int_equal(xlate(0x8000000000000000ull, PAGEWALK_FETCH, &gpa,
                           &pfec), -EINVAL);
    assert_int_equal(pfec, NO_PFEC);
    assert_int_equal(gpa, NO_GPA);
    assert_int_equal(io.reads, 0);
    /* The edges that are canonical reach the walk (and fault there). */
    assert_int_equal(xlate(0x00007fffffffffffull, 0, &gpa, &pfec), -EFAULT);
    assert_int_equal(xlate(0xffff800000000000ull, 0, &gpa, &pfec), -EFAULT);
}

static void test_5level(void **state)
{
    long_mode(0);
    ctx.cr4 |= CR4_LA57;
    /*
     * 0x00ff812345678abc: PML5 index 0xff (0x17f8), PML4 0x102 (0x5810),
     * PDPT 0x8d (0x6468), PD 0x2b (0x7158), a 2 MiB page, offset 0x78abc.
     */
    put64(0x17f8, 0x5000 | RWU);
    put64(0x5810, 0x6000 | RWU);
    put64(0x6468, 0x7000 | RWU);
    put64(0x7158, 0x3e00000 | PTE_PS | RWU);
    assert_int_equal(gpa_of(0x00ff812345678abcull, 0), 0x3e78abc);
    assert_int_equal(io.reads, 4);
    /* Canonical in 57 bits, not in 58; 48-bit rules no longer apply. */
    uint64_t gpa;
    uint32_t pfec;
    assert_int_equal(xlate(0x0100000000000000ull, 0, &gpa, &pfec), -EINVAL);
    assert_int_equal(xlate(0xff00000000000000ull, 0, &gpa, &pfec), -EFAULT);
    /* PS in a PML5E is reserved too. */
    put64(0x17f8, 0x5000 | PTE_PS | RWU);
    assert_int_equal(pfec_of(0x00ff812345678abcull, 0), PF_P | PF_RSVD);
    /* Without LA57 the same address is not canonical. */
    ctx.cr4 &= ~CR4_LA57;
    assert_int_equal(xlate(0x00ff812345678abcull, 0, &gpa, &pfec), -EINVAL);
}

/* ---- faults ---- */

static void test_not_present_at_each_level(void **state)
{
    static const uint64_t path[] = { PML4E, PDPTE, PDE, PTE };
    for (size_t i = 0; i < ARRAY_SIZE(path); i++) {
        reset(NULL);
        long_mode(EFER_NXE);
        put64(path[i], get64(path[i]) & ~PTE_P);
        assert_int_equal(pfec_of(G4K, 0), 0);
        assert_int_equal(pfec_of(G4K, PAGEWALK_WRITE), PF_W);
        assert_int_equal(pfec_of(G4K, PAGEWALK_FETCH), PF_I);
        ctx.user = true;
        assert_int_equal(pfec_of(G4K, PAGEWALK_WRITE), PF_W | PF_U);
        assert_int_equal(pfec_of(G4K, PAGEWALK_FETCH), PF_I | PF_U);
        assert_int_equal(io.reads, 5 * (i + 1));    /* stopped there */
        assert_int_equal(io.nr_writes, 0);
    }
}

static void test_write_protection(void **state)
{
    static const uint64_t path[] = { PML4E, PDPTE, PDE, PTE };
    for (size_t i = 0; i < ARRAY_SIZE(path); i++) {
        reset(NULL);
        long_mode(0);
        put64(path[i], get64(path[i]) & ~PTE_W);
        /* Reads are fine; supervisor writes only without CR0.WP. */
        assert_int_equal(gpa_of(G4K, 0), 0x1234abc);
        assert_int_equal(pfec_of(G4K, PAGEWALK_WRITE), PF_P | PF_W);
        ctx.cr0 &= ~CR0_WP;
        assert_int_equal(gpa_of(G4K, PAGEWALK_WRITE), 0x1234abc);
        /* User writes obey R/W whatever CR0.WP says. */
        ctx.user = true;
        assert_int_equal(pfec_of(G4K, PAGEWALK_WRITE), PF_P | PF_W | PF_U);
        assert_int_equal(gpa_of(G4K, 0), 0x1234abc);
    }
}

static void test_user_access_to_supervisor_pages(void **state)
{
    static const uint64_t path[] = { PML4E, PDPTE, PDE, PTE };
    for (size_t i = 0; i < ARRAY_SIZE(path); i++) {
        reset(NULL);
        long_mode(EFER_NXE);
        put64(path[i], get64(path[i]) & ~PTE_U);
        assert_int_equal(gpa_of(G4K, PAGEWALK_WRITE), 0x1234abc);
        ctx.user = true;
        assert_int_equal(pfec_of(G4K, 0), PF_P | PF_U);
        assert_int_equal(pfec_of(G4K, PAGEWALK_WRITE), PF_P | PF_W | PF_U);
        assert_int_equal(pfec_of(G4K, PAGEWALK_FETCH), PF_P | PF_U | PF_I);
    }
    /* The same in 32-bit paging, where the rights are in PDE and PTE. */
    reset(NULL);
    paging32(0);
    put32(PDE32, 0x2000 | PTE_P | PTE_W);
    ctx.user = true;
    assert_int_equal(pfec_of(G32, 0), PF_P | PF_U);
}

static void test_execute_disable(void **state)
{
    static const uint64_t path[] = { PML4E, PDPTE, PDE, PTE };
    for (size_t i = 0; i < ARRAY_SIZE(path); i++) {
        reset(NULL);
        long_mode(EFER_NXE);
        put64(path[i], get64(path[i]) | PTE_NX);
        assert_int_equal(gpa_of(G4K, 0), 0x1234abc);
        assert_int_equal(gpa_of(G4K, PAGEWALK_WRITE), 0x1234abc);
        assert_int_equal(pfec_of(G4K, PAGEWALK_FETCH), PF_P | PF_I);
        ctx.user = true;
        assert_int_equal(pfec_of(G4K, PAGEWALK_FETCH), PF_P | PF_U | PF_I);
    }
    /* On a large page too. */
    reset(NULL);
    long_mode(EFER_NXE);
    put64(PDE_2M, get64(PDE_2M) | PTE_NX);
    assert_int_equal(pfec_of(G2M, PAGEWALK_FETCH), PF_P | PF_I);
    assert_int_equal(gpa_of(G4K, PAGEWALK_FETCH), 0x1234abc);

    /* Without EFER.NXE (or SMEP) a fetch fault has I/D clear. */
    reset(NULL);
    long_mode(0);
    put64(PTE, get64(PTE) & ~PTE_P);
    assert_int_equal(pfec_of(G4K, PAGEWALK_FETCH), 0);
    put64(PTE, get64(PTE) | PTE_P);
    put64(PDE, get64(PDE) & ~PTE_U);
    ctx.user = true;
    assert_int_equal(pfec_of(G4K, PAGEWALK_FETCH), PF_P | PF_U);
}

static void test_smep(void **state)
{
    long_mode(0);                       /* all pages are user pages */
    assert_int_equal(gpa_of(G4K, PAGEWALK_FETCH), 0x1234abc);
    ctx.cr4 |= CR4_SMEP;
    /* I/D is set under SMEP even without EFER.NXE. */
    assert_int_equal(pfec_of(G4K, PAGEWALK_FETCH), PF_P | PF_I);
    assert_int_equal(gpa_of(G4K, 0), 0x1234abc);        /* data is fine */
    ctx.user = true;
    assert_int_equal(gpa_of(G4K, PAGEWALK_FETCH), 0x1234abc);
    /* One supervisor entry on the path makes it a supervisor page. */
    ctx.user = false;
    put64(PDPTE, get64(PDPTE) & ~PTE_U);
    assert_int_equal(gpa_of(G4K, PAGEWALK_FETCH), 0x1234abc);

    /* SMEP works in 32-bit paging as well. */
    reset(NULL);
    paging32(CR4_SMEP);
    assert_int_equal(pfec_of(G32, PAGEWALK_FETCH), PF_P | PF_I);
}

static void test_smap(void **state)
{
    long_mode(0);
    ctx.cr4 |= CR4_SMAP;
    assert_int_equal(pfec_of(G4K, 0), PF_P);
    assert_int_equal(pfec_of(G4K, PAGEWALK_WRITE), PF_P | PF_W);
    ctx.cr0 &= ~CR0_WP;                 /* WP does not lift SMAP */
    assert_int_equal(pfec_of(G4K, PAGEWALK_WRITE), PF_P | PF_W);
    /* RFLAGS.AC does, but R/W still counts under CR0.WP. */
    ctx.ac = true;
    ctx.cr0 |= CR0_WP;
    assert_int_equal(gpa_of(G4K, PAGEWALK_WRITE), 0x1234abc);
    put64(PTE, get64(PTE) & ~PTE_W);
    assert_int_equal(pfec_of(G4K, PAGEWALK_WRITE), PF_P | PF_W);
    /* Fetches are SMEP's business; user accesses are not affected. */
    ctx.ac = false;
    assert_int_equal(gpa_of(G4K, PAGEWALK_FETCH), 0x1234abc);
    ctx.user = true;
    assert_int_equal(gpa_of(G4K, 0), 0x1234abc);
    /* A supervisor page is not a user page. */
    ctx.user = false;
    put64(PDE, get64(PDE) & ~PTE_U);
    assert_int_equal(gpa_of(G4K, 0), 0x1234abc);
}

/* ---- accessed and dirty bits ---- */

static void test_accessed_dirty_4level(void **state)
{
    long_mode(EFER_NXE);
    put64(PTE, get64(PTE) | PTE_NX);    /* upper bytes must survive */
    assert_int_equal(gpa_of(G4K, 0), 0x1234abc);
    assert_int_equal(io.nr_writes, 4);
    for (unsigned int i = 0; i < 4; i++)
        assert_int_equal(io.writes[i].len, 1);  /* the low byte only */
    assert_int_equal(get64(PML4E), 0x2000 | RWU | PTE_A);
    assert_int_equal(get64(PDPTE), 0x3000 | RWU | PTE_A);
    assert_int_equal(get64(PDE), 0x4000 | RWU | PTE_A);
    assert_int_equal(get64(PTE), 0x1234000 | RWU | PTE_A | PTE_NX);

    /* A write adds D to the PTE alone, and writes nothing else. */
    assert_int_equal(gpa_of(G4K, PAGEWALK_WRITE), 0x1234abc);
    assert_int_equal(io.nr_writes, 5);
    assert_int_equal(io.writes[4].gpa, PTE);
    assert_int_equal(get64(PTE), 0x1234000 | RWU | PTE_A | PTE_D | PTE_NX);
    assert_int_equal(get64(PDE) & PTE_D, 0);
    assert_int_equal(gpa_of(G4K, PAGEWALK_WRITE), 0x1234abc);
    assert_int_equal(io.nr_writes, 5);

    /* A fetch is no write. */
    reset(NULL);
    long_mode(0);
    assert_int_equal(gpa_of(G4K, PAGEWALK_FETCH), 0x1234abc);
    assert_int_equal(get64(PTE), 0x1234000 | RWU | PTE_A);
}

static void test_accessed_dirty_large_pages(void **state)
{
    long_mode(0);
    assert_int_equal(gpa_of(G2M, PAGEWALK_WRITE), 0x2600123);
    assert_int_equal(get64(PDE_2M), 0x2600000 | PTE_PS | RWU | PTE_A | PTE_D);
    assert_int_equal(get64(PDPTE), 0x3000 | RWU | PTE_A);
    assert_int_equal(gpa_of(G1G, PAGEWALK_WRITE), 0x140000456ull);
    assert_int_equal(get64(PDPTE_1G),
                     0x140000000ull | PTE_PS | RWU | PTE_A | PTE_D);
}

static void test_accessed_dirty_32bit_and_pae(void **state)
{
    paging32(CR4_PSE);
    assert_int_equal(gpa_of(G32, PAGEWALK_WRITE), 0x123abc);
    assert_int_equal(get32(PDE32), 0x2000 | RWU | PTE_A);
    assert_int_equal(get32(PTE32), 0x123000 | RWU | PTE_A | PTE_D);
    assert_int_equal(gpa_of(G32_4M, PAGEWALK_WRITE), 0x08523456);
    assert_int_equal(get32(PDE32_4M),
                     0x08400000 | PTE_PS | RWU | PTE_A | PTE_D);

    /* PAE: a PDPTE has no A bit (bit 5 is reserved there). */
    reset(NULL);
    paging_pae(0);
    assert_int_equal(gpa_of(GPAE, PAGEWALK_WRITE), 0x123456abcull);
    assert_int_equal(get64(PDPTE_PAE), 0x2000 | PTE_P);
    assert_int_equal(get64(PDE_PAE), 0x3000 | RWU | PTE_A);
    assert_int_equal(get64(PTE_PAE), 0x123456000ull | RWU | PTE_A | PTE_D);
    assert_int_equal(gpa_of(GPAE, 0), 0x123456abcull);  /* still valid */
}

static void test_no_accessed_dirty_without_writer_or_on_fault(void **state)
{
    long_mode(0);
    ctx.write_gpa = NULL;
    assert_int_equal(gpa_of(G4K, PAGEWALK_WRITE), 0x1234abc);
    assert_int_equal(get64(PML4E), 0x2000 | RWU);
    assert_int_equal(get64(PTE), 0x1234000 | RWU);

    /* A rights fault at the end of a full walk leaves memory alone. */
    ctx.write_gpa = fake_write;
    put64(PTE, get64(PTE) & ~PTE_W);
    assert_int_equal(pfec_of(G4K, PAGEWALK_WRITE), PF_P | PF_W);
    assert_int_equal(io.nr_writes, 0);
    assert_int_equal(get64(PML4E), 0x2000 | RWU);
}

/* ---- memory errors and caller bugs ---- */

static void test_read_errors_pass_through(void **state)
{
    static const uint64_t path[] = { PML4E, PDPTE, PDE, PTE };
    for (size_t i = 0; i < ARRAY_SIZE(path); i++) {
        reset(NULL);
        long_mode(0);
        io.fail_read = path[i];
        io.fail_rc = -ENOENT;
        uint64_t gpa;
        uint32_t pfec;
        assert_int_equal(xlate(G4K, 0, &gpa, &pfec), -ENOENT);
        assert_int_equal(gpa, NO_GPA);
        assert_int_equal(pfec, NO_PFEC);
        assert_int_equal(io.nr_writes, 0);
        /* Errors that would read as a #PF or #GP become -EIO. */
        io.fail_rc = -EFAULT;
        assert_int_equal(xlate(G4K, 0, &gpa, &pfec), -EIO);
        io.fail_rc = -EINVAL;
        assert_int_equal(xlate(G4K, 0, &gpa, &pfec), -EIO);
        io.fail_rc = 1;
        assert_int_equal(xlate(G4K, 0, &gpa, &pfec), -EIO);
        assert_int_equal(pfec, NO_PFEC);
    }
    /* A table outside guest memory (the fake has 64 KiB). */
    reset(NULL);
    long_mode(0);
    put64(PDE, 0x100000 | RWU);
    uint64_t gpa;
    uint32_t pfec;
    assert_int_equal(xlate(G4K, 0, &gpa, &pfec), -ENOENT);
}

static void test_write_errors_pass_through(void **state)
{
    long_mode(0);
    io.fail_write = PDE;
    io.fail_rc = -ENOMEM;
    uint64_t gpa;
    uint32_t pfec;
    assert_int_equal(xlate(G4K, 0, &gpa, &pfec), -ENOMEM);
    assert_int_equal(gpa, NO_GPA);
    assert_int_equal(pfec, NO_PFEC);
    /* Top down: the entries above the failed one already have A. */
    assert_int_equal(get64(PML4E), 0x2000 | RWU | PTE_A);
    assert_int_equal(get64(PDE), 0x4000 | RWU);
    assert_int_equal(get64(PTE), 0x1234000 | RWU);
    io.fail_rc = -EFAULT;
    assert_int_equal(xlate(G4K, 0, &gpa, &pfec), -EIO);
}

static void test_caller_bugs_panic(void **state)
{
    long_mode(0);
    uint64_t gpa;
    uint32_t pfec;
    stub_reset();
    assert_true(EXPECT_PANIC(pagewalk_translate(&ctx, G4K,
            PAGEWALK_WRITE | PAGEWALK_FETCH, &gpa, &pfec)));
    assert_true(EXPECT_PANIC(pagewalk_translate(&ctx, G4K, 4, &gpa,
                                                &pfec)));
    ctx.maxphyaddr = 53;
    assert_true(EXPECT_PANIC(pagewalk_translate(&ctx, G4K, 0, &gpa,
                                                &pfec)));
    assert_int_equal(stub_panics, 3);
    assert_int_equal(io.reads, 0);
}

#define T(f) cmocka_unit_test_setup(f, reset)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_pfec_bits_are_the_sdms),
        T(test_paging_off_is_identity_in_32_bits),
        T(test_32bit_4k_pages),
        T(test_32bit_4m_pages_need_cr4_pse),
        T(test_32bit_pse36_high_bits),
        T(test_32bit_has_no_xd_and_no_reserved_4k_bits),
        T(test_pae_4k_and_2m_pages),
        T(test_pae_pdpte_reserved_bits),
        T(test_pae_reserves_bits_62_to_maxphyaddr),
        T(test_pae_pdptes_from_ctx),
        T(test_4level_4k_page_by_hand),
        T(test_4level_large_pages),
        T(test_4level_reserved_bits),
        T(test_tables_above_4g),
        T(test_canonical_addresses),
        T(test_5level),
        T(test_not_present_at_each_level),
        T(test_write_protection),
        T(test_user_access_to_supervisor_pages),
        T(test_execute_disable),
        T(test_smep),
        T(test_smap),
        T(test_accessed_dirty_4level),
        T(test_accessed_dirty_large_pages),
        T(test_accessed_dirty_32bit_and_pae),
        T(test_no_accessed_dirty_without_writer_or_on_fault),
        T(test_read_errors_pass_through),
        T(test_write_errors_pass_through),
        T(test_caller_bugs_panic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
