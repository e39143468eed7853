// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BTT engine's direct path (btt-engine-int.h): which media it takes,
 * that it leaves the bytes exactly as the media calls do, and that a
 * hostile info block whose offsets wrap past the media never gets a
 * pointer (the accesses stay bounds-checked and fail cleanly).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "btt-engine-util.h"
#include "btt-engine.h"
#include "tap.h"

#define NWRITES 1500
#define NLBAS 200

static uint64_t hash(const uint8_t *p, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	while (len--)
		h = (h ^ *p++) * 1099511628211ULL;
	return h;
}

/* A file in /dev/shm (or TMPDIR) holding @len bytes of @buf, unlinked. */
static int file_media(struct pmemctl_ctx *ctx, const uint8_t *buf,
		      uint64_t len, struct pmemctl_media **m)
{
	const char *dir = access("/dev/shm", W_OK) ? getenv("TMPDIR") :
			  "/dev/shm";
	char path[4096];
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/pmemctl-direct-XXXXXX",
		 dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, buf, len, 0) != (ssize_t)len)
		rc = -EIO;
	close(fd);
	rc = rc ?: pmemctl_media_open_file(ctx, path, 0, len,
					   PMEMCTL_MEDIA_WRITE, m);
	unlink(path);	/* the media keeps it open */
	return rc;
}

/* The same writes and reads on @m: the sectors read back, hashed. */
static int run_writes(struct pmemctl_ctx *ctx, struct pmemctl_media *m,
		      bool *direct, uint64_t *reads)
{
	uint8_t buf[4224];
	uint64_t x = 12345;
	struct pmemctl_btt *b;
	uint32_t sec;
	int rc = pmemctl_btt_open(ctx, m, NULL, PMEMCTL_MEDIA_WRITE, &b);

	if (rc)
		return rc;
	*direct = btt_engine_direct(b);
	sec = pmemctl_btt_get_sector_size(b);
	for (unsigned i = 0; i < NWRITES && !rc; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		sector_fill(buf, sec, x >> 33 & 0xffff, i + 1);
		rc = btt_engine_write_lane(b, (unsigned)(x >> 20),
					   (x >> 40) % NLBAS, buf);
	}
	*reads = 0;
	for (uint64_t lba = 0; lba < NLBAS + 8 && !rc; lba++) {
		rc = pmemctl_btt_read(b, lba, buf);
		*reads = *reads * 31 + hash(buf, sec);
	}
	pmemctl_btt_close(b);
	return rc;
}

/*
 * One write sequence on memory (direct), a slice of memory (direct, its
 * base not page-aligned), a misaligned slice (the media calls: the map
 * would not be 4-byte aligned in memory) and a file (the media calls):
 * the same bytes everywhere, and the same sectors read back.
 */
