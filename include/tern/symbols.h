/*
 * include/tern/symbols.h: the kernel's own symbol table, for symbolised
 * RIPs in exception dumps and backtraces.
 *
 * The build links Tern twice: tools/gensyms.sh turns the first link's
 * `nm` output into a table (build/ksyms.S) that the second link places
 * after all code and data (link.ld), so no code address moves.
 */
#ifndef TERN_SYMBOLS_H
#define TERN_SYMBOLS_H

#include <tern/compiler.h>

/* Name of the function containing 'addr' and the offset into it; NULL
 * when 'addr' is not in the kernel's text. */
const char *symbols_lookup(uint64_t addr, uint64_t *offset);

#endif
