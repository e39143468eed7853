// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz-btt's seed corpus (make-corpus.sh), in its sparse format
 * (btt-seed.h):
 *   btt-seed pack IMAGE OUT   an image file (a pmemblk pool, say)
 *   btt-seed unpack SEED OUT  the image fuzz-btt makes of an input (a
 *                             crash to look at with pmemctl check-btt)
 *   btt-seed gen DIR          BTTs the library lays out in memory: v1.1
 *                             and v2.0 in 512, 520 and 4096 byte sectors,
 *                             two arenas, engine writes, writes with the
 *                             power cut (the cut write torn), and a log
 *                             entry torn between its two halves
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btt.h"
#include "btt-seed.h"

#define MiB (1ULL << 20)
#define GRAIN 8			/* bytes: runs of zeroes this long split */

static const uint8_t uuid[16] = { 0xb7, 0x7f, 0x5e, 0xed, 1 };

static void put32(FILE *f, uint32_t v)
{
	uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };

	fwrite(b, 1, 4, f);
}

static bool grain_zero(const uint8_t *p, uint64_t at, uint64_t size)
{
	for (uint64_t i = at; i < at + GRAIN && i < size; i++)
		if (p[i])
			return false;
	return true;
}

/* Every run of non-zero grains as one chunk. */
static int pack(const uint8_t *img, uint64_t size, const char *out)
{
	FILE *f = fopen(out, "wb");

	if (!f) {
		perror(out);
		return 1;
	}
	put32(f, (uint32_t)(size / 512));
	for (uint64_t at = 0; at < size;) {
		uint64_t end = at;

		if (grain_zero(img, at, size)) {
			at += GRAIN;
			continue;
		}
		while (end < size && !grain_zero(img, end, size))
			end += GRAIN;
		if (end > size)
			end = size;
		put32(f, (uint32_t)at);
		put32(f, (uint32_t)(end - at));
		fwrite(img + at, 1, end - at, f);
		at = end;
	}
	return fclose(f) ? 1 : 0;
}

static int pack_file(const char *path, const char *out)
{
	FILE *f = fopen(path, "rb");
	uint8_t *img = calloc(1, BTT_SEED_MAX_MEDIA);
	size_t n;
	int rc;

	if (!f || !img) {
		perror(path);
		return 1;
	}
	n = fread(img, 1, BTT_SEED_MAX_MEDIA, f);
	fclose(f);
	rc = pack(img, n & ~511ULL, out);
	free(img);
	return rc;
}

static int unpack(const char *path, const char *out)
{
	uint8_t *in = malloc(BTT_SEED_MAX_MEDIA), *img = NULL;
	FILE *f = fopen(path, "rb");
	uint64_t size;
	size_t n = 0;

	if (f && in)
		n = fread(in, 1, BTT_SEED_MAX_MEDIA, f);
	if (f)
		fclose(f);
	size = in ? btt_seed_media_size(in, n) : 0;
	img = calloc(1, size + 1);
	f = fopen(out, "wb");
	if (!in || !img || !f) {
		perror(path);
		return 1;
	}
	btt_seed_apply(in, n, img, size);
	fwrite(img, 1, size, f);
	free(in);
	free(img);
	return fclose(f) ? 1 : 0;
}

struct seed {
	struct pmemctl_ctx *ctx;
	const char *dir;
	uint8_t *img;
	uint64_t size;
	struct pmemctl_media *m;
};

static int seed_new(struct seed *s, uint64_t size)
{
	memset(s->img, 0, BTT_SEED_MAX_MEDIA);
	s->size = size;
	return pmemctl_media_new_memory(s->ctx, s->img, size, true, &s->m);
}

static int seed_write(struct seed *s, const char *name)
{
	char path[4096];

	pmemctl_media_close(s->m);
	s->m = NULL;
	snprintf(path, sizeof(path), "%s/%s.seed", s->dir, name);
	return pack(s->img, s->size, path);
}

/* Engine writes of @n sectors (LBAs 0..7, over and over). */
static int writes(struct seed *s, struct pmemctl_media *m, unsigned n)
{
	struct pmemctl_btt *b;
	uint8_t buf[4096];
	int rc = pmemctl_btt_open(s->ctx, m, NULL, PMEMCTL_MEDIA_WRITE, &b);

	if (rc)
		return rc;
	for (unsigned i = 0; !rc && i < n; i++) {
		memset(buf, 0, sizeof(buf));	/* a small seed */
		memset(buf, 0x11 * (i % 15 + 1), 16);
		rc = pmemctl_btt_write(b, (i * 3) % 8, buf);
	}
	pmemctl_btt_close(b);
	return rc;
}

/* Fresh layouts, then the same with a few engine writes. */
static int gen_plain(struct seed *s)
{
	static const uint32_t lbasize[] = { 512, 520, 4096 };
	char name[64];
	int rc = 0;

	for (unsigned major = 1; major <= 2; major++)
		for (unsigned i = 0; i < 3; i++)
			for (unsigned w = 0; w < 2 && !rc; w++) {
				rc = seed_new(s, 16 * MiB +
					      btt_start_offset(major)) ||
				     btt_write_layout(s->ctx, s->m, major,
						      lbasize[i], uuid, NULL) ||
				     (w && writes(s, s->m, 20));
				snprintf(name, sizeof(name), "v%u-%u%s",
					 major, lbasize[i], w ? "-written" : "");
				rc = rc || seed_write(s, name);
			}
	return rc;
}

