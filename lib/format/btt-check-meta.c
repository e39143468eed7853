// SPDX-License-Identifier: LGPL-2.1-only
/*
 * BTT checker, per-arena metadata: the flog (slot layout, sequence
 * numbers, bounds), pending map updates, the map, and the accounting of
 * internal blocks (every block referenced exactly once by the map or as
 * a lane's free block).  The map is streamed through a 64 KiB window and
 * accounted by runs of consecutive postmaps; the only large allocation is
 * the block bitmap (btt-refmap.c: at most one bit per internal block, two
 * when a block is referenced twice).  The data area is never read.
 */
#include <stdio.h>
#include <stdlib.h>

#include "btt-check-int.h"
#include "btt-refmap.h"

#define DUP_REFS 4		/* referencers named per duplicate block */

struct lane {
	struct btt_lane l;	/* the newer entry, decoded (if seq_ok) */
	bool seq_ok;
};

struct override {
	uint32_t lba;
	uint32_t raw;		/* map entry after pending flog updates */
};

struct dup_block {
	uint32_t block;
	uint32_t nref;
	struct {
		uint32_t who;	/* lba or lane */
		bool lane;
	} ref[DUP_REFS];
};

struct dup_pass {
	struct dup_block *blk;	/* sorted by block */
	unsigned n;
};

struct meta {
	struct btt_chk *c;
	struct chk_arena *a;
	const struct btt_arena *ba;	/* &a->ba */
	uint32_t enl, inl;
	struct btt_log_group log[BTT_NFREE];
	struct lane lanes[BTT_NFREE];
	unsigned nover;
	struct override over[BTT_NFREE];
	struct btt_refmap ref;	/* blocks referenced, and twice */
	struct dup_pass dp;
};

/* ---- flog --------------------------------------------------------------- */

static void chk_progress(struct btt_chk *c, uint64_t bytes)
{
	c->done += bytes;
	if (c->o.progress)
		c->o.progress(c->o.progress_arg, c->done, c->total);
}

static uint64_t slot_offset(struct meta *m, unsigned lane, int slot)
{
	return btt_log_slot_off(m->ba, lane, slot);
}

/* The core's log_set_indices(); a broken layout is a finding. */
static void detect_layout(struct meta *m)
{
	int *idx = m->a->ba.log_index, slot;
	struct pmemctl_btt_finding *f;
	unsigned lane;

	switch (btt_log_detect(m->log, idx, &lane, &slot)) {
	case BTT_LOG_OK:
		f = NULL;
		break;
	case BTT_LOG_SLOT_EMPTY:
		f = chk_report(m->c, m->a, PR_FLOG_SLOT_EMPTY, lane, slot);
		break;
	case BTT_LOG_SLOT_NOT_PAD:
		f = chk_report(m->c, m->a, PR_FLOG_SLOT_NOT_PAD, lane, slot);
		break;
	default:
		f = chk_report(m->c, m->a, PR_FLOG_UNKNOWN, lane, slot);
		break;
	}
	if (f) {
		loc_lane(f, lane);
		loc_offset(f, slot_offset(m, lane, slot));
	}
	info(m->c->ctx, "%s: arena %u: flog slots %d/%d%s", m->c->name,
	     m->a->idx, idx[0], idx[1], m->a->flog_bad ? " (guessed)" : "");
}

/* The core's btt_log_get_old(); an undecidable lane is a finding. */
static void seq_finding(struct meta *m, unsigned lane)
{
	const struct btt_log_group *g = &m->log[lane];
	const int *li = m->ba->log_index;
	uint32_t s0 = get_le32(&g->ent[li[0]].seq);
	uint32_t s1 = get_le32(&g->ent[li[1]].seq);
	struct pmemctl_btt_finding *f;

	f = chk_report(m->c, m->a, PR_FLOG_SEQ, lane, s0, li[0], s1, li[1],
		       s0 == s1 ? "equal" : "out of range (1..3)");
	loc_lane(f, lane);
	loc_offset(f, slot_offset(m, lane, li[0]));
}

