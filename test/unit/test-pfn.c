// SPDX-License-Identifier: GPL-2.0-only
/*
 * PFN/DAX info blocks: the kernel's dataoff arithmetic against worked
 * values, and byte-for-byte against every PFN/DAX block the kernel wrote
 * in the fixtures (same inputs, the kernel's uuids copied in).
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
		matched += !memcmp(&ours, &theirs, sizeof(ours));
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

int main(void)
{
	struct pmemctl_ctx *ctx;
	struct tap t = { 0 };

	pmemctl_new(&ctx);
	test_worked_values(&t);
	test_fixture(&t, ctx, "ns-v1.1", 1);	/* fsdax map=mem */
	test_fixture(&t, ctx, "ns-v1.2", 2);	/* fsdax map=dev, devdax */
	pmemctl_free(ctx);
	return tap_done(&t);
}
