/*
 * tests/unit/test_decode.c: the MMIO instruction decoder (kernel/decode.c).
 *
 * Instruction bytes come from NASM: each source line was assembled with
 * `nasm -f bin` under "bits 16", "bits 32" or "bits 64" and its bytes
 * pasted next to it (hand-written encodings NASM would not produce are
 * marked "raw" and were checked with objdump). The expected operation,
 * sizes and operands are what the SDM's instruction pages give for the
 * source line. Every decode reads from a heap copy of exactly the bytes
 * passed as available, so ASan catches a read past them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "stub.h"
#include <tern/decode.h>
#include <tern/errno.h>

#define M16     DECODE_MODE_16
#define M32     DECODE_MODE_32
#define M64     DECODE_MODE_64
#define OP(x)   DECODE_OP_##x
#define NONE    DECODE_OPND_NONE
#define REG     DECODE_OPND_REG
#define MEM     DECODE_OPND_MEM
#define IMM     DECODE_OPND_IMM
#define NOREG   DECODE_GPR_NONE
#define RAX     DECODE_GPR_RAX
#define RCX     DECODE_GPR_RCX
#define RDX     DECODE_GPR_RDX
#define RBX     DECODE_GPR_RBX
#define RSP     DECODE_GPR_RSP
#define RBP     DECODE_GPR_RBP
#define RSI     DECODE_GPR_RSI
#define RDI     DECODE_GPR_RDI
#define R8      DECODE_GPR_R8
#define R12     DECODE_GPR_R12
#define R13     DECODE_GPR_R13

struct corpus_case {
    enum decode_mode mode;
    const char *text;               /* the NASM source line */
    uint8_t len;                    /* NASM's length */
    uint8_t bytes[DECODE_MAX_LEN];
    enum decode_op op;
    uint8_t opsize, memsize, addrsize;
    enum decode_opnd dst, src;
    uint8_t reg;                    /* 0 when no register operand */
    bool reg_hi8;
    int64_t imm;                    /* compared in the low opsize bytes */
};

