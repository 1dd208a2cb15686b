/*
 * kernel/symbols.c: address-to-name lookup over the table that
 * tools/gensyms.sh generates (sorted by address).
 */
#include <tern/mm.h>
#include <tern/symbols.h>

struct ksym {
    uint64_t addr;
    uint32_t name_offset;       /* into ksym_names */
    uint32_t reserved;
};

/* From build/ksyms.S; weak so that the first link works without it. */
extern const struct ksym ksym_table[] __attribute__((weak));
extern const uint64_t ksym_count __attribute__((weak));
extern const char ksym_names[] __attribute__((weak));

const char *symbols_lookup(uint64_t addr, uint64_t *offset)
{
    if (!&ksym_count || !ksym_count || addr < (uint64_t)_text ||
        addr >= (uint64_t)_etext)
        return NULL;

    /* Binary search for the last symbol at or below addr. */
    uint64_t lo = 0, hi = ksym_count;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ksym_table[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    if (ksym_table[lo].addr > addr)
        return NULL;
    *offset = addr - ksym_table[lo].addr;
    return &ksym_names[ksym_table[lo].name_offset];
}
