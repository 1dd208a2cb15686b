/*
 * kernel/emulate.c: execute one instruction from kernel/decode.c against
 * guest registers, with memory through callbacks (<tern/emulate.h>).
 *
 * Each operation has an entry in op_info[]: an executor for its shape
 * (ALU op or move, bit test, XCHG, string) and, for ALU ops, moves and bit
 * tests, a function computing the result and RFLAGS from the SDM's
 * definitions (Intel SDM Vol. 2A/2B, the instruction's "Operation" and
 * "Flags Affected"; Vol. 1, "Status Flags"). Executors make every memory
 * access of an instruction (of one element, for REP) before they change
 * a register or RFLAGS, so a failed access leaves the guest as it was.
 *
 * Pure, no state, any context. Unit-tested in tests/unit/test_emulate.c,
 * with flags checked against the host CPU running the same operations.
 */
#include <tern/decode.h>
#include <tern/emulate.h>
#include <tern/errno.h>

/* One emulation in progress. */
struct emu {
    const struct decode_insn *insn;
    struct emulate_regs *regs;
    const struct emulate_ops *ops;
    void *ctx;
    uint64_t ea;                /* the memory operand's offset */
};

/* ---- Registers ---- */

/* Read 'size' bytes of a register, or AH/CH/DH/BH if hi8. */
static uint64_t reg_read(const struct emulate_regs *r, unsigned int reg,
                         bool hi8, unsigned int size)
{
    if (hi8)
        return (r->gpr[reg] >> 8) & 0xff;
    return r->gpr[reg] & decode_mask(size);
}

/* Write a register as the SDM says (Vol. 1, "General-Purpose Registers
 * in 64-Bit Mode"): 8 and 16 bits merge, 32 and 64 bits replace. */
static void reg_write(struct emulate_regs *r, unsigned int reg, bool hi8,
                      unsigned int size, uint64_t v)
{
    if (hi8) {
        r->gpr[reg] = (r->gpr[reg] & ~0xff00ull) | (v & 0xff) << 8;
    } else if (size <= 2) {
        uint64_t m = decode_mask(size);
        r->gpr[reg] = (r->gpr[reg] & ~m) | (v & m);
    } else {
        r->gpr[reg] = v & decode_mask(size);
    }
}

/* ---- Memory ---- */

static int mem_read(const struct emu *e, uint64_t gla, unsigned int size,
                    uint64_t *v)
{
    uint64_t x = 0;
    int rc = e->ops->read(e->ctx, gla, size, &x);
    *v = x & decode_mask(size);
    return rc;
}

static int mem_write(const struct emu *e, uint64_t gla, unsigned int size,
                     uint64_t v)
{
    return e->ops->write(e->ctx, gla, size, v & decode_mask(size));
}

/* The linear address of e->ea in the operand's segment. */
static uint64_t operand_gla(const struct emu *e)
{
    return decode_linear(e->insn->mode, e->insn->seg, e->regs->seg_base,
                         e->ea);
}

/* Read an operand. A memory source narrower than the operand (MOVZX,
 * MOVSX, MOVSXD) is zero- or sign-extended to it. */
static int opnd_read(const struct emu *e, enum decode_opnd kind, uint64_t *v)
{
    const struct decode_insn *insn = e->insn;
    int rc;

    switch (kind) {
    case DECODE_OPND_REG:
        *v = reg_read(e->regs, insn->reg, insn->reg_hi8, insn->opsize);
        return 0;
    case DECODE_OPND_IMM:
        *v = insn->imm & decode_mask(insn->opsize);
        return 0;
    case DECODE_OPND_MEM:
        rc = mem_read(e, operand_gla(e), insn->memsize, v);
        if (!rc && insn->op == DECODE_OP_MOVSX)
            *v = decode_sext(*v, insn->memsize) & decode_mask(insn->opsize);
        return rc;
    default:
        *v = 0;
        return 0;
    }
}

/* Write the destination. Callers write a register destination only after
 * their last memory access. */