/* Every supported opcode form, in each mode it exists in. */
static const struct corpus_case corpus[] = {
    { M64, "mov [rax], al",
      2, { 0x88, 0x00 },
      OP(MOV), 1, 1, 8, MEM, REG, 0, 0, 0x0 },
    { M64, "mov [rax], ax",
      3, { 0x66, 0x89, 0x00 },
      OP(MOV), 2, 2, 8, MEM, REG, 0, 0, 0x0 },
    { M64, "mov [rax], eax",
      2, { 0x89, 0x00 },
      OP(MOV), 4, 4, 8, MEM, REG, 0, 0, 0x0 },
    { M64, "mov [rax], rax",
      3, { 0x48, 0x89, 0x00 },
      OP(MOV), 8, 8, 8, MEM, REG, 0, 0, 0x0 },
    { M64, "mov [r8], r9",
      3, { 0x4d, 0x89, 0x08 },
      OP(MOV), 8, 8, 8, MEM, REG, 9, 0, 0x0 },
    { M64, "mov [rbx+rcx*8+0x10], r15d",
      5, { 0x44, 0x89, 0x7c, 0xcb, 0x10 },
      OP(MOV), 4, 4, 8, MEM, REG, 15, 0, 0x0 },
    { M64, "mov al, [rbx]",
      2, { 0x8a, 0x03 },
      OP(MOV), 1, 1, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "mov ah, [rbx]",
      2, { 0x8a, 0x23 },
      OP(MOV), 1, 1, 8, REG, MEM, 0, 1, 0x0 },
    { M64, "mov sil, [rbx]",
      3, { 0x40, 0x8a, 0x33 },
      OP(MOV), 1, 1, 8, REG, MEM, 6, 0, 0x0 },
    { M64, "mov r10w, [rbx+0x12345678]",
      8, { 0x66, 0x44, 0x8b, 0x93, 0x78, 0x56, 0x34, 0x12 },
      OP(MOV), 2, 2, 8, REG, MEM, 10, 0, 0x0 },
    { M64, "mov eax, [rbx]",
      2, { 0x8b, 0x03 },
      OP(MOV), 4, 4, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "mov rax, [rsp+8]",
      5, { 0x48, 0x8b, 0x44, 0x24, 0x08 },
      OP(MOV), 8, 8, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "mov eax, [rbp]",
      3, { 0x8b, 0x45, 0x00 },
      OP(MOV), 4, 4, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "mov eax, [r12]",
      4, { 0x41, 0x8b, 0x04, 0x24 },
      OP(MOV), 4, 4, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "mov eax, [r13]",
      4, { 0x41, 0x8b, 0x45, 0x00 },
      OP(MOV), 4, 4, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "mov eax, [r13+r12*2-4]",
      5, { 0x43, 0x8b, 0x44, 0x65, 0xfc },
      OP(MOV), 4, 4, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "mov eax, [rcx*4+0x1000]",
      7, { 0x8b, 0x04, 0x8d, 0x00, 0x10, 0x00, 0x00 },
      OP(MOV), 4, 4, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "mov eax, [0x10]",
      7, { 0x8b, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00 },
      OP(MOV), 4, 4, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "mov eax, [rel $+0x100]",
      6, { 0x8b, 0x05, 0xfa, 0x00, 0x00, 0x00 },
      OP(MOV), 4, 4, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "mov eax, [eax]",
      3, { 0x67, 0x8b, 0x00 },
      OP(MOV), 4, 4, 4, REG, MEM, 0, 0, 0x0 },
    { M64, "mov eax, [fs:rax]",
      3, { 0x64, 0x8b, 0x00 },
      OP(MOV), 4, 4, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "mov rax, [gs:0x28]",
      9, { 0x65, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00 },
      OP(MOV), 8, 8, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "mov byte [rax], 0x12",
      3, { 0xc6, 0x00, 0x12 },
      OP(MOV), 1, 1, 8, MEM, IMM, 0, 0, 0x12 },
    { M64, "mov word [rax], 0x1234",
      5, { 0x66, 0xc7, 0x00, 0x34, 0x12 },
      OP(MOV), 2, 2, 8, MEM, IMM, 0, 0, 0x1234 },
    { M64, "mov dword [rax], 0x12345678",
      6, { 0xc7, 0x00, 0x78, 0x56, 0x34, 0x12 },
      OP(MOV), 4, 4, 8, MEM, IMM, 0, 0, 0x12345678 },
    { M64, "mov qword [rax], -1",
      7, { 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff },
      OP(MOV), 8, 8, 8, MEM, IMM, 0, 0, -0x1 },
    { M64, "mov qword [rsp+rbp*2+0x7f], 0x7fffffff",
      9, { 0x48, 0xc7, 0x44, 0x6c, 0x7f, 0xff, 0xff, 0xff, 0x7f },
      OP(MOV), 8, 8, 8, MEM, IMM, 0, 0, 0x7fffffff },
    { M64, "mov al, [abs qword 0x1122334455667788]",
      9, { 0xa0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 },
      OP(MOV), 1, 1, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "mov eax, [abs qword 0x1122334455667788]",
      9, { 0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 },
      OP(MOV), 4, 4, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "mov rax, [abs qword 0x1122334455667788]",
      10, { 0x48, 0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 },
      OP(MOV), 8, 8, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "mov [abs qword 0x1122334455667788], al",
      9, { 0xa2, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 },
      OP(MOV), 1, 1, 8, MEM, REG, 0, 0, 0x0 },
    { M64, "mov [abs qword 0x1122334455667788], ax",
      10, { 0x66, 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 },
      OP(MOV), 2, 2, 8, MEM, REG, 0, 0, 0x0 },
    { M64, "a32 mov eax, [abs dword 0x12345678]",
      6, { 0x67, 0xa1, 0x78, 0x56, 0x34, 0x12 },
      OP(MOV), 4, 4, 4, REG, MEM, 0, 0, 0x0 },
    { M64, "movzx eax, byte [rbx]",
      3, { 0x0f, 0xb6, 0x03 },
      OP(MOVZX), 4, 1, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "movzx eax, word [rbx]",
      3, { 0x0f, 0xb7, 0x03 },
      OP(MOVZX), 4, 2, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "movzx rax, byte [rbx]",
      4, { 0x48, 0x0f, 0xb6, 0x03 },
      OP(MOVZX), 8, 1, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "movzx ax, byte [rbx]",
      4, { 0x66, 0x0f, 0xb6, 0x03 },
      OP(MOVZX), 2, 1, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "movzx r9, word [r10]",
      4, { 0x4d, 0x0f, 0xb7, 0x0a },
      OP(MOVZX), 8, 2, 8, REG, MEM, 9, 0, 0x0 },
    { M64, "movsx ecx, byte [rbx]",
      3, { 0x0f, 0xbe, 0x0b },
      OP(MOVSX), 4, 1, 8, REG, MEM, 1, 0, 0x0 },
    { M64, "movsx rcx, word [rbx]",
      4, { 0x48, 0x0f, 0xbf, 0x0b },
      OP(MOVSX), 8, 2, 8, REG, MEM, 1, 0, 0x0 },
    { M64, "movsx cx, byte [rbx]",
      4, { 0x66, 0x0f, 0xbe, 0x0b },
      OP(MOVSX), 2, 1, 8, REG, MEM, 1, 0, 0x0 },
    { M64, "movsxd rax, dword [rbx]",
      3, { 0x48, 0x63, 0x03 },
      OP(MOVSX), 8, 4, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "movsxd r11, dword [r12+8]",
      5, { 0x4d, 0x63, 0x5c, 0x24, 0x08 },
      OP(MOVSX), 8, 4, 8, REG, MEM, 11, 0, 0x0 },
    { M64, "movsb",
      1, { 0xa4 },
      OP(MOVS), 1, 1, 8, MEM, MEM, 0, 0, 0x0 },
    { M64, "movsw",
      2, { 0x66, 0xa5 },
      OP(MOVS), 2, 2, 8, MEM, MEM, 0, 0, 0x0 },
    { M64, "movsd",
      1, { 0xa5 },
      OP(MOVS), 4, 4, 8, MEM, MEM, 0, 0, 0x0 },
    { M64, "movsq",
      2, { 0x48, 0xa5 },
      OP(MOVS), 8, 8, 8, MEM, MEM, 0, 0, 0x0 },
    { M64, "rep movsb",
      2, { 0xf3, 0xa4 },
      OP(MOVS), 1, 1, 8, MEM, MEM, 0, 0, 0x0 },
    { M64, "rep movsq",
      3, { 0xf3, 0x48, 0xa5 },
      OP(MOVS), 8, 8, 8, MEM, MEM, 0, 0, 0x0 },
    { M64, "a32 rep movsd",
      3, { 0xf3, 0x67, 0xa5 },
      OP(MOVS), 4, 4, 4, MEM, MEM, 0, 0, 0x0 },
    { M64, "stosb",
      1, { 0xaa },
      OP(STOS), 1, 1, 8, MEM, REG, 0, 0, 0x0 },
    { M64, "rep stosd",
      2, { 0xf3, 0xab },
      OP(STOS), 4, 4, 8, MEM, REG, 0, 0, 0x0 },
    { M64, "rep stosq",
      3, { 0xf3, 0x48, 0xab },
      OP(STOS), 8, 8, 8, MEM, REG, 0, 0, 0x0 },
    { M64, "lodsb",
      1, { 0xac },
      OP(LODS), 1, 1, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "lodsw",
      2, { 0x66, 0xad },
      OP(LODS), 2, 2, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "lodsq",
      2, { 0x48, 0xad },
      OP(LODS), 8, 8, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "add [rax], al",
      2, { 0x00, 0x00 },
      OP(ADD), 1, 1, 8, MEM, REG, 0, 0, 0x0 },
    { M64, "add [rax], eax",
      2, { 0x01, 0x00 },
      OP(ADD), 4, 4, 8, MEM, REG, 0, 0, 0x0 },
    { M64, "add rax, [rax]",
      3, { 0x48, 0x03, 0x00 },
      OP(ADD), 8, 8, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "add al, [rax]",
      2, { 0x02, 0x00 },
      OP(ADD), 1, 1, 8, REG, MEM, 0, 0, 0x0 },
    { M64, "or [rax], cl",
      2, { 0x08, 0x08 },
      OP(OR), 1, 1, 8, MEM, REG, 1, 0, 0x0 },
    { M64, "or dx, [rax]",
      3, { 0x66, 0x0b, 0x10 },
      OP(OR), 2, 2, 8, REG, MEM, 2, 0, 0x0 },
    { M64, "adc [rax], ebx",
      2, { 0x11, 0x18 },
      OP(ADC), 4, 4, 8, MEM, REG, 3, 0, 0x0 },
    { M64, "adc rsp, [rax]",
      3, { 0x48, 0x13, 0x20 },
      OP(ADC), 8, 8, 8, REG, MEM, 4, 0, 0x0 },
    { M64, "sbb [rax], bpl",
      3, { 0x40, 0x18, 0x28 },
      OP(SBB), 1, 1, 8, MEM, REG, 5, 0, 0x0 },
    { M64, "sbb esi, [rax]",
      2, { 0x1b, 0x30 },
      OP(SBB), 4, 4, 8, REG, MEM, 6, 0, 0x0 },
    { M64, "and [rax], r8",
      3, { 0x4c, 0x21, 0x00 },
      OP(AND), 8, 8, 8, MEM, REG, 8, 0, 0x0 },
    { M64, "and dil, [rax]",
      3, { 0x40, 0x22, 0x38 },
      OP(AND), 1, 1, 8, REG, MEM, 7, 0, 0x0 },
    { M64, "sub [rax], r9d",
      3, { 0x44, 0x29, 0x08 },
      OP(SUB), 4, 4, 8, MEM, REG, 9, 0, 0x0 },
    { M64, "sub r10w, [rax]",
      4, { 0x66, 0x44, 0x2b, 0x10 },
      OP(SUB), 2, 2, 8, REG, MEM, 10, 0, 0x0 },
    { M64, "xor [rax], r11b",
      3, { 0x44, 0x30, 0x18 },
      OP(XOR), 1, 1, 8, MEM, REG, 11, 0, 0x0 },
    { M64, "xor r12, [rax]",
      3, { 0x4c, 0x33, 0x20 },
      OP(XOR), 8, 8, 8, REG, MEM, 12, 0, 0x0 },
    { M64, "cmp [rax], r13w",
      4, { 0x66, 0x44, 0x39, 0x28 },
      OP(CMP), 2, 2, 8, MEM, REG, 13, 0, 0x0 },
    { M64, "cmp r14d, [rax]",
      3, { 0x44, 0x3b, 0x30 },
      OP(CMP), 4, 4, 8, REG, MEM, 14, 0, 0x0 },
    { M64, "add byte [rax], 1",
      3, { 0x80, 0x00, 0x01 },
      OP(ADD), 1, 1, 8, MEM, IMM, 0, 0, 0x1 },
    { M64, "or dword [rax], strict dword 0x12345678",
      6, { 0x81, 0x08, 0x78, 0x56, 0x34, 0x12 },
      OP(OR), 4, 4, 8, MEM, IMM, 0, 0, 0x12345678 },
    { M64, "adc dword [rax], 1",
      3, { 0x83, 0x10, 0x01 },
      OP(ADC), 4, 4, 8, MEM, IMM, 0, 0, 0x1 },
    { M64, "sbb qword [rax], -1",
      4, { 0x48, 0x83, 0x18, 0xff },
      OP(SBB), 8, 8, 8, MEM, IMM, 0, 0, -0x1 },
    { M64, "and word [rax], 0x1234",
      5, { 0x66, 0x81, 0x20, 0x34, 0x12 },
      OP(AND), 2, 2, 8, MEM, IMM, 0, 0, 0x1234 },
    { M64, "sub word [rax], 0x12",
      4, { 0x66, 0x83, 0x28, 0x12 },
      OP(SUB), 2, 2, 8, MEM, IMM, 0, 0, 0x12 },
    { M64, "xor qword [rax], 0x12345678",
      7, { 0x48, 0x81, 0x30, 0x78, 0x56, 0x34, 0x12 },
      OP(XOR), 8, 8, 8, MEM, IMM, 0, 0, 0x12345678 },
    { M64, "cmp byte [rax+0x12345678], 0x80",
      7, { 0x80, 0xb8, 0x78, 0x56, 0x34, 0x12, 0x80 },
      OP(CMP), 1, 1, 8, MEM, IMM, 0, 0, 0x80 },
    { M64, "cmp dword [rel $+0x100], 0x1000",
      10, { 0x81, 0x3d, 0xf6, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00 },
      OP(CMP), 4, 4, 8, MEM, IMM, 0, 0, 0x1000 },
    { M64, "test [rax], al",
      2, { 0x84, 0x00 },
      OP(TEST), 1, 1, 8, MEM, REG, 0, 0, 0x0 },
    { M64, "test [rax], rax",
      3, { 0x48, 0x85, 0x00 },
      OP(TEST), 8, 8, 8, MEM, REG, 0, 0, 0x0 },
    { M64, "test byte [rax], 1",
      3, { 0xf6, 0x00, 0x01 },
      OP(TEST), 1, 1, 8, MEM, IMM, 0, 0, 0x1 },
    { M64, "test word [rax], 0x8000",
      5, { 0x66, 0xf7, 0x00, 0x00, 0x80 },
      OP(TEST), 2, 2, 8, MEM, IMM, 0, 0, 0x8000 },
    { M64, "test dword [rax], 0x80000000",
      6, { 0xf7, 0x00, 0x00, 0x00, 0x00, 0x80 },
      OP(TEST), 4, 4, 8, MEM, IMM, 0, 0, 0x80000000 },
    { M64, "test qword [rax], 1",
      7, { 0x48, 0xf7, 0x00, 0x01, 0x00, 0x00, 0x00 },
      OP(TEST), 8, 8, 8, MEM, IMM, 0, 0, 0x1 },
    { M64, "xchg [rax], al",
      2, { 0x86, 0x00 },
      OP(XCHG), 1, 1, 8, MEM, REG, 0, 0, 0x0 },
    { M64, "xchg [rax], r15",
      3, { 0x4c, 0x87, 0x38 },
      OP(XCHG), 8, 8, 8, MEM, REG, 15, 0, 0x0 },
    { M64, "xchg [rax], cx",
      3, { 0x66, 0x87, 0x08 },
      OP(XCHG), 2, 2, 8, MEM, REG, 1, 0, 0x0 },
    { M64, "bt [rax], eax",
      3, { 0x0f, 0xa3, 0x00 },
      OP(BT), 4, 4, 8, MEM, REG, 0, 0, 0x0 },
    { M64, "bts [rax], rcx",
      4, { 0x48, 0x0f, 0xab, 0x08 },
      OP(BTS), 8, 8, 8, MEM, REG, 1, 0, 0x0 },
    { M64, "btr [rax], dx",
      4, { 0x66, 0x0f, 0xb3, 0x10 },
      OP(BTR), 2, 2, 8, MEM, REG, 2, 0, 0x0 },
    { M64, "btc [rax], r8d",
      4, { 0x44, 0x0f, 0xbb, 0x00 },
      OP(BTC), 4, 4, 8, MEM, REG, 8, 0, 0x0 },
    { M64, "bt dword [rax], 3",
      4, { 0x0f, 0xba, 0x20, 0x03 },
      OP(BT), 4, 4, 8, MEM, IMM, 0, 0, 0x3 },
    { M64, "bts qword [rax], 63",
      5, { 0x48, 0x0f, 0xba, 0x28, 0x3f },
      OP(BTS), 8, 8, 8, MEM, IMM, 0, 0, 0x3f },
    { M64, "btr word [rax], 15",
      5, { 0x66, 0x0f, 0xba, 0x30, 0x0f },
      OP(BTR), 2, 2, 8, MEM, IMM, 0, 0, 0xf },
    { M64, "btc dword [rax+rbx], 31",
      5, { 0x0f, 0xba, 0x3c, 0x18, 0x1f },
      OP(BTC), 4, 4, 8, MEM, IMM, 0, 0, 0x1f },
    { M64, "inc byte [rax]",
      2, { 0xfe, 0x00 },
      OP(INC), 1, 1, 8, MEM, NONE, 0, 0, 0x0 },
    { M64, "inc dword [rax]",
      2, { 0xff, 0x00 },
      OP(INC), 4, 4, 8, MEM, NONE, 0, 0, 0x0 },
    { M64, "dec qword [rax]",
      3, { 0x48, 0xff, 0x08 },
      OP(DEC), 8, 8, 8, MEM, NONE, 0, 0, 0x0 },
    { M64, "dec word [rax]",
      3, { 0x66, 0xff, 0x08 },
      OP(DEC), 2, 2, 8, MEM, NONE, 0, 0, 0x0 },
    { M64, "not byte [rax]",
      2, { 0xf6, 0x10 },
      OP(NOT), 1, 1, 8, MEM, NONE, 0, 0, 0x0 },
    { M64, "not qword [rax]",
      3, { 0x48, 0xf7, 0x10 },
      OP(NOT), 8, 8, 8, MEM, NONE, 0, 0, 0x0 },
    { M64, "neg dword [rax]",
      2, { 0xf7, 0x18 },
      OP(NEG), 4, 4, 8, MEM, NONE, 0, 0, 0x0 },
    { M64, "neg byte [rax]",
      2, { 0xf6, 0x18 },
      OP(NEG), 1, 1, 8, MEM, NONE, 0, 0, 0x0 },
    { M64, "lock add [rax], eax",
      3, { 0xf0, 0x01, 0x00 },
      OP(ADD), 4, 4, 8, MEM, REG, 0, 0, 0x0 },
    { M64, "lock inc qword [rax]",
      4, { 0xf0, 0x48, 0xff, 0x00 },
      OP(INC), 8, 8, 8, MEM, NONE, 0, 0, 0x0 },
    { M64, "lock xchg [rax], eax",
      3, { 0xf0, 0x87, 0x00 },
      OP(XCHG), 4, 4, 8, MEM, REG, 0, 0, 0x0 },
    { M64, "lock bts dword [rax], 5",
      5, { 0xf0, 0x0f, 0xba, 0x28, 0x05 },
      OP(BTS), 4, 4, 8, MEM, IMM, 0, 0, 0x5 },
    { M64, "lock or qword [fs:r8+r9*8+0x12345678], 0x12345678",
      14, { 0xf0, 0x64, 0x4b, 0x81, 0x8c, 0xc8, 0x78, 0x56, 0x34, 0x12,
            0x78, 0x56, 0x34, 0x12 },
      OP(OR), 8, 8, 8, MEM, IMM, 0, 0, 0x12345678 },
    { M32, "mov [eax], eax",
      2, { 0x89, 0x00 },
      OP(MOV), 4, 4, 4, MEM, REG, 0, 0, 0x0 },
    { M32, "mov [eax], al",
      2, { 0x88, 0x00 },
      OP(MOV), 1, 1, 4, MEM, REG, 0, 0, 0x0 },
    { M32, "mov ax, [eax]",
      3, { 0x66, 0x8b, 0x00 },
      OP(MOV), 2, 2, 4, REG, MEM, 0, 0, 0x0 },
    { M32, "mov [bx], eax",
      3, { 0x67, 0x89, 0x07 },
      OP(MOV), 4, 4, 2, MEM, REG, 0, 0, 0x0 },
    { M32, "mov eax, [0x12345678]",
      5, { 0xa1, 0x78, 0x56, 0x34, 0x12 },
      OP(MOV), 4, 4, 4, REG, MEM, 0, 0, 0x0 },
    { M32, "mov al, [0x12345678]",
      5, { 0xa0, 0x78, 0x56, 0x34, 0x12 },
      OP(MOV), 1, 1, 4, REG, MEM, 0, 0, 0x0 },
    { M32, "mov [0x12345678], ax",
      6, { 0x66, 0xa3, 0x78, 0x56, 0x34, 0x12 },
      OP(MOV), 2, 2, 4, MEM, REG, 0, 0, 0x0 },
    { M32, "mov ecx, [0x12345678]",
      6, { 0x8b, 0x0d, 0x78, 0x56, 0x34, 0x12 },
      OP(MOV), 4, 4, 4, REG, MEM, 1, 0, 0x0 },
    { M32, "mov eax, [ebp+8]",
      3, { 0x8b, 0x45, 0x08 },
      OP(MOV), 4, 4, 4, REG, MEM, 0, 0, 0x0 },
    { M32, "mov eax, [esp+4]",
      4, { 0x8b, 0x44, 0x24, 0x04 },
      OP(MOV), 4, 4, 4, REG, MEM, 0, 0, 0x0 },
    { M32, "mov eax, [ebx+esi*4+0x100]",
      7, { 0x8b, 0x84, 0xb3, 0x00, 0x01, 0x00, 0x00 },
      OP(MOV), 4, 4, 4, REG, MEM, 0, 0, 0x0 },
    { M32, "mov eax, [esi*2]",
      3, { 0x8b, 0x04, 0x36 },
      OP(MOV), 4, 4, 4, REG, MEM, 0, 0, 0x0 },
    { M32, "mov eax, [nosplit esi*2]",
      7, { 0x8b, 0x04, 0x75, 0x00, 0x00, 0x00, 0x00 },
      OP(MOV), 4, 4, 4, REG, MEM, 0, 0, 0x0 },
    { M32, "mov ah, [ebx]",
      2, { 0x8a, 0x23 },
      OP(MOV), 1, 1, 4, REG, MEM, 0, 1, 0x0 },
    { M32, "mov dword [ebx], 0x12345678",
      6, { 0xc7, 0x03, 0x78, 0x56, 0x34, 0x12 },
      OP(MOV), 4, 4, 4, MEM, IMM, 0, 0, 0x12345678 },
    { M32, "mov word [ebx], 0x1234",
      5, { 0x66, 0xc7, 0x03, 0x34, 0x12 },
      OP(MOV), 2, 2, 4, MEM, IMM, 0, 0, 0x1234 },
    { M32, "movzx eax, byte [ebx]",
      3, { 0x0f, 0xb6, 0x03 },
      OP(MOVZX), 4, 1, 4, REG, MEM, 0, 0, 0x0 },
    { M32, "movsx eax, word [ebx]",
      3, { 0x0f, 0xbf, 0x03 },
      OP(MOVSX), 4, 2, 4, REG, MEM, 0, 0, 0x0 },
    { M32, "movzx ax, byte [ebx]",
      4, { 0x66, 0x0f, 0xb6, 0x03 },
      OP(MOVZX), 2, 1, 4, REG, MEM, 0, 0, 0x0 },
    { M32, "rep movsd",
      2, { 0xf3, 0xa5 },
      OP(MOVS), 4, 4, 4, MEM, MEM, 0, 0, 0x0 },
    { M32, "movsw",
      2, { 0x66, 0xa5 },
      OP(MOVS), 2, 2, 4, MEM, MEM, 0, 0, 0x0 },
    { M32, "stosb",
      1, { 0xaa },
      OP(STOS), 1, 1, 4, MEM, REG, 0, 0, 0x0 },
    { M32, "lodsw",
      2, { 0x66, 0xad },
      OP(LODS), 2, 2, 4, REG, MEM, 0, 0, 0x0 },
    { M32, "a16 rep stosb",
      3, { 0xf3, 0x67, 0xaa },
      OP(STOS), 1, 1, 2, MEM, REG, 0, 0, 0x0 },
    { M32, "add dword [ebx], 1",
      3, { 0x83, 0x03, 0x01 },
      OP(ADD), 4, 4, 4, MEM, IMM, 0, 0, 0x1 },
    { M32, "sub [ebx], ecx",
      2, { 0x29, 0x0b },
      OP(SUB), 4, 4, 4, MEM, REG, 1, 0, 0x0 },
    { M32, "cmp ecx, [ebx]",
      2, { 0x3b, 0x0b },
      OP(CMP), 4, 4, 4, REG, MEM, 1, 0, 0x0 },
    { M32, "and word [ebx], 0x1234",
      5, { 0x66, 0x81, 0x23, 0x34, 0x12 },
      OP(AND), 2, 2, 4, MEM, IMM, 0, 0, 0x1234 },
    { M32, "test dword [ebx], 0x12345678",
      6, { 0xf7, 0x03, 0x78, 0x56, 0x34, 0x12 },
      OP(TEST), 4, 4, 4, MEM, IMM, 0, 0, 0x12345678 },
    { M32, "xchg [ebx], edx",
      2, { 0x87, 0x13 },
      OP(XCHG), 4, 4, 4, MEM, REG, 2, 0, 0x0 },
    { M32, "bts dword [ebx], 7",
      4, { 0x0f, 0xba, 0x2b, 0x07 },
      OP(BTS), 4, 4, 4, MEM, IMM, 0, 0, 0x7 },
    { M32, "btc [ebx], eax",
      3, { 0x0f, 0xbb, 0x03 },
      OP(BTC), 4, 4, 4, MEM, REG, 0, 0, 0x0 },
    { M32, "inc dword [ebx]",
      2, { 0xff, 0x03 },
      OP(INC), 4, 4, 4, MEM, NONE, 0, 0, 0x0 },
    { M32, "neg word [ebx]",
      3, { 0x66, 0xf7, 0x1b },
      OP(NEG), 2, 2, 4, MEM, NONE, 0, 0, 0x0 },
    { M32, "lock xor [ebx], eax",
      3, { 0xf0, 0x31, 0x03 },
      OP(XOR), 4, 4, 4, MEM, REG, 0, 0, 0x0 },
    { M32, "mov eax, [fs:0x1000]",
      6, { 0x64, 0xa1, 0x00, 0x10, 0x00, 0x00 },
      OP(MOV), 4, 4, 4, REG, MEM, 0, 0, 0x0 },
    { M16, "mov [bx+si], al",
      2, { 0x88, 0x00 },
      OP(MOV), 1, 1, 2, MEM, REG, 0, 0, 0x0 },
    { M16, "mov [bp+di+0x10], ax",
      3, { 0x89, 0x43, 0x10 },
      OP(MOV), 2, 2, 2, MEM, REG, 0, 0, 0x0 },
    { M16, "mov ax, [0x1234]",
      3, { 0xa1, 0x34, 0x12 },
      OP(MOV), 2, 2, 2, REG, MEM, 0, 0, 0x0 },
    { M16, "mov al, [0x1234]",
      3, { 0xa0, 0x34, 0x12 },
      OP(MOV), 1, 1, 2, REG, MEM, 0, 0, 0x0 },
    { M16, "mov [0x1234], ax",
      3, { 0xa3, 0x34, 0x12 },
      OP(MOV), 2, 2, 2, MEM, REG, 0, 0, 0x0 },
    { M16, "mov cx, [0x1234]",
      4, { 0x8b, 0x0e, 0x34, 0x12 },
      OP(MOV), 2, 2, 2, REG, MEM, 1, 0, 0x0 },
    { M16, "mov [si], ax",
      2, { 0x89, 0x04 },
      OP(MOV), 2, 2, 2, MEM, REG, 0, 0, 0x0 },
    { M16, "mov ax, [bp]",
      3, { 0x8b, 0x46, 0x00 },
      OP(MOV), 2, 2, 2, REG, MEM, 0, 0, 0x0 },
    { M16, "mov ax, [bx+di-0x80]",
      3, { 0x8b, 0x41, 0x80 },
      OP(MOV), 2, 2, 2, REG, MEM, 0, 0, 0x0 },
    { M16, "mov ax, [bx+0x1234]",
      4, { 0x8b, 0x87, 0x34, 0x12 },
      OP(MOV), 2, 2, 2, REG, MEM, 0, 0, 0x0 },
    { M16, "mov eax, [bx]",
      3, { 0x66, 0x8b, 0x07 },
      OP(MOV), 4, 4, 2, REG, MEM, 0, 0, 0x0 },
    { M16, "mov ax, [ebx]",
      3, { 0x67, 0x8b, 0x03 },
      OP(MOV), 2, 2, 4, REG, MEM, 0, 0, 0x0 },
    { M16, "mov ax, [ebx+ecx*4]",
      4, { 0x67, 0x8b, 0x04, 0x8b },
      OP(MOV), 2, 2, 4, REG, MEM, 0, 0, 0x0 },
    { M16, "mov word [di], 0x1234",
      4, { 0xc7, 0x05, 0x34, 0x12 },
      OP(MOV), 2, 2, 2, MEM, IMM, 0, 0, 0x1234 },
    { M16, "mov dword [di], 0x12345678",
      7, { 0x66, 0xc7, 0x05, 0x78, 0x56, 0x34, 0x12 },
      OP(MOV), 4, 4, 2, MEM, IMM, 0, 0, 0x12345678 },
    { M16, "mov byte [bx], 0x12",
      3, { 0xc6, 0x07, 0x12 },
      OP(MOV), 1, 1, 2, MEM, IMM, 0, 0, 0x12 },
    { M16, "movzx ax, byte [bx]",
      3, { 0x0f, 0xb6, 0x07 },
      OP(MOVZX), 2, 1, 2, REG, MEM, 0, 0, 0x0 },
    { M16, "movsx eax, word [bx]",
      4, { 0x66, 0x0f, 0xbf, 0x07 },
      OP(MOVSX), 4, 2, 2, REG, MEM, 0, 0, 0x0 },
    { M16, "movsb",
      1, { 0xa4 },
      OP(MOVS), 1, 1, 2, MEM, MEM, 0, 0, 0x0 },
    { M16, "rep movsw",
      2, { 0xf3, 0xa5 },
      OP(MOVS), 2, 2, 2, MEM, MEM, 0, 0, 0x0 },
    { M16, "rep movsd",
      3, { 0xf3, 0x66, 0xa5 },
      OP(MOVS), 4, 4, 2, MEM, MEM, 0, 0, 0x0 },
    { M16, "a32 rep movsb",
      3, { 0xf3, 0x67, 0xa4 },
      OP(MOVS), 1, 1, 4, MEM, MEM, 0, 0, 0x0 },
    { M16, "stosw",
      1, { 0xab },
      OP(STOS), 2, 2, 2, MEM, REG, 0, 0, 0x0 },
    { M16, "lodsb",
      1, { 0xac },
      OP(LODS), 1, 1, 2, REG, MEM, 0, 0, 0x0 },
    { M16, "add word [bx], 0x1234",
      4, { 0x81, 0x07, 0x34, 0x12 },
      OP(ADD), 2, 2, 2, MEM, IMM, 0, 0, 0x1234 },
    { M16, "add dword [bx], 1",
      4, { 0x66, 0x83, 0x07, 0x01 },
      OP(ADD), 4, 4, 2, MEM, IMM, 0, 0, 0x1 },
    { M16, "or [bx+si], cx",
      2, { 0x09, 0x08 },
      OP(OR), 2, 2, 2, MEM, REG, 1, 0, 0x0 },
    { M16, "cmp byte [bx], 0x80",
      3, { 0x80, 0x3f, 0x80 },
      OP(CMP), 1, 1, 2, MEM, IMM, 0, 0, 0x80 },
    { M16, "test byte [di], 0x80",
      3, { 0xf6, 0x05, 0x80 },
      OP(TEST), 1, 1, 2, MEM, IMM, 0, 0, 0x80 },
    { M16, "test word [di], 0x8000",
      4, { 0xf7, 0x05, 0x00, 0x80 },
      OP(TEST), 2, 2, 2, MEM, IMM, 0, 0, 0x8000 },
    { M16, "xchg [bx], al",
      2, { 0x86, 0x07 },
      OP(XCHG), 1, 1, 2, MEM, REG, 0, 0, 0x0 },
    { M16, "bt word [bx], 3",
      4, { 0x0f, 0xba, 0x27, 0x03 },
      OP(BT), 2, 2, 2, MEM, IMM, 0, 0, 0x3 },
    { M16, "btr [bx], ax",
      3, { 0x0f, 0xb3, 0x07 },
      OP(BTR), 2, 2, 2, MEM, REG, 0, 0, 0x0 },
    { M16, "inc word [bx]",
      2, { 0xff, 0x07 },
      OP(INC), 2, 2, 2, MEM, NONE, 0, 0, 0x0 },
    { M16, "dec byte [bp+2]",
      3, { 0xfe, 0x4e, 0x02 },
      OP(DEC), 1, 1, 2, MEM, NONE, 0, 0, 0x0 },
    { M16, "not word [si]",
      2, { 0xf7, 0x14 },
      OP(NOT), 2, 2, 2, MEM, NONE, 0, 0, 0x0 },
    { M16, "mov ax, [es:bx]",
      3, { 0x26, 0x8b, 0x07 },
      OP(MOV), 2, 2, 2, REG, MEM, 0, 0, 0x0 },
};

