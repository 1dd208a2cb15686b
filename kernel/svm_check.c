/*
 * kernel/svm_check.c: why did VMRUN refuse the guest?
 *
 * A VMRUN whose guest state is illegal exits at once with EXITCODE
 * VMEXIT_INVALID (-1), and the VMCB says nothing more. For learners Tern
 * replays the checks of AMD APM Vol. 2, "VMRUN Instruction",
 * "Canonicalization and Consistency Checks", in the manual's order,
 * with the two lists that add to it ("Event Injection" and "Nested
 * Paging and VMRUN/#VMEXIT"), against the VMCB as svm.c restored it
 * (what Tern asked VMRUN to load), and prints the first that fails with
 * the field and its value. Each check is named by the
 * APM's own wording of the illegal condition, so it can be looked up.
 * The SEV and CET checks are left out: Tern uses neither.
 *
 * Context: the host, after a VMRUN that exited with VMEXIT_INVALID.
 */
#include <tern/console.h>
#include <tern/lib.h>
#include <tern/x86.h>
#include "svm.h"

/* EFER bits the APM defines ("Extended Feature Enable Register"): SCE,
 * LME, LMA, NXE, SVME, LMSLE, FFXSR, TCE, MCOMMIT, INTWB, UAIE, AIBRSE.
 * The rest are MBZ. */
#define EFER_DEFINED        0x36fd01ul

/* Report one failed check; returns its name for the caller. */
static const char *fail(const char *check, const char *field, uint64_t value)
{
    pr_err("svm: VMRUN check failed: %s (%s = %#lx)\n", check, field, value);
    return check;
}

#define CHECK(cond, check, field, value)                                \
    do {                                                                \
        if (!(cond))                                                    \
            return fail(check, field, value);                           \
    } while (0)

static unsigned int max_phys_bits(void)
{
    uint32_t a, b, c, d;
    cpuid(0x80000000, &a, &b, &c, &d);
    if (a < 0x80000008)
        return 36;
    cpuid(0x80000008, &a, &b, &c, &d);
    return a & 0xff;
}

/* CR4 bits this CPU implements ("CR4 Register", with CPUID for the
 * optional ones); the others are MBZ. */
static uint64_t cr4_defined(void)
{
    uint32_t a, b, c, d, max;
    uint64_t bits = 0x7ff;                  /* VME ... OSXMMEXCPT */

    cpuid(0, &max, &b, &c, &d);
    cpuid(1, &a, &b, &c, &d);
    bits |= (c & (1u << 17) ? 1ul << 17 : 0) |     /* PCIDE */
            (c & (1u << 26) ? 1ul << 18 : 0);      /* OSXSAVE */
    if (max >= 7) {
        cpuid_count(7, 0, &a, &b, &c, &d);
        bits |= (b & (1u << 0) ? 1ul << 16 : 0) |  /* FSGSBASE */
                (b & (1u << 7) ? 1ul << 20 : 0) |  /* SMEP */
                (b & (1u << 20) ? 1ul << 21 : 0) | /* SMAP */
                (c & (1u << 2) ? 1ul << 11 : 0) |  /* UMIP */
                (c & (1u << 16) ? 1ul << 12 : 0) | /* LA57 */
                (c & (1u << 3) ? 1ul << 22 : 0) |  /* PKE */
                (c & (1u << 7) ? 1ul << 23 : 0);   /* CET */
    }
    return bits;
}

/* "Event Injection": TYPE 0 (INTR), 2 (NMI), 3 (exception), 4 (INTn);
 * an exception must have an exception's vector, and be possible in the
 * guest's mode. */
static const char *check_eventinj(const struct vmcb *vmcb)
{
    uint64_t ev = vmcb->control.eventinj;
    uint64_t type = (ev & EVENT_TYPE_MASK) >> EVENT_TYPE_SHIFT;
    uint64_t vector = ev & EVENT_VECTOR_MASK;
    bool long64 = (vmcb->save.efer & EFER_LMA) &&
                  (vmcb->save.cs.attrib & VMCB_ATTR_L);

    if (!(ev & EVENT_VALID))
        return NULL;
    CHECK(type == EVENT_TYPE_INTR || type == EVENT_TYPE_NMI ||
          type == EVENT_TYPE_EXCEPTION || type == EVENT_TYPE_SOFTINT,
          "Illegal event injection: a reserved TYPE", "EVENTINJ", ev);
    CHECK(type != EVENT_TYPE_EXCEPTION || (vector < 32 && vector != 2),
          "Illegal event injection: TYPE 3 (exception) with a vector that "
          "is not an exception's", "EVENTINJ", ev);
    CHECK(!(type == EVENT_TYPE_EXCEPTION && vector == 5 && long64),
          "Illegal event injection: an event impossible in the guest's "
          "mode (#BR in 64-bit mode)", "EVENTINJ", ev);
    return NULL;
}

