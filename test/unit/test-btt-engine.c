// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BTT engine (btt-engine.c) and namespace I/O (ns-io.c): round trips
 * over the sector sizes and both BTT versions, the map's zero and error
 * flags, read-only opens that recover in memory only, hostile metadata,
 * and the namespace I/O modes.  Power cuts: test-btt-crash.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "btt-engine-util.h"
#include "btt-engine.h"
#include "tap.h"

static uint64_t hash(const uint8_t *p, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	while (len--)
		h = (h ^ *p++) * 1099511628211ULL;
	return h;
}

/* Arena 0 as the engine sees it. */
static struct btt_arena arena0(struct mem_btt *mb, unsigned major)
{
	struct btt_arena a;
	uint64_t off = btt_start_offset(major);

	btt_arena_decode((const struct btt_sb *)(mb->buf + off), off, &a);
	return a;
}

static void set_map(struct mem_btt *mb, const struct btt_arena *a,
		    uint32_t lba, uint32_t raw)
{
	put_le32((le32 *)(mb->buf + btt_map_off(a, lba)), raw);
}

static void test_round_trip(struct tap *t, struct pmemctl_ctx *ctx,
			    unsigned major, uint32_t lbasize)
{
	uint8_t buf[4096], tmp[4096];
	unsigned ver[64] = { 0 }, bad = 0, badro = 0;
	struct pmemctl_btt *b;
	struct mem_btt mb;
	uint32_t sec;

	if (mem_btt_new(ctx, 20 * MiB, major, lbasize, &mb) ||
	    pmemctl_btt_open(ctx, mb.m, NULL, PMEMCTL_MEDIA_WRITE, &b)) {
		tap_ok(t, false, "open a fresh v%u %u BTT", major, lbasize);
		return;
	}
	sec = pmemctl_btt_get_sector_size(b);
	tap_ok(t, sec == btt_sector_size(lbasize) &&
	       pmemctl_btt_get_lbasize(b) == lbasize &&
	       pmemctl_btt_get_nlba(b) == arena0(&mb, major).external_nlba,
	       "v%u %u: %u-byte sectors, %llu of them", major, lbasize, sec,
	       (unsigned long long)pmemctl_btt_get_nlba(b));
	/* 600 writes over 64 LBAs: every lane, LBAs again and again */
	for (unsigned i = 0; i < 600; i++) {
		unsigned lba = (i * 7919) % 64;

		sector_fill(buf, sec, lba * 31, ++ver[lba]);
		bad += pmemctl_btt_write(b, lba * 31, buf) != 0;
	}
	for (unsigned lba = 0; lba < 64; lba++)
		bad += pmemctl_btt_read(b, lba * 31, buf) ||
		       !sector_is(buf, sec, lba * 31, ver[lba], tmp);
	bad += pmemctl_btt_read(b, 5, buf) || !sector_is(buf, sec, 5, 0, tmp);
	pmemctl_btt_close(b);
	tap_ok(t, bad == 0, "v%u %u: 600 writes over all lanes read back",
	       major, lbasize);
	if (!pmemctl_btt_open(ctx, mb.m, NULL, 0, &b)) {
		for (unsigned lba = 0; lba < 64; lba++)
			badro += pmemctl_btt_read(b, lba * 31, buf) ||
				 !sector_is(buf, sec, lba * 31, ver[lba], tmp);
		badro += pmemctl_btt_write(b, 0, buf) != -EROFS;
		pmemctl_btt_close(b);
	} else {
		badro++;
	}
	tap_ok(t, badro == 0, "v%u %u: the same after reopening read-only; writes refused",
	       major, lbasize);
	mem_btt_free(&mb);
}

/* A committed log entry whose map write was lost. */
static int interrupted_write(struct pmemctl_ctx *ctx, struct mem_btt *mb,
			     uint8_t *buf)
{
	struct media_fault cut = { .budget = 5 };	/* data, log; no map */
	struct pmemctl_media *m;
	struct pmemctl_btt *b;
	int rc = media_new_faulty(mb->m, &cut, &m);

	rc = rc ?: pmemctl_btt_open(ctx, m, NULL, PMEMCTL_MEDIA_WRITE, &b);
	if (!rc) {
		sector_fill(buf, 4096, 9, 1);
		btt_engine_write_lane(b, 3, 9, buf);
		pmemctl_btt_close(b);
	}
	pmemctl_media_close(m);
	return rc ?: cut.cut ? 0 : -EIO;
}

