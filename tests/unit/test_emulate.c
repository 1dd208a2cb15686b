/*
 * tests/unit/test_emulate.c: the instruction emulator (kernel/emulate.c),
 * fed by the real decoder (kernel/decode.c).
 *
 * Guest memory is 64 KiB at linear MEM_BASE behind the read and write
 * callbacks, which log every access, can fail a chosen one, and return
 * junk above the bytes read (which the emulator must ignore). Anything
 * outside that window is -EFAULT, so a wrong address shows up as an error.
 *
 * RFLAGS of ADD OR ADC SBB AND SUB XOR CMP TEST INC DEC NOT NEG and BT*
 * are checked against the host CPU: the same operation runs natively on
 * the same inputs, between a POPFQ that loads the input flags and a PUSHFQ
 * that captures the result. Flags the SDM leaves undefined are masked
 * (AF after logic ops; all but CF after BT*). Instruction bytes come from
 * NASM (the assembly is beside each array) or, in the generated cases, are
 * built below from the same opcode and ModRM patterns that test_decode.c
 * checks against NASM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "stub.h"
#include <tern/decode.h>
#include <tern/emulate.h>
#include <tern/errno.h>

#define M16     DECODE_MODE_16
#define M32     DECODE_MODE_32
#define M64     DECODE_MODE_64
#define RAX     DECODE_GPR_RAX
#define RCX     DECODE_GPR_RCX
#define RDX     DECODE_GPR_RDX
#define RBX     DECODE_GPR_RBX
#define RBP     DECODE_GPR_RBP
#define RSI     DECODE_GPR_RSI
#define RDI     DECODE_GPR_RDI
#define ES      DECODE_SEG_ES
#define SS      DECODE_SEG_SS
#define DS      DECODE_SEG_DS
#define FS      DECODE_SEG_FS

#define MEM_BASE    0x10000ull      /* real-mode segment 0x1000 */
#define MEM_SIZE    0x10000
#define ADDR        (MEM_BASE + 0x100)
#define CODE        0x400000ull     /* RIP of the emulated instruction */
/* Flags outside the arithmetic ones that must survive: bit 1, IF, DF. */
#define OTHER_FLAGS (0x2 | RFLAGS_IF | RFLAGS_DF)

/* ---- Guest memory behind the callbacks ---- */

static uint8_t mem[MEM_SIZE];

struct access {
    bool write;
    uint64_t gla;
    unsigned int size;
    uint64_t val;
};
static struct access log_[512];
static unsigned int nr_accesses;
static int fail_at = -1;            /* index of the access to fail */
static int ctx_marker;              /* the ctx every callback must get */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int record(bool write, uint64_t gla, unsigned int size, uint64_t val)
{
    unsigned int i = nr_accesses++;

    assert_true(size == 1 || size == 2 || size == 4 || size == 8);
    if (i < ARRAY_SIZE(log_))
        log_[i] = (struct access){ write, gla, size, val };
    if ((int)i == fail_at)
        return -EIO;
    if (gla < MEM_BASE || gla - MEM_BASE + size > MEM_SIZE)
        return -EFAULT;
    return 0;
}

static int cb_read(void *ctx, uint64_t gla, unsigned int size, uint64_t *val)
{
    assert_ptr_equal(ctx, &ctx_marker);
    int rc = record(false, gla, size, 0);
    if (rc)
        return rc;
    uint64_t v = 0;
    memcpy(&v, &mem[gla - MEM_BASE], size);
    *val = v | (size < 8 ? rnd() << (size * 8) : 0);   /* junk above */
    return 0;
}

static int cb_write(void *ctx, uint64_t gla, unsigned int size, uint64_t val)
{
    assert_ptr_equal(ctx, &ctx_marker);
    assert_int_equal(val & ~decode_mask(size), 0);
    int rc = record(true, gla, size, val);
    if (rc)
        return rc;
    memcpy(&mem[gla - MEM_BASE], &val, size);
    return 0;
}

static const struct emulate_ops ops = { cb_read, cb_write };

static void poke(uint64_t gla, unsigned int size, uint64_t v)
{
    memcpy(&mem[gla - MEM_BASE], &v, size);
}

static uint64_t peek(uint64_t gla, unsigned int size)
{
    uint64_t v = 0;
    memcpy(&v, &mem[gla - MEM_BASE], size);
    return v;
}

static void reset(void)
{
    memset(mem, 0, sizeof(mem));
    nr_accesses = 0;
    fail_at = -1;
}

static struct emulate_regs regs64(void)
{
    return (struct emulate_regs){
        .gpr = { [RBX] = ADDR },
        .rip = CODE,
        .rflags = 0x2,
    };
}

static void assert_access(unsigned int i, bool write, uint64_t gla,
                          unsigned int size)
{
    assert_true(i < nr_accesses);
    assert_int_equal(log_[i].write, write);
    assert_int_equal(log_[i].gla, gla);
    assert_int_equal(log_[i].size, size);
}

/* Decode b[0..n) in 'mode' and emulate it on r; the log starts empty. */
static int run(enum decode_mode mode, struct emulate_regs *r,
               const uint8_t *b, size_t n)
{
    struct decode_insn d;
    assert_int_equal(decode_insn(b, n, mode, &d), 0);
    assert_int_equal(d.length, n);
    nr_accesses = 0;
    return emulate_insn(&d, mode, r, &ops, &ctx_marker);
}

#define RUN(mode, r, ...)                                               \
    run(mode, r, (const uint8_t[]){ __VA_ARGS__ },                      \
        sizeof((const uint8_t[]){ __VA_ARGS__ }))

/* ---- The host CPU as the oracle ---- */

/*
 * Load the arithmetic flags from %[f] (the others as they are), run the
 * instruction, store all flags in %[f]. The stack pointer first steps
 * over the 128-byte red zone, where the compiler may keep locals.
 */
#define FLAGS_IN                                                        \
    "sub $128, %%rsp\n\t"                                               \
    "pushfq\n\t"                                                        \
    "pop %[t]\n\t"                                                      \
    "and $~0x8d5, %[t]\n\t"                                             \
    "or %[f], %[t]\n\t"                                                 \
    "push %[t]\n\t"                                                     \
    "popfq\n\t"
#define FLAGS_OUT                                                       \
    "pushfq\n\t"                                                        \
    "pop %[f]\n\t"                                                      \
    "add $128, %%rsp\n\t"

typedef uint64_t native2_fn(uint64_t d, uint64_t s, uint64_t *flags);
typedef uint64_t native1_fn(uint64_t d, uint64_t *flags);
typedef void native_bt_fn(void *p, uint64_t off, uint64_t *flags);

/* d = d op s, on registers */
#define NATIVE2(name, insn, type)                                       \
    static uint64_t name(uint64_t d, uint64_t s, uint64_t *flags)       \
    {                                                                   \
        type dv = (type)d, sv = (type)s;                                \
        uint64_t f = *flags & RFLAGS_ARITH, t;                          \
        __asm__ __volatile__(FLAGS_IN insn " %[s], %[d]\n\t" FLAGS_OUT  \
                             : [d] "+r"(dv), [f] "+r"(f), [t] "=&r"(t)  \
                             : [s] "r"(sv) : "cc");                     \
        *flags = f;                                                     \
        return dv;                                                      \
    }

