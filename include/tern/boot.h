/*
 * include/tern/boot.h: the boot modules as the kernel sees them
 * (kernel/modules.c).
 *
 * A module's name is the value of "name=" on its command line, or else
 * the last path component of its first word (GRUB passes the file name
 * first: "module2 /boot/guest.bin name=hello" gives "name=hello" or
 * "/boot/guest.bin name=hello" depending on the loader).
 */
#ifndef TERN_BOOT_H
#define TERN_BOOT_H

#include <tern/boot_info.h>

struct cmdline_list;

#define MODULE_NAME_MAX 32

/* The name of module 'm', written to 'out'. */
void module_name(const struct boot_module *m, char out[MODULE_NAME_MAX]);
/* The module called 'name', or NULL. */
const struct boot_module *module_find(const struct boot_info *bi,
                                      const char *name);
/* Print the modules; report any named in 'required' that are missing or
 * empty. Returns the number of problems found. */
unsigned int modules_check(const struct boot_info *bi,
                           const struct cmdline_list *required);

#endif