static void test_recovery(struct tap *t, struct pmemctl_ctx *ctx)
{
	uint8_t buf[4096], tmp[4096];
	struct pmemctl_btt *b;
	struct btt_arena a;
	struct mem_btt mb;
	uint64_t before;
	bool ok = false;

	if (mem_btt_new(ctx, 16 * MiB, 2, 4096, &mb) ||
	    interrupted_write(ctx, &mb, buf)) {
		tap_ok(t, false, "an interrupted map write");
		return;
	}
	a = arena0(&mb, 2);
	tap_ok(t, get_le32((le32 *)(mb.buf + btt_map_off(&a, 9))) == 0,
	       "the map write was cut off");
	before = hash(mb.buf, mb.size);
	if (!pmemctl_btt_open(ctx, mb.m, NULL, 0, &b)) {
		ok = !pmemctl_btt_read(b, 9, buf) &&
		     sector_is(buf, 4096, 9, 1, tmp);
		pmemctl_btt_close(b);
	}
	tap_ok(t, ok && hash(mb.buf, mb.size) == before,
	       "read-only open: the sector reads new (recovered in memory), media untouched");
	ok = false;
	if (!pmemctl_btt_open(ctx, mb.m, NULL, PMEMCTL_MEDIA_WRITE, &b)) {
		ok = !pmemctl_btt_read(b, 9, buf) &&
		     sector_is(buf, 4096, 9, 1, tmp);
		pmemctl_btt_close(b);
	}
	tap_ok(t, ok && get_le32((le32 *)(mb.buf + btt_map_off(&a, 9))) ==
	       btt_map_encode(a.external_nlba + 3),
	       "writable open: recovery completes the map write on the media");
	mem_btt_free(&mb);
}

static void test_flags(struct tap *t, struct pmemctl_ctx *ctx)
{
	uint8_t buf[4096], tmp[4096];
	struct pmemctl_btt *b;
	struct btt_arena a;
	struct mem_btt mb;
	uint8_t *meta;

	if (mem_btt_new(ctx, 20 * MiB, 1, 520, &mb)) {
		tap_ok(t, false, "a 520-byte BTT");
		return;
	}
	a = arena0(&mb, 1);
	memset(mb.buf + a.dataoff + 7ULL * a.internal_lbasize, 0x5a, 520);
	set_map(&mb, &a, 7, BTT_MAP_TRIM_FLAG | 7);
	set_map(&mb, &a, 8, BTT_MAP_ERR_FLAG | 8);
	meta = mb.buf + a.dataoff + 8ULL * a.internal_lbasize + 512;
	memset(meta, 0xaa, 8);
	if (pmemctl_btt_open(ctx, mb.m, NULL, PMEMCTL_MEDIA_WRITE, &b)) {
		tap_ok(t, false, "open");
		mem_btt_free(&mb);
		return;
	}
	tap_ok(t, !pmemctl_btt_read(b, 7, buf) && sector_is(buf, 512, 7, 0, tmp),
	       "a zero-flagged sector reads as zeroes");
	tap_ok(t, pmemctl_btt_read(b, 8, buf) == -EIO,
	       "an error-flagged sector reads as -EIO");
	sector_fill(buf, 512, 8, 1);
	tap_ok(t, !btt_engine_write_lane(b, 3, 8, buf) &&
	       !pmemctl_btt_read(b, 8, tmp) && !memcmp(buf, tmp, 512),
	       "writing an error-flagged sector replaces it");
	tap_ok(t, meta[0] == 0xaa, "its old block is now lane 3's free block");
	sector_fill(buf, 512, 20, 1);
	tap_ok(t, !btt_engine_write_lane(b, 3, 20, buf) &&
	       mem_is_zero(meta, 8) &&
	       !pmemctl_btt_read(b, 20, tmp) && !memcmp(buf, tmp, 512),
	       "the error block is cleared before lane 3 reuses it");
	tap_eq_u64(t, pmemctl_btt_read(b, pmemctl_btt_get_nlba(b), buf),
		   -ERANGE, "an LBA past the end is refused");
	pmemctl_btt_close(b);
	mem_btt_free(&mb);
}

