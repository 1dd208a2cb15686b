/*
 * include/tern/decode.h: the x86 instruction decoder for MMIO emulation
 * (kernel/decode.c).
 *
 * An EPT violation or nested page fault on an MMIO hole tells the
 * hypervisor where the guest touched memory, not what it did. The exit
 * handler fetches up to 15 instruction bytes at the guest's RIP, calls
 * decode_insn(), and hands the result to emulate_insn() (<tern/emulate.h>).
 * The length also lets SVM without next-RIP advance RIP.
 *
 * Only the instructions that access memory and that guests use on device
 * registers are decoded (the list is in enum decode_op); everything else,
 * and every register-only form, is -EINVAL. The references are the Intel
 * SDM Vol. 2A, "Instruction Format" and "Instruction Prefixes", and
 * Vol. 2D, "Opcode Map" (operand codes such as Ev, Gb, Iz).
 *
 * Pure, no state, any context.
 */
#ifndef TERN_DECODE_H
#define TERN_DECODE_H

#include <tern/compiler.h>

/* Longest legal x86 instruction (Intel SDM Vol. 2A, "Instruction Format"). */
#define DECODE_MAX_LEN  15

/* The code segment's default sizes, which is what decoding depends on. */
enum decode_mode {
    DECODE_MODE_16,     /* real, virtual-8086, 16-bit protected (CS.D=0) */
    DECODE_MODE_32,     /* 32-bit protected, compatibility mode (CS.D=1) */
    DECODE_MODE_64,     /* 64-bit long mode (CS.L=1) */
};

/* General-purpose registers, numbered as the encoding numbers them. */
enum decode_gpr {
    DECODE_GPR_NONE = -1,
    DECODE_GPR_RAX, DECODE_GPR_RCX, DECODE_GPR_RDX, DECODE_GPR_RBX,
    DECODE_GPR_RSP, DECODE_GPR_RBP, DECODE_GPR_RSI, DECODE_GPR_RDI,
    DECODE_GPR_R8, DECODE_GPR_R9, DECODE_GPR_R10, DECODE_GPR_R11,
    DECODE_GPR_R12, DECODE_GPR_R13, DECODE_GPR_R14, DECODE_GPR_R15,
};

/* Segment registers in encoding order (also struct emulate_regs order). */
enum decode_seg {
    DECODE_SEG_ES, DECODE_SEG_CS, DECODE_SEG_SS,
    DECODE_SEG_DS, DECODE_SEG_FS, DECODE_SEG_GS,
};

enum decode_op {
    DECODE_OP_NONE,     /* never in a decoded instruction */
    DECODE_OP_MOV,      /* 88-8B, C6 /0, C7 /0, A0-A3 */
    DECODE_OP_MOVZX,    /* 0F B6, 0F B7 */
    DECODE_OP_MOVSX,    /* 0F BE, 0F BF; MOVSXD 63 (64-bit mode) */
    DECODE_OP_MOVS,     /* A4, A5 */
    DECODE_OP_STOS,     /* AA, AB */
    DECODE_OP_LODS,     /* AC, AD */
    DECODE_OP_ADD,      /* 00-03, 80-83 /0 (the order of 80 /0-/7) */
    DECODE_OP_OR,
    DECODE_OP_ADC,
    DECODE_OP_SBB,
    DECODE_OP_AND,
    DECODE_OP_SUB,
    DECODE_OP_XOR,
    DECODE_OP_CMP,      /* 38-3B, 80-83 /7 */
    DECODE_OP_TEST,     /* 84, 85, F6 /0, F7 /0 */
    DECODE_OP_XCHG,     /* 86, 87 */
    DECODE_OP_BT,       /* 0F A3, 0F BA /4 */
    DECODE_OP_BTS,      /* 0F AB, 0F BA /5 */
    DECODE_OP_BTR,      /* 0F B3, 0F BA /6 */
    DECODE_OP_BTC,      /* 0F BB, 0F BA /7 */
    DECODE_OP_INC,      /* FE /0, FF /0 */
    DECODE_OP_DEC,      /* FE /1, FF /1 */
    DECODE_OP_NOT,      /* F6 /2, F7 /2 */
    DECODE_OP_NEG,      /* F6 /3, F7 /3 */
};

/* What an operand is. The memory operand is described by insn->mem. */
enum decode_opnd {
    DECODE_OPND_NONE,
    DECODE_OPND_REG,    /* insn->reg (with insn->reg_hi8) */
    DECODE_OPND_MEM,
    DECODE_OPND_IMM,    /* insn->imm */
};

enum decode_rep {
    DECODE_REP_NONE,
    DECODE_REP,         /* F3 */
    DECODE_REPNE,       /* F2 */
};

