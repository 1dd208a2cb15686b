/*
 * kernel/cpu.c: identify the CPU and its virtualization features.
 *
 * Sources: Intel SDM Vol. 2A "CPUID" and Vol. 3D "VMX Capability
 * Reporting Facility" (IA32_VMX_BASIC, the *_CTLS MSRs with their
 * allowed-1 halves, IA32_VMX_EPT_VPID_CAP); Vol. 3C "Enabling and
 * Entering VMX Operation" (IA32_FEATURE_CONTROL). AMD APM Vol. 3
 * "CPUID Fn8000_000A" and Vol. 2 "Enabling SVM" (VM_CR.SVMDIS).
 *
 * Context: boot, once.
 */
#include <tern/console.h>
#include <tern/cpu.h>
#include <tern/lib.h>
#include <tern/x86.h>

#define MSR_VMX_BASIC               0x480
#define MSR_VMX_PROCBASED_CTLS      0x482
#define MSR_VMX_PROCBASED_CTLS2     0x48b
#define MSR_VMX_EPT_VPID_CAP        0x48c
#define MSR_VM_CR                   0xc0010114

#define FEATURE_CONTROL_LOCKED      (1ul << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ul << 2)
#define VMX_BASIC_TRUE_CTLS         (1ul << 55)
#define PROCBASED_ACTIVATE_SECONDARY (1ul << 31)
#define PROCBASED2_EPT              (1ul << 1)
#define PROCBASED2_VPID             (1ul << 5)
#define PROCBASED2_UNRESTRICTED     (1ul << 7)
#define EPT_CAP_2M                  (1ul << 16)
#define EPT_CAP_1G                  (1ul << 17)
#define VM_CR_SVMDIS                (1ul << 4)

struct cpu_info boot_cpu;

static void identify_vmx(struct cpu_info *c)
{
    uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
    c->vmx_disabled_by_firmware = (fc & FEATURE_CONTROL_LOCKED) &&
                                  !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX);

    uint64_t basic = rdmsr(MSR_VMX_BASIC);
    c->vmcs_revision = basic & 0x7fffffff;
    c->vmx_true_ctls = basic & VMX_BASIC_TRUE_CTLS;

    /* Secondary controls exist only if their "activate" bit may be 1
     * (the allowed-1 settings are the MSR's high dword). */
    uint64_t proc = rdmsr(MSR_VMX_PROCBASED_CTLS);
    if (!((proc >> 32) & PROCBASED_ACTIVATE_SECONDARY))
        return;
    uint64_t allowed1 = rdmsr(MSR_VMX_PROCBASED_CTLS2) >> 32;
    c->vmx_ept = allowed1 & PROCBASED2_EPT;
    c->vmx_vpid = allowed1 & PROCBASED2_VPID;
    c->vmx_unrestricted = allowed1 & PROCBASED2_UNRESTRICTED;
    if (c->vmx_ept || c->vmx_vpid) {
        uint64_t cap = rdmsr(MSR_VMX_EPT_VPID_CAP);
        c->vmx_ept_2m = cap & EPT_CAP_2M;
        c->vmx_ept_1g = cap & EPT_CAP_1G;
    }
}

static void identify_svm(struct cpu_info *c)
{
    uint32_t a, b, cx, d;

    c->svm_disabled_by_firmware = rdmsr(MSR_VM_CR) & VM_CR_SVMDIS;
    cpuid(0x8000000a, &a, &b, &cx, &d);
    c->svm_revision = a & 0xff;
    c->svm_nr_asids = b;
    c->svm_npt = d & (1u << 0);
    c->svm_nrips = d & (1u << 3);
    c->svm_vmcb_clean = d & (1u << 5);
    c->svm_flush_by_asid = d & (1u << 6);
    c->svm_decode_assists = d & (1u << 7);
}

