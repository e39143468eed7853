// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test helper (not installed): BTT engine writes on a sector namespace of
 * an image platform with the power cut part-way, the cut state left in
 * the DIMM image files (test/vm/scenarios/btt-crash-kernel.sh).
 *
 *   btt-cut PLATFORM NAMESPACE WRITES BUDGET drop|keep [tear]
 *
 * Writes WRITES sectors (LBAs 0..15 again and again, each version a
 * pattern of its LBA and write number) through the media's power-cut
 * wrapper: after BUDGET operations (writes, zeroes, persists) the power
 * is gone.  drop: what was not persisted by then is put back as it was
 * (the image holds only what a real power cut would have kept); keep:
 * everything written before the cut stays.  tear: the write at the cut
 * lands half (8-byte aligned).  Prints where the cut fell:
 *   "cut in write I (LBA L)" or "no cut".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btt.h"

static int usage(void)
{
	fprintf(stderr, "usage: btt-cut PLATFORM NAMESPACE WRITES BUDGET drop|keep [tear]\n");
	return 2;
}

static void fill(uint8_t *p, uint32_t len, uint64_t lba, unsigned i)
{
	for (uint32_t j = 0; j < len; j++)
		p[j] = (uint8_t)(lba * 31 + i * 7 + j / 8 + (j % 8) * 13);
}

/* The writes through @m until the cut; what happened, on stdout. */
static int writes(struct pmemctl_ctx *ctx, struct pmemctl_media *m,
		  struct media_fault *f, unsigned n)
{
	struct pmemctl_btt *b;
	uint8_t *buf;
	int rc;

	rc = pmemctl_btt_open(ctx, m, NULL, PMEMCTL_MEDIA_WRITE, &b);
	if (rc) {
		fprintf(stderr, "btt open: %s\n", strerror(-rc));
		return 1;
	}
	buf = malloc(pmemctl_btt_get_sector_size(b));
	for (unsigned i = 0; buf && i < n && !f->cut; i++) {
		uint64_t lba = (i * 7) % 16;

		fill(buf, pmemctl_btt_get_sector_size(b), lba, i);
		rc = pmemctl_btt_write(b, lba, buf);
		if (f->cut)
			printf("cut in write %u (LBA %llu)\n", i,
			       (unsigned long long)lba);
		else if (rc)
			fprintf(stderr, "write %u: %s\n", i, strerror(-rc));
	}
	if (!f->cut)
		printf("no cut\n");
	pmemctl_btt_close(b);
	free(buf);
	return buf && (f->cut || !rc) ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct media_fault f = { 0 };
	struct pmemctl_media *m = NULL, *fm = NULL;
	struct pmemctl_namespace *ns;
	struct pmemctl_bus *bus = NULL;
	struct pmemctl_ctx *ctx;
	int rc = 1;

	if (argc < 6 || argc > 7 || (strcmp(argv[5], "drop") &&
				     strcmp(argv[5], "keep")) ||
	    (argc == 7 && strcmp(argv[6], "tear")))
		return usage();
	f.budget = strtoull(argv[4], NULL, 0);
	f.drop = !strcmp(argv[5], "drop");
	f.tear = argc == 7;
	if (pmemctl_new(&ctx))
		return 1;
	if (pmemctl_bus_open_image(ctx, argv[1], true, &bus))
		goto out;
	if (pmemctl_bus_find_namespace(bus, argv[2], &ns)) {
		fprintf(stderr, "%s: no such namespace\n", argv[2]);
		goto out;
	}
	if (pmemctl_namespace_open_media(ns, &m) ||
	    media_new_faulty(m, &f, &fm))
		goto out;
	rc = writes(ctx, fm, &f, (unsigned)strtoul(argv[3], NULL, 0));
	/* drop: the cut put back what was not persisted; the rest stays */
	media_fault_release(&f);
	if (!rc && (f.error || pmemctl_media_flush(m)))
		rc = 1;
out:
	pmemctl_media_close(fm);
	pmemctl_media_close(m);
	pmemctl_bus_close(bus);
	pmemctl_free(ctx);
	return rc;
}