static const char *mode_name(enum decode_mode mode)
{
    return mode == M16 ? "16-bit" : mode == M32 ? "32-bit" : "64-bit";
}

/* Decode from a heap copy of exactly n bytes: ASan reports any read past
 * what the caller said was available. */
static int decode_copy(enum decode_mode mode, const uint8_t *b, size_t n,
                       struct decode_insn *d)
{
    uint8_t *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    if (n)
        memcpy(copy, b, n);
    int rc = decode_insn(copy, n, mode, d);
    free(copy);
    return rc;
}

#define BYTES(...)  (const uint8_t[]){ __VA_ARGS__ }, \
                    sizeof((const uint8_t[]){ __VA_ARGS__ })

/* Decode b[0..n) expecting one instruction of exactly n bytes. */
static struct decode_insn dec(enum decode_mode mode, const uint8_t *b,
                              size_t n)
{
    struct decode_insn d;
    assert_int_equal(decode_copy(mode, b, n, &d), 0);
    assert_int_equal(d.length, n);
    assert_int_equal(d.mode, mode);
    return d;
}

static int dec_rc(enum decode_mode mode, const uint8_t *b, size_t n)
{
    struct decode_insn d;
    return decode_copy(mode, b, n, &d);
}

static void assert_mem(const struct decode_insn *d, int base, int index,
                       unsigned int scale, int64_t disp, bool rip_rel)
{
    assert_int_equal(d->mem.base, base);
    assert_int_equal(d->mem.index, index);
    assert_int_equal(d->mem.scale, scale);
    assert_int_equal(d->mem.disp, disp);
    assert_int_equal(d->mem.rip_rel, rip_rel);
}