/* Open @mb after @damage; the engine must refuse it with @want. */
static void refuse(struct tap *t, struct pmemctl_ctx *ctx, int want,
		   void (*damage)(struct mem_btt *mb, struct btt_arena *a),
		   const char *what)
{
	struct pmemctl_btt *b = NULL;
	struct btt_arena a;
	struct mem_btt mb;
	uint64_t before;
	int rc;

	if (mem_btt_new(ctx, 16 * MiB, 2, 4096, &mb)) {
		tap_ok(t, false, "%s", what);
		return;
	}
	a = arena0(&mb, 2);
	damage(&mb, &a);
	before = hash(mb.buf, mb.size);
	rc = pmemctl_btt_open(ctx, mb.m, NULL, PMEMCTL_MEDIA_WRITE, &b);
	if (!rc) {
		uint8_t buf[4096];

		rc = pmemctl_btt_read(b, 1, buf);
	}
	pmemctl_btt_close(b);
	tap_ok(t, rc == want && hash(mb.buf, mb.size) == before,
	       "%s: refused (%d), nothing written", what, rc);
	mem_btt_free(&mb);
}

static void no_btt(struct mem_btt *mb, struct btt_arena *a)
{
	(void)a;
	memset(mb->buf, 0, BTT_INFO_SIZE);
}

static void bad_seq(struct mem_btt *mb, struct btt_arena *a)
{
	struct btt_log_group *g = (void *)(mb->buf + a->logoff);

	put_le32(&g[4].ent[0].seq, 3);
	put_le32(&g[4].ent[1].seq, 3);
}

static void shared_free(struct mem_btt *mb, struct btt_arena *a)
{
	struct btt_log_group *g = (void *)(mb->buf + a->logoff);

	g[6].ent[0] = g[5].ent[0];
}

static void map_outside(struct mem_btt *mb, struct btt_arena *a)
{
	set_map(mb, a, 1, btt_map_encode(a->internal_nlba));
}

static void bad_checksum(struct mem_btt *mb, struct btt_arena *a)
{
	(void)a;
	mb->buf[100] ^= 1;
}

/* A map entry pointing at a lane's free block: that lane never writes. */
static void test_mapped_free_block(struct tap *t, struct pmemctl_ctx *ctx)
{
	uint8_t buf[4096] = { 1 };
	struct pmemctl_btt *b;
	struct btt_arena a;
	struct mem_btt mb;
	uint64_t before;
	int rc = -1;

	if (mem_btt_new(ctx, 16 * MiB, 2, 4096, &mb)) {
		tap_ok(t, false, "a BTT");
		return;
	}
	a = arena0(&mb, 2);
	set_map(&mb, &a, 2, btt_map_encode(a.external_nlba + 4));
	before = hash(mb.buf, mb.size);
	if (!pmemctl_btt_open(ctx, mb.m, NULL, PMEMCTL_MEDIA_WRITE, &b)) {
		rc = btt_engine_write_lane(b, 4, 2, buf);
		pmemctl_btt_close(b);
	}
	tap_ok(t, rc == -EIO && hash(mb.buf, mb.size) == before,
	       "a write whose LBA maps to the lane's free block is refused, nothing written");
	mem_btt_free(&mb);
}

static void test_hostile(struct tap *t, struct pmemctl_ctx *ctx)
{
	int prio = pmemctl_get_log_priority(ctx);

	pmemctl_set_log_priority(ctx, 0);
	refuse(t, ctx, -ENODEV, no_btt, "no info block");
	refuse(t, ctx, -EIO, bad_checksum, "bad info block checksum");
	refuse(t, ctx, -EIO, bad_seq, "a lane with equal sequence numbers");
	refuse(t, ctx, -EIO, shared_free, "two lanes with one free block");
	refuse(t, ctx, -EIO, map_outside, "a map entry outside the arena");
	test_mapped_free_block(t, ctx);
	pmemctl_set_log_priority(ctx, prio);
}