/* Where a lane's out-of-range entry is. */
static void range_loc(struct meta *m, unsigned lane,
		      struct pmemctl_btt_finding *f)
{
	loc_lane(f, lane);
	loc_offset(f, slot_offset(m, lane, m->lanes[lane].l.slot));
}

static void check_lanes(struct meta *m)
{
	struct btt_chk *c = m->c;

	for (unsigned i = 0; i < BTT_NFREE; i++) {
		struct lane *ln = &m->lanes[i];
		struct btt_lane *l = &ln->l;

		ln->seq_ok = btt_lane_decode(&m->log[i], m->ba->log_index, l);
		if (!ln->seq_ok) {
			seq_finding(m, i);
			continue;
		}
		if (l->lba >= m->enl)
			range_loc(m, i, chk_report(c, m->a, PR_FLOG_LBA_RANGE,
						   i, l->lba, m->enl));
		if (l->old >= m->inl)
			range_loc(m, i, chk_report(c, m->a, PR_FLOG_OLD_RANGE,
						   i, l->old, m->inl));
		if (l->new >= m->inl)
			range_loc(m, i, chk_report(c, m->a, PR_FLOG_NEW_RANGE,
						   i, l->new, m->inl));
	}
}

/* ---- pending map updates (the kernel's btt_freelist_init recovery) ------ */

static int cmp_override(const void *x, const void *y)
{
	const struct override *a = x, *b = y;

	return a->lba < b->lba ? -1 : a->lba > b->lba;
}

static struct override *find_override(struct meta *m, uint32_t lba)
{
	for (unsigned i = 0; i < m->nover; i++)
		if (m->over[i].lba == lba)
			return &m->over[i];
	return NULL;
}

static void mismatch_finding(struct meta *m, unsigned lane,
			     const struct btt_lane *l, uint32_t fix)
{
	struct chk_mapfix *x = &m->a->mapfix[m->a->nmapfix++];
	struct pmemctl_btt_finding *f;

	f = chk_report(m->c, m->a, PR_MAP_MISMATCH, lane, l->lba, l->old,
		       l->new);
	loc_lane(f, lane);
	loc_lba(f, l->lba);
	loc_block(f, l->new);
	loc_offset(f, btt_map_off(m->ba, l->lba));
	x->lane = lane;
	x->lba = l->lba;
	x->value = fix;
	x->finding = chk_index(m->c, f);
}

/* The map entry of @lba as recovery has left it so far. */
static int map_entry(struct meta *m, uint32_t lba, struct override **out)
{
	struct override *o = find_override(m, lba);
	le32 raw;
	int rc;

	if (!o) {
		rc = pmemctl_media_read(m->c->m, btt_map_off(m->ba, lba),
					&raw, sizeof(raw));
		if (rc)
			return rc;
		o = &m->over[m->nover++];
		o->lba = lba;
		o->raw = get_le32(&raw);
	}
	*out = o;
	return 0;
}

/*
 * The core's attach-time recovery, lane by lane as the kernel runs it,
 * on a copy of the entries it touches: what --repair will write.
 */
static int check_pending(struct meta *m)
{
	for (unsigned i = 0; i < BTT_NFREE; i++) {
		const struct btt_lane *l = &m->lanes[i].l;
		struct override *o;
		uint32_t fix;
		int rc;

		if (!m->lanes[i].seq_ok || !btt_lane_moves(m->ba, l))
			continue;
		rc = map_entry(m, l->lba, &o);
		if (rc)
			return rc;
		if (!btt_lane_map_fix(l, o->raw, &fix))
			continue;
		mismatch_finding(m, i, l, fix);
		o->raw = fix;
	}
	qsort(m->over, m->nover, sizeof(m->over[0]), cmp_override);
	/* only a sound flog is trusted to move map entries */
	for (unsigned i = 0; i < m->a->nmapfix; i++)
		chk_set_repairable(m->c, m->a->mapfix[i].finding,
				   !m->a->flog_bad);
	return 0;
}