/* d = op d */
#define NATIVE1(name, insn, type)                                       \
    static uint64_t name(uint64_t d, uint64_t *flags)                   \
    {                                                                   \
        type dv = (type)d;                                              \
        uint64_t f = *flags & RFLAGS_ARITH, t;                          \
        __asm__ __volatile__(FLAGS_IN insn " %[d]\n\t" FLAGS_OUT        \
                             : [d] "+r"(dv), [f] "+r"(f), [t] "=&r"(t)  \
                             : : "cc");                                 \
        *flags = f;                                                     \
        return dv;                                                      \
    }

/* BT* with a register bit offset on memory at p */
#define NATIVE_BT(name, insn, type)                                     \
    static void name(void *p, uint64_t off, uint64_t *flags)            \
    {                                                                   \
        type ov = (type)off;                                            \
        uint64_t f = *flags & RFLAGS_ARITH, t;                          \
        __asm__ __volatile__(FLAGS_IN insn " %[o], (%[p])\n\t" FLAGS_OUT \
                             : [f] "+r"(f), [t] "=&r"(t)                \
                             : [o] "r"(ov), [p] "r"(p)                  \
                             : "cc", "memory");                         \
        *flags = f;                                                     \
    }

#define SIZES2(op)                                                      \
    NATIVE2(native_##op##8, #op "b", uint8_t)                           \
    NATIVE2(native_##op##16, #op "w", uint16_t)                         \
    NATIVE2(native_##op##32, #op "l", uint32_t)                         \
    NATIVE2(native_##op##64, #op "q", uint64_t)
#define SIZES1(op)                                                      \
    NATIVE1(native_##op##8, #op "b", uint8_t)                           \
    NATIVE1(native_##op##16, #op "w", uint16_t)                         \
    NATIVE1(native_##op##32, #op "l", uint32_t)                         \
    NATIVE1(native_##op##64, #op "q", uint64_t)
#define SIZES_BT(op)                                                    \
    NATIVE_BT(native_##op##16, #op "w", uint16_t)                       \
    NATIVE_BT(native_##op##32, #op "l", uint32_t)                       \
    NATIVE_BT(native_##op##64, #op "q", uint64_t)
#define ROW(op)     { native_##op##8, native_##op##16, native_##op##32, \
                      native_##op##64 }
#define ROW_BT(op)  { native_##op##16, native_##op##32, native_##op##64 }

SIZES2(add) SIZES2(or) SIZES2(adc) SIZES2(sbb)
SIZES2(and) SIZES2(sub) SIZES2(xor) SIZES2(cmp) SIZES2(test)
SIZES1(inc) SIZES1(dec) SIZES1(not) SIZES1(neg)
SIZES_BT(bt) SIZES_BT(bts) SIZES_BT(btr) SIZES_BT(btc)

static unsigned int size_index(unsigned int size)
{
    return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}

/* Operand values: the edges of every size first, then random ones. */
static uint64_t pick(unsigned int i, unsigned int size)
{
    static const uint64_t edges[] = {
        0, 1, 2, 0xf, 0x10, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
        0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffff,
        0x8000000000000000, ~0ull,
    };
    uint64_t v = i < ARRAY_SIZE(edges) ? edges[i] : rnd();
    return v & decode_mask(size);
}
#define NR_EDGES    17
#define NR_RANDOM   300

static uint64_t random_flags(void)
{
    return (rnd() & RFLAGS_ARITH) | OTHER_FLAGS;
}

/* ---- Two-operand ALU ops ---- */

enum form {
    FORM_EG,        /* op [rbx], reg (00-38 +0/+1; 84/85) */
    FORM_GE,        /* op reg, [rbx] (00-38 +2/+3) */
    FORM_EI,        /* op [rbx], imm (80/81; F6/F7 /0): Ib, Iw or Id */
    FORM_EI8,       /* op [rbx], imm8 sign-extended (83) */
};
static const char *const form_names[] = { "E,G", "G,E", "E,I", "E,Ib" };
static const char *const mode_names[] = { "16-bit", "32-bit", "64-bit" };

static const struct alu_case {
    const char *name;
    unsigned int ext;               /* ModRM.reg in 80-83; opcode / 8 */
    native2_fn *native[4];
    bool logic;                     /* AF undefined, CF = OF = 0 */
    bool writes;
} alu_cases[] = {
    { "add", 0, ROW(add), false, true },
    { "or",  1, ROW(or),  true,  true },
    { "adc", 2, ROW(adc), false, true },
    { "sbb", 3, ROW(sbb), false, true },
    { "and", 4, ROW(and), true,  true },
    { "sub", 5, ROW(sub), false, true },
    { "xor", 6, ROW(xor), true,  true },
    { "cmp", 7, ROW(cmp), false, false },
};
static const struct alu_case test_case = {
    "test", 0, ROW(test), true, false,
};

/*
 * Encode 'c' with memory operand [rbx], [ebx] or (16-bit mode) [bx], and
 * register operand cl/cx/ecx/rcx. For immediate forms, *src is the
 * immediate wanted in, and what the CPU will use (sign-extended) out.
 */
static size_t encode_alu(uint8_t *b, const struct alu_case *c,
                         enum decode_mode mode, unsigned int size,
                         enum form form, uint64_t *src)
{
    bool test = c == &test_case;
    uint8_t rm = mode == M16 ? 7 : 3;
    size_t n = 0;
    unsigned int imm_bytes = 0;

    if (size == (mode == M16 ? 4 : 2))
        b[n++] = 0x66;
    if (size == 8)
        b[n++] = 0x48;
    switch (form) {
    case FORM_EG:
        b[n++] = (uint8_t)(test ? 0x84 + (size > 1) : c->ext * 8 + (size > 1));
        b[n++] = 0x08 | rm;
        return n;
    case FORM_GE:
        b[n++] = (uint8_t)(c->ext * 8 + 2 + (size > 1));
        b[n++] = 0x08 | rm;
        return n;
    case FORM_EI:
        b[n++] = (uint8_t)(test ? 0xf6 + (size > 1) : 0x80 + (size > 1));
        imm_bytes = size == 8 ? 4 : size;
        break;
    case FORM_EI8:
        b[n++] = 0x83;
        imm_bytes = 1;
        break;
    }
    b[n++] = (uint8_t)(rm | c->ext << 3);
    for (unsigned int i = 0; i < imm_bytes; i++)
        b[n++] = (uint8_t)(*src >> (8 * i));
    *src = decode_sext(*src, imm_bytes) & decode_mask(size);
    return n;
}

static void check_alu(const struct alu_case *c, enum decode_mode mode,
                      unsigned int size, enum form form, uint64_t d,
                      uint64_t s)
{
    uint8_t b[16];
    size_t n = encode_alu(b, c, mode, size, form, &s);
    uint64_t m = decode_mask(size), junk = rnd() & ~m;
    uint64_t flags_in = random_flags(), want_flags = flags_in;
    uint64_t want = c->native[size_index(size)](d, s, &want_flags);
    struct emulate_regs r = regs64();
    bool reg_dst = form == FORM_GE;

    reset();
    if (mode == M16) {                  /* DS:BX = MEM_BASE:0x100 */
        r.seg_base[DS] = MEM_BASE;
        r.gpr[RBX] = ADDR - MEM_BASE;
        r.rip = 0x7c00;
    }
    uint64_t rip = r.rip;
    r.rflags = flags_in;
    r.gpr[RCX] = junk | (reg_dst ? d : s);
    poke(ADDR, size, reg_dst ? s : d);
    poke(ADDR + size, 1, 0xa5);         /* must stay */
    int rc = run(mode, &r, b, n);

    uint64_t got = reg_dst ? r.gpr[RCX] & m : peek(ADDR, size);
    uint64_t fmask = RFLAGS_ARITH & ~(c->logic ? RFLAGS_AF : 0);
    if (!c->writes)
        want = d;
    if (rc != 0 || got != want ||
        (r.rflags & fmask) != (want_flags & fmask) ||
        (r.rflags & ~RFLAGS_ARITH) != (flags_in & ~RFLAGS_ARITH))
        fail_msg("%s%u %s (%s) d=%#llx s=%#llx flags %#llx: rc %d result "
                 "%#llx flags %#llx; the CPU: %#llx flags %#llx", c->name,
                 size * 8, form_names[form], mode_names[mode],
                 (unsigned long long)d,
                 (unsigned long long)s, (unsigned long long)flags_in, rc,
                 (unsigned long long)got, (unsigned long long)r.rflags,
                 (unsigned long long)want, (unsigned long long)want_flags);
    /* documented choice for the undefined AF */
    if (c->logic)
        assert_int_equal(r.rflags & RFLAGS_AF, 0);
    /* register writes: 8/16 bits merge, 32 bits zero-extend */
    if (reg_dst && c->writes)
        assert_int_equal(r.gpr[RCX], size <= 2 ? junk | want : want);
    if (reg_dst && !c->writes)
        assert_int_equal(r.gpr[RCX], junk | d);
    assert_int_equal(peek(ADDR + size, 1), 0xa5);
    assert_int_equal(r.rip, rip + n);

    /* one read of the operand; a write back only for a memory dst */
    assert_access(0, false, ADDR, size);
    if (!reg_dst && c->writes) {
        assert_int_equal(nr_accesses, 2);
        assert_access(1, true, ADDR, size);
    } else {
        assert_int_equal(nr_accesses, 1);
    }
}

/* Every size and form: all pairs of edge values, then random pairs in
 * 64-bit mode; fewer random pairs in 32- and 16-bit mode, which differ
 * only in encoding and addressing. */
static void check_alu_all(const struct alu_case *c, const enum form *forms,
                          size_t nr_forms)
{
    static const unsigned int sizes[] = { 1, 2, 4, 8 };

    for (enum decode_mode mode = M16; mode <= M64; mode++) {
        unsigned int nr_random = mode == M64 ? NR_RANDOM : NR_RANDOM / 10;
        for (size_t f = 0; f < nr_forms; f++) {
            for (size_t z = 0; z < ARRAY_SIZE(sizes); z++) {
                unsigned int size = sizes[z];
                if ((forms[f] == FORM_EI8 && size == 1) ||
                    (size == 8 && mode != M64))
                    continue;
                for (unsigned int i = 0; i < NR_EDGES; i++)
                    for (unsigned int j = 0; j < NR_EDGES; j++)
                        check_alu(c, mode, size, forms[f], pick(i, size),
                                  pick(j, size));
                for (unsigned int i = 0; i < nr_random; i++)
                    check_alu(c, mode, size, forms[f], pick(NR_EDGES, size),
                              pick(NR_EDGES, size));
            }
        }
    }
}

static void test_alu_matches_cpu(void **state)
{
    static const enum form forms[] = { FORM_EG, FORM_GE, FORM_EI, FORM_EI8 };
    for (size_t i = 0; i < ARRAY_SIZE(alu_cases); i++)
        check_alu_all(&alu_cases[i], forms, ARRAY_SIZE(forms));
}

static void test_test_matches_cpu(void **state)
{
    static const enum form forms[] = { FORM_EG, FORM_EI };
    check_alu_all(&test_case, forms, ARRAY_SIZE(forms));
}

/* add [rbx], ah (00 23) and add ah, [rbx] (02 23): the high byte */
static void test_alu_high_byte(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    r.gpr[RAX] = 0x1122334455667f88ull;
    poke(ADDR, 1, 0x01);
    assert_int_equal(RUN(M64, &r, 0x00, 0x23), 0);
    assert_int_equal(peek(ADDR, 1), 0x80);
    assert_int_equal(r.rflags & (RFLAGS_OF | RFLAGS_SF | RFLAGS_CF),
                     RFLAGS_OF | RFLAGS_SF);
    assert_int_equal(RUN(M64, &r, 0x02, 0x23), 0);
    assert_int_equal(r.gpr[RAX], 0x112233445566ff88ull);
}

/* ---- INC DEC NOT NEG ---- */

static void test_unary_matches_cpu(void **state)
{
    static const struct {
        const char *name;
        uint8_t opcode_byte;        /* FE/F6; +1 for wider operands */
        unsigned int ext;
        native1_fn *native[4];
    } cases[] = {
        { "inc", 0xfe, 0, ROW(inc) }, { "dec", 0xfe, 1, ROW(dec) },
        { "not", 0xf6, 2, ROW(not) }, { "neg", 0xf6, 3, ROW(neg) },
    };
    static const unsigned int sizes[] = { 1, 2, 4, 8 };

    for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
        for (size_t z = 0; z < ARRAY_SIZE(sizes); z++) {
            unsigned int size = sizes[z];
            uint8_t b[4];
            size_t n = 0;
            if (size == 2)
                b[n++] = 0x66;
            if (size == 8)
                b[n++] = 0x48;
            b[n++] = (uint8_t)(cases[k].opcode_byte + (size > 1));
            b[n++] = (uint8_t)(0x03 | cases[k].ext << 3);   /* [rbx] */

            for (unsigned int i = 0; i < NR_EDGES + NR_RANDOM; i++) {
                uint64_t d = pick(i, size);
                uint64_t flags_in = random_flags(), want_flags = flags_in;
                uint64_t want = cases[k].native[size_index(size)](
                    d, &want_flags);
                struct emulate_regs r = regs64();

                reset();
                r.rflags = flags_in;
                poke(ADDR, size, d);
                int rc = run(M64, &r, b, n);
                if (rc || peek(ADDR, size) != want ||
                    (r.rflags & RFLAGS_ARITH) !=
                        (want_flags & RFLAGS_ARITH) ||
                    (r.rflags & ~RFLAGS_ARITH) != OTHER_FLAGS)
                    fail_msg("%s%u %#llx flags %#llx: rc %d %#llx flags "
                             "%#llx; the CPU: %#llx flags %#llx",
                             cases[k].name, size * 8, (unsigned long long)d,
                             (unsigned long long)flags_in, rc,
                             (unsigned long long)peek(ADDR, size),
                             (unsigned long long)r.rflags,
                             (unsigned long long)want,
                             (unsigned long long)want_flags);
                assert_int_equal(nr_accesses, 2);
                assert_access(0, false, ADDR, size);
                assert_access(1, true, ADDR, size);
            }
        }
    }
}

/* ---- BT BTS BTR BTC ---- */

static const struct {
    const char *name;
    uint8_t reg_opcode;             /* 0F xx with a register offset */
    unsigned int ext;               /* 0F BA /ext with imm8 */
    native_bt_fn *native[3];
    bool writes;
} bt_cases[] = {
    { "bt",  0xa3, 4, ROW_BT(bt),  false },
    { "bts", 0xab, 5, ROW_BT(bts), true },
    { "btr", 0xb3, 6, ROW_BT(btr), true },
    { "btc", 0xbb, 7, ROW_BT(btc), true },
};

#define BT_WINDOW   8192            /* bytes each side may reach */
static uint8_t host[2 * BT_WINDOW];

/* Run one BT* on guest memory and on a host copy; compare. */
static void check_bt(size_t k, unsigned int size, bool imm, int64_t off)
{
    uint8_t b[8];
    size_t n = 0;
    uint64_t flags_in = random_flags(), want_flags = flags_in;
    struct emulate_regs r = regs64();

    if (size == 2)
        b[n++] = 0x66;
    if (size == 8)
        b[n++] = 0x48;
    b[n++] = 0x0f;
    if (imm) {
        b[n++] = 0xba;
        b[n++] = (uint8_t)(0x03 | bt_cases[k].ext << 3);    /* [rbx] */
        b[n++] = (uint8_t)off;
    } else {
        b[n++] = bt_cases[k].reg_opcode;
        b[n++] = 0x0b;                                      /* [rbx], rcx */
    }

    reset();
    for (size_t i = 0; i < sizeof(host); i++)
        host[i] = mem[i] = (uint8_t)rnd();
    /* The CPU takes an imm8 modulo the width, as a register offset
     * within [0, width) would be: run that natively. */
    uint64_t native_off = imm ? (uint64_t)off % (size * 8) : (uint64_t)off;
    bt_cases[k].native[size_index(size) - 1](host + BT_WINDOW, native_off,
                                              &want_flags);

    r.gpr[RBX] = MEM_BASE + BT_WINDOW;
    /* a 16/32-bit offset is the register's low bits: put junk above */
    r.gpr[RCX] = (rnd() & ~decode_mask(size)) |
                 ((uint64_t)off & decode_mask(size));
    r.rflags = flags_in;
    int rc = run(M64, &r, b, n);
    if (rc || memcmp(mem, host, sizeof(host)) != 0 ||
        (r.rflags & RFLAGS_CF) != (want_flags & RFLAGS_CF) ||
        (r.rflags & ~RFLAGS_CF) != (flags_in & ~RFLAGS_CF))
        fail_msg("%s%u %s offset %lld: rc %d CF %d (CPU %d) flags %#llx "
                 "memory %s", bt_cases[k].name, size * 8,
                 imm ? "imm8" : "reg", (long long)off, rc,
                 !!(r.rflags & RFLAGS_CF), !!(want_flags & RFLAGS_CF),
                 (unsigned long long)r.rflags,
                 memcmp(mem, host, sizeof(host)) ? "differs" : "same");
    assert_int_equal(nr_accesses, bt_cases[k].writes ? 2 : 1);
    if (bt_cases[k].writes)
        assert_int_equal(log_[1].gla, log_[0].gla);
}

static void test_bt_matches_cpu(void **state)
{
    static const unsigned int sizes[] = { 2, 4, 8 };
    static const int64_t offsets[] = {
        0, 1, 15, 16, 31, 32, 63, 64, -1, -16, -17, -32, -33, -64, -65,
        32767, -32768,
    };

    for (size_t k = 0; k < ARRAY_SIZE(bt_cases); k++) {
        for (size_t z = 0; z < ARRAY_SIZE(sizes); z++) {
            for (size_t i = 0; i < ARRAY_SIZE(offsets); i++)
                check_bt(k, sizes[z], false, offsets[i]);
            for (unsigned int i = 0; i < 200; i++)
                check_bt(k, sizes[z], false,
                         (int64_t)(rnd() % 65536) - 32768);
            for (int64_t imm = 0; imm < 256; imm += 7)
                check_bt(k, sizes[z], true, imm);
        }
    }
}

/* bt [rbx], rcx reaching back: rcx = -1 is bit 63 of the qword before */
static void test_bt_negative_offset_address(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    r.gpr[RCX] = ~0ull;
    poke(ADDR - 8, 8, 1ull << 63);
    assert_int_equal(RUN(M64, &r, 0x48, 0x0f, 0xa3, 0x0b), 0);
    assert_true(r.rflags & RFLAGS_CF);
    assert_access(0, false, ADDR - 8, 8);
    /* bts word [rbx], cx with cx = 0x10: the next word, bit 0 */
    r.gpr[RCX] = 0xffff0010;
    assert_int_equal(RUN(M64, &r, 0x66, 0x0f, 0xab, 0x0b), 0);
    assert_false(r.rflags & RFLAGS_CF);
    assert_access(0, false, ADDR + 2, 2);
    assert_int_equal(peek(ADDR + 2, 2), 1);
}

/* ---- MOV and friends ---- */

static void test_mov_store(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    r.gpr[RCX] = 0x1122334455667788ull;
    r.rflags = RFLAGS_ARITH | OTHER_FLAGS;
    assert_int_equal(RUN(M64, &r, 0x88, 0x0b), 0);      /* mov [rbx], cl */
    assert_int_equal(peek(ADDR, 8), 0x88);
    assert_int_equal(nr_accesses, 1);
    assert_access(0, true, ADDR, 1);
    assert_int_equal(r.rip, CODE + 2);
    assert_int_equal(RUN(M64, &r, 0x66, 0x89, 0x0b), 0); /* mov [rbx], cx */
    assert_int_equal(peek(ADDR, 8), 0x7788);
    assert_int_equal(RUN(M64, &r, 0x89, 0x0b), 0);      /* mov [rbx], ecx */
    assert_int_equal(peek(ADDR, 8), 0x55667788);
    assert_int_equal(RUN(M64, &r, 0x48, 0x89, 0x0b), 0); /* mov [rbx], rcx */
    assert_int_equal(peek(ADDR, 8), 0x1122334455667788ull);
    assert_access(0, true, ADDR, 8);
    /* mov [rbx], bh: bits 15:8 of rbx (ADDR = 0x10100) */
    assert_int_equal(RUN(M64, &r, 0x88, 0x3b), 0);
    assert_int_equal(peek(ADDR, 1), 0x01);
    /* mov [rbx], sil (40 88 33) */
    r.gpr[RSI] = 0xabcd;
    assert_int_equal(RUN(M64, &r, 0x40, 0x88, 0x33), 0);
    assert_int_equal(peek(ADDR, 1), 0xcd);
    /* mov [rbx+8], r9d (44 89 4b 08) */
    r.gpr[9] = 0xfeedfacecafebeefull;
    assert_int_equal(RUN(M64, &r, 0x44, 0x89, 0x4b, 0x08), 0);
    assert_int_equal(peek(ADDR + 8, 8), 0xcafebeef);
    /* no MOV touches the flags */
    assert_int_equal(r.rflags, RFLAGS_ARITH | OTHER_FLAGS);
    assert_int_equal(r.rip, CODE + 2 + 3 + 2 + 3 + 2 + 3 + 4);
}

static void test_mov_load(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    poke(ADDR, 8, 0x8899aabbccddeeffull);
    r.gpr[RCX] = 0x1122334455667788ull;
    assert_int_equal(RUN(M64, &r, 0x8a, 0x0b), 0);      /* mov cl, [rbx] */
    assert_int_equal(r.gpr[RCX], 0x11223344556677ffull);
    assert_int_equal(nr_accesses, 1);
    assert_access(0, false, ADDR, 1);
    assert_int_equal(RUN(M64, &r, 0x66, 0x8b, 0x0b), 0); /* mov cx, [rbx] */
    assert_int_equal(r.gpr[RCX], 0x112233445566eeffull);
    assert_int_equal(RUN(M64, &r, 0x8b, 0x0b), 0);      /* mov ecx, [rbx] */
    assert_int_equal(r.gpr[RCX], 0xccddeeffull);
    assert_int_equal(RUN(M64, &r, 0x48, 0x8b, 0x0b), 0); /* mov rcx, [rbx] */
    assert_int_equal(r.gpr[RCX], 0x8899aabbccddeeffull);
    /* mov ah, [rbx]: bits 15:8 only */
    r.gpr[RAX] = 0x1122334455667788ull;
    assert_int_equal(RUN(M64, &r, 0x8a, 0x23), 0);
    assert_int_equal(r.gpr[RAX], 0x112233445566ff88ull);
    /* mov spl, [rbx] (40 8a 23): low byte of rsp, not AH */
    r.gpr[4] = 0x1000;
    assert_int_equal(RUN(M64, &r, 0x40, 0x8a, 0x23), 0);
    assert_int_equal(r.gpr[4], 0x10ff);
    assert_int_equal(r.gpr[RAX], 0x112233445566ff88ull);
    /* mov r15, [rbx] (4c 8b 3b) */
    assert_int_equal(RUN(M64, &r, 0x4c, 0x8b, 0x3b), 0);
    assert_int_equal(r.gpr[15], 0x8899aabbccddeeffull);
}

static void test_mov_imm(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    assert_int_equal(RUN(M64, &r, 0xc6, 0x03, 0xfe), 0);   /* byte 0xfe */
    assert_int_equal(peek(ADDR, 8), 0xfe);
    assert_int_equal(RUN(M64, &r, 0x66, 0xc7, 0x03, 0xfe, 0xff), 0);
    assert_int_equal(peek(ADDR, 8), 0xfffe);               /* word */
    assert_int_equal(RUN(M64, &r, 0xc7, 0x03, 0x78, 0x56, 0x34, 0x12), 0);
    assert_int_equal(peek(ADDR, 8), 0x12345678);           /* dword */
    /* mov qword [rbx], -2: imm32 sign-extended to 64 bits */
    assert_int_equal(RUN(M64, &r, 0x48, 0xc7, 0x03, 0xfe, 0xff, 0xff, 0xff),
                     0);
    assert_int_equal(peek(ADDR, 8), 0xfffffffffffffffeull);
    assert_access(0, true, ADDR, 8);
}

static void test_mov_moffs(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    poke(MEM_BASE + 0x40, 8, 0x8877665544332211ull);
    r.gpr[RAX] = ~0ull;
    /* mov eax, [abs qword 0x10040] */
    assert_int_equal(RUN(M64, &r, 0xa1, 0x40, 0x00, 0x01, 0x00,
                         0x00, 0x00, 0x00, 0x00), 0);
    assert_int_equal(r.gpr[RAX], 0x44332211);
    assert_int_equal(r.rip, CODE + 9);
    /* mov [abs qword 0x10048], al */
    assert_int_equal(RUN(M64, &r, 0xa2, 0x48, 0x00, 0x01, 0x00,
                         0x00, 0x00, 0x00, 0x00), 0);
    assert_int_equal(peek(MEM_BASE + 0x48, 1), 0x11);

    /* real mode, DS = 0x1000: mov ax, [0x1234] (a1 34 12) */
    struct emulate_regs rm = { .rip = 0x7c00, .rflags = 0x2 };
    rm.seg_base[DS] = MEM_BASE;
    rm.gpr[RAX] = 0xdeadbeef;
    poke(MEM_BASE + 0x1234, 2, 0x5aa5);
    assert_int_equal(RUN(M16, &rm, 0xa1, 0x34, 0x12), 0);
    assert_int_equal(rm.gpr[RAX], 0xdead5aa5);
    assert_access(0, false, MEM_BASE + 0x1234, 2);
    assert_int_equal(rm.rip, 0x7c03);
}

static void test_movzx_movsx(void **state)
{
    static const struct {
        const char *text;
        uint8_t len, bytes[4];
        unsigned int memsize;
        uint64_t val, want;         /* rcx starts as all ones */
    } cases[] = {
        { "movzx ecx, byte [rbx]", 3, { 0x0f, 0xb6, 0x0b }, 1,
          0x80, 0x80 },
        { "movzx rcx, word [rbx]", 4, { 0x48, 0x0f, 0xb7, 0x0b }, 2,
          0x8000, 0x8000 },
        { "movzx cx, byte [rbx]", 4, { 0x66, 0x0f, 0xb6, 0x0b }, 1,
          0x80, 0xffffffffffff0080ull },
        { "movsx ecx, byte [rbx]", 3, { 0x0f, 0xbe, 0x0b }, 1,
          0x80, 0xffffff80 },
        { "movsx ecx, byte [rbx] (positive)", 3, { 0x0f, 0xbe, 0x0b }, 1,
          0x7f, 0x7f },
        { "movsx rcx, word [rbx]", 4, { 0x48, 0x0f, 0xbf, 0x0b }, 2,
          0x8000, 0xffffffffffff8000ull },
        { "movsx cx, byte [rbx]", 4, { 0x66, 0x0f, 0xbe, 0x0b }, 1,
          0x80, 0xffffffffffffff80ull },
        { "movsx ecx, word [rbx]", 3, { 0x0f, 0xbf, 0x0b }, 2,
          0x8001, 0xffff8001 },
        { "movsxd rcx, dword [rbx]", 3, { 0x48, 0x63, 0x0b }, 4,
          0x80000000, 0xffffffff80000000ull },
        { "movsxd rcx, dword [rbx] (positive)", 3, { 0x48, 0x63, 0x0b }, 4,
          0x7fffffff, 0x7fffffff },
        { "raw 63 0b: movsxd ecx, dword [rbx]", 2, { 0x63, 0x0b }, 4,
          0x80000000, 0x80000000 },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct emulate_regs r = regs64();
        reset();
        r.gpr[RCX] = ~0ull;
        /* junk right after the operand */
        poke(ADDR, 8, cases[i].val |
                      0x5a5a5a5a5a5a5a5aull << (cases[i].memsize * 8));
        int rc = run(M64, &r, cases[i].bytes, cases[i].len);
        if (rc || r.gpr[RCX] != cases[i].want || nr_accesses != 1 ||
            log_[0].size != cases[i].memsize)
            fail_msg("%s: rc %d rcx %#llx, read %u bytes", cases[i].text, rc,
                     (unsigned long long)r.gpr[RCX], log_[0].size);
    }
}

static void test_xchg(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    poke(ADDR, 8, 0x1111111122222222ull);
    r.gpr[RCX] = 0xaaaaaaaabbbbbbbbull;
    assert_int_equal(RUN(M64, &r, 0x87, 0x0b), 0);      /* xchg [rbx], ecx */
    assert_int_equal(peek(ADDR, 8), 0x11111111bbbbbbbbull);
    assert_int_equal(r.gpr[RCX], 0x22222222);
    assert_int_equal(nr_accesses, 2);
    assert_access(0, false, ADDR, 4);
    assert_access(1, true, ADDR, 4);
    /* xchg [rbx], ah (86 23) */
    r.gpr[RAX] = 0x1234;
    assert_int_equal(RUN(M64, &r, 0x86, 0x23), 0);
    assert_int_equal(r.gpr[RAX], 0xbb34);
    assert_int_equal(peek(ADDR, 1), 0x12);
    /* lock xchg [rbx], rcx (f0 48 87 0b) */
    r.gpr[RCX] = 0x0102030405060708ull;
    assert_int_equal(RUN(M64, &r, 0xf0, 0x48, 0x87, 0x0b), 0);
    assert_int_equal(r.gpr[RCX], 0x11111111bbbbbb12ull);
    assert_int_equal(peek(ADDR, 8), 0x0102030405060708ull);
    assert_int_equal(r.rip, CODE + 2 + 2 + 4);
}

/* ---- Addressing through segments and modes ---- */

static void test_segments_64(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    r.seg_base[FS] = MEM_BASE + 0x1000;
    r.seg_base[DS] = 0xdead0000;        /* ignored in 64-bit mode */
    r.gpr[RAX] = 0x20;
    poke(MEM_BASE + 0x1020, 4, 0xcafe);
    /* mov ecx, [fs:rax] */
    assert_int_equal(RUN(M64, &r, 0x64, 0x8b, 0x08), 0);
    assert_int_equal(r.gpr[RCX], 0xcafe);
    assert_access(0, false, MEM_BASE + 0x1020, 4);
    r.gpr[RAX] = ADDR;
    /* mov ecx, [ds:rax] */
    assert_int_equal(RUN(M64, &r, 0x3e, 0x8b, 0x08), 0);
    assert_access(0, false, ADDR, 4);

    /* mov eax, [rel $+0x100] with RIP in guest memory */
    r.rip = MEM_BASE + 0x200;
    poke(MEM_BASE + 0x300, 4, 0x600d);
    assert_int_equal(RUN(M64, &r, 0x8b, 0x05, 0xfa, 0x00, 0x00, 0x00), 0);
    assert_int_equal(r.gpr[RAX], 0x600d);
    assert_access(0, false, MEM_BASE + 0x300, 4);
    assert_int_equal(r.rip, MEM_BASE + 0x206);
}

static void test_addressing_32(void **state)
{
    struct emulate_regs r = { .rip = CODE, .rflags = 0x2 };

    reset();
    /* mov ecx, [ebx]: DS base 0xfffff000 + 0x11000 wraps to 0x10000;
     * bits 63:32 of rbx are no part of a 32-bit address */
    r.seg_base[DS] = 0xfffff000;
    r.gpr[RBX] = 0xabcd000000011000ull;
    r.gpr[RCX] = ~0ull;
    poke(MEM_BASE, 4, 0x12345678);
    assert_int_equal(RUN(M32, &r, 0x8b, 0x0b), 0);
    assert_access(0, false, MEM_BASE, 4);
    assert_int_equal(r.gpr[RCX], 0x12345678);
    /* mov eax, [ebp+8] uses SS */
    r.seg_base[SS] = MEM_BASE + 0x100;
    r.gpr[RBP] = 0x10;
    assert_int_equal(RUN(M32, &r, 0x8b, 0x45, 0x08), 0);
    assert_access(0, false, MEM_BASE + 0x118, 4);
    /* mov ax, [bx+si+2] with 67 in 32-bit mode (67 66 8b 40 02) */
    r.seg_base[DS] = MEM_BASE;
    r.gpr[RBX] = 0xffff;
    r.gpr[RSI] = 0x3;
    assert_int_equal(RUN(M32, &r, 0x67, 0x66, 0x8b, 0x40, 0x02), 0);
    assert_access(0, false, MEM_BASE + 0x4, 2);
}

static void test_real_mode(void **state)
{
    struct emulate_regs r = { .rip = 0x100, .rflags = 0x2 };

    reset();
    r.seg_base[DS] = MEM_BASE;
    r.seg_base[SS] = MEM_BASE + 0x8000;
    r.gpr[RBX] = 0xfff0;
    r.gpr[RSI] = 0x20;
    r.gpr[RAX] = 0xffffffff12345678ull;
    /* mov [bx+si], ax: BX+SI wraps to 0x10 */
    assert_int_equal(RUN(M16, &r, 0x89, 0x00), 0);
    assert_access(0, true, MEM_BASE + 0x10, 2);
    assert_int_equal(peek(MEM_BASE + 0x10, 4), 0x5678);
    /* add word [bp+2], 0x1234 (81 46 02 34 12): SS */
    r.gpr[RBP] = 0x100;
    poke(MEM_BASE + 0x8102, 2, 0xffff);
    assert_int_equal(RUN(M16, &r, 0x81, 0x46, 0x02, 0x34, 0x12), 0);
    assert_int_equal(peek(MEM_BASE + 0x8102, 2), 0x1233);
    assert_true(r.rflags & RFLAGS_CF);
    /* mov eax, [bx] (66 8b 07): a 32-bit load in real mode */
    r.gpr[RBX] = 0x10;
    assert_int_equal(RUN(M16, &r, 0x66, 0x8b, 0x07), 0);
    assert_int_equal(r.gpr[RAX], 0x5678);
    assert_int_equal(r.rip, 0x100 + 2 + 5 + 3);
}

static void test_rip_wraps(void **state)
{
    struct emulate_regs r = { .rip = 0xfffe, .rflags = 0x2 };

    reset();
    r.seg_base[DS] = MEM_BASE;
    assert_int_equal(RUN(M16, &r, 0x88, 0x07), 0);      /* mov [bx], al */
    assert_int_equal(r.rip, 0);
    r.rip = 0xffffffff;
    r.gpr[RBX] = MEM_BASE;
    r.seg_base[DS] = 0;
    assert_int_equal(RUN(M32, &r, 0x88, 0x03), 0);      /* mov [ebx], al */
    assert_int_equal(r.rip, 1);
    r.rip = 0xfffffffffull;
    assert_int_equal(RUN(M64, &r, 0x88, 0x03), 0);
    assert_int_equal(r.rip, 0x1000000001ull);
}

/* ---- String instructions ---- */

static void fill(uint64_t gla, size_t n, uint8_t first)
{
    for (size_t i = 0; i < n; i++)
        mem[gla - MEM_BASE + i] = (uint8_t)(first + i);
}

static void test_movs_forward(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    fill(MEM_BASE + 0x100, 16, 0x40);
    r.gpr[RSI] = MEM_BASE + 0x100;
    r.gpr[RDI] = MEM_BASE + 0x200;
    r.gpr[RCX] = 5;
    assert_int_equal(RUN(M64, &r, 0xf3, 0xa4), 0);      /* rep movsb */
    assert_memory_equal(&mem[0x200], &mem[0x100], 5);
    assert_int_equal(mem[0x205], 0);
    assert_int_equal(r.gpr[RSI], MEM_BASE + 0x105);
    assert_int_equal(r.gpr[RDI], MEM_BASE + 0x205);
    assert_int_equal(r.gpr[RCX], 0);
    assert_int_equal(r.rip, CODE + 2);
    assert_int_equal(nr_accesses, 10);
    for (unsigned int i = 0; i < 5; i++) {
        assert_access(2 * i, false, MEM_BASE + 0x100 + i, 1);
        assert_access(2 * i + 1, true, MEM_BASE + 0x200 + i, 1);
    }

    /* movsq without REP: one element, rcx untouched */
    r.gpr[RCX] = 7;
    assert_int_equal(RUN(M64, &r, 0x48, 0xa5), 0);
    assert_int_equal(peek(MEM_BASE + 0x205, 8), peek(MEM_BASE + 0x105, 8));
    assert_int_equal(r.gpr[RCX], 7);
    assert_int_equal(r.gpr[RSI], MEM_BASE + 0x10d);
    assert_int_equal(nr_accesses, 2);
}

static void test_movs_backward(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    fill(MEM_BASE + 0x100, 16, 0x40);
    r.rflags = 0x2 | RFLAGS_DF;
    r.gpr[RSI] = MEM_BASE + 0x108;      /* the last of three dwords */
    r.gpr[RDI] = MEM_BASE + 0x208;
    r.gpr[RCX] = 3;
    assert_int_equal(RUN(M64, &r, 0xf3, 0xa5), 0);      /* rep movsd */
    assert_memory_equal(&mem[0x200], &mem[0x100], 12);
    assert_int_equal(peek(MEM_BASE + 0x1fc, 4), 0);
    assert_int_equal(r.gpr[RSI], MEM_BASE + 0xfc);
    assert_int_equal(r.gpr[RDI], MEM_BASE + 0x1fc);
    assert_int_equal(r.gpr[RCX], 0);
    assert_access(0, false, MEM_BASE + 0x108, 4);
    assert_access(5, true, MEM_BASE + 0x200, 4);
    assert_int_equal(r.rflags, 0x2 | RFLAGS_DF);
}

static void test_rep_count_zero(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    r.gpr[RSI] = MEM_BASE;
    r.gpr[RDI] = MEM_BASE + 0x100;
    r.gpr[RCX] = 0;
    struct emulate_regs before = r;
    assert_int_equal(RUN(M64, &r, 0xf3, 0x48, 0xa5), 0);    /* rep movsq */
    assert_int_equal(nr_accesses, 0);
    before.rip += 3;
    assert_memory_equal(&r, &before, sizeof(r));
}

/* More than EMULATE_REP_MAX iterations take several calls; RIP stays on
 * the instruction until rcx reaches zero. */
static void test_rep_stos_bounded(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    r.gpr[RAX] = 0x0123456789abcdefull;
    r.gpr[RDI] = MEM_BASE + 0x1000;
    r.gpr[RCX] = EMULATE_REP_MAX + 36;
    assert_int_equal(RUN(M64, &r, 0xf3, 0x48, 0xab), 0);    /* rep stosq */
    assert_int_equal(nr_accesses, EMULATE_REP_MAX);
    assert_int_equal(r.gpr[RCX], 36);
    assert_int_equal(r.gpr[RDI], MEM_BASE + 0x1000 + 8 * EMULATE_REP_MAX);
    assert_int_equal(r.rip, CODE);
    assert_int_equal(RUN(M64, &r, 0xf3, 0x48, 0xab), 0);
    assert_int_equal(nr_accesses, 36);
    assert_int_equal(r.gpr[RCX], 0);
    assert_int_equal(r.rip, CODE + 3);
    for (unsigned int i = 0; i < EMULATE_REP_MAX + 36; i++)
        assert_int_equal(peek(MEM_BASE + 0x1000 + 8 * i, 8),
                         0x0123456789abcdefull);
    assert_int_equal(peek(MEM_BASE + 0x1000 + 8 * (EMULATE_REP_MAX + 36), 8),
                     0);
    /* exactly EMULATE_REP_MAX completes in one call */
    r.gpr[RCX] = EMULATE_REP_MAX;
    assert_int_equal(RUN(M64, &r, 0xf3, 0x48, 0xab), 0);
    assert_int_equal(r.rip, CODE + 6);
}

static void test_lods(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    fill(MEM_BASE + 0x100, 8, 0x81);
    r.gpr[RSI] = MEM_BASE + 0x100;
    r.gpr[RAX] = 0xffffffffffffffffull;
    assert_int_equal(RUN(M64, &r, 0x66, 0xad), 0);      /* lodsw */
    assert_int_equal(r.gpr[RAX], 0xffffffffffff8281ull);
    assert_int_equal(r.gpr[RSI], MEM_BASE + 0x102);
    assert_int_equal(RUN(M64, &r, 0xad), 0);            /* lodsd */
    assert_int_equal(r.gpr[RAX], 0x86858483);
    assert_int_equal(nr_accesses, 1);
    /* rep lodsb, rcx 2, DF=1: al = the second byte read, going down */
    r.rflags |= RFLAGS_DF;
    r.gpr[RCX] = 2;
    assert_int_equal(RUN(M64, &r, 0xf3, 0xac), 0);
    assert_int_equal(r.gpr[RAX], 0x86858486);
    assert_int_equal(r.gpr[RSI], MEM_BASE + 0x104);
}

static void test_stos_and_movs_segments(void **state)
{
    struct emulate_regs r = { .rip = CODE, .rflags = 0x2 };

    reset();
    /* 32-bit mode: the destination is ES-based, the source DS-based */
    r.seg_base[ES] = MEM_BASE + 0x1000;
    r.seg_base[DS] = MEM_BASE + 0x2000;
    r.seg_base[FS] = MEM_BASE + 0x3000;
    r.gpr[RSI] = 0x10;
    r.gpr[RDI] = 0x20;
    poke(MEM_BASE + 0x2010, 1, 0x11);
    poke(MEM_BASE + 0x3010, 1, 0x33);
    assert_int_equal(RUN(M32, &r, 0xa4), 0);            /* movsb */
    assert_access(0, false, MEM_BASE + 0x2010, 1);
    assert_access(1, true, MEM_BASE + 0x1020, 1);
    /* fs movsb: the source moves to FS, the destination stays ES */
    r.gpr[RSI] = 0x10;
    assert_int_equal(RUN(M32, &r, 0x64, 0xa4), 0);
    assert_access(0, false, MEM_BASE + 0x3010, 1);
    assert_access(1, true, MEM_BASE + 0x1021, 1);
    assert_int_equal(peek(MEM_BASE + 0x1020, 2), 0x3311);
    /* fs stosb: an override does not move stos off ES */
    r.gpr[RAX] = 0x77;
    assert_int_equal(RUN(M32, &r, 0x64, 0xaa), 0);
    assert_access(0, true, MEM_BASE + 0x1022, 1);

    /* 64-bit mode: the ES base does not count, FS does */
    struct emulate_regs q = regs64();
    q.seg_base[ES] = 0xdead0000;
    q.seg_base[FS] = MEM_BASE + 0x3000;
    q.gpr[RSI] = 0x10;
    q.gpr[RDI] = MEM_BASE + 0x40;
    assert_int_equal(RUN(M64, &q, 0x64, 0xa4), 0);
    assert_access(0, false, MEM_BASE + 0x3010, 1);
    assert_access(1, true, MEM_BASE + 0x40, 1);
}

/* 16-bit addresses: SI, DI and CX only; the rest of the registers stay */
static void test_string_16bit_wrap(void **state)
{
    struct emulate_regs r = { .rip = 0x100, .rflags = 0x2 };

    reset();
    r.seg_base[ES] = MEM_BASE;
    r.gpr[RAX] = 0xab;
    r.gpr[RCX] = 0xdead0003;
    r.gpr[RDI] = 0xbeef0000fffeull;
    assert_int_equal(RUN(M16, &r, 0xf3, 0xaa), 0);      /* rep stosb */
    assert_access(0, true, MEM_BASE + 0xfffe, 1);
    assert_access(1, true, MEM_BASE + 0xffff, 1);
    assert_access(2, true, MEM_BASE + 0x0000, 1);
    assert_int_equal(nr_accesses, 3);
    assert_int_equal(r.gpr[RDI], 0xbeef00000001ull);
    assert_int_equal(r.gpr[RCX], 0xdead0000);
    assert_int_equal(r.rip, 0x102);

    /* std; movsw with SI = 0: SI wraps down to 0xfffe */
    r.rflags |= RFLAGS_DF;
    r.seg_base[DS] = MEM_BASE;
    r.gpr[RSI] = 0x70000;
    r.gpr[RDI] = 0x10;
    assert_int_equal(RUN(M16, &r, 0xa5), 0);
    assert_access(0, false, MEM_BASE, 2);
    assert_int_equal(r.gpr[RSI], 0x7fffe);
    assert_int_equal(r.gpr[RDI], 0xe);

    /* a32 rep movsb in 16-bit mode (67 f3 a4): ECX counts */
    r.rflags = 0x2;
    r.gpr[RCX] = 0x2;
    r.gpr[RSI] = 0x100;
    r.gpr[RDI] = 0x200;
    assert_int_equal(RUN(M16, &r, 0x67, 0xf3, 0xa4), 0);
    assert_int_equal(nr_accesses, 4);
    assert_int_equal(r.gpr[RSI], 0x102);
}

/* a32 rep movsb in 64-bit mode: ESI, EDI, ECX; writes zero-extend */
static void test_string_a32_in_64bit(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    fill(MEM_BASE + 0x10, 4, 1);
    r.gpr[RSI] = 0xffffffff00000000ull | (MEM_BASE + 0x10);
    r.gpr[RDI] = 0x1234567800000000ull | (MEM_BASE + 0x80);
    r.gpr[RCX] = 0x100000002ull;            /* ECX = 2 */
    assert_int_equal(RUN(M64, &r, 0x67, 0xf3, 0xa4), 0);
    assert_access(0, false, MEM_BASE + 0x10, 1);
    assert_access(1, true, MEM_BASE + 0x80, 1);
    assert_int_equal(nr_accesses, 4);
    assert_int_equal(r.gpr[RSI], MEM_BASE + 0x12);
    assert_int_equal(r.gpr[RDI], MEM_BASE + 0x82);
    assert_int_equal(r.gpr[RCX], 0);
    assert_int_equal(peek(MEM_BASE + 0x80, 2), 0x0201);
}

/* REPNE repeats MOVS/STOS/LODS like REP */
static void test_repne_string(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    r.gpr[RAX] = 0x5a;
    r.gpr[RDI] = MEM_BASE + 0x10;
    r.gpr[RCX] = 4;
    assert_int_equal(RUN(M64, &r, 0xf2, 0xaa), 0);      /* repne stosb */
    assert_int_equal(peek(MEM_BASE + 0x10, 8), 0x5a5a5a5a);
    assert_int_equal(r.gpr[RCX], 0);
}

/* ---- Errors ---- */

static void test_read_error_changes_nothing(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    r.gpr[RCX] = 5;
    struct emulate_regs before = r;
    fail_at = 0;
    assert_int_equal(RUN(M64, &r, 0x03, 0x0b), -EIO);   /* add ecx, [rbx] */
    assert_memory_equal(&r, &before, sizeof(r));
    assert_int_equal(nr_accesses, 1);
    /* a bad address: the callback's error comes back */
    fail_at = -1;
    r.gpr[RBX] = 0x10;
    before = r;
    assert_int_equal(RUN(M64, &r, 0x8b, 0x0b), -EFAULT); /* mov ecx, [rbx] */
    assert_memory_equal(&r, &before, sizeof(r));
}

static void test_write_error_changes_nothing(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    poke(ADDR, 4, 0xffffffff);
    r.gpr[RCX] = 1;
    struct emulate_regs before = r;
    fail_at = 1;
    assert_int_equal(RUN(M64, &r, 0x01, 0x0b), -EIO);   /* add [rbx], ecx */
    assert_memory_equal(&r, &before, sizeof(r));        /* flags too */
    assert_int_equal(peek(ADDR, 4), 0xffffffff);
    /* xchg [rbx], ecx: a failed write leaves ecx alone */
    fail_at = 1;
    assert_int_equal(RUN(M64, &r, 0x87, 0x0b), -EIO);
    assert_memory_equal(&r, &before, sizeof(r));
    /* bts [rbx], ecx */
    fail_at = 1;
    assert_int_equal(RUN(M64, &r, 0x0f, 0xab, 0x0b), -EIO);
    assert_memory_equal(&r, &before, sizeof(r));
}

/* A failure in the middle of REP keeps the iterations that completed. */
static void test_rep_error_keeps_progress(void **state)
{
    struct emulate_regs r = regs64();

    reset();
    fill(MEM_BASE + 0x100, 16, 0x40);
    r.gpr[RSI] = MEM_BASE + 0x100;
    r.gpr[RDI] = MEM_BASE + 0x200;
    r.gpr[RCX] = 10;
    fail_at = 5;                        /* the write of the third byte */
    assert_int_equal(RUN(M64, &r, 0xf3, 0xa4), -EIO);
    assert_int_equal(r.gpr[RCX], 8);
    assert_int_equal(r.gpr[RSI], MEM_BASE + 0x102);
    assert_int_equal(r.gpr[RDI], MEM_BASE + 0x202);
    assert_int_equal(r.rip, CODE);
    assert_int_equal(peek(MEM_BASE + 0x200, 4), 0x4140);
}

static void test_bad_arguments(void **state)
{
    struct decode_insn d;
    struct emulate_regs r = regs64();

    reset();
    struct emulate_regs before = r;
    /* decoded for 64-bit mode, emulated in 32-bit mode */
    assert_int_equal(decode_insn((const uint8_t[]){ 0x89, 0x0b }, 2, M64, &d),
                     0);
    assert_int_equal(emulate_insn(&d, M32, &r, &ops, &ctx_marker), -EINVAL);
    /* not a decoded instruction */
    memset(&d, 0, sizeof(d));
    d.mode = M64;
    assert_int_equal(emulate_insn(&d, M64, &r, &ops, &ctx_marker), -EINVAL);
    d.op = (enum decode_op)100;
    assert_int_equal(emulate_insn(&d, M64, &r, &ops, &ctx_marker), -EINVAL);
    assert_int_equal(nr_accesses, 0);
    assert_memory_equal(&r, &before, sizeof(r));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alu_matches_cpu),
        cmocka_unit_test(test_test_matches_cpu),
        cmocka_unit_test(test_alu_high_byte),
        cmocka_unit_test(test_unary_matches_cpu),
        cmocka_unit_test(test_bt_matches_cpu),
        cmocka_unit_test(test_bt_negative_offset_address),
        cmocka_unit_test(test_mov_store),
        cmocka_unit_test(test_mov_load),
        cmocka_unit_test(test_mov_imm),
        cmocka_unit_test(test_mov_moffs),
        cmocka_unit_test(test_movzx_movsx),
        cmocka_unit_test(test_xchg),
        cmocka_unit_test(test_segments_64),
        cmocka_unit_test(test_addressing_32),
        cmocka_unit_test(test_real_mode),
        cmocka_unit_test(test_rip_wraps),
        cmocka_unit_test(test_movs_forward),
        cmocka_unit_test(test_movs_backward),
        cmocka_unit_test(test_rep_count_zero),
        cmocka_unit_test(test_rep_stos_bounded),
        cmocka_unit_test(test_lods),
        cmocka_unit_test(test_stos_and_movs_segments),
        cmocka_unit_test(test_string_16bit_wrap),
        cmocka_unit_test(test_string_a32_in_64bit),
        cmocka_unit_test(test_repne_string),
        cmocka_unit_test(test_read_error_changes_nothing),
        cmocka_unit_test(test_write_error_changes_nothing),
        cmocka_unit_test(test_rep_error_keeps_progress),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
