/*
 * kernel/decode.c: decode the memory-accessing x86 instructions that MMIO
 * emulation meets (interface and error codes in <tern/decode.h>).
 *
 * An instruction is, in order (Intel SDM Vol. 2A, "Instruction Format"):
 * legacy prefixes, a REX prefix (64-bit mode only), one or two opcode
 * bytes, ModRM, SIB, displacement, immediate. Opcodes are looked up in two
 * tables written in the notation of the SDM's opcode map (Vol. 2D, "Opcode
 * Map": E = ModRM memory operand, G = ModRM.reg register, I = immediate);
 * "group" opcodes (80, F6, FF, 0F BA, ...) take their operation from
 * ModRM.reg. Everything else is small helpers in encoding order.
 *
 * Pure, no state, any context. Unit-tested in tests/unit/test_decode.c.
 */
#include <tern/decode.h>
#include <tern/errno.h>
#include <tern/lib.h>

/* Opcode attributes. */
#define A_BYTE      (1u << 0)   /* byte operands: Eb, Gb, AL */
#define A_IMM8      (1u << 1)   /* immediate is Ib; otherwise Iz */
#define A_MOFFS     (1u << 2)   /* memory operand is a moffs, no ModRM */
#define A_STRING    (1u << 3)   /* memory operand at rSI/rDI, no ModRM */
#define A_SRC8      (1u << 4)   /* memory operand is Eb (MOVZX, MOVSX) */
#define A_SRC16     (1u << 5)   /* memory operand is Ew */
#define A_SRC32     (1u << 6)   /* memory operand is Ed (MOVSXD) */
#define A_NO64      (1u << 7)   /* #UD in 64-bit mode */
#define A_ONLY64    (1u << 8)   /* another instruction outside 64-bit mode */

struct opcode {
    uint8_t op;                 /* enum decode_op */
    uint8_t dst, src;           /* enum decode_opnd */
    uint16_t attr;              /* A_* */
    const struct opcode *group; /* [8] by ModRM.reg: op, dst and src */
};

#define N   DECODE_OPND_NONE
#define E   DECODE_OPND_MEM
#define G   DECODE_OPND_REG
#define I   DECODE_OPND_IMM
#define OP(name)    DECODE_OP_##name

/* Groups, by ModRM.reg (Vol. 2D, "Opcode Extensions for One-Byte and
 * Two-byte Opcodes"). Empty slots are instructions we do not emulate. */
static const struct opcode grp1[8] = {
    { OP(ADD), E, I }, { OP(OR), E, I }, { OP(ADC), E, I }, { OP(SBB), E, I },
    { OP(AND), E, I }, { OP(SUB), E, I }, { OP(XOR), E, I }, { OP(CMP), E, I },
};
static const struct opcode grp3[8] = {
    [0] = { OP(TEST), E, I }, [2] = { OP(NOT), E, N }, [3] = { OP(NEG), E, N },
};
static const struct opcode grp4_5[8] = {
    [0] = { OP(INC), E, N }, [1] = { OP(DEC), E, N },
};
static const struct opcode grp8[8] = {
    [4] = { OP(BT), E, I }, [5] = { OP(BTS), E, I },
    [6] = { OP(BTR), E, I }, [7] = { OP(BTC), E, I },
};
static const struct opcode grp11[8] = {
    [0] = { OP(MOV), E, I },
};

/* 00-3B: each ALU op has Eb,Gb; Ev,Gv; Gb,Eb; Gv,Ev at base + 0..3. */
#define ALU(base, name)                                 \
    [(base) + 0] = { OP(name), E, G, A_BYTE },          \
    [(base) + 1] = { OP(name), E, G, 0 },               \
    [(base) + 2] = { OP(name), G, E, A_BYTE },          \
    [(base) + 3] = { OP(name), G, E, 0 }