static void test_same_bytes(struct tap *t, struct pmemctl_ctx *ctx,
			    unsigned major, uint32_t lbasize)
{
	static const uint64_t at[] = { 0, 192, 2 };
	struct pmemctl_media *m[4] = { NULL }, *parent[3] = { NULL };
	uint8_t *img[4] = { NULL }, *outer[3] = { NULL };
	bool direct[4] = { false }, ok = true;
	uint64_t reads[4] = { 0 };
	struct mem_btt mb;
	int rc;

	if (mem_btt_new(ctx, 20 * MiB, major, lbasize, &mb)) {
		tap_ok(t, false, "v%u %u: a BTT", major, lbasize);
		return;
	}
	for (unsigned i = 0; i < 3; i++) {
		outer[i] = malloc(mb.size + at[i]);
		if (!outer[i])
			break;
		memcpy(outer[i] + at[i], mb.buf, mb.size);
		img[i] = outer[i] + at[i];
		rc = pmemctl_media_new_memory(ctx, outer[i], mb.size + at[i],
					      true, &parent[i]);
		if (!i && !rc) {	/* the memory media itself */
			m[0] = parent[0];
			parent[0] = NULL;
			continue;
		}
		rc = rc ?: pmemctl_media_new_slice(parent[i], at[i], mb.size,
						   &m[i]);
		ok &= !rc;
	}
	ok &= !file_media(ctx, mb.buf, mb.size, &m[3]);
	for (unsigned i = 0; i < 4 && ok; i++)
		ok = !run_writes(ctx, m[i], &direct[i], &reads[i]);
	img[3] = malloc(mb.size);
	ok = ok && img[3] && !pmemctl_media_read(m[3], 0, img[3], mb.size);
	tap_ok(t, ok && direct[0] && direct[1] && !direct[2] && !direct[3],
	       "v%u %u: %u writes on memory, a slice (direct), a misaligned slice and a file (media calls)",
	       major, lbasize, NWRITES);
	tap_ok(t, ok && !memcmp(img[0], img[1], mb.size) &&
	       !memcmp(img[0], img[2], mb.size) &&
	       !memcmp(img[0], img[3], mb.size) && reads[0] == reads[1] &&
	       reads[0] == reads[2] && reads[0] == reads[3],
	       "v%u %u: byte-identical media and reads on all four", major,
	       lbasize);
	for (unsigned i = 0; i < 4; i++)
		pmemctl_media_close(m[i]);
	for (unsigned i = 0; i < 3; i++) {
		pmemctl_media_close(parent[i]);
		free(outer[i]);
	}
	free(img[3]);
	mem_btt_free(&mb);
}

/* ---- hostile: a second arena whose offsets wrap ------------------------ */

#define ARENA0 (16 * MiB)		/* arena 0: at 4 KiB (v1.1) */
#define OFF1 (BTT1_START_OFFSET + ARENA0 + MiB)	/* arena 1's info block */
#define HOSTILE_SIZE (OFF1 + 2 * MiB)

static void sb_seal(struct btt_sb *sb)
{
	put_le64(&sb->checksum, pmemctl_sb_checksum(sb));
}

/*
 * Arena 0 (16 MiB) points on to arena 1 at OFF1, a copy of its info
 * block with offsets relative to OFF1 that wrap around 2^64 onto arena
 * 0's log (and map, with @map_wraps): each info block passes its own
 * checks (in order, inside its arena), and the walk finds every info
 * block inside the media; but arena 1's map (@map_wraps false: at 2^62)
 * or its data area (@map_wraps: from OFF1 on, 16 MiB) ends far past it.
 */
static int hostile_image(struct pmemctl_ctx *ctx, bool map_wraps,
			 uint8_t **out)
{
	static const uint8_t uuid[16] = { 0x42, 9 };
	uint8_t *buf = calloc(1, HOSTILE_SIZE);
	struct btt_sb *sb0 = (void *)(buf + BTT1_START_OFFSET);
	struct btt_sb *sb1 = (void *)(buf + OFF1);
	struct pmemctl_media *m;
	struct btt_arena a;
	int rc;

	if (!buf)
		return -ENOMEM;
	rc = pmemctl_media_new_memory(ctx, buf, BTT1_START_OFFSET + ARENA0,
				      true, &m);
	rc = rc ?: btt_write_layout(ctx, m, 1, 4096, uuid, NULL);
	pmemctl_media_close(m);
	if (rc) {
		free(buf);
		return rc;
	}
	btt_arena_decode(sb0, BTT1_START_OFFSET, &a);
	put_le64(&sb0->nextoff, OFF1 - BTT1_START_OFFSET);
	sb_seal(sb0);
	*sb1 = *sb0;
	put_le64(&sb1->nextoff, 0);
	put_le64(&sb1->dataoff, BTT_INFO_SIZE);
	put_le64(&sb1->mapoff, map_wraps ? a.mapoff - OFF1 : 1ULL << 62);
	put_le64(&sb1->logoff, a.logoff - OFF1);
	put_le64(&sb1->info2off, a.logoff - OFF1 + BTT_LOG_SIZE);
	sb_seal(sb1);
	*out = buf;
	return 0;
}

