/*
 * include/tern/cpu.h: what this CPU is and which virtualization features
 * it offers (kernel/cpu.c). Filled once at boot; read by the banner and,
 * later, by hvm.c to pick the VMX or SVM backend.
 */
#ifndef TERN_CPU_H
#define TERN_CPU_H

#include <tern/compiler.h>

struct cpu_info {
    char vendor[13];            /* "GenuineIntel", "AuthenticAMD", ... */
    char brand[49];             /* CPUID 0x80000002-4, trimmed */
    unsigned int family, model, stepping;
    bool under_hypervisor;      /* CPUID.1:ECX[31]: we are a nested guest */
    bool has_nx, has_1g_pages, has_x2apic;

    /* Intel VT-x (CPUID.1:ECX[5]; capability MSRs). */
    bool vmx;
    bool vmx_disabled_by_firmware;  /* IA32_FEATURE_CONTROL locked, off */
    bool vmx_ept, vmx_ept_2m, vmx_ept_1g, vmx_vpid, vmx_unrestricted;
    bool vmx_true_ctls;             /* IA32_VMX_BASIC[55] */
    uint32_t vmcs_revision;

    /* AMD-V (CPUID 0x80000001:ECX[2]; CPUID 0x8000000A). */
    bool svm;
    bool svm_disabled_by_firmware;  /* VM_CR.SVMDIS */
    bool svm_npt, svm_nrips, svm_decode_assists, svm_vmcb_clean,
         svm_flush_by_asid;
    uint32_t svm_revision, svm_nr_asids;
};

extern struct cpu_info boot_cpu;

void cpu_identify(struct cpu_info *c);
/* Enable FXSAVE of SSE state so the scheduler can switch guests' FPUs. */
void cpu_init_fpu(void);
/* Print the boot banner's CPU lines. */
void cpu_print_banner(const struct cpu_info *c);

#endif