/* ---- The corpus ---- */

static void test_corpus(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(corpus); i++) {
        const struct corpus_case *c = &corpus[i];
        struct decode_insn d;
        int rc = decode_copy(c->mode, c->bytes, c->len, &d);
        uint64_t m = decode_mask(c->opsize);

        if (rc != 0)
            fail_msg("%s (%s): rc %d", c->text, mode_name(c->mode), rc);
        if (d.length != c->len || d.op != c->op || d.mode != c->mode ||
            d.opsize != c->opsize || d.memsize != c->memsize ||
            d.addrsize != c->addrsize)
            fail_msg("%s (%s): length %u op %d sizes op/mem/addr %u/%u/%u;"
                     " want %u %d %u/%u/%u", c->text, mode_name(c->mode),
                     d.length, d.op, d.opsize, d.memsize, d.addrsize,
                     c->len, c->op, c->opsize, c->memsize, c->addrsize);
        if (d.dst != c->dst || d.src != c->src || d.reg != c->reg ||
            d.reg_hi8 != c->reg_hi8 ||
            (d.imm & m) != ((uint64_t)c->imm & m))
            fail_msg("%s (%s): dst %d src %d reg %u%s imm %#llx; want "
                     "%d %d %u%s %#llx", c->text, mode_name(c->mode),
                     d.dst, d.src, d.reg, d.reg_hi8 ? " (high byte)" : "",
                     (unsigned long long)(d.imm & m), c->dst, c->src,
                     c->reg, c->reg_hi8 ? " (high byte)" : "",
                     (unsigned long long)((uint64_t)c->imm & m));
    }
}