/* Vol. 2D, "One-byte Opcode Map". */
static const struct opcode one_byte[256] = {
    ALU(0x00, ADD), ALU(0x08, OR), ALU(0x10, ADC), ALU(0x18, SBB),
    ALU(0x20, AND), ALU(0x28, SUB), ALU(0x30, XOR), ALU(0x38, CMP),
    [0x63] = { OP(MOVSX), G, E, A_SRC32 | A_ONLY64 },   /* else ARPL */
    [0x80] = { .attr = A_BYTE | A_IMM8, .group = grp1 },
    [0x81] = { .attr = 0, .group = grp1 },
    [0x82] = { .attr = A_BYTE | A_IMM8 | A_NO64, .group = grp1 },
    [0x83] = { .attr = A_IMM8, .group = grp1 },
    [0x84] = { OP(TEST), E, G, A_BYTE },
    [0x85] = { OP(TEST), E, G, 0 },
    [0x86] = { OP(XCHG), E, G, A_BYTE },
    [0x87] = { OP(XCHG), E, G, 0 },
    [0x88] = { OP(MOV), E, G, A_BYTE },
    [0x89] = { OP(MOV), E, G, 0 },
    [0x8a] = { OP(MOV), G, E, A_BYTE },
    [0x8b] = { OP(MOV), G, E, 0 },
    [0xa0] = { OP(MOV), G, E, A_BYTE | A_MOFFS },
    [0xa1] = { OP(MOV), G, E, A_MOFFS },
    [0xa2] = { OP(MOV), E, G, A_BYTE | A_MOFFS },
    [0xa3] = { OP(MOV), E, G, A_MOFFS },
    [0xa4] = { OP(MOVS), E, E, A_BYTE | A_STRING },
    [0xa5] = { OP(MOVS), E, E, A_STRING },
    [0xaa] = { OP(STOS), E, G, A_BYTE | A_STRING },
    [0xab] = { OP(STOS), E, G, A_STRING },
    [0xac] = { OP(LODS), G, E, A_BYTE | A_STRING },
    [0xad] = { OP(LODS), G, E, A_STRING },
    [0xc6] = { .attr = A_BYTE | A_IMM8, .group = grp11 },
    [0xc7] = { .attr = 0, .group = grp11 },
    [0xf6] = { .attr = A_BYTE | A_IMM8, .group = grp3 },
    [0xf7] = { .attr = 0, .group = grp3 },
    [0xfe] = { .attr = A_BYTE, .group = grp4_5 },
    [0xff] = { .attr = 0, .group = grp4_5 },
};

/* Vol. 2D, "Two-byte Opcode Map" (after 0F). */
static const struct opcode two_byte[256] = {
    [0xa3] = { OP(BT), E, G, 0 },
    [0xab] = { OP(BTS), E, G, 0 },
    [0xb3] = { OP(BTR), E, G, 0 },
    [0xb6] = { OP(MOVZX), G, E, A_SRC8 },
    [0xb7] = { OP(MOVZX), G, E, A_SRC16 },
    [0xba] = { .attr = A_IMM8, .group = grp8 },
    [0xbb] = { OP(BTC), E, G, 0 },
    [0xbe] = { OP(MOVSX), G, E, A_SRC8 },
    [0xbf] = { OP(MOVSX), G, E, A_SRC16 },
};

/* The ops LOCK may prefix, with a memory destination (Vol. 2A, "LOCK"). */
#define LOCKABLE (1u << OP(ADD) | 1u << OP(OR) | 1u << OP(ADC) |          \
                  1u << OP(SBB) | 1u << OP(AND) | 1u << OP(SUB) |         \
                  1u << OP(XOR) | 1u << OP(XCHG) | 1u << OP(BTS) |        \
                  1u << OP(BTR) | 1u << OP(BTC) | 1u << OP(INC) |         \
                  1u << OP(DEC) | 1u << OP(NOT) | 1u << OP(NEG))

#define REX_W   0x8     /* 64-bit operand size */
#define REX_R   0x4     /* ModRM.reg bit 3 */
#define REX_X   0x2     /* SIB.index bit 3 */
#define REX_B   0x1     /* ModRM.rm or SIB.base bit 3 */

struct prefixes {
    bool opsize;            /* 66 */
    bool addrsize;          /* 67 */
    bool lock;              /* F0 */
    int seg;                /* enum decode_seg, or -1: no override */
    enum decode_rep rep;    /* F3 or F2, the last one wins */
    uint8_t rex;            /* 0x40-0x4f, or 0 */
};

/* The instruction bytes, and how many have been consumed. */
struct cursor {
    const uint8_t *bytes;
    size_t avail;
    unsigned int pos;
};

/* Consume the next n bytes (1-8) as a little-endian number. */
static int take(struct cursor *c, unsigned int n, uint64_t *v)
{
    if (c->pos + n > DECODE_MAX_LEN)
        return -EINVAL;
    if (c->pos + n > c->avail)
        return -E2BIG;
    uint64_t x = 0;
    for (unsigned int i = 0; i < n; i++)
        x |= (uint64_t)c->bytes[c->pos + i] << (8 * i);
    c->pos += n;
    *v = x;
    return 0;
}

