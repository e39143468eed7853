// SPDX-License-Identifier: LGPL-2.1-only
/*
 * PMDK libpmemblk pool files (live-kernel.md 5): a 4 KiB pool header
 * ("PMEMBLK\0", Fletcher-64 checksum), the pmemblk descriptor page (block
 * size, is_zeroed), then at 8 KiB the pool's data area, which holds a BTT
 * 1.1 with no 4 KiB pad in front.  Opening a pool yields the media from
 * file offset 4 KiB on: its BTT then sits 4 KiB in, at a kernel v1.1
 * BTT's place, and the BTT core, checker and engine run on it unchanged.
 */
#include <stdlib.h>
#include <uuid/uuid.h>

#include "btt.h"
#include "format.h"

#define POOL_SIG "PMEMBLK\0"
#define POOLSET_SIG "PMEMPOOLSET"		/* a pool set file's first line */
#define POOLSET_SIG_LEN 11
#define POOL_SIG_LEN 8
#define POOL_HDR_SIZE 4096
#define POOL_MAJOR_BLK 1
#define POOL_FEAT_CKSUM_2K 0x0002u	/* checksum over the first 2 KiB */
#define POOL_CSUM_2K_END 2048
#define PMEMBLK_DATA_OFF 8192		/* roundup(sizeof(struct pmemblk), 4K) */
#define PMEMBLK_MIN_POOL ((16ULL << 20) + PMEMBLK_DATA_OFF)
#define PMEMBLK_VIEW_OFF (PMEMBLK_DATA_OFF - 4096)

struct pool_arch_flags {
	le64 alignment_desc;
	uint8_t machine_class;
	uint8_t data;
	uint8_t reserved[4];
	le16 machine;
} __attribute__((packed));

struct pool_hdr {
	uint8_t signature[POOL_SIG_LEN];
	le32 major;
	le32 compat_features;
	le32 incompat_features;
	le32 ro_compat_features;
	uint8_t poolset_uuid[16];
	uint8_t uuid[16];
	uint8_t prev_part_uuid[16];
	uint8_t next_part_uuid[16];
	uint8_t prev_repl_uuid[16];
	uint8_t next_repl_uuid[16];
	le64 crtime;
	struct pool_arch_flags arch_flags;
	uint8_t unused[1904];
	uint8_t unused2[1976];
	uint8_t shutdown_state[64];
	le64 checksum;
} __attribute__((packed));

/* The pmemblk descriptor, the page after the header. */
struct pmemblk_desc {
	le32 bsize;
	le32 is_zeroed;
} __attribute__((packed));

static_assert(sizeof(struct pool_arch_flags) == 16, "");
static_assert(sizeof(struct pool_hdr) == POOL_HDR_SIZE, "pool header is 4 KiB");
static_assert(offsetof(struct pool_hdr, major) == 8, "");
static_assert(offsetof(struct pool_hdr, incompat_features) == 16, "");
static_assert(offsetof(struct pool_hdr, poolset_uuid) == 24, "");
static_assert(offsetof(struct pool_hdr, next_part_uuid) == 72, "");
static_assert(offsetof(struct pool_hdr, crtime) == 120, "");
static_assert(offsetof(struct pool_hdr, arch_flags) == 128, "");
static_assert(offsetof(struct pool_hdr, unused2) == POOL_CSUM_2K_END, "");
static_assert(offsetof(struct pool_hdr, shutdown_state) == 4024, "");
static_assert(offsetof(struct pool_hdr, checksum) == 4088, "");

static bool pool_csum_ok(const struct pool_hdr *h)
{
	uint64_t sum;

	/* With CKSUM_2K everything from 2 KiB on, checksum included, is 0. */
	if (get_le32(&h->incompat_features) & POOL_FEAT_CKSUM_2K)
		sum = fletcher64_skip(h, POOL_HDR_SIZE, POOL_CSUM_2K_END,
				      POOL_HDR_SIZE - POOL_CSUM_2K_END);
	else
		sum = fletcher64_skip(h, POOL_HDR_SIZE,
				      offsetof(struct pool_hdr, checksum), 8);
	return sum == get_le64(&h->checksum);
}

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