/* Each prefix of an instruction, including the empty one, is -E2BIG. */
static void test_corpus_truncated(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(corpus); i++) {
        const struct corpus_case *c = &corpus[i];
        for (size_t n = 0; n < c->len; n++) {
            int rc = dec_rc(c->mode, c->bytes, n);
            if (rc != -E2BIG)
                fail_msg("%s (%s) cut to %zu bytes: rc %d, want -E2BIG",
                         c->text, mode_name(c->mode), n, rc);
        }
    }
}

/* More bytes than the instruction: the same length comes back. */
static void test_corpus_followed_by_more(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(corpus); i++) {
        const struct corpus_case *c = &corpus[i];
        uint8_t buf[32];
        struct decode_insn d;

        memset(buf, 0x66, sizeof(buf));     /* would be prefixes */
        memcpy(buf, c->bytes, c->len);
        assert_int_equal(decode_copy(c->mode, buf, sizeof(buf), &d), 0);
        if (d.length != c->len)
            fail_msg("%s (%s): length %u, want %u", c->text,
                     mode_name(c->mode), d.length, c->len);
    }
}

/* ---- 32/64-bit ModRM and SIB ---- */

static void test_modrm_sib_64(void **state)
{
    /* mov rax, [rbx+rcx*8+0x10] */
    struct decode_insn d = dec(M64, BYTES(0x48, 0x8b, 0x44, 0xcb, 0x10));
    assert_mem(&d, RBX, RCX, 8, 0x10, false);
    assert_int_equal(d.seg, DECODE_SEG_DS);
    assert_int_equal(d.reg, RAX);

    /* mov eax, [r13+r12*2-4]: REX.X and REX.B; r13 is not rBP: DS */
    d = dec(M64, BYTES(0x43, 0x8b, 0x44, 0x65, 0xfc));
    assert_mem(&d, R13, R12, 2, -4, false);
    assert_int_equal(d.seg, DECODE_SEG_DS);

    /* mov eax, [rsp+8]: SIB index 100 is none; rSP base means SS */
    d = dec(M64, BYTES(0x8b, 0x44, 0x24, 0x08));
    assert_mem(&d, RSP, NOREG, 1, 8, false);
    assert_int_equal(d.seg, DECODE_SEG_SS);

    /* mov eax, [r12]: needs a SIB byte like rsp, but defaults to DS */
    d = dec(M64, BYTES(0x41, 0x8b, 0x04, 0x24));
    assert_mem(&d, R12, NOREG, 1, 0, false);
    assert_int_equal(d.seg, DECODE_SEG_DS);

    /* mov eax, [r13] and mov eax, [rbp]: need a disp8 of 0 */
    d = dec(M64, BYTES(0x41, 0x8b, 0x45, 0x00));
    assert_mem(&d, R13, NOREG, 1, 0, false);
    assert_int_equal(d.seg, DECODE_SEG_DS);
    d = dec(M64, BYTES(0x8b, 0x45, 0x00));
    assert_mem(&d, RBP, NOREG, 1, 0, false);
    assert_int_equal(d.seg, DECODE_SEG_SS);

    /* mov edx, [r8+r12*1]: with REX.X, index 100 is r12, not "none" */
    d = dec(M64, BYTES(0x43, 0x8b, 0x14, 0x20));
    assert_mem(&d, R8, R12, 1, 0, false);
    assert_int_equal(d.reg, RDX);

    /* mov eax, [rbx-8], mov eax, [rbx-0x12345678]: signed disp8/32 */
    d = dec(M64, BYTES(0x8b, 0x43, 0xf8));
    assert_mem(&d, RBX, NOREG, 1, -8, false);
    d = dec(M64, BYTES(0x8b, 0x83, 0x88, 0xa9, 0xcb, 0xed));
    assert_mem(&d, RBX, NOREG, 1, -0x12345678, false);
}

static void test_sib_without_base(void **state)
{
    /* mov eax, [rcx*4+0x1000]: SIB base 101 with mod 00 */
    struct decode_insn d = dec(M64, BYTES(0x8b, 0x04, 0x8d,
                                          0x00, 0x10, 0x00, 0x00));
    assert_mem(&d, NOREG, RCX, 4, 0x1000, false);
    assert_int_equal(d.seg, DECODE_SEG_DS);

    /* raw 41 8b 04 8d: the same with REX.B, which does not make it r13 */
    d = dec(M64, BYTES(0x41, 0x8b, 0x04, 0x8d, 0x00, 0x10, 0x00, 0x00));
    assert_mem(&d, NOREG, RCX, 4, 0x1000, false);

    /* mov eax, [0x10]: neither base nor index, not RIP-relative */
    d = dec(M64, BYTES(0x8b, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00));
    assert_mem(&d, NOREG, NOREG, 1, 0x10, false);

    /* raw: mov eax, [r12*1+0x10] (REX.X, index r12, no base) */
    d = dec(M64, BYTES(0x42, 0x8b, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00));
    assert_mem(&d, NOREG, R12, 1, 0x10, false);

    /* 32-bit: mov eax, [nosplit esi*2] */
    d = dec(M32, BYTES(0x8b, 0x04, 0x75, 0x00, 0x00, 0x00, 0x00));
    assert_mem(&d, NOREG, RSI, 2, 0, false);
    /* mov eax, [ebp+8] is SS; mov ecx, [ebx+0x12345678] is DS */
    d = dec(M32, BYTES(0x8b, 0x45, 0x08));
    assert_mem(&d, RBP, NOREG, 1, 8, false);
    assert_int_equal(d.seg, DECODE_SEG_SS);
    d = dec(M32, BYTES(0x8b, 0x8b, 0x78, 0x56, 0x34, 0x12));
    assert_mem(&d, RBX, NOREG, 1, 0x12345678, false);
    assert_int_equal(d.seg, DECODE_SEG_DS);
    assert_int_equal(d.reg, RCX);
}

static void test_rip_relative(void **state)
{
    uint64_t gpr[16] = { 0 };

    /* mov eax, [rel $+0x100]: the target is 0x100 past the instruction */
    struct decode_insn d = dec(M64, BYTES(0x8b, 0x05, 0xfa, 0, 0, 0));
    assert_mem(&d, NOREG, NOREG, 1, 0xfa, true);
    assert_int_equal(decode_ea(&d, gpr, 0x1000), 0x1100);
    assert_int_equal(d.seg, DECODE_SEG_DS);

    /* a32 mov eax, [rel $+0x100]: EIP-relative, wraps at 4 GiB */
    d = dec(M64, BYTES(0x67, 0x8b, 0x05, 0xf9, 0, 0, 0));
    assert_true(d.mem.rip_rel);
    assert_int_equal(d.addrsize, 4);
    assert_int_equal(decode_ea(&d, gpr, 0xfffffffffffff000ull),
                     0xfffff100);

    /* raw 41 8b 05: REX.B does not turn RIP-relative into r13 */
    d = dec(M64, BYTES(0x41, 0x8b, 0x05, 0x10, 0, 0, 0));
    assert_mem(&d, NOREG, NOREG, 1, 0x10, true);

    /* cmp dword [rel $+0x100], 0x1000: RIP-relative targets count from
     * the end of the instruction, immediate included */
    d = dec(M64, BYTES(0x81, 0x3d, 0xf6, 0x00, 0x00, 0x00,
                       0x00, 0x10, 0x00, 0x00));
    assert_int_equal(decode_ea(&d, gpr, 0x2000), 0x2100);

    /* 32-bit mode, mov eax, [0x12345678] as ModRM (raw 8b 05): absolute */
    d = dec(M32, BYTES(0x8b, 0x05, 0x78, 0x56, 0x34, 0x12));
    assert_mem(&d, NOREG, NOREG, 1, 0x12345678, false);
    assert_int_equal(decode_ea(&d, gpr, 0x1000), 0x12345678);
}

/* ---- 16-bit addressing ---- */

