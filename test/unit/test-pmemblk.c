// SPDX-License-Identifier: GPL-2.0-only
/*
 * libpmemblk pool headers (pmemblk.c) on hand-built pools in memory:
 * which checksum rule applies (full 4 KiB, or the first 2 KiB with the
 * CKSUM_2K feature), what is refused and with which error, and the view
 * of the BTT a valid pool yields; a fresh pool's layout on media that
 * does not keep it.  Real pools libpmemblk wrote are in cli-pmemblk.
 */
#include "btt.h"
#include "tap.h"

#define POOL_SIZE ((16u << 20) + 8192)
#define CKSUM_2K 0x2u

static void put32(uint8_t *p, uint32_t v) { le32_put((le32 *)p, v); }

/* Checksum the header as libpmemblk does for its features. */
static void seal(uint8_t *img)
{
	uint8_t tmp[4096];

	memcpy(tmp, img, sizeof(tmp));
	memset(tmp + 4088, 0, 8);
	if (le32_get((le32 *)(img + 16)) & CKSUM_2K)
		memset(tmp + 2048, 0, 2048);
	le64_put((le64 *)(img + 4088), pmemctl_fletcher64(tmp, 4096, true));
}

/* A single-part pool header with @incompat features, checksummed. */
static void make_pool(uint8_t *img, uint32_t incompat, uint32_t bsize)
{
	memset(img, 0, 3 * 4096);
	memcpy(img, "PMEMBLK\0", 8);
	put32(img + 8, 1);			/* major */
	put32(img + 16, incompat);
	memset(img + 24, 0x11, 16);		/* poolset_uuid */
	for (unsigned i = 0; i < 5; i++)	/* uuid and the part/replica links */
		memset(img + 40 + 16 * i, 0x22, 16);
	memset(img + 4024, 0x5a, 64);		/* shutdown state */
	put32(img + 4096, bsize);
	memcpy(img + 8192, BTT_SIG, BTT_SIG_LEN);
	seal(img);
}

static int probe(struct pmemctl_ctx *ctx, uint8_t *img, uint64_t size,
		 struct pmemctl_media **btt)
{
	struct pmemctl_media *m;
	int rc = pmemctl_media_new_memory(ctx, img, size, true, &m);

	if (rc)
		return rc;
	rc = pmemctl_media_open_pmemblk(m, btt);
	pmemctl_media_close(m);
	return rc;
}

/*
 * Any block size libpmemblk allows: the pool opens, and on its view (and
 * only there) a 1000-byte BTT is no unsupported sector size.
 */
static void test_any_bsize(struct tap *t, struct pmemctl_ctx *ctx,
			   uint8_t *img)
{
	struct pmemctl_media *m = NULL, *btt = NULL;
	struct btt_sb sb = { 0 };

	put_le32(&sb.external_lbasize, 1000);
	put_le32(&sb.internal_lbasize, btt_pmemblk_internal_lbasize(1000));
	put_le32(&sb.nfree, BTT_NFREE);
	put_le32(&sb.external_nlba, 1);
	put_le32(&sb.internal_nlba, 1 + BTT_NFREE);
	make_pool(img, CKSUM_2K, 1000);
	tap_eq_u64(t, pmemctl_media_new_memory(ctx, img, POOL_SIZE, true, &m),
		   0, "memory media");
	tap_eq_u64(t, m ? pmemctl_media_open_pmemblk(m, &btt) : -1, 0,
		   "a pool of 1000-byte blocks opens");
	tap_eq_u64(t, m ? btt_media_check_fields(m, &sb) : 0,
		   BTT_FIELD_LBASIZE_UNSUPPORTED,
		   "a 1000-byte BTT on other media: the kernel's table holds");
	tap_eq_u64(t, btt ? btt_media_check_fields(btt, &sb) : 1, 0,
		   "... on a pool's view: any block size");
	tap_eq_u64(t, btt_pmemblk_internal_lbasize(1), 512,
		   "libpmemblk's internal block size: at least 512");
	tap_eq_u64(t, btt_pmemblk_internal_lbasize(520), 768,
		   "... rounded up to 256");
	pmemctl_media_close(btt);
	pmemctl_media_close(m);
}

