// SPDX-License-Identifier: GPL-2.0-only
/*
 * Power cuts inside a sequence of writes made through one open BTT (the
 * sweep of test-btt-crash.c opens the BTT for each write): the engine
 * leaves a write's map entry written back but not waited for, and the
 * next log entry's fence makes it durable.  These sequences write on one
 * lane again (its last map write must be durable before its next log
 * entry supersedes the last) and one LBA from several lanes (the last map
 * write of the entry must be durable before another lane's log entry for
 * it, else recovering the lanes in turn could undo the newer move).  For
 * the same lane or LBA on another CPU, whose fence does not order the
 * first CPU's flushes (media_fault.cpu).  For every cut point in the
 * four power models: after recovery, every LBA
 * reads as its last completed write, the write the power cut as old or
 * new, and check-btt finds the BTT clean; without a cut, check-btt finds
 * it clean before any recovery even when what was not made durable is
 * lost right after the close.
 */
#include <stdio.h>
#include <stdlib.h>

#include "btt-engine-util.h"
#include "btt-engine.h"
#include "tap.h"

#define MAXSEQ 6
#define NLBA 40			/* LBAs the sequences use: 0..NLBA-1 */

struct step {
	unsigned lane;
	uint32_t lba;
	unsigned cpu;		/* the CPU the write runs on */
};

static const struct {
	const char *what;
	struct step s[MAXSEQ];
	unsigned n;
} seqs[] = {
	{ "one lane, new LBAs, one CPU",
	  { { 5, 1, 0 }, { 5, 2, 0 }, { 5, 3, 0 } }, 3 },
	{ "one lane, new LBAs, CPUs in turn",
	  { { 5, 1, 0 }, { 5, 2, 1 }, { 5, 3, 0 } }, 3 },
	{ "one lane, LBAs of other map locks, CPUs in turn",
	  { { 5, 1, 0 }, { 5, 17, 1 }, { 5, 33, 0 } }, 3 },
	{ "one LBA, lanes downwards, CPUs in turn",
	  { { 200, 4, 0 }, { 100, 4, 1 }, { 10, 4, 2 } }, 3 },
	{ "one LBA, lanes upwards, CPUs in turn",
	  { { 10, 6, 0 }, { 100, 6, 1 }, { 200, 6, 2 } }, 3 },
	{ "two lanes, two LBAs, crossed, CPUs in turn",
	  { { 7, 1, 0 }, { 3, 1, 1 }, { 7, 2, 1 }, { 3, 2, 0 }, { 7, 1, 1 } },
	  5 },
};

struct seqrun {
	struct pmemctl_ctx *ctx;
	struct mem_btt mb;
	uint32_t sector;
	uint8_t *buf, *tmp;
	unsigned cuts, bad;
};

/* Version of step @i of sequence @q: nonzero, distinct. */
static unsigned version(unsigned q, unsigned i)
{
	return 1 + q * MAXSEQ + i;
}

/* Every LBA as the completed steps (< @done) left it; @cut: old or new. */
static bool recovered_ok(struct seqrun *r, struct pmemctl_media *m,
			 unsigned q, unsigned done, bool cut)
{
	struct pmemctl_btt *b;
	bool ok = true;

	if (pmemctl_btt_open(r->ctx, m, NULL, PMEMCTL_MEDIA_WRITE, &b))
		return false;
	for (uint32_t lba = 0; lba < NLBA && ok; lba++) {
		unsigned want = 0, alt = 0;

		for (unsigned i = 0; i < done; i++)
			if (seqs[q].s[i].lba == lba)
				want = version(q, i);
		if (cut && done < seqs[q].n && seqs[q].s[done].lba == lba)
			alt = version(q, done);
		ok = !pmemctl_btt_read(b, lba, r->buf) &&
		     (sector_is(r->buf, r->sector, lba, want, r->tmp) ||
		      (alt && sector_is(r->buf, r->sector, lba, alt, r->tmp)));
	}
	pmemctl_btt_close(b);
	return ok && btt_check_clean(r->ctx, m);
}

/* Sequence @q with the power cut after @budget operations. */
static bool cut_once(struct seqrun *r, unsigned q, uint64_t budget,
		     bool drop, bool tear)
{
	struct media_fault rec = { .budget = UINT64_MAX, .drop = true,
				   .record = true };
	struct media_fault cut = { .budget = budget, .drop = drop,
				   .tear = tear };
	struct pmemctl_media *recm, *cutm;
	struct pmemctl_btt *b;
	unsigned done = 0;
	bool ok;

	if (media_new_faulty(r->mb.m, &rec, &recm))
		return false;
	if (media_new_faulty(recm, &cut, &cutm)) {
		pmemctl_media_close(recm);
		return false;
	}
	if (!pmemctl_btt_open(r->ctx, cutm, NULL, PMEMCTL_MEDIA_WRITE, &b)) {
		for (unsigned i = 0; i < seqs[q].n; i++) {
			const struct step *s = &seqs[q].s[i];

			cut.cpu = s->cpu;
			sector_fill(r->buf, r->sector, s->lba, version(q, i));
			btt_engine_write_lane(b, s->lane, s->lba, r->buf);
			done += !cut.cut;
		}
		pmemctl_btt_close(b);
	}
	ok = !rec.error && !cut.error;
	if (!cut.cut && drop) {
		/* the power goes right after the close: nothing to recover */
		media_fault_rollback(&cut);
		ok = ok && btt_check_clean(r->ctx, recm);
	}
	media_fault_release(&cut);
	pmemctl_media_close(cutm);
	ok = ok && recovered_ok(r, recm, q, done, cut.cut);
	r->cuts += cut.cut;
	if (!ok && r->bad++ < 5)
		printf("# %s: cut after %llu ops%s%s (%u steps done): wrong after recovery\n",
		       seqs[q].what, (unsigned long long)budget,
		       drop ? ", unpersisted lost" : "", tear ? ", torn" : "",
		       done);
	media_fault_rollback(&rec);
	pmemctl_media_close(recm);
	return cut.cut;
}

static void run(struct tap *t, struct pmemctl_ctx *ctx, unsigned major,
		uint32_t lbasize)
{
	struct seqrun r = { .ctx = ctx };
	uint64_t nlba;

	if (mem_btt_sweep(ctx, major, lbasize, &r.mb, &r.sector, &nlba)) {
		tap_ok(t, false, "v%u %u-byte BTT in memory", major, lbasize);
		return;
	}
	r.buf = malloc(r.sector);
	r.tmp = malloc(r.sector);
	for (unsigned q = 0; q < ARRAY_SIZE(seqs) && r.buf && r.tmp; q++) {
		unsigned before = r.cuts, bad = r.bad;

		for (unsigned model = 0; model < 4; model++)
			for (uint64_t n = 0; cut_once(&r, q, n, model & 1,
						      model & 2); n++)
				;
		tap_ok(t, r.bad == bad && r.cuts > before,
		       "v%u %u, %s: %u power cuts within the sequence: every LBA old or new, check-btt clean",
		       major, lbasize, seqs[q].what, r.cuts - before);
	}
	free(r.buf);
	free(r.tmp);
	mem_btt_free(&r.mb);
}

int main(void)
{
	struct pmemctl_ctx *ctx;
	struct tap t = { 0 };

	if (pmemctl_new(&ctx))
		return 1;
	pmemctl_set_log_priority(ctx, 0);
	run(&t, ctx, 2, 4096);
	run(&t, ctx, 1, 512);
	pmemctl_free(ctx);
	return tap_done(&t);
}