/* ---- the map ------------------------------------------------------------ */

#define CHUNK 4096	/* entries tested as one run first (16 KiB) */
#define RUN 64		/* then as runs of one bitmap word */

/*
 * Map entries [lba0, lba0 + n) into the window with pending flog updates
 * applied (patched into the window, which is ours).  Returns 1 without
 * filling the window when the range is a hole of a sparse image (all
 * zeroes: identity entries) and @skip_hole and no update is pending
 * there, 0 when the window holds the entries, or a negative errno.
 */
/* A map window's tail rounded up to 4 KiB when the media goes on (a block
 * device then reads it with O_DIRECT); the window holds it. */
static size_t read_len(struct meta *m, uint64_t off, size_t bytes)
{
	size_t up = ALIGN_UP(bytes, 4096);

	return up <= CHK_MAP_WINDOW && off + up <= m->c->size ? up : bytes;
}

static int map_window(struct meta *m, uint32_t lba0, uint32_t n,
		      unsigned *ov, bool skip_hole)
{
	size_t bytes = (size_t)n * BTT_MAP_ENTRY_SIZE;
	uint64_t off = btt_map_off(m->ba, lba0);
	le32 *ent = (le32 *)m->c->buf;
	unsigned i;
	int rc;

	while (*ov < m->nover && m->over[*ov].lba < lba0)
		(*ov)++;
	if (media_data_from(m->c->m, off, off + bytes) >= off + bytes) {
		if (skip_hole && (*ov == m->nover ||
				  m->over[*ov].lba >= lba0 + n))
			return 1;
		memset(ent, 0, bytes);
	} else {
		rc = pmemctl_media_read(m->c->m, off, ent,
					read_len(m, off, bytes));
		if (rc)
			return rc;
	}
	for (i = *ov; i < m->nover && m->over[i].lba < lba0 + n; i++)
		put_le32(&ent[m->over[i].lba - lba0], m->over[i].raw);
	return 0;
}

static uint32_t postmap(uint32_t raw, uint32_t lba)
{
	return btt_map_decode(raw, lba).postmap;
}

static void range_finding(struct meta *m, uint32_t lba, uint32_t raw)
{
	uint32_t post = postmap(raw, lba);
	struct pmemctl_btt_finding *f;

	f = chk_report(m->c, m->a, PR_MAP_RANGE, lba, raw, post, m->inl);
	loc_lba(f, lba);
	loc_block(f, post);
	loc_offset(f, btt_map_off(m->ba, lba));
}

/* One entry: its block is referenced (once more), or out of range. */
static int account_one(struct meta *m, uint32_t lba, uint32_t raw)
{
	uint32_t post = postmap(raw, lba);

	if (post < m->inl)
		return refmap_set(&m->ref, post, 1);
	range_finding(m, lba, raw);
	return 0;
}

static int account_each(struct meta *m, const le32 *ent, uint32_t lba0,
			uint32_t n)
{
	int rc = 0;

	for (uint32_t i = 0; i < n && !rc; i++)
		rc = account_one(m, lba0 + i, get_le32(&ent[i]));
	return rc;
}