static void test_wrapping_arena(struct tap *t, struct pmemctl_ctx *ctx,
				bool map_wraps, unsigned flags)
{
	const char *what = map_wraps ? "data area" : "map";
	struct pmemctl_btt *b = NULL;
	struct pmemctl_media *m = NULL;
	uint8_t *buf = NULL, sector[4096] = { 7 };
	int rc, rrc = 0, wrc = 0;
	uint64_t before, last;
	bool direct = false;

	rc = hostile_image(ctx, map_wraps, &buf);
	rc = rc ?: pmemctl_media_new_memory(ctx, buf, HOSTILE_SIZE, true, &m);
	if (rc) {
		tap_ok(t, false, "a hostile image (%d)", rc);
		free(buf);
		return;
	}
	before = hash(buf, HOSTILE_SIZE);
	rc = pmemctl_btt_open(ctx, m, NULL, flags, &b);
	if (!rc) {
		direct = btt_engine_direct(b);
		last = pmemctl_btt_get_nlba(b) - 1;	/* arena 1's last */
		rrc = pmemctl_btt_read(b, last, sector);
		if (flags & PMEMCTL_MEDIA_WRITE)
			wrc = btt_engine_write_lane(b, 3, last, sector);
		else
			wrc = -EROFS;
		pmemctl_btt_close(b);
	}
	tap_ok(t, (rc < 0 || (!direct && rrc < 0 && wrc < 0)) &&
	       hash(buf, HOSTILE_SIZE) == before,
	       "arena 1's %s lies past the media, its offsets wrapping (%s): no direct access, I/O refused (open %d, read %d, write %d), nothing changed",
	       what, flags ? "read-write" : "read-only", rc, rrc, wrc);
	pmemctl_media_close(m);
	free(buf);
}

/* Which media offer a view: what the engine takes as direct. */
static void test_views(struct tap *t, struct pmemctl_ctx *ctx)
{
	uint8_t *mem = calloc(1, 8192), *base;
	struct pmemctl_media *rw = NULL, *ro = NULL, *slice = NULL;
	enum pmem_flush f;
	bool ok;

	ok = mem && !pmemctl_media_new_memory(ctx, mem, 8192, true, &rw) &&
	     !pmemctl_media_new_memory(ctx, mem, 8192, false, &ro) &&
	     !pmemctl_media_new_slice(rw, 100, 4096, &slice);
	tap_ok(t, ok && media_direct_view(rw, true, &base, &f) &&
	       base == mem && f == PMEM_FLUSH_NONE &&
	       media_direct_view(ro, false, &base, &f) && base == mem &&
	       !media_direct_view(ro, true, &base, &f) && !base &&
	       media_direct_view(slice, true, &base, &f) && base == mem + 100,
	       "memory: a view at its buffer (a slice: offset in); read-only: none for writing");
	pmemctl_media_close(slice);
	pmemctl_media_close(ro);
	pmemctl_media_close(rw);
	free(mem);
}

int main(void)
{
	struct pmemctl_ctx *ctx;
	struct tap t = { 0 };

	if (pmemctl_new(&ctx))
		return 1;
	/* the refusals below are expected: keep their messages out */
	pmemctl_set_log_priority(ctx, 0);
	test_views(&t, ctx);
	test_same_bytes(&t, ctx, 1, 512);
	test_same_bytes(&t, ctx, 2, 4096);
	test_same_bytes(&t, ctx, 1, 520);
	for (unsigned w = 0; w < 2; w++) {
		test_wrapping_arena(&t, ctx, false, w ? PMEMCTL_MEDIA_WRITE : 0);
		test_wrapping_arena(&t, ctx, true, w ? PMEMCTL_MEDIA_WRITE : 0);
	}
	pmemctl_free(ctx);
	return tap_done(&t);
}
