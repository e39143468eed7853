// SPDX-License-Identifier: LGPL-2.1-only
/*
 * The fresh-layout writer.  The layout comes from the BTT core's math
 * (btt-core.c) and the write order follows the kernel's
 * btt_arena_write_layout() (formats.md C.6), so that what is written here
 * is byte-identical to what the kernel writes.
 */
#include "btt.h"

/*
 * btt_log_init(): zero the flog, then slot 0 of every lane (its old and
 * new map carrying @flags: libpmemblk's set the zero flag).
 */
static int write_log(struct pmemctl_media *m, uint64_t logoff,
		     const struct btt_arena_layout *a, uint32_t flags)
{
	/* 16 KiB on the stack: laying out a BTT never allocates */
	struct btt_log_group log[BTT_NFREE];

	memset(log, 0, sizeof(log));
	for (uint32_t i = 0; i < BTT_NFREE; i++) {
		struct btt_log_entry *e = &log[i].ent[0];

		put_le32(&e->lba, i);
		put_le32(&e->old_map, (a->external_nlba + i) | flags);
		put_le32(&e->new_map, (a->external_nlba + i) | flags);
		put_le32(&e->seq, BTT_LOG_SEQ_INIT);
	}
	/* [logoff, info2off) is exactly BTT_LOG_SIZE, all of it written */
	return pmemctl_media_write(m, logoff, log, BTT_LOG_SIZE);
}

static int write_arena(struct pmemctl_media *m, uint64_t base,
		       const struct btt_arena_layout *a,
		       const struct btt_sb *sb, uint32_t log_flags)
{
	uint64_t start = base + a->offset;
	int rc;

	rc = pmemctl_media_zero(m, start + a->mapoff, a->logoff - a->mapoff);
	if (!rc)
		rc = write_log(m, start + a->logoff, a, log_flags);
	if (!rc)
		rc = pmemctl_media_flush(m);
	/* backup first: a crash before the primary leaves no valid BTT */
	if (!rc)
		rc = pmemctl_media_write(m, start + a->info2off, sb,
					 sizeof(*sb));
	if (!rc)
		rc = pmemctl_media_flush(m);
	if (!rc)
		rc = pmemctl_media_write(m, start, sb, sizeof(*sb));
	if (!rc)
		rc = pmemctl_media_flush(m);
	return rc;
}

int btt_write_layout(struct pmemctl_ctx *ctx, struct pmemctl_media *ns,
		     unsigned major, uint32_t lbasize, const uint8_t uuid[16],
		     const uint8_t parent_uuid[16])
{
	return btt_write_layout_flags(ctx, ns, major, lbasize, uuid,
				      parent_uuid, 0);
}

/*
 * Arena @i for @lbasize on @ns: the kernel's geometry, or on a libpmemblk
 * pool's view libpmemblk's (any block size, its internal rounding).
 */
static bool arena_on(struct pmemctl_media *ns, uint64_t rawsize,
		     uint32_t lbasize, unsigned i, struct btt_arena_layout *a)
{
	if (media_is_pmemblk(ns))
		return btt_layout_arena_ilb(rawsize,
					    btt_pmemblk_internal_lbasize(lbasize),
					    i, a);
	return btt_layout_arena(rawsize, lbasize, i, a);
}

int btt_write_layout_flags(struct pmemctl_ctx *ctx, struct pmemctl_media *ns,
			   unsigned major, uint32_t lbasize,
			   const uint8_t uuid[16],
			   const uint8_t parent_uuid[16], uint32_t log_flags)
{
	uint64_t size = pmemctl_media_size(ns), base;
	struct btt_arena_layout a;
	int rc = 0;

	if (major != 1 && major != 2) {
		err(ctx, "%s: BTT version %u.x does not exist (use 1 or 2)",
		    pmemctl_media_name(ns), major);
		return -EINVAL;
	}
	base = btt_start_offset(major);
	if (!media_is_pmemblk(ns) ? !btt_lbasize_supported(lbasize) : !lbasize) {
		err(ctx, "%s: BTT sector size %u is not supported",
		    pmemctl_media_name(ns), lbasize);
		return -EINVAL;
	}
	if (size <= base || !arena_on(ns, size - base, lbasize, 0, &a)) {
		if (media_is_pmemblk(ns))
			err(ctx, "%s: %llu bytes is too small for a BTT of %u-byte blocks (16 MiB and 512 blocks per arena minimum)",
			    pmemctl_media_name(ns), (unsigned long long)size,
			    lbasize);
		else
			err(ctx, "%s: %llu bytes is too small for a BTT (16 MiB raw minimum)",
			    pmemctl_media_name(ns), (unsigned long long)size);
		return -EINVAL;
	}
	for (unsigned i = 0;
	     !rc && arena_on(ns, size - base, lbasize, i, &a); i++) {
		struct btt_sb sb;

		btt_layout_fill_sb(&a, major, lbasize, uuid, parent_uuid, &sb);
		rc = write_arena(ns, base, &a, &sb, log_flags);
		if (rc)
			err(ctx, "%s: writing BTT arena %u failed: %s",
			    pmemctl_media_name(ns), i, strerror(-rc));
	}
	return rc;
}