static void test_valid(struct tap *t, struct pmemctl_ctx *ctx, uint8_t *img)
{
	struct pmemctl_media *btt = NULL;
	char sig[BTT_SIG_LEN] = "";
	int rc;

	make_pool(img, CKSUM_2K, 512);
	rc = probe(ctx, img, POOL_SIZE, &btt);
	tap_ok(t, rc == 0 && btt, "a CKSUM_2K pool opens");
	if (!btt)
		return;
	tap_eq_u64(t, pmemctl_media_size(btt), POOL_SIZE - 4096,
		   "the view runs from file offset 4 KiB to the end");
	tap_ok(t, pmemctl_media_read(btt, 4096, sig, sizeof(sig)) == 0 &&
	       !memcmp(sig, BTT_SIG, BTT_SIG_LEN),
	       "the pool's BTT sits 4 KiB into the view (v1.1's place)");
	pmemctl_media_close(btt);

	make_pool(img, CKSUM_2K, 512);
	img[3000] ^= 1;
	tap_eq_u64(t, probe(ctx, img, POOL_SIZE, &btt), 0,
		   "CKSUM_2K: bytes from 2 KiB on are outside the sum");
	pmemctl_media_close(btt);

	make_pool(img, 0, 512);
	tap_eq_u64(t, probe(ctx, img, POOL_SIZE, &btt), 0,
		   "a full-4-KiB-checksum pool opens");
	pmemctl_media_close(btt);
	img[3000] ^= 1;
	tap_eq_u64(t, probe(ctx, img, POOL_SIZE, &btt), -EUCLEAN,
		   "without CKSUM_2K the sum covers the whole header");
}

static void test_refused(struct tap *t, struct pmemctl_ctx *ctx, uint8_t *img)
{
	struct pmemctl_media *btt = NULL;

	memset(img, 0, 3 * 4096);
	tap_eq_u64(t, probe(ctx, img, POOL_SIZE, &btt), 1,
		   "no signature: not a pool");
	tap_eq_u64(t, probe(ctx, img, 100, &btt), 1,
		   "shorter than a header: not a pool");
	make_pool(img, CKSUM_2K, 512);
	img[0] = 'X';
	tap_eq_u64(t, probe(ctx, img, POOL_SIZE, &btt), -EUCLEAN,
		   "no signature but a BTT at 8 KiB: a damaged pool");
	memcpy(img + 4096, BTT_SIG, BTT_SIG_LEN);
	tap_eq_u64(t, probe(ctx, img, POOL_SIZE, &btt), 1,
		   "... not with a BTT at 4 KiB (a kernel v1.1 image)");
	memset(img + 4096, 0, 4096);
	memcpy(img, BTT_SIG, BTT_SIG_LEN);
	tap_eq_u64(t, probe(ctx, img, POOL_SIZE, &btt), 1,
		   "... nor with a BTT at 0 (a kernel v2.0 image)");
	make_pool(img, CKSUM_2K, 512);
	img[40] ^= 0xff;
	tap_eq_u64(t, probe(ctx, img, POOL_SIZE, &btt), -EUCLEAN,
		   "a header byte changed: bad checksum");
	make_pool(img, CKSUM_2K, 512);
	put32(img + 8, 2);
	seal(img);
	tap_eq_u64(t, probe(ctx, img, POOL_SIZE, &btt), -EOPNOTSUPP,
		   "another pool format major");
	make_pool(img, CKSUM_2K, 512);
	tap_eq_u64(t, probe(ctx, img, 4096, &btt), -EUCLEAN,
		   "a header alone: below the minimum pool size");
	tap_eq_u64(t, probe(ctx, img, POOL_SIZE - 4096, &btt), -EUCLEAN,
		   "below the 16 MiB + 8 KiB minimum");
	make_pool(img, CKSUM_2K, 0);
	tap_eq_u64(t, probe(ctx, img, POOL_SIZE, &btt), -EUCLEAN,
		   "block size 0");
	make_pool(img, CKSUM_2K, 512);
	memset(img + 8192, 0, 4096);
	tap_eq_u64(t, probe(ctx, img, POOL_SIZE, &btt), -ENODATA,
		   "no BTT laid out yet");
	make_pool(img, CKSUM_2K, 512);
	memset(img + 72, 0x33, 16);	/* next_part_uuid: another file */
	seal(img);
	tap_eq_u64(t, probe(ctx, img, POOL_SIZE, &btt), -EOPNOTSUPP,
		   "part of a multi-part pool set");
	tap_ok(t, btt == NULL, "no view after a refusal");
}

/* Media that reads back as zeroes once written to: what it was given is
 * lost (the writes land in @img, so a test sees what reached it). */
struct forgetful {
	uint8_t *img;
	bool written;
};

static int forget_read(void *arg, uint64_t off, void *buf, size_t len)
{
	struct forgetful *f = arg;

	if (f->written)
		memset(buf, 0, len);
	else
		memcpy(buf, f->img + off, len);
	return 0;
}

static int forget_write(void *arg, uint64_t off, const void *buf, size_t len)
{
	struct forgetful *f = arg;

	f->written = true;
	memcpy(f->img + off, buf, len);
	return 0;
}

/*
 * A fresh pool's first write lays its BTT out and opens the pool: on
 * sound media the view, on media that does not keep the layout -EIO
 * (never "not a pool", which would make a raw image of it), the layout
 * left where it was written.
 */
