// SPDX-License-Identifier: LGPL-2.1-only
/*
 * BTT arena layout math and the fresh-layout writer.  The arithmetic and
 * the write order follow the kernel's create_arenas(), alloc_arena() and
 * btt_arena_write_layout() (formats.md C.3, C.6) so that what is written
 * here is byte-identical to what the kernel writes.
 */
#include <stdlib.h>

#include "btt.h"

/* The external sector sizes the kernel's BTT accepts. */
static const uint32_t btt_supported_lbasizes[] = {
	512, 520, 528, 4096, 4104, 4160, 4224,
};

bool btt_lbasize_supported(uint32_t lbasize)
{
	for (size_t i = 0; i < ARRAY_SIZE(btt_supported_lbasizes); i++)
		if (btt_supported_lbasizes[i] == lbasize)
			return true;
	return false;
}

/* alloc_arena(): carve one arena of @size bytes. */
static void layout_arena(uint64_t offset, uint64_t size, uint32_t lbasize,
			 struct btt_arena_layout *a)
{
	uint64_t avail = ALIGN_DOWN(size, BTT_PG_SIZE);
	uint64_t mapsize, datasize;

	memset(a, 0, sizeof(*a));
	a->offset = offset;
	a->size = size;
	a->internal_lbasize = btt_internal_lbasize(lbasize);
	/* the primary and the backup info block */
	avail -= 2 * BTT_PG_SIZE;
	avail -= BTT_LOG_SIZE;
	/* one page of slack for rounding the map up */
	a->internal_nlba = (uint32_t)((avail - BTT_PG_SIZE) /
			(a->internal_lbasize + BTT_MAP_ENTRY_SIZE));
	a->external_nlba = a->internal_nlba - BTT_NFREE;
	mapsize = ALIGN_UP((uint64_t)a->external_nlba * BTT_MAP_ENTRY_SIZE,
			   BTT_PG_SIZE);
	datasize = avail - mapsize;
	a->dataoff = BTT_PG_SIZE;
	a->mapoff = a->dataoff + datasize;
	a->logoff = a->mapoff + mapsize;
	a->info2off = a->logoff + BTT_LOG_SIZE;
}

int btt_compute_layout(uint64_t rawsize, uint32_t lbasize,
		       struct btt_arena_layout **arenas, unsigned *narenas)
{
	uint64_t remaining = rawsize, off = 0;
	struct btt_arena_layout *a;
	unsigned n = 0, max;

	*arenas = NULL;
	*narenas = 0;
	if (!btt_lbasize_supported(lbasize) || rawsize < BTT_ARENA_MIN_SIZE)
		return -EINVAL;
	max = (unsigned)(rawsize / BTT_ARENA_MAX_SIZE + 1);
	a = calloc(max, sizeof(*a));
	if (!a)
		return -ENOMEM;
	/* create_arenas(): 512 GiB arenas; a tail under 16 MiB is wasted */
	while (remaining) {
		uint64_t size = remaining < BTT_ARENA_MAX_SIZE ?
				remaining : BTT_ARENA_MAX_SIZE;

		remaining -= size;
		if (size < BTT_ARENA_MIN_SIZE)
			break;
		layout_arena(off, size, lbasize, &a[n]);
		a[n].nextoff = remaining >= BTT_ARENA_MIN_SIZE ? size : 0;
		off += size;
		n++;
	}
	*arenas = a;
	*narenas = n;
	return 0;
}

uint64_t btt_usable_size(uint64_t rawsize, uint32_t lbasize)
{
	struct btt_arena_layout *a;
	uint64_t nlba = 0;
	unsigned n;

	if (btt_compute_layout(rawsize, lbasize, &a, &n))
		return 0;
	for (unsigned i = 0; i < n; i++)
		nlba += a[i].external_nlba;
	free(a);
	return nlba * (lbasize >= 4096 ? 4096 : 512);
}