/* "Nested Paging and VMRUN/#VMEXIT": nCR3, and every G_PAT entry a
 * memory type PAT can hold (UC, WC, WT, WP, WB, UC-). */
static const char *check_nested_paging(const struct vmcb *vmcb,
                                       uint64_t phys_mask)
{
    uint64_t pat = vmcb->save.g_pat;

    CHECK(!(vmcb->control.n_cr3 & ~phys_mask & ~0xffful),
          "Any MBZ bit of nCR3 is set", "N_CR3", vmcb->control.n_cr3);
    for (int i = 0; i < 8; i++) {
        uint8_t type = (uint8_t)(pat >> (8 * i));
        CHECK(type <= 7 && type != 2 && type != 3, "Any G_PAT.PA field has "
              "an unsupported type encoding or any reserved field in G_PAT "
              "has a non-zero value", "G_PAT", pat);
    }
    return NULL;
}

const char *svm_check_vmcb(const struct vmcb *vmcb)
{
    const struct vmcb_save *g = &vmcb->save;
    const struct vmcb_control *c = &vmcb->control;
    uint64_t cr0 = g->cr0, cr3 = g->cr3, cr4 = g->cr4, efer = g->efer;
    uint64_t phys_limit = 1ul << max_phys_bits();
    bool lme_pg = (efer & EFER_LME) && (cr0 & CR0_PG);
    const char *r;

    CHECK(efer & EFER_SVME, "EFER.SVME is zero", "EFER", efer);
    CHECK((cr0 & CR0_CD) || !(cr0 & CR0_NW), "CR0.CD is zero and CR0.NW "
          "is set", "CR0", cr0);
    CHECK(!(cr0 >> 32), "CR0[63:32] are not zero", "CR0", cr0);
    /* In long mode CR3 holds a 52-bit physical address ("CR3"); bits
     * 63:52 and those beyond MAXPHYADDR are MBZ. */
    CHECK(!lme_pg || !(cr3 & ~(phys_limit - 1)), "Any MBZ bit of CR3 is "
          "set", "CR3", cr3);
    CHECK(!(cr4 & ~cr4_defined()), "Any MBZ bit of CR4 is set", "CR4", cr4);
    CHECK(!(g->dr6 >> 32), "DR6[63:32] are not zero", "DR6", g->dr6);
    CHECK(!(g->dr7 >> 32), "DR7[63:32] are not zero", "DR7", g->dr7);
    CHECK(!(efer & ~EFER_DEFINED), "Any MBZ bit of EFER is set", "EFER",
          efer);
    /* "EFER.LMA or EFER.LME is non-zero and this processor does not
     * support long mode" cannot fail: Tern itself runs in long mode. */
    CHECK(!lme_pg || (cr4 & CR4_PAE), "EFER.LME and CR0.PG are both set "
          "and CR4.PAE is zero", "CR4", cr4);
    CHECK(!lme_pg || (cr0 & CR0_PE), "EFER.LME and CR0.PG are both non-zero "
          "and CR0.PE is zero", "CR0", cr0);
    CHECK(!lme_pg || !(cr4 & CR4_PAE) || !(g->cs.attrib & VMCB_ATTR_L) ||
          !(g->cs.attrib & VMCB_ATTR_DB), "EFER.LME, CR0.PG, CR4.PAE, CS.L, "
          "and CS.D are all non-zero", "CS.attrib", g->cs.attrib);
    CHECK(c->intercept_misc2 & INTERCEPT2_VMRUN, "The VMRUN intercept bit is "
          "clear", "intercept vector 4 (010h)", c->intercept_misc2);
    /* "IOIO Intercepts" and "MSR Intercepts": the last byte of each map
     * (12 KiB and 8 KiB from the 4 KiB-aligned base) must lie below the
     * maximum physical address. */
    CHECK((c->iopm_base_pa & ~0xffful) + 3 * 4096 - 1 < phys_limit &&
          (c->msrpm_base_pa & ~0xffful) + 2 * 4096 - 1 < phys_limit,
          "The MSR or IOIO intercept tables extend to a physical address "
          "that is greater than or equal to the maximum supported physical "
          "address", "IOPM_BASE_PA", c->iopm_base_pa);
    if ((r = check_eventinj(vmcb)))
        return r;
    CHECK(c->guest_asid != 0, "ASID is equal to zero", "guest ASID",
          c->guest_asid);
    if ((c->np_control & NP_ENABLE) &&
        (r = check_nested_paging(vmcb, phys_limit - 1)))
        return r;
    return fail("no consistency check Tern knows failed (see the APM's "
                "full list)", "EXITCODE", c->exitcode);
}
