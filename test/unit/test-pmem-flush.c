// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cache-flush persistence (pmem-flush.c, media-map.c): the choice of
 * flush from CPUID bits, CPUID against /proc/cpuinfo, and, forced one by
 * one with PMEMCTL_PMEM_FLUSH, each of CLWB, CLFLUSHOPT and CLFLUSH
 * flushing a persistent mapping whose bytes then read back through the
 * file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "media-int.h"
#include "tap.h"

static void test_pick(struct tap *t)
{
	static const struct {
		struct pmem_cpu cpu;
		const char *force;
		int rc;
		enum pmem_flush want;
	} c[] = {
		{ { true, true, true }, NULL, 0, PMEM_FLUSH_CLWB },
		{ { true, true, true }, "", 0, PMEM_FLUSH_CLWB },
		{ { true, true, false }, NULL, 0, PMEM_FLUSH_CLFLUSHOPT },
		{ { true, false, false }, NULL, 0, PMEM_FLUSH_CLFLUSH },
		{ { false, false, true }, NULL, 0, PMEM_FLUSH_CLWB },
		{ { false, false, false }, NULL, -EOPNOTSUPP, PMEM_FLUSH_NONE },
		{ { true, true, true }, "clflush", 0, PMEM_FLUSH_CLFLUSH },
		{ { true, true, true }, "clflushopt", 0, PMEM_FLUSH_CLFLUSHOPT },
		{ { true, true, false }, "clwb", -EOPNOTSUPP, PMEM_FLUSH_NONE },
		{ { true, true, true }, "sfence", -EINVAL, PMEM_FLUSH_NONE },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
		enum pmem_flush f;
		int rc = pmem_flush_pick(&c[i].cpu, c[i].force, &f);

		tap_ok(t, rc == c[i].rc && f == c[i].want,
		       "cpu clflush=%d clflushopt=%d clwb=%d, forced %s: %s (%d)",
		       c[i].cpu.clflush, c[i].cpu.clflushopt, c[i].cpu.clwb,
		       c[i].force ? c[i].force : "(none)",
		       pmem_flush_name(f), rc);
	}
}

/* Is @word among the "flags" of /proc/cpuinfo? -1: cannot tell. */
static int cpuinfo_has(const char *word)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[8192];
	int has = -1;

	while (f && has < 0 && fgets(line, sizeof(line), f)) {
		char *tok, *save;

		if (strncmp(line, "flags", 5))
			continue;
		has = 0;
		for (tok = strtok_r(line, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			has |= !strcmp(tok, word);
	}
	if (f)
		fclose(f);
	return has;
}

static void test_probe(struct tap *t, struct pmem_cpu *cpu)
{
	int clwb = cpuinfo_has("clwb"), opt = cpuinfo_has("clflushopt");
	int cl = cpuinfo_has("clflush");

	pmem_cpu_probe(cpu);
	if (clwb < 0) {
		tap_ok(t, true, "# SKIP no flags in /proc/cpuinfo");
		return;
	}
	tap_ok(t, cpu->clwb == clwb && cpu->clflushopt == opt &&
	       cpu->clflush == cl,
	       "CPUID agrees with /proc/cpuinfo: clwb %d, clflushopt %d, clflush %d",
	       cpu->clwb, cpu->clflushopt, cpu->clflush);
}

/* Write through a persistent mapping flushed with @name; read the file. */
static void test_forced(struct tap *t, struct pmemctl_ctx *ctx,
			const struct pmem_cpu *cpu, enum pmem_flush want)
{
	const char *name = pmem_flush_name(want);
	char path[] = "/tmp/pmemctl-pmem-flush-XXXXXX";
	uint8_t buf[3000], back[3000];
	struct pmemctl_media *m = NULL;
	enum pmem_flush f;
	int fd = mkstemp(path), rc = -1;

	if (pmem_flush_pick(cpu, name, &f)) {
		tap_ok(t, true, "# SKIP the CPU has no %s", name);
		goto out;
	}
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + want);
	setenv(PMEM_FLUSH_ENV, name, 1);
	if (fd >= 0 && !ftruncate(fd, 1 << 16) &&
	    !pmemctl_media_map_file(ctx, path, 0, PMEMCTL_MEDIA_WRITE |
				    PMEMCTL_MEDIA_PERSISTENT_MAPPING, &m)) {
		rc = pmemctl_media_write(m, 1000, buf, sizeof(buf));
		rc = rc ?: pmemctl_media_persist(m, 1000, sizeof(buf));
		rc = rc ?: pread(fd, back, sizeof(back), 1000) == sizeof(back) ?
		     0 : -EIO;
	}
	tap_ok(t, !rc && m->flush == want && !memcmp(buf, back, sizeof(buf)),
	       "%s=%s: a persistent mapping picks %s, and writes and persists through it without fault (the file holds what was written)",
	       PMEM_FLUSH_ENV, name, m ? pmem_flush_name(m->flush) : "?");
out:
	unsetenv(PMEM_FLUSH_ENV);
	pmemctl_media_close(m);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
}

/* An unknown name, and no persistent flag: msync, no cache flush. */
static void test_modes(struct tap *t, struct pmemctl_ctx *ctx)
{
	char path[] = "/tmp/pmemctl-pmem-flush-XXXXXX";
	struct pmemctl_media *m = NULL;
	int fd = mkstemp(path), prio = pmemctl_get_log_priority(ctx), rc;

	if (fd < 0 || ftruncate(fd, 1 << 16)) {
		tap_ok(t, false, "a file to map");
		return;
	}
	pmemctl_set_log_priority(ctx, 0);
	setenv(PMEM_FLUSH_ENV, "sfence", 1);
	rc = pmemctl_media_map_file(ctx, path, 0, PMEMCTL_MEDIA_WRITE |
				    PMEMCTL_MEDIA_PERSISTENT_MAPPING, &m);
	tap_ok(t, rc == -EINVAL && !m,
	       "%s=sfence: refused (%d)", PMEM_FLUSH_ENV, rc);
	pmemctl_media_close(m);
	m = NULL;
	rc = pmemctl_media_map_file(ctx, path, 0, PMEMCTL_MEDIA_WRITE, &m);
	unsetenv(PMEM_FLUSH_ENV);
	pmemctl_set_log_priority(ctx, prio);
	rc = rc ?: pmemctl_media_write(m, 10, "x", 1);
	rc = rc ?: pmemctl_media_persist(m, 10, 1);
	tap_ok(t, !rc && m && m->flush == PMEM_FLUSH_NONE,
	       "no persistent flag: persist is msync, no cache flush (%d)", rc);
	pmemctl_media_close(m);
	close(fd);
	unlink(path);
}

int main(void)
{
	struct pmemctl_ctx *ctx;
	struct tap t = { 0 };
	struct pmem_cpu cpu;

	if (pmemctl_new(&ctx))
		return 1;
	test_pick(&t);
	test_probe(&t, &cpu);
	test_forced(&t, ctx, &cpu, PMEM_FLUSH_CLWB);
	test_forced(&t, ctx, &cpu, PMEM_FLUSH_CLFLUSHOPT);
	test_forced(&t, ctx, &cpu, PMEM_FLUSH_CLFLUSH);
	test_modes(&t, ctx);
	pmemctl_free(ctx);
	return tap_done(&t);
}