static int opnd_write(const struct emu *e, enum decode_opnd kind, uint64_t v)
{
    const struct decode_insn *insn = e->insn;

    if (kind == DECODE_OPND_MEM)
        return mem_write(e, operand_gla(e), insn->memsize, v);
    reg_write(e->regs, insn->reg, insn->reg_hi8, insn->opsize, v);
    return 0;
}

/* ---- Flags ---- */

/* PF: set when the low byte of the result has an even number of ones. */
static bool parity_even(uint64_t v)
{
    v &= 0xff;
    v ^= v >> 4;
    v ^= v >> 2;
    v ^= v >> 1;
    return !(v & 1);
}

/* ZF, SF, PF of a result of 'size' bytes. */
static uint64_t flags_szp(uint64_t res, unsigned int size)
{
    uint64_t f = 0;
    res &= decode_mask(size);
    if (res == 0)
        f |= RFLAGS_ZF;
    if (res >> (size * 8 - 1))
        f |= RFLAGS_SF;
    if (parity_even(res))
        f |= RFLAGS_PF;
    return f;
}

/*
 * Flags of res = d + s (+ carry in). The carry out of each bit is
 * (d & s) | ((d | s) & ~res): both inputs set, or one set and the sum bit
 * clear (so a carry came in). CF is the carry out of the top bit, AF out
 * of bit 3 (= bit 4 of d ^ s ^ res); OF when d and s have the same sign
 * and res another.
 */
static uint64_t flags_add(uint64_t d, uint64_t s, uint64_t res,
                          unsigned int size)
{
    unsigned int top = size * 8 - 1;
    uint64_t carry = (d & s) | ((d | s) & ~res);
    uint64_t f = flags_szp(res, size);

    if ((carry >> top) & 1)
        f |= RFLAGS_CF;
    if ((((d ^ res) & (s ^ res)) >> top) & 1)
        f |= RFLAGS_OF;
    if ((d ^ s ^ res) & 0x10)
        f |= RFLAGS_AF;
    return f;
}

/* Flags of res = d - s (- borrow in): the borrow out of each bit is
 * (~d & s) | ((~d | s) & res); OF when d and s differ in sign and res
 * differs from d. */
static uint64_t flags_sub(uint64_t d, uint64_t s, uint64_t res,
                          unsigned int size)
{
    unsigned int top = size * 8 - 1;
    uint64_t borrow = (~d & s) | ((~d | s) & res);
    uint64_t f = flags_szp(res, size);

    if ((borrow >> top) & 1)
        f |= RFLAGS_CF;
    if ((((d ^ s) & (d ^ res)) >> top) & 1)
        f |= RFLAGS_OF;
    if ((d ^ s ^ res) & 0x10)
        f |= RFLAGS_AF;
    return f;
}

/* Replace the flags in 'which' with those of 'f'. */
static void set_flags(uint64_t *rflags, uint64_t which, uint64_t f)
{
    *rflags = (*rflags & ~which) | (f & which);
}

/* ---- Operations: the result of d op s, and the new RFLAGS ---- */

static uint64_t alu_mov(uint64_t d, uint64_t s, unsigned int size,
                        uint64_t *rflags)
{
    return s;
}

static uint64_t alu_add(uint64_t d, uint64_t s, unsigned int size,
                        uint64_t *rflags)
{
    uint64_t res = (d + s) & decode_mask(size);
    set_flags(rflags, RFLAGS_ARITH, flags_add(d, s, res, size));
    return res;
}

static uint64_t alu_adc(uint64_t d, uint64_t s, unsigned int size,
                        uint64_t *rflags)
{
    uint64_t res = (d + s + (*rflags & RFLAGS_CF)) & decode_mask(size);
    set_flags(rflags, RFLAGS_ARITH, flags_add(d, s, res, size));
    return res;
}

static uint64_t alu_sub(uint64_t d, uint64_t s, unsigned int size,
                        uint64_t *rflags)
{
    uint64_t res = (d - s) & decode_mask(size);
    set_flags(rflags, RFLAGS_ARITH, flags_sub(d, s, res, size));
    return res;
}