static void test_ns_io(struct tap *t, struct pmemctl_ctx *ctx)
{
	uint8_t in[8192], out[8192];
	struct pmemctl_ns_io *io;
	struct mem_btt mb;
	int prio = pmemctl_get_log_priority(ctx);

	if (mem_btt_new(ctx, 20 * MiB, 1, 512, &mb) ||
	    pmemctl_ns_io_open_media(ctx, mb.m, PMEMCTL_NS_MODE_UNKNOWN, NULL,
				     PMEMCTL_MEDIA_WRITE, &io)) {
		tap_ok(t, false, "namespace I/O on a BTT");
		return;
	}
	sector_fill(in, sizeof(in), 1, 1);
	tap_ok(t, pmemctl_ns_io_get_mode(io) == PMEMCTL_NS_MODE_SECTOR &&
	       pmemctl_ns_io_get_block_size(io) == 512 &&
	       !pmemctl_ns_io_write(io, 1024, in, sizeof(in)) &&
	       !pmemctl_ns_io_read(io, 1024, out, sizeof(out)) &&
	       !memcmp(in, out, sizeof(in)),
	       "sector: detected; 16 sectors written and read back");
	pmemctl_set_log_priority(ctx, 0);
	tap_ok(t, pmemctl_ns_io_write(io, 100, in, 512) == -EINVAL &&
	       pmemctl_ns_io_read(io, 0, out, 100) == -EINVAL &&
	       pmemctl_ns_io_read(io, pmemctl_ns_io_get_size(io), out, 512) ==
	       -ERANGE, "sector: unaligned and out-of-range I/O refused");
	pmemctl_set_log_priority(ctx, prio);
	pmemctl_ns_io_close(io);
	tap_ok(t, !pmemctl_ns_io_open_media(ctx, mb.m, PMEMCTL_NS_MODE_RAW,
					    NULL, PMEMCTL_MEDIA_WRITE, &io) &&
	       pmemctl_ns_io_get_size(io) == mb.size &&
	       !pmemctl_ns_io_write(io, 3, in, 100) &&
	       !memcmp(mb.buf + 3, in, 100),
	       "raw: the media itself, byte-addressed");
	pmemctl_ns_io_close(io);
	mem_btt_free(&mb);
}

static int read_enomem(void *arg, uint64_t off, void *buf, size_t len)
{
	(void)arg, (void)off, (void)buf, (void)len;
	return -ENOMEM;
}

/* A media that cannot allocate says so: never "no BTT" or "corrupt". */
static void test_read_enomem(struct tap *t, struct pmemctl_ctx *ctx)
{
	static const struct media_callbacks cb = { .read = read_enomem };
	struct pmemctl_media *m;
	struct pmemctl_btt *b = NULL;

	if (media_new_callbacks(ctx, "enomem", 20 * MiB, false, &cb, NULL,
				&m)) {
		tap_ok(t, false, "callback media");
		return;
	}
	tap_eq_u64(t, pmemctl_btt_open(ctx, m, NULL, 0, &b), -ENOMEM,
		   "open: a read failing with -ENOMEM gives -ENOMEM, not -EIO");
	tap_ok(t, b == NULL, "... and no BTT");
	pmemctl_media_close(m);
}

int main(void)
{
	struct pmemctl_ctx *ctx;
	struct tap t = { 0 };

	if (pmemctl_new(&ctx))
		return 1;
	/* the refusals below are expected: keep their messages out */
	pmemctl_set_log_priority(ctx, 0);
	test_round_trip(&t, ctx, 1, 512);
	test_round_trip(&t, ctx, 1, 520);
	test_round_trip(&t, ctx, 2, 4096);
	test_round_trip(&t, ctx, 2, 4224);
	test_recovery(&t, ctx);
	test_flags(&t, ctx);
	test_hostile(&t, ctx);
	test_ns_io(&t, ctx);
	test_read_enomem(&t, ctx);
	pmemctl_free(ctx);
	return tap_done(&t);
}