static void test_layout(struct tap *t, struct pmemctl_ctx *ctx, uint8_t *img)
{
	static const struct media_callbacks cb = {
		.read = forget_read, .write = forget_write,
	};
	struct forgetful f = { .img = img };
	struct pmemctl_media *m = NULL, *btt = NULL;
	char sig[BTT_SIG_LEN] = "";

	make_pool(img, CKSUM_2K, 512);
	memset(img + 8192, 0, 4096);
	if (pmemctl_media_new_memory(ctx, img, POOL_SIZE, true, &m))
		return;
	tap_eq_u64(t, pmemctl_pmemblk_layout(m, &btt), 0,
		   "a fresh pool: laid out and opened");
	tap_ok(t, btt && !pmemctl_media_read(btt, 4096, sig, sizeof(sig)) &&
	       !memcmp(sig, BTT_SIG, BTT_SIG_LEN),
	       "... its view holds the new BTT 4 KiB in");
	pmemctl_media_close(btt);
	pmemctl_media_close(m);

	make_pool(img, CKSUM_2K, 512);
	memset(img + 8192, 0, 4096);
	if (media_new_callbacks(ctx, "forgetful", POOL_SIZE, true, &cb, &f, &m))
		return;
	btt = m;	/* a sentinel: must come back NULL */
	tap_eq_u64(t, pmemctl_pmemblk_layout(m, &btt), -EIO,
		   "the layout does not read back: -EIO, not \"not a pool\"");
	tap_ok(t, btt == NULL, "... no view");
	tap_ok(t, !memcmp(img + 8192, BTT_SIG, BTT_SIG_LEN) &&
	       !memcmp(img, "PMEMBLK", 7),
	       "... what was written stays: the BTT at 8 KiB, the header");
	pmemctl_media_close(m);
}

/*
 * libpmemblk lays out no BTT whose arena would have fewer than 512 blocks
 * (lane i's first log entry names LBA i): a fresh pool of such blocks (a
 * hostile one: libpmemblk makes no such pool) is invalid media, its
 * layout is refused with nothing written.  One block size smaller is laid
 * out and checks clean.
 */
static void test_few_blocks(struct tap *t, struct pmemctl_ctx *ctx,
			    uint8_t *img)
{
	static const struct { uint32_t bsize; uint64_t nblock; } c[] = {
		{ 32768, 0 },		/* 511 blocks in 16 MiB */
		{ 32512, 515 - 256 },	/* 515 */
	};

	struct pmemctl_btt_check_opts o = { 0 };

	for (unsigned i = 0; i < 2; i++) {
		struct pmemctl_btt_check_result *r = NULL;
		struct pmemctl_media *m = NULL, *btt = NULL;
		uint64_t nblock = 1, sum;
		uint32_t bsize = 0;
		int rc;

		make_pool(img, CKSUM_2K, c[i].bsize);
		memset(img + 8192, 0, 4096);
		sum = pmemctl_fletcher64(img, POOL_SIZE, true);
		if (pmemctl_media_new_memory(ctx, img, POOL_SIZE, true, &m))
			return;
		rc = pmemctl_pmemblk_fresh(m, &bsize, &nblock);
		if (!c[i].nblock)
			tap_ok(t, rc == -EBADMSG,
			       "fresh pool of %u-byte blocks: too small (%d)",
			       c[i].bsize, rc);
		else
			tap_ok(t, rc == 1 && bsize == c[i].bsize &&
			       nblock == c[i].nblock,
			       "fresh pool of %u-byte blocks: %llu blocks",
			       c[i].bsize, (unsigned long long)nblock);
		rc = pmemctl_pmemblk_layout(m, &btt);
		if (!c[i].nblock)
			tap_ok(t, rc == -EINVAL && !btt &&
			       pmemctl_fletcher64(img, POOL_SIZE, true) == sum,
			       "... its layout refused (%d), nothing written",
			       rc);
		else
			tap_ok(t, rc == 0 && btt &&
			       !pmemctl_btt_check(ctx, btt, &o, &r) &&
			       r->total == 0 && r->external_nlba == c[i].nblock,
			       "... laid out, checks clean");
		pmemctl_btt_check_free(r);
		pmemctl_media_close(btt);
		pmemctl_media_close(m);
	}
}

int main(void)
{
	struct tap t = { 0 };
	struct pmemctl_ctx *ctx;
	uint8_t *img = calloc(1, POOL_SIZE);

	if (!img || pmemctl_new(&ctx))
		return EXIT_FAILURE;
	test_valid(&t, ctx, img);
	test_any_bsize(&t, ctx, img);
	test_refused(&t, ctx, img);
	test_layout(&t, ctx, img);
	test_few_blocks(&t, ctx, img);
	pmemctl_free(ctx);
	free(img);
	return tap_done(&t);
}
