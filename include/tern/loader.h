/*
 * include/tern/loader.h: building guest domains from boot modules
 * (kernel/loader.c).
 *
 * A module whose command line says role=guest becomes a domain. Its
 * options (documented in docs/guests.md):
 *   name=NAME          the domain's name (default: the file name)
 *   kind=flat          a flat binary started in real mode at CS:IP=0:load,
 *                      like a boot sector (default)
 *   kind=multiboot     a Multiboot (v1) kernel, ELF32 or a.out-kludge,
 *                      started in 32-bit protected mode with a Multiboot
 *                      information block
 *   mem=SIZE           guest RAM (default 16M; K/M/G suffixes)
 *   load=ADDR          where a flat image goes (default 0x7c00)
 *   testdev=on|off     the test device of kernel/io.c (default off)
 *   console=raw        its console output goes out as it comes, without
 *                      "[NAME] " and line buffering: for an interactive
 *                      shell (make run-linux)
 *   kind=linux         a Linux bzImage, booted by the Linux x86 boot
 *                      protocol (kernel/loader_linux.c) with the initrd
 *                      module named by initrd=NAME (role=initrd); what
 *                      follows " -- " on the line is the kernel's
 *                      command line
 * Anything wrong (unknown option, bad value, image too big, bad
 * Multiboot header) is reported by name and that guest is not started.
 */
#ifndef TERN_LOADER_H
#define TERN_LOADER_H

#include <tern/boot_info.h>

/* Create and queue a domain for each module with a role= (guests first,
 * then ring-3 domains). Returns how many modules asked for a domain;
 * loader_failed counts those that could not start. */
unsigned int loader_start_guests(const struct boot_info *bi);
extern unsigned int loader_failed;

/* The parser for one module's options, exposed for unit tests. */
enum guest_kind { GUEST_FLAT, GUEST_MULTIBOOT, GUEST_LINUX };
struct guest_config {
    char name[32];
    bool is_guest;
    enum guest_kind kind;
    uint64_t mem;
    uint64_t load;
    bool testdev;
    char initrd[32];            /* kind=linux: the initrd module's name */
    bool rawcon;                /* console=raw: its output unprefixed */
    const char *kernel_cmdline; /* after " -- " on the line, or "" */
};
/* 0, or -EINVAL with a message naming the bad option in 'err'. */
int loader_parse_options(const char *cmdline, struct guest_config *cfg,
                         char *err, size_t err_size);

struct domain;
struct vcpu;
struct boot_module;
/* kernel/loader_linux.c: load a bzImage and its initrd into d, set v up
 * for the 32-bit entry. 0, or a negative errno after a message. */
int loader_linux(struct domain *d, struct vcpu *v, const uint8_t *img,
                 size_t size, const struct boot_module *initrd,
                 const char *cmdline);

#endif
