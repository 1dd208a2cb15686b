/*
 * kernel/power.c: shutdown and reboot.
 *
 * Context: any; called with the machine in any state, including from
 * panic(), so it uses only port I/O and the unlocked console path.
 */
#include <tern/acpi.h>
#include <tern/console.h>
#include <tern/lib.h>
#include <tern/panic.h>
#include <tern/power.h>
#include <tern/x86.h>

#define QEMU_DEBUG_EXIT_PORT    0xf4
#define BOCHS_SHUTDOWN_PORT     0x8900
#define KBC_COMMAND_PORT        0x64
#define KBC_STATUS_INPUT_FULL   0x02
#define KBC_CMD_PULSE_RESET     0xfe

/* A literal line to the console, without the lock (any context). */
#define say(lit)    console_write_unlocked(lit, sizeof(lit) - 1)

__noreturn void machine_shutdown(int status)
{
    char line[64];
    int n = snprintf(line, sizeof(line), "Tern: shutdown, status %d\n", status);

    irq_disable();
    console_write_unlocked(line, (size_t)n);
    outb(QEMU_DEBUG_EXIT_PORT, (uint8_t)status);
    for (const char *s = "Shutdown"; *s; s++)
        outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
    /* Not an emulator that listens there: ACPI soft off (S5). */
    say("Tern: powering off through ACPI (S5)\n");
    acpi_poweroff();
    for (volatile int i = 0; i < 10000000; i++)
        ;                               /* S5 takes a moment to bite */
    say("Tern: no way to power off worked; halted\n");
    halt_forever();
}

__noreturn void machine_reboot(void)
{
    irq_disable();
    say("Tern: rebooting\n");
    acpi_reset();
    /* Wait (bounded) for the controller's input buffer, then pulse the
     * CPU reset line (the 8042's output port bit 0). */
    for (int i = 0; i < 100000 && (inb(KBC_COMMAND_PORT) & KBC_STATUS_INPUT_FULL); i++)
        cpu_relax();
    outb(KBC_COMMAND_PORT, KBC_CMD_PULSE_RESET);
    /* Still here: a triple fault with an empty IDT resets every PC. */
    struct {
        uint16_t limit;
        uint64_t base;
    } __packed empty = { 0, 0 };
    __asm__ __volatile__("lidt %0; int3" :: "m"(empty));
    halt_forever();
}
