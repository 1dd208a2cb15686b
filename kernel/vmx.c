/*
 * kernel/vmx.c: the Intel VT-x backend.
 *
 * Exports vmx_probe() and, through it, struct hvm_ops; nothing else.
 *   - VMXON per CPU (Intel SDM Vol. 3C, "Enabling and Entering VMX
 *     Operation"), with CR0/CR4 fixed bits applied.
 *   - One VMCS per vCPU, set up one field group per function: controls,
 *     host state, guest state (Vol. 3C, "Organization of VMCS Data").
 *     Every control is computed from the capability MSRs' allowed-0 and
 *     allowed-1 settings (the TRUE_* ones where offered), so it runs on
 *     any CPU or emulator that has what Tern needs.
 *   - EPT for guest memory, VPID per vCPU, unrestricted guest (so guests
 *     start in real mode), I/O and MSR bitmaps that send every access to
 *     Tern.
 *   - The exit edge: the exit reason and qualification become a
 *     vendor-neutral struct hvm_exit (vmx_normalise_exit()).
 * VMX instruction failures are hypervisor bugs and panic with the
 * VM-instruction error by name; a refused VM entry is explained by
 * kernel/vmx_check.c and crashes only that guest.
 *
 * Context: VMX root operation, interrupts off around VM entry; one CPU.
 */
#include <tern/console.h>
#include <tern/cpu.h>
#include <tern/desc.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/hvm.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/panic.h>
#include <tern/percpu.h>
#include <tern/x86.h>
#include "vmx.h"

#define FEATURE_CONTROL_LOCKED          (1ul << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ul << 2)
#define VMX_BASIC_TRUE_CTLS             (1ul << 55)
#define PAT_DEFAULT                     0x0007040600070406ul

/* The SYSCALL MSRs VMX does not switch (hvm_syscall_msrs). */
#define NR_SYSCALL_MSRS HVM_NR_SYSCALL_MSRS
#define syscall_msr     hvm_syscall_msrs

struct vmx_vcpu {
    void *vmcs;
    uint64_t vmcs_pa;
    bool launched;
    uint64_t cr2;
    uint32_t proc;                  /* current primary controls */
    uint32_t entry;                 /* current entry controls */
    /* RIP/RSP/RFLAGS as read at the last exit: written back only when
     * common code changed them. */
    uint64_t rip, rsp, rflags;
    /* The guest's SYSCALL MSRs while they are not in the CPU; until its
     * first access of one (syscall_active), they exit and Tern's stay in
     * the CPU. */
    uint64_t syscall[NR_SYSCALL_MSRS];
    bool syscall_active;
};

struct vmx_domain {
    uint64_t *ept_pml4;
    uint64_t eptp;
};

