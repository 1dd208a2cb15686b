/*
 * kernel/main.c: kmain(), the bring-up order in one place.
 *
 * Entered from boot/ on the boot CPU with interrupts off, on the early
 * page tables, with a struct boot_info that holds everything the loader
 * told us. Each line below brings up one subsystem; later ones may use
 * everything above them.
 */
#include <tern/acpi.h>
#include <tern/boot.h>
#include <tern/boot_info.h>
#include <tern/cmdline.h>
#include <tern/console.h>
#include <tern/cpu.h>
#include <tern/desc.h>
#include <tern/fbcon.h>
#include <tern/hvm.h>
#include <tern/loader.h>
#include <tern/mm.h>
#include <tern/panic.h>
#include <tern/percpu.h>
#include <tern/power.h>
#include <tern/sched.h>
#include <tern/selftest.h>
#include <tern/time.h>
#include <tern/user.h>
#include <tern/x86.h>

#define TERN_VERSION "0.1"

extern char kernel_boot_stack_top[];

static void print_banner(const struct boot_info *bi)
{
    pr_info("Tern %s, a small type-1 hypervisor for x86-64\n", TERN_VERSION);
    pr_info("boot: loaded by %s; command line \"%s\"\n", bi->loader,
            bi->cmdline);
    if (kernel_phys_offset)
        pr_info("boot: the loader placed Tern at physical %#lx, not at its "
                "link address %#lx\n",
                (uint64_t)_kernel_phys_start + kernel_phys_offset,
                (uint64_t)_kernel_phys_start);
    if (!console_serial_present())
        pr_info("console: no 16550 UART answered at COM1\n");
    if (bi->has_rsdp)
        pr_info("boot: ACPI RSDP revision %u given by the loader\n",
                bi->rsdp[15]);
    if (bi->has_framebuffer)
        pr_info("boot: framebuffer %ux%u, %u bpp at %#lx\n", bi->fb.width,
                bi->fb.height, bi->fb.bpp, bi->fb.addr);
    if (bi->efi_mmap_size)
        pr_info("boot: UEFI memory map, %u bytes%s\n", bi->efi_mmap_size,
                bi->efi_mmap_truncated ? " (truncated)" : "");
}

__noreturn void kmain(struct boot_info *bi)
{
    struct frame_stats fs;

    console_init();                             /* COM1 + 0xe9, for printk */
    fbcon_init(bi);                             /* and the screen, if any */
    cmdline_parse(bi->cmdline, &cmdline_options); /* warns on bad options */
    console_set_sinks(cmdline_options.console);
    console_set_loglevel(cmdline_options.loglevel);
    percpu_init_cpu(0, (uint64_t)kernel_boot_stack_top); /* GS -> CPU 0 */
    gdt_init_cpu(0);                            /* GDT, TSS, IST stacks */
    idt_init();                                 /* exceptions get reported */
    user_init_cpu();                            /* SYSCALL, ring-3 stacks */
    print_banner(bi);
    cpu_identify(&boot_cpu);                    /* vendor, VMX/SVM features */
    cpu_print_banner(&boot_cpu);
    cpu_init_fpu();                             /* guests' x87/SSE state */
    modules_check(bi, &cmdline_options.modules); /* list, report missing */
    frame_init(bi);                             /* physical frames */
    frame_get_stats(&fs);
    paging_init(fs.max_phys);                   /* direct map, W^X kernel */
    heap_init();                                /* kmalloc */
    acpi_init(bi);                              /* power-off, reset, CPUs */
    apic_init();                                /* local APIC, PICs masked */
    time_init();                                /* TSC + APIC timer via PIT */
    irq_enable();
    hvm_init();                                 /* VMX (or SVM), per CPU */

    selftest_run(&cmdline_options.tests);       /* only with test= */

    if (loader_start_guests(bi))                /* guests, ring-3 domains */
        sched_run();                            /* never returns */
    pr_info("Tern: boot complete; no domains to run, idling "
            "(QEMU: Ctrl-A X quits)\n");
    for (;;)
        hlt();
}
