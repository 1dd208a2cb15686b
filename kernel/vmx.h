/*
 * kernel/vmx.h: VMCS field encodings and VMX bit names, private to
 * kernel/vmx.c and kernel/vmx_check.c. Intel SDM Vol. 3D, "Field Encoding
 * in VMCS" (Appendix B); names follow the SDM's field names.
 */
#ifndef TERN_VMX_PRIV_H
#define TERN_VMX_PRIV_H

#include <tern/compiler.h>

enum vmcs_field {
    /* 16-bit control, guest-state and host-state fields */
    VMCS_VPID                       = 0x0000,
    VMCS_GUEST_ES_SELECTOR          = 0x0800,   /* + 2 * enum hvm_seg */
    VMCS_GUEST_TR_SELECTOR          = 0x080e,
    VMCS_HOST_ES_SELECTOR           = 0x0c00,
    VMCS_HOST_CS_SELECTOR           = 0x0c02,
    VMCS_HOST_SS_SELECTOR           = 0x0c04,
    VMCS_HOST_DS_SELECTOR           = 0x0c06,
    VMCS_HOST_FS_SELECTOR           = 0x0c08,
    VMCS_HOST_GS_SELECTOR           = 0x0c0a,
    VMCS_HOST_TR_SELECTOR           = 0x0c0c,
    /* 64-bit control fields */
    VMCS_IO_BITMAP_A                = 0x2000,
    VMCS_IO_BITMAP_B                = 0x2002,
    VMCS_MSR_BITMAP                 = 0x2004,
    VMCS_EXIT_MSR_STORE_ADDR        = 0x2006,
    VMCS_EXIT_MSR_LOAD_ADDR         = 0x2008,
    VMCS_ENTRY_MSR_LOAD_ADDR        = 0x200a,
    VMCS_TSC_OFFSET                 = 0x2010,
    VMCS_EPT_POINTER                = 0x201a,
    VMCS_GUEST_PHYSICAL_ADDRESS     = 0x2400,
    /* 64-bit guest-state and host-state fields */
    VMCS_LINK_POINTER               = 0x2800,
    VMCS_GUEST_IA32_DEBUGCTL        = 0x2802,
    VMCS_GUEST_IA32_PAT             = 0x2804,
    VMCS_GUEST_IA32_EFER            = 0x2806,
    VMCS_GUEST_PDPTE0               = 0x280a,   /* + 2 * n */
    VMCS_HOST_IA32_PAT              = 0x2c00,
    VMCS_HOST_IA32_EFER             = 0x2c02,
    /* 32-bit control fields */
    VMCS_PIN_BASED_CTLS             = 0x4000,
    VMCS_PROC_BASED_CTLS            = 0x4002,
    VMCS_EXCEPTION_BITMAP           = 0x4004,
    VMCS_PF_ERROR_CODE_MASK         = 0x4006,
    VMCS_PF_ERROR_CODE_MATCH        = 0x4008,
    VMCS_CR3_TARGET_COUNT           = 0x400a,
    VMCS_EXIT_CTLS                  = 0x400c,
    VMCS_EXIT_MSR_STORE_COUNT       = 0x400e,
    VMCS_EXIT_MSR_LOAD_COUNT        = 0x4010,
    VMCS_ENTRY_CTLS                 = 0x4012,
    VMCS_ENTRY_MSR_LOAD_COUNT       = 0x4014,
    VMCS_ENTRY_INTR_INFO            = 0x4016,
    VMCS_ENTRY_EXCEPTION_ERROR_CODE = 0x4018,
    VMCS_ENTRY_INSTRUCTION_LEN      = 0x401a,
    VMCS_TPR_THRESHOLD              = 0x401c,
    VMCS_PROC_BASED_CTLS2           = 0x401e,
    /* 32-bit read-only data fields */
    VMCS_VM_INSTRUCTION_ERROR       = 0x4400,
    VMCS_EXIT_REASON                = 0x4402,
    VMCS_EXIT_INTR_INFO             = 0x4404,
    VMCS_EXIT_INTR_ERROR_CODE       = 0x4406,
    VMCS_IDT_VECTORING_INFO         = 0x4408,
    VMCS_IDT_VECTORING_ERROR_CODE   = 0x440a,
    VMCS_EXIT_INSTRUCTION_LEN       = 0x440c,
    VMCS_EXIT_INSTRUCTION_INFO      = 0x440e,
    /* 32-bit guest-state fields */
    VMCS_GUEST_ES_LIMIT             = 0x4800,   /* + 2 * enum hvm_seg */
    VMCS_GUEST_GDTR_LIMIT           = 0x4810,
    VMCS_GUEST_IDTR_LIMIT           = 0x4812,
    VMCS_GUEST_ES_AR                = 0x4814,   /* + 2 * enum hvm_seg */
    VMCS_GUEST_INTERRUPTIBILITY     = 0x4824,
    VMCS_GUEST_ACTIVITY_STATE       = 0x4826,
    VMCS_GUEST_SYSENTER_CS          = 0x482a,
    VMCS_HOST_SYSENTER_CS           = 0x4c00,
    /* natural-width control fields */
    VMCS_CR0_GUEST_HOST_MASK        = 0x6000,
    VMCS_CR4_GUEST_HOST_MASK        = 0x6002,
    VMCS_CR0_READ_SHADOW            = 0x6004,
    VMCS_CR4_READ_SHADOW            = 0x6006,
    /* natural-width read-only data fields */
    VMCS_EXIT_QUALIFICATION         = 0x6400,
    VMCS_GUEST_LINEAR_ADDRESS       = 0x640a,
    /* natural-width guest-state fields */
    VMCS_GUEST_CR0                  = 0x6800,
    VMCS_GUEST_CR3                  = 0x6802,
    VMCS_GUEST_CR4                  = 0x6804,
    VMCS_GUEST_ES_BASE              = 0x6806,   /* + 2 * enum hvm_seg */
    VMCS_GUEST_GDTR_BASE            = 0x6816,
    VMCS_GUEST_IDTR_BASE            = 0x6818,
    VMCS_GUEST_DR7                  = 0x681a,
    VMCS_GUEST_RSP                  = 0x681c,
    VMCS_GUEST_RIP                  = 0x681e,
    VMCS_GUEST_RFLAGS               = 0x6820,
    VMCS_GUEST_PENDING_DBG_EXCEPTIONS = 0x6822,
    VMCS_GUEST_SYSENTER_ESP         = 0x6824,
    VMCS_GUEST_SYSENTER_EIP         = 0x6826,
    /* natural-width host-state fields */
    VMCS_HOST_CR0                   = 0x6c00,
    VMCS_HOST_CR3                   = 0x6c02,
    VMCS_HOST_CR4                   = 0x6c04,
    VMCS_HOST_FS_BASE               = 0x6c06,
    VMCS_HOST_GS_BASE               = 0x6c08,
    VMCS_HOST_TR_BASE               = 0x6c0a,
    VMCS_HOST_GDTR_BASE             = 0x6c0c,
    VMCS_HOST_IDTR_BASE             = 0x6c0e,
    VMCS_HOST_SYSENTER_ESP          = 0x6c10,
    VMCS_HOST_SYSENTER_EIP          = 0x6c12,
    VMCS_HOST_RSP                   = 0x6c14,
    VMCS_HOST_RIP                   = 0x6c16,
};

