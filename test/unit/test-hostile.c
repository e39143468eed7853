// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile images through the whole stack: a platform with namespaces in
 * every mode on v1.1 and v1.2 labels has its label areas and info blocks
 * corrupted at random, then is opened, scanned and walked like `list`.
 * Nothing may crash or read out of bounds (run under ASan by
 * scripts/test.sh), and what is reported must stay within the media.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libpmemctl.h"
#include "tap.h"

#define MIB (1ULL << 20)
#define DIMM_SIZE (128 * MIB)
#define LSA_SIZE (128 * 1024ULL)
/* ASan: ~30x slower per run; 6000 runs are ~60 s on a loaded 2-core machine */
#ifdef TAP_ASAN
#define ITERATIONS 6000
#else
#define ITERATIONS 20000
#endif

struct target {
	char path[4096];
	uint64_t off, len;
	uint8_t *saved;
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int make_platform(const char *dir)
{
	struct pmemctl_platform_spec spec = {
		.ndimms = 2, .dimm_size = DIMM_SIZE, .label_size = LSA_SIZE,
	};
	static const struct {
		enum pmemctl_ns_mode mode;
		enum pmemctl_pfn_map map;
		uint32_t ss;
		uint64_t size;
	} ns[] = {
		{ PMEMCTL_NS_MODE_SECTOR, PMEMCTL_MAP_NONE, 4096, 32 * MIB },
		{ PMEMCTL_NS_MODE_SECTOR, PMEMCTL_MAP_NONE, 520, 32 * MIB },
		{ PMEMCTL_NS_MODE_FSDAX, PMEMCTL_MAP_DEV, 0, 32 * MIB },
		{ PMEMCTL_NS_MODE_DEVDAX, PMEMCTL_MAP_MEM, 0, 16 * MIB },
		
	};
	struct pmemctl_ctx *ctx;
	struct pmemctl_bus *bus;
	struct pmemctl_region *r;
	struct pmemctl_dimm *d;
	int rc;

	pmemctl_new(&ctx);
	rc = pmemctl_platform_create(ctx, dir, &spec);
	rc = rc ?: pmemctl_bus_open_image(ctx, dir, true, &bus);
	if (rc)
		return rc;
	d = pmemctl_dimm_get_first(bus);
	pmemctl_dimm_init_labels(d, PMEMCTL_LABEL_V1_2, false);
	pmemctl_dimm_init_labels(pmemctl_dimm_get_next(d), PMEMCTL_LABEL_V1_1,
				 false);
	pmemctl_region_foreach(bus, r)
		for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
			struct pmemctl_ns_spec s = {
				.mode = ns[i].mode, .map = ns[i].map,
				.sector_size = ns[i].ss, .size = ns[i].size,
			};

			rc |= pmemctl_region_create_namespace(r, &s, NULL);
		}
	pmemctl_bus_close(bus);
	pmemctl_free(ctx);
	return rc;
}

/* Label areas, and each namespace's head and BTT metadata tail. */
static unsigned collect_targets(const char *dir, struct target *t,
				unsigned max)
{
	static const uint64_t sizes[] = { 32, 32, 32, 16 };
	uint64_t file = DIMM_SIZE + 2 * MIB, start;
	unsigned n = 0;

	for (int d = 0; d < 2; d++) {
		snprintf(t[n].path, sizeof(t[n].path), "%s/nmem%d.img", dir, d);
		t[n].off = file - LSA_SIZE;
		t[n++].len = LSA_SIZE;
		start = 0;
		for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
			uint64_t sz = sizes[i];

			if (n + 2 > max)
				break;
			snprintf(t[n].path, sizeof(t[n].path), "%s/nmem%d.img",
				 dir, d);
			t[n].off = start * MIB;
			t[n++].len = 12288;
			/* map tail, flog and info2 of the (single) arena */
			snprintf(t[n].path, sizeof(t[n].path), "%s/nmem%d.img",
				 dir, d);
			t[n].off = (start + sz) * MIB - 64 * 1024;
			t[n++].len = 64 * 1024;
			start += sz;
		}
	}
	return n;
}

