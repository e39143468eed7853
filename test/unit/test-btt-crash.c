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
 * Its records also say which bytes a run changed: cuts of one write that
 * leave exactly the same bytes (a cut before an unpersisted write in the
 * models that drop it, say) reach the same state, verified once.
 * 300 writes per BTT by default (about 25000 cut points; fewer under
 * AddressSanitizer, and the figure says so); PMEMCTL_CRASH_WRITES=N runs
 * N instead.
 */
#include <stdio.h>
#include <stdlib.h>

#include "btt-engine-util.h"
#include "btt-engine.h"
#include "tap.h"

#define NLANES 5		/* lanes the sequence uses */
#define HOT_LBAS 12		/* LBAs written again and again */
#define SAMPLE 48		/* untouched LBAs checked after each cut */

/*
 * What a run left on the media: for each range it changed (the
 * recording media's undo records, newest first), its offset, length and
 * the bytes now there.  Runs of one write that leave the same bytes in
 * the same ranges reach the same state: it is verified once.
 */
struct state {
	uint8_t *key;
	size_t len;
};

#define MAX_STATES 64

struct sweep {
	struct pmemctl_ctx *ctx;
	struct mem_btt mb;
	uint32_t sector;
	uint64_t nlba;
	uint16_t *ver;		/* the version each LBA holds */
	uint32_t *slot;		/* its contents in expect[], or NO_SLOT */
	uint64_t *written;	/* the LBAs written so far, nwritten of them */
	uint8_t *expect;	/* their contents, one sector per slot */
	uint8_t *next;		/* the contents being written */
	uint8_t *zero, *buf;
	uint32_t nwritten;
	struct state seen[MAX_STATES];	/* of the write being swept */
	unsigned nseen;
	uint64_t cuts, runs, checked, bad;	/* runs: cut or not */
	uint64_t seed;
};

#define NO_SLOT UINT32_MAX

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* What @lba holds after the completed writes. */
static const uint8_t *expected(struct sweep *w, uint64_t lba)
{
	uint32_t i = w->slot[lba];

	return i == NO_SLOT ? w->zero : w->expect + (size_t)i * w->sector;
}

/* @lba reads as its last version or, @alt, as w->next. */
static bool lba_ok(struct sweep *w, struct pmemctl_btt *b, uint64_t lba,
		   bool alt)
{
	if (pmemctl_btt_read(b, lba, w->buf))
		return false;
	return !memcmp(w->buf, expected(w, lba), w->sector) ||
	       (alt && !memcmp(w->buf, w->next, w->sector));
}

/*
 * Sectors as the last completed writes left them, @lba may be w->next:
 * every sector (@all) or every one written so far, @lba and a sample.
 */
static bool contents_ok(struct sweep *w, struct pmemctl_btt *b,
			uint64_t lba, bool all)
{
	uint64_t s = w->seed;

	if (all) {
		for (uint64_t i = 0; i < w->nlba; i++)
			if (!lba_ok(w, b, i, false))
				return false;
		return true;
	}
	for (uint32_t i = 0; i < w->nwritten; i++)
		if (!lba_ok(w, b, w->written[i], w->written[i] == lba))
			return false;
	if (w->slot[lba] == NO_SLOT && !lba_ok(w, b, lba, true))
		return false;
	for (unsigned i = 0; i < SAMPLE; i++) {
		uint64_t x = rnd(&s) % w->nlba;

		if (!lba_ok(w, b, x, x == lba))
			return false;
	}
	return true;
}

static bool btt_clean(struct sweep *w, struct pmemctl_media *m)
{
	struct pmemctl_btt_check_opts o = { .max_listed = 4 };
	struct pmemctl_btt_check_result *r = NULL;
	bool clean;

	if (pmemctl_btt_check(w->ctx, m, &o, &r))
		return false;
	clean = r->total == 0;
	for (unsigned i = 0; i < r->nfindings && !clean; i++)
		printf("# check-btt: %s: %s\n",
		       pmemctl_btt_finding_name(r->findings[i].kind),
		       r->findings[i].detail);
	pmemctl_btt_check_free(r);
	return clean;
}

