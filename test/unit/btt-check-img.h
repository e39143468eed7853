/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BTT checker tests' image: a fresh v2.0 BTT in memory, byte editors
 * for its info blocks, map and flog, a hash, and one check run
 * (test-btt-check.c, test-btt-check-hostile.c).
 */
#ifndef PMEMCTL_TEST_BTT_CHECK_IMG_H
#define PMEMCTL_TEST_BTT_CHECK_IMG_H

#include <stdlib.h>
#include <string.h>

#include "btt.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define IMG_SIZE (32 * MiB)
#define NORMAL 0xC0000000u	/* map entry flags: no error, not zero */

static const uint8_t uu[16] = { 0x5e, 0xc7, 0x0a, 0x11, 0, 0, 0x40, 0,
				0x80, 0, 0, 0, 0, 0, 0, 0x02 };
static const uint8_t parent[16] = { 0x9a, 0x7e, 0x47, 0x01, 0, 0, 0x40, 0,
				    0x80, 0, 0, 0, 0, 0, 0, 0x03 };

struct img {
	struct pmemctl_ctx *ctx;
	uint8_t *buf;
	uint64_t size;
	struct btt_arena_layout a;	/* arena 0, v2.0 at offset 0 */
};

static inline void img_init_size(struct img *im, uint32_t lbasize, uint64_t size)
{
	struct btt_arena_layout *a;
	struct pmemctl_media *m;
	unsigned n;

	pmemctl_new(&im->ctx);
	pmemctl_set_log_priority(im->ctx, 2);	/* quiet: LOG_CRIT */
	im->size = size;
	im->buf = calloc(1, im->size);
	pmemctl_media_new_memory(im->ctx, im->buf, im->size, true, &m);
	btt_write_layout(im->ctx, m, 2, lbasize, uu, parent);
	pmemctl_media_close(m);
	btt_compute_layout(im->size, lbasize, &a, &n);
	im->a = a[0];
	free(a);
}

static inline void img_init(struct img *im, uint32_t lbasize)
{
	img_init_size(im, lbasize, IMG_SIZE);
}

static inline void img_free(struct img *im)
{
	free(im->buf);
	pmemctl_free(im->ctx);
}

#define FNV_BASIS 1469598103934665603ULL

static inline uint64_t hash_more(uint64_t h, const void *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ ((const uint8_t *)p)[i]) * 1099511628211ULL;
	return h;
}

static inline uint64_t hash(const uint8_t *p, uint64_t len)
{
	return hash_more(FNV_BASIS, p, len);
}

static inline uint32_t get32(struct img *im, uint64_t off)
{
	uint32_t v;

	memcpy(&v, im->buf + off, 4);
	return le32toh(v);
}

static inline void put32(struct img *im, uint64_t off, uint32_t v)
{
	v = htole32(v);
	memcpy(im->buf + off, &v, 4);
}

static inline uint64_t map_off(struct img *im, uint32_t lba)
{
	return im->a.mapoff + 4ULL * lba;
}

static inline uint64_t slot_off(struct img *im, uint32_t lane, int slot)
{
	return im->a.logoff + 64ULL * lane + 16ULL * slot;
}

static inline void put_ent(struct img *im, uint32_t lane, int slot, uint32_t lba,
		    uint32_t old, uint32_t new, uint32_t seq)
{
	uint64_t o = slot_off(im, lane, slot);

	put32(im, o, lba);
	put32(im, o + 4, old);
	put32(im, o + 8, new);
	put32(im, o + 12, seq);
}

static inline void fix_checksum(struct btt_sb *sb)
{
	put_le64(&sb->checksum, pmemctl_sb_checksum(sb));
}

/* Edit the info block (primary and backup) keeping checksums valid. */
static inline struct btt_sb *sb_at(struct img *im, uint64_t off)
{
	return (struct btt_sb *)(im->buf + off);
}

static inline int run(struct img *im, uint64_t size, bool repair, bool dry,
	       bool rewrite, struct pmemctl_btt_check_result **r)
{
	struct pmemctl_btt_check_opts o = {
		.parent_uuid = parent, .repair = repair, .dry_run = dry,
		.rewrite_log = rewrite,
	};
	struct pmemctl_media *m;
	int rc;

	*r = NULL;
	pmemctl_media_new_memory(im->ctx, im->buf, size, !dry, &m);
	rc = pmemctl_btt_check(im->ctx, m, &o, r);
	pmemctl_media_close(m);
	return rc;
}

#endif /* PMEMCTL_TEST_BTT_CHECK_IMG_H */
