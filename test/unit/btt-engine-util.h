/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the BTT engine tests: a fresh BTT in memory, and sector
 * contents that say which LBA and which version of it they are.
 */
#ifndef PMEMCTL_TEST_BTT_ENGINE_UTIL_H
#define PMEMCTL_TEST_BTT_ENGINE_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "btt.h"
#include "format.h"

#define MiB (1ULL << 20)

struct mem_btt {
	uint8_t *buf;
	uint64_t size;
	struct pmemctl_media *m;
};

/* A @size-byte memory media with a fresh v@major BTT of @lbasize. */
static inline int mem_btt_new(struct pmemctl_ctx *ctx, uint64_t size,
			      unsigned major, uint32_t lbasize,
			      struct mem_btt *mb)
{
	static const uint8_t uuid[16] = { 0x42, 7 };
	int rc;

	mb->size = size;
	mb->buf = calloc(1, size);
	if (!mb->buf)
		return -ENOMEM;
	rc = pmemctl_media_new_memory(ctx, mb->buf, size, true, &mb->m);
	if (rc)
		return rc;
	return btt_write_layout(ctx, mb->m, major, lbasize, uuid, NULL);
}

/* A 16 MiB BTT (past its start) for crash sweeps: its sector size, LBAs. */
static inline int mem_btt_sweep(struct pmemctl_ctx *ctx, unsigned major,
				uint32_t lbasize, struct mem_btt *mb,
				uint32_t *sector, uint64_t *nlba)
{
	struct pmemctl_btt *b;
	int rc = mem_btt_new(ctx, 16 * MiB + btt_start_offset(major), major,
			     lbasize, mb);

	rc = rc ?: pmemctl_btt_open(ctx, mb->m, NULL, 0, &b);
	if (rc)
		return rc;
	*sector = pmemctl_btt_get_sector_size(b);
	*nlba = pmemctl_btt_get_nlba(b);
	pmemctl_btt_close(b);
	return 0;
}

static inline void mem_btt_free(struct mem_btt *mb)
{
	pmemctl_media_close(mb->m);
	free(mb->buf);
}

/* Version @v of @lba: every byte depends on both (version 0: zeroes). */
static inline void sector_fill(uint8_t *p, size_t len, uint64_t lba,
			       unsigned v)
{
	uint64_t x = lba * 0x9E3779B97F4A7C15ULL + v * 0xBF58476D1CE4E5B9ULL;

	for (size_t i = 0; i < len; i += 8) {
		x ^= x >> 29;
		x *= 0x94D049BB133111EBULL;
		if (!v)
			x = 0;
		memcpy(p + i, &x, len - i < 8 ? len - i : 8);
	}
}

static inline bool sector_is(const uint8_t *p, size_t len, uint64_t lba,
			     unsigned v, uint8_t *tmp)
{
	sector_fill(tmp, len, lba, v);
	return memcmp(p, tmp, len) == 0;
}

/* check-btt finds nothing wrong (the findings as TAP comments if it does). */
static inline bool btt_check_clean(struct pmemctl_ctx *ctx,
				   struct pmemctl_media *m)
{
	struct pmemctl_btt_check_opts o = { .max_listed = 4 };
	struct pmemctl_btt_check_result *r = NULL;
	bool clean;

	if (pmemctl_btt_check(ctx, m, &o, &r))
		return false;
	clean = r->total == 0;
	for (unsigned i = 0; i < r->nfindings && !clean; i++)
		printf("# check-btt: %s: %s\n",
		       pmemctl_btt_finding_name(r->findings[i].kind),
		       r->findings[i].detail);
	pmemctl_btt_check_free(r);
	return clean;
}

#endif