struct vmx_caps vmx_caps;
static uint32_t vmcs_revision;
static uint8_t vmxon_region[MAX_CPUS][PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t io_bitmaps[2][PAGE_SIZE] __aligned(PAGE_SIZE);
/* Two MSR bitmaps: msr_bitmap for a guest that has not touched the
 * SYSCALL MSRs (they exit), msr_bitmap_syscall once it has (they are
 * its own then: see vmx_syscall_msrs()). */
static uint8_t msr_bitmap[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t msr_bitmap_syscall[PAGE_SIZE] __aligned(PAGE_SIZE);
static void *current_vmcs[MAX_CPUS];
static uint16_t next_vpid = 1;
extern char vmx_exit_stub[];
int vmx_enter(struct hvm_regs *regs, uint64_t launched);

/* ---- VMX instructions, each checked (Vol. 3C, "VMX Instruction
 * Reference": CF=1 is VMfailInvalid, ZF=1 VMfailValid). ---- */

static __noreturn void vmx_insn_failed(const char *insn, uint64_t arg,
                                       bool valid)
{
    if (valid) {
        uint32_t err;
        __asm__ __volatile__("vmread %1, %q0" : "=r"(err)
                             : "r"((uint64_t)VMCS_VM_INSTRUCTION_ERROR));
        panic("%s(%#lx) failed: VM-instruction error %u, %s", insn, arg,
              err, vmx_instruction_error_name(err));
    }
    panic("%s(%#lx) failed: VMfailInvalid (no current VMCS, or a bad "
          "pointer)", insn, arg);
}

static void vmcs_write(enum vmcs_field f, uint64_t v)
{
    bool cf, zf;
    __asm__ __volatile__("vmwrite %2, %3" : "=@ccc"(cf), "=@ccz"(zf)
                         : "r"(v), "r"((uint64_t)f) : "memory");
    if (unlikely(cf || zf))
        vmx_insn_failed("vmwrite", f, zf);
}

uint64_t vmcs_read(enum vmcs_field f)
{
    uint64_t v;
    bool cf, zf;
    __asm__ __volatile__("vmread %3, %2" : "=@ccc"(cf), "=@ccz"(zf), "=r"(v)
                         : "r"((uint64_t)f) : "memory");
    if (unlikely(cf || zf))
        vmx_insn_failed("vmread", f, zf);
    return v;
}

static void vmx_insn_pa(const char *name, uint64_t pa)
{
    bool cf, zf;
    if (name[3] == 'o')         /* vmxon */
        __asm__ __volatile__("vmxon %2" : "=@ccc"(cf), "=@ccz"(zf)
                             : "m"(pa) : "memory");
    else if (name[3] == 'c')    /* vmclear */
        __asm__ __volatile__("vmclear %2" : "=@ccc"(cf), "=@ccz"(zf)
                             : "m"(pa) : "memory");
    else                        /* vmptrld */
        __asm__ __volatile__("vmptrld %2" : "=@ccc"(cf), "=@ccz"(zf)
                             : "m"(pa) : "memory");
    if (unlikely(cf || zf))
        vmx_insn_failed(name, pa, zf);
}

static void invept_all(void)
{
    struct { uint64_t eptp, reserved; } desc = { 0, 0 };
    bool cf, zf;
    /* Type 2: all-context invalidation. */
    __asm__ __volatile__("invept %2, %3" : "=@ccc"(cf), "=@ccz"(zf)
                         : "m"(desc), "r"(2ul) : "memory");
    if (unlikely(cf || zf))
        vmx_insn_failed("invept", 2, zf);
}

/* ---- capabilities ---- */

/*
 * A control value from what we want and what the CPU allows: bits the
 * MSR's low half sets must be 1, bits its high half clears must be 0
 * (Vol. 3D, "Algorithms for Determining VMX Capabilities"). A wanted bit
 * that must be 0 means this CPU lacks something Tern needs.
 */
static int vmx_adjust(uint64_t caps, uint32_t want, uint32_t *out,
                      const char *what)
{
    uint32_t must1 = (uint32_t)caps, may1 = (uint32_t)(caps >> 32);
    if (want & ~may1) {
        pr_err("vmx: this CPU cannot set %s controls %#x, which Tern "
               "needs\n", what, want & ~may1);
        return -ENODEV;
    }
    *out = (want | must1) & may1;
    return 0;
}

static void vmx_read_caps(void)
{
    uint64_t basic = rdmsr(MSR_VMX_BASIC);
    bool true_ctls = basic & VMX_BASIC_TRUE_CTLS;

    vmcs_revision = basic & 0x7fffffff;
    vmx_caps.pin = rdmsr(true_ctls ? MSR_VMX_TRUE_PINBASED_CTLS : MSR_VMX_PINBASED_CTLS);
    vmx_caps.proc = rdmsr(true_ctls ? MSR_VMX_TRUE_PROCBASED_CTLS : MSR_VMX_PROCBASED_CTLS);
    vmx_caps.exit = rdmsr(true_ctls ? MSR_VMX_TRUE_EXIT_CTLS : MSR_VMX_EXIT_CTLS);
    vmx_caps.entry = rdmsr(true_ctls ? MSR_VMX_TRUE_ENTRY_CTLS : MSR_VMX_ENTRY_CTLS);
    vmx_caps.proc2 = rdmsr(MSR_VMX_PROCBASED_CTLS2);
    vmx_caps.cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
    vmx_caps.cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
    vmx_caps.cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
    vmx_caps.cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
}

/* ---- per CPU ---- */

static int vmx_cpu_enable(void)
{
    unsigned int cpu = this_cpu()->cpu_id;
    uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);

    /* Firmware normally locks IA32_FEATURE_CONTROL; if it did not, turn
     * VMX on and lock it ourselves (Vol. 3C, "Enabling and Entering VMX
     * Operation"). Locked with VMX off: only the firmware setup can help. */
    if (!(fc & FEATURE_CONTROL_LOCKED))
        wrmsr(MSR_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCKED |
              FEATURE_CONTROL_VMX_OUTSIDE_SMX);
    else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
        pr_err("vmx: VT-x is disabled by the firmware (IA32_FEATURE_CONTROL "
               "locked with VMX off); enable it in the firmware setup\n");
        return -ENODEV;
    }
    write_cr0((read_cr0() | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1);
    write_cr4((read_cr4() | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1);

    *(uint32_t *)vmxon_region[cpu] = vmcs_revision;
    vmx_insn_pa("vmxon", virt_to_phys(vmxon_region[cpu]));
    pr_info("vmx: CPU %u in VMX root operation (VMCS revision %#x)\n", cpu,
            vmcs_revision);
    return 0;
}

/* ---- EPT: Vol. 3C, "The Extended Page Table Mechanism (EPT)" ---- */

static int vmx_domain_init(struct domain *d)
{
    struct vmx_domain *vd = kzalloc(sizeof(*vd));
    if (!vd)
        return -ENOMEM;
    /* Every level read/write/execute; leaves write-back ("EPT and Memory
     * Typing"). Holes exit as EPT violations: MMIO. */
    int rc = p2m_tables_build(d, EPT_READ | EPT_WRITE | EPT_EXEC,
                              EPT_READ | EPT_WRITE | EPT_EXEC | EPT_MEMTYPE_WB,
                              &vd->ept_pml4);
    if (rc) {
        kfree(vd);
        return rc;
    }
    vd->eptp = virt_to_phys(vd->ept_pml4) | EPTP_MEMTYPE_WB | EPTP_WALK_LENGTH_4;
    d->arch = vd;
    invept_all();
    return 0;
}

static void vmx_domain_destroy(struct domain *d)
{
    struct vmx_domain *vd = d->arch;
    if (!vd)
        return;
    p2m_tables_free(vd->ept_pml4, 4);
    kfree(vd);
    d->arch = NULL;
}

/* ---- VMCS setup, one field group at a time ---- */

static void vmx_make_current(struct vmx_vcpu *vx)
{
    unsigned int cpu = this_cpu()->cpu_id;
    if (current_vmcs[cpu] != vx->vmcs) {
        vx->rip = vx->rsp = vx->rflags = ~0ul;  /* force a write-back */
        vmx_insn_pa("vmptrld", vx->vmcs_pa);
        current_vmcs[cpu] = vx->vmcs;
    }
}

/* Vol. 3C, "VM-Execution Control Fields", "VM-Exit Control Fields",
 * "VM-Entry Control Fields". */
static int vmcs_setup_controls(struct vcpu *v, struct vmx_vcpu *vx)
{
    struct vmx_domain *vd = v->domain->arch;
    uint32_t pin = 0, proc = 0, proc2 = 0, exit = 0, entry = 0;
    int rc = 0;

    /* Host interrupts and NMIs must reach Tern while a guest runs. */
    rc |= vmx_adjust(vmx_caps.pin, PIN_EXTINT_EXITING | PIN_NMI_EXITING,
                     &pin, "pin-based");
    /* HLT: the vCPU blocks in Tern's scheduler. I/O and MSR bitmaps: every
     * port and MSR access exits (the bitmaps are all ones). Secondary
     * controls carry EPT, VPID and unrestricted guest. CR3 and INVLPG are
     * not asked for: with EPT the guest owns its page tables (a CPU without
     * TRUE_* controls may still force CR3 exits; hvm.c handles them). */
    rc |= vmx_adjust(vmx_caps.proc, PROC_HLT_EXITING | PROC_USE_IO_BITMAPS |
                     PROC_USE_MSR_BITMAPS | PROC_ACTIVATE_SECONDARY,
                     &proc, "primary processor-based");
    rc |= vmx_adjust(vmx_caps.proc2, PROC2_ENABLE_EPT | PROC2_ENABLE_VPID |
                     PROC2_UNRESTRICTED_GUEST, &proc2, "secondary");
    /* Return to a 64-bit host; switch EFER and PAT between guest and host. */
    rc |= vmx_adjust(vmx_caps.exit, EXIT_HOST_ADDR_SPACE_SIZE |
                     EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER |
                     EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT, &exit, "exit");
    rc |= vmx_adjust(vmx_caps.entry, ENTRY_LOAD_IA32_EFER |
                     ENTRY_LOAD_IA32_PAT, &entry, "entry");
    if (rc)
        return -ENODEV;

    vx->proc = proc;
    vx->entry = entry;
    vmcs_write(VMCS_PIN_BASED_CTLS, pin);
    vmcs_write(VMCS_PROC_BASED_CTLS, proc);
    vmcs_write(VMCS_PROC_BASED_CTLS2, proc2);
    vmcs_write(VMCS_EXIT_CTLS, exit);
    vmcs_write(VMCS_ENTRY_CTLS, entry);
    vmcs_write(VMCS_EXCEPTION_BITMAP, 0);       /* guests keep their faults */
    vmcs_write(VMCS_PF_ERROR_CODE_MASK, 0);
    vmcs_write(VMCS_PF_ERROR_CODE_MATCH, 0);
    vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
    vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
    vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
    vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
    vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
    vmcs_write(VMCS_IO_BITMAP_A, virt_to_phys(io_bitmaps[0]));
    vmcs_write(VMCS_IO_BITMAP_B, virt_to_phys(io_bitmaps[1]));
    vmcs_write(VMCS_MSR_BITMAP, virt_to_phys(msr_bitmap));
    vmcs_write(VMCS_EPT_POINTER, vd->eptp);
    vmcs_write(VMCS_VPID, next_vpid++);
    vmcs_write(VMCS_TSC_OFFSET, 0);
    /*
     * CR0.PE/PG/NE and CR4.PAE/VMXE belong to Tern: the guest reads the
     * shadows and its writes that change them exit, so Tern can track
     * paging-mode changes (EFER.LMA, PAE PDPTEs) and keep NE and VMXE set
     * as VMX operation requires (Vol. 3C, "Guest/Host Masks and Read
     * Shadows for CR0 and CR4").
     */
    vmcs_write(VMCS_CR0_GUEST_HOST_MASK, CR0_PE | CR0_PG | CR0_NE);
    vmcs_write(VMCS_CR4_GUEST_HOST_MASK, CR4_PAE | CR4_VMXE);
    return 0;
}

/* Vol. 3C, "Host-State Area": where a VM exit lands. */
static void vmcs_setup_host(void)
{
    struct percpu *cpu = this_cpu();
    struct {
        uint16_t limit;
        uint64_t base;
    } __packed gdtr, idtr;

    __asm__ __volatile__("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
    vmcs_write(VMCS_HOST_CR0, read_cr0());
    vmcs_write(VMCS_HOST_CR3, read_cr3());
    vmcs_write(VMCS_HOST_CR4, read_cr4());
    vmcs_write(VMCS_HOST_CS_SELECTOR, GDT_KERNEL_CS);
    vmcs_write(VMCS_HOST_SS_SELECTOR, GDT_KERNEL_DS);
    vmcs_write(VMCS_HOST_DS_SELECTOR, GDT_KERNEL_DS);
    vmcs_write(VMCS_HOST_ES_SELECTOR, GDT_KERNEL_DS);
    vmcs_write(VMCS_HOST_FS_SELECTOR, 0);
    vmcs_write(VMCS_HOST_GS_SELECTOR, 0);
    vmcs_write(VMCS_HOST_TR_SELECTOR, GDT_TSS);
    vmcs_write(VMCS_HOST_FS_BASE, 0);
    vmcs_write(VMCS_HOST_GS_BASE, (uint64_t)cpu);
    vmcs_write(VMCS_HOST_TR_BASE, (uint64_t)cpu->tss);
    vmcs_write(VMCS_HOST_GDTR_BASE, gdtr.base);
    vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
    vmcs_write(VMCS_HOST_SYSENTER_CS, 0);
    vmcs_write(VMCS_HOST_SYSENTER_ESP, 0);
    vmcs_write(VMCS_HOST_SYSENTER_EIP, 0);
    vmcs_write(VMCS_HOST_IA32_EFER, rdmsr(MSR_EFER));
    vmcs_write(VMCS_HOST_IA32_PAT, rdmsr(MSR_PAT));
    vmcs_write(VMCS_HOST_RIP, (uint64_t)vmx_exit_stub);
}

static void vmx_set_seg(struct vcpu *v, enum hvm_seg s,
                        const struct hvm_segment *seg)
{
    vmx_make_current(v->arch);     /* VMREAD/VMWRITE act on the current VMCS */
    vmcs_write(VMCS_GUEST_ES_SELECTOR + 2 * s, seg->sel);
    vmcs_write(VMCS_GUEST_ES_LIMIT + 2 * s, seg->limit);
    vmcs_write(VMCS_GUEST_ES_AR + 2 * s, seg->attr);
    vmcs_write(VMCS_GUEST_ES_BASE + 2 * s, seg->base);
}

static void vmx_get_seg(struct vcpu *v, enum hvm_seg s, struct hvm_segment *seg)
{
    vmx_make_current(v->arch);     /* VMREAD/VMWRITE act on the current VMCS */
    seg->sel = (uint16_t)vmcs_read(VMCS_GUEST_ES_SELECTOR + 2 * s);
    seg->limit = (uint32_t)vmcs_read(VMCS_GUEST_ES_LIMIT + 2 * s);
    seg->attr = (uint32_t)vmcs_read(VMCS_GUEST_ES_AR + 2 * s);
    seg->base = vmcs_read(VMCS_GUEST_ES_BASE + 2 * s);
}

/* The real CR0/CR4 the CPU runs the guest with: the guest's value plus
 * the bits VMX operation fixes (PE and PG may be 0 for an unrestricted
 * guest). */
static uint64_t vmx_real_cr0(uint64_t cr0)
{
    uint64_t fixed0 = vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG);
    return (cr0 | fixed0) & vmx_caps.cr0_fixed1;
}

static uint64_t vmx_real_cr4(uint64_t cr4)
{
    return (cr4 | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1;
}

/* Vol. 3C, "Guest-State Area"; the start states are those of a PC at
 * the boot sector (real mode) or of a Multiboot loader (flat 32-bit). */
static void vmcs_setup_guest(struct vcpu *v, enum hvm_start_mode mode)
{
    bool pm = mode == HVM_START_PROTECTED32;
    uint64_t cr0 = CR0_ET | (pm ? CR0_PE : 0);
    /* Segments: hvm_vcpu_start_segments() (kernel/hvm.c), the same for
     * both vendors. */
    vmcs_write(VMCS_GUEST_GDTR_BASE, 0);
    vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0xffff);
    vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
    vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);

    vmcs_write(VMCS_CR0_READ_SHADOW, cr0);
    vmcs_write(VMCS_GUEST_CR0, vmx_real_cr0(cr0));
    vmcs_write(VMCS_CR4_READ_SHADOW, 0);
    vmcs_write(VMCS_GUEST_CR4, vmx_real_cr4(0));
    vmcs_write(VMCS_GUEST_CR3, 0);
    vmcs_write(VMCS_GUEST_DR7, 0x400);
    vmcs_write(VMCS_GUEST_IA32_EFER, 0);
    vmcs_write(VMCS_GUEST_IA32_PAT, PAT_DEFAULT);
    vmcs_write(VMCS_GUEST_IA32_DEBUGCTL, 0);
    vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
    vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
    vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
    vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
    vmcs_write(VMCS_GUEST_ACTIVITY_STATE, 0);
    vmcs_write(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
    vmcs_write(VMCS_LINK_POINTER, ~0ul);         /* no shadow VMCS */
    v->regs.rflags = 0x2;                        /* reserved bit 1 */
}

static int vmx_vcpu_init(struct vcpu *v, enum hvm_start_mode mode)
{
    struct vmx_vcpu *vx = kzalloc(sizeof(*vx));
    int rc = -ENOMEM;

    if (!vx)
        return rc;
    vx->vmcs = page_alloc_zeroed();
    if (!vx->vmcs)
        goto err_free_vx;
    vx->vmcs_pa = virt_to_phys(vx->vmcs);
    *(uint32_t *)vx->vmcs = vmcs_revision;
    /* VMCLEAR puts the VMCS in the "clear" launch state; VMPTRLD makes it
     * current, so the VMWRITEs below go to it. */
    vmx_insn_pa("vmclear", vx->vmcs_pa);
    vmx_make_current(vx);
    v->arch = vx;

    rc = vmcs_setup_controls(v, vx);
    if (rc)
        goto err_free_vmcs;
    vmcs_setup_host();
    vmcs_setup_guest(v, mode);
    return 0;

err_free_vmcs:
    vmx_insn_pa("vmclear", vx->vmcs_pa);
    current_vmcs[this_cpu()->cpu_id] = NULL;
    page_free(vx->vmcs);
    v->arch = NULL;
err_free_vx:
    kfree(vx);
    return rc;
}

/* ---- MSRs the guest owns while it runs ---- */

/* Let the guest read and write 'msr' without an exit (Intel SDM Vol. 3C,
 * "MSR-Bitmap Address": read bitmaps for MSRs 0-0x1fff and
 * 0xc0000000-0xc0001fff, then the write bitmaps for the same). */
static void vmx_msr_passthrough(uint8_t *bitmap, uint32_t msr)
{
    unsigned int base = msr >= 0xc0000000u ? 1024 : 0;
    uint32_t n = msr & 0x1fff;
    bitmap[base + n / 8] &= (uint8_t)~(1u << (n % 8));
    bitmap[2048 + base + n / 8] &= (uint8_t)~(1u << (n % 8));
}

/*
 * STAR, LSTAR, CSTAR, FMASK and KERNEL_GS_BASE are not in the VMCS, and
 * Tern's ring-3 domains use them (SYSCALL, SWAPGS). They are switched
 * lazily: a guest's values go into the CPU before its first entry after
 * the CPU held someone else's, and Tern's come back only before ring-3
 * code runs (host_msrs). A guest that exits to Tern and re-enters, the
 * common case, pays nothing. 'syscall_owner' is whose values the CPU
 * holds: a vCPU, or NULL for Tern's.
 */
static struct vmx_vcpu *syscall_owner[MAX_CPUS];
/* Tern's values never change once set (user_init_cpu(); ring-3 code
 * cannot write MSRs or, without CR4.FSGSBASE, its GS base): saved once. */
static uint64_t host_syscall[MAX_CPUS][NR_SYSCALL_MSRS];
static bool host_syscall_saved[MAX_CPUS];

static void syscall_msrs_save(uint64_t *vals)
{
    for (unsigned int i = 0; i < NR_SYSCALL_MSRS; i++)
        vals[i] = rdmsr(syscall_msr[i]);
}

static void syscall_msrs_load(const uint64_t *vals)
{
    for (unsigned int i = 0; i < NR_SYSCALL_MSRS; i++)
        wrmsr(syscall_msr[i], vals[i]);
}

static void vmx_syscall_msrs(struct vmx_vcpu *vx)
{
    unsigned int cpu = this_cpu()->cpu_id;
    if (vx && !vx->syscall_active)
        vx = NULL;              /* it has none of its own yet */
    struct vmx_vcpu *owner = syscall_owner[cpu];
    if (owner == vx)
        return;
    if (owner)
        syscall_msrs_save(owner->syscall);
    else if (!host_syscall_saved[cpu]) {
        syscall_msrs_save(host_syscall[cpu]);
        host_syscall_saved[cpu] = true;
    }
    if (vx)
        syscall_msrs_load(vx->syscall);
    else
        syscall_msrs_load(host_syscall[cpu]);
    syscall_owner[cpu] = vx;
}

static void vmx_host_msrs(void)
{
    if (syscall_owner[this_cpu()->cpu_id])
        vmx_syscall_msrs(NULL);
}

/* The guest touched a SYSCALL MSR for the first time: from now on they
 * are its own (zero, as after reset), passed through and switched. The
 * caller leaves RIP alone: the RDMSR or WRMSR runs again, without an
 * exit this time. */
static void vmx_syscall_msrs_claim(struct vcpu *v)
{
    struct vmx_vcpu *vx = v->arch;
    vmx_make_current(vx);
    vx->syscall_active = true;
    vmcs_write(VMCS_MSR_BITMAP, virt_to_phys(msr_bitmap_syscall));
}

static void vmx_vcpu_destroy(struct vcpu *v)
{
    struct vmx_vcpu *vx = v->arch;
    if (!vx)
        return;
    if (syscall_owner[this_cpu()->cpu_id] == vx)
        vmx_syscall_msrs(NULL);
    vmx_insn_pa("vmclear", vx->vmcs_pa);
    if (current_vmcs[this_cpu()->cpu_id] == vx->vmcs)
        current_vmcs[this_cpu()->cpu_id] = NULL;
    page_free(vx->vmcs);
    kfree(vx);
    v->arch = NULL;
}

/* ---- control registers, as the guest sees and changes them ---- */

static uint64_t vmx_get_creg(struct vcpu *v, enum hvm_creg r)
{
    vmx_make_current(v->arch);     /* VMREAD/VMWRITE act on the current VMCS */
    struct vmx_vcpu *vx = v->arch;
    switch (r) {
    case CREG_CR0:
        return (vmcs_read(VMCS_GUEST_CR0) & ~(CR0_PE | CR0_PG | CR0_NE)) |
               (vmcs_read(VMCS_CR0_READ_SHADOW) & (CR0_PE | CR0_PG | CR0_NE));
    case CREG_CR2:
        return vx->cr2;
    case CREG_CR3:
        return vmcs_read(VMCS_GUEST_CR3);
    case CREG_CR4:
        return (vmcs_read(VMCS_GUEST_CR4) & ~(CR4_PAE | CR4_VMXE)) |
               (vmcs_read(VMCS_CR4_READ_SHADOW) & (CR4_PAE | CR4_VMXE));
    case CREG_EFER:
        return vmcs_read(VMCS_GUEST_IA32_EFER);
    case CREG_PAT:
        return vmcs_read(VMCS_GUEST_IA32_PAT);
    default:
        return 0;
    }
}

/*
 * After a change of CR0.PG, CR4.PAE, CR3 or EFER.LME: keep EFER.LMA and
 * the "IA-32e mode guest" entry control in step with the guest's paging
 * mode, and in PAE mode load the four PDPTEs, which with EPT the CPU
 * takes from the VMCS at VM entry (Vol. 3C, "Loading Guest Control
 * Registers, Debug Registers, and MSRs").
 */
static int vmx_update_paging_mode(struct vcpu *v)
{
    struct vmx_vcpu *vx = v->arch;
    uint64_t cr0 = vmx_get_creg(v, CREG_CR0), cr4 = vmx_get_creg(v, CREG_CR4);
    uint64_t efer = vmcs_read(VMCS_GUEST_IA32_EFER);
    bool lma = (cr0 & CR0_PG) && (efer & EFER_LME);

    efer = lma ? efer | EFER_LMA : efer & ~EFER_LMA;
    vx->entry = lma ? vx->entry | ENTRY_IA32E_MODE_GUEST
                    : vx->entry & ~ENTRY_IA32E_MODE_GUEST;
    vmcs_write(VMCS_GUEST_IA32_EFER, efer);
    vmcs_write(VMCS_ENTRY_CTLS, vx->entry);

    if ((cr0 & CR0_PG) && (cr4 & CR4_PAE) && !lma) {
        uint64_t pdpte[4];
        uint64_t base = vmcs_read(VMCS_GUEST_CR3) & 0xffffffe0u;
        if (p2m_copy_from_guest(v->domain, pdpte, base, sizeof(pdpte)))
            return -EINVAL;
        for (int i = 0; i < 4; i++)
            vmcs_write(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
    }
    return 0;
}

static int vmx_set_creg(struct vcpu *v, enum hvm_creg r, uint64_t val)
{
    uint64_t cr0 = vmx_get_creg(v, CREG_CR0), cr4 = vmx_get_creg(v, CREG_CR4);
    uint64_t efer = vmcs_read(VMCS_GUEST_IA32_EFER);

    /* Each check is a #GP condition of MOV to CR / WRMSR (Vol. 2B, "MOV-Move
     * to/from Control Registers"; Vol. 4, IA32_EFER). */
    switch (r) {
    case CREG_CR0:
        if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
            ((val & CR0_PG) && (efer & EFER_LME) && !(cr4 & CR4_PAE)))
            return -EINVAL;
        vmcs_write(VMCS_CR0_READ_SHADOW, val);
        vmcs_write(VMCS_GUEST_CR0, vmx_real_cr0(val));
        break;
    case CREG_CR2:
        ((struct vmx_vcpu *)v->arch)->cr2 = val;
        return 0;
    case CREG_CR3:
        vmcs_write(VMCS_GUEST_CR3, val);
        break;
    case CREG_CR4:
        if ((val & CR4_VMXE) || (val & ~vmx_caps.cr4_fixed1) ||
            ((efer & EFER_LMA) && !(val & CR4_PAE)))
            return -EINVAL;
        vmcs_write(VMCS_CR4_READ_SHADOW, val);
        vmcs_write(VMCS_GUEST_CR4, vmx_real_cr4(val));
        break;
    case CREG_EFER:
        /* SCE, LME, NXE are the guest's; LMA follows paging; LME cannot
         * change while paging is on. */
        if ((val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)) ||
            ((cr0 & CR0_PG) && ((val ^ efer) & EFER_LME)))
            return -EINVAL;
        vmcs_write(VMCS_GUEST_IA32_EFER, (val & ~EFER_LMA) | (efer & EFER_LMA));
        break;
    case CREG_PAT:
        /* The entry and exit controls load and save it. */
        vmcs_write(VMCS_GUEST_IA32_PAT, val);
        return 0;
    default:
        return -EINVAL;
    }
    return vmx_update_paging_mode(v);
}

static unsigned int vmx_get_cpl(struct vcpu *v)
{
    vmx_make_current(v->arch);     /* VMREAD/VMWRITE act on the current VMCS */
    /* SS.DPL is the CPL (Vol. 3C, "Checks on Guest Segment Registers"). */
    return (vmcs_read(VMCS_GUEST_ES_AR + 2 * SEG_SS) >> 5) & 3;
}

/* ---- events: Vol. 3C, "Event Injection" ---- */

static void vmx_inject(struct vcpu *v, enum hvm_event type, uint8_t vector,
                       bool has_error, uint32_t error)
{
    vmx_make_current(v->arch);
    static const uint32_t types[] = {
        [HVM_EVENT_EXTINT] = INTR_TYPE_EXTINT,
        [HVM_EVENT_NMI] = INTR_TYPE_NMI,
        [HVM_EVENT_EXCEPTION] = INTR_TYPE_HW_EXCEPTION,
        [HVM_EVENT_SOFTINT] = INTR_TYPE_SW_INT,
    };
    uint32_t info = vector | (types[type] << INTR_INFO_TYPE_SHIFT) |
                    INTR_INFO_VALID;

    /* Real mode delivers no error codes. */
    if (has_error && (vmx_get_creg(v, CREG_CR0) & CR0_PE)) {
        info |= INTR_INFO_DELIVER_ERROR;
        vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR_CODE, error);
    }
    vmcs_write(VMCS_ENTRY_INTR_INFO, info);
}

