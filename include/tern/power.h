/*
 * include/tern/power.h: ending a run (kernel/power.c).
 *
 * machine_shutdown() tries, in order, every way to stop the machine that
 * Tern knows, each harmless where absent:
 *   1. QEMU's isa-debug-exit at port 0xf4: QEMU exits with (status << 1) | 1;
 *   2. Bochs' shutdown port 0x8900 ("Shutdown"): Bochs exits;
 *   3. ACPI S5, from the FADT's PM1 control blocks and the DSDT's \_S5;
 *   4. halt.
 * The status is printed first, so every run ends with a line that says how.
 */
#ifndef TERN_POWER_H
#define TERN_POWER_H

#include <tern/compiler.h>

#define SHUTDOWN_STATUS_OK      0
#define SHUTDOWN_STATUS_FAIL    1   /* a self-test failed */
#define SHUTDOWN_STATUS_PANIC   2   /* panic or fatal exception */
#define SHUTDOWN_STATUS_BOOT    3   /* boot could not go on (config error) */

__noreturn void machine_shutdown(int status);
/* Reset through the ACPI reset register, the keyboard controller, then
 * a triple fault. */
__noreturn void machine_reboot(void);

#endif
