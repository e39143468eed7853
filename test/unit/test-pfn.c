// SPDX-License-Identifier: GPL-2.0-only
/*
 * PFN/DAX info blocks: the kernel's dataoff arithmetic against worked
 * values, and byte-for-byte against every PFN/DAX block the kernel wrote
 * in the fixtures (same inputs, the kernel's uuids copied in), through the
 * layout writer and through write-infoblock's public entry points, which
 * also refuse bad specs and existing data without writing.
 */
#include "fixture.h"
#include "label.h"
#include "pfnlayout.h"
#include "tap.h"

static void test_worked_values(struct tap *t)
{
	static const struct {
		uint64_t size;
		uint32_t mode;
		uint64_t dataoff, npfns;
	} rows[] = {	/* formats.md D.4, 2 MiB-aligned start */
		{ 1ULL << 30, PFN_MODE_PMEM, 0x1200000, 257536 },
		{ 1ULL << 30, PFN_MODE_RAM, 0x200000, 261632 },
		{ 16ULL << 30, PFN_MODE_PMEM, 0x10200000, 4128256 },
	};
	struct pfn_layout l;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		int rc = pfn_compute(0x100000000ULL, rows[i].size, rows[i].mode,
				     SZ_2M, &l);

		tap_ok(t, rc == 0 && l.dataoff == rows[i].dataoff &&
		       l.npfns == rows[i].npfns && l.end_trunc == 0,
		       "%llu MiB mode %u: dataoff %#llx npfns %llu",
		       (unsigned long long)(rows[i].size >> 20), rows[i].mode,
		       (unsigned long long)l.dataoff,
		       (unsigned long long)l.npfns);
	}
	tap_ok(t, pfn_compute(0x100001000ULL, 1ULL << 30, PFN_MODE_RAM, SZ_2M,
			      &l) == -EINVAL, "misaligned start refused");
	tap_ok(t, pfn_compute(0, SZ_2M, PFN_MODE_PMEM, SZ_2M, &l) == -ENOSPC,
	       "2 MiB namespace leaves no data: refused");
	tap_ok(t, pfn_compute(0, 1ULL << 30, 0, SZ_2M, &l) == -EINVAL,
	       "mode none refused");
}

/*
 * pmemctl_pfn_build() with the kernel block's inputs gives the fixture's
 * first 8 KiB of the namespace: zeroes, then the kernel's block.
 */
static bool public_build_matches(struct pmemctl_ctx *ctx,
				 struct pmemctl_media *file,
				 const struct pmemctl_label_info *li,
				 const struct nd_pfn_sb *theirs)
{
	uint8_t area[PMEMCTL_INFOBLOCK_AREA_SIZE], media[sizeof(area)];
	struct pmemctl_pfn_spec s = {
		.mode = memcmp(theirs->signature, DAX_SIG, 16) ?
			PMEMCTL_NS_MODE_FSDAX : PMEMCTL_NS_MODE_DEVDAX,
		.map = get_le32(&theirs->mode) == PFN_MODE_RAM ?
		       PMEMCTL_MAP_MEM : PMEMCTL_MAP_DEV,
		.size = li->rawsize,
		.align = get_le32(&theirs->align),
		.uuid = theirs->uuid,
		.parent_uuid = li->uuid,
	};

	return pmemctl_pfn_build(ctx, "fixture", &s, area) == 0 &&
	       pmemctl_media_read(file, li->dpa, media, sizeof(media)) == 0 &&
	       !memcmp(area, media, sizeof(area));
}

/* Recompute each PFN/DAX block of a fixture from its label's size. */
static void test_fixture(struct tap *t, struct pmemctl_ctx *ctx,
			 const char *name, unsigned expect)
{
	char *path = fixture_extract(name);
	struct pmemctl_media *file = NULL, *lsam = NULL;
	struct pmemctl_lsa *lsa = NULL;
	unsigned matched = 0, seen = 0;

	if (!tap_ok(t, path != NULL, "%s extracted", name))
		return;
	pmemctl_media_open_file(ctx, path, 0, FIXTURE_FILE_SIZE, 0, &file);
	pmemctl_media_new_slice(file, FIXTURE_LSA_OFFSET, FIXTURE_LSA_SIZE,
				&lsam);
	lsa_load(ctx, lsam, "nmem0", &lsa);
	for (unsigned n = 0; lsa && n < pmemctl_lsa_get_nlabels(lsa); n++) {
		struct pmemctl_label_info li;
		struct nd_pfn_sb theirs, ours;
		struct pfn_layout l;

		pmemctl_lsa_get_label(lsa, n, &li);
		pmemctl_media_read(file, li.dpa + PFN_INFO_OFFSET, &theirs,
				   sizeof(theirs));
		if (memcmp(theirs.signature, PFN_SIG, 16) &&
		    memcmp(theirs.signature, DAX_SIG, 16))
			continue;
		seen++;
		if (pfn_compute(0, li.rawsize, get_le32(&theirs.mode),
				get_le32(&theirs.align), &l))
			continue;
		pfn_fill_sb(&l, !memcmp(theirs.signature, DAX_SIG, 16),
			    get_le32(&theirs.mode), get_le32(&theirs.align),
			    theirs.uuid, li.uuid, &ours);
		matched += !memcmp(&ours, &theirs, sizeof(ours)) &&
			   public_build_matches(ctx, file, &li, &theirs);
	}
	tap_ok(t, seen == expect && matched == seen,
	       "%s: %u of %u kernel PFN/DAX blocks reproduced byte for byte",
	       name, matched, seen);
	pmemctl_lsa_free(lsa);
	pmemctl_media_close(lsam);
	pmemctl_media_close(file);
	unlink(path);
	free(path);
}