/*
 * An STI or MOV SS blocks interrupts until the next instruction completes
 * (Vol. 3C, "Guest Non-Register State", interruptibility state). When Tern
 * completed that instruction itself (RIP moved since the exit: HLT after
 * STI is every OS's idle loop), the shadow is over.
 */
static bool vmx_in_shadow(struct vcpu *v)
{
    struct vmx_vcpu *vx = v->arch;
    return v->regs.rip == vx->rip &&
           (vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) &
            (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

static bool vmx_irq_allowed(struct vcpu *v)
{
    vmx_make_current(v->arch);
    return (v->regs.rflags & RFLAGS_IF) && !vmx_in_shadow(v) &&
           !(vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID);
}

static void vmx_irq_window(struct vcpu *v, bool on)
{
    vmx_make_current(v->arch);
    struct vmx_vcpu *vx = v->arch;
    uint32_t proc = on ? vx->proc | PROC_INTR_WINDOW_EXITING
                       : vx->proc & ~PROC_INTR_WINDOW_EXITING;
    if (proc != vx->proc) {
        vx->proc = proc;
        vmcs_write(VMCS_PROC_BASED_CTLS, proc);
    }
}

/* ---- the exit edge ---- */

static const char *const vmx_exit_names[] = {
    [0] = "exception or NMI", [1] = "external interrupt",
    [2] = "triple fault", [3] = "INIT signal", [4] = "SIPI",
    [7] = "interrupt window", [8] = "NMI window", [9] = "task switch",
    [10] = "CPUID", [12] = "HLT", [13] = "INVD", [14] = "INVLPG",
    [15] = "RDPMC", [16] = "RDTSC", [18] = "VMCALL", [19] = "VMCLEAR",
    [20] = "VMLAUNCH", [21] = "VMPTRLD", [22] = "VMPTRST", [23] = "VMREAD",
    [24] = "VMRESUME", [25] = "VMWRITE", [26] = "VMXOFF", [27] = "VMXON",
    [28] = "control-register access", [29] = "MOV DR",
    [30] = "I/O instruction", [31] = "RDMSR", [32] = "WRMSR",
    [33] = "VM-entry failure: invalid guest state",
    [34] = "VM-entry failure: MSR loading", [36] = "MWAIT",
    [37] = "monitor trap flag", [39] = "MONITOR", [40] = "PAUSE",
    [41] = "VM-entry failure: machine-check event", [43] = "TPR below threshold",
    [44] = "APIC access", [46] = "GDTR/IDTR access", [47] = "LDTR/TR access",
    [48] = "EPT violation", [49] = "EPT misconfiguration", [50] = "INVEPT",
    [51] = "RDTSCP", [52] = "VMX-preemption timer", [53] = "INVVPID",
    [54] = "WBINVD", [55] = "XSETBV", [57] = "RDRAND", [58] = "INVPCID",
};

static const char *vmx_exit_name(uint32_t basic)
{
    if (basic < ARRAY_SIZE(vmx_exit_names) && vmx_exit_names[basic])
        return vmx_exit_names[basic];
    return "unknown exit reason";
}

/* I/O instruction: Vol. 3C, "Exit Qualification for I/O Instructions",
 * and the VM-exit instruction-information field for INS/OUTS. */
static void vmx_exit_io(struct hvm_exit *e, uint64_t q)
{
    e->reason = HVM_EXIT_IO;
    e->io.size = (q & 7) + 1;
    e->io.in = q & (1u << 3);
    e->io.string = q & (1u << 4);
    e->io.rep = q & (1u << 5);
    e->io.port = (uint16_t)(q >> 16);
    if (e->io.string) {
        uint32_t info = (uint32_t)vmcs_read(VMCS_EXIT_INSTRUCTION_INFO);
        e->io.addr_size = 2 << ((info >> 7) & 7);
        e->io.seg = (info >> 15) & 7;
    }
}

static void vmx_normalise_exit(struct vcpu *v, uint32_t reason,
                               struct hvm_exit *e)
{
    uint32_t basic = reason & 0xffff;
    uint64_t q;

    e->raw = reason;
    switch (basic) {
    case 0: {
        uint32_t info = (uint32_t)vmcs_read(VMCS_EXIT_INTR_INFO);
        uint32_t type = (info >> INTR_INFO_TYPE_SHIFT) & 7;
        e->reason = type == INTR_TYPE_NMI ? HVM_EXIT_NMI : HVM_EXIT_EXCEPTION;
        e->exc.vector = info & INTR_INFO_VECTOR_MASK;
        e->exc.has_error = info & INTR_INFO_DELIVER_ERROR;
        e->exc.error = e->exc.has_error ?
            (uint32_t)vmcs_read(VMCS_EXIT_INTR_ERROR_CODE) : 0;
        break;
    }
    case 1:  e->reason = HVM_EXIT_EXTINT; break;
    case 2:  e->reason = HVM_EXIT_SHUTDOWN; break;
    case 3:  e->reason = HVM_EXIT_INIT; break;
    case 4:  e->reason = HVM_EXIT_SIPI; break;
    case 7:  e->reason = HVM_EXIT_IRQ_WINDOW; break;
    case 10: e->reason = HVM_EXIT_CPUID; break;
    case 12: e->reason = HVM_EXIT_HLT; break;
    case 14: e->reason = HVM_EXIT_INVLPG; break;
    case 18: e->reason = HVM_EXIT_VMCALL; break;
    case 19 ... 27:
    case 50:
    case 53: e->reason = HVM_EXIT_VIRT_INSN; break;
    case 28:
        q = vmcs_read(VMCS_EXIT_QUALIFICATION);
        e->reason = HVM_EXIT_CR;
        e->cr.cr = q & 15;
        e->cr.type = (q >> 4) & 3;
        e->cr.gpr = (q >> 8) & 15;
        e->cr.lmsw_data = (uint16_t)(q >> 16);
        break;
    case 30:
        vmx_exit_io(e, vmcs_read(VMCS_EXIT_QUALIFICATION));
        break;
    case 31: e->reason = HVM_EXIT_RDMSR; break;
    case 32: e->reason = HVM_EXIT_WRMSR; break;
    case 48:
        /* EPT violation: Vol. 3C, "Exit Qualification for EPT Violations". */
        q = vmcs_read(VMCS_EXIT_QUALIFICATION);
        e->reason = HVM_EXIT_MMIO;
        e->mmio.gpa = vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS);
        e->mmio.write = q & 2;
        e->mmio.fetch = q & 4;
        break;
    case 55: e->reason = HVM_EXIT_XSETBV; break;
    default:
        e->reason = HVM_EXIT_UNHANDLED;
        e->fail.what = vmx_exit_name(basic);
        break;
    }
    (void)v;
}

/*
 * If the exit interrupted the delivery of an event (say, an interrupt
 * whose IDT or stack page faulted in EPT), deliver it again on the next
 * entry (Vol. 3C, "Information for VM Exits During Event Delivery").
 */
static void vmx_reinject_vectoring(void)
{
    uint32_t idt = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_INFO);
    if (!(idt & INTR_INFO_VALID))
        return;
    if (idt & INTR_INFO_DELIVER_ERROR)
        vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR_CODE,
                   vmcs_read(VMCS_IDT_VECTORING_ERROR_CODE));
    uint32_t type = (idt >> INTR_INFO_TYPE_SHIFT) & 7;
    if (type == INTR_TYPE_SW_INT || type == 5 || type == 6)
        vmcs_write(VMCS_ENTRY_INSTRUCTION_LEN,
                   vmcs_read(VMCS_EXIT_INSTRUCTION_LEN));
    vmcs_write(VMCS_ENTRY_INTR_INFO, idt & ~(1u << 12));
}

