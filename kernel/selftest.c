/*
 * kernel/selftest.c: in-kernel self-tests of the foundation, run on the
 * real machine (or emulator) with test=... (see include/tern/selftest.h).
 *
 * Each test checks observable behaviour and says what it saw when it
 * fails. "fault" and "panic" end the run on purpose: the runner checks
 * that the report they produce is complete and decoded.
 *
 * Context: kmain(), after time_init(), interrupts on.
 */
#include <tern/cmdline.h>
#include <tern/console.h>
#include <tern/domain.h>
#include <tern/hvm.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/panic.h>
#include <tern/percpu.h>
#include <tern/power.h>
#include <tern/selftest.h>
#include <tern/time.h>
#include <tern/x86.h>

/* A failed check: print it and make the test fail. */
#define CHECK(cond, ...)                                                \
    do {                                                                \
        if (!(cond)) {                                                  \
            pr_err("TEST %s: FAIL: ", current_test);                    \
            printk(LOG_ERR, __VA_ARGS__);                               \
            printk(LOG_ERR, " (%s:%d)\n", __FILE__, __LINE__);          \
            return false;                                               \
        }                                                               \
    } while (0)

static const char *current_test;

static bool test_frame(void)
{
    enum { N = 64 };
    uint64_t frames[N];
    struct frame_stats before, after;

    frame_get_stats(&before);
    for (int i = 0; i < N; i++) {
        frames[i] = frame_alloc();
        CHECK(frames[i], "frame_alloc returned 0 with %lu frames free",
              before.free);
        CHECK(frames[i] % PAGE_SIZE == 0, "frame %#lx not aligned", frames[i]);
        CHECK(frames[i] >= 0x100000, "frame %#lx is in the first MiB",
              frames[i]);
        CHECK(!(frames[i] < (uint64_t)_kernel_phys_end + kernel_phys_offset &&
                frames[i] >= (uint64_t)_kernel_phys_start + kernel_phys_offset),
              "frame %#lx is inside the kernel image", frames[i]);
        CHECK(!frame_is_free(frames[i]), "allocated frame %#lx still free",
              frames[i]);
        for (int j = 0; j < i; j++)
            CHECK(frames[i] != frames[j], "frame %#lx handed out twice",
                  frames[i]);
        /* The frame is usable memory: a pattern reads back. */
        uint64_t *p = phys_to_virt(frames[i]);
        p[0] = frames[i] ^ 0x5a5a5a5a5a5a5a5aul;
        p[511] = ~frames[i];
    }
    for (int i = 0; i < N; i++) {
        uint64_t *p = phys_to_virt(frames[i]);
        CHECK(p[0] == (frames[i] ^ 0x5a5a5a5a5a5a5a5aul) && p[511] == ~frames[i],
              "pattern in frame %#lx did not read back", frames[i]);
    }
    frame_get_stats(&after);
    CHECK(after.free == before.free - N, "free count %lu, expected %lu",
          after.free, before.free - N);
    for (int i = 0; i < N; i++)
        frame_free(frames[i]);

    uint64_t big = frame_alloc_contig(16, 64 * 1024);
    CHECK(big && big % (64 * 1024) == 0, "16 contiguous frames at 64K: %#lx",
          big);
    for (int i = 0; i < 16; i++)
        CHECK(!frame_is_free(big + i * PAGE_SIZE), "contig frame %d free", i);
    frame_free_contig(big, 16);

    frame_get_stats(&after);
    CHECK(after.free == before.free, "leak: %lu frames free, %lu before",
          after.free, before.free);
    return true;
}

