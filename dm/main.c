/*
 * dm/main.c: the device model: a PC platform for one guest, served
 * through an ioreq server, and the event loop that drives it.
 *
 * A device model is a ring-3 domain started with
 *   name=dm role=dm target=GUEST [devices=pc|pcitest] [testdev=on]
 *      [pcitest_id=N] [rtc_base=SECONDS] [tick_ms=10] [notify=eager]
 *      [fault=KIND [fault_after=N]]
 * Tern gives it control of GUEST and keeps GUEST paused until the DM
 * says it is ready (TERN_DMOP_unpause). Start-up:
 *
 *   1. put the devices on the bus (dm/devices/bus.c): devices=pc (the
 *      default) is the PC platform: COM1 16550 UART (IRQ 4), the debug
 *      console 0xe9 and isa-debug-exit 0xf4, the 8254 PIT (IRQ 0) and
 *      port 0x61, the MC146818 RTC/CMOS (IRQ 8), the PCI host bridge
 *      00:00.0, VGA text memory; testdev=on adds the test device the
 *      guest test suite talks to. devices=pcitest is a secondary DM: the
 *      one PCI test device at 00:03.0 with its BAR (the two-DM test).
 *   2. create an ioreq server for the guest (with a buffered ring for
 *      VGA text and the test device's posted-write window), claim each
 *      bus range for it, enable it, unpause the guest.
 *   3. loop: block until a port of ours is pending, take the pending
 *      ports (two-level scan) and run their handlers: the server's
 *      ports (dm/ioreq.c), the timer VIRQ (the PIT's and RTC's
 *      interrupts, the VGA renderer, and whether the guest still runs).
 *
 * Guest interrupt lines go to Tern's virtual 8259 pair with
 * TERN_DMOP_set_isa_irq_level; guest console output to Tern's console,
 * under the guest's name, with TERN_DMOP_guest_console_write. When the
 * guest has ended the DM prints what it served and shuts down.
 *
 * Context: ring 3, one vCPU, nothing runs concurrently with the loop:
 * nothing locks.
 */
#include <lib.h>
#include <tern_dm.h>
#include "dm.h"
#include "devices/acpi_pm.h"
#include "devices/debugport.h"
#include "devices/i8042.h"
#include "devices/pci.h"
#include "devices/pit.h"
#include "devices/rtc.h"
#include "devices/testdev.h"
#include "devices/uart16550.h"
#include "devices/vga.h"

#define NS_PER_MS       1000000ul
#define DM_TICK_MS      10      /* default period; tick_ms= on the module line */
#define COM1_PORT       0x3f8
#define COM1_IRQ        4
#define PCITEST_BAR0    0xfe800000ull

/* Port -> handler, indexed by port: O(1) dispatch, 16 KiB of .bss. */
static struct {
    dm_evtchn_fn fn;
    void *arg;
} handlers[TERN_EVTCHN_PORTS];

static struct tern_domain_info self;    /* name, targets */
static domid_t guest;                   /* targets[0], the one we serve */
static evtchn_port_t timer_port;
static uint64_t tick_ns;
static bool running = true;

/* The platform: what the devices see of the world, and the devices. */
static struct dm_platform platform, vga_platform;
static struct dm_bus bus;
static struct dm_server server;
static struct uart16550 uart;
static struct debugport debugport;
static struct pit pit;
static struct rtc rtc;
static struct vga vga;
static struct testdev testdev;
static struct pci_func pci_host;
static struct pcitest pcitest;
static struct acpi_pm acpi_pm;
static struct i8042 i8042;
static bool has_pc, has_testdev, has_pcitest;

int dm_evtchn_register(evtchn_port_t port, dm_evtchn_fn fn, void *arg)
{
    if (port == 0 || port >= TERN_EVTCHN_PORTS || handlers[port].fn)
        return -TERN_EINVAL;
    handlers[port].fn = fn;
    handlers[port].arg = arg;
    return 0;
}

static void dm_dispatch(evtchn_port_t port, void *unused)
{
    (void)unused;
    if (handlers[port].fn)
        handlers[port].fn(port, handlers[port].arg);
    else
        printf("dm: event on port %u, which has no handler\n", port);
}