/* Record one legacy prefix; false if b is not one. */
static bool legacy_prefix(uint8_t b, struct prefixes *p)
{
    switch (b) {
    case 0x66: p->opsize = true; return true;
    case 0x67: p->addrsize = true; return true;
    case 0x26: p->seg = DECODE_SEG_ES; return true;
    case 0x2e: p->seg = DECODE_SEG_CS; return true;
    case 0x36: p->seg = DECODE_SEG_SS; return true;
    case 0x3e: p->seg = DECODE_SEG_DS; return true;
    case 0x64: p->seg = DECODE_SEG_FS; return true;
    case 0x65: p->seg = DECODE_SEG_GS; return true;
    case 0xf0: p->lock = true; return true;
    case 0xf2: p->rep = DECODE_REPNE; return true;
    case 0xf3: p->rep = DECODE_REP; return true;
    default: return false;
    }
}

/*
 * Consume the prefixes. A REX prefix counts only if it comes right
 * before the opcode; followed by a legacy prefix it is ignored
 * (Vol. 2A, "REX Prefixes").
 */
static int decode_prefixes(struct cursor *c, enum decode_mode mode,
                           struct prefixes *p)
{
    for (;;) {
        uint64_t b;
        int rc = take(c, 1, &b);
        if (rc)
            return rc;
        if (legacy_prefix((uint8_t)b, p)) {
            p->rex = 0;
        } else if (mode == DECODE_MODE_64 && (b & 0xf0) == 0x40) {
            p->rex = (uint8_t)b;
        } else {
            c->pos--;               /* the opcode */
            return 0;
        }
    }
}

/* Consume the opcode (one byte, or 0F and one) and find its entry. */
static int decode_opcode(struct cursor *c, struct decode_insn *out,
                         const struct opcode **entry)
{
    uint64_t b;
    int rc = take(c, 1, &b);
    if (rc)
        return rc;
    if (b != 0x0f) {
        out->opcode = (uint16_t)b;
        *entry = &one_byte[b];
        return 0;
    }
    rc = take(c, 1, &b);
    if (rc)
        return rc;
    out->opcode = (uint16_t)(0x0f00 | b);
    *entry = &two_byte[b];
    return 0;
}

/*
 * Operand and address sizes from the mode, 66, 67 and REX.W (Vol. 1,
 * "Operand-Size and Address-Size Attributes" and "Operand Size and Address
 * Size in 64-Bit Mode"): 66 and 67 toggle between 16 and 32 bits; REX.W
 * makes the operand 64-bit and wins over 66. MOVSXD with a 16-bit operand
 * reads 16 bits, as the SDM's "MOVSXD r16, r/m16" form says.
 */
static void decode_sizes(unsigned int attr, enum decode_mode mode,
                         const struct prefixes *p, struct decode_insn *out)
{
    unsigned int def = mode == DECODE_MODE_16 ? 2 : 4;
    unsigned int other = mode == DECODE_MODE_16 ? 4 : 2;

    if (attr & A_BYTE)
        out->opsize = 1;
    else if (p->rex & REX_W)
        out->opsize = 8;
    else
        out->opsize = (uint8_t)(p->opsize ? other : def);

    if (attr & A_SRC8)
        out->memsize = 1;
    else if (attr & A_SRC16)
        out->memsize = 2;
    else if (attr & A_SRC32)
        out->memsize = MIN(4, out->opsize);
    else
        out->memsize = out->opsize;

    if (mode == DECODE_MODE_64)
        out->addrsize = p->addrsize ? 4 : 8;
    else
        out->addrsize = (uint8_t)(p->addrsize ? other : def);
}

/* 16-bit ModRM memory operands, by r/m (Vol. 2A, "16-Bit Addressing
 * Forms with the ModR/M Byte"). r/m 6 with mod 00 is disp16 alone. */
static const int8_t modrm16_regs[8][2] = {
    { DECODE_GPR_RBX, DECODE_GPR_RSI }, { DECODE_GPR_RBX, DECODE_GPR_RDI },
    { DECODE_GPR_RBP, DECODE_GPR_RSI }, { DECODE_GPR_RBP, DECODE_GPR_RDI },
    { DECODE_GPR_RSI, DECODE_GPR_NONE }, { DECODE_GPR_RDI, DECODE_GPR_NONE },
    { DECODE_GPR_RBP, DECODE_GPR_NONE }, { DECODE_GPR_RBX, DECODE_GPR_NONE },
};

static int decode_modrm16(struct cursor *c, uint8_t modrm,
                          struct decode_insn *out)
{
    struct decode_mem *m = &out->mem;
    unsigned int mod = modrm >> 6, rm = modrm & 7;
    unsigned int disp_bytes = mod == 1 ? 1 : mod == 2 ? 2 : 0;