static bool test_paging(void)
{
    int level;
    uint64_t e;

    e = paging_lookup((uint64_t)test_paging, &level);
    CHECK(e && level == 1, "kernel text not mapped with 4K pages");
    CHECK(!(e & PTE_W), "kernel text is writable");
    CHECK(!(e & PTE_NX), "kernel text is not executable");
    e = paging_lookup((uint64_t)_rodata, &level);
    CHECK(e && !(e & PTE_W), "kernel rodata is writable");
    e = paging_lookup((uint64_t)&current_test, &level);
    CHECK(e && (e & PTE_W), "kernel data is not writable");
    CHECK((e & PTE_ADDR) == virt_to_phys(&current_test) / PAGE_SIZE * PAGE_SIZE,
          "kernel data maps to %#lx", e & PTE_ADDR);
    CHECK(paging_lookup(0x100000, &level) == 0,
          "the low half still maps physical 1 MiB (identity map left over)");

    /* A new mapping reaches the same memory as the direct map. */
    uint64_t pa = frame_alloc();
    CHECK(pa, "no frame");
    uint64_t va = KERNEL_VMA + 0x3f000000ul;    /* unused, below MMIO window */
    CHECK(paging_map(va, pa, PTE_P | PTE_W) == 0, "paging_map failed");
    *(volatile uint64_t *)va = 0x1234abcd5678ef90ul;
    CHECK(*(uint64_t *)phys_to_virt(pa) == 0x1234abcd5678ef90ul,
          "write through the new mapping not seen through the direct map");
    e = paging_lookup(va, &level);
    CHECK((e & PTE_ADDR) == pa && level == 1, "lookup of the new mapping");
    return true;
}

static bool test_heap(void)
{
    static const size_t sizes[] = { 1, 16, 17, 100, 500, 1000, 2000, 2032,
                                    2033, 5000, 20000 };
    void *p[ARRAY_SIZE(sizes)];
    struct frame_stats before, after;

    /* Warm the small classes so the frame count below measures only what
     * large blocks take and give back. */
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
        kfree(kmalloc(sizes[i]));
    frame_get_stats(&before);

    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        p[i] = kmalloc(sizes[i]);
        CHECK(p[i], "kmalloc(%zu) failed", sizes[i]);
        CHECK((uint64_t)p[i] % 16 == 0, "kmalloc(%zu) = %p not 16-aligned",
              sizes[i], p[i]);
        memset(p[i], (int)i + 1, sizes[i]);
    }
    /* No block overlaps another: each still holds its own pattern. */
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
        for (size_t b = 0; b < sizes[i]; b++)
            CHECK(((uint8_t *)p[i])[b] == i + 1,
                  "block %zu (size %zu) corrupted at byte %zu", i, sizes[i], b);
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
        kfree(p[i]);

    /* A freed small block is reused. */
    void *a = kmalloc(40);
    kfree(a);
    void *b = kmalloc(40);
    CHECK(a == b, "freed block %p not reused (got %p)", a, b);
    kfree(b);

    uint8_t *z = kzalloc(3000);
    CHECK(z, "kzalloc failed");
    for (int i = 0; i < 3000; i++)
        CHECK(z[i] == 0, "kzalloc byte %d is %#x", i, z[i]);
    kfree(z);

    frame_get_stats(&after);
    CHECK(after.free == before.free, "large blocks leaked %ld frames",
          (long)(before.free - after.free));
    return true;
}

static bool test_timer(void)
{
    /* 20 ticks at TIMER_HZ = 200 ms. Bound the wait by the TSC, at 20x. */
    uint64_t want = 20;
    uint64_t t0 = this_cpu()->ticks;
    uint64_t ns0 = time_ns();
    uint64_t limit = ns0 + 4 * NSEC_PER_SEC;

    CHECK(read_rflags() & RFLAGS_IF, "interrupts are off");
    while (READ_ONCE(this_cpu()->ticks) - t0 < want) {
        CHECK(time_ns() < limit, "only %lu timer ticks in 4 s",
              this_cpu()->ticks - t0);
        hlt();          /* the tick wakes us */
    }
    uint64_t ms = (time_ns() - ns0) / 1000000;
    uint64_t expect = want * 1000 / TIMER_HZ;
    /* The two clocks were calibrated against one PIT window, so 20 ticks
     * take ~200 ms by the TSC. Ticks can come late on an emulator whose
     * host is busy (QEMU TCG), never early: accept half to three times. A
     * miscalibration (wrong divider, wrong PIT count) is off by more. */
    CHECK(ms >= expect / 2 && ms <= expect * 3,
          "%lu ticks took %lu ms by the TSC, expected ~%lu", want, ms, expect);
    pr_info("TEST timer: %lu ticks in %lu ms (TSC)\n", want, ms);
    return true;
}

/* Does 's' contain 'needle'? (The kernel's lib has no strstr.) */
static bool contains(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    for (; *s; s++)
        if (strncmp(s, needle, n) == 0)
            return true;
    return false;
}