static void test_modrm16(void **state)
{
    static const struct {
        const char *text;
        uint8_t len, bytes[4];
        int base, index;
        int64_t disp;
        enum decode_seg seg;
    } cases[] = {
        { "mov ax, [bx+si]", 2, { 0x8b, 0x00 }, RBX, RSI, 0, DECODE_SEG_DS },
        { "mov ax, [bx+di+4]", 3, { 0x8b, 0x41, 0x04 },
          RBX, RDI, 4, DECODE_SEG_DS },
        { "mov ax, [bp+si-2]", 3, { 0x8b, 0x42, 0xfe },
          RBP, RSI, -2, DECODE_SEG_SS },
        { "mov ax, [bp+di+0x1234]", 4, { 0x8b, 0x83, 0x34, 0x12 },
          RBP, RDI, 0x1234, DECODE_SEG_SS },
        { "mov ax, [si]", 2, { 0x8b, 0x04 }, RSI, NOREG, 0, DECODE_SEG_DS },
        { "mov ax, [di]", 2, { 0x8b, 0x05 }, RDI, NOREG, 0, DECODE_SEG_DS },
        { "mov cx, [0x1234]", 4, { 0x8b, 0x0e, 0x34, 0x12 },
          NOREG, NOREG, 0x1234, DECODE_SEG_DS },
        { "mov ax, [bp]", 3, { 0x8b, 0x46, 0x00 },
          RBP, NOREG, 0, DECODE_SEG_SS },
        { "mov ax, [bx]", 2, { 0x8b, 0x07 }, RBX, NOREG, 0, DECODE_SEG_DS },
        { "mov ax, [bx+di-0x80]", 3, { 0x8b, 0x41, 0x80 },
          RBX, RDI, -0x80, DECODE_SEG_DS },
        { "mov ax, [ds:bp+2]", 4, { 0x3e, 0x8b, 0x46, 0x02 },
          RBP, NOREG, 2, DECODE_SEG_DS },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct decode_insn d = dec(M16, cases[i].bytes, cases[i].len);
        if (d.mem.base != cases[i].base || d.mem.index != cases[i].index ||
            d.mem.disp != cases[i].disp || d.seg != cases[i].seg ||
            d.mem.rip_rel || d.addrsize != 2 || d.opsize != 2)
            fail_msg("%s: base %d index %d disp %lld seg %d", cases[i].text,
                     d.mem.base, d.mem.index, (long long)d.mem.disp, d.seg);
    }

    /* [bx+si] wraps at 64 KiB, and ignores bits above 15 */
    uint64_t gpr[16] = { [RBX] = 0xdead0000fff0ull, [RSI] = 0x20 };
    struct decode_insn d = dec(M16, BYTES(0x8b, 0x00));
    assert_int_equal(decode_ea(&d, gpr, 0), 0x10);
    /* [bx+di-0x80] with bx+di = 0x10: wraps below zero */
    gpr[RDI] = 0;
    gpr[RBX] = 0x10;
    d = dec(M16, BYTES(0x8b, 0x41, 0x80));
    assert_int_equal(decode_ea(&d, gpr, 0), 0xff90);
}

static void test_address_size_override(void **state)
{
    /* 16-bit mode, mov ax, [ebx+ecx*4+8]: 67 switches to 32-bit forms */
    struct decode_insn d = dec(M16, BYTES(0x67, 0x8b, 0x44, 0x8b, 0x08));
    assert_int_equal(d.addrsize, 4);
    assert_int_equal(d.opsize, 2);
    assert_mem(&d, RBX, RCX, 4, 8, false);

    /* 32-bit mode, mov [bx], eax: 67 switches to 16-bit forms */
    d = dec(M32, BYTES(0x67, 0x89, 0x07));
    assert_int_equal(d.addrsize, 2);
    assert_mem(&d, RBX, NOREG, 1, 0, false);

    /* 64-bit mode, mov eax, [eax]: 32-bit addresses, same ModRM forms */
    d = dec(M64, BYTES(0x67, 0x8b, 0x00));
    assert_int_equal(d.addrsize, 4);
    assert_mem(&d, RAX, NOREG, 1, 0, false);
    uint64_t gpr[16] = { [RAX] = 0x1fffffff0ull };
    assert_int_equal(decode_ea(&d, gpr, 0), 0xfffffff0);
    /* mov eax, [eax+0x20] (raw 67 8b 40 20) wraps to 0x10 */
    d = dec(M64, BYTES(0x67, 0x8b, 0x40, 0x20));
    assert_int_equal(decode_ea(&d, gpr, 0), 0x10);
}

/* ---- Prefixes ---- */

static void test_operand_size(void **state)
{
    /* mov [rax], ax / eax / rax in 64-bit mode; REX.W wins over 66 */
    assert_int_equal(dec(M64, BYTES(0x66, 0x89, 0x00)).opsize, 2);
    assert_int_equal(dec(M64, BYTES(0x89, 0x00)).opsize, 4);
    assert_int_equal(dec(M64, BYTES(0x48, 0x89, 0x00)).opsize, 8);
    assert_int_equal(dec(M64, BYTES(0x66, 0x48, 0x89, 0x00)).opsize, 8);
    assert_int_equal(dec(M64, BYTES(0x66, 0x66, 0x89, 0x00)).opsize, 2);
    /* 66 toggles 32 <-> 16 in the other modes */
    assert_int_equal(dec(M32, BYTES(0x89, 0x00)).opsize, 4);
    assert_int_equal(dec(M32, BYTES(0x66, 0x89, 0x00)).opsize, 2);
    assert_int_equal(dec(M16, BYTES(0x89, 0x00)).opsize, 2);
    assert_int_equal(dec(M16, BYTES(0x66, 0x89, 0x00)).opsize, 4);
    /* byte forms stay bytes */
    assert_int_equal(dec(M64, BYTES(0x66, 0x48, 0x88, 0x00)).opsize, 1);
}

static void test_rex_position(void **state)
{
    /* raw 48 66 89 00: a REX followed by a legacy prefix is ignored:
     * mov [rax], ax */
    struct decode_insn d = dec(M64, BYTES(0x48, 0x66, 0x89, 0x00));
    assert_int_equal(d.opsize, 2);

    /* raw 41 66 89 00: ignored REX.B, base stays rax */
    d = dec(M64, BYTES(0x41, 0x66, 0x89, 0x00));
    assert_int_equal(d.mem.base, RAX);

    /* raw 48 41 89 00: of two REX prefixes, the one before the opcode
     * counts: mov [r8], eax */
    d = dec(M64, BYTES(0x48, 0x41, 0x89, 0x00));
    assert_int_equal(d.opsize, 4);
    assert_int_equal(d.mem.base, R8);

    /* 44 89 00: REX.R extends ModRM.reg: mov [rax], r8d */
    d = dec(M64, BYTES(0x44, 0x89, 0x00));
    assert_int_equal(d.reg, R8);

    /* 40-4F are INC/DEC outside 64-bit mode: not an MMIO instruction */
    assert_int_equal(dec_rc(M32, BYTES(0x48, 0x89, 0x00)), -EINVAL);
    assert_int_equal(dec_rc(M16, BYTES(0x41, 0x89, 0x00)), -EINVAL);
}

static void test_byte_registers(void **state)
{
    /* mov ah, [rdi]: reg 4 without REX is AH */
    struct decode_insn d = dec(M64, BYTES(0x8a, 0x27));
    assert_int_equal(d.reg, RAX);
    assert_true(d.reg_hi8);
    /* mov spl, [rdi]: with REX (even 40) it is SPL */
    d = dec(M64, BYTES(0x40, 0x8a, 0x27));
    assert_int_equal(d.reg, RSP);
    assert_false(d.reg_hi8);
    /* mov r8b, [rdi] */
    d = dec(M64, BYTES(0x44, 0x8a, 0x07));
    assert_int_equal(d.reg, R8);
    assert_false(d.reg_hi8);
    /* mov [rbx], bh and mov [rbx], sil */
    d = dec(M64, BYTES(0x88, 0x3b));
    assert_int_equal(d.reg, RBX);
    assert_true(d.reg_hi8);
    d = dec(M64, BYTES(0x40, 0x88, 0x33));
    assert_int_equal(d.reg, RSI);
    assert_false(d.reg_hi8);
    /* 32-bit mode mov ah, [ebx]; 16-bit mode mov dh, [bx] (8a 37) */
    d = dec(M32, BYTES(0x8a, 0x23));
    assert_int_equal(d.reg, RAX);
    assert_true(d.reg_hi8);
    d = dec(M16, BYTES(0x8a, 0x37));
    assert_int_equal(d.reg, RDX);
    assert_true(d.reg_hi8);
    /* movzx esp, byte [rbx]: reg 4 is a 32-bit destination, ESP */
    d = dec(M64, BYTES(0x0f, 0xb6, 0x23));
    assert_int_equal(d.reg, RSP);
    assert_false(d.reg_hi8);
    /* add [rbx], ah */
    d = dec(M64, BYTES(0x00, 0x23));
    assert_int_equal(d.reg, RAX);
    assert_true(d.reg_hi8);
}

static void test_immediates(void **state)
{
    /* add dword [rbx], -2: imm8 sign-extended */
    struct decode_insn d = dec(M64, BYTES(0x83, 0x03, 0xfe));
    assert_int_equal(d.imm, 0xfffffffffffffffeull);
    assert_int_equal(d.src, IMM);
    /* add qword [rbx], strict -2: imm32 sign-extended to 64 */
    d = dec(M64, BYTES(0x48, 0x81, 0x03, 0xfe, 0xff, 0xff, 0xff));
    assert_int_equal(d.imm, 0xfffffffffffffffeull);
    /* mov qword [rbx], -2 */
    d = dec(M64, BYTES(0x48, 0xc7, 0x03, 0xfe, 0xff, 0xff, 0xff));
    assert_int_equal(d.imm, 0xfffffffffffffffeull);
    assert_int_equal(d.opsize, 8);
    /* mov word [rbx], 0xfffe: imm16 */
    d = dec(M64, BYTES(0x66, 0xc7, 0x03, 0xfe, 0xff));
    assert_int_equal(d.imm & 0xffff, 0xfffe);
    /* mov byte [rbx], 0xfe */
    d = dec(M64, BYTES(0xc6, 0x03, 0xfe));
    assert_int_equal(d.imm & 0xff, 0xfe);
    /* test qword [rbx], -1 */
    d = dec(M64, BYTES(0x48, 0xf7, 0x03, 0xff, 0xff, 0xff, 0xff));
    assert_int_equal(d.imm, ~0ull);
    assert_int_equal(d.op, OP(TEST));
    /* 16-bit mode, mov word [bx], 0x8001 */
    d = dec(M16, BYTES(0xc7, 0x07, 0x01, 0x80));
    assert_int_equal(d.imm & 0xffff, 0x8001);
    /* 16-bit mode with 66: mov dword [di], 0x12345678 (66 c7 05 imm32) */
    d = dec(M16, BYTES(0x66, 0xc7, 0x05, 0x78, 0x56, 0x34, 0x12));
    assert_int_equal(d.imm, 0x12345678);
    /* bts qword [rbx], 63 */
    d = dec(M64, BYTES(0x48, 0x0f, 0xba, 0x2b, 0x3f));
    assert_int_equal(d.imm, 63);
    assert_int_equal(d.op, OP(BTS));
}