/* Capability MSRs: Intel SDM Vol. 3D, "VMX Capability Reporting Facility". */
#define MSR_VMX_BASIC               0x480
#define MSR_VMX_PINBASED_CTLS       0x481
#define MSR_VMX_PROCBASED_CTLS      0x482
#define MSR_VMX_EXIT_CTLS           0x483
#define MSR_VMX_ENTRY_CTLS          0x484
#define MSR_VMX_MISC                0x485
#define MSR_VMX_CR0_FIXED0          0x486
#define MSR_VMX_CR0_FIXED1          0x487
#define MSR_VMX_CR4_FIXED0          0x488
#define MSR_VMX_CR4_FIXED1          0x489
#define MSR_VMX_PROCBASED_CTLS2     0x48b
#define MSR_VMX_EPT_VPID_CAP        0x48c
#define MSR_VMX_TRUE_PINBASED_CTLS  0x48d
#define MSR_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_VMX_TRUE_EXIT_CTLS      0x48f
#define MSR_VMX_TRUE_ENTRY_CTLS     0x490

/* Pin-based VM-execution controls. */
#define PIN_EXTINT_EXITING          (1u << 0)
#define PIN_NMI_EXITING             (1u << 3)
#define PIN_VIRTUAL_NMIS            (1u << 5)
/* Primary processor-based VM-execution controls. */
#define PROC_INTR_WINDOW_EXITING    (1u << 2)
#define PROC_HLT_EXITING            (1u << 7)
#define PROC_INVLPG_EXITING         (1u << 9)
#define PROC_CR3_LOAD_EXITING       (1u << 15)
#define PROC_CR3_STORE_EXITING      (1u << 16)
#define PROC_USE_IO_BITMAPS         (1u << 25)
#define PROC_USE_MSR_BITMAPS        (1u << 28)
#define PROC_ACTIVATE_SECONDARY     (1u << 31)
/* Secondary processor-based VM-execution controls. */
#define PROC2_ENABLE_EPT            (1u << 1)
#define PROC2_ENABLE_VPID           (1u << 5)
#define PROC2_UNRESTRICTED_GUEST    (1u << 7)
/* VM-exit controls. */
#define EXIT_HOST_ADDR_SPACE_SIZE   (1u << 9)
#define EXIT_SAVE_IA32_PAT          (1u << 18)
#define EXIT_LOAD_IA32_PAT          (1u << 19)
#define EXIT_SAVE_IA32_EFER         (1u << 20)
#define EXIT_LOAD_IA32_EFER         (1u << 21)
/* VM-entry controls. */
#define ENTRY_IA32E_MODE_GUEST      (1u << 9)
#define ENTRY_LOAD_IA32_PAT         (1u << 14)
#define ENTRY_LOAD_IA32_EFER        (1u << 15)