static uint64_t alu_sbb(uint64_t d, uint64_t s, unsigned int size,
                        uint64_t *rflags)
{
    uint64_t res = (d - s - (*rflags & RFLAGS_CF)) & decode_mask(size);
    set_flags(rflags, RFLAGS_ARITH, flags_sub(d, s, res, size));
    return res;
}

/* AND, OR, XOR, TEST: CF = OF = 0; AF is undefined, cleared here. */
static uint64_t logic_result(uint64_t res, unsigned int size,
                             uint64_t *rflags)
{
    set_flags(rflags, RFLAGS_ARITH, flags_szp(res, size));
    return res;
}

static uint64_t alu_and(uint64_t d, uint64_t s, unsigned int size,
                        uint64_t *rflags)
{
    return logic_result(d & s, size, rflags);
}

static uint64_t alu_or(uint64_t d, uint64_t s, unsigned int size,
                       uint64_t *rflags)
{
    return logic_result(d | s, size, rflags);
}

static uint64_t alu_xor(uint64_t d, uint64_t s, unsigned int size,
                        uint64_t *rflags)
{
    return logic_result(d ^ s, size, rflags);
}

/* INC and DEC leave CF alone. */
static uint64_t alu_inc(uint64_t d, uint64_t s, unsigned int size,
                        uint64_t *rflags)
{
    uint64_t res = (d + 1) & decode_mask(size);
    set_flags(rflags, RFLAGS_ARITH & ~RFLAGS_CF, flags_add(d, 1, res, size));
    return res;
}

static uint64_t alu_dec(uint64_t d, uint64_t s, unsigned int size,
                        uint64_t *rflags)
{
    uint64_t res = (d - 1) & decode_mask(size);
    set_flags(rflags, RFLAGS_ARITH & ~RFLAGS_CF, flags_sub(d, 1, res, size));
    return res;
}

static uint64_t alu_not(uint64_t d, uint64_t s, unsigned int size,
                        uint64_t *rflags)
{
    return ~d & decode_mask(size);
}

/* NEG is 0 - d; its CF (set unless d was 0) falls out of flags_sub. */
static uint64_t alu_neg(uint64_t d, uint64_t s, unsigned int size,
                        uint64_t *rflags)
{
    return alu_sub(0, d, size, rflags);
}

/* BT*: s is the bit number within d; CF gets the old bit. */
static uint64_t bit_test(uint64_t d, uint64_t s, uint64_t *rflags)
{
    set_flags(rflags, RFLAGS_CF, (d >> s) & 1 ? RFLAGS_CF : 0);
    return 1ull << s;
}

static uint64_t alu_bt(uint64_t d, uint64_t s, unsigned int size,
                       uint64_t *rflags)
{
    bit_test(d, s, rflags);
    return d;
}

static uint64_t alu_bts(uint64_t d, uint64_t s, unsigned int size,
                        uint64_t *rflags)
{
    return d | bit_test(d, s, rflags);
}

static uint64_t alu_btr(uint64_t d, uint64_t s, unsigned int size,
                        uint64_t *rflags)
{
    return d & ~bit_test(d, s, rflags);
}

static uint64_t alu_btc(uint64_t d, uint64_t s, unsigned int size,
                        uint64_t *rflags)
{
    return d ^ bit_test(d, s, rflags);
}

/* ---- Executors, one per instruction shape ---- */

#define OP_READ     (1u << 0)   /* uses the destination's old value */
#define OP_WRITE    (1u << 1)   /* writes the result to the destination */

/* How to execute an operation; the table is op_info[], at the end. */
struct op_info {
    int (*exec)(const struct emu *e);
    uint64_t (*alu)(uint64_t d, uint64_t s, unsigned int size,
                    uint64_t *rflags);
    unsigned int flags;         /* OP_* */
};

static const struct op_info *op_lookup(enum decode_op op);

/* dst = dst op src; memory read before written, RFLAGS set last. */
static int apply(const struct emu *e, uint64_t src)
{
    const struct op_info *oi = op_lookup(e->insn->op);
    const struct decode_insn *insn = e->insn;
    uint64_t dst = 0, rflags = e->regs->rflags;
    int rc;

    if ((oi->flags & OP_READ) && (rc = opnd_read(e, insn->dst, &dst)))
        return rc;
    uint64_t res = oi->alu(dst, src, insn->opsize, &rflags);
    if ((oi->flags & OP_WRITE) && (rc = opnd_write(e, insn->dst, res)))
        return rc;
    e->regs->rflags = rflags;
    return 0;
}