/* Arena 0's info blocks (primary and backup) point on to arena 1. */
static int link_arena(struct seed *s, uint64_t a0, uint64_t next)
{
	struct btt_sb sb;
	uint64_t info2;
	int rc = pmemctl_media_read(s->m, a0, &sb, sizeof(sb));

	info2 = a0 + get_le64(&sb.info2off);
	put_le64(&sb.nextoff, next);
	put_le64(&sb.checksum, pmemctl_sb_checksum(&sb));
	return rc || pmemctl_media_write(s->m, a0, &sb, sizeof(sb)) ||
	       pmemctl_media_write(s->m, info2, &sb, sizeof(sb));
}

/* Two 16 MiB arenas, as the kernel lays out 512 GiB ones. */
static int gen_two_arenas(struct seed *s, unsigned major, uint32_t lbasize,
			  const char *name)
{
	uint64_t start = btt_start_offset(major);
	struct pmemctl_media *a;
	int rc = seed_new(s, start + 32 * MiB);

	for (unsigned i = 0; !rc && i < 2; i++) {
		/* the layout writer puts arena 0 of major 1 at 4 KiB */
		rc = pmemctl_media_new_slice(s->m, i * 16 * MiB, 16 * MiB +
					     start, &a);
		if (!rc) {
			rc = btt_write_layout(s->ctx, a, major, lbasize, uuid,
					      NULL);
			pmemctl_media_close(a);
		}
	}
	rc = rc || link_arena(s, start, 16 * MiB) ||
	     writes(s, s->m, 12);
	return rc || seed_write(s, name);
}

/* Engine writes with the power cut after @budget operations. */
static int gen_cut(struct seed *s, unsigned major, uint32_t lbasize,
		   uint64_t budget, bool tear, const char *name)
{
	struct media_fault f = { .budget = budget, .tear = tear,
				 .drop = true };
	struct pmemctl_media *fm = NULL;
	int rc = seed_new(s, 16 * MiB + btt_start_offset(major)) ||
		 btt_write_layout(s->ctx, s->m, major, lbasize, uuid, NULL) ||
		 writes(s, s->m, 6) || media_new_faulty(s->m, &f, &fm);

	if (!rc)
		writes(s, fm, 40);	/* fails at the cut */
	media_fault_release(&f);
	pmemctl_media_close(fm);
	return rc || !f.cut || seed_write(s, name);
}

/*
 * Engine writes, then lane 0's log slot @slot torn as a cut between the
 * halves of a log entry write leaves it: the first half (lba, old_map)
 * of a new entry for LBA 2, the second (new_map, seq) as it was.
 */
static int gen_torn_log(struct seed *s, unsigned major, uint32_t lbasize,
			int slot, const char *name)
{
	uint64_t start = btt_start_offset(major);
	struct btt_arena a;
	struct btt_sb sb;
	struct btt_log_entry half;
	le32 raw;
	int rc = seed_new(s, 16 * MiB + start) ||
		 btt_write_layout(s->ctx, s->m, major, lbasize, uuid, NULL) ||
		 writes(s, s->m, 9) ||
		 pmemctl_media_read(s->m, start, &sb, sizeof(sb));

	if (rc)
		return 1;
	btt_arena_decode(&sb, start, &a);
	rc = pmemctl_media_read(s->m, btt_map_off(&a, 2), &raw, sizeof(raw));
	put_le32(&half.lba, 2);
	put_le32(&half.old_map, btt_map_decode(get_le32(&raw), 2).postmap);
	rc = rc || pmemctl_media_write(s->m, btt_log_slot_off(&a, 0, slot),
				       &half, 8);
	return rc || seed_write(s, name);
}

static int gen(const char *dir)
{
	struct seed s = { .dir = dir, .img = calloc(1, BTT_SEED_MAX_MEDIA) };
	int rc;

	if (!s.img || pmemctl_new(&s.ctx))
		return 1;
	pmemctl_set_log_priority(s.ctx, 0);
	rc = gen_plain(&s) ||
	     gen_two_arenas(&s, 2, 4096, "two-arenas-v2-4096") ||
	     gen_two_arenas(&s, 1, 512, "two-arenas-v1-512") ||
	     gen_cut(&s, 2, 512, 9, true, "cut-v2-512-torn") ||
	     gen_cut(&s, 2, 4096, 14, true, "cut-v2-4096-torn") ||
	     gen_cut(&s, 1, 520, 11, false, "cut-v1-520") ||
	     gen_torn_log(&s, 2, 512, 0, "torn-log-v2-512-slot0") ||
	     gen_torn_log(&s, 1, 4096, 1, "torn-log-v1-4096-slot1");
	pmemctl_media_close(s.m);
	pmemctl_free(s.ctx);
	free(s.img);
	if (rc)
		fprintf(stderr, "btt-seed: could not make the seeds\n");
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "pack"))
		return pack_file(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "unpack"))
		return unpack(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "gen"))
		return gen(argv[2]);
	fprintf(stderr, "usage: btt-seed pack IMAGE OUT | unpack SEED OUT | gen DIR\n");
	return 2;
}
