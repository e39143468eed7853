// SPDX-License-Identifier: GPL-2.0-only
/*
 * Label storage area: geometry, index selection, init compared with the
 * bytes ndctl and the kernel wrote, the update protocol, and hostile
 * areas that must be rejected without reading out of bounds.
 */
#include <string.h>

#include "fixture.h"
#include "label.h"
#include "tap.h"

static void test_geometry(struct tap *t)
{
	static const struct {
		uint64_t size;
		unsigned lsz, nslot, isz;
	} rows[] = {	/* formats.md B.1 worked values */
		{ 1024, 256, 2, 256 },
		{ 128 << 10, 128, 1020, 256 },
		{ 128 << 10, 256, 510, 256 },
		{ 256 << 10, 128, 2040, 512 },
		{ 256 << 10, 256, 1022, 256 },
		{ 512 << 10, 256, 2044, 512 },
	};
	struct lsa_geometry g;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		bool ok = lsa_compute_geometry(rows[i].size, rows[i].lsz, &g);

		tap_ok(t, ok && g.nslot == rows[i].nslot && g.isz == rows[i].isz,
		       "geometry %llu/%u: nslot %u isz %u",
		       (unsigned long long)rows[i].size, rows[i].lsz,
		       ok ? g.nslot : 0, ok ? g.isz : 0);
	}
	tap_ok(t, !lsa_compute_geometry(1023, 256, &g), "1023 bytes too small");
}

static struct pmemctl_media *mem_media(struct pmemctl_ctx *ctx, void *buf,
				       size_t len)
{
	struct pmemctl_media *m;

	return pmemctl_media_new_memory(ctx, buf, len, true, &m) ? NULL : m;
}

/* Our init must produce the index blocks ndctl init-labels wrote, except
 * that (like the kernel) we clear free-bitmap bits beyond nslot. */
static void test_init_matches_ndctl(struct tap *t, struct pmemctl_ctx *ctx,
				    const char *name,
				    enum pmemctl_label_version v)
{
	uint8_t *ours = calloc(1, FIXTURE_LSA_SIZE);
	uint8_t *theirs = calloc(1, FIXTURE_LSA_SIZE);
	struct pmemctl_media *fm = NULL, *mm = mem_media(ctx, ours,
							   FIXTURE_LSA_SIZE);
	char *path = fixture_extract(name);
	struct lsa_geometry g;
	unsigned lsz = v == PMEMCTL_LABEL_V1_2 ? 256 : 128, diff = 0;

	if (!tap_ok(t, path != NULL, "%s extracted", name))
		return;
	pmemctl_media_open_file(ctx, path, FIXTURE_LSA_OFFSET,
				FIXTURE_LSA_SIZE, 0, &fm);
	pmemctl_media_read(fm, 0, theirs, FIXTURE_LSA_SIZE);
	tap_ok(t, lsa_init(ctx, mm, "mem", v) == 0, "%s: init", name);
	lsa_compute_geometry(FIXTURE_LSA_SIZE, lsz, &g);
	for (int i = 0; i < 2; i++) {
		uint8_t *a = ours + i * g.isz, *b = theirs + i * g.isz;

		tap_ok(t, memcmp(a, b, 64) == 0,
		       "%s: index %d header equals ndctl's", name, i);
		for (unsigned s = 0; s < g.nslot; s++)
			diff += lsa_bit_test(a + 72, s) != lsa_bit_test(b + 72, s);
	}
	tap_ok(t, diff == 0, "%s: free bitmaps agree on all %u slots", name,
	       g.nslot);
	pmemctl_media_close(fm);
	pmemctl_media_close(mm);
	unlink(path);
	free(path);
	free(ours);
	free(theirs);
}

/* The kernel-written index in a namespace fixture: labels decode as the
 * guest reported (ns-v1.1: 4 namespaces, "rawns" first at dpa 0). */
static void test_kernel_labels(struct tap *t, struct pmemctl_ctx *ctx)
{
	char *path = fixture_extract("ns-v1.1");
	struct pmemctl_media *fm = NULL;
	struct pmemctl_lsa *lsa = NULL;
	struct pmemctl_label_info l;
	bool found = false;

	if (!tap_ok(t, path != NULL, "ns-v1.1 extracted"))
		return;
	pmemctl_media_open_file(ctx, path, FIXTURE_LSA_OFFSET,
				FIXTURE_LSA_SIZE, 0, &fm);
	tap_ok(t, lsa_load(ctx, fm, "nmem0", &lsa) == 0, "kernel LSA loads");
	if (lsa) {
		tap_eq_u64(t, pmemctl_lsa_get_version(lsa), PMEMCTL_LABEL_V1_1,
			   "version v1.1");
		tap_eq_u64(t, pmemctl_lsa_get_nlabels(lsa), 4, "4 active labels");
		for (unsigned n = 0; n < pmemctl_lsa_get_nlabels(lsa); n++) {
			pmemctl_lsa_get_label(lsa, n, &l);
			if (!strcmp(l.name, "rawns"))
				found = l.dpa == 0 && l.rawsize == (32 << 20) &&
					l.isetcookie == 0x002468AC00123456ULL &&
					l.nlabel == 1 && l.position == 0;
		}
		tap_ok(t, found, "label 'rawns' at dpa 0, 32 MiB, cookie1");
	}
	pmemctl_lsa_free(lsa);
	pmemctl_media_close(fm);
	unlink(path);
	free(path);
}

