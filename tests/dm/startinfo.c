/*
 * tests/dm/startinfo.c: what a ring-3 domain finds when it starts: the
 * start-info page (include/public/hypercall.h), its loaded image and its
 * stack, checked against what Tern says through TERN_HC_domain_info.
 *
 *   name=startinfo role=user
 *   name=startinfo role=dm target=GUEST     (also checks the targets)
 */
#include "check.h"

static uint8_t bss_pages[3 * 4096];            /* must start zero */
static volatile uint64_t data_word = 0x5445524e;    /* "TERN" */

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static void check_identity(const struct tern_start_info *si)
{
    struct tern_domain_info self;
    int rc = tern_domain_info(TERN_DOMID_SELF, &self);
    if (!check_rc("startinfo-domain-info", rc, 0))
        return;
    check(si->domid == self.domid, "startinfo-domid",
          "start-info says %u, domain_info %u", si->domid, self.domid);
    check(strncmp(si->name, self.name, TERN_DOMAIN_NAME_MAX) == 0,
          "startinfo-name", "start-info '%.*s', domain_info '%.*s'",
          TERN_DOMAIN_NAME_MAX, si->name, TERN_DOMAIN_NAME_MAX, self.name);

    bool same = si->nr_targets == self.nr_targets &&
                self.nr_targets <= TERN_MAX_TARGETS;
    for (unsigned int i = 0; same && i < self.nr_targets; i++)
        same = si->targets[i] == self.targets[i];
    check(same, "startinfo-targets", "start-info lists %u targets (first %u), "
          "domain_info %u (first %u)", si->nr_targets, si->targets[0],
          self.nr_targets, self.targets[0]);
}

int main(const struct tern_start_info *si)
{
    check(si == (const void *)TERN_START_INFO_VA && si->magic == TERN_START_MAGIC,
          "startinfo-magic", "at %p, magic %#lx", (const void *)si, si->magic);
    check(si->shared_info == TERN_SHARED_INFO_VA, "startinfo-shared-info",
          "shared_info %#lx", si->shared_info);
    /* The module line is there, NUL-terminated, with Tern's own words. */
    char role[8];
    size_t len = strnlen(si->cmdline, TERN_CMDLINE_MAX);
    check(len < TERN_CMDLINE_MAX &&
          cmdline_get(si->cmdline, "role", role, sizeof(role)),
          "startinfo-cmdline", "'%.*s' (%zu bytes)", TERN_CMDLINE_MAX,
          si->cmdline, len);
    check_identity(si);

    check(all_zero(bss_pages, sizeof(bss_pages)), "startinfo-bss-zero",
          ".bss is not zero");
    check(data_word == 0x5445524e, "startinfo-data", ".data word %#lx",
          (uint64_t)data_word);

    /* The whole stack is mapped and writable, down to its last byte. */
    volatile uint8_t *low = (volatile uint8_t *)(TERN_USER_STACK_TOP -
                                                 TERN_USER_STACK_SIZE);
    *low = 0xa5;
    check(*low == 0xa5, "startinfo-stack", "lowest stack byte reads %#x", *low);

    /* Tern's clock moves between our time slices. */
    uint64_t t0 = tern_time_ns();
    tern_sched_poll(1000 * 1000);
    uint64_t t1 = tern_time_ns();
    check(t0 != 0 && t1 > t0, "startinfo-time", "time_ns %lu then %lu", t0, t1);
    return check_done();
}
