#!/bin/sh
# tools/gensyms.sh ELF > ksyms.S: emit the kernel's text symbols, sorted by
# address, as the table kernel/symbols.c searches.
set -eu
elf=$1
nm -n --defined-only "$elf" | awk 'BEGIN { n = 0 }
NF == 3 && $2 ~ /^[tTwW]$/ && $1 ~ /^ffffffff8/ { addr[n] = $1; name[n] = $3; n++ }
END {
    print "\t.section .ksyms, \"a\""
    print "\t.balign 8"
    print "\t.globl ksym_count, ksym_table, ksym_names"
    print "ksym_count:\n\t.quad " n
    print "ksym_table:"
    off = 0
    for (i = 0; i < n; i++) {
        printf "\t.quad 0x%s\n\t.long %d, 0\n", addr[i], off
        off += length(name[i]) + 1
    }
    print "ksym_names:"
    for (i = 0; i < n; i++)
        printf "\t.asciz \"%s\"\n", name[i]
}'
