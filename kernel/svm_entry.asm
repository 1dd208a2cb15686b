; kernel/svm_entry.asm: running an SVM guest until its next #VMEXIT.
;
; void svm_enter(struct hvm_regs *regs, uint64_t vmcb_pa, uint64_t host_pa)
;   One world switch, in and back (AMD APM Vol. 2, "VMRUN Instruction",
;   "#VMEXIT", "VMSAVE and VMLOAD Instructions", "Global Interrupt Flag,
;   STGI and CLGI Instructions"). Unlike VMX there is no host-state area
;   and no separate exit entry point: VMRUN saves some host state in the
;   VM_HSAVE_PA page and #VMEXIT resumes at the instruction after VMRUN,
;   on this stack, as if VMRUN had been an ordinary call.
;
;   What VMRUN and #VMEXIT switch: RAX, RSP, RIP, RFLAGS, CS, SS, DS,
;   ES, CR0, CR2, CR3, CR4, EFER, GDTR, IDTR, DR6, DR7 (the guest's live
;   in the VMCB; svm.c copies RAX, RSP, RIP and RFLAGS to and from regs).
;   What they do not: the other 14 GPRs (loaded from and saved to regs
;   here), and FS, GS, TR, LDTR with their hidden parts, KernelGsBase,
;   STAR, LSTAR, CSTAR, SFMASK and SYSENTER_*. Those go through
;   VMLOAD/VMSAVE: the host's into the page at host_pa, the guest's into
;   its VMCB. That matters to Tern: its GS base is the per-CPU pointer,
;   and right after #VMEXIT it is still the guest's.
;
;   CLGI ... STGI brackets it all. With GIF=0 the CPU holds every
;   interrupt, NMI and SMI pending, so nothing can run on the host side
;   while GS or TR hold guest values. STI before VMRUN sets the host
;   RFLAGS.IF that VMRUN saves: with V_INTR_MASKING that is what lets a
;   physical interrupt exit the guest ("Physical (INTR) Interrupt
;   Masking in EFLAGS"). Back on the host side CLI comes before STGI, so
;   the interrupt that caused an INTR exit stays pending until hvm.c
;   opens its window.
;
; Context: interrupts off on entry and on return; CPL 0, EFER.SVME=1.

bits 64
section .text

%include "hvm_regs.inc"

global svm_enter
svm_enter:
        push rbp                        ; the callee-saved registers: the
        push rbx                        ; guest's replace them
        push r12
        push r13
        push r14
        push r15
        push rdi                        ; [rsp + 16] = regs
        push rdx                        ; [rsp + 8]  = host_pa
        push rsi                        ; [rsp]      = vmcb_pa

        clgi                            ; GIF=0 until STGI below
        sti
        mov rax, rdx
        vmsave                          ; host FS, GS, TR, LDTR, MSRs -> [host_pa]
        mov rax, rsi
        vmload                          ; guest's from its VMCB

        LOAD_GPRS_BUT_RAX_RDI
        mov rdi, [rdi + HVM_RDI]        ; last: it held the pointer
        vmrun                           ; RAX = the VMCB's physical address

        ; #VMEXIT: host RSP, RAX and RFLAGS are back, GIF=0. Only the
        ; stack may be used until VMLOAD: GS is the guest's.
        push rdi                        ; the guest's RDI
        mov rdi, [rsp + 24]             ; regs
        SAVE_GPRS_BUT_RAX_RDI
        pop rax
        mov [rdi + HVM_RDI], rax

        pop rax                         ; vmcb_pa
        vmsave                          ; guest FS, GS, TR, ... -> its VMCB
        pop rax                         ; host_pa
        vmload                          ; the host's back: GS = per-CPU area
        cli
        stgi

        pop rdi
        pop r15
        pop r14
        pop r13
        pop r12
        pop rbx
        pop rbp
        ret