void cpu_identify(struct cpu_info *c)
{
    uint32_t a, b, cx, d, max_ext;

    memset(c, 0, sizeof(*c));
    cpuid(0, &a, &b, &cx, &d);
    memcpy(c->vendor + 0, &b, 4);
    memcpy(c->vendor + 4, &d, 4);
    memcpy(c->vendor + 8, &cx, 4);

    cpuid(1, &a, &b, &cx, &d);
    c->stepping = a & 0xf;
    c->model = (a >> 4) & 0xf;
    c->family = (a >> 8) & 0xf;
    /* Extended family and model, as CPUID's description says to combine. */
    if (c->family == 0xf)
        c->family += (a >> 20) & 0xff;
    if (c->family == 0x6 || c->family >= 0xf)
        c->model |= ((a >> 16) & 0xf) << 4;
    c->vmx = cx & (1u << 5);
    c->has_x2apic = cx & (1u << 21);
    c->under_hypervisor = cx & (1u << 31);

    cpuid(0x80000000, &max_ext, &b, &cx, &d);
    if (max_ext >= 0x80000001) {
        cpuid(0x80000001, &a, &b, &cx, &d);
        c->svm = cx & (1u << 2);
        c->has_nx = d & (1u << 20);
        c->has_1g_pages = d & (1u << 26);
    }
    if (max_ext >= 0x80000004) {
        uint32_t *w = (uint32_t *)c->brand;
        for (uint32_t leaf = 0; leaf < 3; leaf++)
            cpuid(0x80000002 + leaf, &w[leaf * 4], &w[leaf * 4 + 1],
                  &w[leaf * 4 + 2], &w[leaf * 4 + 3]);
        c->brand[48] = '\0';
    }
    if (c->brand[0] == '\0')
        strcpy(c->brand, "(no brand string)");
    /* Some brand strings are right-justified with spaces. */
    char *s = c->brand;
    while (*s == ' ')
        s++;
    memmove(c->brand, s, strlen(s) + 1);

    if (c->vmx)
        identify_vmx(c);
    if (c->svm && max_ext >= 0x8000000a)
        identify_svm(c);
}

void cpu_init_fpu(void)
{
    /* FXSAVE/FXRSTOR must save the SSE registers too (CR4.OSFXSR) and the
     * x87 must not trap (CR0.EM=0, MP=1, TS=0): the guests use them. */
    write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
}

static const char *yes(bool b)
{
    return b ? "yes" : "no";
}

void cpu_print_banner(const struct cpu_info *c)
{
    pr_info("cpu: %s, %s, family %#x model %#x stepping %u%s\n", c->vendor,
            c->brand, c->family, c->model, c->stepping,
            c->under_hypervisor ? " (running under a hypervisor)" : "");
    if (c->vmx) {
        pr_info("cpu: Intel VT-x (VMX): present%s, VMCS revision %#x\n",
                c->vmx_disabled_by_firmware ?
                ", but DISABLED by firmware (IA32_FEATURE_CONTROL is locked "
                "with VMX off: enable VT-x in the firmware setup)" : "",
                c->vmcs_revision);
        pr_info("cpu:   EPT %s (2M pages %s, 1G pages %s), unrestricted "
                "guest %s, VPID %s, TRUE_* capability MSRs %s\n",
                yes(c->vmx_ept), yes(c->vmx_ept_2m), yes(c->vmx_ept_1g),
                yes(c->vmx_unrestricted), yes(c->vmx_vpid),
                yes(c->vmx_true_ctls));
    }
    if (c->svm) {
        pr_info("cpu: AMD-V (SVM): present%s, revision %u, %u ASIDs\n",
                c->svm_disabled_by_firmware ?
                ", but DISABLED by firmware (VM_CR.SVMDIS: enable SVM in "
                "the firmware setup)" : "",
                c->svm_revision, c->svm_nr_asids);
        pr_info("cpu:   NPT %s, next-RIP %s, decode assists %s, VMCB clean "
                "bits %s, flush by ASID %s\n", yes(c->svm_npt),
                yes(c->svm_nrips), yes(c->svm_decode_assists),
                yes(c->svm_vmcb_clean), yes(c->svm_flush_by_asid));
    }
    if (!c->vmx && !c->svm)
        pr_warn("cpu: no hardware virtualization (neither VMX nor SVM): "
                "Tern can boot here but cannot run guests\n");
}