struct key_buf {
	const uint8_t *media;
	uint8_t *p;
	size_t len, cap;
};

static int key_add(void *arg, uint64_t off, size_t len)
{
	struct key_buf *k = arg;
	size_t need = k->len + 2 * sizeof(uint64_t) + len;
	uint64_t hdr[2] = { off, len };

	if (need > k->cap) {
		uint8_t *p = realloc(k->p, need * 2);

		if (!p)
			return -ENOMEM;
		k->p = p;
		k->cap = need * 2;
	}
	memcpy(k->p + k->len, hdr, sizeof(hdr));
	memcpy(k->p + k->len + sizeof(hdr), k->media + off, len);
	k->len = need;
	return 0;
}

/* True if a run of this write already left the state @rec records. */
static bool seen_before(struct sweep *w, const struct media_fault *rec)
{
	struct key_buf k = { .media = w->mb.buf };

	if (media_fault_each(rec, key_add, &k)) {
		free(k.p);
		return false;
	}
	for (unsigned i = 0; i < w->nseen; i++)
		if (w->seen[i].len == k.len &&
		    !memcmp(w->seen[i].key, k.p, k.len)) {
			free(k.p);
			return true;
		}
	if (w->nseen < MAX_STATES)
		w->seen[w->nseen++] = (struct state){ k.p, k.len };
	else
		free(k.p);
	return false;
}

static void seen_forget(struct sweep *w)
{
	while (w->nseen)
		free(w->seen[--w->nseen].key);
}