void btt_layout_fill_sb(const struct btt_arena_layout *a, unsigned major,
			uint32_t lbasize, const uint8_t uuid[16],
			const uint8_t *parent_uuid, struct btt_sb *sb)
{
	memset(sb, 0, sizeof(*sb));
	memcpy(sb->signature, BTT_SIG, BTT_SIG_LEN);
	memcpy(sb->uuid, uuid, 16);
	if (parent_uuid)
		memcpy(sb->parent_uuid, parent_uuid, 16);
	put_le32(&sb->flags, 0);
	put_le16(&sb->version_major, (uint16_t)major);
	put_le16(&sb->version_minor, major == 1 ? 1 : 0);
	put_le32(&sb->external_lbasize, lbasize);
	put_le32(&sb->external_nlba, a->external_nlba);
	put_le32(&sb->internal_lbasize, a->internal_lbasize);
	put_le32(&sb->internal_nlba, a->internal_nlba);
	put_le32(&sb->nfree, BTT_NFREE);
	put_le32(&sb->infosize, BTT_INFO_SIZE);
	put_le64(&sb->nextoff, a->nextoff);
	put_le64(&sb->dataoff, a->dataoff);
	put_le64(&sb->mapoff, a->mapoff);
	put_le64(&sb->logoff, a->logoff);
	put_le64(&sb->info2off, a->info2off);
	put_le64(&sb->checksum, pmemctl_sb_checksum(sb));
}

static_assert(BTT_NFREE * sizeof(struct btt_log_group) == BTT_LOG_SIZE,
	      "the flog has no padding after the last lane");

/* btt_log_init(): zero the flog, then slot 0 of every lane. */
static int write_log(struct pmemctl_media *m, uint64_t logoff,
		     const struct btt_arena_layout *a)
{
	struct btt_log_group *log;
	int rc;

	log = calloc(BTT_NFREE, sizeof(*log));
	if (!log)
		return -ENOMEM;
	for (uint32_t i = 0; i < BTT_NFREE; i++) {
		struct btt_log_entry *e = &log[i].ent[0];

		put_le32(&e->lba, i);
		put_le32(&e->old_map, a->external_nlba + i);
		put_le32(&e->new_map, a->external_nlba + i);
		put_le32(&e->seq, BTT_LOG_SEQ_INIT);
	}
	/* [logoff, info2off) is exactly BTT_LOG_SIZE, all of it written */
	rc = pmemctl_media_write(m, logoff, log, BTT_LOG_SIZE);
	free(log);
	return rc;
}

static int write_arena(struct pmemctl_media *m, uint64_t base,
		       const struct btt_arena_layout *a,
		       const struct btt_sb *sb)
{
	uint64_t start = base + a->offset;
	int rc;

	rc = pmemctl_media_zero(m, start + a->mapoff, a->logoff - a->mapoff);
	if (!rc)
		rc = write_log(m, start + a->logoff, a);
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
	uint64_t size = pmemctl_media_size(ns), base;
	struct btt_arena_layout *a;
	unsigned n;
	int rc;

	if (major != 1 && major != 2) {
		err(ctx, "%s: BTT version %u.x does not exist (use 1 or 2)",
		    pmemctl_media_name(ns), major);
		return -EINVAL;
	}
	base = btt_start_offset(major);
	if (!btt_lbasize_supported(lbasize)) {
		err(ctx, "%s: BTT sector size %u is not supported",
		    pmemctl_media_name(ns), lbasize);
		return -EINVAL;
	}
	rc = size > base ? btt_compute_layout(size - base, lbasize, &a, &n)
			 : -EINVAL;
	if (rc == -EINVAL) {
		err(ctx, "%s: %llu bytes is too small for a BTT (16 MiB raw minimum)",
		    pmemctl_media_name(ns), (unsigned long long)size);
		return rc;
	}
	if (rc)
		return rc;
	for (unsigned i = 0; i < n && !rc; i++) {
		struct btt_sb sb;

		btt_layout_fill_sb(&a[i], major, lbasize, uuid, parent_uuid,
				   &sb);
		rc = write_arena(ns, base, &a[i], &sb);
		if (rc)
			err(ctx, "%s: writing BTT arena %u failed: %s",
			    pmemctl_media_name(ns), i, strerror(-rc));
	}
	free(a);
	return rc;
}
