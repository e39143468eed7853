/* SPDX-License-Identifier: LGPL-2.1-only */
/* State shared by btt-check.c (info blocks, chain, repair) and
 * btt-check-meta.c (flog, map, block accounting). */
#ifndef PMEMCTL_BTT_CHECK_INT_H
#define PMEMCTL_BTT_CHECK_INT_H

#include "btt-check.h"
#include "btt.h"
#include "infoblock.h"

#define CHK_MAP_WINDOW (1u << 20)	/* bytes of map read at a time */
#define CHK_DEFAULT_LISTED 1000
#define CHK_NO_FINDING (-1)

struct chk_mapfix {
	uint32_t lba;
	uint32_t value;			/* entry to write, CPU order */
	int finding;
};

/* Per-arena working state, parallel to result->arenas[]. */
struct chk_arena {
	unsigned idx;
	uint64_t off;			/* media offset of the arena */
	struct btt_sb sb;		/* the trusted info block */
	bool have_sb;
	bool fatal;			/* bad geometry: no deep checks */
	bool flog_bad;			/* no map fixes, no rewrite */
	int primary_finding, backup_finding, rewrite_finding;
	unsigned nmapfix;
	struct chk_mapfix mapfix[BTT_NFREE];
	int log_index[2];
	uint64_t counts[BTT_F_NR];
};

struct btt_chk {
	struct pmemctl_ctx *ctx;
	struct pmemctl_media *m;
	struct btt_check_opts o;
	const char *name;
	uint64_t size;
	unsigned major;
	struct btt_check_result *r;
	struct chk_arena *ca;
	unsigned nca, acap, fcap;
	unsigned max_listed;
	int rc;				/* sticky allocation failure */
	struct btt_finding scratch;	/* target for unlisted findings */
	uint64_t done, total;		/* progress, in map bytes */
	uint8_t *buf;			/* CHK_MAP_WINDOW bytes */
};

/*
 * Record a finding; returns the entry to fill in the location of (a
 * scratch entry when the finding is over the listing limit).
 */
struct btt_finding *chk_add(struct btt_chk *c, struct chk_arena *a,
			    enum btt_finding_kind kind, bool repairable,
			    const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Count @n findings of @kind that are not listed. */
void chk_count(struct btt_chk *c, struct chk_arena *a,
	       enum btt_finding_kind kind, uint64_t n);
/* Index of @f in the result, or CHK_NO_FINDING for the scratch entry. */
int chk_index(struct btt_chk *c, const struct btt_finding *f);

static inline void loc_offset(struct btt_finding *f, uint64_t v)
{
	f->offset = v;
	f->has |= BTT_LOC_OFFSET;
}

static inline void loc_lba(struct btt_finding *f, uint64_t v)
{
	f->lba = v;
	f->has |= BTT_LOC_LBA;
}

static inline void loc_lane(struct btt_finding *f, uint64_t v)
{
	f->lane = v;
	f->has |= BTT_LOC_LANE;
}

static inline void loc_block(struct btt_finding *f, uint64_t v)
{
	f->block = v;
	f->has |= BTT_LOC_BLOCK;
}

static inline void loc_count(struct btt_finding *f, uint64_t v)
{
	f->count = v;
	f->has |= BTT_LOC_COUNT;
}

static inline void chk_set_repairable(struct btt_chk *c, int idx, bool v)
{
	if (idx != CHK_NO_FINDING)
		c->r->findings[idx].repairable = v;
}

void chk_progress(struct btt_chk *c, uint64_t bytes);

/* Media offset of an arena-relative field of the trusted info block. */
#define sb_off(a, field) ((a)->off + get_le64(&(a)->sb.field))

/* btt-check-info.c: locate the BTT (sets major and start), -ENODEV. */
int chk_detect_btt(struct btt_chk *c);
/* btt-check-info.c: info blocks, geometry and chain of every arena. */
int chk_walk_arenas(struct btt_chk *c);
/* btt-check-meta.c: flog, map and bitmap checks of one arena. */
int chk_arena_meta(struct btt_chk *c, struct chk_arena *a);
/* btt-check-meta.c: convert a 0/2 flog to 0/1 (crash-safe per lane). */
int chk_rewrite_log(struct btt_chk *c, struct chk_arena *a);

#endif /* PMEMCTL_BTT_CHECK_INT_H */