/* ---- what devices ask of the world ---- */

static void pf_set_irq(void *ctx, unsigned int irq, int level)
{
    (void)ctx;
    int rc = tern_dm_set_isa_irq_level(guest, irq, level);
    if (rc)
        printf("dm: set_isa_irq_level(%u, %d): %s\n", irq, level,
               tern_errname(rc));
}

static void pf_console_write(void *ctx, const char *s, size_t len)
{
    (void)ctx;
    while (len) {
        size_t n = MIN(len, (size_t)TERN_CONSOLE_WRITE_MAX);
        tern_dm_guest_console_write(guest, s, n);
        s += n;
        len -= n;
    }
}

static void pf_shutdown(void *ctx, int status)
{
    (void)ctx;
    if (has_pc)
        vga_flush(&vga);
    int rc = tern_dm_remote_shutdown(guest, (unsigned int)status & 0xff);
    if (rc)
        printf("dm: remote_shutdown: %s\n", tern_errname(rc));
}

/* The VGA renderer's rows are the DM's own lines ("[dm] vga: row ..."),
 * not the guest's console: a row must not land in the middle of a line
 * the guest is writing to its UART or port 0xe9. */
static void pf_dm_console_write(void *ctx, const char *s, size_t len)
{
    (void)ctx;
    tern_console_write(s, MIN(len, (size_t)TERN_CONSOLE_WRITE_MAX));
}

static uint64_t pf_now_ns(void *ctx)
{
    (void)ctx;
    return tern_time_ns();
}

/* The guest reset the machine (ACPI reset register, the 8042's reset
 * line): Tern does not restart domains, so the guest ends, cleanly, with
 * a status that says why. */
#define DM_RESET_STATUS 0
static void pf_reset(void *ctx)
{
    printf("dm: the guest reset its machine: ending it (status %d)\n",
           DM_RESET_STATUS);
    pf_shutdown(ctx, DM_RESET_STATUS);
}

/* The guest moved a PCI memory BAR: move our claim and the bus entry. */
static void pf_mmio_moved(void *ctx, void *dev, uint64_t old_base,
                          uint64_t new_base, uint64_t size)
{
    (void)ctx;
    for (unsigned int i = 0; i < bus.nr; i++) {
        struct dm_bus_entry *e = &bus.e[i];
        if (e->space != DM_SPACE_MMIO || e->dev != dev)
            continue;
        if (old_base)
            tern_dm_unmap_io_range(guest, server.id, TERN_DMOP_IO_RANGE_MEMORY,
                                   e->first, e->last);
        /* Disabled: an empty range nobody's access can fall in. */
        e->first = new_base ? new_base : ~0ull;
        e->last = new_base ? new_base + size - 1 : 0;
        if (new_base)
            dm_server_claim(&server, DM_SPACE_MMIO, e->first, e->last, false);
        printf("dm: BAR of %s moved from %#lx to %#lx\n", e->name, old_base,
               new_base);
    }
}

/* ---- putting devices on the bus ---- */

static void add(enum dm_space space, uint64_t first, uint64_t last,
                const struct dm_device_ops *ops, void *dev, const char *name)
{
    if (dm_bus_add(&bus, space, first, last, ops, dev, name))
        die("dm: cannot put %s at %#lx-%#lx on the bus", name, first, last);
}