static void vmx_vcpu_run(struct vcpu *v, struct hvm_exit *e)
{
    struct vmx_vcpu *vx = v->arch;

    vmx_make_current(vx);
    if (v->regs.rip != vx->rip) {
        /* Tern completed the instruction: its STI/MOV-SS shadow ends. */
        uint64_t intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
        if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
            vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
                       intr & ~(uint64_t)(INTERRUPTIBILITY_STI |
                                          INTERRUPTIBILITY_MOV_SS));
        vmcs_write(VMCS_GUEST_RIP, v->regs.rip);
    }
    if (v->regs.gpr[GPR_RSP] != vx->rsp)
        vmcs_write(VMCS_GUEST_RSP, v->regs.gpr[GPR_RSP]);
    if (v->regs.rflags != vx->rflags)
        vmcs_write(VMCS_GUEST_RFLAGS, v->regs.rflags);
    if (read_cr2() != vx->cr2)
        write_cr2(vx->cr2);
    if (vx->syscall_active && syscall_owner[this_cpu()->cpu_id] != vx)
        vmx_syscall_msrs(vx);

    int rc = vmx_enter(&v->regs, vx->launched);
    if (rc) {
        /* VMLAUNCH/VMRESUME itself failed: controls or host state. */
        e->reason = HVM_EXIT_ENTRY_FAILED;
        e->raw = 0;
        if (rc == 1)
            panic("vmx: VM entry failed with VMfailInvalid: no current VMCS");
        uint32_t err = (uint32_t)vmcs_read(VMCS_VM_INSTRUCTION_ERROR);
        pr_err("vmx: %s failed: VM-instruction error %u, %s\n",
               vx->launched ? "VMRESUME" : "VMLAUNCH", err,
               vmx_instruction_error_name(err));
        e->fail.what = vmx_check_controls();
        return;
    }
    vx->launched = true;
    vx->cr2 = read_cr2();

    uint32_t reason = (uint32_t)vmcs_read(VMCS_EXIT_REASON);
    if (unlikely(reason & EXIT_REASON_ENTRY_FAILED)) {
        e->reason = HVM_EXIT_ENTRY_FAILED;
        e->raw = reason;
        pr_err("vmx: VM entry failed: exit reason %u, %s\n", reason & 0xffff,
               vmx_exit_name(reason & 0xffff));
        e->fail.what = (reason & 0xffff) == 33 ? vmx_check_guest_state()
                                               : vmx_exit_name(reason & 0xffff);
        return;
    }
    vx->rip = v->regs.rip = vmcs_read(VMCS_GUEST_RIP);
    vx->rsp = v->regs.gpr[GPR_RSP] = vmcs_read(VMCS_GUEST_RSP);
    vx->rflags = v->regs.rflags = vmcs_read(VMCS_GUEST_RFLAGS);
    e->insn_len = (uint8_t)vmcs_read(VMCS_EXIT_INSTRUCTION_LEN);
    vmx_reinject_vectoring();
    vmx_normalise_exit(v, reason, e);
}

