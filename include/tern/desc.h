/*
 * include/tern/desc.h: segment descriptors, the TSS and the IDT
 * (kernel/gdt.c, kernel/traps.c). Intel SDM Vol. 3A, "Segment
 * Descriptors", "Task Management in 64-bit Mode", "Interrupt Descriptor
 * Table (IDT)"; AMD APM Vol. 2, "Long-Mode Descriptor Tables".
 */
#ifndef TERN_DESC_H
#define TERN_DESC_H

#include <tern/compiler.h>

/*
 * Selectors. The user entries are laid out for SYSRET (STAR[63:48] + 8 =
 * user data, + 16 = user 64-bit code), ready for the ring-3 domains.
 */
#define GDT_KERNEL_CS   0x08
#define GDT_KERNEL_DS   0x10
#define GDT_USER_CS32   0x18
#define GDT_USER_DS     0x20
#define GDT_USER_CS     0x28
#define GDT_TSS         0x30    /* 16 bytes: two slots */
#define GDT_ENTRIES     8

/* Interrupt stack table slots (1-based, as the IDT gate encodes them). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI          2
#define IST_MACHINE_CHECK 3
#define IST_STACK_SIZE   (16 * 1024)

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];            /* stack for a switch to CPL 0..2 */
    uint64_t reserved1;
    uint64_t ist[7];            /* IST1..IST7 */
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;        /* past the limit: no I/O bitmap */
} __packed;
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS is 104 bytes");

/* Vectors Tern uses above the 32 exceptions. */
#define VECTOR_PIC_BASE 0x20    /* the legacy 8259s, remapped and masked */
#define VECTOR_TIMER    0xf0    /* local APIC timer */
#define VECTOR_SPURIOUS 0xff    /* local APIC spurious vector */

void gdt_init_cpu(unsigned int cpu_id);
void idt_init(void);
void idt_load(void);

struct cpu_regs;
typedef void (*irq_handler_t)(struct cpu_regs *regs);
/* Route an interrupt vector (>= 32) to 'fn'. */
void irq_register(uint8_t vector, irq_handler_t fn);

#endif