static void dm_devices_pc(const char *cmdline)
{
    uint64_t rtc_base;
    if (!cmdline_get_u64(cmdline, "rtc_base", RTC_DEFAULT_EPOCH, &rtc_base))
        die("dm: bad rtc_base= in '%s'", cmdline);

    uart16550_init(&uart, &platform, COM1_IRQ);
    add(DM_SPACE_PORT, COM1_PORT, COM1_PORT + 7, &uart16550_ops, &uart, "uart");
    debugport_init(&debugport, &platform);
    add(DM_SPACE_PORT, DEBUGPORT_CON_PORT, DEBUGPORT_CON_PORT, &debugcon_ops,
        &debugport, "debugcon");
    add(DM_SPACE_PORT, DEBUGPORT_EXIT_PORT, DEBUGPORT_EXIT_PORT + 3,
        &debugexit_ops, &debugport, "debug-exit");
    pit_init(&pit, &platform);
    add(DM_SPACE_PORT, PIT_PORT, PIT_PORT + 3, &pit_ops, &pit, "pit");
    add(DM_SPACE_PORT, PIT_PORT61, PIT_PORT61, &pit_port61_ops, &pit, "port61");
    rtc_init(&rtc, &platform, rtc_base, server.ram_size);
    add(DM_SPACE_PORT, RTC_PORT, RTC_PORT + 1, &rtc_ops, &rtc, "rtc");
    pci_host_init(&pci_host, &platform, TERN_DMOP_PCI_SBDF(0, 0, 0, 0));
    add(DM_SPACE_PCI, TERN_DMOP_PCI_SBDF(0, 0, 0, 0),
        TERN_DMOP_PCI_SBDF(0, 0, 0, 0), &pci_config_ops, &pci_host,
        "pci-host");
    /* ACPI's fixed hardware (the tables Tern built for a Linux guest
     * point here: kernel/acpi_guest.c) and the 8042, for power-off and
     * reset. */
    acpi_pm_init(&acpi_pm, &platform, pf_reset);
    add(DM_SPACE_PORT, ACPI_PM_EVT_PORT, ACPI_PM_EVT_PORT + 3, &acpi_pm_evt_ops,
        &acpi_pm, "acpi-pm1-evt");
    add(DM_SPACE_PORT, ACPI_PM_CNT_PORT, ACPI_PM_CNT_PORT + 1, &acpi_pm_cnt_ops,
        &acpi_pm, "acpi-pm1-cnt");
    /* (The PM timer at ACPI_PM_TMR_PORT is Tern's own: kernel/io.c.) */
    add(DM_SPACE_PORT, ACPI_PM_RCR_PORT, ACPI_PM_RCR_PORT, &acpi_pm_rcr_ops,
        &acpi_pm, "reset-control");
    i8042_init(&i8042, &platform, pf_reset);
    add(DM_SPACE_PORT, I8042_DATA_PORT, I8042_DATA_PORT, &i8042_data_ops,
        &i8042, "i8042-data");
    add(DM_SPACE_PORT, I8042_CMD_PORT, I8042_CMD_PORT, &i8042_cmd_ops,
        &i8042, "i8042-cmd");
    vga_platform = platform;
    vga_platform.console_write = pf_dm_console_write;
    vga_init(&vga, &vga_platform);
    add(DM_SPACE_MMIO, VGA_TEXT_FIRST, VGA_TEXT_LAST, &vga_ops, &vga, "vga");
}

static void dm_devices_testdev(void)
{
    testdev_init(&testdev);
    add(DM_SPACE_PORT, TESTDEV_PORT_FIRST, TESTDEV_PORT_LAST,
        &testdev_port_ops, &testdev, "testdev");
    add(DM_SPACE_MMIO, TESTDEV_MMIO_FIRST, TESTDEV_MMIO_LAST,
        &testdev_mmio_ops, &testdev, "testdev-mmio");
    add(DM_SPACE_MMIO, TESTDEV_BUFCHECK_FIRST, TESTDEV_BUFCHECK_LAST,
        &testdev_bufcheck_ops, &testdev, "testdev-bufcheck");
    add(DM_SPACE_PORT, TESTDEV_BUFCHECK_PORT_FIRST, TESTDEV_BUFCHECK_PORT_LAST,
        &testdev_bufcheck_ops, &testdev, "testdev-bufcheck-port");
}