/* All zero: one memcmp of the buffer against itself shifted by a byte. */
static bool all_zero(const uint8_t *p, size_t len)
{
	return len == 0 || (p[0] == 0 && memcmp(p, p + 1, len - 1) == 0);
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
typedef uint32_t v4u32 __attribute__((vector_size(16)));

/*
 * Non-zero unless ent[i] == r0 + i for i < @n (a multiple of 16): four
 * independent vector accumulators, no branch.
 */
static uint32_t run_step(const le32 *ent, uint32_t r0, uint32_t n)
{
	v4u32 x0 = { r0, r0 + 1, r0 + 2, r0 + 3 }, a0 = { 0 };
	v4u32 x1 = x0 + 4, x2 = x0 + 8, x3 = x0 + 12, a1 = a0, a2 = a0,
	      a3 = a0;

	for (uint32_t i = 0; i < n; i += 16) {
		v4u32 v0, v1, v2, v3;

		memcpy(&v0, &ent[i], sizeof(v0));
		memcpy(&v1, &ent[i + 4], sizeof(v1));
		memcpy(&v2, &ent[i + 8], sizeof(v2));
		memcpy(&v3, &ent[i + 12], sizeof(v3));
		a0 |= v0 ^ x0;
		a1 |= v1 ^ x1;
		a2 |= v2 ^ x2;
		a3 |= v3 ^ x3;
		x0 += 16;
		x1 += 16;
		x2 += 16;
		x3 += 16;
	}
	a0 |= a1 | a2 | a3;
	return a0[0] | a0[1] | a0[2] | a0[3];
}
#else
static uint32_t run_step(const le32 *ent, uint32_t r0, uint32_t n)
{
	uint32_t step = 0;

	for (uint32_t i = 0; i < n; i++)
		step |= get_le32(&ent[i]) ^ (r0 + i);
	return step;
}
#endif

/* Are the @n raw entries consecutive values? */
static bool consecutive(const le32 *ent, uint32_t n)
{
	uint32_t r0 = get_le32(&ent[0]), i = n & ~15u;
	uint32_t step = run_step(ent, r0, i);

	for (; i < n; i++)
		step |= get_le32(&ent[i]) ^ (r0 + i);
	return !step;
}

/*
 * The first postmap of @n entries (the first maps @lba) whose postmaps
 * are consecutive: one flag pattern on consecutive blocks, or all zero
 * (identity entries); else UINT32_MAX.
 */
static uint32_t run_start(const le32 *ent, uint32_t lba, uint32_t n)
{
	uint32_t r0 = get_le32(&ent[0]);

	if ((r0 & BTT_MAP_NORMAL) && consecutive(ent, n))
		return (r0 & BTT_MAP_LBA_MASK) <= BTT_MAP_LBA_MASK - (n - 1) ?
		       r0 & BTT_MAP_LBA_MASK : UINT32_MAX;
	return all_zero((const uint8_t *)ent, n * BTT_MAP_ENTRY_SIZE) ?
	       lba : UINT32_MAX;
}

/* @n entries as one run: 0 (accounted), 1 (not a run) or -ENOMEM. */
static int account_run(struct meta *m, const le32 *ent, uint32_t lba,
		       uint32_t n)
{
	uint32_t post = run_start(ent, lba, n);

	return (uint64_t)post + n <= m->inl ? refmap_set(&m->ref, post, n) : 1;
}

/*
 * Account @n entries (the first maps @lba0): as a whole if they form
 * one run, else by RUN entries, else entry by entry.
 */
static int account_window(struct meta *m, const le32 *ent, uint32_t lba0,
			  uint32_t n, uint32_t unit)
{
	int rc = 0;

	for (uint32_t i = 0; i < n && !rc; i += unit) {
		uint32_t k = n - i < unit ? n - i : unit;

		rc = account_run(m, ent + i, lba0 + i, k);
		if (rc == 1 && unit > RUN)
			rc = account_window(m, ent + i, lba0 + i, k, RUN);
		else if (rc == 1)
			rc = account_each(m, ent + i, lba0 + i, k);
	}
	return rc;
}

/*
 * Polled once a window by both passes over the map: -EINTR, logged, once
 * the caller asked to stop.
 */
static int poll_stop(struct meta *m)
{
	if (!m->c->o.stop || !m->c->o.stop(m->c->o.stop_arg))
		return 0;
	err(m->c->ctx, "%s: check stopped part way; nothing repaired",
	    m->c->name);
	return -EINTR;
}

/* Every map entry's block, in map order, with pending updates applied. */
static int account_map(struct meta *m)
{
	const uint32_t per = CHK_MAP_WINDOW / BTT_MAP_ENTRY_SIZE;
	unsigned ov = 0;
	int rc = 0;

	for (uint32_t lba0 = 0; lba0 < m->enl && !rc; lba0 += per) {
		uint32_t n = m->enl - lba0 < per ? m->enl - lba0 : per;

		rc = map_window(m, lba0, n, &ov, true);
		if (rc == 1)
			rc = refmap_set(&m->ref, lba0, n);
		else if (!rc)
			rc = account_window(m, (const le32 *)m->c->buf, lba0,
					    n, CHUNK);
		if (!rc)
			chk_progress(m->c, (uint64_t)n * BTT_MAP_ENTRY_SIZE);
		if (!rc)
			rc = poll_stop(m);
	}
	return rc;
}

/* ---- block accounting --------------------------------------------------- */

/*
 * An undecidable lane's free block is one of its two entries' old_map:
 * the first in range not referenced yet (don't also call it lost).
 */
static int guess_free_block(struct meta *m, unsigned lane)
{
	const int *li = m->ba->log_index;

	for (int s = 0; s < 2; s++) {
		uint32_t b = get_le32(&m->log[lane].ent[li[s]].old_map) &
			     BTT_MAP_LBA_MASK;

		if (b < m->inl && !refmap_test(&m->ref, b))
			return refmap_set(&m->ref, b, 1);
	}
	return 0;
}

static int free_blocks(struct meta *m)
{
	int rc = 0;

	for (unsigned i = 0; i < BTT_NFREE && !rc; i++) {
		struct lane *ln = &m->lanes[i];

		if (ln->seq_ok && ln->l.old < m->inl)
			rc = refmap_set(&m->ref, ln->l.old, 1);
		else if (!ln->seq_ok)
			rc = guess_free_block(m, i);
	}
	return rc;
}

/* Runs of blocks nothing references. */
static void unreferenced(struct meta *m)
{
	uint32_t b = refmap_next(&m->ref, 0, false);

	while (b < m->inl) {
		uint32_t end = refmap_next(&m->ref, b, true);
		struct pmemctl_btt_finding *f;

		if (end - b == 1)
			f = chk_report(m->c, m->a, PR_BLOCK_LOST, b);
		else
			f = chk_report(m->c, m->a, PR_BLOCKS_LOST, b, end - 1);
		loc_block(f, b);
		loc_count(f, end - b);
		b = refmap_next(&m->ref, end, false);
	}
}

static struct dup_block *find_dup(struct dup_pass *d, uint32_t block)
{
	unsigned lo = 0, hi = d->n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (d->blk[mid].block == block)
			return &d->blk[mid];
		if (d->blk[mid].block < block)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void add_ref(struct dup_block *d, uint32_t who, bool lane)
{
	if (d->nref < DUP_REFS) {
		d->ref[d->nref].who = who;
		d->ref[d->nref].lane = lane;
	}
	d->nref++;
}

/* Which map entries reference a duplicate block: in map order. */
static int dup_map_refs(struct meta *m)
{
	const uint32_t per = CHK_MAP_WINDOW / BTT_MAP_ENTRY_SIZE;
	const le32 *ent = (const le32 *)m->c->buf;
	unsigned ov = 0;
	int rc = 0;

	for (uint32_t lba0 = 0; lba0 < m->enl && !rc; lba0 += per) {
		uint32_t n = m->enl - lba0 < per ? m->enl - lba0 : per;

		rc = map_window(m, lba0, n, &ov, false);
		for (uint32_t i = 0; i < n && !rc; i++) {
			uint32_t post = postmap(get_le32(&ent[i]), lba0 + i);
			struct dup_block *d;

			if (post < m->inl && refmap_is_dup(&m->ref, post) &&
			    (d = find_dup(&m->dp, post)))
				add_ref(d, lba0 + i, false);
		}
		if (!rc)
			rc = poll_stop(m);
	}
	return rc;
}

static void dup_finding(struct meta *m, const struct dup_block *d)
{
	char refs[160] = "";
	size_t len = 0;
	struct pmemctl_btt_finding *f;

	for (uint32_t i = 0; i < d->nref && i < DUP_REFS; i++)
		len += (size_t)snprintf(refs + len, sizeof(refs) - len,
					d->ref[i].lane ? "%sflog lane %u" :
					"%smap[%#x]", i ? ", " : "",
					d->ref[i].who);
	f = chk_report(m->c, m->a, PR_BLOCK_DUP, d->block, d->nref, refs,
		       d->nref > DUP_REFS ? ", ..." : "");
	loc_block(f, d->block);
	loc_count(f, d->nref);
	if (!d->ref[0].lane)
		loc_lba(f, d->ref[0].who);
}

/* Second pass, only when some block is referenced twice: who does. */
static int dup_refs(struct meta *m)
{
	unsigned limit = m->c->max_listed;
	struct dup_pass *d = &m->dp;
	int rc;

	d->blk = calloc(limit < m->ref.ndup ? limit : m->ref.ndup,
			sizeof(*d->blk));
	if (!d->blk)
		return -ENOMEM;
	for (uint32_t b = 0; b < m->inl && d->n < limit; b++)
		if (refmap_is_dup(&m->ref, b))
			d->blk[d->n++].block = b;
	rc = dup_map_refs(m);
	for (unsigned i = 0; !rc && i < BTT_NFREE; i++) {
		struct lane *ln = &m->lanes[i];
		struct dup_block *x;

		if (ln->seq_ok && ln->l.old < m->inl &&
		    refmap_is_dup(&m->ref, ln->l.old) &&
		    (x = find_dup(d, ln->l.old)))
			add_ref(x, i, true);
	}
	for (unsigned i = 0; !rc && i < d->n; i++)
		dup_finding(m, &d->blk[i]);
	/* beyond the listing limit: counted, not described */
	if (!rc)
		chk_count(m->c, m->a, PMEMCTL_BTT_F_BLOCK_DUPLICATE,
			  m->ref.ndup - d->n);
	free(d->blk);
	d->blk = NULL;
	return rc;
}

/* ---- one arena ---------------------------------------------------------- */

static int account_blocks(struct meta *m)
{
	int rc;

	rc = refmap_init(&m->ref, m->inl);
	if (rc)
		return rc;
	rc = account_map(m);
	if (!rc)
		rc = free_blocks(m);
	if (!rc && m->ref.dup)
		rc = dup_refs(m);
	if (!rc)
		unreferenced(m);
	info(m->c->ctx, "%s: arena %u: %u map entries, %u internal blocks, %llu referenced twice",
	     m->c->name, m->a->idx, m->enl, m->inl,
	     (unsigned long long)m->ref.ndup);
	return rc;
}

static void old_layout_finding(struct meta *m)
{
	struct pmemctl_btt_finding *f;

	if (!m->c->o.rewrite_log || m->ba->log_index[1] != 2 ||
	    m->a->flog_bad)
		return;
	f = chk_report(m->c, m->a, PR_OLD_LAYOUT);
	loc_offset(f, m->ba->logoff);
	m->a->rewrite_finding = chk_index(m->c, f);
}

/* The per-arena state both flog passes start from, with the flog read. */
static int meta_init(struct btt_chk *c, struct chk_arena *a, struct meta *m)
{
	memset(m, 0, sizeof(*m));
	m->c = c;
	m->a = a;
	m->ba = &a->ba;
	m->enl = a->ba.external_nlba;
	m->inl = a->ba.internal_nlba;
	return btt_log_read(c->m, m->ba, m->log);
}

static int meta_load(struct btt_chk *c, struct chk_arena *a,
		     struct meta **out)
{
	struct meta *m = malloc(sizeof(*m));
	int rc;

	if (!m)
		return -ENOMEM;
	rc = meta_init(c, a, m);
	if (rc) {
		free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int chk_arena_meta(struct btt_chk *c, struct chk_arena *a)
{
	struct meta *m;
	int rc = meta_load(c, a, &m);

	if (rc)
		return rc;
	detect_layout(m);
	check_lanes(m);
	old_layout_finding(m);
	rc = check_pending(m);
	if (!rc)
		rc = account_blocks(m);
	refmap_free(&m->ref);
	free(m);
	return rc ? rc : c->rc;
}

/* ---- --rewrite-log ------------------------------------------------------ */

/* The kernel's __btt_log_write(), through the core. */
static int put_entry(struct meta *m, unsigned lane, int slot,
		     const struct btt_log_entry *src, uint32_t seq)
{
	struct btt_log_entry *e = &m->log[lane].ent[slot];

	*e = *src;
	put_le32(&e->seq, seq);
	return btt_log_write(m->c->m, m->ba, lane, slot, e);
}

static int write_half(struct btt_chk *c, uint64_t off, const void *src)
{
	return pmemctl_media_write(c->m, off, src, BTT_LOG_ENTRY_SIZE / 2);
}

/* Zero a slot, {new, seq} first so a torn write reads as seq 0. */
static int zero_entry(struct meta *m, unsigned lane, int slot)
{
	struct btt_log_entry *e = &m->log[lane].ent[slot];
	uint64_t off = slot_offset(m, lane, slot);
	int rc;

	memset(e, 0, sizeof(*e));
	rc = write_half(m->c, off + 8, (uint8_t *)e + 8);
	return rc ? rc : write_half(m->c, off, e);
}

static uint32_t seq_next(uint32_t s)
{
	return s == 3 ? 1 : s + 1;
}

/*
 * One step for every lane, then a flush, so each lane moves through
 * states that are valid in the old layout: the newer entry is copied
 * into both slots with advancing sequence numbers until slot 0 holds it
 * with seq 1, then the other slot is zeroed.  The end state, slot 0 =
 * {lba, old, new, 1} and zeroes, is what ndctl's --rewrite-log leaves
 * and reads the same in both layouts.
 */
static int rewrite_step(struct meta *m, int step)
{
	int i1 = m->ba->log_index[1], rc = 0;

	for (unsigned i = 0; i < BTT_NFREE && !rc; i++) {
		struct btt_lane *l = &m->lanes[i].l;
		uint32_t s = get_le32(&m->log[i].ent[l->slot].seq);

		if (step == 0 && l->slot == 0 && s != 1) {
			rc = put_entry(m, i, i1, &l->ent, seq_next(s));
			l->slot = i1;
		} else if (step == 1 && l->slot == i1 && s == 1) {
			rc = put_entry(m, i, 0, &l->ent, 2);
		} else if (step == 2 && l->slot == i1 && s == 1) {
			rc = put_entry(m, i, i1, &l->ent, 3);
		} else if (step == 3 && l->slot == i1) {
			rc = put_entry(m, i, 0, &l->ent, 1);
			l->slot = 0;
		} else if (step == 4) {
			for (int j = 1; j < 4 && !rc; j++)
				if (!btt_log_ent_is_pad(&m->log[i].ent[j]))
					rc = zero_entry(m, i, j);
		}
	}
	return rc ? rc : pmemctl_media_flush(m->c->m);
}

int chk_rewrite_prepare(struct btt_chk *c)
{
	if (!c->rw)
		c->rw = malloc(sizeof(*c->rw));
	return c->rw ? 0 : -ENOMEM;
}

int chk_rewrite_log(struct btt_chk *c, struct chk_arena *a)
{
	struct meta *m = c->rw;
	int rc;

	info(c->ctx, "%s: arena %u: rewriting the flog in the 0/1 layout",
	     c->name, a->idx);
	if (!m)
		return -EINVAL;		/* chk_rewrite_prepare() first */
	rc = meta_init(c, a, m);
	if (rc)
		return rc;
	check_lanes(m);
	for (unsigned i = 0; i < BTT_NFREE; i++)
		if (!m->lanes[i].seq_ok)
			rc = -EIO;	/* checked already */
	for (int step = 0; step < 5 && !rc; step++)
		rc = rewrite_step(m, step);
	return rc;
}
