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
 * The BTTs: 16 MiB in memory (4096-byte v2.0, 512- and 520-byte v1.1),
 * 300 writes each, every sector read back after each write; and a
 * two-arena BTT on a 512 GiB + 32 MiB sparse file, its hot LBAs
 * straddling the arena boundary, 300/30 writes (check-btt of a 512 GiB
 * arena costs 30 ms).  About 25000 cut points in all; fewer under
 * AddressSanitizer (the figure says so); PMEMCTL_CRASH_WRITES=N runs N
 * writes per 16 MiB BTT instead (N/30 on two arenas).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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
	struct pmemctl_media *m;	/* the BTT's */
	uint32_t sector;
	uint64_t nlba;
	uint64_t *written;	/* the LBAs written so far, nwritten of them */
	uint16_t *ver;		/* the version each holds */
	uint64_t *hlba;		/* LBA -> its slot in written[]: a hash */
	uint32_t *hslot, hmask;
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

static uint32_t *slot_of(struct sweep *w, uint64_t lba)
{
	uint32_t h = (uint32_t)((lba * 0x9E3779B97F4A7C15ULL) >> 32) & w->hmask;

	while (w->hslot[h] != NO_SLOT && w->hlba[h] != lba)
		h = (h + 1) & w->hmask;
	w->hlba[h] = lba;
	return &w->hslot[h];
}

/* Where @lba's contents are in expect[] and ver[]; NO_SLOT: unwritten. */
static uint32_t find_slot(struct sweep *w, uint64_t lba)
{
	return *slot_of(w, lba);
}

/* What @lba holds after the completed writes. */
static const uint8_t *expected(struct sweep *w, uint64_t lba)
{
	uint32_t i = find_slot(w, lba);

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
	if (lba < w->nlba && find_slot(w, lba) == NO_SLOT &&
	    !lba_ok(w, b, lba, true))
		return false;
	for (unsigned i = 0; i < SAMPLE; i++) {
		uint64_t x = rnd(&s) % w->nlba;

		if (!lba_ok(w, b, x, x == lba))
			return false;
	}
	return true;
}

struct key_buf {
	struct pmemctl_media *m;
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
	k->len = need;
	return pmemctl_media_read(k->m, off, k->p + need - len, len);
}