    m->base = modrm16_regs[rm][0];
    m->index = modrm16_regs[rm][1];
    if (mod == 0 && rm == 6) {
        m->base = DECODE_GPR_NONE;
        disp_bytes = 2;
    }
    if (disp_bytes) {
        uint64_t v;
        int rc = take(c, disp_bytes, &v);
        if (rc)
            return rc;
        m->disp = (int64_t)decode_sext(v, disp_bytes);
    }
    /* BP-based forms default to SS (Vol. 1, "Default Segment Selection
     * Rules"). */
    out->seg = m->base == DECODE_GPR_RBP ? DECODE_SEG_SS : DECODE_SEG_DS;
    return 0;
}

/*
 * 32- and 64-bit ModRM memory operands (Vol. 2A, "32-Bit Addressing Forms
 * with the ModR/M Byte", "... with the SIB Byte", and "RIP-Relative
 * Addressing"). r/m 100 means a SIB byte follows; mod 00 with r/m 101 is
 * disp32, RIP-relative in 64-bit mode; SIB index 100 (without REX.X) is no
 * index; SIB base 101 with mod 00 is disp32 and no base. REX.B does not
 * change which of these cases applies.
 */
static int decode_modrm32(struct cursor *c, uint8_t modrm,
                          const struct prefixes *p, enum decode_mode mode,
                          struct decode_insn *out)
{
    struct decode_mem *m = &out->mem;
    unsigned int mod = modrm >> 6, rm = modrm & 7;
    unsigned int disp_bytes = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    unsigned int rex_b = p->rex & REX_B ? 8 : 0;
    uint64_t v;
    int rc;

    m->base = (int8_t)(rm | rex_b);
    if (rm == 4) {
        if ((rc = take(c, 1, &v)))
            return rc;
        unsigned int index = ((v >> 3) & 7) | (p->rex & REX_X ? 8 : 0);
        if (index != DECODE_GPR_RSP) {
            m->index = (int8_t)index;
            m->scale = (uint8_t)(1u << (v >> 6));
        }
        m->base = (int8_t)((v & 7) | rex_b);
        if ((v & 7) == 5 && mod == 0) {
            m->base = DECODE_GPR_NONE;
            disp_bytes = 4;
        }
    } else if (rm == 5 && mod == 0) {
        m->base = DECODE_GPR_NONE;
        m->rip_rel = mode == DECODE_MODE_64;
        disp_bytes = 4;
    }
    if (disp_bytes) {
        if ((rc = take(c, disp_bytes, &v)))
            return rc;
        m->disp = (int64_t)decode_sext(v, disp_bytes);
    }
    /* rSP- and rBP-based forms default to SS; r12 and r13 do not. */
    out->seg = m->base == DECODE_GPR_RSP || m->base == DECODE_GPR_RBP ?
               DECODE_SEG_SS : DECODE_SEG_DS;
    return 0;
}

/* The memory operand of moffs forms and string instructions. */
static int decode_implicit_mem(struct cursor *c, unsigned int attr,
                               struct decode_insn *out)
{
    struct decode_mem *m = &out->mem;
    uint64_t v;
    int rc;

    out->seg = DECODE_SEG_DS;
    if (attr & A_MOFFS) {
        if ((rc = take(c, out->addrsize, &v)))
            return rc;
        m->disp = (int64_t)v;
    } else if (out->op == DECODE_OP_STOS) {
        m->base = DECODE_GPR_RDI;
        out->seg = DECODE_SEG_ES;
    } else {
        m->base = DECODE_GPR_RSI;
    }
    return 0;
}

/* The register operand: ModRM.reg (extended by REX.R), or AL/rAX. */
static void decode_reg(unsigned int attr, uint8_t modrm,
                       const struct prefixes *p, struct decode_insn *out)
{
    if (out->dst != DECODE_OPND_REG && out->src != DECODE_OPND_REG)
        return;
    if (attr & (A_MOFFS | A_STRING))
        return;                     /* reg stays 0: AL, AX, EAX, RAX */
    out->reg = (uint8_t)(((modrm >> 3) & 7) | (p->rex & REX_R ? 8 : 0));
    /* Without any REX prefix, byte registers 4-7 are AH CH DH BH; with
     * one they are SPL BPL SIL DIL (Vol. 2A, "REX Prefixes"). */
    if (out->opsize == 1 && !p->rex && out->reg >= 4) {
        out->reg -= 4;
        out->reg_hi8 = true;
    }
}