static void test_moffs(void **state)
{
    /* mov al, [abs qword 0x1122334455667788] */
    struct decode_insn d = dec(M64, BYTES(0xa0, 0x88, 0x77, 0x66, 0x55,
                                          0x44, 0x33, 0x22, 0x11));
    assert_mem(&d, NOREG, NOREG, 1, 0x1122334455667788ll, false);
    assert_int_equal(d.dst, REG);
    assert_int_equal(d.src, MEM);
    assert_int_equal(d.reg, RAX);
    assert_false(d.reg_hi8);
    assert_int_equal(d.seg, DECODE_SEG_DS);
    /* mov [abs qword 0x1122334455667788], rax */
    d = dec(M64, BYTES(0x48, 0xa3, 0x88, 0x77, 0x66, 0x55,
                       0x44, 0x33, 0x22, 0x11));
    assert_int_equal(d.dst, MEM);
    assert_int_equal(d.src, REG);
    assert_int_equal(d.opsize, 8);
    /* a32 mov eax, [abs dword 0x12345678]: moffs32 */
    d = dec(M64, BYTES(0x67, 0xa1, 0x78, 0x56, 0x34, 0x12));
    assert_int_equal(d.mem.disp, 0x12345678);
    /* 32-bit: mov eax, [fs:0x1000] */
    d = dec(M32, BYTES(0x64, 0xa1, 0x00, 0x10, 0x00, 0x00));
    assert_int_equal(d.mem.disp, 0x1000);
    assert_int_equal(d.seg, DECODE_SEG_FS);
    /* 16-bit: mov al, [0x1234] and, with 67, a 32-bit moffs */
    d = dec(M16, BYTES(0xa0, 0x34, 0x12));
    assert_int_equal(d.mem.disp, 0x1234);
    d = dec(M16, BYTES(0x67, 0xa1, 0x78, 0x56, 0x34, 0x12));
    assert_int_equal(d.mem.disp, 0x12345678);
    assert_int_equal(d.opsize, 2);
}

static void test_segment_overrides(void **state)
{
    static const struct {
        uint8_t prefix;
        enum decode_seg seg;
    } cases[] = {
        { 0x26, DECODE_SEG_ES }, { 0x2e, DECODE_SEG_CS },
        { 0x36, DECODE_SEG_SS }, { 0x3e, DECODE_SEG_DS },
        { 0x64, DECODE_SEG_FS }, { 0x65, DECODE_SEG_GS },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const uint8_t b[] = { cases[i].prefix, 0x8b, 0x00 };  /* [rax] */
        for (enum decode_mode m = M16; m <= M64; m++)
            assert_int_equal(dec(m, b, sizeof(b)).seg, cases[i].seg);
    }
    /* the last override wins: raw 64 65 8b 00 */
    assert_int_equal(dec(M64, BYTES(0x64, 0x65, 0x8b, 0x00)).seg,
                     DECODE_SEG_GS);
    /* mov eax, [ds:rbp]: an override beats the SS default */
    assert_int_equal(dec(M64, BYTES(0x3e, 0x8b, 0x45, 0x00)).seg,
                     DECODE_SEG_DS);
    /* mov eax, [ss:ebx] */
    assert_int_equal(dec(M32, BYTES(0x36, 0x8b, 0x03)).seg, DECODE_SEG_SS);
}

static void test_string_operands(void **state)
{
    /* movsb: source DS:rSI, destination ES:rDI */
    struct decode_insn d = dec(M64, BYTES(0xa4));
    assert_int_equal(d.dst, MEM);
    assert_int_equal(d.src, MEM);
    assert_mem(&d, RSI, NOREG, 1, 0, false);
    assert_int_equal(d.seg, DECODE_SEG_DS);
    assert_int_equal(d.rep, DECODE_REP_NONE);
    /* fs movsb: the source segment can be overridden */
    assert_int_equal(dec(M64, BYTES(0x64, 0xa4)).seg, DECODE_SEG_FS);
    /* stosb: ES:rDI, which no override changes */
    d = dec(M64, BYTES(0xaa));
    assert_mem(&d, RDI, NOREG, 1, 0, false);
    assert_int_equal(d.seg, DECODE_SEG_ES);
    assert_int_equal(d.dst, MEM);
    assert_int_equal(d.src, REG);
    assert_int_equal(dec(M32, BYTES(0x64, 0xaa)).seg, DECODE_SEG_ES);
    /* lodsw (16-bit mode): AX from DS:SI */
    d = dec(M16, BYTES(0xad));
    assert_mem(&d, RSI, NOREG, 1, 0, false);
    assert_int_equal(d.dst, REG);
    assert_int_equal(d.reg, RAX);
    assert_int_equal(d.opsize, 2);
    /* rep movsq, repne stosb */
    assert_int_equal(dec(M64, BYTES(0xf3, 0x48, 0xa5)).rep, DECODE_REP);
    assert_int_equal(dec(M64, BYTES(0xf2, 0xaa)).rep, DECODE_REPNE);
    /* of F2 and F3 the last one counts (raw f3 f2 a4) */
    assert_int_equal(dec(M64, BYTES(0xf3, 0xf2, 0xa4)).rep, DECODE_REPNE);
}

static void test_lock(void **state)
{
    /* accepted where the SDM allows LOCK: memory-destination RMW ops */
    static const struct {
        const char *text;
        uint8_t len, bytes[6];
    } ok[] = {
        { "lock add [rax], eax", 3, { 0xf0, 0x01, 0x00 } },
        { "lock add byte [rax], 1", 4, { 0xf0, 0x80, 0x00, 0x01 } },
        { "lock inc dword [rax]", 3, { 0xf0, 0xff, 0x00 } },
        { "lock xchg [rax], eax", 3, { 0xf0, 0x87, 0x00 } },
        { "lock bts [rax], eax", 4, { 0xf0, 0x0f, 0xab, 0x00 } },
        { "lock btc dword [rax], 5", 5, { 0xf0, 0x0f, 0xba, 0x38, 0x05 } },
        { "lock not byte [rax]", 3, { 0xf0, 0xf6, 0x10 } },
        { "lock neg byte [rax]", 3, { 0xf0, 0xf6, 0x18 } },
        { "lock sbb [rax], al", 3, { 0xf0, 0x18, 0x00 } },
    };
    /* #UD on hardware: no RMW, or a register destination */
    static const struct {
        const char *text;
        uint8_t len, bytes[6];
    } bad[] = {
        { "lock mov [rax], eax", 3, { 0xf0, 0x89, 0x00 } },
        { "lock cmp [rax], eax", 3, { 0xf0, 0x39, 0x00 } },
        { "lock cmp byte [rax], 1", 4, { 0xf0, 0x80, 0x38, 0x01 } },
        { "lock add eax, [rax]", 3, { 0xf0, 0x03, 0x00 } },
        { "lock test [rax], eax", 3, { 0xf0, 0x85, 0x00 } },
        { "lock bt [rax], eax", 4, { 0xf0, 0x0f, 0xa3, 0x00 } },
        { "lock bt dword [rax], 5", 5, { 0xf0, 0x0f, 0xba, 0x20, 0x05 } },
        { "lock movsb", 2, { 0xf0, 0xa4 } },
        { "lock movzx eax, byte [rax]", 4, { 0xf0, 0x0f, 0xb6, 0x00 } },
        { "lock mov eax, [0x10] (moffs)", 6, { 0xf0, 0xa1, 0x10, 0, 0, 0 } },
    };

    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        struct decode_insn d;
        int rc = decode_copy(M64, ok[i].bytes, ok[i].len, &d);
        if (rc != 0 || !d.lock || d.length != ok[i].len)
            fail_msg("%s: rc %d lock %d", ok[i].text, rc, d.lock);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        int rc = dec_rc(M32, bad[i].bytes, bad[i].len);
        if (rc != -EINVAL)
            fail_msg("%s: rc %d, want -EINVAL", bad[i].text, rc);
    }
    assert_false(dec(M64, BYTES(0x01, 0x00)).lock);
}

/* ---- Mode-dependent opcodes ---- */

static void test_movsxd_and_arpl(void **state)
{
    /* movsxd rcx, dword [rbx] */
    struct decode_insn d = dec(M64, BYTES(0x48, 0x63, 0x0b));
    assert_int_equal(d.op, OP(MOVSX));
    assert_int_equal(d.opsize, 8);
    assert_int_equal(d.memsize, 4);
    /* raw 63 0b: MOVSXD r32, r/m32 (discouraged, but legal) */
    d = dec(M64, BYTES(0x63, 0x0b));
    assert_int_equal(d.opsize, 4);
    assert_int_equal(d.memsize, 4);
    /* raw 66 63 0b: MOVSXD r16, r/m16 */
    d = dec(M64, BYTES(0x66, 0x63, 0x0b));
    assert_int_equal(d.opsize, 2);
    assert_int_equal(d.memsize, 2);
    /* 63 is ARPL outside 64-bit mode */
    assert_int_equal(dec_rc(M32, BYTES(0x63, 0x0b)), -EINVAL);
    assert_int_equal(dec_rc(M16, BYTES(0x63, 0x0b)), -EINVAL);
}