/* Interruption-information format (entry and exit). */
#define INTR_INFO_VECTOR_MASK       0xffu
#define INTR_INFO_TYPE_SHIFT        8
#define INTR_TYPE_EXTINT            0u
#define INTR_TYPE_NMI               2u
#define INTR_TYPE_HW_EXCEPTION      3u
#define INTR_TYPE_SW_INT            4u
#define INTR_INFO_DELIVER_ERROR     (1u << 11)
#define INTR_INFO_VALID             (1u << 31)

/* Guest interruptibility state. */
#define INTERRUPTIBILITY_STI        (1u << 0)
#define INTERRUPTIBILITY_MOV_SS     (1u << 1)

#define EXIT_REASON_ENTRY_FAILED    (1u << 31)

/* EPT entries: Intel SDM Vol. 3C, "EPT Translation Mechanism". */
#define EPT_READ                    (1ul << 0)
#define EPT_WRITE                   (1ul << 1)
#define EPT_EXEC                    (1ul << 2)
#define EPT_MEMTYPE_WB              (6ul << 3)
#define EPTP_MEMTYPE_WB             6ul
#define EPTP_WALK_LENGTH_4          (3ul << 3)

/* vmx_check.c: explain a failed VM entry by the SDM check it breaks. */
struct vmx_caps {
    uint64_t pin, proc, proc2, exit, entry;     /* allowed 0 (low) / 1 (high) */
    uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};
extern struct vmx_caps vmx_caps;
uint64_t vmcs_read(enum vmcs_field f);
/* Print the first guest-state check of Intel SDM Vol. 3C, "Checks on the
 * Guest State Area", that the current VMCS fails, and return its name. */
const char *vmx_check_guest_state(void);
/* Same for "Checks on VMX Controls" and "Checks on Host Control
 * Registers, MSRs, and Segment Registers". */
const char *vmx_check_controls(void);
const char *vmx_instruction_error_name(uint32_t err);

#endif