/* Stage, commit: the other index becomes current with seq+1. */
static void test_update(struct tap *t, struct pmemctl_ctx *ctx)
{
	uint8_t *area = calloc(1, FIXTURE_LSA_SIZE);
	struct pmemctl_media *m = mem_media(ctx, area, FIXTURE_LSA_SIZE);
	struct nd_namespace_label label = { .uuid = { 1, 2, 3 } };
	struct pmemctl_lsa *lsa = NULL, *again = NULL;
	unsigned slot = 99;

	lsa_init(ctx, m, "mem", PMEMCTL_LABEL_V1_2);
	lsa_load(ctx, m, "mem", &lsa);
	tap_eq_u64(t, lsa->cur, 0, "fresh area: index 0 current (seq 3)");
	tap_ok(t, lsa_stage_label(lsa, &label, &slot) == 0 && slot == 0,
	       "label staged in slot 0");
	tap_ok(t, lsa_commit(lsa) == 0, "commit");
	tap_ok(t, lsa_load(ctx, m, "mem", &again) == 0 && again->cur == 1 &&
	       (again->index[1].seq & 3) == 1, "index 1 now current, seq 3->1");
	tap_eq_u64(t, again ? pmemctl_lsa_get_nlabels(again) : 0, 1,
		   "one active label after reload");
	pmemctl_lsa_free(again);
	again = NULL;
	lsa_stage_free(lsa, slot);
	lsa_commit(lsa);
	lsa_load(ctx, m, "mem", &again);
	tap_ok(t, again && again->cur == 0 && pmemctl_lsa_get_nlabels(again) == 0,
	       "freeing and committing again: index 0 current, no labels");
	pmemctl_lsa_free(again);
	pmemctl_lsa_free(lsa);
	pmemctl_media_close(m);
	free(area);
}

/* Give both index blocks (@isz bytes each) of @area a valid checksum. */
static void checksum_indexes(uint8_t *area, size_t isz)
{
	for (int i = 0; i < 2; i++) {
		struct nd_namespace_index *idx =
			(struct nd_namespace_index *)(area + i * isz);

		put_le64(&idx->checksum,
			 fletcher64_skip(idx, isz,
					 offsetof(struct nd_namespace_index,
						  checksum), 8));
	}
}

/* Hostile areas: random corruption of a valid area never crashes and a
 * corrupted index is either rejected or still self-consistent.  Every
 * fourth area has its index checksums made valid again after the damage,
 * so that damaged fields reach validation, not just the checksum test. */
static void test_hostile(struct tap *t, struct pmemctl_ctx *ctx)
{
	uint8_t *area = calloc(1, FIXTURE_LSA_SIZE);
	struct pmemctl_media *m = mem_media(ctx, area, FIXTURE_LSA_SIZE);
	unsigned loaded = 0, rejected = 0, insane = 0;
	uint64_t seed = 42;

	pmemctl_set_log_priority(ctx, 0);
	for (int iter = 0; iter < 3000; iter++) {
		struct pmemctl_lsa *lsa = NULL;

		size_t isz;

		lsa_init(ctx, m, "mem", iter & 1 ? PMEMCTL_LABEL_V1_2
						 : PMEMCTL_LABEL_V1_1);
		isz = get_le64(&((struct nd_namespace_index *)area)->mysize);
		for (int k = 0; k < 1 + iter % 8; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			area[(seed >> 33) % 1024] ^= (uint8_t)(seed >> 17);
		}
		if (iter % 4 == 3)
			checksum_indexes(area, isz);
		if (lsa_load(ctx, m, "mem", &lsa) == 0) {
			unsigned nslot = pmemctl_lsa_get_nslot(lsa);

			loaded++;
			/* slots within the area, labels only in used slots */
			insane += nslot > FIXTURE_LSA_SIZE / 128 ||
				  pmemctl_lsa_get_nfree(lsa) > nslot ||
				  pmemctl_lsa_get_nlabels(lsa) +
				  pmemctl_lsa_get_nfree(lsa) > nslot;
		} else {
			rejected++;
		}
		pmemctl_lsa_free(lsa);
	}
	tap_ok(t, loaded > 0 && rejected > 0 && insane == 0,
	       "3000 corrupted areas: %u loaded, %u rejected, no crash, %u loaded inconsistent",
	       loaded, rejected, insane);
	pmemctl_media_close(m);
	free(area);
}

int main(void)
{
	struct pmemctl_ctx *ctx;
	struct tap t = { 0 };

	pmemctl_new(&ctx);
	test_geometry(&t);
	test_init_matches_ndctl(&t, ctx, "lsa-v1.1", PMEMCTL_LABEL_V1_1);
	test_init_matches_ndctl(&t, ctx, "lsa-v1.2", PMEMCTL_LABEL_V1_2);
	test_kernel_labels(&t, ctx);
	test_update(&t, ctx);
	test_hostile(&t, ctx);
	pmemctl_free(ctx);
	return tap_done(&t);
}