/* After a cut: recover, look, check; false if anything is wrong. */
static bool verify(struct sweep *w, struct pmemctl_media *m, uint64_t lba)
{
	struct pmemctl_btt *b;
	bool ok;

	if (pmemctl_btt_open(w->ctx, m, NULL, PMEMCTL_MEDIA_WRITE, &b))
		return false;
	ok = contents_ok(w, b, lba, false);
	pmemctl_btt_close(b);
	return ok && btt_clean(w, m);
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
	if (!pmemctl_btt_open(w->ctx, cutm, NULL, PMEMCTL_MEDIA_WRITE, &b)) {
		btt_engine_write_lane(b, lane, lba, w->next);
		pmemctl_btt_close(b);
	}
	more = cut.cut;
	media_fault_release(&cut);
	pmemctl_media_close(cutm);
	ok = !rec.error && !cut.error;
	if (ok && !seen_before(w, &rec)) {
		ok = verify(w, recm, lba);
		w->checked++;
	}
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

/* The write completed: w->next is what @lba holds now. */
static bool remember(struct sweep *w, uint64_t lba)
{
	uint8_t *p;

	if (w->slot[lba] == NO_SLOT) {
		p = realloc(w->expect, (size_t)(w->nwritten + 1) * w->sector);
		if (!p)
			return false;
		w->expect = p;
		w->written[w->nwritten] = lba;
		w->slot[lba] = w->nwritten++;
	}
	memcpy(w->expect + (size_t)w->slot[lba] * w->sector, w->next,
	       w->sector);
	return true;
}

/* Every cut point of one write, in every power model; then the write. */
static bool sweep_write(struct sweep *w, unsigned lane, uint64_t lba)
{
	unsigned v = w->ver[lba] + 1;
	struct pmemctl_btt *b;
	int rc;

	sector_fill(w->next, w->sector, lba, v);
	for (unsigned model = 0; model < 4; model++)
		for (uint64_t n = 0; cut_once(w, lane, lba, v, n, model & 1,
					      model & 2); n++)
			;
	seen_forget(w);
	if (pmemctl_btt_open(w->ctx, w->mb.m, NULL, PMEMCTL_MEDIA_WRITE, &b))
		return false;
	rc = btt_engine_write_lane(b, lane, lba, w->next);
	if (!rc)
		w->ver[lba] = (uint16_t)v;
	pmemctl_btt_close(b);
	return rc == 0 && remember(w, lba);
}

static bool sweep_alloc(struct sweep *w, unsigned nwrites)
{
	w->ver = calloc(w->nlba, sizeof(*w->ver));
	w->slot = malloc(w->nlba * sizeof(*w->slot));
	w->written = calloc(nwrites + 1, sizeof(*w->written));
	w->next = malloc(w->sector);
	w->zero = calloc(1, w->sector);
	w->buf = malloc(w->sector);
	if (w->slot)
		memset(w->slot, 0xff, w->nlba * sizeof(*w->slot));
	return w->ver && w->slot && w->written && w->next && w->zero &&
	       w->buf;
}

static void sweep_free(struct sweep *w)
{
	free(w->ver);
	free(w->slot);
	free(w->written);
	free(w->expect);
	free(w->next);
	free(w->zero);
	free(w->buf);
}

struct totals {
	uint64_t cuts, checked;
};

static void run(struct tap *t, struct pmemctl_ctx *ctx, unsigned major,
		uint32_t lbasize, unsigned nwrites, struct totals *total)
{
	struct sweep w = { .ctx = ctx, .seed = 0x5eed + lbasize + major };
	struct pmemctl_btt *b = NULL;
	uint64_t s = w.seed * 3, full_bad = 0;
	bool ok = true;

	if (mem_btt_new(ctx, 16 * MiB + btt_start_offset(major), major,
			lbasize, &w.mb) ||
	    pmemctl_btt_open(ctx, w.mb.m, NULL, 0, &b)) {
		tap_ok(t, false, "v%u %u-byte BTT in memory", major, lbasize);
		return;
	}
	w.sector = pmemctl_btt_get_sector_size(b);
	w.nlba = pmemctl_btt_get_nlba(b);
	pmemctl_btt_close(b);
	ok = sweep_alloc(&w, nwrites);
	for (unsigned i = 0; ok && i < nwrites; i++) {
		uint64_t lba = rnd(&s) % 4 ? rnd(&s) % HOT_LBAS
					   : rnd(&s) % w.nlba;

		ok = sweep_write(&w, (unsigned)(rnd(&s) % NLANES) * 37, lba);
		if (ok && !pmemctl_btt_open(ctx, w.mb.m, NULL, 0, &b)) {
			full_bad += !contents_ok(&w, b, UINT64_MAX, true);
			pmemctl_btt_close(b);
		}
	}
	tap_ok(t, ok && w.bad == 0 && full_bad == 0 && w.cuts > nwrites * 4 &&
	       w.checked > nwrites * 4,
	       "v%u.%u BTT, %u-byte sectors: %u writes, %llu power cuts (%llu runs, %llu states verified): every sector old or new, check-btt clean",
	       major, major == 1 ? 1 : 0, lbasize, nwrites,
	       (unsigned long long)w.cuts, (unsigned long long)w.runs,
	       (unsigned long long)w.checked);
	total->cuts += w.cuts;
	total->checked += w.checked;
	tap_ok(t, btt_clean(&w, w.mb.m), "v%u %u: BTT clean after the sequence",
	       major, lbasize);
	sweep_free(&w);
	mem_btt_free(&w.mb);
}

/* AddressSanitizer makes every run several times slower. */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif
#ifdef ASAN
#define DEFAULT_WRITES 120
#define BUILD_NOTE " (scaled down: AddressSanitizer build)"
#else
#define DEFAULT_WRITES 300
#define BUILD_NOTE ""
#endif

int main(void)
{
	const char *env = getenv("PMEMCTL_CRASH_WRITES");
	unsigned n = env ? (unsigned)atoi(env) : DEFAULT_WRITES;
	struct pmemctl_ctx *ctx;
	struct tap t = { 0 };
	struct totals total = { 0 };

	if (pmemctl_new(&ctx))
		return 1;
	run(&t, ctx, 2, 4096, n, &total);
	run(&t, ctx, 1, 512, n, &total);
	run(&t, ctx, 1, 520, n, &total);
	printf("# %llu cut points, %llu reopen verifications%s\n",
	       (unsigned long long)total.cuts,
	       (unsigned long long)total.checked,
	       env ? "" : BUILD_NOTE);
	printf("# (a verification: recovery, a read of the sectors, check-btt; cuts leaving the same bytes share one)\n");
	pmemctl_free(ctx);
	return tap_done(&t);
}
