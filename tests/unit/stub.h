/*
 * tests/unit/stub.h: force-included (cc -include) before each kernel
 * source compiled into a host unit test.
 *
 * The kernel sources are compiled unchanged. This header replaces what
 * cannot run in a Linux process: the privileged instructions of
 * <tern/x86.h> (interrupt masking, port I/O) become no-ops, and printk()
 * and panic() go to tests/unit/stub.c, which records them so that tests
 * can assert on messages and on panics (panic longjmps back to the test).
 */
#ifndef TERN_UNIT_STUB_H
#define TERN_UNIT_STUB_H

#define UNIT_TEST 1

/* Take x86.h's place: its include guard makes the real one a no-op. */
#define TERN_X86_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define RFLAGS_IF (1ul << 9)
static inline uint64_t irq_save(void) { return 0; }
static inline void irq_restore(uint64_t f) { (void)f; }
static inline void irq_enable(void) { }
static inline void irq_disable(void) { }
static inline void cpu_relax(void) { }
static inline void outb(uint16_t p, uint8_t v) { (void)p; (void)v; }
static inline uint8_t inb(uint16_t p) { (void)p; return 0xff; }
static inline void invlpg(uint64_t va) { (void)va; }
static inline uint64_t rdtsc(void) { return 0; }

/* What the stubs saw: the last printk lines and the last panic. */
extern char stub_log[16384];
extern int stub_panics;
extern char stub_panic_msg[512];
void stub_reset(void);
/* Run 'expr' expecting it to panic; true if it did. */
#include <setjmp.h>
extern jmp_buf stub_panic_jmp;
extern bool stub_panic_armed;
#define EXPECT_PANIC(stmt)                                              \
    ({                                                                  \
        volatile bool _p = false;                                       \
        stub_panic_armed = true;                                        \
        if (setjmp(stub_panic_jmp) == 0) {                              \
            stmt;                                                       \
        } else {                                                        \
            _p = true;                                                  \
        }                                                               \
        stub_panic_armed = false;                                       \
        _p;                                                             \
    })

#endif