/*
 * The memory operand: offset = base + index * scale + disp (+ the address
 * of the next instruction if rip_rel), truncated to the address size.
 * For moffs (A0-A3) only disp is set. For MOVS and LODS the operand is
 * the source at seg:rSI (base = RSI); for STOS it is ES:rDI (base = RDI);
 * the destination of MOVS is always ES:rDI.
 */
struct decode_mem {
    int8_t base;        /* enum decode_gpr, or DECODE_GPR_NONE */
    int8_t index;       /* enum decode_gpr, or DECODE_GPR_NONE */
    uint8_t scale;      /* 1, 2, 4, 8 (meaningful with an index) */
    bool rip_rel;       /* 64-bit mode, ModRM mod=00 r/m=101 */
    int64_t disp;       /* sign-extended; moffs as encoded */
};

struct decode_insn {
    uint8_t length;             /* bytes, prefixes and immediate included */
    enum decode_mode mode;      /* the mode it was decoded in */
    enum decode_op op;
    uint16_t opcode;            /* 0x00-0xff, or 0x0f00 | second byte */

    /*
     * Operands in SDM order: dst is the first operand (the one an
     * ALU op writes, or CMP/TEST/BT compares), src the second. XCHG
     * writes both; INC/DEC/NOT/NEG have src NONE.
     */
    enum decode_opnd dst, src;
    uint8_t opsize;             /* operand size in bytes: 1, 2, 4, 8 */
    uint8_t memsize;            /* bytes of memory accessed; < opsize for
                                   MOVZX, MOVSX and MOVSXD */
    uint8_t addrsize;           /* address size in bytes: 2, 4, 8 */

    uint8_t reg;                /* register operand, enum decode_gpr;
                                   AL/rAX (0) for moffs, STOS, LODS */
    bool reg_hi8;               /* reg is AH, CH, DH or BH: byte 1 of
                                   gpr[reg], reg 0-3 (no REX present) */
    uint64_t imm;               /* sign-extended to 64 bits */

    enum decode_seg seg;        /* of insn->mem: the override or default */
    enum decode_rep rep;        /* recorded for every op; only string
                                   ops repeat */
    bool lock;                  /* F0: legal here, no effect on emulation */
    struct decode_mem mem;
};

/*
 * Decode the instruction at 'bytes' (the first 'avail' of which are
 * valid) as a CPU in 'mode' would. Reads no further than the instruction.
 * Returns 0 and fills 'out', or (leaving 'out' unspecified):
 *   -E2BIG   the buffer ends before the instruction does: fetch more bytes
 *            (the instruction is at most DECODE_MAX_LEN) and call again;
 *   -EINVAL  not an instruction this decoder handles: an opcode outside
 *            enum decode_op, a register-only ModRM form (mod=11), LOCK
 *            where the SDM raises #UD, or longer than DECODE_MAX_LEN.
 */
int decode_insn(const uint8_t *bytes, size_t avail, enum decode_mode mode,
                struct decode_insn *out);

/*
 * The memory operand's offset in its segment, wrapped to the address
 * size. 'gpr' in enum decode_gpr order; 'rip' is the address of the
 * instruction itself (RIP-relative operands add insn->length to it).
 */
uint64_t decode_ea(const struct decode_insn *insn, const uint64_t gpr[16],
                   uint64_t rip);

/*
 * The linear address of offset 'ea' in segment 'seg'. In 64-bit mode the
 * ES, CS, SS and DS bases count as zero; elsewhere linear addresses wrap
 * at 4 GiB (Intel SDM Vol. 3A, "Logical and Linear Addresses"). Limits,
 * access rights and canonical form are not checked: the access that
 * caused the exit already passed those checks.
 */
uint64_t decode_linear(enum decode_mode mode, enum decode_seg seg,
                       const uint64_t seg_base[6], uint64_t ea);

/* decode_linear() of decode_ea(): where the memory operand is. */
uint64_t decode_mem_linear(const struct decode_insn *insn,
                           const uint64_t gpr[16], uint64_t rip,
                           const uint64_t seg_base[6]);

/* All ones in the low 'bytes' bytes (1, 2, 4 or 8). */
static inline uint64_t decode_mask(unsigned int bytes)
{
    return bytes >= 8 ? ~0ull : (1ull << (bytes * 8)) - 1;
}

/* The low 'bytes' bytes of v, sign-extended (in unsigned arithmetic). */
static inline uint64_t decode_sext(uint64_t v, unsigned int bytes)
{
    uint64_t sign = (decode_mask(bytes) >> 1) + 1;
    return ((v & decode_mask(bytes)) ^ sign) - sign;
}

#endif