/* ---- for learners: the VMCS, decoded ---- */

static void vmx_dump(struct vcpu *v)
{
    static const char *const seg_names[] = { "ES", "CS", "SS", "DS", "FS",
                                             "GS", "LDTR", "TR" };
    vmx_make_current(v->arch);
    pr_info("  VMCS guest state: RIP %#lx RSP %#lx RFLAGS %#lx CPL %u\n",
            vmcs_read(VMCS_GUEST_RIP), vmcs_read(VMCS_GUEST_RSP),
            vmcs_read(VMCS_GUEST_RFLAGS), vmx_get_cpl(v));
    pr_info("  CR0 %#lx (shadow %#lx) CR3 %#lx CR4 %#lx (shadow %#lx) "
            "EFER %#lx\n", vmcs_read(VMCS_GUEST_CR0),
            vmcs_read(VMCS_CR0_READ_SHADOW), vmcs_read(VMCS_GUEST_CR3),
            vmcs_read(VMCS_GUEST_CR4), vmcs_read(VMCS_CR4_READ_SHADOW),
            vmcs_read(VMCS_GUEST_IA32_EFER));
    for (enum hvm_seg s = SEG_ES; s < NR_SEGS; s++) {
        struct hvm_segment seg;
        vmx_get_seg(v, s, &seg);
        pr_info("  %-4s sel %04x base %#lx limit %#x ar %#x\n", seg_names[s],
                seg.sel, seg.base, seg.limit, seg.attr);
    }
    pr_info("  GDTR %#lx/%#lx IDTR %#lx/%#lx interruptibility %#lx "
            "activity %lu entry controls %#lx\n",
            vmcs_read(VMCS_GUEST_GDTR_BASE), vmcs_read(VMCS_GUEST_GDTR_LIMIT),
            vmcs_read(VMCS_GUEST_IDTR_BASE), vmcs_read(VMCS_GUEST_IDTR_LIMIT),
            vmcs_read(VMCS_GUEST_INTERRUPTIBILITY),
            vmcs_read(VMCS_GUEST_ACTIVITY_STATE), vmcs_read(VMCS_ENTRY_CTLS));
}

