/*
 * include/tern/emulate.h: execute one decoded instruction against a
 * guest's registers and memory (kernel/emulate.c).
 *
 * The MMIO exit handler decodes the faulting instruction (<tern/decode.h>)
 * and calls emulate_insn() with the guest's registers and two callbacks
 * that read and write guest linear addresses; the callbacks translate the
 * address and route the access to a device or to RAM. Results follow the
 * Intel SDM Vol. 2A/2B instruction pages: register writes, RFLAGS, rSI,
 * rDI and rCX updates, and RIP.
 *
 * Pure (all effects go through 'regs' and 'ops'), any context.
 */
#ifndef TERN_EMULATE_H
#define TERN_EMULATE_H

#include <tern/compiler.h>
#include <tern/decode.h>

/* RFLAGS status bits (Intel SDM Vol. 1, "EFLAGS Register"). Spelled
 * exactly as <tern/x86.h> spells RFLAGS_DF, so that including both is a
 * harmless redefinition; the unit tests' stub.h replaces x86.h. */
#define RFLAGS_CF       (1ul << 0)
#define RFLAGS_PF       (1ul << 2)
#define RFLAGS_AF       (1ul << 4)
#define RFLAGS_ZF       (1ul << 6)
#define RFLAGS_SF       (1ul << 7)
#define RFLAGS_DF       (1ul << 10)
#define RFLAGS_OF       (1ul << 11)
#define RFLAGS_ARITH    (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | \
                         RFLAGS_SF | RFLAGS_OF)

/* Iterations of a REP string instruction done per emulate_insn() call. */
#define EMULATE_REP_MAX 64

/* General-purpose registers in x86 encoding order (enum decode_gpr):
 * RAX RCX RDX RBX RSP RBP RSI RDI R8..R15. */
struct emulate_regs {
    uint64_t gpr[16];
    uint64_t rip, rflags;
    uint64_t seg_base[6];       /* ES CS SS DS FS GS (enum decode_seg) */
};

struct emulate_ops {
    /* Read/write 'size' (1, 2, 4, 8) bytes at guest LINEAR address 'gla';
     * the hypervisor translates and routes to MMIO or RAM. Return 0, or
     * a negative errno (the emulation stops and returns it). Bits of
     * *val above 'size' bytes are ignored; 'val' has none. */
    int (*read)(void *ctx, uint64_t gla, unsigned int size, uint64_t *val);
    int (*write)(void *ctx, uint64_t gla, unsigned int size, uint64_t val);
    /* Optional: one element of a string instruction (MOVS, STOS, LODS)
     * is complete and its register updates are in 'regs'. A caller that
     * replays the accesses of a stopped instruction forgets the finished
     * element's here. */
    void (*string_step_done)(void *ctx);
};

/*
 * Execute 'insn', decoded in 'mode', on 'regs', with memory through 'ops'
 * ('ctx' is passed to them). regs->rip is the instruction's address.
 *
 * Register semantics are the SDM's: 8- and 16-bit writes keep the other
 * bits, 32-bit writes zero bits 63:32 (the SDM rule for 64-bit mode;
 * outside it those bits are not visible, and one rule keeps this simple).
 * A read-modify-write reads its memory operand once, then writes it once;
 * LOCK changes nothing here (atomicity against other vCPUs, if a device
 * needs it, is the caller's concern). Flags the SDM leaves undefined: AF
 * is cleared by AND, OR, XOR and TEST; BT* change CF only.
 *
 * Returns 0 when the instruction ran. RIP then points past it (wrapping
 * at the width of IP/EIP outside 64-bit mode), except for REP string
 * instructions (F3, or F2, which MOVS, STOS and LODS treat alike): those
 * run at most EMULATE_REP_MAX iterations per call, and if rCX has not
 * reached zero RIP stays on the instruction, so the guest re-executes it
 * and exits again for the rest (rCX, rSI, rDI show the progress, as after
 * an interrupt in the middle of a REP).
 *
 * Returns -EINVAL if 'insn' was decoded in another mode (or not by
 * decode_insn()), or the error of a failing callback. Then RIP is
 * unchanged, and so are the registers, RFLAGS and memory, except for what
 * completed iterations of a REP instruction did (reads made before the
 * failure may have had device side effects).
 */
int emulate_insn(const struct decode_insn *insn, enum decode_mode mode,
                 struct emulate_regs *regs, const struct emulate_ops *ops,
                 void *ctx);

#endif