static void test_opcode_82(void **state)
{
    /* raw 82 00 01: add byte [eax], 1, an alias of 80 outside 64-bit */
    struct decode_insn d = dec(M32, BYTES(0x82, 0x00, 0x01));
    assert_int_equal(d.op, OP(ADD));
    assert_int_equal(d.opsize, 1);
    assert_int_equal(d.imm, 1);
    d = dec(M16, BYTES(0x82, 0x3f, 0x80));          /* cmp byte [bx], 0x80 */
    assert_int_equal(d.op, OP(CMP));
    assert_int_equal(dec_rc(M64, BYTES(0x82, 0x00, 0x01)), -EINVAL);
}

/* ---- Rejections ---- */

static void test_invalid(void **state)
{
    static const struct {
        const char *text;
        uint8_t len, bytes[8];
    } cases[] = {
        { "ud2", 2, { 0x0f, 0x0b } },
        { "nop", 1, { 0x90 } },
        { "lea eax, [rax]", 2, { 0x8d, 0x00 } },
        { "mul byte [rax]", 2, { 0xf6, 0x20 } },
        { "idiv dword [rax]", 2, { 0xf7, 0x38 } },
        { "raw f6 /1 (undocumented test alias)", 3, { 0xf6, 0x08, 0x01 } },
        { "call [rax]", 2, { 0xff, 0x10 } },
        { "push qword [rax]", 2, { 0xff, 0x30 } },
        { "raw fe /2", 2, { 0xfe, 0x10 } },
        { "raw c6 /1", 3, { 0xc6, 0x08, 0x00 } },
        { "raw c7 /1", 6, { 0xc7, 0x08, 0, 0, 0, 0 } },
        { "raw 0f ba /0", 4, { 0x0f, 0xba, 0x00, 0x00 } },
        { "raw 0f 38 00 00 (pshufb mm0, [rax])", 4, { 0x0f, 0x38, 0, 0 } },
        { "cpuid", 2, { 0x0f, 0xa2 } },
        { "mov eax, eax (89 c0)", 2, { 0x89, 0xc0 } },
        { "mov eax, eax (8b c0)", 2, { 0x8b, 0xc0 } },
        { "movzx eax, al", 3, { 0x0f, 0xb6, 0xc0 } },
        { "neg eax", 2, { 0xf7, 0xd8 } },
        { "add al, 1", 2, { 0x04, 0x01 } },
        { "bt eax, 3", 4, { 0x0f, 0xba, 0xe0, 0x03 } },
        { "xchg eax, ecx (87 c8)", 2, { 0x87, 0xc8 } },
        { "add byte [rax], 1 with mod 11", 3, { 0x80, 0xc0, 0x01 } },
        { "inc dword [rax] as ff /0 mod 11", 2, { 0xff, 0xc0 } },
        { "cmpsb", 1, { 0xa6 } },
        { "scasb", 1, { 0xae } },
        { "mov [rax], es", 2, { 0x8c, 0x00 } },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        for (enum decode_mode m = M16; m <= M64; m++) {
            int rc = dec_rc(m, cases[i].bytes, cases[i].len);
            if (rc != -EINVAL)
                fail_msg("%s (%s): rc %d, want -EINVAL", cases[i].text,
                         mode_name(m), rc);
        }
    }
    /* a mode that does not exist */
    assert_int_equal(dec_rc((enum decode_mode)3, BYTES(0x89, 0x00)), -EINVAL);
}

static void test_length_limit(void **state)
{
    /* raw, 15 bytes: cs ds es fs o16 REX.B mov word [r8+rcx*8+0x12345678],
     * 0x1234 (objdump agrees) */
    static const uint8_t max[] = {
        0x2e, 0x3e, 0x26, 0x64, 0x66, 0x41, 0xc7, 0x84, 0xc8,
        0x78, 0x56, 0x34, 0x12, 0x34, 0x12,
    };
    struct decode_insn d = dec(M64, max, sizeof(max));
    assert_int_equal(d.op, OP(MOV));
    assert_int_equal(d.seg, DECODE_SEG_FS);
    assert_int_equal(d.opsize, 2);
    assert_mem(&d, R8, RCX, 8, 0x12345678, false);
    assert_int_equal(d.imm, 0x1234);

    /* one more prefix makes 16: -EINVAL however many bytes we have */
    uint8_t longer[16];
    longer[0] = 0x3e;
    memcpy(longer + 1, max, sizeof(max));
    assert_int_equal(dec_rc(M64, longer, 16), -EINVAL);
    assert_int_equal(dec_rc(M64, longer, 15), -EINVAL);

    /* fifteen 66 prefixes and no opcode */
    uint8_t prefixes[20];
    memset(prefixes, 0x66, sizeof(prefixes));
    assert_int_equal(dec_rc(M32, prefixes, sizeof(prefixes)), -EINVAL);
    assert_int_equal(dec_rc(M32, prefixes, 15), -EINVAL);
    assert_int_equal(dec_rc(M32, prefixes, 14), -E2BIG);
}

static void test_short_buffers(void **state)
{
    assert_int_equal(dec_rc(M64, NULL, 0), -E2BIG);
    assert_int_equal(dec_rc(M64, BYTES(0x66)), -E2BIG);
    assert_int_equal(dec_rc(M64, BYTES(0x48)), -E2BIG);
    assert_int_equal(dec_rc(M64, BYTES(0x0f)), -E2BIG);
    assert_int_equal(dec_rc(M64, BYTES(0x0f, 0xba)), -E2BIG);
    /* what is already known to be invalid is -EINVAL, not -E2BIG */
    assert_int_equal(dec_rc(M64, BYTES(0x90)), -EINVAL);
    assert_int_equal(dec_rc(M64, BYTES(0x66, 0x0f, 0x0b)), -EINVAL);
    assert_int_equal(dec_rc(M64, BYTES(0xf6, 0x20)), -EINVAL);
}

/* ---- Effective and linear addresses ---- */

static void test_linear_addresses(void **state)
{
    const uint64_t seg_base[6] = {
        [DECODE_SEG_ES] = 0x1000, [DECODE_SEG_CS] = 0x2000,
        [DECODE_SEG_SS] = 0x3000, [DECODE_SEG_DS] = 0x4000,
        [DECODE_SEG_FS] = 0x7fff00000000ull, [DECODE_SEG_GS] = 0x6000,
    };

    /* 64-bit mode: ES CS SS DS count as base 0, FS and GS do not */
    for (enum decode_seg s = DECODE_SEG_ES; s <= DECODE_SEG_DS; s++)
        assert_int_equal(decode_linear(M64, s, seg_base, 0x10), 0x10);
    assert_int_equal(decode_linear(M64, DECODE_SEG_FS, seg_base, 0x10),
                     0x7fff00000010ull);
    assert_int_equal(decode_linear(M64, DECODE_SEG_GS, seg_base, 0x10),
                     0x6010);
    /* 32-bit and 16-bit: every base counts; wrap at 4 GiB */
    assert_int_equal(decode_linear(M32, DECODE_SEG_ES, seg_base, 0x10),
                     0x1010);
    assert_int_equal(decode_linear(M32, DECODE_SEG_SS, seg_base,
                                   0xfffff000), 0x2000);
    /* real mode: F000:FFFF style reaches past 1 MiB (no A20 masking) */
    const uint64_t real[6] = { [DECODE_SEG_DS] = 0xffff0 };
    assert_int_equal(decode_linear(M16, DECODE_SEG_DS, real, 0xffff),
                     0x10ffef);

    /* decode_mem_linear: mov rax, [rbx+rcx*8+0x10] and fs mov eax, [rax] */
    uint64_t gpr[16] = { [RAX] = 0x20, [RBX] = 0x1000, [RCX] = 3 };
    struct decode_insn d = dec(M64, BYTES(0x48, 0x8b, 0x44, 0xcb, 0x10));
    assert_int_equal(decode_ea(&d, gpr, 0), 0x1028);
    assert_int_equal(decode_mem_linear(&d, gpr, 0, seg_base), 0x1028);
    d = dec(M64, BYTES(0x64, 0x8b, 0x00));
    assert_int_equal(decode_mem_linear(&d, gpr, 0, seg_base),
                     0x7fff00000020ull);
    /* 64-bit effective addresses wrap at 2^64 */
    gpr[RBX] = ~0ull - 7;
    gpr[RCX] = 0;
    d = dec(M64, BYTES(0x48, 0x8b, 0x44, 0xcb, 0x10));
    assert_int_equal(decode_ea(&d, gpr, 0), 8);
    /* 16-bit mode, mov ax, [bp] with SS base 0x3000 */
    gpr[RBP] = 0x10;
    d = dec(M16, BYTES(0x8b, 0x46, 0x00));
    assert_int_equal(decode_mem_linear(&d, gpr, 0, seg_base), 0x3010);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_corpus_truncated),
        cmocka_unit_test(test_corpus_followed_by_more),
        cmocka_unit_test(test_modrm_sib_64),
        cmocka_unit_test(test_sib_without_base),
        cmocka_unit_test(test_rip_relative),
        cmocka_unit_test(test_modrm16),
        cmocka_unit_test(test_address_size_override),
        cmocka_unit_test(test_operand_size),
        cmocka_unit_test(test_rex_position),
        cmocka_unit_test(test_byte_registers),
        cmocka_unit_test(test_immediates),
        cmocka_unit_test(test_moffs),
        cmocka_unit_test(test_segment_overrides),
        cmocka_unit_test(test_string_operands),
        cmocka_unit_test(test_lock),
        cmocka_unit_test(test_movsxd_and_arpl),
        cmocka_unit_test(test_opcode_82),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_short_buffers),
        cmocka_unit_test(test_linear_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