static uint64_t hash(const uint8_t *buf, size_t len)
{
	return pmemctl_fletcher64(buf, len, true);
}

/* Every refusal of pmemctl_media_write_pfn() leaves the media as it was. */
static void test_write_refusals(struct tap *t, struct pmemctl_ctx *ctx)
{
	static const uint8_t null_uuid[16];
	const size_t len = 64ULL << 20;
	uint8_t *buf = calloc(1, len);
	struct pmemctl_media *m = NULL;
	struct pmemctl_pfn_spec s = { .mode = PMEMCTL_NS_MODE_FSDAX };
	struct {
		const char *what;
		struct pmemctl_pfn_spec spec;
		int rc;
	} bad[] = {
		{ "raw mode", { .mode = PMEMCTL_NS_MODE_RAW }, -EINVAL },
		{ "sector mode", { .mode = PMEMCTL_NS_MODE_SECTOR }, -EINVAL },
		{ "align 8K", { .mode = PMEMCTL_NS_MODE_FSDAX, .align = 8192 },
		  -EINVAL },
		{ "align 1G without a physical start",
		  { .mode = PMEMCTL_NS_MODE_FSDAX, .align = 1ULL << 30 },
		  -EINVAL },
		{ "physical start not 2 MiB-aligned",
		  { .mode = PMEMCTL_NS_MODE_FSDAX, .has_phys_start = true,
		    .phys_start = 1ULL << 20 }, -EINVAL },
		{ "align 1G leaves no data",
		  { .mode = PMEMCTL_NS_MODE_DEVDAX, .align = 1ULL << 30,
		    .has_phys_start = true, .phys_start = 1ULL << 30 },
		  -ENOSPC },
		{ "size below 16 MiB", { .mode = PMEMCTL_NS_MODE_FSDAX,
		  .size = 8ULL << 20 }, -EINVAL },
		{ "size not 4K-aligned", { .mode = PMEMCTL_NS_MODE_FSDAX,
		  .size = (32ULL << 20) + 512 }, -EINVAL },
		{ "size beyond the media", { .mode = PMEMCTL_NS_MODE_FSDAX,
		  .size = 128ULL << 20 }, -EINVAL },
		{ "null uuid", { .mode = PMEMCTL_NS_MODE_FSDAX,
		  .uuid = null_uuid }, -EINVAL },
	};
	uint64_t before;

	if (!tap_ok(t, buf && pmemctl_media_new_memory(ctx, buf, len, true,
						       &m) == 0, "memory media"))
		return;
	/* a stray byte in the first 8 KiB: data that must not be lost */
	buf[100] = 0x5a;
	before = hash(buf, len);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int rc = pmemctl_media_write_pfn(m, &bad[i].spec);

		tap_ok(t, rc == bad[i].rc && hash(buf, len) == before,
		       "%s: refused (%d), nothing written", bad[i].what, rc);
	}
	tap_ok(t, pmemctl_media_write_pfn(m, &s) == -EBUSY &&
	       hash(buf, len) == before,
	       "data in the first 8 KiB: -EBUSY without force, unchanged");
	s.force = true;
	tap_ok(t, pmemctl_media_write_pfn(m, &s) == 0 &&
	       !memcmp(buf + 4096, PFN_SIG, 16) && buf[100] == 0,
	       "--force writes the area: zeroes, then the block at 4 KiB");
	s.force = false;
	s.mode = PMEMCTL_NS_MODE_DEVDAX;
	before = hash(buf, len);
	tap_ok(t, pmemctl_media_write_pfn(m, &s) == -EBUSY &&
	       hash(buf, len) == before,
	       "an existing PFN block: -EBUSY without force, unchanged");
	pmemctl_media_close(m);
	free(buf);
}

int main(void)
{
	struct pmemctl_ctx *ctx;
	struct tap t = { 0 };

	pmemctl_new(&ctx);
	test_worked_values(&t);
	test_fixture(&t, ctx, "ns-v1.1", 1);	/* fsdax map=mem */
	test_fixture(&t, ctx, "ns-v1.2", 2);	/* fsdax map=dev, devdax */
	test_write_refusals(&t, ctx);
	pmemctl_free(ctx);
	return tap_done(&t);
}
