/*
 * kernel/apic.c: the local APIC (xAPIC mode, MMIO) and the legacy PICs.
 *
 * Tern takes its own timer interrupt from the local APIC, so the 8259
 * PICs are remapped away from the exception vectors and fully masked:
 * firmware may leave them in any state. Intel SDM Vol. 3A, "Advanced
 * Programmable Interrupt Controller (APIC)": "Local APIC Registers",
 * "APIC Timer", "Spurious-Interrupt Vector Register".
 *
 * Context: boot (init, calibrate), then interrupt context (EOI).
 */
#include <tern/console.h>
#include <tern/desc.h>
#include <tern/mm.h>
#include <tern/time.h>
#include <tern/x86.h>

#define APIC_BASE_ENABLE    (1ul << 11)
#define APIC_BASE_ADDR      0x000ffffffffff000ul

#define APIC_ID             0x020
#define APIC_EOI            0x0b0
#define APIC_SVR            0x0f0
#define APIC_SVR_ENABLE     (1u << 8)
#define APIC_LVT_TIMER      0x320
#define APIC_LVT_MASKED     (1u << 16)
#define APIC_TIMER_PERIODIC (1u << 17)
#define APIC_TIMER_INIT     0x380
#define APIC_TIMER_CURRENT  0x390
#define APIC_TIMER_DIVIDE   0x3e0
#define APIC_DIVIDE_16      0x3

#define PIC1_CMD    0x20
#define PIC1_DATA   0x21
#define PIC2_CMD    0xa0
#define PIC2_DATA   0xa1

static volatile uint32_t *apic_regs;

static inline uint32_t apic_read(uint32_t reg)
{
    return apic_regs[reg / 4];
}

static inline void apic_write(uint32_t reg, uint32_t v)
{
    apic_regs[reg / 4] = v;
}

/* Remap both PICs to VECTOR_PIC_BASE.. and mask every line (ICW1-ICW4,
 * then OCW1). A spurious IRQ7/IRQ15 then cannot look like an exception. */
static void pic_disable(void)
{
    outb(PIC1_CMD, 0x11);               /* ICW1: init, ICW4 follows */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, VECTOR_PIC_BASE);   /* ICW2: vector base */
    outb(PIC2_DATA, VECTOR_PIC_BASE + 8);
    outb(PIC1_DATA, 0x04);              /* ICW3: slave on IRQ2 */
    outb(PIC2_DATA, 0x02);
    outb(PIC1_DATA, 0x01);              /* ICW4: 8086 mode */
    outb(PIC2_DATA, 0x01);
    outb(PIC1_DATA, 0xff);              /* OCW1: mask all */
    outb(PIC2_DATA, 0xff);
}

void apic_init(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);

    pic_disable();
    /* Firmware may have left the APIC globally disabled: enable it. */
    wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    apic_regs = paging_map_mmio(base & APIC_BASE_ADDR, PAGE_SIZE);
    apic_write(APIC_SVR, APIC_SVR_ENABLE | VECTOR_SPURIOUS);
    apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
    pr_info("apic: local APIC id %u at %#lx\n", apic_id(),
            base & APIC_BASE_ADDR);
}

uint32_t apic_id(void)
{
    return apic_read(APIC_ID) >> 24;
}

void apic_eoi(void)
{
    apic_write(APIC_EOI, 0);
}

uint32_t apic_timer_calibrate(unsigned int ms)
{
    apic_write(APIC_TIMER_DIVIDE, APIC_DIVIDE_16);
    apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
    apic_write(APIC_TIMER_INIT, 0xffffffffu);
    pit_wait_ms(ms);
    uint32_t elapsed = 0xffffffffu - apic_read(APIC_TIMER_CURRENT);
    apic_write(APIC_TIMER_INIT, 0);
    return elapsed;
}

void apic_timer_start_periodic(uint32_t initial_count, uint8_t vector)
{
    apic_write(APIC_TIMER_DIVIDE, APIC_DIVIDE_16);
    apic_write(APIC_LVT_TIMER, APIC_TIMER_PERIODIC | vector);
    apic_write(APIC_TIMER_INIT, initial_count ? initial_count : 1);
}