/* MOV, MOVZX, MOVSX, the ALU ops, TEST, INC, DEC, NOT, NEG. */
static int exec_alu(const struct emu *e)
{
    uint64_t src;
    int rc = opnd_read(e, e->insn->src, &src);
    return rc ? rc : apply(e, src);
}

/*
 * BT, BTS, BTR, BTC on memory (Vol. 2A, "BT"): an immediate bit offset is
 * taken modulo the operand width; a register one is signed and reaches
 * outside the operand: to the operand-sized word (offset SAR log2(width))
 * words away, bit (offset mod width) of it.
 */
static int exec_bt(const struct emu *e)
{
    const struct decode_insn *insn = e->insn;
    unsigned int bits = insn->opsize * 8;
    struct emu at = *e;
    uint64_t off;
    int rc = opnd_read(e, insn->src, &off);

    if (rc)
        return rc;
    if (insn->src == DECODE_OPND_REG) {
        unsigned int shift = bits == 16 ? 4 : bits == 32 ? 5 : 6;
        int64_t words = (int64_t)decode_sext(off, insn->opsize) >> shift;
        at.ea = (e->ea + (uint64_t)words * insn->opsize) &
                decode_mask(insn->addrsize);
    }
    return apply(&at, off & (bits - 1));
}

/* XCHG: memory gets the register, then the register gets memory. */
static int exec_xchg(const struct emu *e)
{
    const struct decode_insn *insn = e->insn;
    uint64_t gla = operand_gla(e), m;
    uint64_t r = reg_read(e->regs, insn->reg, insn->reg_hi8, insn->opsize);
    int rc = mem_read(e, gla, insn->opsize, &m);

    if (rc || (rc = mem_write(e, gla, insn->opsize, r)))
        return rc;
    reg_write(e->regs, insn->reg, insn->reg_hi8, insn->opsize, m);
    return 0;
}

/*
 * One element of MOVS, STOS or LODS (Vol. 2B, "MOVS" and "STOS"; Vol. 2A,
 * "LODS"): the source is seg:rSI or rAX, the destination ES:rDI or rAX;
 * rSI and rDI then step by the operand size, down if DF is set, wrapping
 * at the address size (SI, ESI, RSI) like a register write of that size.
 */
static int string_step(const struct emu *e)
{
    const struct decode_insn *insn = e->insn;
    struct emulate_regs *r = e->regs;
    unsigned int size = insn->opsize, as = insn->addrsize;
    uint64_t delta = r->rflags & RFLAGS_DF ? -(uint64_t)size : size;
    uint64_t rsi = r->gpr[DECODE_GPR_RSI], rdi = r->gpr[DECODE_GPR_RDI];
    uint64_t src = decode_linear(insn->mode, insn->seg, r->seg_base,
                                 rsi & decode_mask(as));
    uint64_t dst = decode_linear(insn->mode, DECODE_SEG_ES, r->seg_base,
                                 rdi & decode_mask(as));
    uint64_t v = reg_read(r, DECODE_GPR_RAX, false, size);
    int rc;

    if (insn->src == DECODE_OPND_MEM && (rc = mem_read(e, src, size, &v)))
        return rc;
    if (insn->dst == DECODE_OPND_MEM && (rc = mem_write(e, dst, size, v)))
        return rc;

    if (insn->dst == DECODE_OPND_REG)
        reg_write(r, DECODE_GPR_RAX, false, size, v);
    if (insn->src == DECODE_OPND_MEM)
        reg_write(r, DECODE_GPR_RSI, false, as, rsi + delta);
    if (insn->dst == DECODE_OPND_MEM)
        reg_write(r, DECODE_GPR_RDI, false, as, rdi + delta);
    return 0;
}

/*
 * A string instruction, repeated while rCX (of the address size) is not
 * zero if it has REP or REPNE (which act alike on MOVS, STOS and LODS).
 * Returns 1 if iterations remain: the caller leaves RIP alone.
 */