static void dm_devices_pcitest(const char *cmdline)
{
    uint64_t id;
    if (!cmdline_get_u64(cmdline, "pcitest_id", 1, &id))
        die("dm: bad pcitest_id= in '%s'", cmdline);
    uint32_t sbdf = TERN_DMOP_PCI_SBDF(0, 0, 3, 0);
    pcitest_init(&pcitest, &platform, sbdf, PCITEST_BAR0, (uint32_t)id);
    add(DM_SPACE_PCI, sbdf, sbdf, &pci_config_ops, &pcitest.func, "pcitest");
    add(DM_SPACE_MMIO, PCITEST_BAR0, PCITEST_BAR0 + 0xfff, &pcitest_mmio_ops,
        &pcitest, "pcitest-bar0");
}

/* Which bus ranges go through the buffered ring: VGA text, and the test
 * device's posted-write windows. */
static bool buffered_range(const struct dm_bus_entry *e)
{
    return e->ops == &vga_ops || e->ops == &testdev_bufcheck_ops;
}

/* Create the server and claim every bus range for it. */
static void dm_serve(void)
{
    bool buffered = false;
    for (unsigned int i = 0; i < bus.nr; i++)
        buffered |= buffered_range(&bus.e[i]);
    int rc = dm_server_create(&server, guest, &bus, buffered);
    if (rc)
        die("dm: ioreq server for domain %u: %s", guest, tern_errname(rc));
    for (unsigned int i = 0; i < bus.nr; i++) {
        const struct dm_bus_entry *e = &bus.e[i];
        rc = dm_server_claim(&server, e->space, e->first, e->last,
                             buffered_range(e));
        if (rc)
            die("dm: claiming %s %#lx-%#lx: %s", e->name, e->first, e->last,
                tern_errname(rc));
    }
    rc = dm_server_enable(&server);
    if (rc)
        die("dm: enabling the server: %s", tern_errname(rc));
}

/* ---- the guest, and the timer ---- */

static bool guest_alive(void)
{
    struct tern_domain_info info;
    /* A domain Tern no longer knows has ended too. */
    return tern_domain_info(guest, &info) == 0 &&
           info.state < TERN_DOMSTATE_SHUTDOWN;
}

/* What was typed on Tern's console goes to the UART's receiver, as much
 * as its FIFO takes (the rest waits in Tern for the next tick). */
static void dm_console_input(void)
{
    char buf[UART16550_FIFO_SIZE];
    unsigned int room = uart16550_rx_space(&uart);
    if (!room)
        return;
    int n = tern_dm_console_read(guest, buf, MIN(room, (unsigned int)sizeof(buf)));
    if (n > 0)
        uart16550_receive(&uart, buf, (size_t)n);
}

/* The next deadline: the next tick, or a device's interrupt before it. */
static void dm_timer_arm(void)
{
    uint64_t now = tern_time_ns(), next = now + tick_ns;
    if (has_pc) {
        uint64_t p = pit_next_event_ns(&pit), r = rtc_next_event_ns(&rtc);
        if (p && p < next)
            next = p;
        if (r && r < next)
            next = r;
    }
    int rc = tern_evtchn_set_timer(MAX(next, now + 1));
    if (rc)
        die("dm: set_timer: %s", tern_errname(rc));
}

static void dm_tick(evtchn_port_t port, void *arg)
{
    (void)port;
    (void)arg;
    if (has_pc) {
        uint64_t now = tern_time_ns();
        pit_update(&pit, now);
        rtc_update(&rtc, now);
        vga_flush(&vga);
        dm_console_input();
    }
    if (!guest_alive()) {
        running = false;
        return;
    }
    dm_timer_arm();
}

static void dm_timer_init(void)
{
    int rc = tern_evtchn_bind_virq(TERN_VIRQ_TIMER, &timer_port);
    if (rc)
        die("dm: bind_virq(timer): %s", tern_errname(rc));
    rc = dm_evtchn_register(timer_port, dm_tick, NULL);
    if (rc)
        die("dm: timer port %u: %s", timer_port, tern_errname(rc));
    dm_timer_arm();
}

static void dm_parse_fault(const char *cmdline)
{
    char kind[16];
    if (!cmdline_get(cmdline, "fault", kind, sizeof(kind)))
        return;
    for (int f = 1; f < DM_FAULT_NR; f++)
        if (!strcmp(kind, dm_fault_names[f]))
            server.fault = (enum dm_fault)f;
    if (server.fault == DM_FAULT_NONE)
        die("dm: unknown fault=%s", kind);
    if (!cmdline_get_u64(cmdline, "fault_after", 1, &server.fault_after))
        die("dm: bad fault_after= in '%s'", cmdline);
}