/*
 * A guest state every CPU must refuse, reached only through the vendor-
 * neutral ops: enter long mode legally (CR4.PAE, EFER.LME, CR0.PG), then
 * give CS both L=1 and D/B=1, which Intel SDM Vol. 3C ("Checks on Guest
 * Segment Registers") and AMD APM Vol. 2 ("Canonicalization and
 * Consistency Checks") both forbid. The entry fails, and the backend
 * names the check; both names mention CS.L.
 */
static bool test_hvm_badstate(void)
{
    CHECK(hvm, "no hardware virtualization backend is active");
    struct domain *d = domain_create("badstate", 2ul << 20);
    CHECK(d, "could not create a domain");
    struct vcpu *v = domain_add_vcpu(d, HVM_START_PROTECTED32);
    CHECK(v, "could not create a vCPU");
    CHECK(p2m_copy_to_guest(d, 0x7c00, "\xf4", 1) == 0, "guest RAM");
    /* An empty PML4 at 0x1000 is enough: the entry fails first. */
    v->regs.rip = 0x7c00;
    CHECK(hvm->set_creg(v, CREG_CR3, 0x1000) == 0, "CR3 refused");
    CHECK(hvm->set_creg(v, CREG_CR4, CR4_PAE) == 0, "CR4.PAE refused");
    CHECK(hvm->set_creg(v, CREG_EFER, EFER_LME) == 0, "EFER.LME refused");
    CHECK(hvm->set_creg(v, CREG_CR0, CR0_PG | CR0_ET | CR0_PE) == 0,
          "CR0.PG refused");

    struct hvm_segment cs;
    hvm->get_seg(v, SEG_CS, &cs);
    cs.attr |= (1u << 13) | (1u << 14);         /* L and D/B */
    hvm->set_seg(v, SEG_CS, &cs);
    struct hvm_exit e = { .reason = HVM_EXIT_NONE };
    hvm->vcpu_run(v, &e);
    CHECK(e.reason == HVM_EXIT_ENTRY_FAILED, "the entry did not fail: exit "
          "'%s'", hvm_exit_name(e.reason));
    CHECK(e.fail.what && contains(e.fail.what, "CS.L"),
          "the failure was explained as '%s'", e.fail.what);
    domain_crash(d, "VM entry failed: %s (deliberately)", e.fail.what);
    return true;
}

/* Deliberate faults: they do not return. */
static __attribute__((noinline)) bool selftest_fault(void)
{
    pr_info("TEST fault: writing to unmapped address 0xdead000\n");
    *(volatile uint64_t *)0xdead000ul = 1;
    return false;
}

static __attribute__((noinline)) bool selftest_panic(void)
{
    panic("self-test panic, as asked by test=panic");
}

static const struct selftest {
    const char *name;
    bool (*fn)(void);
    bool in_all;            /* false: needs VT-x/SVM or ends the run */
} selftests[] = {
    { "frame",  test_frame,  true },
    { "paging", test_paging, true },
    { "heap",   test_heap,   true },
    { "timer",  test_timer,  true },
    { "hvm-badstate", test_hvm_badstate, false },
    { "fault",  selftest_fault, false },
    { "panic",  selftest_panic, false },
};

static bool run_one(const struct selftest *t)
{
    current_test = t->name;
    bool ok = t->fn();
    if (ok)
        pr_info("TEST %s: PASS\n", t->name);
    return ok;
}

void selftest_run(const struct cmdline_list *names)
{
    unsigned int passed = 0, failed = 0;

    if (names->count == 0)
        return;
    for (unsigned i = 0; i < names->count; i++) {
        bool all = strcmp(names->names[i], "all") == 0, found = all;
        for (size_t t = 0; t < ARRAY_SIZE(selftests); t++) {
            if ((all && selftests[t].in_all) ||
                strcmp(names->names[i], selftests[t].name) == 0) {
                found = true;
                run_one(&selftests[t]) ? passed++ : failed++;
            }
        }
        if (!found) {
            pr_err("TEST %s: FAIL: no such self-test (known: all frame "
                   "paging heap timer hvm-badstate fault panic)\n", names->names[i]);
            failed++;
        }
    }
    pr_info("TESTS DONE: %u passed, %u failed\n", passed, failed);
    machine_shutdown(failed ? SHUTDOWN_STATUS_FAIL : SHUTDOWN_STATUS_OK);
}