static int io(const struct target *t, uint8_t *buf, bool write)
{
	int fd = open(t->path, O_RDWR);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write ? pwrite(fd, buf, t->len, (off_t)t->off)
		  : pread(fd, buf, t->len, (off_t)t->off);
	close(fd);
	return n == (ssize_t)t->len ? 0 : -1;
}

static void corrupt(uint8_t *buf, size_t len, uint64_t *seed)
{
	static const uint32_t interesting[] = {
		0, 1, 2, 3, 0x7f, 0xff, 0x1000, 0x40000000, 0x80000000,
		0xC0000000, 0xffffffff,
	};
	unsigned k = 1 + rnd(seed) % 12;

	while (k--) {
		size_t at = rnd(seed) % len;

		switch (rnd(seed) % 3) {
		case 0:
			buf[at] ^= (uint8_t)(1u << (rnd(seed) % 8));
			break;
		case 1:
			buf[at] = (uint8_t)rnd(seed);
			break;
		default: {
			uint32_t v = interesting[rnd(seed) % 11];

			if (at + 4 <= len)
				memcpy(buf + (at & ~(size_t)3), &v, 4);
		}
		}
	}
}

/* Walk everything `list` walks; check what it reports stays in bounds. */
static bool walk(struct pmemctl_bus *bus)
{
	struct pmemctl_namespace *ns;
	struct pmemctl_region *r;
	bool sane = true;

	pmemctl_region_foreach(bus, r) {
		uint64_t size = pmemctl_region_get_size(r);

		sane &= pmemctl_region_get_available_size(r) <= size;
		sane &= pmemctl_region_get_max_available_extent(r) <= size;
		pmemctl_region_get_iset_cookie(r);
		pmemctl_namespace_foreach(r, ns) {
			struct pmemctl_media *m = NULL;
			struct pmemctl_btt_info b;
			struct pmemctl_pfn_info f;
			uint8_t uu[16];

			sane &= pmemctl_namespace_get_raw_size(ns) <= size;
			sane &= pmemctl_namespace_get_size(ns) <=
				pmemctl_namespace_get_raw_size(ns);
			pmemctl_namespace_get_claim_uuid(ns, uu);
			pmemctl_namespace_in_use(ns);
			if (pmemctl_namespace_open_media(ns, &m) == 0) {
				pmemctl_media_get_btt_info(m, 0, &b);
				pmemctl_media_get_btt_info(m, 4096, &b);
				pmemctl_media_get_pfn_info(m, &f);
				pmemctl_media_close(m);
			}
		}
	}
	return sane;
}

int main(void)
{
	char dir[] = "/tmp/pmemctl-hostile-XXXXXX";
	struct target t[32];
	struct pmemctl_ctx *ctx;
	unsigned n, opened = 0, insane = 0;
	uint64_t seed = 0x9E3779B97F4A7C15ULL;
	struct tap tp = { 0 };
	char cmd[4200];

	if (!mkdtemp(dir) || rmdir(dir))
		return 1;
	if (!tap_ok(&tp, make_platform(dir) == 0,
		    "platform with every mode on v1.1 and v1.2 labels"))
		return tap_done(&tp);
	n = collect_targets(dir, t, 32);
	for (unsigned i = 0; i < n; i++) {
		t[i].saved = malloc(t[i].len);
		io(&t[i], t[i].saved, false);
	}
	pmemctl_new(&ctx);
	pmemctl_set_log_priority(ctx, 0);
	for (int iter = 0; iter < ITERATIONS; iter++) {
		struct target *x = &t[rnd(&seed) % n];
		uint8_t *buf = malloc(x->len);
		struct pmemctl_bus *bus;

		memcpy(buf, x->saved, x->len);
		corrupt(buf, x->len, &seed);
		io(x, buf, true);
		if (pmemctl_bus_open_image(ctx, dir, false, &bus) == 0) {
			opened++;
			insane += !walk(bus);
			pmemctl_bus_close(bus);
		}
		io(x, x->saved, true);
		free(buf);
	}
	tap_ok(&tp, opened > 0, "%d corrupted platforms scanned (%u opened)",
	       ITERATIONS, opened);
	tap_ok(&tp, insane == 0, "reported sizes stay within the media (%u not)",
	       insane);
	pmemctl_free(ctx);
	for (unsigned i = 0; i < n; i++)
		free(t[i].saved);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done(&tp);
}
