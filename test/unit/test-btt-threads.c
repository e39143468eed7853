// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BTT engine under several threads (also run under ThreadSanitizer,
 * the 'tsan' suite): threads write and read random and often repeated
 * LBAs through one pmemctl_btt, some on the lane of their CPU
 * (pmemctl_btt_write), some on lanes picked at random, so lanes are
 * shared and read tracking is exercised.  Every sector read must be
 * wholly one of the versions written to that LBA (its header names the
 * version, its body must then match it byte for byte: never a mix), each
 * LBA finally holds some thread's last write to it, and check-btt finds
 * the BTT clean.  On memory and on a mapped file in cache-flush mode.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "btt-engine-util.h"
#include "btt-engine.h"
#include "tap.h"

#define NTHREADS 4
#define NOPS 1500
#define HOT 24			/* LBAs most operations go to */
#define SPREAD 200		/* the others, from this many */

struct op {
	uint32_t lba;
	bool write;
	unsigned lane;		/* BTT_NFREE: the CPU's (pmemctl_btt_write) */
};

struct run {
	struct pmemctl_btt *b;
	uint32_t sector;
	struct op plan[NTHREADS][NOPS];
};

struct worker {
	struct run *r;
	unsigned id;
	unsigned bad_io, bad_read;	/* failed calls, wrong contents */
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void plan(struct run *r, uint64_t seed)
{
	for (unsigned t = 0; t < NTHREADS; t++)
		for (unsigned i = 0; i < NOPS; i++) {
			struct op *o = &r->plan[t][i];
			uint64_t x = rnd(&seed);

			o->lba = (uint32_t)(x % 4 ? x % HOT : x % SPREAD);
			o->write = (x >> 8) % 2;
			o->lane = (x >> 16) % 2 ? BTT_NFREE :
				  (unsigned)((x >> 24) % BTT_NFREE);
		}
}

/* Version: which thread wrote it, at which step; 0: never written. */
static uint64_t version(unsigned t, unsigned i)
{
	return ((uint64_t)(t + 1) << 32) | (i + 1);
}

static void content(uint8_t *p, uint32_t len, uint32_t lba, uint64_t v)
{
	uint64_t head[2] = { lba, v };

	sector_fill(p, len, lba, (unsigned)(v ^ (v >> 29)));
	memcpy(p, head, sizeof(head));
}

/* A sector wholly one version written to @lba (or never written). */
static bool plausible(const struct run *r, const uint8_t *p, uint32_t lba,
		      uint8_t *tmp)
{
	uint64_t head[2], v;
	unsigned t, i;

	memcpy(head, p, sizeof(head));
	v = head[1];
	if (!head[0] && !v) {
		memset(tmp, 0, r->sector);
		return memcmp(p, tmp, r->sector) == 0;
	}
	t = (unsigned)(v >> 32) - 1;
	i = (unsigned)(v & 0xffffffff) - 1;
	if (head[0] != lba || t >= NTHREADS || i >= NOPS ||
	    !r->plan[t][i].write || r->plan[t][i].lba != lba)
		return false;
	content(tmp, r->sector, lba, v);
	return memcmp(p, tmp, r->sector) == 0;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->r;
	uint8_t buf[4096], tmp[4096];

	for (unsigned i = 0; i < NOPS; i++) {
		const struct op *o = &r->plan[w->id][i];
		int rc;

		if (o->write) {
			content(buf, r->sector, o->lba, version(w->id, i));
			rc = o->lane == BTT_NFREE ?
			     pmemctl_btt_write(r->b, o->lba, buf) :
			     btt_engine_write_lane(r->b, o->lane, o->lba, buf);
		} else {
			rc = pmemctl_btt_read(r->b, o->lba, buf);
			w->bad_read += !rc && !plausible(r, buf, o->lba, tmp);
		}
		w->bad_io += rc != 0;
	}
	return NULL;
}

/* Each LBA holds some thread's last write to it (or was never written). */
static unsigned final_wrong(struct run *r)
{
	uint8_t buf[4096], tmp[4096];
	unsigned wrong = 0;

	for (uint32_t lba = 0; lba < SPREAD; lba++) {
		bool ok = false, any = false;

		if (pmemctl_btt_read(r->b, lba, buf))
			return wrong + 1;
		for (unsigned t = 0; t < NTHREADS; t++)
			for (unsigned i = NOPS; i-- > 0;) {
				const struct op *o = &r->plan[t][i];

				if (!o->write || o->lba != lba)
					continue;
				any = true;
				content(tmp, r->sector, lba, version(t, i));
				ok |= !memcmp(buf, tmp, r->sector);
				break;
			}
		if (!any) {
			memset(tmp, 0, r->sector);
			ok = !memcmp(buf, tmp, r->sector);
		}
		wrong += !ok;
	}
	return wrong;
}

static void hammer(struct tap *t, struct pmemctl_ctx *ctx,
		   struct pmemctl_media *m, const char *what)
{
	struct worker w[NTHREADS];
	pthread_t tid[NTHREADS];
	unsigned bad_io = 0, bad_read = 0, started = 0;
	struct run *r = calloc(1, sizeof(*r));