static int exec_string(const struct emu *e)
{
    const struct decode_insn *insn = e->insn;
    bool rep = insn->rep != DECODE_REP_NONE;
    uint64_t count = rep ? e->regs->gpr[DECODE_GPR_RCX] &
                           decode_mask(insn->addrsize) : 1;

    for (unsigned int n = 0; count != 0 && n < EMULATE_REP_MAX; n++) {
        int rc = string_step(e);
        if (rc)
            return rc;
        count--;
        if (rep)
            reg_write(e->regs, DECODE_GPR_RCX, false, insn->addrsize, count);
        if (e->ops->string_step_done)
            e->ops->string_step_done(e->ctx);
    }
    return count != 0;
}

static const struct op_info op_info[] = {
    [DECODE_OP_MOV]     = { exec_alu, alu_mov, OP_WRITE },
    [DECODE_OP_MOVZX]   = { exec_alu, alu_mov, OP_WRITE },
    [DECODE_OP_MOVSX]   = { exec_alu, alu_mov, OP_WRITE },
    [DECODE_OP_MOVS]    = { exec_string },
    [DECODE_OP_STOS]    = { exec_string },
    [DECODE_OP_LODS]    = { exec_string },
    [DECODE_OP_ADD]     = { exec_alu, alu_add, OP_READ | OP_WRITE },
    [DECODE_OP_OR]      = { exec_alu, alu_or,  OP_READ | OP_WRITE },
    [DECODE_OP_ADC]     = { exec_alu, alu_adc, OP_READ | OP_WRITE },
    [DECODE_OP_SBB]     = { exec_alu, alu_sbb, OP_READ | OP_WRITE },
    [DECODE_OP_AND]     = { exec_alu, alu_and, OP_READ | OP_WRITE },
    [DECODE_OP_SUB]     = { exec_alu, alu_sub, OP_READ | OP_WRITE },
    [DECODE_OP_XOR]     = { exec_alu, alu_xor, OP_READ | OP_WRITE },
    [DECODE_OP_CMP]     = { exec_alu, alu_sub, OP_READ },
    [DECODE_OP_TEST]    = { exec_alu, alu_and, OP_READ },
    [DECODE_OP_XCHG]    = { exec_xchg },
    [DECODE_OP_BT]      = { exec_bt, alu_bt,  OP_READ },
    [DECODE_OP_BTS]     = { exec_bt, alu_bts, OP_READ | OP_WRITE },
    [DECODE_OP_BTR]     = { exec_bt, alu_btr, OP_READ | OP_WRITE },
    [DECODE_OP_BTC]     = { exec_bt, alu_btc, OP_READ | OP_WRITE },
    [DECODE_OP_INC]     = { exec_alu, alu_inc, OP_READ | OP_WRITE },
    [DECODE_OP_DEC]     = { exec_alu, alu_dec, OP_READ | OP_WRITE },
    [DECODE_OP_NOT]     = { exec_alu, alu_not, OP_READ | OP_WRITE },
    [DECODE_OP_NEG]     = { exec_alu, alu_neg, OP_READ | OP_WRITE },
};

static const struct op_info *op_lookup(enum decode_op op)
{
    return (unsigned int)op < ARRAY_SIZE(op_info) ? &op_info[op] : NULL;
}

int emulate_insn(const struct decode_insn *insn, enum decode_mode mode,
                 struct emulate_regs *regs, const struct emulate_ops *ops,
                 void *ctx)
{
    const struct op_info *oi = op_lookup(insn->op);
    if (insn->mode != mode || !oi || !oi->exec)
        return -EINVAL;

    struct emu e = { insn, regs, ops, ctx,
                     decode_ea(insn, regs->gpr, regs->rip) };
    int rc = oi->exec(&e);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        uint64_t ip_mask = mode == DECODE_MODE_16 ? 0xffff :
                           mode == DECODE_MODE_32 ? 0xffffffff : ~0ull;
        regs->rip = (regs->rip + insn->length) & ip_mask;
    }
    return 0;
}