/* True if a run of this write already left the state @rec records. */
static bool seen_before(struct sweep *w, const struct media_fault *rec)
{
	struct key_buf k = { .m = w->m };

	if (media_fault_each(rec, key_add, &k)) {
		free(k.p);
		return false;
	}
	for (unsigned i = 0; i < w->nseen; i++)
		if (w->seen[i].len == k.len &&
		    (!k.len || !memcmp(w->seen[i].key, k.p, k.len))) {
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

	if (media_new_faulty(w->m, &rec, &recm))
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
	uint32_t *slot = slot_of(w, lba);
	uint8_t *p;

	if (*slot == NO_SLOT) {
		p = realloc(w->expect, (size_t)(w->nwritten + 1) * w->sector);
		if (!p)
			return false;
		w->expect = p;
		w->written[w->nwritten] = lba;
		*slot = w->nwritten++;
	}
	memcpy(w->expect + (size_t)*slot * w->sector, w->next, w->sector);
	w->ver[*slot]++;
	return true;
}

/* Every cut point of one write, in every power model; then the write. */
static bool sweep_write(struct sweep *w, unsigned lane, uint64_t lba)
{
	uint32_t slot = find_slot(w, lba);
	unsigned v = (slot == NO_SLOT ? 0 : w->ver[slot]) + 1;
	struct pmemctl_btt *b;
	int rc;

	sector_fill(w->next, w->sector, lba, v);
	for (unsigned model = 0; model < 4; model++)
		for (uint64_t n = 0; cut_once(w, lane, lba, v, n, model & 1,
					      model & 2); n++)
			;
	seen_forget(w);
	if (pmemctl_btt_open(w->ctx, w->m, NULL, PMEMCTL_MEDIA_WRITE, &b))
		return false;
	rc = btt_engine_write_lane(b, lane, lba, w->next);
	pmemctl_btt_close(b);
	return rc == 0 && remember(w, lba);
}

static bool sweep_alloc(struct sweep *w, unsigned nwrites)
{
	uint32_t cap = 64;

	while (cap < 2 * nwrites)
		cap *= 2;
	w->hmask = cap - 1;
	w->hlba = calloc(cap, sizeof(*w->hlba));
	w->hslot = malloc(cap * sizeof(*w->hslot));
	w->ver = calloc(nwrites + 1, sizeof(*w->ver));
	w->written = calloc(nwrites + 1, sizeof(*w->written));
	w->next = malloc(w->sector);
	w->zero = calloc(1, w->sector);
	w->buf = malloc(w->sector);
	if (w->hslot)
		memset(w->hslot, 0xff, cap * sizeof(*w->hslot));
	return w->hlba && w->hslot && w->ver && w->written && w->next &&
	       w->zero && w->buf;
}

static void sweep_free(struct sweep *w)
{
	free(w->hlba);
	free(w->hslot);
	free(w->ver);
	free(w->written);
	free(w->expect);
	free(w->next);
	free(w->zero);
	free(w->buf);
}

struct totals {
	uint64_t cuts, checked;
};

/*
 * The sequence on the BTT on @m: @nwrites writes, three in four to the
 * HOT_LBAS from @hot on, the others anywhere; after each, every sector
 * (a small BTT) or the written ones and a sample read back.  @w comes
 * from sweep_alloc() and is freed.
 */
static void sweep_btt(struct tap *t, struct sweep *w, const char *what,
		      uint64_t hot, unsigned nwrites, struct totals *total)
{
	bool all = w->nlba <= (1 << 20), ok = true;
	uint64_t s = w->seed * 3, full_bad = 0;
	struct pmemctl_btt *b;

	for (unsigned i = 0; ok && i < nwrites; i++) {
		uint64_t lba = rnd(&s) % 4 ? hot + rnd(&s) % HOT_LBAS
					   : rnd(&s) % w->nlba;

		ok = sweep_write(w, (unsigned)(rnd(&s) % NLANES) * 37, lba);
		if (ok && !pmemctl_btt_open(w->ctx, w->m, NULL, 0, &b)) {
			full_bad += !contents_ok(w, b, UINT64_MAX, all);
			pmemctl_btt_close(b);
		}
	}
	tap_ok(t, ok && w->bad == 0 && full_bad == 0 &&
	       w->cuts > nwrites * 4 && w->checked > nwrites * 4,
	       "%s: %u writes, %llu power cuts (%llu runs, %llu states verified): every sector old or new, check-btt clean",
	       what, nwrites, (unsigned long long)w->cuts,
	       (unsigned long long)w->runs, (unsigned long long)w->checked);
	total->cuts += w->cuts;
	total->checked += w->checked;
	tap_ok(t, btt_check_clean(w->ctx, w->m), "%s: BTT clean after the sequence",
	       what);
	sweep_free(w);
}

static bool sweep_init(struct sweep *w, struct pmemctl_ctx *ctx,
		       struct pmemctl_media *m, uint64_t seed)
{
	struct pmemctl_btt *b;

	*w = (struct sweep){ .ctx = ctx, .m = m, .seed = seed };
	if (pmemctl_btt_open(ctx, m, NULL, 0, &b))
		return false;
	w->sector = pmemctl_btt_get_sector_size(b);
	w->nlba = pmemctl_btt_get_nlba(b);
	pmemctl_btt_close(b);
	return true;
}

/* A 16 MiB BTT in memory: one arena, every sector read after a write. */
static void run(struct tap *t, struct pmemctl_ctx *ctx, unsigned major,
		uint32_t lbasize, unsigned nwrites, struct totals *total)
{
	struct mem_btt mb = { 0 };
	struct sweep w;
	char what[64];

	snprintf(what, sizeof(what), "v%u.%u BTT, %u-byte sectors", major,
		 major == 1 ? 1 : 0, lbasize);
	if (mem_btt_new(ctx, 16 * MiB + btt_start_offset(major), major,
			lbasize, &mb) ||
	    !sweep_init(&w, ctx, mb.m, 0x5eed + lbasize + major))
		tap_ok(t, false, "%s in memory", what);
	else if (!sweep_alloc(&w, nwrites))
		tap_ok(t, false, "%s: memory for the sweep", what);
	else
		sweep_btt(t, &w, what, 0, nwrites, total);
	mem_btt_free(&mb);
}

/* ---- two arenas ------------------------------------------------------- */

#define GiB (1ULL << 30)

/*
 * A sparse file of 512 GiB + 32 MiB (tmpfs if there is one: persists
 * are free): arenas are at most 512 GiB, so the BTT has two.
 */
static int sparse_btt(struct pmemctl_ctx *ctx, unsigned major,
		      uint32_t lbasize, struct pmemctl_media **m)
{
	static const uint8_t uuid[16] = { 0x42, 8 };
	uint64_t size = 512 * GiB + 32 * MiB + btt_start_offset(major);
	const char *dir = access("/dev/shm", W_OK) ? getenv("TMPDIR") :
			  "/dev/shm";
	char path[4096];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/pmemctl-arenas-XXXXXX",
		 dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	rc = ftruncate(fd, (off_t)size) ? -errno : 0;
	close(fd);
	if (!rc)
		rc = pmemctl_media_open_file(ctx, path, 0, size,
					     PMEMCTL_MEDIA_WRITE, m);
	unlink(path);	/* the media keeps it open */
	if (!rc) {
		rc = btt_write_layout(ctx, *m, major, lbasize, uuid, NULL);
		if (rc)
			pmemctl_media_close(*m);
	}
	return rc;
}

/* The first LBA of arena 1; 0 unless the BTT has exactly two arenas. */
static uint64_t second_arena(struct pmemctl_ctx *ctx, struct pmemctl_media *m)
{
	struct pmemctl_btt_check_opts o = { .max_listed = 1 };
	struct pmemctl_btt_check_result *r = NULL;
	uint64_t first = 0;

	if (pmemctl_btt_check(ctx, m, &o, &r))
		return 0;
	if (r->narenas == 2 && r->total == 0)
		first = r->arenas[0].external_nlba;
	pmemctl_btt_check_free(r);
	return first;
}

/* Versions 1 of the LBAs on both sides of the boundary, read back. */
static bool boundary_round_trip(struct sweep *w, uint64_t first)
{
	const uint64_t lba[] = { first - 2, first - 1, first, first + 1, 0,
				 w->nlba - 1 };
	struct pmemctl_btt *b;
	bool ok = true;

	if (pmemctl_btt_open(w->ctx, w->m, NULL, PMEMCTL_MEDIA_WRITE, &b))
		return false;
	for (unsigned i = 0; i < ARRAY_SIZE(lba) && ok; i++) {
		sector_fill(w->next, w->sector, lba[i], 1);
		ok = !pmemctl_btt_write(b, lba[i], w->next) &&
		     remember(w, lba[i]);
	}
	pmemctl_btt_close(b);
	if (!ok || pmemctl_btt_open(w->ctx, w->m, NULL, 0, &b))
		return false;
	ok = contents_ok(w, b, first, false);
	pmemctl_btt_close(b);
	return ok && btt_check_clean(w->ctx, w->m);
}

/*
 * Writes on both sides of the arena boundary, reopened and checked; then
 * (@nwrites) the sequence, its hot LBAs straddling the boundary.
 */
static void run_arenas(struct tap *t, struct pmemctl_ctx *ctx,
		       unsigned major, uint32_t lbasize, unsigned nwrites,
		       struct totals *total)
{
	struct pmemctl_media *m = NULL;
	uint64_t first = 0;
	struct sweep w;
	char what[80];
	int rc;

	snprintf(what, sizeof(what), "v%u.%u BTT, %u-byte sectors, 2 arenas",
		 major, major == 1 ? 1 : 0, lbasize);
	rc = sparse_btt(ctx, major, lbasize, &m);
	if (rc) {
		printf("ok %u # SKIP %s: no 512 GiB sparse file here (%s)\n",
		       ++t->n, what, strerror(-rc));
		return;
	}
	if (sweep_init(&w, ctx, m, 0xa7e4a + lbasize + major))
		first = second_arena(ctx, m);
	if (!tap_ok(t, first && sweep_alloc(&w, nwrites + 8) &&
		    boundary_round_trip(&w, first),
		    "%s: LBAs %llu..%llu across the boundary, the first and the last: written, reopened, read back, check-btt clean",
		    what, (unsigned long long)first - 2,
		    (unsigned long long)first + 1)) {
		sweep_free(&w);
		pmemctl_media_close(m);
		return;
	}
	if (nwrites)
		sweep_btt(t, &w, what, first - HOT_LBAS / 2, nwrites, total);
	else
		sweep_free(&w);
	pmemctl_media_close(m);
}

/* AddressSanitizer makes every run several times slower. */
#ifdef TAP_ASAN
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
	/* check-btt of a 512 GiB arena takes 30 ms (4 KiB sectors) */
	run_arenas(&t, ctx, 2, 4096, n / 30, &total);
	run_arenas(&t, ctx, 1, 512, 0, &total);
	printf("# %llu cut points, %llu reopen verifications%s\n",
	       (unsigned long long)total.cuts,
	       (unsigned long long)total.checked,
	       env ? "" : BUILD_NOTE);
	printf("# (a verification: recovery, a read of the sectors, check-btt; cuts leaving the same bytes share one)\n");
	pmemctl_free(ctx);
	return tap_done(&t);
}