enum pool_fault {
	POOL_SOUND, POOL_BAD_CSUM, POOL_BAD_MAJOR, POOL_MULTI_PART,
	POOL_TOO_SMALL, POOL_NO_BSIZE,
};

/* What keeps the header and descriptor of a pool from being used, if any;
 * any non-zero block size is fine: libpmemblk allows every one. */
static enum pool_fault pool_fault(const struct pool_hdr *h,
				  const struct pmemblk_desc *d, uint64_t size)
{
	if (!pool_csum_ok(h))
		return POOL_BAD_CSUM;
	if (get_le32(&h->major) != POOL_MAJOR_BLK)
		return POOL_BAD_MAJOR;
	if (memcmp(h->next_part_uuid, h->uuid, sizeof(h->uuid)))
		return POOL_MULTI_PART;
	if (size < PMEMBLK_MIN_POOL)
		return POOL_TOO_SMALL;
	return get_le32(&d->bsize) ? POOL_SOUND : POOL_NO_BSIZE;
}

/* The header and descriptor of a pool; a message and -errno if unusable. */
static int pool_validate(struct pmemctl_ctx *ctx, const char *name,
			 const struct pool_hdr *h,
			 const struct pmemblk_desc *d, uint64_t size)
{
	switch (pool_fault(h, d, size)) {
	case POOL_SOUND:
		return 0;
	case POOL_BAD_CSUM:
		err(ctx, "%s: libpmemblk pool header: bad checksum", name);
		return -EUCLEAN;
	case POOL_BAD_MAJOR:
		err(ctx, "%s: libpmemblk pool format %u not supported (only %u)",
		    name, get_le32(&h->major), POOL_MAJOR_BLK);
		return -EOPNOTSUPP;
	case POOL_MULTI_PART:
		err(ctx, "%s: part of a multi-part pool set: not supported",
		    name);
		return -EOPNOTSUPP;
	case POOL_TOO_SMALL:
		err(ctx, "%s: libpmemblk pool: smaller than the 16 MiB + 8 KiB minimum",
		    name);
		return -EUCLEAN;
	default:
		err(ctx, "%s: libpmemblk pool: block size 0 in its descriptor",
		    name);
		return -EUCLEAN;
	}
}

static bool is_btt_sig(const uint8_t *p)
{
	return !memcmp(p, BTT_SIG, BTT_SIG_LEN);
}

/*
 * No pool signature: 1 (not a pool), unless a BTT sits at a pool's BTT
 * place (8 KiB) and at neither place of the kernel's (0, 4 KiB): then
 * this is a pool whose header was damaged, and taking it as a raw image
 * would let a raw write land over its BTT.  @buf: 4 KiB of scratch.
 */
static int unsigned_pool(struct pmemctl_media *file, const uint8_t *head,
			 uint8_t *buf)
{
	int rc;

	if (pmemctl_media_size(file) < PMEMBLK_DATA_OFF + BTT_INFO_SIZE ||
	    is_btt_sig(head))
		return 1;
	rc = pmemctl_media_read(file, PMEMBLK_DATA_OFF - BTT_INFO_SIZE, buf,
				BTT_SIG_LEN);
	if (rc || is_btt_sig(buf))
		return rc ?: 1;
	rc = pmemctl_media_read(file, PMEMBLK_DATA_OFF, buf, BTT_SIG_LEN);
	if (rc || !is_btt_sig(buf))
		return rc ?: 1;
	err(pmemctl_media_get_ctx(file),
	    "%s: a BTT at 8 KiB but no libpmemblk pool signature: a pool with a damaged header? (give --offset/--image-offset to take it as an image)",
	    pmemctl_media_name(file));
	return -EUCLEAN;
}

/*
 * A pool set file (PMDK's text file naming a pool's parts and replicas)
 * is refused: its parts are no contiguous pool, and written as a raw
 * image it would be lost.
 */