	if (!r || pmemctl_btt_open(ctx, m, NULL, PMEMCTL_MEDIA_WRITE, &r->b)) {
		tap_ok(t, false, "%s: open the BTT", what);
		free(r);
		return;
	}
	r->sector = pmemctl_btt_get_sector_size(r->b);
	plan(r, 0x9E3779B97F4A7C15ULL ^ r->sector);
	for (unsigned i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .r = r, .id = i };
		started += !pthread_create(&tid[i], NULL, work, &w[i]);
	}
	for (unsigned i = 0; i < started; i++) {
		pthread_join(tid[i], NULL);
		bad_io += w[i].bad_io;
		bad_read += w[i].bad_read;
	}
	tap_ok(t, started == NTHREADS && !bad_io && !bad_read,
	       "%s: %u threads x %u reads/writes of %u-byte sectors: %u failed, %u read a sector that was never written whole",
	       what, started, NOPS, r->sector, bad_io, bad_read);
	tap_ok(t, final_wrong(r) == 0,
	       "%s: every LBA holds some thread's last write to it", what);
	pmemctl_btt_close(r->b);
	tap_ok(t, btt_check_clean(ctx, m), "%s: check-btt finds it clean", what);
	free(r);
}

static void test_memory(struct tap *t, struct pmemctl_ctx *ctx,
			uint32_t lbasize)
{
	struct mem_btt mb;
	char what[64];

	snprintf(what, sizeof(what), "memory, %u", lbasize);
	if (mem_btt_new(ctx, 20 * MiB, 2, lbasize, &mb)) {
		tap_ok(t, false, "%s: a BTT", what);
		return;
	}
	hammer(t, ctx, mb.m, what);
	mem_btt_free(&mb);
}

/* A file mapped as persistent memory: cache flushes, no msync. */
static void test_mapping(struct tap *t, struct pmemctl_ctx *ctx)
{
	static const uint8_t uuid[16] = { 0x42, 7 };
	char path[] = "/tmp/pmemctl-btt-threads-XXXXXX";
	struct pmemctl_media *m = NULL;
	int fd = mkstemp(path);

	if (fd < 0 || ftruncate(fd, 20 * MiB) ||
	    pmemctl_media_map_file(ctx, path, 0, PMEMCTL_MEDIA_WRITE |
				   PMEMCTL_MEDIA_PERSISTENT_MAPPING, &m) ||
	    btt_write_layout(ctx, m, 1, 4096, uuid, NULL))
		tap_ok(t, false, "a persistent mapping with a BTT");
	else
		hammer(t, ctx, m, "persistent mapping, 4096");
	pmemctl_media_close(m);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
}

int main(void)
{
	struct pmemctl_ctx *ctx;
	struct tap t = { 0 };

	if (pmemctl_new(&ctx))
		return 1;
	test_memory(&t, ctx, 4096);
	test_memory(&t, ctx, 512);
	test_mapping(&t, ctx);
	pmemctl_free(ctx);
	return tap_done(&t);
}
