// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BTT engine's crash-consistency proof.  A sequence of sector writes
 * (random LBAs, several lanes, LBAs written again and again) runs on a
 * media whose power is cut after N of its writes, zeroes and persists,
 * for every N of every write of the sequence, in four power models:
 * everything before the cut reached the media or only what was persisted
 * did, each with and without the write at the cut torn (8-byte aligned).
 * After each cut the BTT is opened again (log recovery) and
 *  - the sector being written reads wholly old or wholly new,
 *  - every other sector written so far reads as its last version, and
 *    a sample of the untouched ones (all of them after each write) as
 *    zeroes,
 *  - check-btt finds nothing wrong.
 * Each run starts from the state the previous writes left; a recording
 * media puts back every change (the cut, the recovery) before the next.
 * PMEMCTL_CRASH_WRITES=N runs a longer sequence.
 */
#include <stdio.h>
#include <stdlib.h>

#include "btt-engine-util.h"
#include "btt-engine.h"
#include "tap.h"

#define NLANES 5		/* lanes the sequence uses */
#define HOT_LBAS 12		/* LBAs written again and again */
#define SAMPLE 48		/* untouched LBAs checked after each cut */

struct sweep {
	struct pmemctl_ctx *ctx;
	struct mem_btt mb;
	uint32_t sector;
	uint64_t nlba;
	uint16_t *ver;		/* the version each LBA holds */
	uint8_t *buf, *tmp;
	uint64_t cuts, runs, bad;	/* runs: cut or not */
	uint64_t seed;
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static bool lba_ok(struct sweep *w, struct pmemctl_btt *b, uint64_t lba,
		   unsigned alt)
{
	if (pmemctl_btt_read(b, lba, w->buf))
		return false;
	return sector_is(w->buf, w->sector, lba, w->ver[lba], w->tmp) ||
	       (alt && sector_is(w->buf, w->sector, lba, alt, w->tmp));
}

/* Sectors as the last completed writes left them; @lba may be @alt. */
static bool contents_ok(struct sweep *w, struct pmemctl_btt *b,
			uint64_t lba, unsigned alt, bool all)
{
	uint64_t s = w->seed;

	for (uint64_t i = 0; i < w->nlba; i++)
		if ((all || w->ver[i] || i == lba) &&
		    !lba_ok(w, b, i, i == lba ? alt : 0))
			return false;
	for (unsigned i = 0; i < SAMPLE && !all; i++) {
		uint64_t x = rnd(&s) % w->nlba;

		if (!lba_ok(w, b, x, x == lba ? alt : 0))
			return false;
	}
	return true;
}

/* After a cut: recover, look, check; false if anything is wrong. */
static bool verify(struct sweep *w, struct pmemctl_media *m, uint64_t lba,
		   unsigned v)
{
	struct pmemctl_btt *b;
	bool ok;

	if (pmemctl_btt_open(w->ctx, m, NULL, PMEMCTL_MEDIA_WRITE, &b))
		return false;
	ok = contents_ok(w, b, lba, v, false);
	pmemctl_btt_close(b);
	return ok && btt_check_clean(w->ctx, m);
}

/*
 * Write version @v of @lba on @lane with the power cut after @budget
 * operations; false once the write completed within the budget.
 */
static bool cut_once(struct sweep *w, unsigned lane, uint64_t lba,
		     unsigned v, uint64_t budget, bool drop, bool tear)
{
	struct media_fault rec = { .budget = UINT64_MAX, .drop = true,
				   .record = true };
	struct media_fault cut = { .budget = budget, .drop = drop,
				   .tear = tear };
	struct pmemctl_media *recm, *cutm;
	struct pmemctl_btt *b;
	bool more = false, ok;

	if (media_new_faulty(w->mb.m, &rec, &recm))
		return false;
	if (media_new_faulty(recm, &cut, &cutm)) {
		pmemctl_media_close(recm);
		return false;
	}
	sector_fill(w->buf, w->sector, lba, v);
	if (!pmemctl_btt_open(w->ctx, cutm, NULL, PMEMCTL_MEDIA_WRITE, &b)) {
		btt_engine_write_lane(b, lane, lba, w->buf);
		pmemctl_btt_close(b);
	}
	more = cut.cut;
	media_fault_release(&cut);
	pmemctl_media_close(cutm);
	ok = !rec.error && !cut.error && verify(w, recm, lba, v);
	w->cuts += more;
	w->runs++;
	if (!ok && w->bad++ < 5)
		printf("# LBA %llu v%u lane %u: cut after %llu ops%s%s: wrong after recovery\n",
		       (unsigned long long)lba, v, lane,
		       (unsigned long long)budget, drop ? ", unpersisted lost" : "",
		       tear ? ", torn" : "");
	media_fault_rollback(&rec);
	pmemctl_media_close(recm);
	return more;
}

/* Every cut point of one write, in every power model; then the write. */
static bool sweep_write(struct sweep *w, unsigned lane, uint64_t lba)
{
	unsigned v = w->ver[lba] + 1;
	struct pmemctl_btt *b;
	int rc;

	for (unsigned model = 0; model < 4; model++)
		for (uint64_t n = 0; cut_once(w, lane, lba, v, n, model & 1,
					      model & 2); n++)
			;
	if (pmemctl_btt_open(w->ctx, w->mb.m, NULL, PMEMCTL_MEDIA_WRITE, &b))
		return false;
	sector_fill(w->buf, w->sector, lba, v);
	rc = btt_engine_write_lane(b, lane, lba, w->buf);
	if (!rc)
		w->ver[lba] = (uint16_t)v;
	pmemctl_btt_close(b);
	return rc == 0;
}

static void run(struct tap *t, struct pmemctl_ctx *ctx, unsigned major,
		uint32_t lbasize, unsigned nwrites, uint64_t *total)
{
	struct sweep w = { .ctx = ctx, .seed = 0x5eed + lbasize + major };
	struct pmemctl_btt *b = NULL;
	uint64_t s = w.seed * 3, full_bad = 0;
	bool ok = true;

	if (mem_btt_sweep(ctx, major, lbasize, &w.mb, &w.sector, &w.nlba)) {
		tap_ok(t, false, "v%u %u-byte BTT in memory", major, lbasize);
		return;
	}
	w.ver = calloc(w.nlba, sizeof(*w.ver));
	w.buf = malloc(w.sector);
	w.tmp = malloc(w.sector);
	for (unsigned i = 0; ok && i < nwrites && w.ver && w.buf && w.tmp;
	     i++) {
		uint64_t lba = rnd(&s) % 4 ? rnd(&s) % HOT_LBAS
					   : rnd(&s) % w.nlba;

		ok = sweep_write(&w, (unsigned)(rnd(&s) % NLANES) * 37, lba);
		if (ok && !pmemctl_btt_open(ctx, w.mb.m, NULL, 0, &b)) {
			full_bad += !contents_ok(&w, b, UINT64_MAX, 0, true);
			pmemctl_btt_close(b);
		}
	}
	tap_ok(t, ok && w.bad == 0 && full_bad == 0 && w.cuts > nwrites * 4,
	       "v%u.%u BTT, %u-byte sectors: %u writes, %llu power cuts (%llu runs): every sector old or new, check-btt clean",
	       major, major == 1 ? 1 : 0, lbasize, nwrites,
	       (unsigned long long)w.cuts, (unsigned long long)w.runs);
	*total += w.cuts;
	tap_ok(t, btt_check_clean(ctx, w.mb.m), "v%u %u: BTT clean after the sequence",
	       major, lbasize);
	free(w.ver);
	free(w.buf);
	free(w.tmp);
	mem_btt_free(&w.mb);
}

int main(void)
{
	const char *env = getenv("PMEMCTL_CRASH_WRITES");
	unsigned n = env ? (unsigned)atoi(env) : 100;
	struct pmemctl_ctx *ctx;
	struct tap t = { 0 };
	uint64_t total = 0;

	if (pmemctl_new(&ctx))
		return 1;
	run(&t, ctx, 2, 4096, n, &total);
	run(&t, ctx, 1, 512, n, &total);
	run(&t, ctx, 1, 520, n, &total);
	printf("# %llu power cuts in all, each followed by recovery, a read of the sectors and check-btt\n",
	       (unsigned long long)total);
	pmemctl_free(ctx);
	return tap_done(&t);
}