static int pool_set_file(struct pmemctl_media *file)
{
	char sig[POOLSET_SIG_LEN];
	int rc;

	if (pmemctl_media_size(file) < POOLSET_SIG_LEN)
		return 0;
	rc = pmemctl_media_read(file, 0, sig, sizeof(sig));
	if (rc || memcmp(sig, POOLSET_SIG, POOLSET_SIG_LEN))
		return rc;
	err(pmemctl_media_get_ctx(file),
	    "%s: a PMDK pool set file: not supported (pmemctl opens single-file pools only)",
	    pmemctl_media_name(file));
	return -EOPNOTSUPP;
}

PMEMCTL_EXPORT int pmemctl_media_open_pmemblk(struct pmemctl_media *file,
					      struct pmemctl_media **btt)
{
	struct pmemctl_ctx *ctx = pmemctl_media_get_ctx(file);
	const char *name = pmemctl_media_name(file);
	uint64_t size = pmemctl_media_size(file);
	struct pmemblk_desc d;
	struct pool_hdr *h;
	uint8_t *first;
	int rc;

	*btt = NULL;
	rc = pool_set_file(file);
	if (rc || size < POOL_HDR_SIZE)
		return rc ?: 1;
	h = malloc(POOL_HDR_SIZE);
	first = malloc(BTT_INFO_SIZE);
	rc = h && first ? 0 : -ENOMEM;
	rc = rc ?: pmemctl_media_read(file, 0, h, POOL_HDR_SIZE);
	if (!rc && memcmp(h->signature, POOL_SIG, POOL_SIG_LEN))
		rc = unsigned_pool(file, (const uint8_t *)h, first);
	memset(&d, 0, sizeof(d));
	if (!rc && size >= PMEMBLK_MIN_POOL)
		rc = pmemctl_media_read(file, POOL_HDR_SIZE, &d, sizeof(d));
	rc = rc ?: pool_validate(ctx, name, h, &d, size);
	rc = rc ?: pmemctl_media_read(file, PMEMBLK_DATA_OFF, first,
				      BTT_INFO_SIZE);
	if (!rc && all_zero(first, BTT_INFO_SIZE)) {
		err(ctx, "%s: libpmemblk pool without a BTT yet (libpmemblk lays it out on its first write)",
		    name);
		rc = -ENODATA;
	}
	rc = rc ?: pmemctl_media_new_slice(file, PMEMBLK_VIEW_OFF,
					   size - PMEMBLK_VIEW_OFF, btt);
	if (!rc)
		media_set_pmemblk(*btt);
	if (rc == -ENOMEM)
		err(ctx, "%s: out of memory", name);
	free(first);
	free(h);
	return rc;
}

/* ---- pools libpmemblk has not written yet -------------------------------- */

/*
 * 1 (and @h, @d) if @file is a sound pool (any non-zero block size) with
 * nothing at its BTT's place yet; else 0, quietly.  libpmemblk's arena
 * geometry and offsets are the kernel's (live-kernel.md 5) but for its
 * internal block size, roundup(max(bsize, 512), 256): the BTT core lays
 * it out on the pool's view.
 */
static int probe_fresh(struct pmemctl_media *file, struct pool_hdr *h,
		       struct pmemblk_desc *d, uint8_t *first)
{
	uint64_t size = pmemctl_media_size(file);
	int rc;

	if (size < PMEMBLK_MIN_POOL)
		return 0;
	rc = pmemctl_media_read(file, 0, h, POOL_HDR_SIZE);
	rc = rc ?: pmemctl_media_read(file, POOL_HDR_SIZE, d, sizeof(*d));
	if (rc)
		return rc;
	if (memcmp(h->signature, POOL_SIG, POOL_SIG_LEN) ||
	    pool_fault(h, d, size) != POOL_SOUND)
		return 0;
	rc = pmemctl_media_read(file, PMEMBLK_DATA_OFF, first, BTT_INFO_SIZE);
	return rc ?: all_zero(first, BTT_INFO_SIZE);
}