static void dm_setup(const char *cmdline)
{
    char devices[16] = "pc", on[8] = "";
    cmdline_get(cmdline, "devices", devices, sizeof(devices));
    has_pc = !strcmp(devices, "pc");
    has_pcitest = !strcmp(devices, "pcitest");
    has_testdev = cmdline_get(cmdline, "testdev", on, sizeof(on)) &&
                  !strcmp(on, "on");
    if (!has_pc && !has_pcitest)
        die("dm: devices=%s: known are pc and pcitest", devices);
    dm_parse_fault(cmdline);
    char notify[8] = "lazy";
    cmdline_get(cmdline, "notify", notify, sizeof(notify));
    server.notify = !strcmp(notify, "eager");
    if (!server.notify && strcmp(notify, "lazy"))
        die("dm: notify=%s: known are lazy and eager", notify);

    platform = (struct dm_platform){ .set_irq = pf_set_irq,
                                     .console_write = pf_console_write,
                                     .shutdown = pf_shutdown,
                                     .now_ns = pf_now_ns,
                                     .mmio_moved = pf_mmio_moved };
    /* The RTC reports the RAM size: learn it first. */
    int rc = tern_dm_map_guest_ram(guest, (uint64_t *)&server.ram,
                                   &server.ram_size);
    if (rc)
        die("dm: map_guest_ram: %s", tern_errname(rc));
    if (has_pc)
        dm_devices_pc(cmdline);
    if (has_pcitest)
        dm_devices_pcitest(cmdline);
    if (has_testdev)
        dm_devices_testdev();
    dm_serve();
    printf("dm: %.*s serving domain %u: %u ranges%s%s\n", TERN_DOMAIN_NAME_MAX,
           tern_start_info()->name, guest, bus.nr,
           server.buf ? ", buffered ring" : "",
           server.fault ? ", with a fault to inject" : "");
}

static void dm_report(void)
{
    if (has_pc)
        vga_flush(&vga);
    printf("dm: guest ended: %lu requests served, %lu buffered writes, "
           "%lu unclaimed\n", server.handled, server.drained, bus.unclaimed);
    /* What each device cost the guest: one request (or posted write)
     * per access (docs/linux.md has a Linux boot's). */
    for (unsigned int i = 0; i < bus.nr; i++)
        if (bus.e[i].accesses)
            printf("dm:   %-22s %lu accesses\n", bus.e[i].name,
                   bus.e[i].accesses);
    if (has_pcitest)
        printf("dm: pcitest %u: %lu config accesses, %lu BAR accesses\n",
               pcitest.server_id, pcitest.func.config_accesses,
               pcitest.mmio_accesses);
}

int main(const struct tern_start_info *si)
{
    uint64_t ms;
    if (!cmdline_get_u64(si->cmdline, "tick_ms", DM_TICK_MS, &ms) || ms == 0)
        die("dm: bad tick_ms= in '%s'", si->cmdline);
    tick_ns = ms * NS_PER_MS;

    /* Tern's view of us is the authority on which domains we control. */
    int rc = tern_domain_info(TERN_DOMID_SELF, &self);
    if (rc)
        die("dm: domain_info(self): %s", tern_errname(rc));
    if (self.nr_targets != 1)
        die("dm: serves one guest (target=GUEST), not %u", self.nr_targets);
    guest = self.targets[0];
    dm_setup(si->cmdline);
    dm_timer_init();
    dm_server_inject_early(&server);
    rc = tern_dm_unpause(guest);
    if (rc)
        die("dm: unpause: %s", tern_errname(rc));

    while (running) {
        rc = tern_sched_block();
        if (rc)
            die("dm: sched_block: %s", tern_errname(rc));
        tern_evtchn_poll_pending(dm_dispatch, NULL);
    }
    dm_report();
    return 0;
}
