/*
 * kernel/vmx_check.c: why did the CPU refuse a VM entry?
 *
 * A failed VMLAUNCH says only "invalid control field(s)" or "invalid
 * guest state". For learners Tern replays the checks of Intel SDM
 * Vol. 3C, "VM Entries": "Checks on VMX Controls", "Checks on the
 * Host-State Area" and "Checks on the Guest State Area", in the manual's
 * order, against the current VMCS, and prints the first that fails with
 * the field and its value. The list is not exhaustive (the SDM's runs to
 * pages); it covers what a hand-built guest state gets wrong in practice.
 *
 * Context: VMX root, after a failed entry, with the failing VMCS current.
 */
#include <tern/console.h>
#include <tern/hvm.h>
#include <tern/lib.h>
#include <tern/x86.h>
#include "vmx.h"

static const char *const vm_instruction_errors[] = {
    [1] = "VMCALL executed in VMX root operation",
    [2] = "VMCLEAR with invalid physical address",
    [3] = "VMCLEAR with VMXON pointer",
    [4] = "VMLAUNCH with non-clear VMCS",
    [5] = "VMRESUME with non-launched VMCS",
    [6] = "VMRESUME after VMXOFF",
    [7] = "VM entry with invalid control field(s)",
    [8] = "VM entry with invalid host-state field(s)",
    [9] = "VMPTRLD with invalid physical address",
    [10] = "VMPTRLD with VMXON pointer",
    [11] = "VMPTRLD with incorrect VMCS revision identifier",
    [12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
    [13] = "VMWRITE to read-only VMCS component",
    [15] = "VMXON executed in VMX root operation",
    [16] = "VM entry with invalid executive-VMCS pointer",
    [17] = "VM entry with non-launched executive VMCS",
    [18] = "VM entry with executive-VMCS pointer not VMXON pointer",
    [19] = "VMCALL with non-clear VMCS",
    [20] = "VMCALL with invalid VM-exit control fields",
    [22] = "VMCALL with incorrect MSEG revision identifier",
    [23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
    [24] = "VMCALL with invalid SMM-monitor features",
    [25] = "VM entry with invalid VM-execution control fields in executive VMCS",
    [26] = "VM entry with events blocked by MOV SS",
    [28] = "Invalid operand to INVEPT/INVVPID",
};

const char *vmx_instruction_error_name(uint32_t err)
{
    if (err < ARRAY_SIZE(vm_instruction_errors) && vm_instruction_errors[err])
        return vm_instruction_errors[err];
    return "unknown VM-instruction error";
}

/* Report one failed check; returns its name for the caller. */
static const char *fail(const char *check, const char *field, uint64_t value)
{
    pr_err("vmx: entry check failed: %s (%s = %#lx)\n", check, field, value);
    return check;
}

#define CHECK(cond, check, field, value)                                \
    do {                                                                \
        if (!(cond))                                                    \
            return fail(check, field, value);                           \
    } while (0)

static bool canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* ---- "Checks on VMX Controls" ---- */

static bool ctl_ok(uint64_t caps, uint64_t val)
{
    uint32_t must1 = (uint32_t)caps, may1 = (uint32_t)(caps >> 32);
    return (val & must1) == must1 && !(val & ~(uint64_t)may1);
}

const char *vmx_check_controls(void)
{
    uint64_t pin = vmcs_read(VMCS_PIN_BASED_CTLS);
    uint64_t proc = vmcs_read(VMCS_PROC_BASED_CTLS);
    uint64_t proc2 = vmcs_read(VMCS_PROC_BASED_CTLS2);
    uint64_t exit = vmcs_read(VMCS_EXIT_CTLS), entry = vmcs_read(VMCS_ENTRY_CTLS);

    CHECK(ctl_ok(vmx_caps.pin, pin), "pin-based controls respect the "
          "allowed-0/allowed-1 settings", "PIN_BASED_CTLS", pin);
    CHECK(ctl_ok(vmx_caps.proc, proc), "primary processor-based controls "
          "respect the allowed settings", "PROC_BASED_CTLS", proc);
    CHECK(ctl_ok(vmx_caps.proc2, proc2), "secondary processor-based controls "
          "respect the allowed settings", "PROC_BASED_CTLS2", proc2);
    CHECK(ctl_ok(vmx_caps.exit, exit), "VM-exit controls respect the allowed "
          "settings", "EXIT_CTLS", exit);
    CHECK(ctl_ok(vmx_caps.entry, entry), "VM-entry controls respect the "
          "allowed settings", "ENTRY_CTLS", entry);
    CHECK(vmcs_read(VMCS_CR3_TARGET_COUNT) <= 4, "CR3-target count is at "
          "most 4", "CR3_TARGET_COUNT", vmcs_read(VMCS_CR3_TARGET_COUNT));
    CHECK(!(vmcs_read(VMCS_IO_BITMAP_A) & 0xfff), "I/O bitmap A is "
          "4-KByte aligned", "IO_BITMAP_A", vmcs_read(VMCS_IO_BITMAP_A));
    CHECK(!(vmcs_read(VMCS_MSR_BITMAP) & 0xfff), "MSR bitmap is 4-KByte "
          "aligned", "MSR_BITMAP", vmcs_read(VMCS_MSR_BITMAP));
    if (proc2 & PROC2_ENABLE_EPT) {
        uint64_t eptp = vmcs_read(VMCS_EPT_POINTER);
        CHECK((eptp & 7) == EPTP_MEMTYPE_WB && ((eptp >> 3) & 7) == 3,
              "EPTP memory type is write-back and the walk length is 4",
              "EPT_POINTER", eptp);
    }
    if (proc2 & PROC2_ENABLE_VPID)
        CHECK(vmcs_read(VMCS_VPID) != 0, "VPID is not 0 when enabled",
              "VPID", 0);
    if (proc2 & PROC2_UNRESTRICTED_GUEST)
        CHECK(proc2 & PROC2_ENABLE_EPT, "unrestricted guest requires EPT",
              "PROC_BASED_CTLS2", proc2);
    uint64_t info = vmcs_read(VMCS_ENTRY_INTR_INFO);
    if (info & INTR_INFO_VALID) {
        uint32_t type = (info >> INTR_INFO_TYPE_SHIFT) & 7;
        CHECK(type != 1, "VM-entry interruption type is not reserved",
              "ENTRY_INTR_INFO", info);
        CHECK(type != INTR_TYPE_NMI || (info & 0xff) == 2, "an injected NMI "
              "has vector 2", "ENTRY_INTR_INFO", info);
        CHECK(type != INTR_TYPE_HW_EXCEPTION || (info & 0xff) < 32,
              "an injected hardware exception has a vector below 32",
              "ENTRY_INTR_INFO", info);
    }
    /* "Checks on Host Control Registers, MSRs, and Segment Registers". */
    uint64_t cr0 = vmcs_read(VMCS_HOST_CR0), cr4 = vmcs_read(VMCS_HOST_CR4);
    CHECK((cr0 & vmx_caps.cr0_fixed0) == vmx_caps.cr0_fixed0 &&
          !(cr0 & ~vmx_caps.cr0_fixed1), "host CR0 respects "
          "IA32_VMX_CR0_FIXED0/1", "HOST_CR0", cr0);
    CHECK((cr4 & vmx_caps.cr4_fixed0) == vmx_caps.cr4_fixed0 &&
          !(cr4 & ~vmx_caps.cr4_fixed1), "host CR4 respects "
          "IA32_VMX_CR4_FIXED0/1", "HOST_CR4", cr4);
    CHECK(vmcs_read(VMCS_HOST_CS_SELECTOR) != 0 &&
          vmcs_read(VMCS_HOST_TR_SELECTOR) != 0, "host CS and TR selectors "
          "are not 0", "HOST_TR_SELECTOR", vmcs_read(VMCS_HOST_TR_SELECTOR));
    CHECK(canonical(vmcs_read(VMCS_HOST_RIP)), "host RIP is canonical",
          "HOST_RIP", vmcs_read(VMCS_HOST_RIP));
    CHECK((exit & EXIT_HOST_ADDR_SPACE_SIZE) && (cr4 & CR4_PAE),
          "a 64-bit host needs the host address-space size control and "
          "CR4.PAE", "EXIT_CTLS", exit);
    return "no control or host-state check found the fault (see the "
           "SDM's full list)";
}

/* ---- "Checks on the Guest State Area" ---- */

static const char *const seg_names[] = { "ES", "CS", "SS", "DS", "FS",
                                         "GS", "LDTR", "TR" };

static const char *check_segment(enum hvm_seg s, bool ia32e, bool ug)
{
    static char field[32];
    uint32_t ar = (uint32_t)vmcs_read(VMCS_GUEST_ES_AR + 2 * s);
    uint32_t limit = (uint32_t)vmcs_read(VMCS_GUEST_ES_LIMIT + 2 * s);
    uint32_t type = ar & 15;
    bool g = ar & (1u << 15);

    snprintf(field, sizeof(field), "GUEST_%s_AR", seg_names[s]);
    if (ar & SEG_ATTR_UNUSABLE) {
        CHECK(s != SEG_TR && s != SEG_CS, "TR and CS must be usable", field, ar);
        return NULL;
    }
    CHECK(!(ar & 0xf00) && !(ar & 0xfffe0000u), "access-rights reserved "
          "bits 11:8 and 31:17 are 0", field, ar);
    CHECK(ar & (1u << 7), "a usable segment is present (P=1)", field, ar);
    CHECK(((limit & 0xfff) == 0xfff || !g) && (!(limit & 0xfff00000u) || g),
          "the limit agrees with the granularity bit G", field, ar);
    switch (s) {
    case SEG_TR:
        CHECK(!(ar & (1u << 4)), "TR is a system segment (S=0)", field, ar);
        CHECK(type == 11 || (type == 3 && !ia32e), "TR type is a busy TSS "
              "(11, or 3 outside IA-32e mode)", field, ar);
        break;
    case SEG_LDTR:
        CHECK(type == 2 && !(ar & (1u << 4)), "LDTR, if usable, is an LDT "
              "(type 2, S=0)", field, ar);
        break;
    case SEG_CS:
        CHECK(ar & (1u << 4), "CS is a code or data segment (S=1)", field, ar);
        CHECK((type & 9) == 9 || (ug && type == 3), "CS type is accessed "
              "code (9, 11, 13, 15), or 3 for an unrestricted guest", field, ar);
        CHECK(!(ia32e && (ar & (1u << 13)) && (ar & (1u << 14))),
              "in IA-32e mode, CS.L=1 requires CS.D/B=0", field, ar);
        break;
    case SEG_SS:
        CHECK(type == 3 || type == 7, "SS is a read/write data segment "
              "(type 3 or 7)", field, ar);
        break;
    default:
        CHECK(ar & (1u << 4), "DS/ES/FS/GS are code or data (S=1)", field, ar);
        CHECK(type & 1, "DS/ES/FS/GS are accessed (type bit 0)", field, ar);
        CHECK(!(type & 8) || (type & 2), "code segments in DS/ES/FS/GS are "
              "readable", field, ar);
        break;
    }
    return NULL;
}

const char *vmx_check_guest_state(void)
{
    uint64_t cr0 = vmcs_read(VMCS_GUEST_CR0), cr4 = vmcs_read(VMCS_GUEST_CR4);
    uint64_t efer = vmcs_read(VMCS_GUEST_IA32_EFER);
    uint64_t entry = vmcs_read(VMCS_ENTRY_CTLS);
    bool ug = vmcs_read(VMCS_PROC_BASED_CTLS2) & PROC2_UNRESTRICTED_GUEST;
    bool ia32e = entry & ENTRY_IA32E_MODE_GUEST;
    uint64_t fixed0 = vmx_caps.cr0_fixed0 & (ug ? ~(CR0_PE | CR0_PG) : ~0ul);
    const char *r;

    /* "Checks on Guest Control Registers, Debug Registers, and MSRs". */
    CHECK((cr0 & fixed0) == fixed0 && !(cr0 & ~vmx_caps.cr0_fixed1),
          "guest CR0 respects IA32_VMX_CR0_FIXED0/1 (PE and PG excepted for "
          "an unrestricted guest)", "GUEST_CR0", cr0);
    CHECK(!(cr0 & CR0_PG) || (cr0 & CR0_PE), "guest CR0.PG=1 requires "
          "CR0.PE=1", "GUEST_CR0", cr0);
    CHECK((cr4 & vmx_caps.cr4_fixed0) == vmx_caps.cr4_fixed0 &&
          !(cr4 & ~vmx_caps.cr4_fixed1), "guest CR4 respects "
          "IA32_VMX_CR4_FIXED0/1", "GUEST_CR4", cr4);
    CHECK(!ia32e || ((cr0 & CR0_PG) && (cr4 & CR4_PAE)), "an IA-32e mode "
          "guest has CR0.PG=1 and CR4.PAE=1", "GUEST_CR0", cr0);
    CHECK(!(vmcs_read(VMCS_GUEST_DR7) >> 32), "DR7 bits 63:32 are 0",
          "GUEST_DR7", vmcs_read(VMCS_GUEST_DR7));
    if (entry & ENTRY_LOAD_IA32_EFER) {
        CHECK(!!(efer & EFER_LMA) == ia32e, "EFER.LMA equals the IA-32e mode "
              "guest entry control", "GUEST_IA32_EFER", efer);
        CHECK(!(cr0 & CR0_PG) || !!(efer & EFER_LME) == !!(efer & EFER_LMA),
              "with CR0.PG=1, EFER.LME equals EFER.LMA", "GUEST_IA32_EFER",
              efer);
    }

    /* "Checks on Guest Segment Registers". */
    for (enum hvm_seg s = SEG_ES; s < NR_SEGS; s++)
        if ((r = check_segment(s, ia32e, ug)))
            return r;
    uint64_t ss_ar = vmcs_read(VMCS_GUEST_ES_AR + 2 * SEG_SS);
    CHECK((cr0 & CR0_PE) || !((ss_ar >> 5) & 3), "with CR0.PE=0, SS.DPL "
          "is 0", "GUEST_SS_AR", ss_ar);

    /* "Checks on Guest Descriptor-Table Registers". */
    CHECK(!(vmcs_read(VMCS_GUEST_GDTR_LIMIT) >> 16) &&
          !(vmcs_read(VMCS_GUEST_IDTR_LIMIT) >> 16), "GDTR and IDTR limits "
          "fit in 16 bits", "GUEST_GDTR_LIMIT", vmcs_read(VMCS_GUEST_GDTR_LIMIT));

    /* "Checks on Guest RIP, RFLAGS, and SSP". */
    uint64_t rip = vmcs_read(VMCS_GUEST_RIP), rfl = vmcs_read(VMCS_GUEST_RFLAGS);
    uint64_t cs_ar = vmcs_read(VMCS_GUEST_ES_AR + 2 * SEG_CS);
    CHECK((ia32e && (cs_ar & (1u << 13))) || !(rip >> 32), "RIP bits 63:32 "
          "are 0 outside 64-bit mode", "GUEST_RIP", rip);
    CHECK(canonical(rip), "RIP is canonical", "GUEST_RIP", rip);
    CHECK((rfl & 2) && !(rfl & 0xffffffffffc08028ul), "RFLAGS bit 1 is 1 "
          "and its reserved bits are 0", "GUEST_RFLAGS", rfl);
    CHECK(!((ia32e || !(cr0 & CR0_PE)) && (rfl & (1u << 17))), "RFLAGS.VM "
          "is 0 in IA-32e mode and with CR0.PE=0", "GUEST_RFLAGS", rfl);
    uint64_t info = vmcs_read(VMCS_ENTRY_INTR_INFO);
    CHECK(!((info & INTR_INFO_VALID) &&
            ((info >> INTR_INFO_TYPE_SHIFT) & 7) == INTR_TYPE_EXTINT &&
            !(rfl & RFLAGS_IF)), "RFLAGS.IF is 1 when injecting an external "
          "interrupt", "GUEST_RFLAGS", rfl);

    /* "Checks on Guest Non-Register State". */
    uint64_t act = vmcs_read(VMCS_GUEST_ACTIVITY_STATE);
    uint64_t intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
    CHECK(act <= 3, "the activity state is 0-3", "GUEST_ACTIVITY_STATE", act);
    CHECK(!(intr >> 5), "interruptibility bits 31:5 are 0",
          "GUEST_INTERRUPTIBILITY", intr);
    CHECK((intr & 3) != 3, "blocking by STI and by MOV SS are not both set",
          "GUEST_INTERRUPTIBILITY", intr);
    CHECK((rfl & RFLAGS_IF) || !(intr & INTERRUPTIBILITY_STI), "blocking by "
          "STI requires RFLAGS.IF=1", "GUEST_INTERRUPTIBILITY", intr);
    CHECK(vmcs_read(VMCS_LINK_POINTER) == ~0ul, "the VMCS link pointer is "
          "all ones (no shadow VMCS)", "VMCS_LINK_POINTER",
          vmcs_read(VMCS_LINK_POINTER));
    if ((cr0 & CR0_PG) && (cr4 & CR4_PAE) && !ia32e) {
        for (int i = 0; i < 4; i++) {
            uint64_t p = vmcs_read(VMCS_GUEST_PDPTE0 + 2 * i);
            CHECK(!(p & 1) || !(p & 0x1e6), "present PAE PDPTEs have their "
                  "reserved bits clear", "GUEST_PDPTEn", p);
        }
    }
    return fail("no guest-state check Tern knows failed (see the SDM's full "
                "list)", "EXIT_REASON", vmcs_read(VMCS_EXIT_REASON));
}