static int with_fresh(struct pmemctl_media *file, struct pool_hdr **h,
		      struct pmemblk_desc *d)
{
	uint8_t *first = malloc(BTT_INFO_SIZE);
	int rc;

	*h = malloc(POOL_HDR_SIZE);
	rc = *h && first ? probe_fresh(file, *h, d, first) : -ENOMEM;
	if (rc == -ENOMEM)
		err(pmemctl_media_get_ctx(file), "%s: out of memory",
		    pmemctl_media_name(file));
	free(first);
	return rc;
}

PMEMCTL_EXPORT int pmemctl_pmemblk_fresh(struct pmemctl_media *file,
					 uint32_t *bsize, uint64_t *nblock)
{
	struct btt_arena_layout a;
	struct pmemblk_desc d;
	struct pool_hdr *h;
	uint64_t raw = pmemctl_media_size(file) - PMEMBLK_DATA_OFF;
	int rc = with_fresh(file, &h, &d);

	free(h);
	if (rc != 1)
		return rc;
	*bsize = get_le32(&d.bsize);
	*nblock = 0;
	for (unsigned i = 0; btt_layout_arena_ilb(raw,
			btt_pmemblk_internal_lbasize(*bsize), i, &a); i++)
		*nblock += a.external_nlba;
	if (*nblock)
		return 1;
	/* libpmemblk's pmemblk_create() makes no such pool */
	err(pmemctl_media_get_ctx(file), "%s: a pool too small for a BTT of %u-byte blocks (16 MiB and 512 blocks per arena minimum)",
	    pmemctl_media_name(file), *bsize);
	return -EBADMSG;
}

static int write_fresh_layout(struct pmemctl_media *file)
{
	struct pmemctl_ctx *ctx = pmemctl_media_get_ctx(file);
	struct pmemctl_media *view = NULL;
	struct pmemblk_desc d;
	struct pool_hdr *h;
	uint8_t uuid[16];
	int rc = with_fresh(file, &h, &d);

	if (rc == 0) {
		err(ctx, "%s: not a libpmemblk pool without a BTT",
		    pmemctl_media_name(file));
		rc = -EINVAL;
	}
	if (rc == 1)
		rc = pmemctl_media_new_slice(file, PMEMBLK_VIEW_OFF,
					     pmemctl_media_size(file) -
					     PMEMBLK_VIEW_OFF, &view);
	if (view)
		media_set_pmemblk(view);
	/* a v1.1 BTT 4 KiB into the view: at the data area's start */
	uuid_generate(uuid);
	rc = rc ?: btt_write_layout_flags(ctx, view, 1, get_le32(&d.bsize),
					  uuid, h->poolset_uuid,
					  BTT_MAP_TRIM_FLAG);
	pmemctl_media_close(view);
	free(h);
	return rc;
}

/*
 * Open the pool whose BTT was just written.  A pool that does not open
 * now (no pool any more, no BTT, a bad header) is media that did not
 * keep what it was given: -EIO, never "not a pool" (> 0), which would
 * let the caller take the file for a raw image.  What was written stays.
 */
static int open_laid_out(struct pmemctl_media *file,
			 struct pmemctl_media **btt)
{
	int rc = pmemctl_media_open_pmemblk(file, btt);

	if (rc == 0 || rc == -ENOMEM)
		return rc;
	err(pmemctl_media_get_ctx(file),
	    "%s: the BTT just laid out does not read back (%s); the pool keeps what reached the media: check-btt tells what that is",
	    pmemctl_media_name(file),
	    rc > 0 ? "no pool signature" : strerror(-rc));
	return -EIO;
}

PMEMCTL_EXPORT int pmemctl_pmemblk_layout(struct pmemctl_media *file,
					  struct pmemctl_media **btt)
{
	int rc = write_fresh_layout(file);

	*btt = NULL;
	return rc ?: open_laid_out(file, btt);
}