static const struct hvm_ops vmx_ops = {
    .name = "VMX",
    .cpu_enable = vmx_cpu_enable,
    .domain_init = vmx_domain_init,
    .domain_destroy = vmx_domain_destroy,
    .vcpu_init = vmx_vcpu_init,
    .vcpu_destroy = vmx_vcpu_destroy,
    .vcpu_run = vmx_vcpu_run,
    .get_creg = vmx_get_creg,
    .set_creg = vmx_set_creg,
    .get_seg = vmx_get_seg,
    .set_seg = vmx_set_seg,
    .get_cpl = vmx_get_cpl,
    .inject = vmx_inject,
    .irq_allowed = vmx_irq_allowed,
    .irq_window = vmx_irq_window,
    .dump = vmx_dump,
    .host_msrs = vmx_host_msrs,
    .syscall_msrs_claim = vmx_syscall_msrs_claim,
};

const struct hvm_ops *vmx_probe(void)
{
    if (!boot_cpu.vmx)
        return NULL;
    if (!boot_cpu.vmx_ept || !boot_cpu.vmx_unrestricted) {
        pr_err("vmx: Tern needs EPT and unrestricted guest; this CPU has "
               "EPT %s, unrestricted guest %s\n", boot_cpu.vmx_ept ? "yes" : "no",
               boot_cpu.vmx_unrestricted ? "yes" : "no");
        return NULL;
    }
    vmx_read_caps();
    /* Every port access exits to Tern, and every MSR access but those
     * the CPU or vmx_syscall_msrs() switches (hvm_passthrough_msrs) and
     * PAT (the entry and exit controls switch it). */
    memset(io_bitmaps, 0xff, sizeof(io_bitmaps));
    memset(msr_bitmap, 0xff, sizeof(msr_bitmap));
    for (unsigned int i = 0; i < hvm_nr_passthrough_msrs; i++)
        vmx_msr_passthrough(msr_bitmap, hvm_passthrough_msrs[i]);
    vmx_msr_passthrough(msr_bitmap, MSR_PAT);
    memcpy(msr_bitmap_syscall, msr_bitmap, sizeof(msr_bitmap));
    for (unsigned int i = 0; i < NR_SYSCALL_MSRS; i++)
        vmx_msr_passthrough(msr_bitmap_syscall, syscall_msr[i]);
    return &vmx_ops;
}