static int decode_imm(struct cursor *c, unsigned int attr,
                      struct decode_insn *out)
{
    if (out->src != DECODE_OPND_IMM)
        return 0;
    /* Ib, or Iz: 16 bits with a 16-bit operand, else 32 (sign-extended
     * to 64 with REX.W). */
    unsigned int n = attr & A_IMM8 ? 1 : out->opsize == 2 ? 2 : 4;
    uint64_t v;
    int rc = take(c, n, &v);
    if (rc)
        return rc;
    out->imm = decode_sext(v, n);
    return 0;
}

/* Look up the opcode, take ModRM if it has one, resolve groups. */
static int decode_operation(struct cursor *c, enum decode_mode mode,
                            struct decode_insn *out, struct opcode *o,
                            uint8_t *modrm)
{
    const struct opcode *e;
    int rc = decode_opcode(c, out, &e);
    if (rc)
        return rc;
    if ((e->op == DECODE_OP_NONE && !e->group) ||
        ((e->attr & A_NO64) && mode == DECODE_MODE_64) ||
        ((e->attr & A_ONLY64) && mode != DECODE_MODE_64))
        return -EINVAL;

    *o = *e;
    if (e->attr & (A_MOFFS | A_STRING))
        return 0;
    uint64_t v;
    if ((rc = take(c, 1, &v)))
        return rc;
    *modrm = (uint8_t)v;
    if (*modrm >> 6 == 3)
        return -EINVAL;             /* a register operand: not MMIO */
    if (e->group) {
        *o = e->group[(*modrm >> 3) & 7];
        o->attr = e->attr;
    }
    return o->op == DECODE_OP_NONE ? -EINVAL : 0;
}

int decode_insn(const uint8_t *bytes, size_t avail, enum decode_mode mode,
                struct decode_insn *out)
{
    struct cursor c = { bytes, avail, 0 };
    struct prefixes p = { .seg = -1 };
    struct opcode o;
    uint8_t modrm = 0;
    int rc;

    if (mode != DECODE_MODE_16 && mode != DECODE_MODE_32 &&
        mode != DECODE_MODE_64)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->mode = mode;
    out->mem = (struct decode_mem){ DECODE_GPR_NONE, DECODE_GPR_NONE, 1 };
    if ((rc = decode_prefixes(&c, mode, &p)) ||
        (rc = decode_operation(&c, mode, out, &o, &modrm)))
        return rc;

    out->op = o.op;
    out->dst = o.dst;
    out->src = o.src;
    decode_sizes(o.attr, mode, &p, out);
    decode_reg(o.attr, modrm, &p, out);
    if (o.attr & (A_MOFFS | A_STRING))
        rc = decode_implicit_mem(&c, o.attr, out);
    else if (out->addrsize == 2)
        rc = decode_modrm16(&c, modrm, out);
    else
        rc = decode_modrm32(&c, modrm, &p, mode, out);
    if (rc || (rc = decode_imm(&c, o.attr, out)))
        return rc;

    /* An override applies to the operand, except STOS's ES:rDI. */
    if (p.seg >= 0 && out->op != DECODE_OP_STOS)
        out->seg = (enum decode_seg)p.seg;
    out->rep = p.rep;
    out->lock = p.lock;
    if (p.lock &&
        (out->dst != DECODE_OPND_MEM || !((LOCKABLE >> out->op) & 1)))
        return -EINVAL;
    out->length = (uint8_t)c.pos;
    return 0;
}

uint64_t decode_ea(const struct decode_insn *insn, const uint64_t gpr[16],
                   uint64_t rip)
{
    const struct decode_mem *m = &insn->mem;
    uint64_t ea = (uint64_t)m->disp;

    if (m->rip_rel)
        ea += rip + insn->length;
    if (m->base != DECODE_GPR_NONE)
        ea += gpr[m->base];
    if (m->index != DECODE_GPR_NONE)
        ea += gpr[m->index] * m->scale;
    return ea & decode_mask(insn->addrsize);
}

uint64_t decode_linear(enum decode_mode mode, enum decode_seg seg,
                       const uint64_t seg_base[6], uint64_t ea)
{
    if (mode == DECODE_MODE_64)
        return seg >= DECODE_SEG_FS ? seg_base[seg] + ea : ea;
    return (seg_base[seg] + ea) & 0xffffffffu;
}

uint64_t decode_mem_linear(const struct decode_insn *insn,
                           const uint64_t gpr[16], uint64_t rip,
                           const uint64_t seg_base[6])
{
    return decode_linear(insn->mode, insn->seg, seg_base,
                         decode_ea(insn, gpr, rip));
}
